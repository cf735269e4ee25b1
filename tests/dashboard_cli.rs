//! The dashboard through the real binary: the headless twin, the not-a-terminal message, and a
//! tmux smoke test of the full-screen UI on the default configuration.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command as Proc;
use std::time::{Duration, Instant};

/// These tests start whole engines; run them one at a time so they do not compete for cores.
/// Every wait below is for a condition, bounded generously (a minute): on a busy machine the
/// first replay poll and the ratings fit can take far longer than on an idle one.
const GENEROUS: u64 = 60;
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn headless_prints_parseable_json_snapshots_and_exits_0() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .args([
            "dashboard",
            "--headless",
            "--cycles",
            "3",
            "--log-format",
            "json",
            "--refresh",
            "0.5",
            "--storage",
        ])
        .arg(dir.path().join("h.sqlite3"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snaps: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|v| v.get("type").and_then(|t| t.as_str()) != Some("alert"))
        .collect();
    assert_eq!(snaps.len(), 3, "{stdout}");
    for s in &snaps {
        assert!(s.get("ingest").is_some() && s.get("health").is_some() && s.get("edges").is_some());
    }
}

#[test]
fn without_a_terminal_it_says_so_and_suggests_headless() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("nflreadpy-betting")
        .unwrap()
        .current_dir(root())
        .args(["dashboard", "--storage"])
        .arg(dir.path().join("t.sqlite3"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--headless"));
}

fn tmux(args: &[&str]) -> String {
    let out = Proc::new("tmux").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether tmux runs here; outside CI a missing tmux skips the test with a note.
fn tmux_available() -> bool {
    let ok = Proc::new("tmux").arg("-V").output().is_ok();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must install tmux");
        eprintln!("skipping: tmux is not installed");
    }
    ok
}

/// A detached tmux session of 80x24 in the repository root running `cmd` through the shell.
fn start_80x24(session: &str, cmd: &str) {
    let root = root();
    Proc::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "80",
            "-y",
            "24",
            "-c",
            root.to_str().unwrap(),
            cmd,
        ])
        .status()
        .unwrap();
}

fn wait_for_screen(session: &str, needle: &str, secs: u64) -> Option<String> {
    wait_for_any(session, &[needle], secs)
}

fn wait_for_any(session: &str, needles: &[&str], secs: u64) -> Option<String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if needles.iter().any(|n| screen.contains(n)) {
            return Some(screen);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// Live data on screen: a replay book in the Odds freshness pane. The dashboard may open on the
/// Edges pane, which is empty while the replay (its position set by the wall clock) has no edge,
/// so this focuses pane 1 (`1`, resent until the dashboard reads it) and waits for a book there.
fn wait_for_live(session: &str, secs: u64) -> Option<String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        // The header shows once the dashboard draws (the tab bar shortens titles at 80 columns).
        if screen.contains("nflreadpy-betting │") {
            if screen.contains("1 Odds freshness")
                && REPLAY_BOOKS.iter().any(|n| screen.contains(n))
                && screen.contains("Group")
            {
                return Some(screen);
            }
            let _ = tmux(&["send-keys", "-t", session, "1"]);
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    None
}

/// Every book the bundled replay feed quotes.
const REPLAY_BOOKS: [&str; 7] = [
    "pinnacle",
    "circa",
    "lowvig",
    "draftkings",
    "fanduel",
    "betmgm",
    "bovada",
];

#[test]
fn tmux_smoke_test_of_the_full_screen_dashboard() {
    let _serial = serial();
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tui.sqlite3");
    let exports = dir.path().join("exports");
    let session = format!("nflb-smoke-{}", std::process::id());
    let cmd = format!(
        "NFLREADPY_BETTING__dashboard__export_dir={} {} dashboard --storage {}; echo EXITED=$?; sleep 30",
        exports.display(),
        env!("CARGO_BIN_EXE_nflreadpy-betting"),
        db.display()
    );
    start_80x24(&session, &cmd);
    let cleanup = || {
        let _ = Proc::new("tmux")
            .args(["kill-session", "-t", &session])
            .status();
    };
    // Live replay data: a book name from the replay feed on screen.
    let screen = wait_for_live(&session, GENEROUS);
    if screen.is_none() {
        let s = tmux(&["capture-pane", "-p", "-t", &session]);
        cleanup();
        panic!("no live data within {GENEROUS} s:\n{s}");
    }
    tmux(&["send-keys", "-t", &session, ":scan", "Enter"]);
    let scanned = wait_for_screen(&session, "scan:", GENEROUS);
    tmux(&["send-keys", "-t", &session, ":export csv", "Enter"]);
    let exported = wait_for_screen(&session, "exported", GENEROUS);
    // Pane 6, the ledger: its title counts open and settled bets (paper trading may have
    // logged some already, or none yet).
    tmux(&["send-keys", "-t", &session, "6"]);
    let bets_pane = wait_for_screen(&session, " settled", GENEROUS);
    tmux(&["send-keys", "-t", &session, "q"]);
    let exited = wait_for_screen(&session, "EXITED=0", GENEROUS);
    let alt_after = tmux(&["display", "-p", "-t", &session, "#{alternate_on}"]);
    let last = tmux(&["capture-pane", "-p", "-t", &session]);
    cleanup();
    assert!(scanned.is_some(), "`:scan` gave no answer:\n{last}");
    assert!(exported.is_some(), "`:export csv` gave no answer:\n{last}");
    let bets_pane = bets_pane.unwrap_or_default();
    eprintln!("the Bets pane in tmux at 80x24:\n{bets_pane}");
    assert!(
        bets_pane.contains("6 Bets") && bets_pane.contains(" open · "),
        "no Bets pane at 80x24:\n{bets_pane}"
    );
    assert!(exited.is_some(), "did not quit cleanly:\n{last}");
    // The terminal is restored: back on the normal screen, where none of the dashboard's
    // drawing shows (it drew on the alternate screen).
    assert_eq!(
        alt_after.trim(),
        "0",
        "still on the alternate screen:\n{last}"
    );
    assert!(
        !last.contains("nflreadpy-betting │") && !REPLAY_BOOKS.iter().any(|b| last.contains(b)),
        "dashboard output left on the normal screen:\n{last}"
    );
    let files: Vec<_> = std::fs::read_dir(&exports).unwrap().collect();
    assert_eq!(files.len(), 1, "one CSV export expected");
}

/// SIGTERM (a supervisor) and SIGHUP (the SSH session went away) end the dashboard with the
/// terminal restored: normal screen, cursor shown, line discipline back in canonical mode.
#[test]
fn signals_end_the_dashboard_with_the_terminal_restored() {
    let _serial = serial();
    if !tmux_available() {
        return;
    }
    for signal in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let session = format!("nflb-sig-{signal}-{}", std::process::id());
        // The shell records the dashboard's pid, then reports its exit and the tty mode.
        let cmd = format!(
            "{} dashboard --storage {} & echo $! > {}; wait $!; echo EXITED=$?; \
             stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon' | sed 's/^/MODE=/'; sleep 30",
            env!("CARGO_BIN_EXE_nflreadpy-betting"),
            dir.path().join("sig.sqlite3").display(),
            pid_file.display()
        );
        start_80x24(&session, &cmd);
        let live = wait_for_live(&session, GENEROUS);
        let alt_during = tmux(&["display", "-p", "-t", &session, "#{alternate_on}"]);
        // The shell writes the pid as it starts the dashboard; wait for it, never assume it.
        let start = Instant::now();
        let mut pid = String::new();
        while start.elapsed() < Duration::from_secs(GENEROUS) {
            pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
            if !pid.trim().is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let killed = Proc::new("kill")
            .args([&format!("-{signal}"), pid.trim()])
            .status()
            .is_ok_and(|s| s.success());
        let exited = wait_for_screen(&session, "MODE=", GENEROUS);
        let alt_after = tmux(&["display", "-p", "-t", &session, "#{alternate_on}"]);
        let cursor = tmux(&["display", "-p", "-t", &session, "#{cursor_flag}"]);
        let last = tmux(&["capture-pane", "-p", "-t", &session]);
        let _ = Proc::new("tmux")
            .args(["kill-session", "-t", &session])
            .status();
        assert!(live.is_some(), "SIG{signal}: no live data:\n{last}");
        assert_eq!(
            alt_during.trim(),
            "1",
            "the dashboard uses the alternate screen"
        );
        assert!(killed, "SIG{signal}: kill failed (pid {pid:?})");
        assert!(exited.is_some(), "SIG{signal}: did not exit:\n{last}");
        assert_eq!(
            alt_after.trim(),
            "0",
            "SIG{signal}: still on the alternate screen"
        );
        assert_eq!(cursor.trim(), "1", "SIG{signal}: cursor left hidden");
        assert!(
            last.contains("MODE=icanon"),
            "SIG{signal}: tty left raw:\n{last}"
        );
    }
}
