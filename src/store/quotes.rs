//! Writing quotes: latest prices upserted, the odds path appended only on a real change.

use crate::domain::{Event, MarketKind, Quote, Scope, Selection};
use rusqlite::{params, Connection, ToSql};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QuoteWriteStats {
    pub received: usize,
    /// Quotes whose price or line differs from the stored latest (including first sightings).
    pub changed: usize,
}

pub fn upsert_events(conn: &Connection, events: &[Event], now_ms: i64) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO events (event_id, game_id, season, week, home_team, away_team, commence_ms, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(event_id) DO UPDATE SET
           game_id = COALESCE(excluded.game_id, events.game_id),
           season = COALESCE(excluded.season, events.season),
           week = COALESCE(excluded.week, events.week),
           commence_ms = excluded.commence_ms,
           updated_ms = excluded.updated_ms",
    )?;
    for e in events {
        stmt.execute(params![
            e.event_id,
            e.game_id,
            e.season,
            e.week,
            e.home_team,
            e.away_team,
            e.commence_ms,
            now_ms
        ])?;
    }
    Ok(())
}

/// Rows per multi-row statement: 10 columns x 400 rows stays far below SQLite's 32,766 bound
/// parameters, and large enough that per-statement overhead vanishes.
const CHUNK: usize = 400;

/// FNV-1a (the `fnv` crate): the slot keys are trusted, short strings built here, so SipHash's
/// flooding defence buys nothing and costs a tenth of the write path.
type FastHash = fnv::FnvBuildHasher;

/// What the writer knows of one slot while it works through a batch.
struct Slot {
    line: Option<f64>,
    american: i64,
    /// Stored before this batch.
    stored: bool,
    /// Named by a quote of this batch.
    confirmed: bool,
}

/// Writes a batch of quotes. Semantics, per quote in order: when its slot (event, book, market,
/// scope, selection, ladder key) has no stored price, or a different price or line, the latest
/// row is replaced and one history row appended; otherwise only `seen_ms` moves to `now_ms`.
///
/// For speed:
/// - the stored prices of every event in the batch are read up front (one range scan per event
///   instead of one lookup per quote) and compared in memory; a later quote of a slot sees an
///   earlier one of the same batch, exactly as if they were written one by one;
/// - changes go out as multi-row upserts and inserts;
/// - when a batch confirms every stored slot of a book at an event (the usual steady state: the
///   book re-sends its board), that book's `seen_ms` moves with one range update on the primary
///   key prefix; otherwise the unchanged slots are touched one by one, so a market a book has
///   pulled never looks fresh.
pub fn write_quotes(
    conn: &Connection,
    quotes: &[Quote],
    now_ms: i64,
) -> rusqlite::Result<QuoteWriteStats> {
    let mut stats = QuoteWriteStats {
        received: quotes.len(),
        changed: 0,
    };
    if quotes.is_empty() {
        return Ok(stats);
    }
    let mut slots: HashMap<String, Slot, FastHash> =
        HashMap::with_capacity_and_hasher(quotes.len() * 2, FastHash::default());
    // (event, book) -> (stored slots, stored slots this batch confirms)
    let mut books: HashMap<(&str, String), (usize, usize), FastHash> = HashMap::default();
    {
        let mut load = conn.prepare_cached(
            "SELECT book, market, scope, selection, ladder_key, line, american FROM quotes_latest WHERE event_id = ?1",
        )?;
        let mut seen_events = HashSet::new();
        for q in quotes {
            if !seen_events.insert(q.event_id.as_str()) {
                continue;
            }
            let mut rows = load.query(params![q.event_id])?;
            while let Some(r) = rows.next()? {
                let book = r.get_ref(0)?.as_str()?;
                let k = slot_key(
                    &q.event_id,
                    book,
                    r.get_ref(1)?.as_str()?,
                    r.get_ref(2)?.as_str()?,
                    r.get_ref(3)?.as_str()?,
                    r.get_ref(4)?.as_str()?,
                );
                books
                    .entry((q.event_id.as_str(), book.to_string()))
                    .or_default()
                    .0 += 1;
                slots.insert(
                    k,
                    Slot {
                        line: r.get(5)?,
                        american: r.get(6)?,
                        stored: true,
                        confirmed: false,
                    },
                );
            }
        }
    }
    let mut changed: Vec<(&Quote, String)> = Vec::new();
    let mut unchanged: Vec<(&Quote, String)> = Vec::new();
    for q in quotes {
        let ladder = q.ladder_key();
        let k = slot_key(
            &q.event_id,
            &q.book,
            q.market.as_str(),
            q.scope.as_str(),
            q.selection.as_str(),
            &ladder,
        );
        let slot = slots.entry(k).or_insert(Slot {
            line: None,
            american: 0,
            stored: false,
            confirmed: false,
        });
        let differs = (!slot.stored && !slot.confirmed)
            || slot.american != q.american
            || !same_line(slot.line, q.line);
        if slot.stored && !slot.confirmed {
            if let Some(b) = books.get_mut(&(q.event_id.as_str(), q.book.clone())) {
                b.1 += 1;
            }
        }
        slot.confirmed = true;
        if differs {
            (slot.line, slot.american) = (q.line, q.american);
            changed.push((q, ladder));
        } else {
            unchanged.push((q, ladder));
        }
    }
    stats.changed = changed.len();
    for chunk in changed.chunks(CHUNK) {
        upsert_chunk(conn, chunk, now_ms)?;
        append_chunk(conn, chunk, now_ms)?;
    }
    // Whole books first, then the slots of books only partly confirmed.
    let mut last: Option<(&str, &str, bool)> = None;
    let mut whole: Vec<(&str, &str)> = Vec::new();
    let mut partial: Vec<(&Quote, String)> = Vec::new();
    for (q, ladder) in unchanged {
        let complete = match last {
            Some((e, b, c)) if e == q.event_id && b == q.book => c,
            _ => {
                let c = books
                    .get(&(q.event_id.as_str(), q.book.clone()))
                    .is_some_and(|(n, c)| n == c);
                last = Some((&q.event_id, &q.book, c));
                c
            }
        };
        if complete {
            whole.push((&q.event_id, &q.book));
        } else {
            partial.push((q, ladder));
        }
    }
    whole.sort_unstable();
    whole.dedup();
    let mut touch_book = conn.prepare_cached(
        "UPDATE quotes_latest SET seen_ms = ?3 WHERE event_id = ?1 AND book = ?2",
    )?;
    for (event, book) in whole {
        touch_book.execute(params![event, book, now_ms])?;
    }
    for chunk in partial.chunks(CHUNK) {
        touch_chunk(conn, chunk, now_ms)?;
    }
    Ok(stats)
}

/// The slot identity as one string; the unit separator cannot occur in any of the parts.
fn slot_key(
    event: &str,
    book: &str,
    market: &str,
    scope: &str,
    selection: &str,
    ladder: &str,
) -> String {
    let mut k = String::with_capacity(
        event.len() + book.len() + market.len() + scope.len() + selection.len() + ladder.len() + 5,
    );
    for (i, part) in [event, book, market, scope, selection, ladder]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            k.push('\u{1f}');
        }
        k.push_str(part);
    }
    k
}

/// The six primary-key columns of a slot, in table order, as every multi-row statement binds them.
fn slot_values<'a>((q, ladder): &'a (&'a Quote, String)) -> [&'a dyn ToSql; 6] {
    [
        &q.event_id,
        &q.book,
        &q.market,
        &q.scope,
        &q.selection,
        ladder,
    ]
}

/// The enums bind as their stored names (no per-row `String`).
macro_rules! bind_as_str {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::Borrowed(
                    rusqlite::types::ValueRef::Text(self.as_str().as_bytes()),
                ))
            }
        }
    )*};
}
bind_as_str!(MarketKind, Scope, Selection);

fn placeholders(rows: usize, cols: usize) -> String {
    let row = format!("({})", vec!["?"; cols].join(","));
    vec![row; rows].join(",")
}

fn upsert_chunk(
    conn: &Connection,
    chunk: &[(&Quote, String)],
    now_ms: i64,
) -> rusqlite::Result<()> {
    let sql = format!(
        "INSERT INTO quotes_latest (event_id, book, market, scope, selection, ladder_key, line, american, changed_ms, seen_ms, source)
         VALUES {}
         ON CONFLICT(event_id, book, market, scope, selection, ladder_key) DO UPDATE SET
           line = excluded.line, american = excluded.american, changed_ms = excluded.changed_ms,
           seen_ms = excluded.seen_ms, source = excluded.source",
        placeholders(chunk.len(), 11)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 11);
    for slot in chunk {
        let q = slot.0;
        values.extend_from_slice(&slot_values(slot));
        values.extend_from_slice(&[
            &q.line as &dyn ToSql,
            &q.american,
            &q.observed_ms,
            &now_ms,
            &q.source,
        ]);
    }
    stmt.execute(values.as_slice())?;
    Ok(())
}

fn append_chunk(
    conn: &Connection,
    chunk: &[(&Quote, String)],
    now_ms: i64,
) -> rusqlite::Result<()> {
    let sql = format!(
        "INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source, stored_ms)
         VALUES {}",
        placeholders(chunk.len(), 11)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 11);
    for slot in chunk {
        let q = slot.0;
        values.extend_from_slice(&slot_values(slot));
        values.extend_from_slice(&[
            &q.line as &dyn ToSql,
            &q.american,
            &q.observed_ms,
            &q.source,
            &now_ms,
        ]);
    }
    stmt.execute(values.as_slice())?;
    Ok(())
}

/// Moves `seen_ms` of many slots in one statement: a join of the slot list against the primary key.
fn touch_chunk(conn: &Connection, chunk: &[(&Quote, String)], now_ms: i64) -> rusqlite::Result<()> {
    let sql = format!(
        "UPDATE quotes_latest SET seen_ms = ?1
         FROM (VALUES {}) AS v
         WHERE quotes_latest.event_id = v.column1 AND quotes_latest.book = v.column2
           AND quotes_latest.market = v.column3 AND quotes_latest.scope = v.column4
           AND quotes_latest.selection = v.column5 AND quotes_latest.ladder_key = v.column6",
        placeholders(chunk.len(), 6)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut values: Vec<&dyn ToSql> = Vec::with_capacity(chunk.len() * 6 + 1);
    values.push(&now_ms);
    for slot in chunk {
        values.extend_from_slice(&slot_values(slot));
    }
    stmt.execute(values.as_slice())?;
    Ok(())
}

fn same_line(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MarketKind, Scope, Selection};

    fn q(
        book: &str,
        market: MarketKind,
        sel: Selection,
        line: Option<f64>,
        american: i64,
        t: i64,
    ) -> Quote {
        Quote {
            event_id: "2025_08_MIN_LAC".into(),
            book: book.into(),
            market,
            scope: Scope::Game,
            selection: sel,
            line,
            american,
            observed_ms: t,
            source: "test".into(),
        }
    }

    fn rows(c: &Connection, sql: &str) -> Vec<(String, Option<f64>, i64, i64)> {
        let mut s = c.prepare(sql).unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// History only on a change of price or line (ladders keep a slot per rung), seen_ms always,
    /// and several quotes of one slot in one batch behave as if written one after another.
    #[test]
    fn history_only_on_change_and_seen_always() {
        let dir = tempfile::tempdir().unwrap();
        let c = crate::store::open_for_writing(&dir.path().join("q.sqlite3"), 1000).unwrap();
        use MarketKind::*;
        use Selection::*;
        let first = vec![
            q("dk", Spread, Home, Some(-3.0), -110, 1),
            q("dk", Moneyline, Home, None, -150, 1),
            q("dk", TotalAlt, Over, Some(44.5), -110, 1),
            q("dk", TotalAlt, Over, Some(47.5), 120, 1),
        ];
        assert_eq!(
            write_quotes(&c, &first, 100).unwrap(),
            QuoteWriteStats {
                received: 4,
                changed: 4
            }
        );
        let second = vec![
            q("dk", Spread, Home, Some(-3.5), -110, 2),   // line moved
            q("dk", Moneyline, Home, None, -150, 2),      // unchanged
            q("dk", TotalAlt, Over, Some(44.5), -115, 2), // price moved on one rung
            q("dk", TotalAlt, Over, Some(47.5), 120, 2),  // unchanged rung
            q("fd", Moneyline, Home, None, -145, 2),      // new slot
            q("fd", Moneyline, Home, None, -145, 3),      // same slot again, same price
            q("fd", Moneyline, Home, None, -140, 4),      // same slot again, new price
        ];
        assert_eq!(
            write_quotes(&c, &second, 200).unwrap(),
            QuoteWriteStats {
                received: 7,
                changed: 4
            }
        );
        let latest = rows(
            &c,
            "SELECT book || ' ' || market || ' ' || ladder_key, line, american, seen_ms FROM quotes_latest ORDER BY 1",
        );
        assert_eq!(
            latest,
            vec![
                ("dk moneyline ".to_string(), None, -150, 200),
                ("dk spread ".to_string(), Some(-3.5), -110, 200),
                ("dk total_alt 44.5".to_string(), Some(44.5), -115, 200),
                ("dk total_alt 47.5".to_string(), Some(47.5), 120, 200),
                ("fd moneyline ".to_string(), None, -140, 200),
            ]
        );
        let changed_ms: Vec<i64> = c
            .prepare("SELECT changed_ms FROM quotes_latest ORDER BY book, market, ladder_key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            changed_ms,
            vec![1, 2, 2, 1, 4],
            "changed_ms is the observed time of the last change"
        );
        let history = rows(
            &c,
            "SELECT book || ' ' || market || ' ' || ladder_key, line, american, observed_ms FROM quotes_history ORDER BY id",
        );
        assert_eq!(history.len(), 8);
        assert_eq!(
            history[4..].iter().map(|h| (h.2, h.3)).collect::<Vec<_>>(),
            vec![(-110, 2), (-115, 2), (-145, 2), (-140, 4)]
        );
        // dk's quotes again, unchanged: nothing but the seen time moves, and only for dk.
        assert_eq!(write_quotes(&c, &second[..4], 300).unwrap().changed, 0);
        assert_eq!(crate::store::read::count(&c, "quotes_history").unwrap(), 8);
        let seen = rows(
            &c,
            "SELECT book, NULL, 0, seen_ms FROM quotes_latest ORDER BY book",
        );
        assert_eq!(
            seen.iter().map(|r| (r.0.as_str(), r.3)).collect::<Vec<_>>(),
            vec![
                ("dk", 300),
                ("dk", 300),
                ("dk", 300),
                ("dk", 300),
                ("fd", 200)
            ]
        );
        // dk pulls its 47.5 rung: the three quotes it still sends are confirmed, the rung is not.
        assert_eq!(write_quotes(&c, &second[..3], 400).unwrap().changed, 0);
        let seen = rows(&c, "SELECT book || ' ' || market || ' ' || ladder_key, NULL, 0, seen_ms FROM quotes_latest ORDER BY 1");
        assert_eq!(
            seen.iter().map(|r| (r.0.as_str(), r.3)).collect::<Vec<_>>(),
            vec![
                ("dk moneyline ", 400),
                ("dk spread ", 400),
                ("dk total_alt 44.5", 400),
                ("dk total_alt 47.5", 300),
                ("fd moneyline ", 200)
            ]
        );
    }

    #[test]
    fn large_batches_span_several_statements() {
        let dir = tempfile::tempdir().unwrap();
        let c = crate::store::open_for_writing(&dir.path().join("q.sqlite3"), 1000).unwrap();
        let many: Vec<Quote> = (0..1001)
            .map(|i| {
                q(
                    "dk",
                    MarketKind::SpreadAlt,
                    Selection::Home,
                    Some(-50.0 + i as f64 * 0.1),
                    -110,
                    1,
                )
            })
            .collect();
        assert_eq!(write_quotes(&c, &many, 10).unwrap().changed, 1001);
        assert_eq!(write_quotes(&c, &many, 20).unwrap().changed, 0);
        assert_eq!(
            crate::store::read::count(&c, "quotes_latest").unwrap(),
            1001
        );
        let n: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM quotes_latest WHERE seen_ms = 20",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1001);
    }
}
