//! The PostgreSQL store against a real server: the same scenarios as the SQLite store with the
//! same results, several writers and dispatchers at once, the leader lock, notifications and
//! retention. The server comes from `NFLREADPY_BETTING_TEST_PG_URL` (`scripts/test-postgres.sh
//! start` prints it; `.ci/run` starts one); each test makes a database of its own, so they run
//! in parallel. Without the variable the tests say why and pass, except under CI where they
//! fail.

use nflreadpy_betting::domain::{Event, MarketKind, Quote, Scope, Selection};
use nflreadpy_betting::store::outbox::{self, NewRow, Outcome};
use nflreadpy_betting::store::postgres::{schema::SCHEMA_VERSION, ChangeSignal, PgStore};
use nflreadpy_betting::store::quotes::QuoteWriteStats;
use nflreadpy_betting::store::read::{LatestQuote, QuoteChange};
use nflreadpy_betting::store::records::{
    IngestRun, MetricSample, OpportunityRecord, PruneStats, SimulationRecord,
};
use nflreadpy_betting::store::{quotes, read, records};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "common/pg.rs"]
mod pg;
use pg::{admin, TestDb, WAIT};

fn q(
    event: &str,
    book: &str,
    market: MarketKind,
    sel: Selection,
    line: Option<f64>,
    american: i64,
    t: i64,
) -> Quote {
    Quote {
        event_id: event.into(),
        book: book.into(),
        market,
        scope: Scope::Game,
        selection: sel,
        line,
        american,
        observed_ms: t,
        source: format!("src-{book}"),
    }
}

fn event(id: &str, commence_ms: i64) -> Event {
    Event {
        event_id: id.into(),
        game_id: Some(format!("g-{id}")),
        season: Some(2025),
        week: Some(8),
        home_team: "LAC".into(),
        away_team: "MIN".into(),
        commence_ms,
    }
}

// ---------------------------------------------------------------------------------------------
// One scenario, both backends.

/// A scenario step and what every read returns after all of them.
enum Step {
    Poll {
        events: Vec<Event>,
        quotes: Vec<Quote>,
        now: i64,
    },
    Enqueue(Vec<NewRow>),
    Apply(Vec<Outcome>),
    Expire {
        configured: Vec<String>,
        now: i64,
    },
    Run(IngestRun),
    Samples(Vec<MetricSample>),
    Simulation(SimulationRecord, Vec<OpportunityRecord>),
    Prune {
        cutoff: i64,
        now: i64,
        dry_run: bool,
    },
    Pass {
        cutoff: i64,
        now: i64,
        chunk: usize,
    },
}

#[derive(Debug, PartialEq)]
enum Answer {
    Stats(QuoteWriteStats),
    Count(usize),
    Expired(Vec<(String, usize)>),
    Id(i64),
    Pruned(PruneStats),
    Done,
}

#[derive(Debug, PartialEq)]
struct Observed {
    answers: Vec<Answer>,
    latest: Vec<LatestQuote>,
    latest_recent: Vec<LatestQuote>,
    events: Vec<Event>,
    changes: Vec<QuoteChange>,
    changes_page: Vec<QuoteChange>,
    seq_before: Vec<i64>,
    history_dk: Vec<Quote>,
    history_all: Vec<Quote>,
    history_since: Vec<Quote>,
    counts: BTreeMap<&'static str, i64>,
    last_seen: Vec<(String, String, i64, String)>,
    event_counts: Vec<(String, i64, i64)>,
    runs: Vec<read::RunRow>,
    due: Vec<outbox::PendingRow>,
    next_due: Vec<(String, i64)>,
    summary: Vec<outbox::ChannelSummary>,
    recent_keys: Vec<(String, i64)>,
}

const TABLES: [&str; 9] = [
    "events",
    "quotes_latest",
    "quotes_history",
    "quarantine",
    "ingest_runs",
    "simulations",
    "opportunities",
    "alert_outbox",
    "metrics_samples",
];

fn scenario() -> Vec<Step> {
    use MarketKind::*;
    use Selection::*;
    let e = "2025_08_MIN_LAC";
    let old = "2025_01_OLD_GAME";
    let first = vec![
        q(e, "dk", Spread, Home, Some(-3.0), -110, 1),
        q(e, "dk", Moneyline, Home, None, -150, 1),
        q(e, "dk", TotalAlt, Over, Some(44.5), -110, 1),
        q(e, "dk", TotalAlt, Over, Some(47.5), 120, 1),
        q(old, "dk", Moneyline, Home, None, 105, 1),
    ];
    let second = vec![
        q(e, "dk", Spread, Home, Some(-3.5), -110, 2),
        q(e, "dk", Moneyline, Home, None, -150, 2),
        q(e, "dk", TotalAlt, Over, Some(44.5), -115, 2),
        q(e, "dk", TotalAlt, Over, Some(47.5), 120, 2),
        q(e, "fd", Moneyline, Home, None, -145, 2),
        q(e, "fd", Moneyline, Home, None, -145, 3),
        q(e, "fd", Moneyline, Home, None, -140, 4),
    ];
    // More than one array statement's worth, so the chunking is covered too.
    let ladder: Vec<Quote> = (0..10_050)
        .map(|i| {
            q(
                e,
                "pin",
                SpreadAlt,
                Home,
                Some(-50.0 + i as f64 * 0.1),
                -110 - (i % 7),
                5,
            )
        })
        .collect();
    let mut ladder_moved = ladder.clone();
    for (i, x) in ladder_moved.iter_mut().enumerate() {
        if i % 3 == 0 {
            x.american -= 5;
        }
        x.observed_ms = 6;
    }
    let row = |key: &str, channel: &str, t: i64| NewRow {
        dedup_key: key.into(),
        rule: "edge".into(),
        severity: "info".into(),
        channel: channel.into(),
        payload: format!("{{\"k\":\"{key}\"}}"),
        created_ms: t,
        next_attempt_ms: t,
    };
    let mut rows: Vec<NewRow> = (0..6)
        .map(|i| row(&format!("a{i}"), "slack", 10 + i))
        .collect();
    rows.extend((0..4).map(|i| row(&format!("b{i}"), "email", 20 + i)));
    rows.push(row("c0", "pager", 30));
    rows.push(row("a0", "slack", 99)); // a duplicate: ignored
    vec![
        Step::Poll {
            events: vec![event(e, 1_000_000), event(old, 50), event(e, 1_000_000)],
            quotes: first,
            now: 100,
        },
        Step::Poll {
            events: vec![],
            quotes: second.clone(),
            now: 200,
        },
        Step::Poll {
            events: vec![],
            quotes: second[..4].to_vec(),
            now: 300,
        },
        Step::Poll {
            events: vec![],
            quotes: second[..3].to_vec(),
            now: 400,
        },
        Step::Poll {
            events: vec![],
            quotes: ladder.clone(),
            now: 500,
        },
        Step::Poll {
            events: vec![],
            quotes: ladder,
            now: 600,
        },
        Step::Poll {
            events: vec![],
            quotes: ladder_moved,
            now: 700,
        },
        Step::Enqueue(rows),
        Step::Apply(vec![
            Outcome::Delivered { id: 1, at_ms: 40 },
            Outcome::Failed {
                id: 2,
                next_ms: 500,
                error: "HTTP 503".into(),
            },
            Outcome::Skipped {
                id: 7,
                at_ms: 41,
                reason: "muted".into(),
            },
            Outcome::Invalid {
                id: 8,
                error: "bad payload".into(),
            },
        ]),
        Step::Expire {
            configured: vec!["slack".into(), "email".into()],
            now: 45,
        },
        Step::Run(IngestRun {
            source: "odds".into(),
            scheduled_ms: 1,
            started_ms: 2,
            finished_ms: 3,
            ok: true,
            attempts: 1,
            quotes_received: 5,
            quotes_changed: 5,
            quotes_rejected: 0,
            error: None,
        }),
        Step::Run(IngestRun {
            source: "odds".into(),
            scheduled_ms: 700,
            started_ms: 701,
            finished_ms: 702,
            ok: false,
            attempts: 3,
            quotes_received: 0,
            quotes_changed: 0,
            quotes_rejected: 0,
            error: Some("timeout".into()),
        }),
        Step::Samples(vec![
            MetricSample {
                ts_ms: 5,
                name: "m".into(),
                labels: "{}".into(),
                value: 1.5,
            },
            MetricSample {
                ts_ms: 900,
                name: "m".into(),
                labels: "{}".into(),
                value: 2.5,
            },
        ]),
        Step::Simulation(
            SimulationRecord {
                started_ms: 8,
                latency_ms: 12.5,
                iterations: 10_000,
                seed: u64::MAX - 3,
                events: 1,
                markets: 3,
                max_std_error: 0.01,
                max_abs_z: Some(1.2),
                trigger: "poll".into(),
            },
            vec![OpportunityRecord {
                detected_ms: 8,
                event_id: e.into(),
                market: "spread".into(),
                scope: "game".into(),
                selection: "home".into(),
                line: Some(-3.5),
                book: "dk".into(),
                american: -110,
                fair_prob: 0.55,
                push_prob: 0.02,
                ev: 0.04,
                kelly: 0.02,
                stake: 10.0,
                detail: "{}".into(),
            }],
        ),
        Step::Prune {
            cutoff: 3,
            now: 10_000,
            dry_run: true,
        },
        Step::Pass {
            cutoff: 3,
            now: 10_000,
            chunk: 1,
        },
        // A cutoff past every row: the future game keeps its latest quotes, the pending
        // alerts stay, the newest history row stays.
        Step::Prune {
            cutoff: 5_000,
            now: 10_000,
            dry_run: false,
        },
    ]
}

fn observe_sqlite(steps: &[Step]) -> Observed {
    use nflreadpy_betting::store::outbox as ob;
    let dir = tempfile::tempdir().unwrap();
    let c =
        nflreadpy_betting::store::open_for_writing(&dir.path().join("s.sqlite3"), 5000).unwrap();
    let mut answers = Vec::new();
    let mut seq_before = Vec::new();
    for step in steps {
        answers.push(match step {
            Step::Poll {
                events,
                quotes: qs,
                now,
            } => {
                quotes::upsert_events(&c, events, *now).unwrap();
                let stats = quotes::write_quotes(&c, qs, *now).unwrap();
                seq_before.push(read::seq_before(&c, *now / 100).unwrap());
                Answer::Stats(stats)
            }
            Step::Enqueue(rows) => Answer::Count(ob::enqueue(&c, rows).unwrap()),
            Step::Apply(o) => {
                ob::apply(&c, o).unwrap();
                Answer::Done
            }
            Step::Expire { configured, now } => {
                Answer::Expired(ob::expire_unconfigured(&c, configured, *now).unwrap())
            }
            Step::Run(r) => Answer::Id(records::insert_ingest_run(&c, r).unwrap()),
            Step::Samples(s) => {
                records::insert_metric_samples(&c, s).unwrap();
                Answer::Done
            }
            Step::Simulation(s, o) => Answer::Id(records::insert_simulation(&c, s, o).unwrap()),
            Step::Prune {
                cutoff,
                now,
                dry_run,
            } => Answer::Pruned(records::prune_older_than(&c, *cutoff, *now, *dry_run).unwrap()),
            Step::Pass { cutoff, now, chunk } => Answer::Pruned(
                nflreadpy_betting::store::retention::pass(&c, *cutoff, *now, *chunk).unwrap(),
            ),
        });
    }
    let channels = vec!["slack".to_string(), "email".to_string()];
    let mut o = Observed {
        answers,
        latest: read::latest_quotes(&c, 0).unwrap(),
        latest_recent: read::latest_quotes(&c, 650).unwrap(),
        events: read::events(&c).unwrap(),
        changes: read::changes_after(&c, 0, 100_000).unwrap(),
        changes_page: read::changes_after(&c, 3, 4).unwrap(),
        seq_before,
        history_dk: read::history(
            &c,
            "2025_08_MIN_LAC",
            MarketKind::Moneyline,
            Scope::Game,
            Selection::Home,
            Some("fd"),
            10,
        )
        .unwrap(),
        history_all: read::history(
            &c,
            "2025_08_MIN_LAC",
            MarketKind::SpreadAlt,
            Scope::Game,
            Selection::Home,
            None,
            25,
        )
        .unwrap(),
        history_since: read::history_for_events(&c, 5, 30).unwrap(),
        counts: TABLES
            .iter()
            .map(|t| (*t, read::count(&c, t).unwrap()))
            .collect(),
        last_seen: read::last_seen_by_book_market(&c).unwrap(),
        event_counts: read::event_quote_counts(&c).unwrap(),
        runs: read::recent_runs(&c, 5).unwrap(),
        due: ob::due(&c, 1_000, &channels, 2).unwrap(),
        next_due: ob::next_due_by_channel(&c).unwrap(),
        summary: ob::channel_summary(&c).unwrap(),
        recent_keys: ob::recent_keys(&c, 0).unwrap(),
    };
    o.normalise();
    o
}

async fn observe_pg(s: &PgStore, steps: &[Step]) -> Observed {
    let mut answers = Vec::new();
    let mut seq_before = Vec::new();
    for step in steps {
        answers.push(match step {
            Step::Poll {
                events,
                quotes: qs,
                now,
            } => {
                let stats = s.write_poll(events, qs, *now).await.unwrap();
                seq_before.push(s.seq_before(*now / 100).await.unwrap());
                Answer::Stats(stats)
            }
            Step::Enqueue(rows) => Answer::Count(s.enqueue(rows).await.unwrap()),
            Step::Apply(o) => {
                s.apply(o).await.unwrap();
                Answer::Done
            }
            Step::Expire { configured, now } => {
                Answer::Expired(s.expire_unconfigured(configured, *now).await.unwrap())
            }
            Step::Run(r) => Answer::Id(s.insert_ingest_run(r).await.unwrap()),
            Step::Samples(m) => {
                s.insert_metric_samples(m).await.unwrap();
                Answer::Done
            }
            Step::Simulation(sim, o) => Answer::Id(s.insert_simulation(sim, o).await.unwrap()),
            Step::Prune {
                cutoff,
                now,
                dry_run,
            } => Answer::Pruned(s.prune_older_than(*cutoff, *now, *dry_run).await.unwrap()),
            Step::Pass { cutoff, now, chunk } => {
                Answer::Pruned(s.pass(*cutoff, *now, *chunk).await.unwrap())
            }
        });
    }
    let channels = vec!["slack".to_string(), "email".to_string()];
    let mut counts = BTreeMap::new();
    for t in TABLES {
        counts.insert(t, s.count(t).await.unwrap());
    }
    let mut o = Observed {
        answers,
        latest: s.latest_quotes(0).await.unwrap(),
        latest_recent: s.latest_quotes(650).await.unwrap(),
        events: s.events().await.unwrap(),
        changes: s.changes_after(0, 100_000).await.unwrap(),
        changes_page: s.changes_after(3, 4).await.unwrap(),
        seq_before,
        history_dk: s
            .history(
                "2025_08_MIN_LAC",
                MarketKind::Moneyline,
                Scope::Game,
                Selection::Home,
                Some("fd"),
                10,
            )
            .await
            .unwrap(),
        history_all: s
            .history(
                "2025_08_MIN_LAC",
                MarketKind::SpreadAlt,
                Scope::Game,
                Selection::Home,
                None,
                25,
            )
            .await
            .unwrap(),
        history_since: s.history_for_events(5, 30).await.unwrap(),
        counts,
        last_seen: s.last_seen_by_book_market().await.unwrap(),
        event_counts: s.event_quote_counts().await.unwrap(),
        runs: s.recent_runs(5).await.unwrap(),
        due: s.due(1_000, &channels, 2).await.unwrap(),
        next_due: s.next_due_by_channel().await.unwrap(),
        summary: s.channel_summary().await.unwrap(),
        recent_keys: s.recent_keys(0).await.unwrap(),
    };
    o.normalise();
    o
}

impl Observed {
    /// Orders what neither backend promises to order.
    fn normalise(&mut self) {
        let key = |l: &LatestQuote| {
            (
                l.quote.event_id.clone(),
                l.quote.book.clone(),
                l.quote.market.as_str(),
                l.quote.selection.as_str(),
                l.quote.line.map(f64::to_bits),
            )
        };
        self.latest.sort_by_key(key);
        self.latest_recent.sort_by_key(key);
        self.last_seen.sort();
        self.event_counts.sort();
        self.next_due.sort();
        self.recent_keys.sort();
        if let Some(Answer::Expired(e)) = self
            .answers
            .iter_mut()
            .find(|a| matches!(a, Answer::Expired(_)))
        {
            e.sort();
        }
    }
}

/// The shared helper: the same steps through SQLite and PostgreSQL, every answer and every
/// read compared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_scenario_gives_the_same_results_as_sqlite() {
    let Some(db) = TestDb::new("same").await else {
        return;
    };
    let steps = scenario();
    let sqlite = observe_sqlite(&steps);
    let store = db.store(4).await;
    let pg = observe_pg(&store, &steps).await;
    // Spot checks, so an equal pair of wrong answers cannot pass unnoticed.
    assert_eq!(
        sqlite.answers[..4],
        [
            Answer::Stats(QuoteWriteStats {
                received: 5,
                changed: 5
            }),
            Answer::Stats(QuoteWriteStats {
                received: 7,
                changed: 4
            }),
            Answer::Stats(QuoteWriteStats {
                received: 4,
                changed: 0
            }),
            Answer::Stats(QuoteWriteStats {
                received: 3,
                changed: 0
            }),
        ]
    );
    assert!(sqlite.latest.len() > 10_000);
    // 11 enqueued; the last prune removes the four no longer pending.
    assert_eq!(sqlite.counts["alert_outbox"], 7);
    for (field, same) in [
        ("answers", sqlite.answers == pg.answers),
        ("latest", sqlite.latest == pg.latest),
        ("latest_recent", sqlite.latest_recent == pg.latest_recent),
        ("events", sqlite.events == pg.events),
        ("changes", sqlite.changes == pg.changes),
        ("changes_page", sqlite.changes_page == pg.changes_page),
        ("seq_before", sqlite.seq_before == pg.seq_before),
        ("history_dk", sqlite.history_dk == pg.history_dk),
        ("history_all", sqlite.history_all == pg.history_all),
        ("history_since", sqlite.history_since == pg.history_since),
        ("counts", sqlite.counts == pg.counts),
        ("last_seen", sqlite.last_seen == pg.last_seen),
        ("event_counts", sqlite.event_counts == pg.event_counts),
        ("runs", sqlite.runs == pg.runs),
        ("due", sqlite.due == pg.due),
        ("next_due", sqlite.next_due == pg.next_due),
        ("summary", sqlite.summary == pg.summary),
        ("recent_keys", sqlite.recent_keys == pg.recent_keys),
    ] {
        assert!(same, "{field} differs between SQLite and PostgreSQL");
    }
    assert_eq!(sqlite, pg);
    db.drop_db().await;
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent_and_safe_to_race() {
    let Some(db) = TestDb::new("migrate").await else {
        return;
    };
    // Two processes starting together, then a restart.
    let (a, b) = tokio::join!(PgStore::connect(&db.url, 2), PgStore::connect(&db.url, 2));
    let (a, _b) = (a.unwrap(), b.unwrap());
    let again = db.store(2).await;
    assert_eq!(again.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(a.migrate().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(a.count("quotes_latest").await.unwrap(), 0);
    db.drop_db().await;
}

/// Two ingest workers (separate pools, as separate processes) write different books into one
/// database at once while a stream reader follows the change sequence: nothing is lost, and
/// the reader's cursor never skips a row committed late.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_of_different_books_lose_nothing() {
    let Some(db) = TestDb::new("writers").await else {
        return;
    };
    const POLLS: i64 = 25;
    const EVENTS: usize = 4;
    const RUNGS: usize = 60;
    let board = |book: &str, poll: i64| -> Vec<Quote> {
        (0..EVENTS)
            .flat_map(|e| (0..RUNGS).map(move |r| (e, r)))
            .map(|(e, r)| {
                q(
                    &format!("ev{e}"),
                    book,
                    MarketKind::TotalAlt,
                    Selection::Over,
                    Some(30.5 + r as f64),
                    // Every poll moves every price.
                    -110 - poll,
                    poll,
                )
            })
            .collect()
    };
    let events: Vec<Event> = (0..EVENTS)
        .map(|e| event(&format!("ev{e}"), i64::MAX / 2))
        .collect();
    let done = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for book in ["dk", "fd", "mgm"] {
        let store = db.store(2).await;
        let events = events.clone();
        let done = done.clone();
        writers.push(tokio::spawn(async move {
            for poll in 1..=POLLS {
                let stats = store
                    .write_poll(&events, &board(book, poll), 1_000 + poll)
                    .await
                    .unwrap();
                assert_eq!(stats.changed, EVENTS * RUNGS);
            }
            done.fetch_add(1, Ordering::SeqCst);
        }));
    }
    let reader = db.store(1).await;
    let mut cursor = 0;
    let mut seen: Vec<i64> = Vec::new();
    loop {
        let finished = done.load(Ordering::SeqCst) == 3;
        let page = reader.changes_after(cursor, 1_000).await.unwrap();
        if let Some(last) = page.last() {
            cursor = last.seq;
        }
        seen.extend(page.iter().map(|c| c.seq));
        if finished && page.is_empty() {
            break;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    let total = 3 * POLLS as usize * EVENTS * RUNGS;
    assert_eq!(reader.count("quotes_history").await.unwrap(), total as i64);
    assert_eq!(
        seen.len(),
        total,
        "the stream cursor skipped rows committed after a later id"
    );
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), total);
    let latest = reader.latest_quotes(0).await.unwrap();
    assert_eq!(latest.len(), 3 * EVENTS * RUNGS);
    assert!(latest.iter().all(|l| l.quote.american == -110 - POLLS));
    db.drop_db().await;
}

/// Two dispatchers claim the same outbox at once: every row is delivered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_deliver_each_row_exactly_once() {
    let Some(db) = TestDb::new("outbox").await else {
        return;
    };
    let setup = db.store(2).await;
    let channels: Vec<String> = ["slack", "email", "webhook"].map(String::from).to_vec();
    let rows: Vec<NewRow> = (0..300)
        .map(|i| NewRow {
            dedup_key: format!("k{i}"),
            rule: "edge".into(),
            severity: "info".into(),
            channel: channels[i % 3].clone(),
            payload: "{}".into(),
            created_ms: i as i64,
            next_attempt_ms: 0,
        })
        .collect();
    assert_eq!(setup.enqueue(&rows).await.unwrap(), 300);
    let delivered: Arc<Mutex<Vec<i64>>> = Arc::default();
    let mut tasks = Vec::new();
    for name in ["dispatcher-a", "dispatcher-b"] {
        let store = db.store(2).await;
        let channels = channels.clone();
        let delivered = delivered.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let claimed = store
                    .claim(name, 1_000, &channels, 7, 600_000)
                    .await
                    .unwrap();
                if claimed.is_empty() {
                    if store.due(1_000, &channels, 1).await.unwrap().is_empty() {
                        break;
                    }
                    tokio::task::yield_now().await;
                    continue;
                }
                delivered
                    .lock()
                    .unwrap()
                    .extend(claimed.iter().map(|r| r.id));
                let outcomes: Vec<Outcome> = claimed
                    .iter()
                    .map(|r| Outcome::Delivered {
                        id: r.id,
                        at_ms: 1_001,
                    })
                    .collect();
                store.apply(&outcomes).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut ids = delivered.lock().unwrap().clone();
    ids.sort_unstable();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 300, "every row delivered");
    assert_eq!(ids.len(), 300, "no row delivered twice");
    let summary = setup.channel_summary().await.unwrap();
    assert!(summary.iter().all(|s| s.pending == 0 && s.delivered == 100));
    db.drop_db().await;
}

/// A claim holds rows for its lease; a lapsed lease lets another dispatcher take them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_claim_can_be_taken_over() {
    let Some(db) = TestDb::new("lease").await else {
        return;
    };
    let s = db.store(2).await;
    let channels = vec!["slack".to_string()];
    let rows: Vec<NewRow> = (0..3)
        .map(|i| NewRow {
            dedup_key: format!("k{i}"),
            rule: "r".into(),
            severity: "info".into(),
            channel: "slack".into(),
            payload: "{}".into(),
            created_ms: 0,
            next_attempt_ms: 0,
        })
        .collect();
    s.enqueue(&rows).await.unwrap();
    let a = s.claim("a", 100, &channels, 10, 1_000).await.unwrap();
    assert_eq!(a.len(), 3);
    assert!(s
        .claim("b", 500, &channels, 10, 1_000)
        .await
        .unwrap()
        .is_empty());
    // The holder may ask again (a retry after a failed round).
    assert_eq!(
        s.claim("a", 500, &channels, 10, 1_000).await.unwrap().len(),
        3
    );
    // "a" died: after its lease "b" takes the rows.
    let b = s.claim("b", 1_600, &channels, 10, 1_000).await.unwrap();
    assert_eq!(b.len(), 3);
    // A failed attempt ends the claim and backs off; the row comes back when due.
    s.apply(&[
        Outcome::Failed {
            id: b[0].id,
            next_ms: 5_000,
            error: "503".into(),
        },
        Outcome::Delivered {
            id: b[1].id,
            at_ms: 1_700,
        },
        Outcome::Delivered {
            id: b[2].id,
            at_ms: 1_700,
        },
    ])
    .await
    .unwrap();
    assert!(s
        .claim("c", 4_000, &channels, 10, 1_000)
        .await
        .unwrap()
        .is_empty());
    let c = s.claim("c", 5_000, &channels, 10, 1_000).await.unwrap();
    assert_eq!(c.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b[0].id]);
    assert_eq!(c[0].attempts, 1);
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_at_a_time_and_free_after_drop() {
    let Some(db) = TestDb::new("leader").await else {
        return;
    };
    let (a, b) = (db.store(1).await, db.store(1).await);
    let guard = a
        .try_lead("pricing")
        .await
        .unwrap()
        .expect("nobody leads yet");
    assert!(guard.is_held() && guard.check().await);
    assert!(b.try_lead("pricing").await.unwrap().is_none());
    // Another name is another lock.
    let other = b.try_lead("alerts").await.unwrap();
    assert!(other.is_some());
    drop(guard);
    // The server frees the lock when it notices the closed connection.
    let deadline = tokio::time::Instant::now() + WAIT;
    while b.try_lead("pricing").await.unwrap().is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the lock is still held after the guard was dropped"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    db.drop_db().await;
}

/// A commit with changes reaches a listener; after its connection is killed the listener
/// reports the outage, reconnects by itself and hears the next commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_reach_a_listener_which_survives_a_dropped_connection() {
    let Some(db) = TestDb::new("notify").await else {
        return;
    };
    let s = db.store(2).await;
    let mut rx = s.listen();
    let connected = |rx: &tokio::sync::watch::Receiver<ChangeSignal>| rx.borrow().connected;
    tokio::time::timeout(WAIT, rx.wait_for(|c| c.connected))
        .await
        .expect("the listener connects")
        .unwrap();
    assert_eq!(rx.borrow().outages, 0);
    let quotes = vec![q(
        "ev",
        "dk",
        MarketKind::Moneyline,
        Selection::Home,
        None,
        -120,
        1,
    )];
    s.write_quotes(&quotes, 10).await.unwrap();
    let last = s.last_seq().await.unwrap();
    assert_eq!(last, 1);
    tokio::time::timeout(WAIT, rx.wait_for(|c| c.seq == last))
        .await
        .expect("the notification arrives")
        .unwrap();
    // An unchanged poll commits no change and sends nothing new.
    s.write_quotes(&quotes, 20).await.unwrap();
    assert_eq!(s.last_seq().await.unwrap(), last);

    admin(
        &db.base,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = '{}' AND application_name = 'nflreadpy-betting/listen'",
            db.name
        ),
    )
    .await;
    tokio::time::timeout(WAIT, rx.wait_for(|c| c.outages == 1 && c.connected))
        .await
        .expect("the listener counts the outage and reconnects")
        .unwrap();
    let mut moved = quotes.clone();
    moved[0].american = -130;
    s.write_quotes(&moved, 30).await.unwrap();
    tokio::time::timeout(WAIT, rx.wait_for(|c| c.seq == 2))
        .await
        .expect("a notification after the reconnect arrives")
        .unwrap();
    assert!(connected(&rx));
    db.drop_db().await;
}

/// Retention on PostgreSQL keeps what it must whatever the cutoff: the latest quotes of a game
/// not yet started, undelivered alerts, the newest history row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_what_it_must() {
    let Some(db) = TestDb::new("retention").await else {
        return;
    };
    let s = db.store(2).await;
    let now = 1_000_000;
    let future = event("future", now + 86_400_000);
    let past = event("past", 10);
    let mut polls = Vec::new();
    for t in 0..20 {
        polls.push(q(
            "future",
            "dk",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -110 - t,
            t * 1_000,
        ));
        polls.push(q(
            "past",
            "dk",
            MarketKind::Moneyline,
            Selection::Home,
            None,
            -110 - t,
            t * 1_000,
        ));
    }
    for (i, p) in polls.chunks(2).enumerate() {
        s.write_poll(&[future.clone(), past.clone()], p, i as i64 * 1_000)
            .await
            .unwrap();
    }
    let mk = |k: &str| NewRow {
        dedup_key: k.into(),
        rule: "r".into(),
        severity: "info".into(),
        channel: "slack".into(),
        payload: "{}".into(),
        created_ms: 5,
        next_attempt_ms: 5,
    };
    s.enqueue(&[mk("pending"), mk("sent")]).await.unwrap();
    let sent = s.due(10, &["slack".into()], 10).await.unwrap();
    s.apply(&[Outcome::Delivered {
        id: sent[1].id,
        at_ms: 6,
    }])
    .await
    .unwrap();
    s.insert_metric_samples(&[MetricSample {
        ts_ms: 1,
        name: "x".into(),
        labels: "{}".into(),
        value: 1.0,
    }])
    .await
    .unwrap();
    // A cutoff later than now is clamped to now; chunked passes until nothing goes.
    let mut total = PruneStats::default();
    loop {
        let p = s.pass(i64::MAX, now, 7).await.unwrap();
        if p.total() == 0 {
            break;
        }
        total.add(&p);
    }
    assert_eq!(total.quotes_history, 39, "all history but the newest row");
    assert_eq!(total.quotes_latest, 1, "the started game's latest quote");
    assert_eq!(total.alert_outbox, 1, "the delivered alert only");
    assert_eq!(total.metrics_samples, 1);
    assert_eq!(
        total.events, 0,
        "the past game still has its newest history row"
    );
    let latest = s.latest_quotes(0).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].quote.event_id, "future");
    assert_eq!(latest[0].quote.american, -129);
    let pending = s.due(i64::MAX, &["slack".into()], 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].dedup_key, "pending");
    assert_eq!(s.last_seq().await.unwrap(), 40);
    assert_eq!(s.changes_after(0, 10).await.unwrap().len(), 1);
    db.drop_db().await;
}

/// Errors name the server, never the password, even when it came in the URL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_never_show_the_password() {
    // Port 1 on loopback: nothing listens there.
    let err = PgStore::connect("postgres://desk:hunter2-secret@127.0.0.1:1/odds", 1)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2-secret"), "{text}");
    assert!(text.contains("desk@127.0.0.1:1/odds"), "{text}");
    let secret = nflreadpy_betting::secret::Secret::new("other-secret-9");
    let err = PgStore::connect_with_password("postgres://desk@127.0.0.1:1/odds", Some(&secret), 1)
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("other-secret-9"), "{text}");
}
