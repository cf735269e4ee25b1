//! Every policy of the operations guide (plus new-edge and line-movement) fires and resolves,
//! driven by a controlled clock; routing, cooldown, silence, ack, digest and quiet hours.

use nflreadpy_betting::alerts::outbox::NewRow;
use nflreadpy_betting::alerts::rules::{ChannelObs, Observation};
use nflreadpy_betting::alerts::{AlertEvent, AlertsEngine, EventKind, Notification};
use nflreadpy_betting::config::{
    ChannelConfig, Config, PagerDutyChannel, QuietHours, SlackChannel, TerminalChannel,
};
use nflreadpy_betting::ingest::health::{FreshnessRow, SourceHealth};
use nflreadpy_betting::snapshot::command::{Command, Reply};
use nflreadpy_betting::snapshot::{EdgeRow, SimulationRun, Snapshot};

/// 2023-11-14 22:13:20 UTC.
const T0: i64 = 1_700_000_000_000;
const S: i64 = 1000;

fn config() -> Config {
    let mut cfg = Config::default();
    cfg.ingestion.storage_path = "/nonexistent/alerts-rules-test.sqlite3".into();
    cfg.alerts.digest_seconds = 0.0;
    cfg.alerts.channels = vec![
        ChannelConfig::Terminal(TerminalChannel::default()),
        ChannelConfig::Slack(SlackChannel {
            webhook_url: "http://127.0.0.1:9/slack".into(),
            min_severity: "info".into(),
            ..Default::default()
        }),
        ChannelConfig::Pagerduty(PagerDutyChannel {
            routing_key: "rk".into(),
            events_url: "http://127.0.0.1:9/pd".into(),
            min_severity: "critical".into(),
            ..Default::default()
        }),
    ];
    cfg
}

fn engine(cfg: &Config) -> AlertsEngine {
    let mut e = AlertsEngine::new(cfg, None).unwrap();
    e.set_utc_offset_minutes(Some(0));
    e
}

fn fired<'a>(ev: &'a [AlertEvent], rule: &str) -> Option<&'a AlertEvent> {
    ev.iter()
        .find(|e| e.kind == EventKind::Fired && e.alert.rule == rule)
}

fn resolved<'a>(ev: &'a [AlertEvent], rule: &str) -> Option<&'a AlertEvent> {
    ev.iter()
        .find(|e| e.kind == EventKind::Resolved && e.alert.rule == rule)
}

fn channels(rows: &[NewRow]) -> Vec<&str> {
    let mut v: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    v.sort();
    v
}

fn payload(r: &NewRow) -> Notification {
    serde_json::from_str(&r.payload).unwrap()
}

fn stale_snapshot(age: f64, now: i64) -> Snapshot {
    let mut s = Snapshot {
        taken_ms: now,
        ..Default::default()
    };
    s.ingest.stalled_after_seconds = 30.0;
    s.ingest.freshness = vec![
        FreshnessRow {
            book: "pinnacle".into(),
            market_group: "spread".into(),
            age_seconds: age,
        },
        FreshnessRow {
            book: "draftkings".into(),
            market_group: "total".into(),
            age_seconds: 2.0,
        },
    ];
    s
}

#[test]
fn ingestion_stalled_fires_and_resolves() {
    let mut e = engine(&config());
    assert!(e.observe(&stale_snapshot(12.0, T0), T0).is_empty());
    let ev = e.observe(&stale_snapshot(31.0, T0 + 19 * S), T0 + 19 * S);
    let f = fired(&ev, "ingestion_stalled").expect("fires past 3x the poll interval");
    assert_eq!(f.alert.severity, "warning");
    assert!(
        f.alert.message.contains("pinnacle spread"),
        "{}",
        f.alert.message
    );
    // Warning goes to terminal and Slack, not to the paging channel.
    assert_eq!(channels(&e.take_staged()), ["slack", "terminal"]);
    // Still stalled: no new transition, no new rows.
    assert!(e
        .observe(&stale_snapshot(45.0, T0 + 33 * S), T0 + 33 * S)
        .is_empty());
    assert!(e.staged().is_empty());
    let ev = e.observe(&stale_snapshot(1.0, T0 + 40 * S), T0 + 40 * S);
    assert!(resolved(&ev, "ingestion_stalled").is_some());
    let rows = e.take_staged();
    assert_eq!(channels(&rows), ["slack", "terminal"]);
    assert!(rows.iter().all(|r| r.dedup_key.ends_with(":resolve")));
}

fn source_snapshot(rate: f64, poll_ms: i64) -> Snapshot {
    let mut h = SourceHealth::new("the-odds-api", 10.0);
    h.success_rate = rate;
    h.last_poll_ms = Some(poll_ms);
    let mut s = Snapshot {
        taken_ms: poll_ms,
        ..Default::default()
    };
    s.ingest.sources = vec![h];
    s
}

#[test]
fn scraper_failure_burst_pages_after_five_bad_intervals_and_resolves() {
    let mut e = engine(&config());
    for i in 0..4 {
        let t = T0 + i * 10 * S;
        assert!(e.observe(&source_snapshot(0.80, t), t).is_empty());
        // Observing the same poll again does not count as another interval.
        assert!(e.observe(&source_snapshot(0.80, t), t + S).is_empty());
    }
    let t = T0 + 40 * S;
    let ev = e.observe(&source_snapshot(0.80, t), t);
    let f = fired(&ev, "scraper_failure_burst").expect("fires on the fifth interval");
    assert_eq!(f.alert.severity, "critical");
    let rows = e.take_staged();
    assert_eq!(channels(&rows), ["pagerduty", "slack", "terminal"]);
    let trigger = payload(rows.iter().find(|r| r.channel == "pagerduty").unwrap());

    let t = T0 + 50 * S;
    let ev = e.observe(&source_snapshot(0.96, t), t);
    assert!(resolved(&ev, "scraper_failure_burst").is_some());
    let rows = e.take_staged();
    let resolve = payload(rows.iter().find(|r| r.channel == "pagerduty").unwrap());
    assert_eq!(resolve.action.as_str(), "resolve");
    assert_eq!(
        resolve.incident_key, trigger.incident_key,
        "PagerDuty resolve must close the incident it opened"
    );
}

fn runs(latencies_ms: &[f64]) -> Snapshot {
    let simulations = latencies_ms
        .iter()
        .enumerate()
        .map(|(i, l)| SimulationRun {
            started_ms: T0 + i as i64 * 60 * S,
            latency_ms: *l,
            iterations: 20_000,
            target_ms: 5000.0,
            trigger: "schedule".into(),
            ..Default::default()
        })
        .collect();
    Snapshot {
        simulations,
        ..Default::default()
    }
}

fn checked(zs: &[Option<f64>]) -> Snapshot {
    let mut snap = runs(&vec![1000.0; zs.len()]);
    for (run, z) in snap.simulations.iter_mut().zip(zs) {
        run.max_abs_z = *z;
        run.check_limit = 4.0;
        run.check_markets = 40;
        run.check_worst = "2025_12_BUF_HOU game total over 44.5".into();
    }
    snap
}

#[test]
fn pricing_check_fires_above_four_standard_errors_and_resolves() {
    let mut e = engine(&config());
    assert!(e.observe(&checked(&[Some(1.2), Some(3.9)]), T0).is_empty());
    assert!(e.observe(&checked(&[Some(1.2), None]), T0 + S).is_empty());
    // Only the latest run counts: an old breach is history.
    assert!(e
        .observe(&checked(&[Some(9.0), Some(2.0)]), T0 + 2 * S)
        .is_empty());
    let ev = e.observe(&checked(&[Some(2.0), Some(4.6)]), T0 + 3 * S);
    let f = fired(&ev, "pricing_check").expect("|z| 4.6 breaks the limit");
    assert_eq!(f.alert.severity, "critical");
    assert!(f.alert.message.contains("4.6") && f.alert.message.contains("BUF_HOU"));
    let ev = e.observe(&checked(&[Some(4.6), Some(0.7)]), T0 + 4 * S);
    assert!(resolved(&ev, "pricing_check").is_some());
}

#[test]
fn analytics_backlog_warns_after_three_slow_runs_and_resolves() {
    let mut e = engine(&config());
    assert!(e.observe(&runs(&[6000.0, 7000.0]), T0).is_empty());
    assert!(e
        .observe(&runs(&[1000.0, 6000.0, 7000.0]), T0 + S)
        .is_empty());
    let ev = e.observe(&runs(&[1000.0, 6000.0, 7000.0, 8000.0]), T0 + 2 * S);
    let f = fired(&ev, "analytics_backlog").expect("three slow runs in a row");
    assert_eq!(f.alert.severity, "warning");
    let ev = e.observe(&runs(&[6000.0, 7000.0, 8000.0, 900.0]), T0 + 3 * S);
    assert!(resolved(&ev, "analytics_backlog").is_some());
}

#[test]
fn dashboard_stale_fires_on_slow_renders_or_failing_checks_and_resolves() {
    let mut e = engine(&config());
    let snap = Snapshot::default();
    // Render latency over the 10 s ingestion cadence for three checks.
    e.set_frontend(Some(12.5), None);
    assert!(e.observe(&snap, T0).is_empty());
    assert!(e.observe(&snap, T0 + S).is_empty());
    let ev = e.observe(&snap, T0 + 2 * S);
    let f = fired(&ev, "dashboard_stale").expect("third slow check");
    assert!(
        f.alert.message.contains("render latency"),
        "{}",
        f.alert.message
    );
    e.set_frontend(Some(0.04), Some(true));
    let ev = e.observe(&snap, T0 + 3 * S);
    assert!(resolved(&ev, "dashboard_stale").is_some());

    // Failing health checks, repeatedly.
    e.set_frontend(Some(0.04), Some(false));
    assert!(e.observe(&snap, T0 + 4 * S).is_empty());
    assert!(e.observe(&snap, T0 + 5 * S).is_empty());
    let ev = e.observe(&snap, T0 + 6 * S);
    assert!(fired(&ev, "dashboard_stale").is_some());
    e.set_frontend(Some(0.04), Some(true));
    assert!(resolved(&e.observe(&snap, T0 + 7 * S), "dashboard_stale").is_some());
}

fn delivery_obs(now: i64, ch: ChannelObs) -> Observation {
    Observation {
        now_ms: now,
        freshness: vec![],
        stalled_after_seconds: 30.0,
        cadence_seconds: 10.0,
        sources: vec![],
        simulations: vec![],
        render_latency_seconds: None,
        health_check_ok: None,
        edges: vec![],
        channels: vec![ch],
        market: Default::default(),
        futures: vec![],
    }
}

#[test]
fn alert_delivery_failure_fires_on_error_bursts_and_silence_and_resolves() {
    let mut e = engine(&config());
    let ch = |errors, last, oldest| ChannelObs {
        channel: "slack".into(),
        consecutive_errors: errors,
        last_delivery_ms: last,
        oldest_pending_ms: oldest,
    };
    assert!(e
        .observe_conditions(&delivery_obs(T0, ch(2, None, Some(T0))))
        .is_empty());
    let ev = e.observe_conditions(&delivery_obs(T0 + S, ch(3, None, Some(T0))));
    let f = fired(&ev, "alert_delivery_failure").expect("three errors in a row");
    assert_eq!(f.alert.severity, "warning");
    // Not sent down the failing channel itself.
    assert_eq!(channels(&e.take_staged()), ["terminal"]);
    let ev = e.observe_conditions(&delivery_obs(T0 + 2 * S, ch(0, Some(T0 + 2 * S), None)));
    assert!(resolved(&ev, "alert_delivery_failure").is_some());

    // Six hours without a delivery while alerts wait in the outbox.
    let h = 3_600 * S;
    let later = T0 + 7 * h;
    assert!(e
        .observe_conditions(&delivery_obs(later, ch(0, Some(T0), Some(later - 5 * h))))
        .is_empty());
    let ev = e.observe_conditions(&delivery_obs(later, ch(0, Some(T0), Some(later - 6 * h))));
    let f = fired(&ev, "alert_delivery_failure").expect("six silent hours");
    assert!(
        f.alert.message.contains("nothing delivered"),
        "{}",
        f.alert.message
    );
    let ev = e.observe_conditions(&delivery_obs(later + S, ch(0, Some(later + S), None)));
    assert!(resolved(&ev, "alert_delivery_failure").is_some());
}

fn edge(key: &str, ev: f64, movement: Option<f64>) -> EdgeRow {
    EdgeRow {
        key: key.into(),
        event: "BAL @ KC".into(),
        market: "spread".into(),
        selection: "home".into(),
        line: Some(-3.5),
        book: "fanduel".into(),
        american: 110,
        ev,
        movement_points: movement,
        ..Default::default()
    }
}

fn edges(v: Vec<EdgeRow>, now: i64) -> Snapshot {
    Snapshot {
        taken_ms: now,
        edges: v,
        ..Default::default()
    }
}

#[test]
fn new_edge_and_line_movement_fire_and_resolve() {
    let mut e = engine(&config());
    let ev = e.observe(&edges(vec![edge("a", 0.01, Some(0.5))], T0), T0);
    assert!(ev.is_empty(), "below both thresholds: {ev:?}");
    let ev = e.observe(&edges(vec![edge("a", 0.05, Some(-2.0))], T0 + S), T0 + S);
    let f = fired(&ev, "new_edge").expect("EV above new_edge_min_ev");
    assert_eq!(f.alert.severity, "info");
    assert!(f.alert.message.contains("EV +5.0%"), "{}", f.alert.message);
    assert!(fired(&ev, "line_movement").is_some());
    // Info goes to terminal and Slack only.
    assert_eq!(
        channels(&e.take_staged()),
        ["slack", "slack", "terminal", "terminal"]
    );
    let ev = e.observe(&edges(vec![], T0 + 2 * S), T0 + 2 * S);
    assert!(resolved(&ev, "new_edge").is_some());
    assert!(resolved(&ev, "line_movement").is_some());
}

#[test]
fn cooldown_suppresses_a_refire_of_the_same_key() {
    let mut e = engine(&config());
    e.observe(&stale_snapshot(60.0, T0), T0);
    assert_eq!(e.take_staged().len(), 2);
    e.observe(&stale_snapshot(1.0, T0 + S), T0 + S);
    e.take_staged();
    let ev = e.observe(&stale_snapshot(60.0, T0 + 60 * S), T0 + 60 * S);
    let f = fired(&ev, "ingestion_stalled").unwrap();
    assert!(f.suppressed.as_deref().unwrap().starts_with("cooldown"));
    assert!(e.staged().is_empty());
    // Its resolve is not sent either: nobody heard the trigger.
    e.observe(&stale_snapshot(1.0, T0 + 61 * S), T0 + 61 * S);
    assert!(e.staged().is_empty());
    // After the cooldown (900 s) it notifies again.
    let t = T0 + 1000 * S;
    let ev = e.observe(&stale_snapshot(60.0, t), t);
    assert!(fired(&ev, "ingestion_stalled")
        .unwrap()
        .suppressed
        .is_none());
    assert_eq!(e.take_staged().len(), 2);
}

#[test]
fn silence_and_ack_work_through_commands() {
    let mut e = engine(&config());
    let reply = e
        .handle(
            &Command::Silence {
                rule: "ingestion-stalled".into(),
                seconds: 600.0,
            },
            T0,
        )
        .unwrap();
    assert!(matches!(reply, Reply::Done(_)), "{reply:?}");
    assert_eq!(e.view().silences.len(), 1);
    let ev = e.observe(&stale_snapshot(60.0, T0 + S), T0 + S);
    let f = fired(&ev, "ingestion_stalled").unwrap();
    assert_eq!(f.suppressed.as_deref(), Some("silenced"));
    assert!(e.staged().is_empty());
    // Detection goes on: the pane shows it, and it can be acknowledged.
    let id = f.alert.id;
    assert!(matches!(
        e.handle(&Command::Ack { id }, T0 + 2 * S),
        Some(Reply::Done(_))
    ));
    let v = e.view();
    assert_eq!(v.alerts[0].state, "acked");
    assert!(matches!(
        e.handle(&Command::Ack { id: 999 }, T0),
        Some(Reply::Error(_))
    ));
    assert!(matches!(
        e.handle(
            &Command::Silence {
                rule: "nonsense".into(),
                seconds: 5.0
            },
            T0
        ),
        Some(Reply::Error(_))
    ));
    // The silence expires.
    e.observe(&stale_snapshot(1.0, T0 + 700 * S), T0 + 700 * S);
    assert!(e.view().silences.is_empty());
    assert!(e.handle(&Command::Scan, T0).is_none());
}

#[test]
fn informational_alerts_are_digested_after_the_first_of_a_window() {
    let mut cfg = config();
    cfg.alerts.digest_seconds = 300.0;
    let mut e = engine(&cfg);
    let three = vec![
        edge("a", 0.05, None),
        edge("b", 0.06, None),
        edge("c", 0.07, None),
    ];
    let ev = e.observe(&edges(three.clone(), T0), T0);
    assert_eq!(ev.len(), 3);
    // One immediate notification per channel; the other two wait for the digest.
    assert_eq!(channels(&e.take_staged()), ["slack", "terminal"]);
    e.observe(&edges(three.clone(), T0 + 100 * S), T0 + 100 * S);
    assert!(e.staged().is_empty());
    e.observe(&edges(three, T0 + 301 * S), T0 + 301 * S);
    let rows = e.take_staged();
    assert_eq!(channels(&rows), ["slack", "terminal"]);
    let d = payload(&rows[0]);
    assert_eq!(d.rule, "digest");
    assert_eq!(d.items.len(), 2);
    assert!(d.body().contains("new_edge"));
}

#[test]
fn quiet_hours_hold_everything_but_paging() {
    let mut cfg = config();
    cfg.alerts.quiet_hours = Some(QuietHours {
        start: "22:00".into(),
        end: "07:00".into(),
        allow_paging: true,
    });
    let mut e = engine(&cfg);
    // T0 is 22:13 UTC: inside quiet hours.
    for i in 0..5 {
        let t = T0 + i * 10 * S;
        e.observe(&source_snapshot(0.5, t), t);
    }
    let rows = e.take_staged();
    assert_eq!(channels(&rows), ["pagerduty", "slack", "terminal"]);
    let t = T0 + 40 * S;
    let seven_am = 1_700_031_600_000; // 2023-11-15 07:00 UTC
    for r in &rows {
        if r.channel == "pagerduty" {
            assert_eq!(r.next_attempt_ms, t, "paging goes out at once");
        } else {
            assert_eq!(r.next_attempt_ms, seven_am, "{} held to 07:00", r.channel);
        }
    }
}

#[test]
fn disabled_alerts_never_fire() {
    let mut cfg = config();
    cfg.alerts.enabled = false;
    let mut e = engine(&cfg);
    assert!(e.observe(&stale_snapshot(600.0, T0), T0).is_empty());
}

fn quote(
    book: &str,
    market: nflreadpy_betting::domain::MarketKind,
    selection: nflreadpy_betting::domain::Selection,
    line: Option<f64>,
    american: i64,
    t: i64,
) -> nflreadpy_betting::domain::Quote {
    nflreadpy_betting::domain::Quote {
        event_id: "ev1".into(),
        book: book.into(),
        market,
        scope: nflreadpy_betting::domain::Scope::Game,
        selection,
        line,
        american,
        observed_ms: t,
        source: "test".into(),
    }
}

#[test]
fn market_rules_fire_on_arbitrage_middle_steam_and_stale_lines_at_their_thresholds() {
    use nflreadpy_betting::domain::{MarketKind as M, Selection as Sel};
    use nflreadpy_betting::edges::arbitrage::find_arbitrage;
    use nflreadpy_betting::edges::middles::{Axis, Middle, MiddleLeg};
    use nflreadpy_betting::edges::steam::{detect_steam, SteamParams};
    let now = T0 + 1_300 * S;
    let board = [
        // A fresh +110/+110 moneyline arbitrage, and a 3% total arbitrage whose leg is old.
        quote("a", M::Moneyline, Sel::Home, None, 110, now - 5 * S),
        quote("b", M::Moneyline, Sel::Away, None, 110, now - 5 * S),
        quote("a", M::Total, Sel::Over, Some(44.5), 106, now - 600 * S),
        quote("b", M::Total, Sel::Under, Some(44.5), 106, now - 5 * S),
    ];
    let latest: Vec<_> = board.iter().collect();
    let mut snap = Snapshot {
        taken_ms: now,
        ..Default::default()
    };
    snap.market.arbitrage = find_arbitrage(&latest, now, 120.0);
    assert_eq!(snap.market.arbitrage.len(), 2);
    let leg = |book: &str, selection, line| MiddleLeg {
        book: book.into(),
        market: M::Spread,
        selection,
        line,
        american: -110,
        stake_share: 0.5,
    };
    snap.market.middles = vec![Middle {
        event_id: "ev1".into(),
        scope: nflreadpy_betting::domain::Scope::Game,
        axis: Axis::Margin,
        low: leg("a", Sel::Home, -2.5),
        high: leg("b", Sel::Away, 3.5),
        width: 1.0,
        middle_prob: 0.09,
        push_prob: 0.0,
        ev: 0.04,
    }];
    // Pinnacle steams home -3 to -3.5 at t0; draftkings follows at +40 s; bovada never does.
    let mut path = Vec::new();
    for t in (900..=1300).step_by(10) {
        let t_ms = T0 + t * S;
        let l = |at: i64| if t >= at { -3.5 } else { -3.0 };
        path.push(quote(
            "pinnacle",
            M::Spread,
            Sel::Home,
            Some(l(1000)),
            -105,
            t_ms,
        ));
        path.push(quote(
            "draftkings",
            M::Spread,
            Sel::Home,
            Some(l(1040)),
            -110,
            t_ms,
        ));
        path.push(quote(
            "bovada",
            M::Spread,
            Sel::Home,
            Some(-3.0),
            -110,
            t_ms,
        ));
    }
    let origin = vec!["pinnacle".to_string()];
    let report = detect_steam(
        &path,
        &SteamParams {
            originators: &origin,
            min_prob: 0.015,
            min_points: 0.5,
            window_ms: 60_000,
            lookback_ms: 3_600_000,
        },
        now,
    );
    snap.market.steam = report.events;
    // The same game's first half moved too, with nobody behind it: still one steam alert for
    // the game, naming its strongest move and counting the rest.
    let mut echo = snap.market.steam[0].clone();
    echo.scope = nflreadpy_betting::domain::Scope::H1;
    echo.followers.clear();
    snap.market.steam.push(echo);
    snap.market.stale = report.stale;
    assert_eq!(snap.market.stale.len(), 1);
    snap.market.stale[0].ev = Some(0.04);

    let mut cfg = config();
    cfg.alerts.rules.middle_min_ev = 0.05;
    let mut e = engine(&cfg);
    let ev = e.observe(&snap, now);
    let arbs: Vec<_> = ev
        .iter()
        .filter(|x| x.kind == EventKind::Fired && x.alert.rule == "arbitrage")
        .collect();
    assert_eq!(
        arbs.len(),
        1,
        "the stale-legged arbitrage never alerts: {ev:#?}"
    );
    assert!(
        arbs[0].alert.message.contains("+5.00%"),
        "{}",
        arbs[0].alert.message
    );
    assert!(
        fired(&ev, "middle").is_none(),
        "4% EV is under the 5% threshold"
    );
    let steam = fired(&ev, "steam").expect("steam alert");
    assert_eq!(
        ev.iter()
            .filter(|x| x.kind == EventKind::Fired && x.alert.rule == "steam")
            .count(),
        1
    );
    assert!(
        steam.alert.message.contains("draftkings +40s")
            && steam.alert.message.contains("spread game")
            && steam.alert.message.contains("(2 steam moves on this game)"),
        "{}",
        steam.alert.message
    );
    let stale = fired(&ev, "stale_line").expect("stale line alert");
    assert!(
        stale.alert.message.contains("bovada"),
        "{}",
        stale.alert.message
    );

    // Lower the middle threshold and the middle fires; the arbitrage gone, it resolves.
    // A second, weaker window on the same game and axis (an alternate rung) adds no alert: the
    // rule speaks once per game, for its best pair.
    let mut weaker = snap.market.middles[0].clone();
    weaker.high = leg("c", Sel::Away, 4.5);
    weaker.ev = 0.03;
    snap.market.middles.push(weaker);
    cfg.alerts.rules.middle_min_ev = 0.02;
    let mut e = engine(&cfg);
    let ev = e.observe(&snap, now);
    let middles: Vec<_> = ev
        .iter()
        .filter(|x| x.kind == EventKind::Fired && x.alert.rule == "middle")
        .collect();
    assert_eq!(middles.len(), 1, "{middles:#?}");
    assert!(
        middles[0]
            .alert
            .message
            .contains("a home -2.5 / b away +3.5")
            && middles[0].alert.message.contains("EV +4.00%"),
        "{}",
        middles[0].alert.message
    );
    snap.market.arbitrage.clear();
    assert!(resolved(&e.observe(&snap, now + S), "arbitrage").is_some());
}

/// An outright price past `analytics.futures.min_ev` fires once with its lock-up in the message,
/// and resolves when the price goes; one under the floor never fires.
#[test]
fn futures_edges_fire_above_the_floor_and_resolve_when_gone() {
    use nflreadpy_betting::alerts::rules::RuleEngine;
    use nflreadpy_betting::domain::outright::{OutrightMarket, OutrightSide};
    use nflreadpy_betting::edges::futures::FutureEdge;
    use nflreadpy_betting::snapshot::FuturesView;
    let edge = |team: &str, ev: f64| FutureEdge {
        season: 2024,
        book: "circa".into(),
        market: OutrightMarket::SuperBowl,
        team: team.into(),
        side: OutrightSide::Win,
        line: None,
        american: 450,
        decimal: 5.5,
        model_prob: (1.0 + ev) / 5.5,
        push_prob: 0.0,
        book_fair_prob: None,
        consensus_prob: None,
        ev,
        stake_fraction: if ev > 0.0 { 0.01 } else { 0.0 },
        days_to_settle: 100.0,
        ev_per_year: ev * 3.65,
        observed_ms: 0,
    };
    let mut snap = Snapshot {
        futures: FuturesView {
            min_ev: 0.05,
            edges: vec![edge("KC", 0.12), edge("DET", 0.02)],
            ..FuturesView::default()
        },
        ..Snapshot::default()
    };
    let rules = nflreadpy_betting::config::AlertRules::default();
    let extra = nflreadpy_betting::metrics::Extra::default();
    let mut engine = RuleEngine::new(rules.clone());
    let obs = Observation::from_snapshot(&snap, &extra, &rules, 10.0, 1_000);
    let holds = engine.evaluate(&obs);
    let futures: Vec<_> = holds
        .values()
        .filter(|c| c.rule.as_str() == "futures_edge")
        .collect();
    assert_eq!(futures.len(), 1, "{holds:?}");
    assert!(futures[0]
        .message
        .contains("KC super_bowl win @ circa +450"));
    assert!(futures[0]
        .message
        .contains("EV +12.0%, settles in 100 days"));
    snap.futures.edges.clear();
    let obs = Observation::from_snapshot(&snap, &extra, &rules, 10.0, 2_000);
    assert!(engine
        .evaluate(&obs)
        .values()
        .all(|c| c.rule.as_str() != "futures_edge"));
}
