//! Writing quotes to PostgreSQL with the semantics of `store::quotes::write_quotes`: latest
//! prices upserted, the odds path appended only on a real change, `seen_ms` moved for every
//! confirmed slot. Everything goes as array parameters (`UNNEST`), a few statements per batch
//! whatever its size, in one transaction.

use super::{in_transaction, PgError, PgStore};
use crate::domain::{Event, Quote};
use crate::store::quotes::QuoteWriteStats;
use crate::store::StoreError;
use deadpool_postgres::Transaction;
use std::collections::{HashMap, HashSet};

/// Rows per array statement: bounds one message's size on huge batches; a poll of 19,200
/// quotes goes in two.
const CHUNK: usize = 10_000;

/// Serialises the append to `quotes_history` from the first id drawn to commit, so ids become
/// visible in id order and a `changes_after` cursor never passes a row a slower writer has yet
/// to commit ("nflchng" in ASCII).
pub const SEQUENCE_LOCK: i64 = 0x006e_666c_6368_6e67;

/// What the batch knows of one slot (as in the SQLite writer).
struct Slot {
    line: Option<f64>,
    american: i64,
    stored: bool,
    confirmed: bool,
}

/// The slot identity as one string; the unit separator cannot occur in any part.
fn slot_key(parts: [&str; 6]) -> String {
    let mut k = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            k.push('\u{1f}');
        }
        k.push_str(part);
    }
    k
}

fn same_line(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}

/// Column arrays for the six key columns of many slots.
#[derive(Default)]
struct Keys<'a> {
    event: Vec<&'a str>,
    book: Vec<&'a str>,
    market: Vec<&'a str>,
    scope: Vec<&'a str>,
    selection: Vec<&'a str>,
    ladder: Vec<&'a str>,
}

impl<'a> Keys<'a> {
    fn with_capacity(n: usize) -> Self {
        Keys {
            event: Vec::with_capacity(n),
            book: Vec::with_capacity(n),
            market: Vec::with_capacity(n),
            scope: Vec::with_capacity(n),
            selection: Vec::with_capacity(n),
            ladder: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, q: &'a Quote, ladder: &'a str) {
        self.event.push(&q.event_id);
        self.book.push(&q.book);
        self.market.push(q.market.as_str());
        self.scope.push(q.scope.as_str());
        self.selection.push(q.selection.as_str());
        self.ladder.push(ladder);
    }
}

/// Upserts events as `store::quotes::upsert_events` does, in one statement: repeats of one
/// event in the list fold first (a later one wins, as they would one by one), and rows go in
/// key order so concurrent writers lock them in the same order.
pub(super) async fn upsert_events_tx(
    tx: &Transaction<'_>,
    events: &[Event],
    now_ms: i64,
) -> Result<(), PgError> {
    if events.is_empty() {
        return Ok(());
    }
    let mut folded: HashMap<&str, Event> = HashMap::with_capacity(events.len());
    for e in events {
        folded
            .entry(e.event_id.as_str())
            .and_modify(|old| {
                old.game_id = e.game_id.clone().or(old.game_id.take());
                old.season = e.season.or(old.season);
                old.week = e.week.or(old.week);
                old.commence_ms = e.commence_ms;
            })
            .or_insert_with(|| e.clone());
    }
    let mut rows: Vec<&Event> = folded.values().collect();
    rows.sort_unstable_by(|a, b| a.event_id.cmp(&b.event_id));
    let ids: Vec<&str> = rows.iter().map(|e| e.event_id.as_str()).collect();
    let game: Vec<Option<&str>> = rows.iter().map(|e| e.game_id.as_deref()).collect();
    let season: Vec<Option<i32>> = rows.iter().map(|e| e.season).collect();
    let week: Vec<Option<i32>> = rows.iter().map(|e| e.week).collect();
    let home: Vec<&str> = rows.iter().map(|e| e.home_team.as_str()).collect();
    let away: Vec<&str> = rows.iter().map(|e| e.away_team.as_str()).collect();
    let commence: Vec<i64> = rows.iter().map(|e| e.commence_ms).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO events (event_id, game_id, season, week, home_team, away_team, commence_ms, updated_ms)
             SELECT u.*, $8 FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::text[], $6::text[], $7::int8[]) AS u
             ON CONFLICT (event_id) DO UPDATE SET
               game_id = COALESCE(excluded.game_id, events.game_id),
               season = COALESCE(excluded.season, events.season),
               week = COALESCE(excluded.week, events.week),
               commence_ms = excluded.commence_ms,
               updated_ms = excluded.updated_ms",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &ids, &game, &season, &week, &home, &away, &commence, &now_ms,
        ],
    )
    .await?;
    Ok(())
}

/// The write itself; returns the stats and, when history rows were added, the last sequence.
pub(super) async fn write_quotes_tx(
    tx: &Transaction<'_>,
    quotes: &[Quote],
    now_ms: i64,
) -> Result<(QuoteWriteStats, Option<i64>), PgError> {
    let mut stats = QuoteWriteStats {
        received: quotes.len(),
        changed: 0,
    };
    if quotes.is_empty() {
        return Ok((stats, None));
    }
    // The stored prices of every (event, book) the batch names, compared in memory.
    let mut pairs: Vec<(&str, &str)> = quotes
        .iter()
        .map(|q| (q.event_id.as_str(), q.book.as_str()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    pairs.sort_unstable();
    let (pe, pb): (Vec<&str>, Vec<&str>) = pairs.iter().copied().unzip();
    let load = tx
        .prepare_cached(
            "SELECT q.event_id, q.book, q.market, q.scope, q.selection, q.ladder_key, q.line, q.american
             FROM quotes_latest q JOIN unnest($1::text[], $2::text[]) AS p(event_id, book)
               ON q.event_id = p.event_id AND q.book = p.book",
        )
        .await?;
    let stored = tx.query(&load, &[&pe, &pb]).await?;
    let mut slots: HashMap<String, Slot> = HashMap::with_capacity(stored.len() + quotes.len());
    // (event, book) -> (stored slots, stored slots this batch confirms)
    let mut books: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for r in &stored {
        let (event, book): (&str, &str) = (r.try_get(0)?, r.try_get(1)?);
        let key = slot_key([
            event,
            book,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
        ]);
        books
            .entry((event.to_string(), book.to_string()))
            .or_default()
            .0 += 1;
        slots.insert(
            key,
            Slot {
                line: r.try_get(6)?,
                american: r.try_get(7)?,
                stored: true,
                confirmed: false,
            },
        );
    }
    let ladders: Vec<String> = quotes.iter().map(Quote::ladder_key).collect();
    let mut changed: Vec<usize> = Vec::new();
    let mut unchanged: Vec<usize> = Vec::new();
    let mut keys: Vec<String> = Vec::with_capacity(quotes.len());
    for (i, q) in quotes.iter().enumerate() {
        let k = slot_key([
            &q.event_id,
            &q.book,
            q.market.as_str(),
            q.scope.as_str(),
            q.selection.as_str(),
            &ladders[i],
        ]);
        let slot = slots.entry(k.clone()).or_insert(Slot {
            line: None,
            american: 0,
            stored: false,
            confirmed: false,
        });
        let differs = (!slot.stored && !slot.confirmed)
            || slot.american != q.american
            || !same_line(slot.line, q.line);
        if slot.stored && !slot.confirmed {
            if let Some(b) = books.get_mut(&(q.event_id.clone(), q.book.clone())) {
                b.1 += 1;
            }
        }
        slot.confirmed = true;
        if differs {
            (slot.line, slot.american) = (q.line, q.american);
            changed.push(i);
        } else {
            unchanged.push(i);
        }
        keys.push(k);
    }
    stats.changed = changed.len();

    // Latest: the last change of each slot (one statement may not touch a row twice), in key
    // order so two writers of overlapping slots take their row locks in the same order.
    let mut last_change: HashMap<&str, usize> = HashMap::with_capacity(changed.len());
    for &i in &changed {
        last_change.insert(&keys[i], i);
    }
    let mut latest: Vec<usize> = last_change.into_values().collect();
    latest.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
    let upsert = tx
        .prepare_cached(
            "INSERT INTO quotes_latest (event_id, book, market, scope, selection, ladder_key, line, american, changed_ms, source, seen_ms)
             SELECT u.*, $11 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                         $7::float8[], $8::int8[], $9::int8[], $10::text[]) AS u
             ON CONFLICT (event_id, book, market, scope, selection, ladder_key) DO UPDATE SET
               line = excluded.line, american = excluded.american, changed_ms = excluded.changed_ms,
               seen_ms = excluded.seen_ms, source = excluded.source",
        )
        .await?;
    for chunk in latest.chunks(CHUNK) {
        let mut k = Keys::with_capacity(chunk.len());
        let mut line = Vec::with_capacity(chunk.len());
        let mut american = Vec::with_capacity(chunk.len());
        let mut observed = Vec::with_capacity(chunk.len());
        let mut source = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let q = &quotes[i];
            k.push(q, &ladders[i]);
            line.push(q.line);
            american.push(q.american);
            observed.push(q.observed_ms);
            source.push(q.source.as_str());
        }
        tx.execute(
            &upsert,
            &[
                &k.event,
                &k.book,
                &k.market,
                &k.scope,
                &k.selection,
                &k.ladder,
                &line,
                &american,
                &observed,
                &source,
                &now_ms,
            ],
        )
        .await?;
    }

    // Unchanged slots: whole books in one update each, the rest slot by slot (see the SQLite
    // writer: a market a book has pulled must not look fresh).
    let mut whole: Vec<(&str, &str)> = Vec::new();
    let mut partial: Vec<usize> = Vec::new();
    for &i in &unchanged {
        let q = &quotes[i];
        let complete = books
            .get(&(q.event_id.clone(), q.book.clone()))
            .is_some_and(|(n, c)| n == c);
        if complete {
            whole.push((&q.event_id, &q.book));
        } else {
            partial.push(i);
        }
    }
    whole.sort_unstable();
    whole.dedup();
    if !whole.is_empty() {
        let (we, wb): (Vec<&str>, Vec<&str>) = whole.into_iter().unzip();
        let touch_books = tx
            .prepare_cached(
                "UPDATE quotes_latest q SET seen_ms = $3
                 FROM unnest($1::text[], $2::text[]) AS v(event_id, book)
                 WHERE q.event_id = v.event_id AND q.book = v.book",
            )
            .await?;
        tx.execute(&touch_books, &[&we, &wb, &now_ms]).await?;
    }
    if !partial.is_empty() {
        partial.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]));
        partial.dedup_by(|a, b| keys[*a] == keys[*b]);
        let touch = tx
            .prepare_cached(
                "UPDATE quotes_latest q SET seen_ms = $7
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                      AS v(event_id, book, market, scope, selection, ladder_key)
                 WHERE q.event_id = v.event_id AND q.book = v.book AND q.market = v.market
                   AND q.scope = v.scope AND q.selection = v.selection AND q.ladder_key = v.ladder_key",
            )
            .await?;
        for chunk in partial.chunks(CHUNK) {
            let mut k = Keys::with_capacity(chunk.len());
            for &i in chunk {
                k.push(&quotes[i], &ladders[i]);
            }
            tx.execute(
                &touch,
                &[
                    &k.event,
                    &k.book,
                    &k.market,
                    &k.scope,
                    &k.selection,
                    &k.ladder,
                    &now_ms,
                ],
            )
            .await?;
        }
    }

    // History last: the sequence lock is held from here to commit, as briefly as possible.
    if changed.is_empty() {
        return Ok((stats, None));
    }
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SEQUENCE_LOCK])
        .await?;
    let append = tx
        .prepare_cached(
            "WITH added AS (
               INSERT INTO quotes_history (event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source, stored_ms)
               SELECT event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source, $11::int8
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                           $7::float8[], $8::int8[], $9::int8[], $10::text[])
                    WITH ORDINALITY AS u(event_id, book, market, scope, selection, ladder_key, line, american, observed_ms, source, n)
               ORDER BY n
               RETURNING id)
             SELECT MAX(id) FROM added",
        )
        .await?;
    let mut last_seq = None;
    for chunk in changed.chunks(CHUNK) {
        let mut k = Keys::with_capacity(chunk.len());
        let mut line = Vec::with_capacity(chunk.len());
        let mut american = Vec::with_capacity(chunk.len());
        let mut observed = Vec::with_capacity(chunk.len());
        let mut source = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let q = &quotes[i];
            k.push(q, &ladders[i]);
            line.push(q.line);
            american.push(q.american);
            observed.push(q.observed_ms);
            source.push(q.source.as_str());
        }
        let row = tx
            .query_one(
                &append,
                &[
                    &k.event,
                    &k.book,
                    &k.market,
                    &k.scope,
                    &k.selection,
                    &k.ladder,
                    &line,
                    &american,
                    &observed,
                    &source,
                    &now_ms,
                ],
            )
            .await?;
        last_seq = row.try_get::<_, Option<i64>>(0)?.or(last_seq);
    }
    if let Some(seq) = last_seq {
        // Delivered at commit, so a listener never hears of a change it cannot read yet.
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&super::notify::CHANNEL, &seq.to_string()],
        )
        .await?;
    }
    Ok((stats, last_seq))
}

impl PgStore {
    /// `store::quotes::upsert_events`, in its own transaction.
    pub async fn upsert_events(&self, events: &[Event], now_ms: i64) -> Result<(), StoreError> {
        in_transaction!(self, |tx| upsert_events_tx(&tx, events, now_ms).await?)?;
        Ok(())
    }

    /// `store::quotes::write_quotes`, in its own transaction; a commit that adds changes
    /// notifies listeners with its last sequence.
    pub async fn write_quotes(
        &self,
        quotes: &[Quote],
        now_ms: i64,
    ) -> Result<QuoteWriteStats, StoreError> {
        self.write_poll(&[], quotes, now_ms).await
    }

    /// One poll: its events upserted and its quotes written in a single transaction (what the
    /// SQLite ingest does inside one writer job).
    pub async fn write_poll(
        &self,
        events: &[Event],
        quotes: &[Quote],
        now_ms: i64,
    ) -> Result<QuoteWriteStats, StoreError> {
        let stats = in_transaction!(self, |tx| {
            upsert_events_tx(&tx, events, now_ms).await?;
            write_quotes_tx(&tx, quotes, now_ms).await?.0
        })?;
        Ok(stats)
    }

    /// A whole poll in one transaction: events, quotes, the rejected rows and the run record
    /// (its `quotes_changed` filled from the write), as one SQLite writer job does.
    pub async fn write_poll_with_records(
        &self,
        events: &[Event],
        quotes: &[Quote],
        outrights: &[crate::domain::outright::OutrightQuote],
        rejected: &[crate::store::records::Quarantined],
        run: Option<&crate::store::records::IngestRun>,
        now_ms: i64,
    ) -> Result<QuoteWriteStats, StoreError> {
        let stats = in_transaction!(self, |tx| {
            upsert_events_tx(&tx, events, now_ms).await?;
            let mut stats = write_quotes_tx(&tx, quotes, now_ms).await?.0;
            stats.changed += super::outrights::write_outrights_tx(&tx, outrights, now_ms).await?;
            super::records::insert_quarantine_tx(&tx, rejected).await?;
            if let Some(r) = run {
                let mut r = r.clone();
                r.quotes_changed = stats.changed;
                super::records::insert_ingest_run_tx(&tx, &r).await?;
            }
            stats
        })?;
        Ok(stats)
    }
}
