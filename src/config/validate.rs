//! Checks the merged tree against the schema and the guide's bounds, collecting every problem
//! rather than stopping at the first.

use super::layers::{key_string, Merged};
use super::path::{KeyPath, Seg};
use super::schema::{ChannelConfig, Config, SourceConfig};
use super::suggest::closest;
use super::{Issue, Severity};
use serde_yaml::Value;

/// Paths whose mappings take free-form keys.
const FREE_MAPS: [&str; 1] = ["headers"];

pub fn check_shape(m: &Merged) -> Vec<Issue> {
    let template = serde_yaml::to_value(Config::default()).unwrap_or(Value::Null);
    let mut out = Vec::new();
    shape(m, &m.value, &template, &KeyPath::root(), &mut out);
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn shape(m: &Merged, v: &Value, t: &Value, path: &KeyPath, out: &mut Vec<Issue>) {
    match (v, t) {
        (Value::Mapping(vm), Value::Mapping(tm)) => {
            let free = FREE_MAPS
                .iter()
                .any(|f| path.to_string() == *f || path.last_key() == Some(f));
            if free {
                return;
            }
            for (k, child) in vm {
                let key = key_string(k);
                let cpath = path.key(&key);
                match tm.get(k) {
                    Some(tchild) => shape(m, child, tchild, &cpath, out),
                    None => {
                        let known: Vec<String> = tm.keys().map(key_string).collect();
                        let hint = closest(&key, known.iter().map(|s| s.as_str()))
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_else(|| format!("; known keys here: {}", known.join(", ")));
                        out.push(m.issue(
                            Severity::Error,
                            &cpath,
                            format!("unknown key `{key}`{hint}"),
                        ));
                    }
                }
            }
        }
        (Value::Sequence(vs), Value::Sequence(_)) if is_tagged_list(path) => {
            for (i, entry) in vs.iter().enumerate() {
                tagged_entry(m, entry, &path.index(i), out);
            }
        }
        (Value::Sequence(vs), Value::Sequence(ts)) => {
            if let Some(t0) = ts.first() {
                for (i, entry) in vs.iter().enumerate() {
                    shape(m, entry, t0, &path.index(i), out);
                }
            }
        }
        (_, Value::Null) => {} // optional key: the typed pass checks it
        (Value::Null, _) if !t.is_mapping() && !t.is_sequence() => {
            out.push(m.issue(
                Severity::Error,
                path,
                format!("expected {}, got null (this key cannot be empty)", kind(t)),
            ));
        }
        (Value::Number(n), Value::Number(tn)) => {
            if !tn.is_f64() && n.is_f64() {
                out.push(m.issue(
                    Severity::Error,
                    path,
                    format!("expected an integer, got {n}"),
                ));
            } else if !tn.is_f64() && n.as_i64().is_some_and(|x| x < 0) && tn.as_u64().is_some() {
                out.push(m.issue(
                    Severity::Error,
                    path,
                    format!("expected a non-negative integer, got {n}"),
                ));
            }
        }
        (Value::String(_), Value::String(_)) | (Value::Bool(_), Value::Bool(_)) => {}
        (v, t) => {
            // Never echo strings: they may be secrets.
            out.push(m.issue(
                Severity::Error,
                path,
                format!("expected {}, got {}", kind(t), kind(v)),
            ));
        }
    }
}

fn is_tagged_list(path: &KeyPath) -> bool {
    let s = path.to_string();
    s == "sources" || s == "alerts.channels"
}

fn tagged_entry(m: &Merged, entry: &Value, path: &KeyPath, out: &mut Vec<Issue>) {
    let is_source = matches!(path.0.first(), Some(Seg::Key(k)) if k == "sources");
    let types: &[&str] = if is_source {
        &SourceConfig::TYPES
    } else {
        &ChannelConfig::TYPES
    };
    let Some(ty) = entry.get("type").and_then(|t| t.as_str()) else {
        out.push(m.issue(
            Severity::Error,
            path,
            format!("missing `type`: expected one of {}", types.join(", ")),
        ));
        return;
    };
    let template = if is_source {
        SourceConfig::template(ty).and_then(|t| serde_yaml::to_value(t).ok())
    } else {
        ChannelConfig::template(ty).and_then(|t| serde_yaml::to_value(t).ok())
    };
    match template {
        Some(t) => shape(m, entry, &t, path, out),
        None => {
            let hint = closest(ty, types.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            out.push(m.issue(
                Severity::Error,
                &path.key("type"),
                format!(
                    "unknown type `{ty}`: expected one of {}{hint}",
                    types.join(", ")
                ),
            ));
        }
    }
}

/// Typed deserialisation; reports the first error with its path when the shape pass missed it.
pub fn to_typed(m: &Merged) -> Result<Config, Issue> {
    serde_path_to_error::deserialize::<_, Config>(m.value.clone()).map_err(|e| {
        let path = KeyPath::parse(&e.path().to_string());
        let inner = e.into_inner().to_string();
        let inner = inner
            .split(" at line ")
            .next()
            .unwrap_or(&inner)
            .to_string();
        m.issue(Severity::Error, &path, inner)
    })
}

struct Checker<'a> {
    m: &'a Merged,
    out: Vec<Issue>,
}

impl Checker<'_> {
    fn err(&mut self, path: &str, msg: String) {
        let issue = self.m.issue(Severity::Error, &KeyPath::parse(path), msg);
        self.out.push(issue);
    }
    fn warn(&mut self, path: &str, msg: String) {
        let issue = self.m.issue(Severity::Warning, &KeyPath::parse(path), msg);
        self.out.push(issue);
    }
    /// lo < x <= hi style checks with a readable interval in the message.
    fn range(&mut self, path: &str, x: f64, lo: f64, lo_open: bool, hi: f64, hi_open: bool) {
        let ok_lo = if lo_open { x > lo } else { x >= lo };
        let ok_hi = if hi_open { x < hi } else { x <= hi };
        if !(x.is_finite() && ok_lo && ok_hi) {
            let l = if lo_open { "(" } else { "[" };
            let h = if hi_open { ")" } else { "]" };
            self.err(
                path,
                format!("expected a number in {l}{lo}, {hi}{h}, got {x}"),
            );
        }
    }
    fn positive(&mut self, path: &str, x: f64) {
        if !(x.is_finite() && x > 0.0) {
            self.err(path, format!("expected a number greater than 0, got {x}"));
        }
    }
    /// A positive number of seconds no longer than this setting's ceiling.
    fn seconds(&mut self, path: &str, x: f64, max: std::time::Duration) {
        if !(x.is_finite() && x > 0.0 && x <= max.as_secs_f64()) {
            self.err(
                path,
                format!(
                    "expected a number of seconds greater than 0 and at most {} ({}), got {x}",
                    max.as_secs_f64(),
                    crate::duration::human(max)
                ),
            );
        }
    }
    fn one_of(&mut self, path: &str, v: &str, allowed: &[&str]) {
        if !allowed.contains(&v) {
            let hint = closest(v, allowed.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            self.err(
                path,
                format!("expected one of {}, got {v:?}{hint}", allowed.join(", ")),
            );
        }
    }
    fn url(&mut self, path: &str, v: &str, required: bool) {
        if v.is_empty() {
            if required {
                self.err(path, "expected an http(s) URL, got an empty value".into());
            }
        } else if !(v.starts_with("http://") || v.starts_with("https://")) {
            self.err(
                path,
                "expected an http(s) URL starting with http:// or https://".into(),
            );
        }
    }
}

pub const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];

pub fn check_ranges(m: &Merged, c: &Config) -> Vec<Issue> {
    let mut k = Checker { m, out: Vec::new() };
    let shared_store = c
        .storage
        .url
        .as_deref()
        .is_some_and(|u| super::location::Location::parse(u).is_ok_and(|l| l.is_postgres()));
    // On a shared PostgreSQL store other processes may do the ingesting (an API or pricing host
    // beside ingest workers); on the embedded file nothing would ever arrive.
    if !c.sources.iter().any(|s| s.enabled()) && !shared_store {
        k.err(
            "sources",
            "no source is enabled: enable at least one (the `replay` source needs no network)"
                .into(),
        );
    }
    for (i, s) in c.sources.iter().enumerate() {
        let p = format!("sources[{i}]");
        if let Some(iv) = s.poll_interval_seconds() {
            k.seconds(
                &format!("{p}.poll_interval_seconds"),
                iv,
                crate::duration::MAX_BACKOFF,
            );
        }
        match s {
            SourceConfig::Replay(r) => {
                k.range(
                    &format!("{p}.time_compression"),
                    r.time_compression,
                    0.0,
                    true,
                    1e7,
                    false,
                );
                k.range(
                    &format!("{p}.market_hours"),
                    r.market_hours,
                    0.0,
                    true,
                    2000.0,
                    false,
                );
                if r.books.len() < 2 {
                    k.err(
                        &format!("{p}.books"),
                        "expected at least two books so prices can be compared".into(),
                    );
                }
                for (j, sc) in r.scopes.iter().enumerate() {
                    if sc.parse::<crate::domain::Scope>().is_err() {
                        k.one_of(
                            &format!("{p}.scopes[{j}]"),
                            sc,
                            &["game", "1h", "2h", "1q", "2q", "3q", "4q"],
                        );
                    }
                }
                if let Some(w) = r.week {
                    k.range(&format!("{p}.week"), w as f64, 1.0, false, 22.0, false);
                }
            }
            SourceConfig::TheOddsApi(o) => {
                k.url(&format!("{p}.base_url"), &o.base_url, true);
                k.one_of(
                    &format!("{p}.odds_format"),
                    &o.odds_format,
                    &["american", "decimal"],
                );
                for (j, mk) in o.markets.iter().enumerate() {
                    k.one_of(
                        &format!("{p}.markets[{j}]"),
                        mk,
                        &["h2h", "spreads", "totals"],
                    );
                }
                for (j, key) in o.outright_sports.iter().enumerate() {
                    if crate::domain::outright::OutrightMarket::of_sport_key(key).is_none() {
                        k.err(
                            &format!("{p}.outright_sports[{j}]"),
                            format!(
                                "expected an NFL outright sport key such as \
                                 americanfootball_nfl_super_bowl_winner, got {key:?}"
                            ),
                        );
                    }
                }
                k.range(
                    &format!("{p}.timeout_seconds"),
                    o.timeout_seconds,
                    0.0,
                    true,
                    300.0,
                    false,
                );
                if o.enabled && o.api_key.is_empty() {
                    k.err(
                        &format!("{p}.api_key"),
                        "expected an API key (write it as ${ODDS_API_KEY}), got an empty value"
                            .into(),
                    );
                }
            }
            SourceConfig::File(f) => {
                if f.directory.trim().is_empty() {
                    k.err(
                        &format!("{p}.directory"),
                        "expected a directory path".into(),
                    );
                }
            }
            SourceConfig::Pinnacle(pn) => {
                k.url(&format!("{p}.base_url"), &pn.base_url, true);
                k.range(
                    &format!("{p}.timeout_seconds"),
                    pn.timeout_seconds,
                    0.0,
                    true,
                    300.0,
                    false,
                );
            }
        }
    }

    if let Some(url) = &c.storage.url {
        if let Err(why) = crate::config::location::Location::parse(url) {
            k.err("storage.url", why);
        }
    }
    if c.storage.pool_size == 0 || c.storage.pool_size > 1000 {
        k.err(
            "storage.pool_size",
            format!(
                "expected between 1 and 1000 connections, got {}",
                c.storage.pool_size
            ),
        );
    }
    let ing = &c.ingestion;
    if ing.storage_path.trim().is_empty() {
        k.err(
            "ingestion.storage_path",
            "expected a SQLite file path, got an empty value".into(),
        );
    }
    k.seconds(
        "ingestion.stale_after_seconds",
        ing.stale_after_seconds,
        crate::duration::MAX_SILENCE,
    );
    k.seconds(
        "ingestion.freshness_target_seconds",
        ing.freshness_target_seconds,
        crate::duration::MAX_BACKOFF,
    );
    k.range(
        "ingestion.future_tolerance_seconds",
        ing.future_tolerance_seconds,
        0.0,
        false,
        86_400.0,
        false,
    );
    let s = &ing.scheduler;
    k.range(
        "ingestion.scheduler.interval_seconds",
        s.interval_seconds,
        0.0,
        false,
        86_400.0,
        false,
    );
    if s.interval_seconds > 0.0 && s.interval_seconds < 10.0 {
        k.warn(
            "ingestion.scheduler.interval_seconds",
            format!(
                "a poll interval of {}s is under 10s: upstream APIs may rate-limit you",
                s.interval_seconds
            ),
        );
    }
    k.range(
        "ingestion.scheduler.jitter_seconds",
        s.jitter_seconds,
        0.0,
        false,
        3600.0,
        false,
    );
    if s.interval_seconds > 0.0 && s.jitter_seconds >= s.interval_seconds {
        k.warn(
            "ingestion.scheduler.jitter_seconds",
            "jitter is as large as the interval: polls may bunch up".into(),
        );
    }
    k.range(
        "ingestion.scheduler.retries",
        s.retries as f64,
        0.0,
        false,
        20.0,
        false,
    );
    k.range(
        "ingestion.scheduler.retry_backoff",
        s.retry_backoff,
        1.0,
        false,
        10.0,
        false,
    );
    k.seconds(
        "ingestion.scheduler.max_backoff_seconds",
        s.max_backoff_seconds,
        crate::duration::MAX_BACKOFF,
    );
    k.range(
        "ingestion.scheduler.timeout_seconds",
        s.timeout_seconds,
        0.0,
        true,
        300.0,
        false,
    );
    k.range(
        "ingestion.circuit_breaker.failure_threshold",
        ing.circuit_breaker.failure_threshold as f64,
        1.0,
        false,
        1000.0,
        false,
    );
    k.seconds(
        "ingestion.circuit_breaker.open_seconds",
        ing.circuit_breaker.open_seconds,
        crate::duration::MAX_BACKOFF,
    );
    let pl = &ing.plausibility;
    k.range(
        "ingestion.plausibility.min_american",
        pl.min_american as f64,
        -100_000.0,
        false,
        -100.0,
        true,
    );
    k.range(
        "ingestion.plausibility.max_american",
        pl.max_american as f64,
        100.0,
        true,
        100_000.0,
        false,
    );
    k.range(
        "ingestion.plausibility.outlier_max_gap",
        pl.outlier_max_gap,
        0.0,
        true,
        1.0,
        true,
    );
    k.range(
        "ingestion.plausibility.outlier_min_books",
        pl.outlier_min_books as f64,
        1.0,
        false,
        100.0,
        false,
    );

    k.range(
        "storage.busy_timeout_ms",
        c.storage.busy_timeout_ms as f64,
        0.0,
        false,
        600_000.0,
        false,
    );
    k.range(
        "storage.max_batch_ops",
        c.storage.max_batch_ops as f64,
        1.0,
        false,
        100_000.0,
        false,
    );
    k.range(
        "storage.retention_interval_seconds",
        c.storage.retention_interval_seconds,
        0.1,
        false,
        86_400.0,
        false,
    );
    k.range(
        "storage.retention_days",
        c.storage.retention_days,
        0.0,
        true,
        36_500.0,
        false,
    );

    let a = &c.analytics;
    let pg = &a.periods.gate;
    k.range(
        "analytics.periods.gate.tolerance",
        pg.tolerance,
        0.0,
        true,
        0.5,
        false,
    );
    k.range(
        "analytics.periods.gate.min_ev",
        pg.min_ev,
        0.0,
        false,
        1.0,
        true,
    );
    k.range(
        "analytics.periods.gate.min_bucket",
        pg.min_bucket as f64,
        1.0,
        false,
        1e9,
        false,
    );
    k.range(
        "analytics.periods.gate.min_games",
        pg.min_games as f64,
        1.0,
        false,
        1e9,
        false,
    );
    if pg.enabled && pg.min_ev < a.value_threshold {
        k.warn(
            "analytics.periods.gate.min_ev",
            format!(
                "{} is below analytics.value_threshold ({}): a closed gate holds periods to nothing stricter",
                pg.min_ev, a.value_threshold
            ),
        );
    }
    k.range(
        "analytics.value_threshold",
        a.value_threshold,
        0.0,
        false,
        1.0,
        true,
    );
    if a.value_threshold > 0.0 && a.value_threshold < 0.01 {
        k.warn(
            "analytics.value_threshold",
            format!(
                "{} is under 1% EV: expect many marginal edges",
                a.value_threshold
            ),
        );
    }
    k.range(
        "analytics.kelly_fraction",
        a.kelly_fraction,
        0.0,
        true,
        1.0,
        false,
    );
    k.range(
        "analytics.max_bet_fraction",
        a.max_bet_fraction,
        0.0,
        true,
        1.0,
        false,
    );
    if a.max_bet_fraction > 0.25 {
        k.warn(
            "analytics.max_bet_fraction",
            "more than 25% of bankroll on one bet usually means the edge estimate is wrong".into(),
        );
    }
    k.range(
        "analytics.max_event_exposure",
        a.max_event_exposure,
        0.0,
        true,
        1.0,
        false,
    );
    k.range(
        "analytics.max_team_exposure",
        a.max_team_exposure,
        0.0,
        true,
        1.0,
        false,
    );
    let mk = &a.markets;
    k.range(
        "analytics.markets.arb_freshness_seconds",
        mk.arb_freshness_seconds,
        0.0,
        true,
        86_400.0,
        false,
    );
    k.range(
        "analytics.markets.middle_min_ev",
        mk.middle_min_ev,
        -1.0,
        false,
        10.0,
        false,
    );
    k.range(
        "analytics.markets.low_hold_max",
        mk.low_hold_max,
        -1.0,
        false,
        1.0,
        false,
    );
    for (i, b) in mk.originators.iter().enumerate() {
        if b.trim().is_empty() {
            k.err(
                &format!("analytics.markets.originators[{i}]"),
                "expected a book name, got an empty string".into(),
            );
        }
    }
    k.range(
        "analytics.markets.steam_min_prob",
        mk.steam_min_prob,
        0.0,
        true,
        1.0,
        true,
    );
    k.range(
        "analytics.markets.steam_min_points",
        mk.steam_min_points,
        0.0,
        true,
        100.0,
        false,
    );
    k.range(
        "analytics.markets.steam_window_seconds",
        mk.steam_window_seconds,
        0.0,
        true,
        86_400.0,
        false,
    );
    k.range(
        "analytics.markets.steam_lookback_seconds",
        mk.steam_lookback_seconds,
        0.0,
        true,
        2_592_000.0,
        false,
    );
    if mk.steam_lookback_seconds.is_finite()
        && mk.steam_window_seconds.is_finite()
        && mk.steam_lookback_seconds < mk.steam_window_seconds
    {
        k.err(
            "analytics.markets.steam_lookback_seconds",
            format!(
                "expected at least analytics.markets.steam_window_seconds ({}), got {}",
                mk.steam_window_seconds, mk.steam_lookback_seconds
            ),
        );
    }
    k.range(
        "analytics.markets.stale_min_ev",
        mk.stale_min_ev,
        -1.0,
        false,
        1.0,
        false,
    );
    k.range(
        "analytics.sharp_weight",
        a.sharp_weight,
        0.0,
        false,
        100.0,
        false,
    );
    for (name, w) in [
        ("moneyline", a.model_weight.moneyline),
        ("spread", a.model_weight.spread),
        ("total", a.model_weight.total),
    ] {
        k.range(
            &format!("analytics.model_weight.{name}"),
            w,
            0.0,
            false,
            1.0,
            false,
        );
    }
    k.range(
        "analytics.history_limit",
        a.history_limit as f64,
        1.0,
        false,
        1e6,
        false,
    );
    k.range(
        "analytics.threads",
        a.threads as f64,
        0.0,
        false,
        1024.0,
        false,
    );
    k.seconds(
        "analytics.simulation_latency_target_seconds",
        a.simulation_latency_target_seconds,
        crate::duration::MAX_BACKOFF,
    );
    for (name, n) in [
        ("simulate", a.iterations.simulate),
        ("scan", a.iterations.scan),
        ("dashboard", a.iterations.dashboard),
    ] {
        k.range(
            &format!("analytics.iterations.{name}"),
            n as f64,
            100.0,
            false,
            10_000_000.0,
            false,
        );
    }
    let f = &a.futures;
    k.range(
        "analytics.futures.simulations",
        f.simulations as f64,
        1.0,
        false,
        10_000_000.0,
        false,
    );
    k.range(
        "analytics.futures.min_ev",
        f.min_ev,
        0.0,
        false,
        10.0,
        false,
    );
    k.range(
        "analytics.futures.kelly_fraction",
        f.kelly_fraction,
        0.0,
        false,
        1.0,
        false,
    );
    k.positive("analytics.futures.max_age_hours", f.max_age_hours);
    if let Some(d) = &f.as_of {
        if chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").is_err() {
            k.err(
                "analytics.futures.as_of",
                format!("expected a date YYYY-MM-DD or null, got {d:?}"),
            );
        }
    }
    let b = &a.bankroll;
    k.positive("analytics.bankroll.initial", b.initial);
    k.range(
        "analytics.bankroll.trials",
        b.trials as f64,
        1.0,
        false,
        1_000_000.0,
        false,
    );
    k.range(
        "analytics.bankroll.periods",
        b.periods as f64,
        1.0,
        false,
        10_000.0,
        false,
    );
    k.range(
        "analytics.bankroll.ruin_fraction",
        b.ruin_fraction,
        0.0,
        true,
        1.0,
        true,
    );

    let al = &c.alerts;
    k.range(
        "alerts.cooldown_seconds",
        al.cooldown_seconds,
        0.0,
        false,
        7.0 * 86_400.0,
        false,
    );
    k.range(
        "alerts.digest_seconds",
        al.digest_seconds,
        0.0,
        false,
        86_400.0,
        false,
    );
    k.seconds(
        "alerts.retry_base_seconds",
        al.retry_base_seconds,
        crate::duration::MAX_BACKOFF,
    );
    k.seconds(
        "alerts.retry_max_seconds",
        al.retry_max_seconds,
        crate::duration::MAX_BACKOFF,
    );
    k.range(
        "alerts.send_timeout_seconds",
        al.send_timeout_seconds,
        0.1,
        false,
        600.0,
        false,
    );
    if let Some(q) = &al.quiet_hours {
        for (field, v) in [("start", &q.start), ("end", &q.end)] {
            if parse_hhmm(v).is_none() {
                k.err(
                    &format!("alerts.quiet_hours.{field}"),
                    format!("expected a time of day as HH:MM, got {v:?}"),
                );
            }
        }
    }
    let rl = &al.rules;
    k.range(
        "alerts.rules.stalled_freshness_multiple",
        rl.stalled_freshness_multiple,
        1.0,
        false,
        100.0,
        false,
    );
    k.range(
        "alerts.rules.failure_burst_success_rate",
        rl.failure_burst_success_rate,
        0.0,
        true,
        1.0,
        false,
    );
    k.range(
        "alerts.rules.failure_burst_intervals",
        rl.failure_burst_intervals as f64,
        1.0,
        false,
        1000.0,
        false,
    );
    k.range(
        "alerts.rules.backlog_runs",
        rl.backlog_runs as f64,
        1.0,
        false,
        1000.0,
        false,
    );
    k.range(
        "alerts.rules.dashboard_stale_checks",
        rl.dashboard_stale_checks as f64,
        1.0,
        false,
        1000.0,
        false,
    );
    k.range(
        "alerts.rules.delivery_silence_hours",
        rl.delivery_silence_hours,
        0.0,
        true,
        720.0,
        false,
    );
    k.range(
        "alerts.rules.delivery_error_burst",
        rl.delivery_error_burst as f64,
        1.0,
        false,
        1000.0,
        false,
    );
    k.range(
        "alerts.rules.new_edge_min_ev",
        rl.new_edge_min_ev,
        0.0,
        false,
        1.0,
        false,
    );
    k.range(
        "alerts.rules.line_movement_points",
        rl.line_movement_points,
        0.0,
        true,
        100.0,
        false,
    );
    k.range(
        "alerts.rules.arbitrage_min_return",
        rl.arbitrage_min_return,
        0.0,
        false,
        1.0,
        false,
    );
    k.range(
        "alerts.rules.middle_min_ev",
        rl.middle_min_ev,
        -1.0,
        false,
        10.0,
        false,
    );
    k.range(
        "alerts.rules.steam_min_followers",
        rl.steam_min_followers as f64,
        0.0,
        false,
        100.0,
        false,
    );
    k.range(
        "alerts.rules.stale_line_min_ev",
        rl.stale_line_min_ev,
        0.0,
        false,
        1.0,
        false,
    );
    for (i, ch) in al.channels.iter().enumerate() {
        let p = format!("alerts.channels[{i}]");
        let (enabled, sev) = match ch {
            ChannelConfig::Slack(s) => {
                if s.enabled {
                    k.url(&format!("{p}.webhook_url"), s.webhook_url.expose(), true);
                }
                (s.enabled, &s.min_severity)
            }
            ChannelConfig::Webhook(w) => {
                if w.enabled {
                    k.url(&format!("{p}.url"), &w.url, true);
                }
                (w.enabled, &w.min_severity)
            }
            ChannelConfig::Email(e) => {
                if e.enabled {
                    if e.smtp_host.trim().is_empty() {
                        k.err(
                            &format!("{p}.smtp_host"),
                            "expected an SMTP host name".into(),
                        );
                    }
                    if !e.from.contains('@') {
                        k.err(
                            &format!("{p}.from"),
                            "expected a sender address like alerts@example.com".into(),
                        );
                    }
                    if e.to.is_empty() || e.to.iter().any(|t| !t.contains('@')) {
                        k.err(
                            &format!("{p}.to"),
                            "expected a list of one or more recipient addresses".into(),
                        );
                    }
                    match e.ca_pem() {
                        Some(Err(why)) => k.err(
                            &format!("{p}.ca_file"),
                            format!("expected a readable PEM CA file, {why}"),
                        ),
                        Some(Ok(_)) if !e.starttls => k.warn(
                            &format!("{p}.ca_file"),
                            "ca_file is only used with starttls: true".into(),
                        ),
                        _ => {}
                    }
                }
                (e.enabled, &e.min_severity)
            }
            ChannelConfig::Pagerduty(pd) => {
                if pd.enabled {
                    if pd.routing_key.is_empty() {
                        k.err(&format!("{p}.routing_key"), "expected an Events API v2 routing key (write it as ${PAGERDUTY_ROUTING_KEY})".into());
                    }
                    k.url(&format!("{p}.events_url"), &pd.events_url, true);
                }
                (pd.enabled, &pd.min_severity)
            }
            ChannelConfig::Desktop(d) => (d.enabled, &d.min_severity),
            ChannelConfig::Terminal(t) => (t.enabled, &t.min_severity),
        };
        let _ = enabled;
        k.one_of(&format!("{p}.min_severity"), sev, &SEVERITIES);
    }

    if let Some(tf) = &c.metrics.textfile {
        if !tf.ends_with(".prom") {
            k.warn(
                "metrics.textfile",
                "node-exporter's textfile collector only reads files ending in .prom".into(),
            );
        }
    }
    k.seconds(
        "metrics.sample_interval_seconds",
        c.metrics.sample_interval_seconds,
        crate::duration::MAX_BACKOFF,
    );

    let d = &c.dashboard;
    k.range(
        "dashboard.refresh_seconds",
        d.refresh_seconds,
        0.05,
        false,
        3600.0,
        false,
    );
    k.range(
        "dashboard.max_fps",
        d.max_fps as f64,
        1.0,
        false,
        120.0,
        false,
    );
    if d.theme.trim().is_empty() {
        k.err(
            "dashboard.theme",
            "expected a theme name such as default, mono, high-contrast or colorblind".into(),
        );
    }

    match c.api.bind.parse::<std::net::SocketAddr>() {
        Err(_) => k.err("api.bind", format!("expected HOST:PORT such as 127.0.0.1:8080, got {:?}", c.api.bind)),
        Ok(addr) if !addr.ip().is_loopback() && c.api.token.as_ref().is_none_or(|t| t.is_empty()) => {
            k.err("api.token", "a non-loopback api.bind requires a bearer token (write it as ${NFLREADPY_API_TOKEN})".into())
        }
        Ok(_) => {}
    }
    if let Some(t) = &c.api.token {
        // A blank token would leave the API open while the operator believes it is guarded.
        let v = t.expose();
        // Inner spaces are the operator's choice (the web view test uses one); a token that is
        // all blanks, starts or ends with one, or carries control characters is a mistake.
        if !v.is_empty()
            && (v.trim().is_empty() || v.trim() != v || v.chars().any(|ch| ch.is_control()))
        {
            k.err(
                "api.token",
                "expected a token without leading or trailing spaces or control characters (or null for none), got a blank or padded value".into(),
            );
        }
    }
    for (i, h) in c.api.allowed_hosts.iter().enumerate() {
        if h.trim().is_empty() || h.contains(['/', ' ', '@']) {
            k.err(
                &format!("api.allowed_hosts[{i}]"),
                format!("expected a host name such as desk.example.com, got {h:?}"),
            );
        }
    }
    k.positive("api.rate_limit_per_second", c.api.rate_limit_per_second);
    k.range(
        "api.max_body_bytes",
        c.api.max_body_bytes as f64,
        1.0,
        false,
        64.0 * 1024.0 * 1024.0,
        false,
    );

    k.one_of(
        "logging.level",
        &c.logging.level,
        &["trace", "debug", "info", "warn", "error"],
    );
    k.one_of("logging.format", &c.logging.format, &["text", "json"]);

    k.url("data.games_url", &c.data.games_url, true);
    k.seconds(
        "data.timeout_seconds",
        c.data.timeout_seconds,
        crate::duration::MAX_DOWNLOAD,
    );
    k.out
}

pub fn parse_hhmm(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}
