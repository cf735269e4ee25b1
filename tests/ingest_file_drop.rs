//! The drop directory: good JSON and CSV files are taken in and moved to processed/, bad ones go
//! to rejected/ with a reason, nothing is deleted.

mod common;

use common::*;
use nflreadpy_betting::config::FileSource;
use nflreadpy_betting::ingest::sources::FileDrop;
use nflreadpy_betting::ingest::{Normalizer, SourceError};
use std::path::Path;
use std::sync::Arc;

const NOW: i64 = 1_761_300_000_000;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn drop_source(dir: &Path) -> FileDrop {
    let cfg = FileSource {
        enabled: true,
        directory: dir.display().to_string(),
        ..FileSource::default()
    };
    FileDrop::new(&cfg, Arc::new(Normalizer::embedded()))
}

const GOOD_CSV: &str = "\
# a trader's export; comments and blank cells are fine
event_id,commence_time,home_team,away_team,book,market,scope,selection,line,price,observed_at
,2025-10-24T00:15:00Z,Los Angeles Chargers,Minnesota Vikings,circa,spread,game,home,-3.0,-115,2025-10-23T18:00:00Z
,2025-10-24T00:15:00Z,LAC,MIN,circa,spread,,away,3.0,-105,2025-10-23T18:00:00Z
2025_08_MIN_LAC,,,,circa,total,1h,over,22.5,1.95,1761242400000
2025_08_WAS_KC,,Kansas City Chiefs,Washington Commanders,circa,h2h,,home,,+-300,
2025_08_WAS_KC,,Chiefs,Commanders,circa,moneyline,game,away,,+250,
,2025-10-24T00:15:00Z,Los Angeles Chargers,Minnesota Vikings,circa,team_total,game,home_over,24.5,10/11,
";

#[tokio::test]
async fn good_json_and_csv_are_taken_in_and_bad_files_rejected_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("drop");
    std::fs::create_dir_all(&dir).unwrap();
    write_file(&dir, "a_wk8.json", &fixture(WK8));
    write_file(&dir, "b_quotes.csv", GOOD_CSV.as_bytes());
    write_file(&dir, "c_truncated.json", &fixture(WK8)[..4000]);
    write_file(&dir, "d_wrong_header.csv", b"team,odds\nKC,-110\n");
    write_file(&dir, "e_all_bad.csv", b"book,market,selection,line,price,home_team,away_team,commence_time\ncirca,spread,home,-3,+50,KC,WAS,2025-10-28T00:15:00Z\n");
    write_file(&dir, "notes.txt", b"left alone");
    write_file(&dir, ".f_in_progress.json", b"[");

    let mut src = drop_source(&dir);
    let batch = src.poll(NOW).await.unwrap();

    // The JSON recording (858) and the CSV rows, one of which is bad.
    assert_eq!(batch.quotes.len(), 858 + 5, "{:#?}", batch.rejected);
    assert!(batch.quotes.iter().all(|q| q.source == "file"));
    assert_eq!(
        batch.events.len(),
        13,
        "the CSV games are among the recording's"
    );
    let bad_rows: Vec<_> = batch
        .rejected
        .iter()
        .filter(|r| r.detail.starts_with("b_quotes.csv"))
        .collect();
    assert_eq!(bad_rows.len(), 1, "{bad_rows:#?}");
    assert_eq!(bad_rows[0].reason, "invalid_odds");
    assert!(
        bad_rows[0].detail.contains("line 6"),
        "{}",
        bad_rows[0].detail
    );

    let q = &batch.quotes;
    let home = find(q, "2025_08_MIN_LAC", "circa", "spread", "home");
    assert_eq!((home.american, home.line), (-115, Some(-3.0)));
    assert_eq!(
        home.observed_ms,
        chrono::DateTime::parse_from_rfc3339("2025-10-23T18:00:00Z")
            .unwrap()
            .timestamp_millis()
    );
    let over = q
        .iter()
        .find(|x| x.book == "circa" && x.market.as_str() == "total")
        .unwrap();
    assert_eq!(
        (
            over.scope.as_str(),
            over.american,
            over.line,
            over.observed_ms
        ),
        ("1h", -105, Some(22.5), 1_761_242_400_000)
    );
    assert_eq!(
        find(q, "2025_08_WAS_KC", "circa", "moneyline", "away").american,
        250
    );
    let tt = find(q, "2025_08_MIN_LAC", "circa", "team_total", "home_over");
    assert_eq!((tt.american, tt.line), (-110, Some(24.5)));
    // No observed_at: the file's modification time, which is before the poll and recent.
    assert!(
        tt.observed_ms <= NOW.max(nflreadpy_betting::store::now_ms())
            && tt.observed_ms > NOW - 86_400_000 * 365
    );

    assert_eq!(
        names(&dir),
        vec![".f_in_progress.json", "notes.txt", "processed", "rejected"]
    );
    assert_eq!(
        names(&dir.join("processed")),
        vec!["a_wk8.json", "b_quotes.csv"]
    );
    assert_eq!(
        names(&dir.join("rejected")),
        vec![
            "c_truncated.json",
            "c_truncated.json.reason",
            "d_wrong_header.csv",
            "d_wrong_header.csv.reason",
            "e_all_bad.csv",
            "e_all_bad.csv.reason"
        ]
    );
    let reason = |n: &str| std::fs::read_to_string(dir.join("rejected").join(n)).unwrap();
    assert!(
        reason("c_truncated.json.reason").contains("invalid JSON"),
        "{}",
        reason("c_truncated.json.reason")
    );
    assert!(
        reason("d_wrong_header.csv.reason").contains("lacks book"),
        "{}",
        reason("d_wrong_header.csv.reason")
    );
    assert!(
        reason("e_all_bad.csv.reason").contains("invalid_odds"),
        "{}",
        reason("e_all_bad.csv.reason")
    );
    // The moved files are byte-for-byte what was dropped.
    assert_eq!(
        std::fs::read(dir.join("processed/a_wk8.json")).unwrap(),
        fixture(WK8)
    );
    assert!(
        batch
            .warnings
            .iter()
            .filter(|w| w.contains("rejected"))
            .count()
            == 3,
        "{:?}",
        batch.warnings
    );

    // Stored like any source.
    let store = TestStore::new();
    let stats = store.store(&batch, NOW).await;
    assert_eq!(stats.received, 863);
    assert_eq!(store.count("events"), 13);

    // Next poll: nothing new. A second file of the same name is kept alongside, never overwritten.
    assert!(src.poll(NOW + 5000).await.unwrap().quotes.is_empty());
    write_file(&dir, "b_quotes.csv", GOOD_CSV.as_bytes());
    write_file(&dir, "c_truncated.json", b"{");
    let again = src.poll(NOW + 10_000).await.unwrap();
    assert_eq!(again.quotes.len(), 5);
    assert_eq!(
        names(&dir.join("processed")),
        vec!["a_wk8.json", "b_quotes.csv", "b_quotes.csv.1"]
    );
    assert!(names(&dir.join("rejected")).contains(&"c_truncated.json.1.reason".to_string()));
    assert_eq!(
        std::fs::read(dir.join("rejected/c_truncated.json.1")).unwrap(),
        b"{"
    );
}

#[tokio::test]
async fn missing_directory_is_created_and_unknown_event_ids_are_quarantined() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("not/yet/there");
    let mut src = drop_source(&dir);
    let b = src.poll(NOW).await.unwrap();
    assert!(b.quotes.is_empty() && b.rejected.is_empty());
    assert!(dir.join("processed").is_dir() && dir.join("rejected").is_dir());

    write_file(
        &dir,
        "x.csv",
        b"event_id,book,market,selection,line,price\n2031_01_AAA_BBB,circa,moneyline,home,,-110\n2025_08_WAS_KC,circa,spread,home,-11.5,-110\n2025_08_WAS_KC,circa,spread,over,-11.5,-110\n2025_08_WAS_KC,circa,total,over,,-110\n2025_08_WAS_KC,circa,winner,home,,-110\n",
    );
    let b = src.poll(NOW).await.unwrap();
    assert_eq!(b.quotes.len(), 1);
    let mut reasons: Vec<&str> = b.rejected.iter().map(|r| r.reason.as_str()).collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            "invalid_line",
            "unknown_event",
            "unknown_market",
            "unmatched_outcome"
        ]
    );
    assert_eq!(names(&dir.join("processed")), vec!["x.csv"]);
}

#[tokio::test]
async fn an_unusable_directory_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let err = drop_source(&file).poll(NOW).await.unwrap_err();
    assert!(matches!(err, SourceError::Io(_)), "{err:?}");
}
