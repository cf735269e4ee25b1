//! Closing-line value: how a bet's price compares with the market's last word before kickoff.
//! Pure: the caller hands in the closing quotes (the store keeps the odds path) and, for bets
//! whose line has moved since, the score model that values the move.
//!
//! Definitions, per reference close (the same book's, or the de-vigged sharp consensus):
//! `prob` is the bet's win probability given action (no push) at the bet's own line under the
//! close; `points = prob - 1/decimal` (how much likelier to win than the price needs) and
//! `roi = prob * decimal - 1` (expected return per unit with action, at the close). So
//! `roi = points * decimal`, which is why the ledger stores only the points.
//!
//! A moved line (bet -2.5, close -3) is not valued by a flat cents-per-point rule: the close's
//! fair probability at its own line fixes where the model's exact score distribution is centred,
//! and the bet is then priced at its line under that distribution. Half-points that cross a key
//! number (3, 7) carry the push mass of that margin, so they are worth more than one across 5.

use super::consensus::{consensus, is_sharp, MarketKey};
use crate::config::schema::AnalyticsConfig;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use crate::pricing::keynumbers::MAX_MARGIN;
use crate::pricing::model::{GameInputs, ScoreModel};
use crate::pricing::prices::{IntPmf, OutcomeProb, ScopeDist};
use std::collections::BTreeMap;

/// The bet being measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BetLine {
    pub market: MarketKind,
    pub scope: Scope,
    pub selection: Selection,
    pub line: Option<f64>,
    pub book: String,
    pub decimal: f64,
}

/// CLV against one reference close.
#[derive(Debug, Clone, PartialEq)]
pub struct Clv {
    /// The closing line the reference used (the selection's point of view).
    pub close_line: Option<f64>,
    /// Fair win probability given action at the closing line.
    pub close_prob: f64,
    /// Push probability at the closing line under the distribution that values a moved line
    /// (zero when the line did not move: no model was needed).
    pub close_push: f64,
    /// The bet's win probability given action at its own line, under the close.
    pub prob: f64,
    /// `prob - 1/decimal`, in probability (0.02 is two points).
    pub points: f64,
    /// `prob * decimal - 1`: expected return per unit with action at the close.
    pub roi: f64,
    /// Whether the bet's line differs from the close's.
    pub moved: bool,
}

/// CLV against the same book and the sharp consensus; each is `None` with its reason when it
/// cannot be measured (no close, a moved line with no model for the market).
#[derive(Debug, Clone, PartialEq)]
pub struct ClvReport {
    pub book: Result<Clv, String>,
    pub consensus: Result<Clv, String>,
}

/// The score model and the event's expected (margin, total), which place the axis a moved line
/// slides along.
#[derive(Clone, Copy)]
pub struct LineModel<'a> {
    pub model: &'a ScoreModel,
    pub base: GameInputs,
}

/// The closing quote of every slot in `path`: the last one observed before `kickoff_ms`. A slot
/// is (book, market, scope, selection, ladder rung), as the store keys its odds path.
pub fn closing_quotes(path: &[Quote], kickoff_ms: i64) -> Vec<Quote> {
    let mut last: BTreeMap<(String, &str, &str, &str, String), &Quote> = BTreeMap::new();
    for q in path.iter().filter(|q| q.observed_ms < kickoff_ms) {
        let key = (
            q.book.clone(),
            q.market.as_str(),
            q.scope.as_str(),
            q.selection.as_str(),
            q.ladder_key(),
        );
        match last.get(&key) {
            Some(prev) if prev.observed_ms > q.observed_ms => {}
            _ => {
                last.insert(key, q);
            }
        }
    }
    last.into_values().cloned().collect()
}

/// CLV of `bet` against `close` (the event's closing quotes, see [`closing_quotes`]).
pub fn clv(
    bet: &BetLine,
    close: &[Quote],
    model: Option<LineModel<'_>>,
    cfg: &AnalyticsConfig,
) -> ClvReport {
    if !(bet.decimal.is_finite() && bet.decimal > 1.0) {
        let why = format!("decimal: expected a price above 1, got {}", bet.decimal);
        return ClvReport {
            book: Err(why.clone()),
            consensus: Err(why),
        };
    }
    let same_market: Vec<&Quote> = close
        .iter()
        .filter(|q| q.market == bet.market && q.scope == bet.scope)
        .collect();
    ClvReport {
        book: book_close(bet, &same_market, cfg).and_then(|(l, p)| value(bet, l, p, model)),
        consensus: consensus_close(bet, &same_market, cfg)
            .and_then(|(l, p)| value(bet, l, p, model)),
    }
}

/// The bet's selection at its own book's close: (line, fair probability given action). The
/// book's closing market is de-vigged when every side of it closed; otherwise its raw implied
/// probability stands in (it overstates the close by the margin, so CLV errs low).
fn book_close(
    bet: &BetLine,
    quotes: &[&Quote],
    cfg: &AnalyticsConfig,
) -> Result<(Option<f64>, f64), String> {
    let same_book = |q: &&&Quote| q.book.eq_ignore_ascii_case(&bet.book);
    let own: Vec<&Quote> = quotes
        .iter()
        .filter(same_book)
        .filter(|q| q.selection == bet.selection)
        .filter(|q| !bet.market.is_ladder() || q.line == bet.line)
        .copied()
        .collect();
    let Some(q) = own.iter().max_by_key(|q| q.observed_ms) else {
        return Err(format!("{} has no closing quote for this bet", bet.book));
    };
    let key = MarketKey::of(q).ok_or("the closing quote has no line")?;
    let market: Vec<&Quote> = quotes
        .iter()
        .filter(same_book)
        .filter(|o| MarketKey::of(o).as_ref() == Some(&key))
        .copied()
        .collect();
    let devigged = consensus(&key, &market, cfg).and_then(|c| c.prob.get(&bet.selection).copied());
    let prob = devigged.unwrap_or(1.0 / q.decimal());
    if !(prob.is_finite() && prob > 0.0 && prob < 1.0) {
        return Err(format!("{}'s closing price is not usable", bet.book));
    }
    Ok((q.line, prob))
}

/// The de-vigged consensus of the sharp books at the close (every book when no sharp book
/// closed a complete market): the line most books closed at, then its fair probability.
fn consensus_close(
    bet: &BetLine,
    quotes: &[&Quote],
    cfg: &AnalyticsConfig,
) -> Result<(Option<f64>, f64), String> {
    let mut keys: BTreeMap<MarketKey, Vec<&Quote>> = BTreeMap::new();
    for q in quotes {
        if let Some(k) = MarketKey::of(q) {
            if k.selections().contains(&bet.selection) {
                keys.entry(k).or_default().push(q);
            }
        }
    }
    if bet.market.is_ladder() {
        keys.retain(|_, qs| {
            qs.iter()
                .any(|q| q.selection == bet.selection && q.line == bet.line)
        });
    }
    for sharp_only in [true, false] {
        let mut best: Option<(usize, f64, Option<f64>, f64)> = None;
        for (key, qs) in &keys {
            let pool: Vec<&Quote> = qs
                .iter()
                .filter(|q| !sharp_only || is_sharp(&q.book, cfg))
                .copied()
                .collect();
            let Some(c) = consensus(key, &pool, cfg) else {
                continue;
            };
            let Some(p) = c.prob.get(&bet.selection).copied() else {
                continue;
            };
            let line = pool
                .iter()
                .find(|q| q.selection == bet.selection)
                .and_then(|q| q.line);
            // Most books first; on a tie, the line nearest the bet's (least model needed).
            let distance = match (line, bet.line) {
                (Some(a), Some(b)) => (a - b).abs(),
                _ => 0.0,
            };
            let better = match &best {
                None => true,
                Some((n, d, _, _)) => c.books.len() > *n || (c.books.len() == *n && distance < *d),
            };
            if better {
                best = Some((c.books.len(), distance, line, p));
            }
        }
        if let Some((_, _, line, p)) = best {
            return Ok((line, p));
        }
    }
    Err("no complete market at the close to form a consensus".into())
}

/// Values the bet against a close of `close_prob` at `close_line`.
fn value(
    bet: &BetLine,
    close_line: Option<f64>,
    close_prob: f64,
    model: Option<LineModel<'_>>,
) -> Result<Clv, String> {
    let moved = match (close_line, bet.line) {
        (Some(c), Some(b)) => (c - b).abs() > 1e-9,
        (None, None) => false,
        _ => return Err("the close and the bet disagree on whether there is a line".into()),
    };
    let (prob, close_push) = if moved {
        let m = model.ok_or("the line moved and no score model is loaded to value the move")?;
        move_line(m, bet, close_line, close_prob, bet.line)
            .ok_or_else(|| format!("cannot value a moved {} line", bet.market.as_str()))?
    } else {
        (close_prob, 0.0)
    };
    let points = prob - 1.0 / bet.decimal;
    Ok(Clv {
        close_line,
        close_prob,
        close_push,
        prob,
        points,
        roi: prob * bet.decimal - 1.0,
        moved,
    })
}

/// The axis a line slides along: the quantity the market's line is a threshold of.
fn inputs_at(market: MarketKind, selection: Selection, base: GameInputs, x: f64) -> GameInputs {
    let home = (base.mean_total + base.mean_margin) / 2.0;
    let away = (base.mean_total - base.mean_margin) / 2.0;
    match (market, selection) {
        (MarketKind::Total | MarketKind::TotalAlt, _) => GameInputs {
            mean_margin: base.mean_margin,
            mean_total: x,
        },
        (MarketKind::TeamTotal, Selection::HomeOver | Selection::HomeUnder) => GameInputs {
            mean_margin: x - away,
            mean_total: x + away,
        },
        (MarketKind::TeamTotal, _) => GameInputs {
            mean_margin: home - x,
            mean_total: home + x,
        },
        _ => GameInputs {
            mean_margin: x,
            mean_total: base.mean_total,
        },
    }
}

fn axis_range(market: MarketKind) -> (f64, f64) {
    match market {
        MarketKind::Total | MarketKind::TotalAlt => (15.0, 90.0),
        MarketKind::TeamTotal => (1.0, 50.0),
        _ => (-40.0, 40.0),
    }
}

/// Centres the model's distribution so the selection wins `close_prob` of the time (given
/// action) at `close_line`, then returns (the bet's win probability given action at `bet_line`,
/// the push probability at the closing line). `None` when no centre on the axis reproduces the
/// close.
pub fn move_line(
    m: LineModel<'_>,
    bet: &BetLine,
    close_line: Option<f64>,
    close_prob: f64,
    bet_line: Option<f64>,
) -> Option<(f64, f64)> {
    let (x, at) = centre(m, bet, close_line, close_prob)?;
    let push = at(x, close_line)?.push;
    Some((at(x, bet_line)?.win_given_action(), push))
}

/// The model's inputs centred so the selection of `bet`'s market wins `prob` of the time (given
/// action) at `line`: a market's line and fair price turned into the expected margin or total
/// that the exact distribution gives them (the other axis stays at `m.base`).
pub fn centred_inputs(
    m: LineModel<'_>,
    bet: &BetLine,
    line: Option<f64>,
    prob: f64,
) -> Option<GameInputs> {
    let (x, _) = centre(m, bet, line, prob)?;
    Some(inputs_at(bet.market, bet.selection, m.base, x))
}

type AxisPrice<'a> = Box<dyn Fn(f64, Option<f64>) -> Option<OutcomeProb> + 'a>;

/// The axis position where the selection wins `close_prob` at `close_line`, and the pricing of
/// the selection at any centre and line.
fn centre<'a>(
    m: LineModel<'a>,
    bet: &'a BetLine,
    close_line: Option<f64>,
    close_prob: f64,
) -> Option<(f64, AxisPrice<'a>)> {
    // Full-game margin markets need only the margin's pmf, which the joint distribution keeps
    // exactly as its margin marginal: far cheaper than building the joint at every step.
    let margin_only = bet.scope == Scope::Game
        && matches!(
            bet.market,
            MarketKind::Spread
                | MarketKind::SpreadAlt
                | MarketKind::Moneyline
                | MarketKind::Moneyline3Way
        );
    let at = move |x: f64, line: Option<f64>| -> Option<OutcomeProb> {
        let inputs = inputs_at(bet.market, bet.selection, m.base, x);
        let dist = if margin_only {
            ScopeDist {
                margin: IntPmf::new(-MAX_MARGIN, m.model.margin_pmf(inputs.mean_margin)),
                total: IntPmf::new(0, Vec::new()),
                home: IntPmf::new(0, Vec::new()),
                away: IntPmf::new(0, Vec::new()),
                samples: None,
            }
        } else {
            ScopeDist::from_joint(&m.model.joint(&inputs, bet.scope))
        };
        dist.outcome(bet.market, bet.selection, line)
    };
    let f = |x: f64| at(x, close_line).map(|o| o.win_given_action() - close_prob);
    let (mut lo, mut hi) = axis_range(bet.market);
    let (mut flo, fhi) = (f(lo)?, f(hi)?);
    if flo.signum() == fhi.signum() {
        return None;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        let fm = f(mid)?;
        if fm.signum() == flo.signum() {
            (lo, flo) = (mid, fm);
        } else {
            hi = mid;
        }
        if hi - lo < 1e-7 {
            break;
        }
    }
    let x = 0.5 * (lo + hi);
    Some((x, Box::new(at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::games::load_games;
    use crate::pricing::keynumbers::KeyNumberTable;

    fn q(book: &str, sel: Selection, line: Option<f64>, american: i64, t: i64) -> Quote {
        Quote {
            event_id: "e".into(),
            book: book.into(),
            market: if line.is_some() {
                MarketKind::Spread
            } else {
                MarketKind::Moneyline
            },
            scope: Scope::Game,
            selection: sel,
            line,
            american,
            observed_ms: t,
            source: "test".into(),
        }
    }

    fn model() -> ScoreModel {
        let games = load_games(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv"))
            .expect("data/games.csv");
        let keys = KeyNumberTable::fit(&games, 1999..=2024).expect("key numbers");
        ScoreModel::new(keys, 13.5)
    }

    fn cfg() -> AnalyticsConfig {
        AnalyticsConfig {
            devig_method: crate::domain::DevigMethod::Multiplicative,
            ..AnalyticsConfig::default()
        }
    }

    fn bet(sel: Selection, line: Option<f64>, decimal: f64, book: &str) -> BetLine {
        BetLine {
            market: if line.is_some() {
                MarketKind::Spread
            } else {
                MarketKind::Moneyline
            },
            scope: Scope::Game,
            selection: sel,
            line,
            book: book.into(),
            decimal,
        }
    }

    #[test]
    fn the_close_is_the_last_quote_before_kickoff() {
        let path = vec![
            q("dk", Selection::Home, Some(-2.5), -110, 100),
            q("dk", Selection::Home, Some(-3.0), -110, 200),
            // After kickoff: not the close.
            q("dk", Selection::Home, Some(-7.0), -110, 1_000),
            q("dk", Selection::Away, Some(3.0), -110, 150),
        ];
        let close = closing_quotes(&path, 1_000);
        assert_eq!(close.len(), 2);
        let home = close.iter().find(|q| q.selection == Selection::Home);
        assert_eq!(
            home.map(|q| (q.line, q.observed_ms)),
            Some((Some(-3.0), 200))
        );
    }

    #[test]
    fn unmoved_line_is_plain_probability_arithmetic() {
        // Book closes -150 / +130 on the moneyline; the bet took home at +100 (2.0).
        let close = vec![
            q("dk", Selection::Home, None, -150, 10),
            q("dk", Selection::Away, None, 130, 10),
            q("pinnacle", Selection::Home, None, -140, 10),
            q("pinnacle", Selection::Away, None, 130, 10),
        ];
        let r = clv(&bet(Selection::Home, None, 2.0, "dk"), &close, None, &cfg());
        // dk: implied 0.6 and 1/2.3; multiplicative de-vig.
        let (a, b) = (0.6, 1.0 / 2.3);
        let fair = a / (a + b);
        let c = r.book.expect("book clv");
        assert!((c.prob - fair).abs() < 1e-12);
        assert!((c.points - (fair - 0.5)).abs() < 1e-12);
        assert!((c.roi - (fair * 2.0 - 1.0)).abs() < 1e-12);
        assert!((c.roi - c.points * 2.0).abs() < 1e-12);
        assert!(!c.moved);
        // Consensus: only the sharp book (pinnacle) counts when it closed a complete market.
        let (a, b) = (140.0 / 240.0, 1.0 / 2.3);
        let sharp = a / (a + b);
        let c = r.consensus.expect("consensus clv");
        assert!((c.prob - sharp).abs() < 1e-12, "{}", c.prob);
    }

    #[test]
    fn a_whole_number_close_is_given_action() {
        // Bet home -3 at 2.0; the book closes -3 at -120/+100: fair home 0.5238.. given no push.
        let close = vec![
            q("dk", Selection::Home, Some(-3.0), -120, 10),
            q("dk", Selection::Away, Some(3.0), 100, 10),
        ];
        let r = clv(
            &bet(Selection::Home, Some(-3.0), 2.0, "dk"),
            &close,
            None,
            &cfg(),
        );
        let (a, b) = (120.0 / 220.0, 0.5);
        let c = r.book.expect("book");
        assert!((c.prob - a / (a + b)).abs() < 1e-12);
        assert!(c.points > 0.0);
    }

    #[test]
    fn moved_line_across_three_is_worth_the_push_mass_at_three() {
        let m = model();
        let lm = LineModel {
            model: &m,
            base: GameInputs {
                mean_margin: 0.0,
                mean_total: 44.0,
            },
        };
        // Bet home -2.5 at 1.909 (-110); the market closes home -3 at -110/-110: fair 0.5
        // given no push. Under the distribution with P(M > 3) = P(M < 3), the bet wins on
        // M >= 3, so its probability is exactly (1 + P(M = 3)) / 2.
        let close = vec![
            q("dk", Selection::Home, Some(-3.0), -110, 10),
            q("dk", Selection::Away, Some(3.0), -110, 10),
        ];
        let d = 1.0 + 100.0 / 110.0;
        let r = clv(
            &bet(Selection::Home, Some(-2.5), d, "dk"),
            &close,
            Some(lm),
            &cfg(),
        );
        let c3 = r.book.expect("book");
        assert!(c3.moved);
        assert!((c3.close_prob - 0.5).abs() < 1e-12);
        assert!(
            (c3.prob - (1.0 + c3.close_push) / 2.0).abs() < 1e-6,
            "{c3:?}"
        );
        assert!((c3.points - (c3.prob - 1.0 / d)).abs() < 1e-12);
        // The same half point across 5.
        let close5 = vec![
            q("dk", Selection::Home, Some(-5.0), -110, 10),
            q("dk", Selection::Away, Some(5.0), -110, 10),
        ];
        let r5 = clv(
            &bet(Selection::Home, Some(-4.5), d, "dk"),
            &close5,
            Some(lm),
            &cfg(),
        );
        let c5 = r5.book.expect("book");
        assert!(
            (c5.prob - (1.0 + c5.close_push) / 2.0).abs() < 1e-6,
            "{c5:?}"
        );
        // 3 is the biggest key number: its push mass (about 9% of games at a 3-point spread)
        // dwarfs 5's, so the half point across 3 is worth well over twice the one across 5.
        assert!(c3.close_push > 0.07 && c3.close_push < 0.12, "{c3:?}");
        assert!(c3.close_push > 2.0 * c5.close_push, "{c3:?} {c5:?}");
        assert!(c3.points > c5.points + 0.02, "{c3:?} {c5:?}");
        // The reverse move (bet -3.5, close -3) loses that value.
        let r35 = clv(
            &bet(Selection::Home, Some(-3.5), d, "dk"),
            &close,
            Some(lm),
            &cfg(),
        );
        let c35 = r35.book.expect("book");
        assert!(
            (c35.prob - (1.0 - c35.close_push) / 2.0).abs() < 1e-6,
            "{c35:?}"
        );
        assert!(c35.points < 0.0);
    }

    #[test]
    fn no_close_or_no_model_says_why() {
        let close = vec![
            q("dk", Selection::Home, Some(-3.0), -110, 10),
            q("dk", Selection::Away, Some(3.0), -110, 10),
        ];
        let r = clv(
            &bet(Selection::Home, Some(-2.5), 1.9, "dk"),
            &close,
            None,
            &cfg(),
        );
        assert!(r.book.unwrap_err().contains("no score model"));
        let r = clv(
            &bet(Selection::Home, Some(-3.0), 1.9, "fd"),
            &close,
            None,
            &cfg(),
        );
        assert!(r.book.unwrap_err().contains("fd has no closing quote"));
        assert!(r.consensus.is_ok());
        let r = clv(
            &bet(Selection::Home, Some(-3.0), 1.0, "dk"),
            &close,
            None,
            &cfg(),
        );
        assert!(r.book.unwrap_err().starts_with("decimal"));
        let r = clv(
            &bet(Selection::Home, Some(-3.0), 1.9, "dk"),
            &[],
            None,
            &cfg(),
        );
        assert!(r.consensus.is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Taking a better number than the close is never worth less than the close; a worse
        /// one never more; and ROI at the close is always the points times the price.
        #[test]
        fn a_better_number_is_worth_at_least_the_close(
            close_half_points in -20i32..20,
            better in proptest::prelude::any::<bool>(),
            american in -150i64..-101,
            decimal in 1.5f64..3.0,
        ) {
            let m = model();
            let lm = LineModel { model: &m, base: GameInputs { mean_margin: 0.0, mean_total: 44.0 } };
            let close_line = f64::from(close_half_points) / 2.0;
            let bet_line = if better { close_line + 0.5 } else { close_line - 0.5 };
            let close = vec![
                q("dk", Selection::Home, Some(close_line), american, 10),
                q("dk", Selection::Away, Some(-close_line), -american - 20, 10),
            ];
            let r = clv(&bet(Selection::Home, Some(bet_line), decimal, "dk"), &close, Some(lm), &cfg());
            let c = r.book.expect("book");
            proptest::prop_assert!((c.roi - c.points * decimal).abs() < 1e-9);
            proptest::prop_assert!(c.prob > 0.0 && c.prob < 1.0);
            if better {
                proptest::prop_assert!(c.prob >= c.close_prob - 1e-9, "{c:?}");
            } else {
                proptest::prop_assert!(c.prob <= c.close_prob + 1e-9, "{c:?}");
            }
        }

        /// Whatever the path, the close never holds a quote from kickoff on, and holds one
        /// quote per slot.
        #[test]
        fn the_close_never_looks_past_kickoff(
            times in proptest::collection::vec(0i64..2_000, 0..40),
            kickoff in 0i64..2_000,
        ) {
            let path: Vec<Quote> = times
                .iter()
                .enumerate()
                .map(|(i, t)| q(if i % 2 == 0 { "dk" } else { "fd" }, Selection::Home, Some(-3.0), -110, *t))
                .collect();
            let close = closing_quotes(&path, kickoff);
            proptest::prop_assert!(close.iter().all(|c| c.observed_ms < kickoff));
            for c in &close {
                let latest = path.iter().filter(|p| p.book == c.book && p.observed_ms < kickoff).map(|p| p.observed_ms).max();
                proptest::prop_assert_eq!(Some(c.observed_ms), latest);
            }
            proptest::prop_assert!(close.len() <= 2);
        }
    }
}
