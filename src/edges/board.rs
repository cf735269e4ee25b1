//! The live board grouped for cross-book scans: every complete market with each book's latest
//! price per selection. Main and alternate lines at the same number are one market here, because
//! a bettor can take home -3 at one book's main line and away +3 at another's ladder.
//!
//! A board holds about a hundred thousand quotes (16 games, 10 books, every ladder), so keys
//! borrow the event id instead of copying it, and hash with FNV: the keys are short, and a pass
//! must stay within a few milliseconds.

use super::consensus::selections_of;
use crate::domain::{MarketKind, Quote, Scope, Selection};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a (the `fnv` crate): the keys are short and trusted.
pub type FastHash = fnv::FnvBuildHasher;

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
    let hundredths = |l: f64| (l * 100.0).round() as i64;
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

/// Spread and total ladders settle exactly like the main lines at the same number.
pub fn family(m: MarketKind) -> MarketKind {
    match m {
        MarketKind::SpreadAlt => MarketKind::Spread,
        MarketKind::TotalAlt => MarketKind::Total,
        other => other,
    }
}

/// Numbers the event ids of a board. Boards arrive event by event, so the previous id answers
/// most lookups with one short comparison instead of a hash of the string.
#[derive(Default)]
pub struct EventIds<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, u32, FastHash>,
    last: Option<(&'a str, u32)>,
}

impl<'a> EventIds<'a> {
    pub fn id(&mut self, event_id: &'a str) -> u32 {
        if let Some((s, i)) = self.last {
            if s == event_id {
                return i;
            }
        }
        let next = self.ids.len() as u32;
        let i = *self.index.entry(event_id).or_insert(next);
        if i == next {
            self.ids.push(event_id);
        }
        self.last = Some((event_id, i));
        i
    }

    pub fn name(&self, id: u32) -> &'a str {
        self.ids.get(id as usize).copied().unwrap_or("")
    }
}

/// A multiplicative hash for keys that are already one well-spread `u64`.
#[derive(Default)]
pub struct U64Hash(u64);

impl Hasher for U64Hash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0 ^ x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

pub type U64Hasher = BuildHasherDefault<U64Hash>;

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
/// with offsets instead of a vector per market: a 110,000-quote board has some 5,000 markets.
pub struct Board<'a> {
    keys: Vec<BoardKey<'a>>,
    /// Market `i` holds `legs[starts[i]..starts[i + 1]]` (and the same range of `quotes`).
    starts: Vec<usize>,
    legs: Vec<Leg<'a>>,
    quotes: Vec<&'a Quote>,
}

impl<'a> Board<'a> {
    /// Groups the usable latest quotes by cross-book market.
    pub fn of(latest: &[&'a Quote]) -> Board<'a> {
        let mut events = EventIds::default();
        let mut books = EventIds::default();
        let mut ids: HashMap<(u64, Option<i64>), usize, U64Hasher> =
            HashMap::with_capacity_and_hasher(latest.len() / 8, U64Hasher::default());
        let mut keys = Vec::new();
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
            let next = keys.len();
            let g = *ids.entry(pack(events.id(k.event_id), &k)).or_insert(next);
            if g == next {
                keys.push(k);
            }
            let leg = Leg {
                quote: q,
                decimal,
                book: books.id(&q.book),
                sel: sel as u8,
            };
            tagged.push((g, leg));
        }
        // Book numbers in first-seen order become alphabetical ranks.
        let mut by_name: Vec<u32> = (0..books.ids.len() as u32).collect();
        by_name.sort_unstable_by(|a, b| books.name(*a).cmp(books.name(*b)));
        let mut book_rank = vec![0; by_name.len()];
        for (r, b) in by_name.iter().enumerate() {
            book_rank[*b as usize] = r as u32;
        }
        // Key order without comparing event ids per comparison: events ranked by name once,
        // then packed keys compare as integers in the same order as `BoardKey`'s. Keys are
        // distinct, so an unstable sort is deterministic.
        let mut by_event: Vec<u32> = (0..events.ids.len() as u32).collect();
        by_event.sort_unstable_by(|a, b| events.name(*a).cmp(events.name(*b)));
        let mut event_rank = vec![0; by_event.len()];
        for (r, e) in by_event.iter().enumerate() {
            event_rank[*e as usize] = r as u32;
        }
        let sort_key: Vec<_> = keys
            .iter()
            .map(|k| pack(event_rank[events.id(k.event_id) as usize], k))
            .collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_unstable_by_key(|g| sort_key[*g]);
        let mut rank = vec![0; keys.len()];
        for (r, g) in order.iter().enumerate() {
            rank[*g] = r;
        }
        // A counting sort by rank keeps each market's quotes in board order.
        let mut starts = vec![0; keys.len() + 1];
        for (g, _) in &tagged {
            starts[rank[*g] + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut legs = match tagged.first() {
            Some((_, l)) => vec![*l; tagged.len()],
            None => Vec::new(),
        };
        let mut fill = starts.clone();
        for (g, leg) in &tagged {
            let slot = &mut fill[rank[*g]];
            legs[*slot] = Leg {
                book: book_rank[leg.book as usize],
                ..*leg
            };
            *slot += 1;
        }
        let quotes = legs.iter().map(|l| l.quote).collect();
        let keys = order.into_iter().map(|g| keys[g]).collect();
        Board {
            keys,
            starts,
            legs,
            quotes,
        }
    }

    /// Each market with its quotes, in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&BoardKey<'a>, &[&'a Quote])> + '_ {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k, &self.quotes[self.starts[i]..self.starts[i + 1]]))
    }

    /// Each market with its compact legs, in key order.
    pub fn markets(&self) -> impl Iterator<Item = (&BoardKey<'a>, &[Leg<'a>])> + '_ {
        self.keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k, &self.legs[self.starts[i]..self.starts[i + 1]]))
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
    best.get(..n)?.iter().map(|b| b.map(|l| l.quote)).collect()
}
