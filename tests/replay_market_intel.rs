//! The default replay, driven through one market cycle on an explicit clock (the replay is a pure
//! function of its seed and the time, so this does not depend on when the test runs): its stale
//! book shows up as a stale line behind the sharp books' steam, and the book profiles tell the
//! sharp books from the soft ones.

use nflreadpy_betting::config::{Config, SourceConfig};
use nflreadpy_betting::domain::{MarketKind, Quote};
use nflreadpy_betting::edges::scan_markets;
use nflreadpy_betting::ingest::replay::ReplayFeed;
use nflreadpy_betting::pricing::SlateSimulation;
use std::collections::HashMap;
use std::path::PathBuf;

#[test]
fn the_default_replay_shows_a_stale_line_from_its_stale_book_within_a_cycle() {
    let cfg = Config::default();
    let mut replay = cfg
        .sources
        .iter()
        .find_map(|s| match s {
            SourceConfig::Replay(r) => Some(r.clone()),
            _ => None,
        })
        .expect("the default config has a replay source");
    replay.games_path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(&replay.games_path)
        .to_string_lossy()
        .into_owned();
    // Full-game markets keep the test light; steam is read on main markets only anyway.
    replay.scopes = vec!["game".into()];
    replay.alternate_lines = false;
    let origin = 1_700_000_000_000;
    let feed = ReplayFeed::new(&replay, origin).expect("the replay week loads");
    let cycle_ms = (replay.market_hours * 3_600_000.0 / replay.time_compression) as i64;
    let poll_ms = (cfg.ingestion.scheduler.interval_seconds * 1000.0) as i64;

    // The store's view: the odds path keeps a quote only when its price or line changed, the
    // latest price per slot is what the book shows now.
    let mut latest: HashMap<String, Quote> = HashMap::new();
    let mut history: Vec<Quote> = Vec::new();
    let sim = SlateSimulation::empty();
    let mut stale_books: HashMap<String, usize> = HashMap::new();
    let mut last_intel = None;
    let mut t = origin;
    while t <= origin + cycle_ms {
        for q in feed.snapshot(t).quotes {
            if !matches!(
                q.market,
                MarketKind::Moneyline | MarketKind::Spread | MarketKind::Total
            ) {
                continue;
            }
            let k = q.slot_key();
            let changed = latest
                .get(&k)
                .is_none_or(|old| old.american != q.american || old.line != q.line);
            if changed {
                history.push(q.clone());
                latest.insert(k, q);
            }
        }
        let mut quotes = history.clone();
        quotes.extend(latest.values().cloned());
        let live: Vec<&Quote> = latest.values().collect();
        let intel = scan_markets(&quotes, &live, &sim, &cfg.analytics, t);
        for s in &intel.stale {
            *stale_books.entry(s.book.clone()).or_default() += 1;
        }
        last_intel = Some(intel);
        t += poll_ms;
    }
    assert!(
        stale_books.get("bovada").copied().unwrap_or(0) > 0,
        "no stale line from bovada in a whole cycle: {stale_books:?}"
    );
    let intel = last_intel.expect("at least one pass");
    assert!(!intel.steam.is_empty(), "the sharp books' moves are steam");
    let class = |book: &str| {
        intel
            .books
            .iter()
            .find(|b| b.book == book)
            .map(|b| b.class.clone())
            .unwrap_or_else(|| panic!("no profile for {book}: {:#?}", intel.books))
    };
    assert_eq!(class("pinnacle"), "sharp", "{:#?}", intel.books);
    for soft in ["draftkings", "fanduel", "betmgm", "bovada"] {
        assert_eq!(class(soft), "soft", "{soft}: {:#?}", intel.books);
    }
    let hold = |book: &str| {
        intel
            .books
            .iter()
            .find(|b| b.book == book)
            .and_then(|b| b.hold)
            .expect("a hold")
    };
    assert!(hold("pinnacle") < hold("bovada"));
}
