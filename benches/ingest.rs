//! Ingestion throughput: a large synthetic poll in The Odds API shape (16 games x 10 books x 60
//! two-way markets = 19,200 outcomes), parsed, normalised and written through the real store
//! writer (one WAL transaction per poll), reported as quotes per second.
//!
//! The same polls are then written to PostgreSQL (`pg_*` cases) when
//! `NFLREADPY_BETTING_TEST_PG_URL` names a server (`scripts/test-postgres.sh start`): a fresh
//! database on it, written through `PgStore::write_poll` (one transaction per poll).
//!
//! `cargo bench --bench ingest`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use nflreadpy_betting::domain::{Event, Quote};
use nflreadpy_betting::ingest::sources::the_odds_api::parse_odds;
use nflreadpy_betting::ingest::sources::OddsFormat;
use nflreadpy_betting::ingest::{Normalizer, SourceBatch};
use nflreadpy_betting::store::postgres::PgStore;
use nflreadpy_betting::store::quotes::{upsert_events, write_quotes};
use nflreadpy_betting::store::StoreWriter;
use serde_json::{json, Value};
use std::time::Duration;

const TEAMS: [&str; 32] = [
    "Arizona Cardinals",
    "Atlanta Falcons",
    "Baltimore Ravens",
    "Buffalo Bills",
    "Carolina Panthers",
    "Chicago Bears",
    "Cincinnati Bengals",
    "Cleveland Browns",
    "Dallas Cowboys",
    "Denver Broncos",
    "Detroit Lions",
    "Green Bay Packers",
    "Houston Texans",
    "Indianapolis Colts",
    "Jacksonville Jaguars",
    "Kansas City Chiefs",
    "Los Angeles Rams",
    "Los Angeles Chargers",
    "Las Vegas Raiders",
    "Miami Dolphins",
    "Minnesota Vikings",
    "New England Patriots",
    "New Orleans Saints",
    "New York Giants",
    "New York Jets",
    "Philadelphia Eagles",
    "Pittsburgh Steelers",
    "San Francisco 49ers",
    "Seattle Seahawks",
    "Tampa Bay Buccaneers",
    "Tennessee Titans",
    "Washington Commanders",
];
const BOOKS: [&str; 10] = [
    "draftkings",
    "fanduel",
    "betmgm",
    "williamhill_us",
    "betrivers",
    "fanatics",
    "bovada",
    "betonlineag",
    "lowvig",
    "mybookieag",
];
const SCOPES: [&str; 7] = ["", "_h1", "_h2", "_q1", "_q2", "_q3", "_q4"];

/// Outcomes per poll: 16 games x 10 books x (21 main two-way markets + 20 alternate spread rungs
/// + 19 alternate total rungs) x 2.
const QUOTES: u64 = 16 * 10 * 60 * 2;

/// One poll's body. `shift` moves every price by that many cents, so two shifts give two
/// different boards (the worst case: every quote changed).
fn body(shift: i64) -> Vec<u8> {
    let price = |base: i64| -> i64 {
        let p = base + shift;
        if p.abs() < 100 {
            if p < 0 {
                100 + (p + 100)
            } else {
                -(200 - p)
            }
        } else {
            p
        }
    };
    let events: Vec<Value> = (0..16)
        .map(|g| {
            let (home, away) = (TEAMS[g], TEAMS[g + 16]);
            let books: Vec<Value> = BOOKS
                .iter()
                .enumerate()
                .map(|(b, key)| {
                    let mut markets = Vec::new();
                    for s in SCOPES {
                        markets.push(json!({"key": format!("h2h{s}"), "last_update": "2026-09-10T12:00:00Z", "outcomes": [
                            {"name": away, "price": price(130 + b as i64)}, {"name": home, "price": price(-150 - b as i64)}]}));
                        markets.push(json!({"key": format!("spreads{s}"), "last_update": "2026-09-10T12:00:00Z", "outcomes": [
                            {"name": away, "price": price(-108), "point": 3.5}, {"name": home, "price": price(-112), "point": -3.5}]}));
                        markets.push(json!({"key": format!("totals{s}"), "last_update": "2026-09-10T12:00:00Z", "outcomes": [
                            {"name": "Over", "price": price(-110), "point": 44.5}, {"name": "Under", "price": price(-110), "point": 44.5}]}));
                    }
                    let alt_sp: Vec<Value> = (0..20)
                        .flat_map(|i| {
                            let pt = -13.5 + i as f64;
                            [json!({"name": home, "price": price(-110 + 12 * i as i64 - 120), "point": pt}),
                             json!({"name": away, "price": price(-110 - 12 * i as i64 + 120), "point": -pt})]
                        })
                        .collect();
                    let alt_tot: Vec<Value> = (0..19)
                        .flat_map(|i| {
                            let pt = 35.5 + i as f64;
                            [json!({"name": "Over", "price": price(-110 + 10 * i as i64 - 90), "point": pt}),
                             json!({"name": "Under", "price": price(-110 - 10 * i as i64 + 90), "point": pt})]
                        })
                        .collect();
                    markets.push(json!({"key": "alternate_spreads", "last_update": "2026-09-10T12:00:00Z", "outcomes": alt_sp}));
                    markets.push(json!({"key": "alternate_totals", "last_update": "2026-09-10T12:00:00Z", "outcomes": alt_tot}));
                    json!({"key": key, "title": key, "last_update": "2026-09-10T12:00:00Z", "markets": markets})
                })
                .collect();
            json!({"id": format!("{g:032x}"), "sport_key": "americanfootball_nfl", "sport_title": "NFL",
                   "commence_time": "2026-09-13T17:00:00Z", "home_team": home, "away_team": away, "bookmakers": books})
        })
        .collect();
    serde_json::to_vec(&Value::Array(events)).unwrap()
}

fn store(writer: &StoreWriter, events: Vec<Event>, quotes: Vec<Quote>, now: i64) -> usize {
    writer
        .write_blocking(move |c| {
            upsert_events(c, &events, now)?;
            Ok(write_quotes(c, &quotes, now)?.changed)
        })
        .unwrap()
}

fn parse(n: &Normalizer, bytes: &[u8]) -> SourceBatch {
    let b = parse_odds(bytes, n, OddsFormat::American, "bench", 0).unwrap();
    assert_eq!(b.quotes.len() as u64, QUOTES, "{:?}", b.rejected.first());
    b
}

fn bench(c: &mut Criterion) {
    let n = Normalizer::embedded();
    let (a, b) = (body(0), body(5));
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(QUOTES))
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));

    g.bench_function("parse_normalize", |bch| bch.iter(|| parse(&n, &a)));

    let dir = tempfile::tempdir().unwrap();
    let (writer, thread) = StoreWriter::spawn(&dir.path().join("bench.sqlite3"), 5000, 64).unwrap();
    let first = parse(&n, &a);
    assert_eq!(
        store(&writer, first.events.clone(), first.quotes.clone(), 1),
        QUOTES as usize
    );

    g.bench_function("store_unchanged", |bch| {
        bch.iter_batched(
            || (first.events.clone(), first.quotes.clone()),
            |(e, q)| assert_eq!(store(&writer, e, q, 2), 0),
            BatchSize::LargeInput,
        )
    });

    let second = parse(&n, &b);
    let mut flip = false;
    g.bench_function("store_all_changed", |bch| {
        bch.iter_batched(
            || {
                flip = !flip;
                let s = if flip { &second } else { &first };
                (s.events.clone(), s.quotes.clone())
            },
            |(e, q)| assert_eq!(store(&writer, e, q, 3), QUOTES as usize),
            BatchSize::LargeInput,
        )
    });

    g.bench_function("end_to_end_unchanged", |bch| {
        // Settle on board `a` first so every poll below is an unchanged one.
        let s = parse(&n, &a);
        store(&writer, s.events, s.quotes, 4);
        bch.iter(|| {
            let s = parse(&n, &a);
            store(&writer, s.events, s.quotes, 4)
        })
    });

    let mut flip = false;
    g.bench_function("end_to_end_all_changed", |bch| {
        bch.iter(|| {
            flip = !flip;
            let s = parse(&n, if flip { &b } else { &a });
            assert_eq!(store(&writer, s.events, s.quotes, 5), QUOTES as usize);
        })
    });
    drop(writer);
    thread.join();
    postgres(&mut g, &n, &first, &second);
    g.finish();
}

/// The PostgreSQL side, in the same run; skipped (with a note) when no server is named.
fn postgres(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: &Normalizer,
    first: &SourceBatch,
    second: &SourceBatch,
) {
    let Ok(base) = std::env::var("NFLREADPY_BETTING_TEST_PG_URL") else {
        eprintln!("pg_* cases skipped: NFLREADPY_BETTING_TEST_PG_URL is not set");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = format!("nflreadpy_bench_{}", std::process::id());
    let admin = |sql: String| {
        let base = base.clone();
        rt.block_on(async move {
            let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
                .await
                .unwrap();
            let driver = tokio::spawn(conn);
            client.batch_execute(&sql).await.unwrap();
            drop(client);
            let _ = driver.await;
        })
    };
    admin(format!("CREATE DATABASE {db}"));
    let (head, _) = base.split_once('?').unwrap_or((&base, ""));
    let url = format!("{}/{db}", head.rsplit_once('/').unwrap().0);
    let store = rt.block_on(PgStore::connect(&url, 2)).unwrap();
    let write = |s: &SourceBatch, now: i64| {
        rt.block_on(store.write_poll(&s.events, &s.quotes, now))
            .unwrap()
            .changed
    };
    assert_eq!(write(first, 1), QUOTES as usize);

    g.bench_function("pg_store_unchanged", |bch| {
        bch.iter(|| assert_eq!(write(first, 2), 0))
    });
    let mut flip = false;
    g.bench_function("pg_store_all_changed", |bch| {
        bch.iter(|| {
            flip = !flip;
            assert_eq!(write(if flip { second } else { first }, 3), QUOTES as usize);
        })
    });
    let a = body(0);
    g.bench_function("pg_end_to_end_unchanged", |bch| {
        write(first, 4);
        bch.iter(|| {
            let s = parse(n, &a);
            write(&s, 4)
        })
    });
    drop(store);
    admin(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}

criterion_group!(benches, bench);
criterion_main!(benches);
