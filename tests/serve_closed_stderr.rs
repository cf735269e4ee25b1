//! A `serve` whose stderr reader went away (a parent that stopped reading, a closed SSH session)
//! keeps running: with debug logging every poll writes a log line to the closed pipe, which used
//! to panic inside the log subscriber and freeze the engine on its last snapshot.

mod common;

use common::{http, wait_for};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

fn polls_ok(url: &str) -> Option<u64> {
    let (_, body) = http("GET", &format!("{url}metrics"))?;
    body.lines()
        .find(|l| l.starts_with("ingestion_polls_total{source=\"replay\",outcome=\"ok\"}"))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

#[test]
fn serve_keeps_polling_and_publishing_after_its_stderr_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_nflreadpy-betting"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["serve", "--bind", "127.0.0.1:0", "--storage"])
        .arg(dir.path().join("s.sqlite3"))
        .env(
            "NFLREADPY_BETTING__ingestion__scheduler__interval_seconds",
            "1",
        )
        .env("NFLREADPY_BETTING_LOG", "nflreadpy_betting=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let url = BufReader::new(server.stderr.take().expect("piped stderr"))
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_string)
        })
        .expect("the server printed its address");
    // The reader above is dropped here: every later write to stderr fails with a broken pipe.
    let first = wait_for("a first poll", Duration::from_secs(120), || polls_ok(&url));
    let later = wait_for("five more polls", Duration::from_secs(120), || {
        polls_ok(&url).filter(|n| *n >= first + 5)
    });
    let (status, body) = http("GET", &format!("{url}healthz")).expect("healthz answers");
    let still_running = server.try_wait().expect("wait").is_none();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(status, 200, "{body}");
    assert!(still_running, "serve exited after {later} polls");
}
