//! The live board grouped for cross-book scans: every complete market with each book's latest
//! price per selection. Main and alternate lines at the same number are one market here, because
//! a bettor can take home -3 at one book's main line and away +3 at another's ladder.
//!
//! A board holds about a hundred thousand quotes (16 games, 10 books, every ladder), so keys
//! borrow the event id instead of copying it, and hash with FNV: the keys are short, and a pass
//! must stay within a few milliseconds.

use super::consensus::selections_of;
use super::grouping::{bucket, ranks_by_key};
// The id and hash helpers moved to `grouping`; the scans still find them here.
pub use super::grouping::{EventIds, FastHash, U64Hash, U64Hasher};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use std::collections::HashMap;
use std::sync::OnceLock;

/// One cross-book market: the mutually exclusive selections of one market at one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BoardKey<'a> {
    pub event_id: &'a str,
    /// Spread and total ladders folded onto their main markets.
    pub market: MarketKind,
    pub scope: Scope,
    /// 0 for the whole game, 1 for the home team's total, 2 for the away team's.
    pub side: u8,
    /// The line from the home / over point of view, in hundredths.
    pub line: Option<i64>,
}

impl BoardKey<'_> {
    pub fn selections(&self) -> &'static [Selection] {
        selections_of(self.market, self.side)
    }

    /// The line from the home / over point of view.
    pub fn line(&self) -> Option<f64> {
        self.line.map(|l| l as f64 / 100.0)
    }
}

/// The market a quote belongs to across books (see `consensus::MarketKey::of`, which keeps
/// ladders apart).
pub fn board_key(q: &Quote) -> Option<BoardKey<'_>> {
    use MarketKind as M;
    use Selection as S;
    let line = q.line.filter(|l| l.is_finite());
    let (side, line) = match (family(q.market), q.selection) {
        (M::Moneyline, S::Home | S::Away) | (M::Moneyline3Way, S::Home | S::Away | S::Tie) => {
            (0, None)
        }
        (M::Spread, S::Home) => (0, Some(hundredths(line?))),
        (M::Spread, S::Away) => (0, Some(hundredths(-line?))),
        (M::Total, S::Over | S::Under) => (0, Some(hundredths(line?))),
        (M::TeamTotal, S::HomeOver | S::HomeUnder) => (1, Some(hundredths(line?))),
        (M::TeamTotal, S::AwayOver | S::AwayUnder) => (2, Some(hundredths(line?))),
        _ => return None,
    };
    Some(BoardKey {
        event_id: &q.event_id,
        market: family(q.market),
        scope: q.scope,
        side,
        line,
    })
}

/// `(l * 100.0).round() as i64` for every `l`, without a call to libm's `round` per quote
/// (x86-64's baseline has no rounding instruction): below 2^52 the truncation and the exact
/// fraction it leaves decide the half-away-from-zero step; above it every float is whole.
pub fn hundredths(l: f64) -> i64 {
    let x = l * 100.0;
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64;
        let frac = x - t as f64;
        t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5)
    } else {
        x.round() as i64
    }
}

/// Spread and total ladders settle exactly like the main lines at the same number.
pub fn family(m: MarketKind) -> MarketKind {
    match m {
        MarketKind::SpreadAlt => MarketKind::Spread,
        MarketKind::TotalAlt => MarketKind::Total,
        other => other,
    }
}

/// A board key packed into one integer: event number, market, scope, side and line. Lines are
/// in hundredths (any real line fits 32 bits; a wild one only shares a bucket, never a group,
/// because groups compare the full key).
pub(crate) fn pack(event: u32, k: &BoardKey<'_>) -> (u64, Option<i64>) {
    let head = (u64::from(event) << 16)
        | ((k.market as u64) << 8)
        | ((k.scope as u64) << 4)
        | u64::from(k.side);
    (head, k.line)
}

/// Numbers the markets of a board (packed keys) in first-seen order. Two levels: the market
/// without its line, then the line within it. One map of every market (some 10,000 on a full
/// board) missed the cache on nearly every lookup; a book lists a market's lines together, and
/// one market's lines fit in a small table that stays in cache while they come. Both sides of a
/// market usually lie next to each other, so the previous quote's market answers about half the
/// lookups with no map at all.
#[derive(Default)]
struct MarketIds {
    heads: HashMap<u64, usize, U64Hasher>,
    lines: Vec<HashMap<Option<i64>, usize, U64Hasher>>,
    last_head: Option<(u64, usize)>,
    last: Option<((u64, Option<i64>), usize)>,
    count: usize,
}

impl MarketIds {
    fn id(&mut self, key: (u64, Option<i64>)) -> usize {
        if let Some((k, g)) = self.last {
            if k == key {
                return g;
            }
        }
        let (head, line) = key;
        let h = match self.last_head {
            Some((k, h)) if k == head => h,
            _ => {
                let next = self.lines.len();
                let h = *self.heads.entry(head).or_insert(next);
                if h == next {
                    self.lines.push(HashMap::default());
                }
                self.last_head = Some((head, h));
                h
            }
        };
        let g = *self.lines[h].entry(line).or_insert(self.count);
        if g == self.count {
            self.count += 1;
        }
        self.last = Some((key, g));
        g
    }
}

/// What the scans read of one quote, gathered in the single pass over the board. The scans then
/// walk these compact rows market by market instead of the quotes themselves: a market's quotes
/// lie a whole book's ladder apart in memory, and visiting them in market order missed the cache
/// on every one (it cost more than the scans' arithmetic).
#[derive(Debug, Clone, Copy)]
pub struct Leg<'a> {
    pub quote: &'a Quote,
    pub decimal: f64,
    /// The book's rank in alphabetical order among the board's books: equal ranks are the same
    /// book, and rank order is name order (ties between prices go to the first name).
    pub book: u32,
    /// Index of the quote's selection in its market's `selections()`.
    pub sel: u8,
}

/// The live board grouped once per pass, shared by arbitrage, low hold and middles: every
/// cross-book market in key order, each with its books' quotes in board order. One flat list
/// with offsets instead of a vector per market: a 110,000-quote board has some 10,000 markets.
pub struct Board<'a> {
    keys: Vec<BoardKey<'a>>,
    /// Each market's event ranked by id: scans that walk markets event by event compare these
    /// instead of reading the id strings (scattered over the board) again.
    events: Vec<u32>,
    /// Market `i` holds `legs[starts[i]..starts[i + 1]]` (and the same range of `quotes`).
    starts: Vec<usize>,
    legs: Vec<Leg<'a>>,
    /// The legs' quotes, laid out only when a scan asks for them (low hold does; arbitrage and
    /// middles read the legs).
    quotes: OnceLock<Vec<&'a Quote>>,
}

impl<'a> Board<'a> {
    /// Groups the usable latest quotes by cross-book market.
    pub fn of(latest: &[&'a Quote]) -> Board<'a> {
        let mut events = EventIds::default();
        let mut books = EventIds::default();
        let mut ids = MarketIds::default();
        // Each market's key, and its packed key with the event's number.
        let mut keys = Vec::new();
        let mut packed = Vec::new();
        let mut tagged: Vec<(usize, Leg<'a>)> = Vec::with_capacity(latest.len());
        for q in latest {
            let decimal = q.decimal();
            if !(decimal.is_finite() && decimal > 1.0) {
                continue;
            }
            let Some(k) = board_key(q) else { continue };
            let Some(sel) = k.selections().iter().position(|s| *s == q.selection) else {
                continue;
            };
            let p = pack(events.id(k.event_id), &k);
            let g = ids.id(p);
            if g == keys.len() {
                keys.push(k);
                packed.push(p);
            }
            let leg = Leg {
                quote: q,
                decimal,
                book: books.id(&q.book),
                sel: sel as u8,
            };
            tagged.push((g, leg));
        }
        // Key order without comparing event ids per comparison: events ranked by name once,
        // then packed keys compare as integers in the same order as `BoardKey`'s.
        let event_rank = events.ranks();
        let sort_key: Vec<_> = packed
            .iter()
            .map(|(head, line)| {
                let event = u64::from(event_rank[(head >> 16) as usize]);
                ((event << 16) | (head & 0xFFFF), *line)
            })
            .collect();
        let (rank, order) = ranks_by_key(&sort_key);
        // Markets in key order, each market's quotes in board order; book numbers in
        // first-seen order become alphabetical ranks on the way.
        let book_rank = books.ranks();
        let (starts, legs) = bucket(&tagged, &rank, |leg| Leg {
            book: book_rank[leg.book as usize],
            ..leg
        });
        let events = order
            .iter()
            .map(|g| (sort_key[*g].0 >> 16) as u32)
            .collect();
        let keys = order.into_iter().map(|g| keys[g]).collect();
        Board {
            keys,
            events,
            starts,
            legs,
            quotes: OnceLock::new(),
        }
    }

    /// Each market with its quotes, in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&BoardKey<'a>, &[&'a Quote])> + '_ {
        let quotes = self
            .quotes
            .get_or_init(|| self.legs.iter().map(|l| l.quote).collect());
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k, &quotes[self.starts[i]..self.starts[i + 1]]))
    }

    /// Each market with its compact legs, in key order.
    pub fn markets(&self) -> impl Iterator<Item = (&BoardKey<'a>, &[Leg<'a>])> + '_ {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k, &self.legs[self.starts[i]..self.starts[i + 1]]))
    }

    /// Each market with its event's rank and its compact legs, in key order.
    pub fn ranked_markets(&self) -> impl Iterator<Item = (u32, &BoardKey<'a>, &[Leg<'a>])> + '_ {
        self.events
            .iter()
            .zip(self.markets())
            .map(|(e, (k, legs))| (*e, k, legs))
    }

    /// Market `i` (in key order) with its legs.
    pub fn market(&self, i: usize) -> (&BoardKey<'a>, &[Leg<'a>]) {
        (
            &self.keys[i],
            &self.legs[self.starts[i]..self.starts[i + 1]],
        )
    }

    /// Each market with its best legs (see `best_of`) and its quotes, in key order.
    pub fn best(&self) -> impl Iterator<Item = Best<'_, 'a>> + '_ {
        self.markets()
            .zip(self.groups())
            .map(|((k, legs), (_, quotes))| (k, best_of(k, legs), quotes))
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// A market, the best quote per selection (`None` when a selection has no price), its quotes.
pub type Best<'b, 'a> = (&'b BoardKey<'a>, Option<Vec<&'a Quote>>, &'b [&'a Quote]);

/// A price every formula can use: finite decimal odds above 1.
pub fn usable(q: &Quote) -> bool {
    let d = q.decimal();
    d.is_finite() && d > 1.0
}

/// The best price per selection of `key`, in `key.selections()` order; `None` when some
/// selection has no price. Ties go to the alphabetically first book so scans are stable (and an
/// exact tie within one book to its later quote). One pass over the market, not one per
/// selection.
pub fn best_of<'a>(key: &BoardKey<'_>, legs: &[Leg<'a>]) -> Option<Vec<&'a Quote>> {
    let (best, n) = best_legs(key, legs)?;
    Some(best.iter().take(n).flatten().map(|l| l.quote).collect())
}

/// The best leg per selection (see `best_of`) without allocating: the first `n` slots, one per
/// selection of `key` in order, all filled; `None` when some selection has no price.
pub type BestLegs<'l, 'a> = ([Option<&'l Leg<'a>>; 3], usize);

pub fn best_legs<'l, 'a>(key: &BoardKey<'_>, legs: &'l [Leg<'a>]) -> Option<BestLegs<'l, 'a>> {
    let n = key.selections().len();
    let mut best: [Option<&Leg<'a>>; 3] = [None; 3];
    for leg in legs {
        let slot = best.get_mut(usize::from(leg.sel))?;
        let take = match slot {
            Some(old) => leg
                .decimal
                .total_cmp(&old.decimal)
                .then_with(|| old.book.cmp(&leg.book))
                .is_ge(),
            None => true,
        };
        if take {
            *slot = Some(leg);
        }
    }
    best.get(..n)?
        .iter()
        .all(Option::is_some)
        .then_some((best, n))
}
