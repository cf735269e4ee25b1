//! The odds path grouped for steam: every main-market slot (event, market, scope, selection)
//! with each book's path in it. A pass reads some 150,000 path rows, so each row's event id and
//! book name are read once, compared with the previous row's in place, and the row is filed
//! under integer ids; names are ranked once, and one counting sort lays the rows out slot by
//! slot and book by book. Hashing the event id and comparing book names per row, then an ordered
//! map of books per slot, was most of the steam scan.

use super::grouping::{bucket, ranks_by_key, EventIds, U64Hasher};
use crate::domain::{MarketKind, Quote, Scope, Selection};
use std::collections::HashMap;
use std::ops::Range;

/// One slot: event id, market, scope, selection.
pub type SlotKey<'a> = (&'a str, MarketKind, Scope, Selection);

/// One book's path in a slot: the book's rank (see `SteamPaths::book`) and its rows' range.
pub type BookPath = (u32, Range<usize>);

/// What steam reads of a path row, copied in the one pass over the input: the scan then walks
/// each path without going back to its rows, which lie far apart in the input (reading them
/// again missed the cache on nearly every row and was most of the scan).
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    pub at_ms: i64,
    pub line: Option<f64>,
    pub american: i64,
    pub quote: &'a Quote,
}

impl<'a> Row<'a> {
    fn of(q: &'a Quote) -> Row<'a> {
        Row {
            at_ms: q.observed_ms,
            line: q.line,
            american: q.american,
            quote: q,
        }
    }
}

/// Steam reads main markets only: every rung of a ladder moves with its main line, and would
/// repeat each event dozens of times.
fn is_main(m: MarketKind) -> bool {
    matches!(
        m,
        MarketKind::Moneyline | MarketKind::Moneyline3Way | MarketKind::Spread | MarketKind::Total
    )
}

/// Every main-market slot in key order, each with its books' paths in book-name order.
pub struct SteamPaths<'a> {
    slots: Vec<(SlotKey<'a>, Range<usize>)>,
    paths: Vec<BookPath>,
    rows: Vec<Row<'a>>,
    /// Book names by rank (name order).
    books: Vec<&'a str>,
}

impl<'a> SteamPaths<'a> {
    /// The paths of `quotes` (any books, any order), each oldest first; rows of the same time
    /// keep their input order.
    pub fn of(quotes: &'a [Quote]) -> SteamPaths<'a> {
        let mut out = Self::grouped(quotes);
        for (_, r) in &out.paths {
            let path = &mut out.rows[r.clone()];
            // Paths mostly arrive in time order already.
            if !path.is_sorted_by_key(|r| r.at_ms) {
                path.sort_by_key(|r| r.at_ms);
            }
        }
        out
    }

    /// The grouping alone: each path's rows in input order.
    pub(crate) fn grouped(quotes: &'a [Quote]) -> SteamPaths<'a> {
        let mut events = EventIds::default();
        let mut books = EventIds::default();
        // Slot numbers, then each slot's books (a handful, searched in a short list).
        let mut slot_of: HashMap<u64, usize, U64Hasher> = HashMap::default();
        let mut books_of: Vec<Vec<(u32, usize)>> = Vec::new();
        // Per path: (slot with the event's number, book number) and its slot's key.
        let mut keys: Vec<((u64, u32), SlotKey<'a>)> = Vec::new();
        let mut tagged: Vec<(usize, Row<'a>)> = Vec::with_capacity(quotes.len() / 2);
        // Paths arrive in runs, so the previous row's path answers most rows without a lookup.
        let mut last: Option<((u64, u32), usize)> = None;
        for q in quotes {
            if !is_main(q.market) {
                continue;
            }
            let slot = (u64::from(events.id(&q.event_id)) << 32)
                | ((q.market as u64) << 16)
                | ((q.scope as u64) << 8)
                | q.selection as u64;
            let key = (slot, books.id(&q.book));
            let path = match last {
                Some((k, i)) if k == key => i,
                _ => {
                    let next = books_of.len();
                    let s = *slot_of.entry(slot).or_insert(next);
                    if s == next {
                        books_of.push(Vec::new());
                    }
                    let i = match books_of[s].iter().find(|(b, _)| *b == key.1) {
                        Some((_, i)) => *i,
                        None => {
                            books_of[s].push((key.1, keys.len()));
                            keys.push((key, (q.event_id.as_str(), q.market, q.scope, q.selection)));
                            keys.len() - 1
                        }
                    };
                    last = Some((key, i));
                    i
                }
            };
            tagged.push((path, Row::of(q)));
        }
        // Paths in (event id, market, scope, selection, book) order, comparing integers: the
        // event and book numbers replaced by their ranks in name order.
        let event_rank = events.ranks();
        let book_rank = books.ranks();
        let sort_key: Vec<(u64, u32)> = keys
            .iter()
            .map(|((slot, book), _)| {
                let event = event_rank[(slot >> 32) as usize];
                (
                    (u64::from(event) << 32) | (slot & 0xFFFF_FFFF),
                    book_rank[*book as usize],
                )
            })
            .collect();
        let (rank, order) = ranks_by_key(&sort_key);
        let (starts, rows) = bucket(&tagged, &rank, |r| r);
        let mut slots: Vec<(SlotKey<'a>, Range<usize>)> = Vec::new();
        let mut paths = Vec::with_capacity(order.len());
        for (r, &i) in order.iter().enumerate() {
            let (sort, book) = sort_key[i];
            let same_slot = r > 0 && sort_key[order[r - 1]].0 == sort;
            match slots.last_mut() {
                Some((_, range)) if same_slot => range.end = r + 1,
                _ => slots.push((keys[i].1, r..r + 1)),
            }
            paths.push((book, starts[r]..starts[r + 1]));
        }
        let mut names = vec![""; book_rank.len()];
        for (id, r) in book_rank.iter().enumerate() {
            names[*r as usize] = books.name(id as u32);
        }
        SteamPaths {
            slots,
            paths,
            rows,
            books: names,
        }
    }

    /// Each slot with its books' paths.
    pub fn slots(&self) -> impl Iterator<Item = (SlotKey<'a>, &[BookPath])> + '_ {
        self.slots.iter().map(|(k, r)| (*k, &self.paths[r.clone()]))
    }

    /// A path's rows.
    pub fn rows(&self, path: &BookPath) -> &[Row<'a>] {
        &self.rows[path.1.clone()]
    }

    /// The name of the book of this rank.
    pub fn book(&self, rank: u32) -> &'a str {
        self.books.get(rank as usize).copied().unwrap_or("")
    }

    /// Every book's name, by rank.
    pub fn books(&self) -> &[&'a str] {
        &self.books
    }
}
