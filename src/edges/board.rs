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

/// FNV-1a over the key's bytes.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FastHash = BuildHasherDefault<Fnv>;

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
fn pack(event: u32, k: &BoardKey<'_>) -> (u64, Option<i64>) {
    let head = (u64::from(event) << 16)
        | ((k.market as u64) << 8)
        | ((k.scope as u64) << 4)
        | u64::from(k.side);
    (head, k.line)
}

/// One cross-book market with every book's latest quote in it.
pub type Group<'a> = (BoardKey<'a>, Vec<&'a Quote>);

/// Latest quotes grouped by cross-book market, in key order so scans are deterministic.
pub fn group<'a>(latest: &[&'a Quote]) -> Vec<Group<'a>> {
    let mut events = EventIds::default();
    let mut by: HashMap<(u64, Option<i64>), Group<'a>, U64Hasher> =
        HashMap::with_capacity_and_hasher(latest.len() / 4, U64Hasher::default());
    for q in latest {
        if usable(q) {
            if let Some(k) = board_key(q) {
                let e = events.id(k.event_id);
                by.entry(pack(e, &k))
                    .or_insert_with(|| (k, Vec::new()))
                    .1
                    .push(q);
            }
        }
    }
    let mut out: Vec<_> = by.into_values().collect();
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A price every formula can use: finite decimal odds above 1.
pub fn usable(q: &Quote) -> bool {
    let d = q.decimal();
    d.is_finite() && d > 1.0
}

/// The best price per selection of `key`, in `key.selections()` order; `None` when some
/// selection has no price. Ties go to the alphabetically first book so scans are stable.
pub fn best_legs<'a>(key: &BoardKey<'_>, quotes: &[&'a Quote]) -> Option<Vec<&'a Quote>> {
    key.selections()
        .iter()
        .map(|s| {
            quotes
                .iter()
                .copied()
                .filter(|q| q.selection == *s)
                .max_by(|a, b| {
                    a.decimal()
                        .total_cmp(&b.decimal())
                        .then_with(|| b.book.cmp(&a.book))
                })
        })
        .collect()
}
