//! `data update` and `data status` through the real binary against a loopback server serving a
//! real nflverse file: the 2024 and 2025 seasons of the shipped `data/games.csv` are the "new"
//! upstream; the "old" file on disk is the same slice as it stood before week 12 of 2025 was
//! played and before weeks 15-18 were scheduled. Every bad download must leave the old file
//! byte-identical and exit 1 naming the reason.

mod common;

use common::{wait_for, Reply, TestServer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const GAMES: &str = "/games.csv";

/// The 2024-2025 rows of the shipped file, bytes as they are.
fn new_file() -> Vec<u8> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/games.csv"))
        .expect("the shipped games file");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 || line.starts_with("2024_") || line.starts_with("2025_") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn column(headers: &csv::StringRecord, name: &str) -> usize {
    headers.iter().position(|h| h == name).expect(name)
}

/// Rewrites every row of `body` through `edit` (`None` drops the row).
fn edit_rows(
    body: &[u8],
    mut edit: impl FnMut(&csv::StringRecord, Vec<String>) -> Option<Vec<String>>,
) -> Vec<u8> {
    let mut rdr = csv::Reader::from_reader(body);
    let headers = rdr.headers().unwrap().clone();
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for rec in rdr.records() {
        let fields: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        if let Some(f) = edit(&headers, fields) {
            w.write_record(&f).unwrap();
        }
    }
    w.into_inner().unwrap()
}

const CHANGED_LINE_GAME: &str = "2025_14_";

/// The file as it stood before 2025 week 12 was played and weeks 15-18 were scheduled, with one
/// week-14 closing spread that has moved since.
fn old_file() -> Vec<u8> {
    let mut moved = false;
    edit_rows(&new_file(), |h, mut f| {
        let (season, week) = (&f[column(h, "season")], &f[column(h, "week")]);
        let week: i32 = week.parse().unwrap();
        if season == "2025" && week >= 15 {
            return None;
        }
        if season == "2025" && week >= 12 {
            for c in ["away_score", "home_score", "result", "total", "overtime"] {
                f[column(h, c)].clear();
            }
        }
        if !moved && f[column(h, "game_id")].starts_with(CHANGED_LINE_GAME) {
            let s = column(h, "spread_line");
            f[s] = "99.5".into();
            moved = true;
        }
        Some(f)
    })
}

fn sha(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha_of(path: &Path) -> String {
    sha(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

struct Desk {
    dir: tempfile::TempDir,
    server: TestServer,
    _rt: tokio::runtime::Runtime,
}

impl Desk {
    fn new() -> Desk {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(TestServer::start());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("games.csv"), old_file()).unwrap();
        Desk {
            dir,
            server,
            _rt: rt,
        }
    }

    fn games(&self) -> PathBuf {
        self.dir.path().join("games.csv")
    }

    fn url(&self) -> String {
        format!("{}{GAMES}", self.server.base_url())
    }

    fn serve(&self, reply: Reply) {
        self.server.route(GAMES, reply);
    }

    /// The binary from the repository root (its config/betting.yaml), the games file pointed
    /// into the temp dir, nothing of the caller's configuration leaking in.
    fn command(&self, args: &[&str], timeout_seconds: f64) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"));
        c.current_dir(env!("CARGO_MANIFEST_DIR"));
        for (k, _) in std::env::vars() {
            if k.starts_with("NFLREADPY_BETTING") {
                c.env_remove(k);
            }
        }
        c.env(
            "NFLREADPY_BETTING__analytics__ratings__games_path",
            self.games(),
        )
        .env(
            "NFLREADPY_BETTING__data__timeout_seconds",
            timeout_seconds.to_string(),
        )
        .args(args);
        c
    }

    fn run(&self, args: &[&str], timeout_seconds: f64) -> Run {
        let o = self.command(args, timeout_seconds).output().unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&o.stdout).into_owned(),
            err: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    fn update(&self, extra: &[&str]) -> Run {
        let url = self.url();
        let mut args = vec!["data", "update", "--url", url.as_str()];
        args.extend_from_slice(extra);
        self.run(&args, 5.0)
    }

    fn status(&self) -> serde_json::Value {
        let r = self.run(&["data", "status", "--format", "json"], 5.0);
        assert_eq!(r.code, 0, "{}{}", r.out, r.err);
        serde_json::from_str(&r.out).unwrap()
    }

    /// Names in the games file's directory other than the games file itself.
    fn others(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "games.csv")
            .collect();
        v.sort();
        v
    }
}

#[derive(Debug)]
struct Run {
    code: i32,
    out: String,
    err: String,
}

fn csv_reply(body: Vec<u8>) -> Reply {
    Reply::new(200, body).content_type("text/csv; charset=utf-8")
}

#[test]
fn new_results_arrive_and_status_shows_them() {
    let d = Desk::new();
    let before = d.status();
    assert_eq!(before["source_url"], serde_json::Value::Null);
    assert_eq!(before["fetched_at"], serde_json::Value::Null);
    assert_eq!(before["sha256"], sha(&old_file()));
    let old_last = before["last_played_gameday"].as_str().unwrap().to_string();
    assert!(old_last.as_str() < "2025-11-20", "{old_last}");

    let new = new_file();
    d.serve(csv_reply(new.clone()).header("ETag", "\"v2\""));
    let r = d.update(&["--format", "json"]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let rep: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(rep["outcome"], "updated");
    let played_since = edit_rows(&new, |h, f| {
        let played = !f[column(h, "home_score")].is_empty();
        (f[column(h, "season")] == *"2025"
            && f[column(h, "week")].parse::<i32>().unwrap() >= 12
            && played)
            .then_some(f)
    });
    let n_results = csv::Reader::from_reader(played_since.as_slice())
        .records()
        .count();
    assert!(n_results > 20, "{n_results}");
    assert_eq!(rep["changes"]["new_results"]["count"], n_results);
    let n_new_games = new_file()
        .split(|b| *b == b'\n')
        .filter(|l| {
            let l = String::from_utf8_lossy(l);
            ["2025_15_", "2025_16_", "2025_17_", "2025_18_"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .count();
    assert_eq!(rep["changes"]["new_games"]["count"], n_new_games);
    assert_eq!(rep["changes"]["changed_lines"]["count"], 1);
    assert!(rep["changes"]["changed_lines"]["examples"][0]
        .as_str()
        .unwrap()
        .contains("spread_line 99.5 -> "));
    assert_eq!(rep["changes"]["corrected_scores"]["count"], 0);

    assert_eq!(
        std::fs::read(d.games()).unwrap(),
        new,
        "the new file, byte for byte"
    );
    assert_eq!(
        std::fs::read(d.dir.path().join("games.csv.prev")).unwrap(),
        old_file(),
        "the old file kept beside it"
    );
    assert_eq!(d.others(), ["games.csv.meta.json", "games.csv.prev"]);

    let after = d.status();
    assert_eq!(after["sha256"], sha(&new));
    assert_eq!(after["source_url"], d.url());
    assert_eq!(after["etag"], "\"v2\"");
    assert_eq!(after["last_played_gameday"], "2025-11-30");
    assert_eq!(after["seasons"]["last"], 2025);
    assert_eq!(
        after["games"].as_u64().unwrap() as usize,
        csv::Reader::from_reader(new.as_slice()).records().count()
    );
    assert!(after["fetched_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(after["modified_since_fetch"], false);

    // The text forms, as the README shows them.
    let t = d.run(&["data", "status"], 5.0);
    assert!(
        t.out.contains("last_played_gameday  2025-11-30"),
        "{}",
        t.out
    );
    std::fs::write(d.games(), old_file()).unwrap();
    let t = d.update(&[]);
    assert_eq!(t.code, 0, "{}", t.err);
    assert!(
        t.out.contains(" updated from ") && t.out.contains(&format!("new results: {n_results}")),
        "{}",
        t.out
    );
    assert!(t.out.contains("previous file kept as"), "{}", t.out);
}

/// One bad download: the old file stays byte-identical, nothing else appears beside it, and the
/// command exits 1 with `reason` in its error.
fn refused(d: &Desk, reply: Reply, timeout_seconds: f64, reason: &str) {
    let old = sha_of(&d.games());
    let others = d.others();
    d.serve(reply);
    let url = d.url();
    let r = d.run(&["data", "update", "--url", &url], timeout_seconds);
    assert_eq!(r.code, 1, "{reason}: {r:?}");
    assert!(
        r.err.contains("data update changed nothing") && r.err.contains(reason),
        "expected {reason:?} in: {}",
        r.err
    );
    assert!(r.out.is_empty(), "{reason}: {}", r.out);
    assert_eq!(sha_of(&d.games()), old, "{reason}: the old file changed");
    assert_eq!(d.others(), others, "{reason}: files appeared beside it");
}

#[test]
fn each_bad_download_changes_nothing_and_exits_1_naming_the_reason() {
    let d = Desk::new();
    let new = new_file();
    refused(
        &d,
        Reply::new(
            200,
            "<!DOCTYPE html>\n<html><head><title>Page not found · GitHub</title></head></html>",
        )
        .content_type("text/html; charset=utf-8"),
        5.0,
        "HTML page",
    );
    // An HTML page served as text/plain is still no CSV.
    refused(
        &d,
        csv_reply(b"\n  <html><body>rate limited</body></html>\n".to_vec()),
        5.0,
        "HTML page",
    );
    let mut cut = new.clone();
    cut.truncate(cut.len() * 2 / 3);
    refused(&d, csv_reply(cut.clone()), 5.0, "truncated");
    // Cut on the wire: fewer bytes than the Content-Length announced.
    refused(
        &d,
        csv_reply(cut).declared_length(new.len()),
        5.0,
        "download failed",
    );
    let renamed = String::from_utf8(new.clone())
        .unwrap()
        .replacen("home_score", "home_points", 1);
    refused(
        &d,
        csv_reply(renamed.into_bytes()),
        5.0,
        "missing column \"home_score\"",
    );
    let bad_type = edit_rows(&new, |h, mut f| {
        if f[column(h, "game_id")] == *"2024_01_BAL_KC" {
            f[column(h, "home_score")] = "twenty".into();
        }
        Some(f)
    });
    refused(
        &d,
        csv_reply(bad_type),
        5.0,
        "\"twenty\", expected an integer",
    );
    let bad_team = edit_rows(&new, |h, mut f| {
        if f[column(h, "game_id")] == *"2024_01_BAL_KC" {
            f[column(h, "home_team")] = "KCC".into();
        }
        Some(f)
    });
    refused(
        &d,
        csv_reply(bad_team),
        5.0,
        "\"KCC\" is no nflverse team code",
    );
    refused(&d, Reply::new(404, "Not Found"), 5.0, "HTTP 404");
    refused(&d, Reply::new(500, "oops"), 5.0, "HTTP 500");
    refused(
        &d,
        csv_reply(new.clone()).delay(Duration::from_secs(30)),
        1.0,
        "no complete reply within 1 s",
    );
    let only_2024 = edit_rows(&new, |h, f| {
        (f[column(h, "season")] == *"2024").then_some(f)
    });
    refused(&d, csv_reply(only_2024), 5.0, "the season goes backwards");
    let unscored = edit_rows(&new, |h, mut f| {
        if f[column(h, "game_id")] == *"2025_05_SF_LA" {
            for c in ["away_score", "home_score", "result", "total"] {
                f[column(h, c)].clear();
            }
        }
        Some(f)
    });
    refused(
        &d,
        csv_reply(unscored),
        5.0,
        "a played game lost its score: 2025_05_SF_LA",
    );
    let dropped = edit_rows(&new, |h, f| {
        (f[column(h, "game_id")] != *"2024_01_BAL_KC").then_some(f)
    });
    refused(
        &d,
        csv_reply(dropped),
        5.0,
        "2024_01_BAL_KC (BAL 20 @ KC 27 on 2024-09-05) is missing",
    );
    refused(&d, csv_reply(Vec::new()), 5.0, "empty");

    // After all of that the good file still goes in.
    d.serve(csv_reply(new.clone()));
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(std::fs::read(d.games()).unwrap(), new);
}

#[test]
fn bad_url_is_a_usage_error() {
    let d = Desk::new();
    let old = sha_of(&d.games());
    for url in ["ftp://127.0.0.1/games.csv", "games.csv", "http://"] {
        let r = d.run(&["data", "update", "--url", url], 5.0);
        assert_eq!(r.code, 2, "{url}: {r:?}");
        assert!(r.err.contains("--url"), "{url}: {}", r.err);
    }
    assert_eq!(sha_of(&d.games()), old);
    assert!(d.server.requests().is_empty());
}

#[test]
fn etag_round_trip_is_up_to_date_without_a_rewrite() {
    let d = Desk::new();
    let new = new_file();
    let modified = "Sun, 30 Nov 2025 23:59:00 GMT";
    d.serve(
        csv_reply(new.clone())
            .header("ETag", "W/\"abc123\"")
            .header("Last-Modified", modified),
    );
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.dir.path().join("games.csv.meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["etag"], "W/\"abc123\"");
    assert_eq!(meta["last_modified"], modified);
    assert_eq!(meta["sha256"], sha(&new));
    assert_eq!(meta["source_url"], d.url());

    let stamp = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (games_at, meta_at) = (
        stamp(&d.games()),
        stamp(&d.dir.path().join("games.csv.meta.json")),
    );
    let listing = d.others();
    d.serve(Reply::new(304, ""));
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.out.contains("is up to date"), "{}", r.out);
    let last = d.server.requests().pop().unwrap();
    assert_eq!(last.header("if-none-match"), Some("W/\"abc123\""));
    assert_eq!(last.header("if-modified-since"), Some(modified));
    assert_eq!(std::fs::read(d.games()).unwrap(), new);
    assert_eq!(stamp(&d.games()), games_at, "the games file was rewritten");
    assert_eq!(
        stamp(&d.dir.path().join("games.csv.meta.json")),
        meta_at,
        "the sidecar was rewritten"
    );
    assert_eq!(d.others(), listing);
    let j = d.update(&["--format", "json"]);
    let j: serde_json::Value = serde_json::from_str(&j.out).unwrap();
    assert_eq!(j["outcome"], "up_to_date");
    assert_eq!(j["http_status"], 304);

    // The same bytes again without a 304: still up to date, the games file untouched.
    d.serve(csv_reply(new.clone()).header("ETag", "\"v3\""));
    let r = d.update(&[]);
    assert!(r.out.contains("byte-identical"), "{r:?}");
    assert_eq!(stamp(&d.games()), games_at);
    assert_eq!(d.status()["etag"], "\"v3\"");

    // A file edited by hand since the fetch: its validators no longer describe it, so none are
    // sent and a 304 cannot keep the edit.
    std::fs::write(d.games(), old_file()).unwrap();
    assert_eq!(d.status()["modified_since_fetch"], true);
    d.serve(csv_reply(new.clone()));
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    let last = d.server.requests().pop().unwrap();
    assert_eq!(last.header("if-none-match"), None);
    assert_eq!(std::fs::read(d.games()).unwrap(), new);
}

/// SIGKILL while the body is streaming into the temp file beside the games file: the old file
/// survives byte-identical, and the next update removes the leftover and succeeds.
#[test]
fn sigkill_mid_write_leaves_the_old_file_intact() {
    let d = Desk::new();
    let old = sha_of(&d.games());
    let new = new_file();
    // About 150 KB in 2 KB steps every 250 ms: a download that lasts half a minute.
    d.serve(csv_reply(new.clone()).trickle(2048, Duration::from_millis(250)));
    let url = d.url();
    let mut child = d
        .command(&["data", "update", "--url", &url], 300.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let temp = wait_for(
        "the download to be part-written",
        Duration::from_secs(120),
        || {
            std::fs::read_dir(d.dir.path())
                .unwrap()
                .map(|e| e.unwrap())
                .find(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.ends_with(".tmp") && e.metadata().is_ok_and(|m| m.len() >= 4096)
                })
                .map(|e| e.path())
        },
    );
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let partial = std::fs::metadata(&temp).map(|m| m.len()).unwrap_or(0);
    assert!(
        partial < new.len() as u64,
        "killed before the end of the body"
    );
    assert_eq!(sha_of(&d.games()), old, "the old file survives the kill");
    assert!(!d.dir.path().join("games.csv.prev").exists());
    assert!(!d.dir.path().join("games.csv.meta.json").exists());

    d.serve(csv_reply(new.clone()));
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.err.contains("left by an interrupted update"), "{}", r.err);
    assert!(!temp.exists());
    assert_eq!(std::fs::read(d.games()).unwrap(), new);
    assert_eq!(d.others(), ["games.csv.meta.json", "games.csv.prev"]);
}

/// The new file with `col` of the first 2025 row set to `value`.
fn with_first_2025(col: &str, value: &str) -> Vec<u8> {
    let mut done = false;
    edit_rows(&new_file(), |h, mut f| {
        if !done && f[column(h, "season")] == *"2025" {
            f[column(h, col)] = value.into();
            done = true;
        }
        Some(f)
    })
}

/// Issue 22, item 2: a closing spread of 350 or 1e308, a moneyline of 0 or 1 were accepted and
/// then priced (`simulate` listed 50, or 412, opportunities instead of 1). Values are checked
/// for range, not only type; the refused download changes nothing.
#[test]
fn absurd_closing_lines_are_refused() {
    for (col, value) in [
        ("spread_line", "350"),
        ("spread_line", "1e308"),
        ("home_moneyline", "0"),
        ("away_moneyline", "1"),
        ("total_line", "-3"),
    ] {
        let d = Desk::new();
        let before = sha_of(&d.games());
        d.serve(csv_reply(with_first_2025(col, value)));
        let r = d.update(&[]);
        let all = format!("{}{}", r.out, r.err);
        assert_eq!(r.code, 1, "{col}={value}: {all}");
        assert!(all.contains(col), "{col}={value}: {all}");
        assert_eq!(sha_of(&d.games()), before, "{col}={value}");
    }
}

/// Issue 22, item 6: a 2099 game whose `game_id` names other teams was accepted, and every
/// real update after it was refused as "season goes backwards". Inconsistent rows (id against
/// season, week and teams; a season years ahead; two games with one `pfr` id) are refused
/// before they land, so the next real update goes through.
#[test]
fn inconsistent_rows_are_refused_before_they_land() {
    let d = Desk::new();
    let before = sha_of(&d.games());
    let mut rows = new_file();
    let first_2025 = String::from_utf8_lossy(&rows)
        .lines()
        .find(|l| l.starts_with("2025_"))
        .unwrap()
        .to_string();
    let mut f: Vec<String> = first_2025.split(',').map(str::to_string).collect();
    f[0] = "2099_01_KC_BUF".into();
    f[1] = "2099".into();
    f[4] = "2099-09-10".into();
    rows.extend_from_slice(f.join(",").as_bytes());
    rows.push(b'\n');
    d.serve(csv_reply(rows));
    let r = d.update(&[]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(r.err.contains("2099"), "{}", r.err);
    assert_eq!(sha_of(&d.games()), before);

    // Two games sharing a Pro-Football-Reference id (as 2025_18_BAL_PIT once did).
    let pfr_of_first = {
        let text = String::from_utf8(new_file()).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let h = rdr.headers().unwrap().clone();
        rdr.records().next().unwrap().unwrap()[column(&h, "pfr")].to_string()
    };
    let mut n = 0;
    let dup = edit_rows(&new_file(), |h, mut f| {
        n += 1;
        if n == 3 {
            f[column(h, "pfr")] = pfr_of_first.clone();
        }
        Some(f)
    });
    d.serve(csv_reply(dup));
    let r = d.update(&[]);
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(r.err.contains("pfr"), "{}", r.err);
    assert_eq!(sha_of(&d.games()), before);

    // The real file still goes through.
    d.serve(csv_reply(new_file()));
    let r = d.update(&[]);
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
}

/// Issue 22, item 4: a password in `data.games_url` (through `${VAR}`) was printed by `data
/// update`, written to `games.csv.meta.json` and printed by `data status`; so was a token in
/// its query.
#[test]
fn a_password_in_the_games_url_is_never_printed_or_written() {
    let d = Desk::new();
    d.serve(csv_reply(new_file()));
    let url = format!(
        "{}{GAMES}?token=${{GAMES_TOKEN}}",
        d.server
            .base_url()
            .replacen("http://", "http://desk:${GAMES_PW}@", 1)
    );
    let mut seen = String::new();
    for args in [
        &["data", "update"][..],
        &["data", "update", "--format", "json"][..],
        &["data", "status"][..],
        &["data", "status", "--format", "json"][..],
    ] {
        let o = d
            .command(args, 5.0)
            .env("NFLREADPY_BETTING__data__games_url", &url)
            .env("GAMES_PW", "hunter2pw")
            .env("GAMES_TOKEN", "t0ps3cretT0k")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "{args:?}: {text}");
        seen.push_str(&text);
    }
    seen.push_str(&std::fs::read_to_string(d.dir.path().join("games.csv.meta.json")).unwrap());
    assert!(!seen.contains("hunter2pw"), "{seen}");
    assert!(!seen.contains("t0ps3cretT0k"), "{seen}");
    assert!(seen.contains("desk:[redacted]@"), "{seen}");
    assert!(seen.contains("token=[redacted]"), "{seen}");
    // The server saw the credentials: redaction is for what is shown, not what is sent.
    assert!(d
        .server
        .requests()
        .iter()
        .any(|r| r.target.contains("t0ps3cretT0k")));
}
