//! Pure rule evaluation: an `Observation` (derived from a `Snapshot` at an explicit `now_ms`) in,
//! the set of conditions that hold now out. Counting rules ("five consecutive intervals") keep
//! their counters here; no clock, IO or randomness, so tests drive them with a controlled clock.
//!
//! The engine diffs successive condition sets: a new condition fires, a vanished one resolves.

use super::Severity;
use crate::config::AlertRules;
use crate::ingest::health::FreshnessRow;
use crate::metrics::Extra;
use crate::snapshot::{SimulationRun, Snapshot};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    IngestionStalled,
    ScraperFailureBurst,
    AnalyticsBacklog,
    DashboardStale,
    AlertDeliveryFailure,
    NewEdge,
    LineMovement,
    PricingCheck,
    Arbitrage,
    Middle,
    Steam,
    StaleLine,
    FuturesEdge,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::IngestionStalled,
        Rule::ScraperFailureBurst,
        Rule::AnalyticsBacklog,
        Rule::DashboardStale,
        Rule::AlertDeliveryFailure,
        Rule::NewEdge,
        Rule::LineMovement,
        Rule::PricingCheck,
        Rule::Arbitrage,
        Rule::Middle,
        Rule::Steam,
        Rule::StaleLine,
        Rule::FuturesEdge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::IngestionStalled => "ingestion_stalled",
            Rule::ScraperFailureBurst => "scraper_failure_burst",
            Rule::AnalyticsBacklog => "analytics_backlog",
            Rule::DashboardStale => "dashboard_stale",
            Rule::AlertDeliveryFailure => "alert_delivery_failure",
            Rule::NewEdge => "new_edge",
            Rule::LineMovement => "line_movement",
            Rule::PricingCheck => "pricing_check",
            Rule::Arbitrage => "arbitrage",
            Rule::Middle => "middle",
            Rule::Steam => "steam",
            Rule::StaleLine => "stale_line",
            Rule::FuturesEdge => "futures_edge",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Rule::IngestionStalled => "Ingestion stalled",
            Rule::ScraperFailureBurst => "Scraper failure burst",
            Rule::AnalyticsBacklog => "Analytics backlog",
            Rule::DashboardStale => "Dashboard stale",
            Rule::AlertDeliveryFailure => "Alert delivery failure",
            Rule::NewEdge => "New edge",
            Rule::LineMovement => "Large line movement",
            Rule::PricingCheck => "Pricing check failed",
            Rule::Arbitrage => "Arbitrage",
            Rule::Middle => "Middle",
            Rule::Steam => "Steam move",
            Rule::StaleLine => "Stale line",
            Rule::FuturesEdge => "Futures edge",
        }
    }

    /// Accepts `ingestion_stalled`, `ingestion-stalled` or `Ingestion stalled`.
    pub fn parse(s: &str) -> Option<Rule> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Rule::ALL.into_iter().find(|r| r.as_str() == norm)
    }

    pub fn names() -> String {
        Rule::ALL.map(Rule::as_str).join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceObs {
    pub name: String,
    pub success_rate: f64,
    pub last_poll_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelObs {
    pub channel: String,
    pub consecutive_errors: u32,
    pub last_delivery_ms: Option<i64>,
    pub oldest_pending_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeObs {
    pub key: String,
    pub label: String,
    pub ev: f64,
    pub movement_points: Option<f64>,
}

/// One cross-book finding as the rules see it: its dedup key, words, the figure compared with
/// the threshold (return, EV, followers) and whether it may alert at all (a stale arbitrage leg
/// may not).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarketFinding {
    pub instance: String,
    pub message: String,
    pub value: f64,
    pub alertable: bool,
}

/// Each game's steam move with the most followers (the latest on a tie), with how many moves
/// the game had, in event order.
fn strongest_steam_per_game(
    steam: &[crate::edges::steam::SteamEvent],
) -> Vec<(&crate::edges::steam::SteamEvent, usize)> {
    let mut best: std::collections::BTreeMap<&str, (&crate::edges::steam::SteamEvent, usize)> =
        std::collections::BTreeMap::new();
    for e in steam {
        let entry = best.entry(e.event_id.as_str()).or_insert((e, 0));
        entry.1 += 1;
        let (b, _) = *entry;
        if (e.followers.len(), e.at_ms) > (b.followers.len(), b.at_ms) {
            entry.0 = e;
        }
    }
    best.into_values().collect()
}

/// A middle leg's line as a desk reads it: signed for spreads (-2.5, +3.5), bare for totals
/// (over 44), where a sign would read as a price.
fn middle_line(axis: crate::edges::middles::Axis, line: f64) -> String {
    if axis == crate::edges::middles::Axis::Margin {
        format!("{line:+}")
    } else {
        format!("{line}")
    }
}

/// The best-EV middle of each game, in event order.
fn best_middle_per_game(
    middles: &[crate::edges::middles::Middle],
) -> Vec<&crate::edges::middles::Middle> {
    let mut best: std::collections::BTreeMap<_, &crate::edges::middles::Middle> =
        std::collections::BTreeMap::new();
    for x in middles {
        let key = x.event_id.as_str();
        match best.get(key) {
            Some(b) if b.ev >= x.ev => {}
            _ => {
                best.insert(key, x);
            }
        }
    }
    best.into_values().collect()
}

/// The cross-book views of the snapshot, reduced to what the market rules compare.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MarketObs {
    pub arbitrage: Vec<MarketFinding>,
    pub middles: Vec<MarketFinding>,
    pub steam: Vec<MarketFinding>,
    pub stale_lines: Vec<MarketFinding>,
}

impl MarketObs {
    pub fn from_intel(m: &crate::edges::MarketIntel) -> MarketObs {
        let line = |l: Option<f64>| l.map(|l| format!(" {l:+}")).unwrap_or_default();
        MarketObs {
            arbitrage: m
                .arbitrage
                .iter()
                .map(|a| {
                    let books: Vec<String> = a
                        .legs
                        .iter()
                        .map(|l| {
                            format!(
                                "{} {}{} {:+}",
                                l.book,
                                l.selection,
                                line(l.line),
                                l.american
                            )
                        })
                        .collect();
                    MarketFinding {
                        instance: format!(
                            "arbitrage|{}|{}|{}|{}|{}",
                            a.event_id,
                            a.market,
                            a.scope,
                            line(a.line).trim(),
                            a.legs
                                .iter()
                                .map(|l| l.book.as_str())
                                .collect::<Vec<_>>()
                                .join("+")
                        ),
                        message: format!(
                            "{} {} {}: {:+.2}% guaranteed ({})",
                            a.event_id,
                            a.market,
                            a.scope,
                            a.ret * 100.0,
                            books.join(" / ")
                        ),
                        value: a.ret,
                        alertable: !a.stale,
                    }
                })
                .collect(),
            // One middle alert per game (its best pair): the alternate ladders make dozens of
            // overlapping windows on one game in every scope, and one alert each buried the
            // on-call in the replay's first second (228 firing); the Markets overlay lists them all.
            middles: best_middle_per_game(&m.middles)
                .into_iter()
                .map(|x| MarketFinding {
                    instance: format!("middle|{}", x.event_id),
                    message: format!(
                        "{} {}: {} {} {} / {} {} {}, middle {:.1}%, EV {:+.2}%",
                        x.event_id,
                        x.scope,
                        x.low.book,
                        x.low.selection,
                        middle_line(x.axis, x.low.line),
                        x.high.book,
                        x.high.selection,
                        middle_line(x.axis, x.high.line),
                        x.middle_prob * 100.0,
                        x.ev * 100.0
                    ),
                    value: x.ev,
                    alertable: true,
                })
                .collect(),
            // One steam alert per game (its move with the most followers, latest on a tie):
            // markets drift to the close in every scope, and one alert per move filled the
            // pane with a hundred info rows on the replay's first minute.
            steam: strongest_steam_per_game(&m.steam)
                .into_iter()
                .map(|(e, moves)| MarketFinding {
                    instance: format!("steam|{}", e.event_id),
                    message: format!(
                        "{} {} {} {}: {} moved{} {:+} to{} {:+}; followed by {}{}",
                        e.event_id,
                        e.market,
                        e.scope,
                        e.selection,
                        e.originator,
                        line(e.from.line),
                        e.from.american,
                        line(e.to.line),
                        e.to.american,
                        if e.followers.is_empty() {
                            "nobody yet".to_string()
                        } else {
                            e.followers
                                .iter()
                                .map(|f| format!("{} +{:.0}s", f.book, f.lag_seconds))
                                .collect::<Vec<_>>()
                                .join(", ")
                        },
                        if moves > 1 {
                            format!(" ({} steam moves on this game)", moves)
                        } else {
                            String::new()
                        }
                    ),
                    value: e.followers.len() as f64,
                    alertable: true,
                })
                .collect(),
            stale_lines: m
                .stale
                .iter()
                .filter_map(|s| {
                    Some(MarketFinding {
                        instance: format!(
                            "stale_line|{}|{}|{}|{}|{}|{}",
                            s.event_id, s.market, s.scope, s.selection, s.book, s.steam_at_ms
                        ),
                        message: format!(
                            "{} {} {} {}{} {:+} at {} is stale: {} moved to{} {:+}; EV {:+.2}%",
                            s.event_id,
                            s.market,
                            s.scope,
                            s.selection,
                            line(s.price.line),
                            s.price.american,
                            s.book,
                            s.originator,
                            line(s.originator_price.line),
                            s.originator_price.american,
                            s.ev? * 100.0
                        ),
                        value: s.ev?,
                        alertable: true,
                    })
                })
                .collect(),
        }
    }
}

/// Everything the rules look at, at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    pub now_ms: i64,
    pub freshness: Vec<FreshnessRow>,
    pub stalled_after_seconds: f64,
    /// The ingestion cadence (poll interval), seconds: the dashboard's render budget.
    pub cadence_seconds: f64,
    pub sources: Vec<SourceObs>,
    pub simulations: Vec<SimulationRun>,
    pub render_latency_seconds: Option<f64>,
    pub health_check_ok: Option<bool>,
    pub edges: Vec<EdgeObs>,
    pub channels: Vec<ChannelObs>,
    pub market: MarketObs,
    /// Outright prices at or above the futures EV floor (`analytics.futures.min_ev`).
    pub futures: Vec<FutureObs>,
}

/// One outright edge as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FutureObs {
    pub instance: String,
    pub label: String,
    pub ev: f64,
    pub days_to_settle: f64,
}

impl FutureObs {
    /// The outright edges of a snapshot that pass the futures rules.
    fn of(snap: &Snapshot) -> Vec<FutureObs> {
        let f = &snap.futures;
        f.edges
            .iter()
            .filter(|e| e.is_edge(f.min_ev))
            .map(|e| {
                let line = e.line.map(|l| format!(" {l}")).unwrap_or_default();
                FutureObs {
                    instance: format!(
                        "futures_edge|{}|{}|{}|{}|{}{line}",
                        e.season, e.book, e.market, e.team, e.side
                    ),
                    label: format!(
                        "{} {} {}{line} @ {} {:+}",
                        e.team, e.market, e.side, e.book, e.american
                    ),
                    ev: e.ev,
                    days_to_settle: e.days_to_settle,
                }
            })
            .collect()
    }
}

impl Observation {
    /// Derives the observation from a snapshot and what the front end and dispatcher report.
    /// `stalled_after_seconds` falls back to `stalled_freshness_multiple` x cadence when the
    /// snapshot does not carry it.
    pub fn from_snapshot(
        snap: &Snapshot,
        extra: &Extra,
        rules: &AlertRules,
        cadence_seconds: f64,
        now_ms: i64,
    ) -> Observation {
        let stalled = if snap.ingest.stalled_after_seconds > 0.0 {
            snap.ingest.stalled_after_seconds
        } else {
            rules.stalled_freshness_multiple * cadence_seconds
        };
        // Freshness ages are relative to when the snapshot was taken; age them to `now_ms`.
        let lag = if snap.taken_ms > 0 {
            ((now_ms - snap.taken_ms).max(0)) as f64 / 1000.0
        } else {
            0.0
        };
        Observation {
            now_ms,
            freshness: snap
                .ingest
                .freshness
                .iter()
                .map(|f| FreshnessRow {
                    age_seconds: f.age_seconds + lag,
                    ..f.clone()
                })
                .collect(),
            stalled_after_seconds: stalled,
            cadence_seconds,
            sources: snap
                .ingest
                .sources
                .iter()
                .map(|s| SourceObs {
                    name: s.name.clone(),
                    success_rate: s.success_rate,
                    last_poll_ms: s.last_poll_ms,
                })
                .collect(),
            simulations: snap.simulations.clone(),
            render_latency_seconds: extra.render_latency_seconds,
            health_check_ok: extra.health_check_ok,
            edges: snap
                .edges
                .iter()
                .map(|e| EdgeObs {
                    key: e.key.clone(),
                    label: format!(
                        "{} {} {}{} @ {} {:+}",
                        e.event,
                        e.market,
                        e.selection,
                        e.line.map(|l| format!(" {l:+}")).unwrap_or_default(),
                        e.book,
                        e.american
                    ),
                    ev: e.ev,
                    movement_points: e.movement_points,
                })
                .collect(),
            channels: extra
                .channels
                .iter()
                .map(|c| ChannelObs {
                    channel: c.channel.clone(),
                    consecutive_errors: c.consecutive_errors,
                    last_delivery_ms: c.last_delivery_ms,
                    oldest_pending_ms: c.oldest_pending_ms,
                })
                .collect(),
            market: MarketObs::from_intel(&snap.market),
            futures: FutureObs::of(snap),
        }
    }
}

/// A condition that holds now. `instance` is the dedup key: one alert per instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Condition {
    pub rule: Rule,
    pub instance: String,
    pub severity: Severity,
    pub message: String,
    /// A channel that must not carry this alert (a delivery failure is not sent down the
    /// channel that is failing).
    pub skip_channel: Option<String>,
}

/// Rule state between observations (the consecutive counters).
#[derive(Debug, Clone, Default)]
pub struct RuleEngine {
    pub thresholds: AlertRules,
    /// Per source: the last poll counted and how many consecutive polls were under the rate.
    burst: BTreeMap<String, (Option<i64>, u32)>,
    /// Consecutive dashboard checks over budget or failing.
    dashboard_bad: u32,
}

impl RuleEngine {
    pub fn new(thresholds: AlertRules) -> RuleEngine {
        RuleEngine {
            thresholds,
            ..Default::default()
        }
    }

    /// Dashboard checks in a row over budget or failing, as of the latest evaluation.
    pub fn dashboard_stale_checks(&self) -> u32 {
        self.dashboard_bad
    }

    /// The conditions that hold at `obs.now_ms`, keyed by instance.
    pub fn evaluate(&mut self, obs: &Observation) -> BTreeMap<String, Condition> {
        let t = self.thresholds.clone();
        let mut out = BTreeMap::new();
        let mut add = |c: Condition| {
            out.insert(c.instance.clone(), c);
        };

        // Ingestion stalled: any (book, market group) older than the stalled threshold.
        if obs.stalled_after_seconds > 0.0 {
            for f in &obs.freshness {
                if f.age_seconds > obs.stalled_after_seconds {
                    add(Condition {
                        rule: Rule::IngestionStalled,
                        instance: format!("ingestion_stalled|{}|{}", f.book, f.market_group),
                        severity: Severity::Warning,
                        message: format!(
                            "{} {} quotes are {:.0}s old (limit {:.0}s = {}x the poll interval)",
                            f.book,
                            f.market_group,
                            f.age_seconds,
                            obs.stalled_after_seconds,
                            t.stalled_freshness_multiple
                        ),
                        skip_channel: None,
                    });
                }
            }
        }

        // Scraper failure burst: success rate under the floor on N consecutive polls. A poll is
        // counted once (by its timestamp), however often the snapshot is observed.
        let live: BTreeSet<&str> = obs.sources.iter().map(|s| s.name.as_str()).collect();
        self.burst.retain(|k, _| live.contains(k.as_str()));
        for s in &obs.sources {
            let slot = self.burst.entry(s.name.clone()).or_insert((None, 0));
            if s.last_poll_ms.is_some() && s.last_poll_ms != slot.0 {
                slot.0 = s.last_poll_ms;
                let judge = crate::health::Judge::new(t.failure_burst_success_rate, 0.0);
                if judge.success(s.success_rate) == crate::health::Level::Failing {
                    slot.1 += 1;
                } else {
                    slot.1 = 0;
                }
            }
            if slot.1 >= t.failure_burst_intervals.max(1) {
                add(Condition {
                    rule: Rule::ScraperFailureBurst,
                    instance: format!("scraper_failure_burst|{}", s.name),
                    severity: Severity::Critical,
                    message: format!(
                        "source {}: success rate {:.0}% under {:.0}% for {} consecutive polls",
                        s.name,
                        s.success_rate * 100.0,
                        t.failure_burst_success_rate * 100.0,
                        slot.1
                    ),
                    skip_channel: None,
                });
            }
        }

        // Analytics backlog: the latest N runs all over their latency target.
        let n = t.backlog_runs.max(1) as usize;
        let mut runs: Vec<&SimulationRun> = obs.simulations.iter().collect();
        runs.sort_by_key(|r| r.started_ms);
        if runs.len() >= n {
            let tail = &runs[runs.len() - n..];
            if tail
                .iter()
                .all(|r| r.target_ms > 0.0 && r.latency_ms > r.target_ms)
            {
                let last = tail[n - 1];
                add(Condition {
                    rule: Rule::AnalyticsBacklog,
                    instance: "analytics_backlog".into(),
                    severity: Severity::Warning,
                    message: format!(
                        "the last {n} simulation runs breached their latency target (latest {:.1}s vs {:.1}s for {} iterations); lower analytics.iterations or add CPU",
                        last.latency_ms / 1000.0,
                        last.target_ms / 1000.0,
                        last.iterations
                    ),
                    skip_channel: None,
                });
            }
        }

        // Pricing check: the latest run's Monte Carlo sample disagrees with the exact prices it
        // was drawn from by more than the limit (4 SE, widened for the number of markets
        // checked). Not chance at that level: the grid and its prices disagree.
        if let Some(last) = obs.simulations.iter().max_by_key(|r| r.started_ms) {
            let limit = last
                .check_limit
                .max(crate::pricing::montecarlo::CHECK_Z_LIMIT);
            if let Some(z) = last.max_abs_z.filter(|z| *z > limit || z.is_nan()) {
                add(Condition {
                    rule: Rule::PricingCheck,
                    instance: "pricing_check".into(),
                    severity: Severity::Critical,
                    message: format!(
                        "Monte Carlo check of the exact prices: |z| {z:.1} at {} (limit {limit:.1} over {} markets); prices may be wrong, stop trusting edges until it clears",
                        last.check_worst,
                        last.check_markets
                    ),
                    skip_channel: None,
                });
            }
        }

        // Dashboard stale: render slower than the ingestion cadence, or failing health checks,
        // for N consecutive checks.
        let slow = obs
            .render_latency_seconds
            .map(|r| obs.cadence_seconds > 0.0 && r > obs.cadence_seconds);
        let failing = obs.health_check_ok.map(|ok| !ok);
        match (slow, failing) {
            (None, None) => {}
            (a, b) if a == Some(true) || b == Some(true) => self.dashboard_bad += 1,
            _ => self.dashboard_bad = 0,
        }
        if self.dashboard_bad >= t.dashboard_stale_checks.max(1) {
            let why = if slow == Some(true) {
                format!(
                    "render latency {:.2}s exceeds the ingestion cadence {:.2}s",
                    obs.render_latency_seconds.unwrap_or_default(),
                    obs.cadence_seconds
                )
            } else {
                "dashboard health checks are failing".to_string()
            };
            add(Condition {
                rule: Rule::DashboardStale,
                instance: "dashboard_stale".into(),
                severity: Severity::Warning,
                message: format!("{why} ({} checks in a row)", self.dashboard_bad),
                skip_channel: None,
            });
        }

        // Alert delivery failure, per channel: repeated errors, or undelivered notifications
        // older than the silence window with no delivery in that window.
        let silence_ms = (t.delivery_silence_hours * 3_600_000.0) as i64;
        for c in &obs.channels {
            if t.delivery_error_burst > 0 && c.consecutive_errors >= t.delivery_error_burst {
                add(Condition {
                    rule: Rule::AlertDeliveryFailure,
                    instance: format!("alert_delivery_failure|{}|errors", c.channel),
                    severity: Severity::Warning,
                    message: format!(
                        "channel {}: {} delivery attempts failed in a row; notifications are queued in the outbox",
                        c.channel, c.consecutive_errors
                    ),
                    skip_channel: Some(c.channel.clone()),
                });
            }
            let quiet_since = c.last_delivery_ms.map(|d| obs.now_ms - d);
            if let Some(oldest) = c.oldest_pending_ms {
                let waiting = obs.now_ms - oldest;
                if silence_ms > 0
                    && waiting >= silence_ms
                    && quiet_since.is_none_or(|q| q >= silence_ms)
                {
                    add(Condition {
                        rule: Rule::AlertDeliveryFailure,
                        instance: format!("alert_delivery_failure|{}|silence", c.channel),
                        severity: Severity::Warning,
                        message: format!(
                            "channel {}: nothing delivered for {:.1}h while alerts wait in the outbox",
                            c.channel,
                            quiet_since.unwrap_or(waiting) as f64 / 3_600_000.0
                        ),
                        skip_channel: Some(c.channel.clone()),
                    });
                }
            }
        }

        // New edge above the alert EV, and large line movement on a priced selection.
        for e in &obs.edges {
            if e.ev >= t.new_edge_min_ev {
                add(Condition {
                    rule: Rule::NewEdge,
                    instance: format!("new_edge|{}", e.key),
                    severity: Severity::Info,
                    message: format!("{} EV {:+.1}%", e.label, e.ev * 100.0),
                    skip_channel: None,
                });
            }
            if let Some(m) = e.movement_points {
                if t.line_movement_points > 0.0 && m.abs() >= t.line_movement_points {
                    add(Condition {
                        rule: Rule::LineMovement,
                        instance: format!("line_movement|{}", e.key),
                        severity: Severity::Info,
                        message: format!("{} moved {m:+.1} points", e.label),
                        skip_channel: None,
                    });
                }
            }
        }
        // Cross-book findings at their thresholds; a stale arbitrage leg never alerts.
        let m = &obs.market;
        let rules = [
            (
                Rule::Arbitrage,
                &m.arbitrage,
                t.arbitrage_min_return,
                Severity::Warning,
            ),
            (Rule::Middle, &m.middles, t.middle_min_ev, Severity::Info),
            (
                Rule::Steam,
                &m.steam,
                f64::from(t.steam_min_followers),
                Severity::Info,
            ),
            (
                Rule::StaleLine,
                &m.stale_lines,
                t.stale_line_min_ev,
                Severity::Info,
            ),
        ];
        for (rule, findings, min, severity) in rules {
            for f in findings.iter().filter(|f| f.alertable && f.value >= min) {
                add(Condition {
                    rule,
                    instance: f.instance.clone(),
                    severity,
                    message: f.message.clone(),
                    skip_channel: None,
                });
            }
        }
        // Outright prices past the futures floor; the lock-up is in the message.
        for f in &obs.futures {
            add(Condition {
                rule: Rule::FuturesEdge,
                instance: f.instance.clone(),
                severity: Severity::Info,
                message: format!(
                    "{} EV {:+.1}%, settles in {:.0} days",
                    f.label,
                    f.ev * 100.0,
                    f.days_to_settle
                ),
                skip_channel: None,
            });
        }
        out
    }
}
