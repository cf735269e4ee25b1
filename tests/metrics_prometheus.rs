//! The Prometheus text must parse with a real parser (Python's prometheus_client) and carry every
//! metric name the operations guide promises, with label values escaped and values in seconds.

use nflreadpy_betting::ingest::health::{FreshnessRow, SourceHealth};
use nflreadpy_betting::metrics::{
    self, collect, prometheus_name, write_textfile, ChannelCounters, Extra, LatencyHistogram,
    GUIDE_METRICS,
};
use nflreadpy_betting::snapshot::{
    AlertRow, AlertsView, ChannelHealth, EdgeRow, SimulationRun, Snapshot,
};
use std::io::Write;
use std::process::{Command, Stdio};

const TRICKY: &str = "odds \"api\"\\v2\nbeta";

fn rich() -> (Snapshot, Extra) {
    let mut src = SourceHealth::new(TRICKY, 10.0);
    src.record_poll(true, 1_700_000_000_000, 0.25);
    src.record_poll(false, 1_700_000_010_000, 1.5);
    src.quotes_received = 420;
    src.quotes_changed = 37;
    src.rejected_by_reason.insert("stale".into(), 3);
    src.errors_by_reason.insert("timeout".into(), 1);
    let mut snap = Snapshot {
        taken_ms: 1_700_000_020_000,
        ..Default::default()
    };
    snap.ingest.sources = vec![src, SourceHealth::new("replay", 5.0)];
    snap.ingest.freshness = vec![FreshnessRow {
        book: "pinnacle".into(),
        market_group: "spread".into(),
        age_seconds: 4.5,
    }];
    snap.ingest.stalled_after_seconds = 30.0;
    snap.simulations = vec![SimulationRun {
        started_ms: 1_700_000_000_000,
        latency_ms: 1234.0,
        iterations: 20_000,
        target_ms: 5000.0,
        trigger: "schedule".into(),
        ..Default::default()
    }];
    snap.edges = vec![EdgeRow {
        key: "k".into(),
        market: "spread_alt".into(),
        book: "fanduel".into(),
        ev: 0.04,
        ..Default::default()
    }];
    snap.alerts = AlertsView {
        alerts: vec![AlertRow {
            id: 1,
            rule: "new_edge".into(),
            severity: "info".into(),
            state: "firing".into(),
            ..Default::default()
        }],
        channels: vec![ChannelHealth {
            channel: "slack".into(),
            ok: true,
            ..Default::default()
        }],
        silences: vec![],
    };
    let mut lat = LatencyHistogram::default();
    lat.observe(0.012);
    lat.observe(0.3);
    let extra = Extra {
        render_latency_seconds: Some(0.016),
        health_check_ok: Some(true),
        channels: vec![ChannelCounters {
            channel: "webhook".into(),
            sent: 2,
            failed: 1,
            pending: 0,
            latency: lat,
            ..Default::default()
        }],
        ..Default::default()
    };
    (snap, extra)
}

const PARSER: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
"#;

fn python_parse(text: &str) -> Option<serde_json::Value> {
    let probe = Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        // In CI a missing parser is a failure, never a silent pass.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 with prometheus_client is not installed: .ci/run must install it"
        );
        println!("SKIPPED: python3 with prometheus_client is not installed (pip install prometheus_client)");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", PARSER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client rejected the exposition:\n{}\n---\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn exposition_parses_with_prometheus_client_and_has_every_guide_metric() {
    let (snap, extra) = rich();
    let text = metrics::render(&collect(&snap, &extra));
    // Every family announces itself.
    for name in GUIDE_METRICS {
        let p = prometheus_name(name);
        assert!(text.contains(&format!("# HELP {p} ")), "{p} HELP missing");
        assert!(text.contains(&format!("# TYPE {p} ")), "{p} TYPE missing");
    }
    let Some(parsed) = python_parse(&text) else {
        return;
    };
    let fams = parsed.as_array().unwrap();
    let family = |n: &str| {
        fams.iter()
            .find(|f| f["name"] == n)
            .unwrap_or_else(|| panic!("{n} not parsed"))
    };
    for name in GUIDE_METRICS {
        let f = family(&prometheus_name(name));
        assert!(
            !f["samples"].as_array().unwrap().is_empty(),
            "{name} has no samples"
        );
    }
    assert_eq!(family("alerts_dispatch_latency")["type"], "histogram");
    assert_eq!(family("ingestion_quote_freshness_seconds")["type"], "gauge");
    // Escaped label values come back intact.
    let rate = family("ingestion_success_rate");
    let tricky = rate["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["source"] == TRICKY)
        .expect("escaped label value round-trips");
    assert_eq!(tricky["value"], 0.5);
    // Seconds, not milliseconds.
    let sim = &family("analytics_simulation_latency")["samples"][0];
    assert_eq!(sim["value"], 1.234);
    let poll = family("ingestion_poll_latency")["samples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["labels"]["source"] == TRICKY)
        .unwrap()
        .clone();
    assert_eq!(poll["value"], 1.5);
    // Counters parse as counters (the parser drops the _total suffix from the family name).
    assert_eq!(family("ingestion_quotes_rejected")["type"], "counter");
    assert_eq!(family("alerts_sent")["type"], "counter");
    let buckets: Vec<_> = family("alerts_dispatch_latency")["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "alerts_dispatch_latency_bucket")
        .cloned()
        .collect();
    assert_eq!(buckets.last().unwrap()["labels"]["le"], "+Inf");
    assert_eq!(buckets.last().unwrap()["value"], 2.0);
}

/// The ledger's three families: open bets, settled bets (a counter) and mean CLV, which is
/// absent until a bet has been valued.
#[test]
fn bets_metrics_come_from_the_ledger() {
    let mut snap = Snapshot::default();
    let text = metrics::render(&collect(&snap, &Extra::default()));
    assert!(text.contains("\nbets_open 0\n"), "{text}");
    assert!(text.contains("\nbets_settled_total 0\n"), "{text}");
    assert!(text.contains("# TYPE bets_clv_mean gauge"));
    assert!(
        !text.contains("\nbets_clv_mean "),
        "no sample before a bet is valued"
    );
    snap.bets.open = 4;
    snap.bets.settled = 9;
    snap.bets.clv_mean = Some(0.0125);
    let text = metrics::render(&collect(&snap, &Extra::default()));
    assert!(text.contains("\nbets_open 4\n"), "{text}");
    assert!(text.contains("# TYPE bets_settled_total counter"));
    assert!(text.contains("\nbets_settled_total 9\n"), "{text}");
    assert!(text.contains("\nbets_clv_mean 0.0125\n"), "{text}");
    if let Some(parsed) = python_parse(&text) {
        let names: Vec<&str> = parsed
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["name"].as_str())
            .collect();
        for n in ["bets_open", "bets_settled", "bets_clv_mean"] {
            assert!(names.contains(&n), "{n} not parsed: {names:?}");
        }
    }
}

#[test]
fn empty_snapshot_still_parses() {
    let text = metrics::render(&collect(&Snapshot::default(), &Extra::default()));
    if let Some(parsed) = python_parse(&text) {
        assert!(parsed.as_array().unwrap().len() >= GUIDE_METRICS.len());
    }
}

#[test]
fn textfile_snapshot_text_and_json_agree() {
    let (snap, extra) = rich();
    let reg = collect(&snap, &extra);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nflreadpy_betting.prom");
    write_textfile(&path, &reg.to_prometheus()).unwrap();
    let on_disk = std::fs::read_to_string(&path).unwrap();
    assert_eq!(on_disk, reg.to_prometheus());
    let text = reg.to_text();
    assert!(text.contains("ingestion.quote_freshness_seconds"), "{text}");
    assert!(text.contains("dashboard.render_latency"), "{text}");
    let json = reg.to_json();
    let names: Vec<&str> = json["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for n in GUIDE_METRICS {
        assert!(names.contains(&n), "{n} missing from JSON");
    }
}

/// Issue 13, item 11: with `CI` set, a missing `prometheus_client` used to skip the parse test
/// silently. Re-runs that test with `CI=true` and no python3 on `PATH`: it must fail.
#[test]
fn under_ci_a_missing_parser_fails_instead_of_skipping() {
    if std::env::var_os("METRICS_PROM_CHILD").is_some() {
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "exposition_parses_with_prometheus_client_and_has_every_guide_metric",
            "--exact",
            "--test-threads=1",
        ])
        .env("CI", "true")
        .env("PATH", "/nonexistent")
        .env("METRICS_PROM_CHILD", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the test passed without its parser:\n{text}"
    );
    assert!(
        text.contains("prometheus_client is not installed"),
        "{text}"
    );
}
