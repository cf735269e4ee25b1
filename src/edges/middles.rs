//! Middles: two books' lines that leave a window (home -2.5 here, away +3.5 there; over 44 here,
//! under 46.5 there) where both bets win. The chance of landing in the window, and on each line
//! where one bet pushes while the other wins, comes from the pricer's exact score distribution,
//! so a window across 3 or 7 is worth what the key numbers say, not what a normal curve says.

#[cfg(test)]
use super::board::EventIds;
use super::board::{self, family, Board, BoardKey};
#[cfg(test)]
use super::board::{usable, U64Hasher};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use crate::pricing::prices::IntPmf;
use crate::pricing::SlateSimulation;
use serde::Serialize;
#[cfg(test)]
use std::collections::{BTreeMap, HashMap};

/// Which score a middle is settled on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// Home minus away points (spreads).
    Margin,
    /// Combined points (totals).
    Total,
    HomePoints,
    AwayPoints,
}

/// The two legs: `low` wins when the score is above `low_at`, `high` when it is below `high_at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub low_at: f64,
    pub low_decimal: f64,
    pub high_at: f64,
    pub high_decimal: f64,
}

/// What a middle pays, from the exact distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MiddleOdds {
    /// Share of the total stake on the low and the high leg (equal payout when one leg wins).
    pub low_share: f64,
    pub high_share: f64,
    /// Both legs win.
    pub middle_prob: f64,
    /// One leg pushes while the other wins (the score lands on a whole-number line).
    pub push_prob: f64,
    /// One leg wins, the other loses.
    pub side_prob: f64,
    /// Expected profit per unit of total stake.
    pub ev: f64,
}

/// Prices a window on the score distribution `pmf`. `None` when the window is empty (the high
/// line is not above the low one) or a price is unusable.
pub fn price_window(pmf: &IntPmf, w: Window) -> Option<MiddleOdds> {
    let Window {
        low_at,
        low_decimal: d1,
        high_at,
        high_decimal: d2,
    } = w;
    let ok = |d: f64| d.is_finite() && d > 1.0;
    if !(low_at.is_finite() && high_at.is_finite() && low_at < high_at && ok(d1) && ok(d2)) {
        return None;
    }
    let mass = pmf.total_mass();
    if mass.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    Some(price_split(
        mass,
        pmf.split(low_at),
        pmf.split(high_at),
        d1,
        d2,
    ))
}

/// `price_window` from the distribution's mass and its splits at the two lines (a scan splits
/// at each low line once, not once per pair).
fn price_split(
    mass: f64,
    (_, at_low, below_low): (f64, f64, f64),
    (above_high, at_high, _): (f64, f64, f64),
    d1: f64,
    d2: f64,
) -> MiddleOdds {
    let (s1, s2) = (d2 / (d1 + d2), d1 / (d1 + d2));
    let inside = (mass - below_low - at_low - at_high - above_high).max(0.0);
    let p = |x: f64| x / mass;
    // Below the low line only the high leg wins; above the high line only the low leg does.
    let ev = p(below_low) * (s2 * d2 - 1.0)
        + p(at_low) * (s1 + s2 * d2 - 1.0)
        + p(inside) * (s1 * d1 + s2 * d2 - 1.0)
        + p(at_high) * (s1 * d1 + s2 - 1.0)
        + p(above_high) * (s1 * d1 - 1.0);
    MiddleOdds {
        low_share: s1,
        high_share: s2,
        middle_prob: p(inside),
        push_prob: p(at_low) + p(at_high),
        side_prob: p(below_low) + p(above_high),
        ev,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiddleLeg {
    pub book: String,
    pub market: MarketKind,
    pub selection: Selection,
    pub line: f64,
    pub american: i64,
    pub stake_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Middle {
    pub event_id: String,
    pub scope: Scope,
    pub axis: Axis,
    pub low: MiddleLeg,
    pub high: MiddleLeg,
    /// Width of the window in points (high line minus low line on the axis).
    pub width: f64,
    pub middle_prob: f64,
    pub push_prob: f64,
    pub ev: f64,
}

/// Which side of the axis a quote backs, and the score it must beat: Home -2.5 wins above a
/// margin of 2.5, Away +3.5 below 3.5, Over 44 above 44, Under 46.5 below 46.5.
pub fn leg_of(q: &Quote) -> Option<(Axis, bool, f64)> {
    use MarketKind as M;
    use Selection as S;
    let line = q.line.filter(|l| l.is_finite())?;
    Some(match (family(q.market), q.selection) {
        (M::Spread, S::Home) => (Axis::Margin, true, -line),
        (M::Spread, S::Away) => (Axis::Margin, false, line),
        (M::Total, S::Over) => (Axis::Total, true, line),
        (M::Total, S::Under) => (Axis::Total, false, line),
        (M::TeamTotal, S::HomeOver) => (Axis::HomePoints, true, line),
        (M::TeamTotal, S::HomeUnder) => (Axis::HomePoints, false, line),
        (M::TeamTotal, S::AwayOver) => (Axis::AwayPoints, true, line),
        (M::TeamTotal, S::AwayUnder) => (Axis::AwayPoints, false, line),
        _ => return None,
    })
}

fn axis_pmf<'s>(
    sim: &'s SlateSimulation,
    event_id: &str,
    scope: Scope,
    axis: Axis,
) -> Option<&'s IntPmf> {
    let d = sim.exact(event_id, scope)?;
    Some(match axis {
        Axis::Margin => &d.margin,
        Axis::Total => &d.total,
        Axis::HomePoints => &d.home,
        Axis::AwayPoints => &d.away,
    })
}

type Group<'a> = (&'a str, Scope, Axis);

/// A priced pair before it becomes a row (rows copy strings; most pairs never become one).
struct Candidate<'a> {
    group: Group<'a>,
    low: &'a Quote,
    high: &'a Quote,
    window: Window,
    odds: MiddleOdds,
}

/// The rows' order: best EV first. It is total (a group holds one pair per two thresholds), so
/// the rows do not depend on the order pairs were found in.
fn by_rank(a: &Candidate, b: &Candidate) -> std::cmp::Ordering {
    b.odds
        .ev
        .total_cmp(&a.odds.ev)
        .then_with(|| a.group.cmp(&b.group))
        .then_with(|| a.window.low_at.total_cmp(&b.window.low_at))
        .then_with(|| a.window.high_at.total_cmp(&b.window.high_at))
}

/// The candidates that can still reach the best `limit`. Once twice `limit` are held the best
/// `limit` are kept and the worst EV among them becomes the cutoff: a pair below it ranks under
/// `limit` held ones (which leave only for better ones), so it can never be returned, and a
/// block of pairs whose EV is bounded below it need not be priced at all.
struct Top<'a> {
    found: Vec<Candidate<'a>>,
    limit: usize,
    /// `min_ev`, raised to the `limit`-th best EV held.
    cutoff: f64,
}

impl<'a> Top<'a> {
    fn new(min_ev: f64, limit: usize) -> Top<'a> {
        Top {
            found: Vec::new(),
            limit,
            cutoff: min_ev,
        }
    }

    fn push(&mut self, c: Candidate<'a>) {
        // Below the cutoff, or not a number (never a row, as before).
        if c.odds
            .ev
            .partial_cmp(&self.cutoff)
            .is_none_or(|o| o.is_lt())
        {
            return;
        }
        self.found.push(c);
        if self.limit > 0 && self.found.len() >= self.limit.saturating_mul(2) {
            self.found.select_nth_unstable_by(self.limit - 1, by_rank);
            self.found.truncate(self.limit);
            if let Some(last) = self.found.last() {
                self.cutoff = self.cutoff.max(last.odds.ev);
            }
        }
    }

    /// No pair whose EV is at most `bound` can be returned. The margin covers rounding in the
    /// bound and in the exact EV: both sum a few terms no larger than twice what one leg pays
    /// back, which the bound itself exceeds less one, so their errors stay far below a
    /// billionth of the bound's size (or of one, for ordinary prices).
    fn out_of_reach(&self, bound: f64) -> bool {
        bound + 1e-9 * (1.0 + bound.abs()) < self.cutoff
    }
}

/// The middles on the board whose EV per unit of total stake reaches `min_ev`, best EV first,
/// at most `limit` of them. Only the best price at each number enters a pair: a worse price at
/// the same number can only make the same window worse.
pub fn find_middles(
    latest: &[&Quote],
    sim: &SlateSimulation,
    min_ev: f64,
    limit: usize,
) -> Vec<Middle> {
    middles_in(&Board::of(latest), sim, min_ev, limit)
}

/// Which axis a cross-book spread, total or team-total market settles on.
fn axis_of(key: &BoardKey<'_>) -> Option<Axis> {
    match (key.market, key.side) {
        (MarketKind::Spread, 0) => Some(Axis::Margin),
        (MarketKind::Total, 0) => Some(Axis::Total),
        (MarketKind::TeamTotal, 1) => Some(Axis::HomePoints),
        (MarketKind::TeamTotal, 2) => Some(Axis::AwayPoints),
        _ => None,
    }
}

/// The threshold in hundredths that `leg_of` gives both legs of a board market, from its key
/// instead of its quotes (reading the winners' quotes again, scattered over the board, cost a
/// cache miss each). A spread's key holds the home line and the threshold is its negation
/// (rounding to hundredths is symmetric about zero); a total's is the line itself. `None` for a
/// line so large that its hundredths saturated, where negation is not exact: read the quote.
fn threshold(key: &BoardKey<'_>) -> Option<i64> {
    let line = key.line.filter(|l| *l != i64::MIN && *l != i64::MAX)?;
    Some(if key.market == MarketKind::Spread {
        -line
    } else {
        line
    })
}

/// A leg's threshold in hundredths, its book's rank, its price and the quote.
type Leg<'q> = (i64, u32, f64, &'q Quote);

/// The same over a board already grouped. A board market (one number) holds exactly the quotes
/// whose low or high leg sits at one threshold of one axis, and the markets of one axis are
/// adjacent in key order, so each axis's ladder of best legs comes from consecutive markets
/// with no second grouping of the board and no second read of every quote.
pub fn middles_in(
    board: &Board<'_>,
    sim: &SlateSimulation,
    min_ev: f64,
    limit: usize,
) -> Vec<Middle> {
    let mut top = Top::new(min_ev, limit);
    // The axis being gathered, by event rank (equal ranks are equal ids), and its group.
    let mut run: Option<((u32, Scope, Axis), Group)> = None;
    let mut sides: [Vec<Leg>; 2] = [Vec::new(), Vec::new()];
    for (event, key, legs) in board.ranked_markets() {
        let Some(axis) = axis_of(key) else { continue };
        let at = (event, key.scope, axis);
        if run.map(|r| r.0) != Some(at) {
            if let Some((_, g)) = run {
                pair_up(g, &mut sides, sim, &mut top);
            }
            run = Some((at, (key.event_id, key.scope, axis)));
        }
        // The best low leg (the first selection: home, over) and high leg at this number; ties
        // go to the alphabetically first book, an exact tie to the first quote on the board.
        let mut best: [Option<&board::Leg>; 2] = [None, None];
        for leg in legs {
            let Some(slot) = best.get_mut(usize::from(leg.sel)) else {
                continue;
            };
            let better = match slot {
                Some(old) => leg
                    .decimal
                    .total_cmp(&old.decimal)
                    .then_with(|| old.book.cmp(&leg.book))
                    .is_gt(),
                None => true,
            };
            if better {
                *slot = Some(leg);
            }
        }
        let at = threshold(key);
        for (side, leg) in sides.iter_mut().zip(best) {
            if let Some(l) = leg {
                let at =
                    at.or_else(|| leg_of(l.quote).map(|(_, _, at)| (at * 100.0).round() as i64));
                if let Some(at) = at {
                    side.push((at, l.book, l.decimal, l.quote));
                }
            }
        }
    }
    if let Some((_, g)) = run {
        pair_up(g, &mut sides, sim, &mut top);
    }
    rank(top.found, limit)
}

/// High lines are priced in blocks of this many (in line order) under one EV bound.
const BLOCK: usize = 8;

/// An upper bound on `price_split`'s EV for every pair of a low leg at price `d1`, with
/// `below_low` of the mass below its line, and a high leg priced at most `d2` whose line has at
/// least `above_high` of the mass above it. With h = d1 d2 / (d1 + d2), what a bet on either leg
/// pays back alone, the EV is h - 1 + h P(inside) + s1 P(at low) + s2 P(at high), and both stake
/// shares are below h (h = s1 d1 = s2 d2, prices above 1); so EV <= h (1 + P(from the low line
/// to the high one)) - 1, on a distribution without negative mass. h grows with either price.
fn ev_bound(mass: f64, below_low: f64, above_high: f64, d1: f64, d2: f64) -> f64 {
    let h = d1 * d2 / (d1 + d2);
    let between = ((mass - below_low - above_high) / mass).max(0.0);
    h * (1.0 + between) - 1.0
}

/// Prices every window between one axis's low and high legs that can reach the rows, then
/// empties both sides.
fn pair_up<'q>(
    group: Group<'q>,
    sides: &mut [Vec<Leg<'q>>; 2],
    sim: &SlateSimulation,
    top: &mut Top<'q>,
) {
    let [lows, highs] = sides;
    let (event_id, scope, axis) = group;
    // `price_window`'s refusals, checked once per axis and per low leg instead of per pair.
    let ok = |d: f64| d.is_finite() && d > 1.0;
    let pmf = axis_pmf(sim, event_id, scope, axis)
        .filter(|pmf| pmf.total_mass().partial_cmp(&0.0) == Some(std::cmp::Ordering::Greater));
    if let Some(pmf) = pmf {
        let mass = pmf.total_mass();
        // Thresholds are distinct within a side (one market per number).
        highs.sort_unstable_by_key(|l| l.0);
        // Each high line split once per axis, not once per pair.
        let splits: Vec<_> = highs
            .iter()
            .map(|h| pmf.split(h.0 as f64 / 100.0))
            .collect();
        // Per block of high lines: the best price and the least mass above a line, which bound
        // every pair in the block (`ev_bound`); no bound where the distribution is not one.
        let bounded = pmf.is_nonnegative();
        let blocks: Vec<(f64, f64)> = highs
            .chunks(BLOCK)
            .zip(splits.chunks(BLOCK))
            .map(|(h, s)| {
                let d2 = h.iter().map(|l| l.2).fold(f64::NEG_INFINITY, f64::max);
                let above = s.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
                (d2, above)
            })
            .collect();
        for &(lo_at, lo_book, lo_d, lo) in lows.iter() {
            let low_at = lo_at as f64 / 100.0;
            if !(low_at.is_finite() && ok(lo_d)) {
                continue;
            }
            let low_split = pmf.split(low_at);
            // Only high lines above the low one leave a window.
            let mut from = highs.partition_point(|h| h.0 <= lo_at);
            while from < highs.len() {
                let b = from / BLOCK;
                let end = ((b + 1) * BLOCK).min(highs.len());
                let (d2, above) = blocks[b];
                if bounded && top.out_of_reach(ev_bound(mass, low_split.2, above, lo_d, d2)) {
                    from = end;
                    continue;
                }
                for (&(hi_at, hi_book, hi_d, hi), &high_split) in
                    highs[from..end].iter().zip(&splits[from..end])
                {
                    let high_at = hi_at as f64 / 100.0;
                    if lo_book == hi_book || !(high_at.is_finite() && low_at < high_at && ok(hi_d))
                    {
                        continue;
                    }
                    // The same bound for this pair alone: a division where the exact price
                    // takes seven.
                    let bound = ev_bound(mass, low_split.2, high_split.0, lo_d, hi_d);
                    if bounded && top.out_of_reach(bound) {
                        continue;
                    }
                    let window = Window {
                        low_at,
                        low_decimal: lo_d,
                        high_at,
                        high_decimal: hi_d,
                    };
                    top.push(Candidate {
                        group,
                        low: lo,
                        high: hi,
                        window,
                        odds: price_split(mass, low_split, high_split, lo_d, hi_d),
                    });
                }
                from = end;
            }
        }
    }
    lows.clear();
    highs.clear();
}

/// The best `limit` candidates by EV as rows, in `by_rank` order.
fn rank(mut found: Vec<Candidate>, limit: usize) -> Vec<Middle> {
    if found.len() > limit && limit > 0 {
        found.select_nth_unstable_by(limit - 1, by_rank);
    }
    found.truncate(limit);
    found.sort_unstable_by(by_rank);
    let leg = |q: &Quote, share: f64| MiddleLeg {
        book: q.book.clone(),
        market: q.market,
        selection: q.selection,
        line: q.line.unwrap_or(f64::NAN),
        american: q.american,
        stake_share: share,
    };
    found
        .into_iter()
        .map(|c| Middle {
            event_id: c.group.0.to_string(),
            scope: c.group.1,
            axis: c.group.2,
            low: leg(c.low, c.odds.low_share),
            high: leg(c.high, c.odds.high_share),
            width: c.window.high_at - c.window.low_at,
            middle_prob: c.odds.middle_prob,
            push_prob: c.odds.push_prob,
            ev: c.odds.ev,
        })
        .collect()
}

/// The algorithm before the shared board (its own BTreeMap grouping of the board), kept to
/// prove the shared-board scan gives identical rows.
#[cfg(test)]
pub(crate) fn find_middles_reference(
    latest: &[&Quote],
    sim: &SlateSimulation,
    min_ev: f64,
    limit: usize,
) -> Vec<Middle> {
    // Per (event, scope, axis): best low leg and best high leg at each threshold (hundredths).
    let mut events = EventIds::default();
    // Book numbers, so the same-book check on every pair compares integers.
    let mut books = EventIds::default();
    type Leg<'q> = (u32, f64, &'q Quote);
    type Sides<'q> = (Group<'q>, [BTreeMap<i64, Leg<'q>>; 2]);
    let mut by: HashMap<u64, Sides<'_>, U64Hasher> = HashMap::default();
    for q in latest {
        if !usable(q) {
            continue;
        }
        let Some((axis, is_low, at)) = leg_of(q) else {
            continue;
        };
        let e = events.id(&q.event_id);
        let packed = (u64::from(e) << 16) | ((q.scope as u64) << 8) | axis as u64;
        let slot = &mut by
            .entry(packed)
            .or_insert_with(|| {
                (
                    (q.event_id.as_str(), q.scope, axis),
                    [BTreeMap::new(), BTreeMap::new()],
                )
            })
            .1[usize::from(!is_low)];
        let at = (at * 100.0).round() as i64;
        let d = q.decimal();
        let better = |(_, old_d, old): &Leg| {
            d.total_cmp(old_d)
                .then_with(|| old.book.cmp(&q.book))
                .is_gt()
        };
        match slot.get(&at) {
            Some(old) if !better(old) => {}
            _ => {
                slot.insert(at, (books.id(&q.book), d, q));
            }
        }
    }
    let mut found: Vec<Candidate> = Vec::new();
    for (group, [lows, highs]) in by.values() {
        let (event_id, scope, axis) = *group;
        let Some(pmf) = axis_pmf(sim, event_id, scope, axis) else {
            continue;
        };
        for (&lo_at, &(lo_book, lo_d, lo)) in lows {
            // Only high lines above the low one leave a window.
            for (&hi_at, &(hi_book, hi_d, hi)) in highs.range(lo_at + 1..) {
                if lo_book == hi_book {
                    continue;
                }
                let window = Window {
                    low_at: lo_at as f64 / 100.0,
                    low_decimal: lo_d,
                    high_at: hi_at as f64 / 100.0,
                    high_decimal: hi_d,
                };
                match price_window(pmf, window) {
                    Some(odds) if odds.ev >= min_ev => found.push(Candidate {
                        group: *group,
                        low: lo,
                        high: hi,
                        window,
                        odds,
                    }),
                    _ => {}
                }
            }
        }
    }
    rank(found, limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sim() -> SlateSimulation {
        crate::edges::tests::one_game_sim(&Default::default(), 3.0)
    }

    fn quote(book: &str, market: MarketKind, selection: Selection, line: f64, am: i64) -> Quote {
        crate::edges::tests::q(book, market, selection, Some(line), am, 0)
    }

    fn middles(qs: &[Quote], sim: &SlateSimulation) -> Vec<Middle> {
        let refs: Vec<&Quote> = qs.iter().collect();
        find_middles(&refs, sim, -1.0, usize::MAX)
    }

    #[test]
    fn home_minus_2_5_away_plus_3_5_lands_on_exactly_three() {
        let sim = sim();
        let p3 = sim.exact("ev1", Scope::Game).expect("dist").margin.at(3);
        // The pricer's own answer for the same number: home -3 pushes exactly when margin is 3.
        let push = sim
            .outcome(
                "ev1",
                MarketKind::Spread,
                Scope::Game,
                Selection::Home,
                Some(-3.0),
            )
            .expect("outcome")
            .push;
        assert!(
            (p3 - push).abs() < 1e-15 && p3 > 0.05,
            "P(margin = 3) = {p3}"
        );
        let m = middles(
            &[
                quote("a", MarketKind::Spread, Selection::Home, -2.5, -110),
                quote("b", MarketKind::SpreadAlt, Selection::Away, 3.5, -110),
            ],
            &sim,
        );
        assert_eq!(m.len(), 1);
        let m = &m[0];
        assert_eq!(m.axis, Axis::Margin);
        assert!(
            (m.middle_prob - p3).abs() < 1e-12,
            "{} vs {p3}",
            m.middle_prob
        );
        assert_eq!(m.push_prob, 0.0);
        assert!((m.width - 1.0).abs() < 1e-12);
        // -110 both ways with equal stakes: win 0.909 of a unit on the middle, lose 0.0476 off it.
        let d = 1.0 + 100.0 / 110.0;
        let want = p3 * (d - 1.0) + (1.0 - p3) * (d / 2.0 - 1.0);
        assert!((m.ev - want).abs() < 1e-12);
        assert!((m.low.stake_share - 0.5).abs() < 1e-12);
    }

    #[test]
    fn whole_number_lines_push_one_leg_and_win_the_other() {
        let sim = sim();
        let p3 = sim.exact("ev1", Scope::Game).expect("dist").margin.at(3);
        // Home -3 / away +3.5: no score strictly inside, a margin of 3 pushes home and wins away.
        let m = middles(
            &[
                quote("a", MarketKind::Spread, Selection::Home, -3.0, -110),
                quote("b", MarketKind::Spread, Selection::Away, 3.5, -110),
            ],
            &sim,
        );
        assert_eq!(m.len(), 1);
        assert!(m[0].middle_prob.abs() < 1e-12);
        assert!((m[0].push_prob - p3).abs() < 1e-12);
        // Home -2.5 / away +3: a margin of 3 wins home and pushes away: the same half-win.
        let m = middles(
            &[
                quote("a", MarketKind::Spread, Selection::Home, -2.5, -110),
                quote("b", MarketKind::Spread, Selection::Away, 3.0, -110),
            ],
            &sim,
        );
        assert!((m[0].push_prob - p3).abs() < 1e-12 && m[0].middle_prob.abs() < 1e-12);
        // A half-win at -110: stakes back on one leg, 1.909 on the other, of 2 staked.
        let d = 1.0 + 100.0 / 110.0;
        let want = p3 * ((0.5 + 0.5 * d) - 1.0) + (1.0 - p3) * (d / 2.0 - 1.0);
        assert!((m[0].ev - want).abs() < 1e-12);
    }

    #[test]
    fn totals_window_and_key_numbers() {
        let sim = sim();
        let total = &sim.exact("ev1", Scope::Game).expect("dist").total;
        let m = middles(
            &[
                quote("a", MarketKind::Total, Selection::Over, 44.0, -110),
                quote("b", MarketKind::TotalAlt, Selection::Under, 46.5, -110),
            ],
            &sim,
        );
        assert_eq!(m.len(), 1);
        assert!((m[0].middle_prob - (total.at(45) + total.at(46))).abs() < 1e-12);
        assert!((m[0].push_prob - total.at(44)).abs() < 1e-12);
        // A one-point window across 3 beats one across 5: the key number carries the weight.
        let margin = &sim.exact("ev1", Scope::Game).expect("dist").margin;
        assert!(margin.at(3) > 1.5 * margin.at(5));
        // No window, no middle; the same book on both legs is not a middle either.
        assert!(middles(
            &[
                quote("a", MarketKind::Spread, Selection::Home, -3.5, -110),
                quote("b", MarketKind::Spread, Selection::Away, 3.0, -110),
            ],
            &sim
        )
        .is_empty());
        assert!(middles(
            &[
                quote("a", MarketKind::Spread, Selection::Home, -2.5, -110),
                quote("a", MarketKind::SpreadAlt, Selection::Away, 3.5, -110),
            ],
            &sim
        )
        .is_empty());
    }

    proptest! {
        #[test]
        fn window_probabilities_sum_to_one(lo in -20.0f64..20.0, width in 0.5f64..10.0,
                                           d1 in 1.01f64..5.0, d2 in 1.01f64..5.0) {
            let pmf = IntPmf::new(-5, vec![0.1; 10]);
            let lo = (lo * 2.0).round() / 2.0;
            let w = Window { low_at: lo, low_decimal: d1, high_at: lo + width, high_decimal: d2 };
            let o = price_window(&pmf, w).expect("a window");
            prop_assert!((o.middle_prob + o.push_prob + o.side_prob - 1.0).abs() < 1e-9);
            prop_assert!((o.low_share * d1 - o.high_share * d2).abs() < 1e-9);
            prop_assert!(o.ev.is_finite());
        }

        #[test]
        fn the_threshold_from_the_key_is_the_one_leg_of_gives(
            line in prop_oneof![-60.0f64..60.0, any::<f64>()], pick in 0usize..8,
            half in any::<bool>(),
        ) {
            use MarketKind as M;
            use Selection as S;
            let (market, selection) = [
                (M::Spread, S::Home), (M::SpreadAlt, S::Away), (M::Total, S::Over),
                (M::TotalAlt, S::Under), (M::TeamTotal, S::HomeOver), (M::TeamTotal, S::HomeUnder),
                (M::TeamTotal, S::AwayOver), (M::TeamTotal, S::AwayUnder),
            ][pick];
            // Half and quarter points as books deal them, and any float besides.
            let line = if half { (line * 4.0).round() / 4.0 } else { line };
            let q = Quote { line: Some(line), ..quote("a", market, selection, 0.0, -110) };
            if let (Some(key), Some((_, _, at))) = (crate::edges::board::board_key(&q), leg_of(&q)) {
                if let Some(t) = threshold(&key) {
                    prop_assert_eq!(t, (at * 100.0).round() as i64);
                }
            }
        }

        #[test]
        fn the_ev_bound_is_above_every_priced_window(
            masses in proptest::collection::vec(0.0f64..1.0, 1..30),
            lo in -2.0f64..30.0, width in 0.5f64..20.0,
            a1 in prop_oneof![-2000i64..=-100, 100i64..=2000, Just(1_000_000_000_000)],
            a2 in prop_oneof![-2000i64..=-100, 100i64..=2000, Just(1_000_000_000_000)],
        ) {
            let pmf = IntPmf::new(0, masses);
            let (lo, hi) = ((lo * 2.0).round() / 2.0, (lo * 2.0).round() / 2.0 + width);
            let d = |a: i64| crate::domain::odds::american_to_decimal(a).expect("a price");
            let w = Window { low_at: lo, low_decimal: d(a1), high_at: hi, high_decimal: d(a2) };
            if let Some(o) = price_window(&pmf, w) {
                let mass = pmf.total_mass();
                let bound = ev_bound(mass, pmf.split(lo).2, pmf.split(hi).0, d(a1), d(a2));
                let top = Top::new(o.ev, 1);
                prop_assert!(!top.out_of_reach(bound), "ev {} bound {}", o.ev, bound);
            }
        }

        #[test]
        fn odd_windows_are_refused_not_panicked(a in any::<f64>(), b in any::<f64>(),
                                                d1 in any::<f64>(), d2 in any::<f64>()) {
            let pmf = IntPmf::new(0, vec![0.5, 0.5]);
            let w = Window { low_at: a, low_decimal: d1, high_at: b, high_decimal: d2 };
            if let Some(o) = price_window(&pmf, w) {
                prop_assert!(o.ev.is_finite());
            }
        }
    }
}
