//! Several processes on one PostgreSQL database, as a desk runs them across hosts: two `ingest`
//! workers quoting different books, two `serve` processes (each with an alert dispatcher; one
//! leads pricing), and `dashboard --headless --attach`. The API shows every book, each alert
//! reaches the webhook exactly once, the attached dashboard sees live data, and a worker killed
//! with SIGKILL costs nothing the others wrote. Then the database goes away for 30 s: the
//! dashboard reports the outage (not a stalled feed) and everything recovers without a restart.
//!
//! Needs `NFLREADPY_BETTING_TEST_PG_URL` from `scripts/test-postgres.sh start` (see
//! tests/common/pg.rs): the outage stops and starts that server with the same script.

mod common;
#[path = "common/pg.rs"]
mod pg;

use common::{http, wait_for, TestServer};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_nflreadpy-betting");
const BOUND: Duration = Duration::from_secs(180);

/// Kills the process when the test ends, however it ends.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(name: &str, dir: &Path, args: &[&str], env: &[(&str, String)]) -> Proc {
    let log = std::fs::File::create(dir.join(format!("{name}.log"))).expect("log file");
    let child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the binary starts");
    Proc(child)
}

fn log_of(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default()
}

fn serve_url(dir: &Path, name: &str, p: &mut Proc) -> String {
    wait_for(&format!("{name}'s address"), BOUND, || {
        if let Ok(Some(status)) = p.0.try_wait() {
            panic!("{name} exited ({status}):\n{}", log_of(dir, name));
        }
        log_of(dir, name)
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .map(str::to_string)
    })
}

fn json_get(url: &str) -> Option<serde_json::Value> {
    let (status, body) = http("GET", url)?;
    (status == 200).then(|| serde_json::from_str(&body).ok())?
}

/// Books with a latest quote, as the API lists them (one filtered page per book).
fn books(url: &str, candidates: &BTreeSet<String>) -> BTreeSet<String> {
    candidates
        .iter()
        .filter(|b| {
            json_get(&format!("{url}api/v1/markets?book={b}&limit=1"))
                .and_then(|v| v["total"].as_u64())
                .is_some_and(|n| n > 0)
        })
        .cloned()
        .collect()
}

/// Stops or starts the test server through the script that made it (scripts/test-postgres.sh).
fn test_server(action: &str) -> bool {
    Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/test-postgres.sh"
    ))
    .arg(action)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .status()
    .is_ok_and(|s| s.success())
}

fn headless_lines(dir: &Path, name: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join(format!("{name}.out")))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn workers_dispatchers_and_an_attached_dashboard_share_one_postgres_database() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(pg::TestDb::new("mp")) else {
        return;
    };
    let hook = rt.block_on(TestServer::start());
    let dir = tempfile::tempdir().unwrap();
    let url = db.url.clone();
    let channels = format!(
        "[{{type: webhook, url: \"{}/hook\", min_severity: info}}]",
        hook.base_url()
    );
    hook.route("/hook", common::Reply::new(200, "{}"));
    let common = |extra: &[(&'static str, String)]| {
        let mut v: Vec<(&str, String)> = vec![
            ("NFLREADPY_BETTING__storage__url", url.clone()),
            (
                "NFLREADPY_BETTING__ingestion__scheduler__interval_seconds",
                "1".into(),
            ),
            (
                "NFLREADPY_BETTING__ingestion__scheduler__jitter_seconds",
                "0".into(),
            ),
        ];
        v.extend_from_slice(extra);
        v
    };
    // Two workers, three books each: together the replay's six.
    let ingest_a = spawn(
        "ingest-a",
        dir.path(),
        &["ingest"],
        &common(&[(
            "NFLREADPY_BETTING__sources__0__books",
            "[pinnacle, circa, draftkings]".into(),
        )]),
    );
    let _ingest_b = spawn(
        "ingest-b",
        dir.path(),
        &["ingest"],
        &common(&[(
            "NFLREADPY_BETTING__sources__0__books",
            "[fanduel, betmgm, bovada]".into(),
        )]),
    );
    // Two API servers that ingest nothing: each runs a dispatcher, one of them leads pricing.
    let serve_env = common(&[
        ("NFLREADPY_BETTING__sources__0__enabled", "false".into()),
        ("NFLREADPY_BETTING__alerts__channels", channels.clone()),
        ("NFLREADPY_BETTING__alerts__digest_seconds", "1".into()),
        ("NFLREADPY_BETTING__alerts__cooldown_seconds", "1".into()),
        (
            "NFLREADPY_BETTING__dashboard__refresh_seconds",
            "0.5".into(),
        ),
        // Where the replay stands depends on the wall clock: alert on any edge over 1% so an
        // alert is due in every window, not only where an edge passes the default 3%.
        (
            "NFLREADPY_BETTING__analytics__value_threshold",
            "0.01".into(),
        ),
        (
            "NFLREADPY_BETTING__alerts__rules__new_edge_min_ev",
            "0.01".into(),
        ),
    ]);
    let mut serve_1 = spawn(
        "serve-1",
        dir.path(),
        &["serve", "--bind", "127.0.0.1:0"],
        &serve_env,
    );
    let mut serve_2 = spawn(
        "serve-2",
        dir.path(),
        &["serve", "--bind", "127.0.0.1:0"],
        &serve_env,
    );
    let api = serve_url(dir.path(), "serve-1", &mut serve_1);
    let _api_2 = serve_url(dir.path(), "serve-2", &mut serve_2);
    let all: BTreeSet<String> = [
        "pinnacle",
        "circa",
        "draftkings",
        "fanduel",
        "betmgm",
        "bovada",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let diag = |what: &str| {
        format!(
            "{what}\n--- serve-1 ---\n{}\n--- ingest-a ---\n{}",
            log_of(dir.path(), "serve-1"),
            log_of(dir.path(), "ingest-a")
        )
    };
    wait_for("every book in the API", BOUND, || {
        (books(&api, &all) == all).then_some(())
    });

    // Exactly one leader: its alerts reach the webhook, each once, with two dispatchers running.
    let leaders = ["serve-1", "serve-2"]
        .iter()
        .filter(|n| log_of(dir.path(), n).contains("leading pricing and alerts"))
        .count();
    wait_for("a delivered alert", BOUND, || {
        (!hook.requests().is_empty()).then_some(())
    });
    assert_eq!(leaders, 1, "{}", diag("leaders"));

    // The attached dashboard reads the same database and shows it live.
    let out = std::fs::File::create(dir.path().join("dash.out")).unwrap();
    let mut dash = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--log-format",
            "json",
            "dashboard",
            "--headless",
            "--attach",
            "--refresh",
            "1",
            "--cycles",
            "3",
        ])
        .envs(serve_env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the attached dashboard to finish", BOUND, || {
        dash.try_wait().ok().flatten()
    });
    let lines = headless_lines(dir.path(), "dash");
    let last = lines.last().cloned().unwrap_or_default();
    assert!(
        last["ingest"]["quotes_latest"].as_i64().unwrap_or(0) > 0,
        "{}",
        diag(&format!("dashboard: {last}"))
    );
    let fresh_books: BTreeSet<String> = last["ingest"]["freshness"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["book"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(fresh_books, all, "{last}");

    // SIGKILL one worker mid-run: the other goes on, nothing committed is lost.
    let history = |api: &str| {
        json_get(&format!("{api}api/v1/status"))
            .and_then(|v| v["ingest"]["quotes_history"].as_i64())
    };
    let before = wait_for("history count", BOUND, || history(&api));
    let mut ingest_a = ingest_a;
    let _ = ingest_a.0.kill();
    let _ = ingest_a.0.wait();
    wait_for("the other worker to go on writing", BOUND, || {
        history(&api).filter(|n| *n > before + 100).map(|_| ())
    });
    let after_kill = history(&api).unwrap_or(0);
    assert!(
        after_kill >= before,
        "history shrank: {before} -> {after_kill}"
    );

    // Every delivery is of a different outbox row: no idempotency key twice.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in hook.requests() {
        let key = r.header("idempotency-key").unwrap_or_default().to_string();
        assert!(!key.is_empty(), "a webhook delivery without its key");
        *seen.entry(key).or_default() += 1;
    }
    let dupes: Vec<_> = seen.values().filter(|n| **n > 1).collect();
    assert!(dupes.is_empty(), "{} deliveries repeated", dupes.len());
    drop(ingest_a);

    // The database goes away for 30 s.
    assert!(
        test_server("pause"),
        "scripts/test-postgres.sh pause failed: the outage half needs the script's server"
    );
    let outage = std::time::Instant::now();
    let dash_out = std::fs::File::create(dir.path().join("dash2.out")).unwrap();
    let mut dash2 = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--log-format",
            "json",
            "dashboard",
            "--headless",
            "--attach",
            "--refresh",
            "1",
        ])
        .envs(serve_env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(dash_out)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let down = wait_for("serve to report the outage", BOUND, || {
        let v = json_get(&format!("{api}api/v1/status"))?;
        let problems = v["health"]["problems"].as_array()?.clone();
        problems
            .iter()
            .any(|p| {
                p.as_str()
                    .is_some_and(|p| p.starts_with("store unreachable"))
            })
            .then_some(problems)
    });
    assert!(
        !down
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.contains("ingestion stalled"))),
        "{down:?}"
    );
    std::thread::sleep(Duration::from_secs(30).saturating_sub(outage.elapsed()));
    assert!(test_server("resume"), "the test server did not come back");
    let back = wait_for("recovery without a restart", BOUND, || {
        let v = json_get(&format!("{api}api/v1/status"))?;
        let healthy_store = !v["health"]["problems"].as_array()?.iter().any(|p| {
            p.as_str()
                .is_some_and(|p| p.starts_with("store unreachable"))
        });
        let n = v["ingest"]["quotes_history"].as_i64()?;
        (healthy_store && n > after_kill).then_some(n)
    });
    assert!(back > after_kill);
    let _ = dash2.kill();
    let _ = dash2.wait();
    let dash_lines = headless_lines(dir.path(), "dash2");
    assert!(
        dash_lines
            .iter()
            .any(|l| l["ingest"]["store_down"].is_object()),
        "the attached dashboard never showed the outage ({} lines)",
        dash_lines.len()
    );
    rt.block_on(db.drop_db());
}
