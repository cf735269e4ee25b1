//! The one typed schema for every subsystem. `Config::default()` is the built-in bottom layer and
//! must match the shipped `config/betting.yaml` (a test checks it), so a binary run outside the
//! repository behaves like one run inside it.

use crate::domain::DevigMethod;
pub use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub environment: String,
    pub sources: Vec<SourceConfig>,
    pub ingestion: IngestionConfig,
    pub storage: StorageConfig,
    pub analytics: AnalyticsConfig,
    pub alerts: AlertsConfig,
    pub metrics: MetricsConfig,
    pub dashboard: DashboardConfig,
    pub api: ApiConfig,
    pub logging: LoggingConfig,
    pub data: DataConfig,
    pub bets: BetsConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            environment: "default".into(),
            sources: vec![
                SourceConfig::Replay(ReplaySource::default()),
                SourceConfig::TheOddsApi(TheOddsApiSource::default()),
                SourceConfig::File(FileSource::default()),
                SourceConfig::Pinnacle(PinnacleSource::default()),
            ],
            ingestion: IngestionConfig::default(),
            storage: StorageConfig::default(),
            analytics: AnalyticsConfig::default(),
            alerts: AlertsConfig::default(),
            metrics: MetricsConfig::default(),
            dashboard: DashboardConfig::default(),
            api: ApiConfig::default(),
            logging: LoggingConfig::default(),
            data: DataConfig::default(),
            bets: BetsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SourceConfig {
    #[serde(rename = "replay")]
    Replay(ReplaySource),
    #[serde(rename = "the-odds-api")]
    TheOddsApi(TheOddsApiSource),
    #[serde(rename = "file")]
    File(FileSource),
    #[serde(rename = "pinnacle")]
    Pinnacle(PinnacleSource),
}

impl SourceConfig {
    pub const TYPES: [&'static str; 4] = ["replay", "the-odds-api", "file", "pinnacle"];

    pub fn kind(&self) -> &'static str {
        match self {
            SourceConfig::Replay(_) => "replay",
            SourceConfig::TheOddsApi(_) => "the-odds-api",
            SourceConfig::File(_) => "file",
            SourceConfig::Pinnacle(_) => "pinnacle",
        }
    }

    pub fn enabled(&self) -> bool {
        match self {
            SourceConfig::Replay(s) => s.enabled,
            SourceConfig::TheOddsApi(s) => s.enabled,
            SourceConfig::File(s) => s.enabled,
            SourceConfig::Pinnacle(s) => s.enabled,
        }
    }

    /// Per-source cadence; `None` means the scheduler's interval.
    pub fn poll_interval_seconds(&self) -> Option<f64> {
        match self {
            SourceConfig::Replay(s) => s.poll_interval_seconds,
            SourceConfig::TheOddsApi(s) => s.poll_interval_seconds,
            SourceConfig::File(s) => s.poll_interval_seconds,
            SourceConfig::Pinnacle(s) => s.poll_interval_seconds,
        }
    }

    /// The default template for a source type, used to check keys of list entries.
    pub fn template(kind: &str) -> Option<SourceConfig> {
        Some(match kind {
            "replay" => SourceConfig::Replay(ReplaySource::default()),
            "the-odds-api" => SourceConfig::TheOddsApi(TheOddsApiSource::default()),
            "file" => SourceConfig::File(FileSource::default()),
            "pinnacle" => SourceConfig::Pinnacle(PinnacleSource::default()),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplaySource {
    pub enabled: bool,
    pub poll_interval_seconds: Option<f64>,
    /// nflverse schedule with closing lines; the replay drifts prices toward these closes.
    pub games_path: String,
    /// The real-odds archive (`<season>/week_<n>.csv`): a replayed week it holds opens at the
    /// real opener and drifts to each real book's close; other weeks keep the synthetic opener.
    pub odds_path: String,
    /// Season and week to replay; null picks the most recent week with closing lines.
    pub season: Option<i32>,
    pub week: Option<i32>,
    pub seed: u64,
    /// Simulated market seconds per wall-clock second (opening to close in minutes, not days).
    pub time_compression: f64,
    /// Simulated hours from a game's opening line to its kickoff; it is then off the board while
    /// it is played, and its market starts again.
    pub market_hours: f64,
    pub books: Vec<String>,
    pub alternate_lines: bool,
    pub scopes: Vec<String>,
}

impl Default for ReplaySource {
    fn default() -> Self {
        ReplaySource {
            enabled: true,
            poll_interval_seconds: None,
            games_path: "data/games.csv".into(),
            odds_path: "data/odds".into(),
            season: None,
            week: None,
            seed: 20_241_027,
            time_compression: 600.0,
            market_hours: 144.0,
            books: vec![
                "pinnacle".into(),
                "circa".into(),
                "draftkings".into(),
                "fanduel".into(),
                "betmgm".into(),
                "bovada".into(),
            ],
            alternate_lines: true,
            scopes: vec![
                "game".into(),
                "1h".into(),
                "2h".into(),
                "1q".into(),
                "2q".into(),
                "3q".into(),
                "4q".into(),
            ],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TheOddsApiSource {
    pub enabled: bool,
    pub poll_interval_seconds: Option<f64>,
    pub base_url: String,
    pub api_key: Secret,
    pub regions: Vec<String>,
    pub markets: Vec<String>,
    pub bookmakers: Vec<String>,
    pub odds_format: String,
    pub timeout_seconds: f64,
    /// Warn when `x-requests-remaining` drops below this many requests.
    pub quota_warn_below: u64,
    /// Outright (futures) sport keys also polled, one request each per poll
    /// (`americanfootball_nfl_super_bowl_winner`).
    pub outright_sports: Vec<String>,
}

impl Default for TheOddsApiSource {
    fn default() -> Self {
        TheOddsApiSource {
            enabled: false,
            poll_interval_seconds: Some(300.0),
            base_url: "https://api.the-odds-api.com".into(),
            api_key: "${ODDS_API_KEY}".into(),
            regions: vec!["us".into()],
            markets: vec!["h2h".into(), "spreads".into(), "totals".into()],
            bookmakers: vec![],
            odds_format: "american".into(),
            timeout_seconds: 10.0,
            quota_warn_below: 50,
            outright_sports: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileSource {
    pub enabled: bool,
    pub poll_interval_seconds: Option<f64>,
    /// Drop directory watched for Odds-API-shaped JSON or CSV quote files.
    pub directory: String,
}

impl Default for FileSource {
    fn default() -> Self {
        FileSource {
            enabled: false,
            poll_interval_seconds: Some(5.0),
            directory: "drop".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PinnacleSource {
    pub enabled: bool,
    pub poll_interval_seconds: Option<f64>,
    pub base_url: String,
    /// The public guest key the Pinnacle web front end sends as `X-API-Key`.
    pub api_key: Secret,
    pub league_id: u32,
    pub timeout_seconds: f64,
}

impl Default for PinnacleSource {
    fn default() -> Self {
        PinnacleSource {
            enabled: false,
            poll_interval_seconds: Some(30.0),
            base_url: "https://guest.api.arcadia.pinnacle.com/0.1".into(),
            api_key: "${PINNACLE_API_KEY}".into(),
            league_id: 889,
            timeout_seconds: 10.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IngestionConfig {
    pub storage_path: String,
    /// Quotes older than this are not used for pricing.
    pub stale_after_seconds: f64,
    /// The guide's freshness target for live markets.
    pub freshness_target_seconds: f64,
    /// Quotes stamped further than this in the future are rejected.
    pub future_tolerance_seconds: f64,
    pub scheduler: SchedulerConfig,
    pub circuit_breaker: CircuitBreakerConfig,
    /// Bounds every source's prices must fall in, and the outlier guard across books.
    pub plausibility: PlausibilityConfig,
}

/// A valid-looking but absurd price (a fat finger, a feed glitch) must never reach the prices:
/// bounds on the price itself, and a guard against the other books quoting the same selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlausibilityConfig {
    /// The shortest favourite price accepted, American (-10000 is decimal 1.01).
    pub min_american: i64,
    /// The longest price accepted, American (+10000 is decimal 101).
    pub max_american: i64,
    /// A quote whose implied probability is further than this from the median of the other
    /// books' quotes of the same selection at the same line is an outlier.
    pub outlier_max_gap: f64,
    /// The guard judges a quote only when at least this many other books quote the selection.
    pub outlier_min_books: u32,
}

impl Default for PlausibilityConfig {
    fn default() -> Self {
        PlausibilityConfig {
            min_american: -10_000,
            max_american: 10_000,
            outlier_max_gap: 0.15,
            outlier_min_books: 2,
        }
    }
}

impl Default for IngestionConfig {
    fn default() -> Self {
        IngestionConfig {
            storage_path: "data/betting_odds.sqlite3".into(),
            stale_after_seconds: 900.0,
            freshness_target_seconds: 15.0,
            future_tolerance_seconds: 300.0,
            scheduler: SchedulerConfig::default(),
            circuit_breaker: CircuitBreakerConfig::default(),
            plausibility: PlausibilityConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SchedulerConfig {
    pub interval_seconds: f64,
    pub jitter_seconds: f64,
    pub retries: u32,
    pub retry_backoff: f64,
    pub max_backoff_seconds: f64,
    pub timeout_seconds: f64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            interval_seconds: 10.0,
            jitter_seconds: 1.0,
            retries: 3,
            retry_backoff: 2.0,
            max_backoff_seconds: 60.0,
            timeout_seconds: 10.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CircuitBreakerConfig {
    pub failure_threshold: u32,
    pub open_seconds: f64,
}

impl Default for CircuitBreakerConfig {
    fn default() -> Self {
        CircuitBreakerConfig {
            failure_threshold: 5,
            open_seconds: 60.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageConfig {
    /// Where the store lives: `sqlite:PATH` or `postgres://user@host[:port]/db[?sslmode=...]`;
    /// unset, the SQLite file at `ingestion.storage_path`. A password comes in as `${VAR}`.
    pub url: Option<String>,
    /// PostgreSQL connections per process (pooled).
    pub pool_size: usize,
    pub busy_timeout_ms: u64,
    /// Most write operations the writer task folds into one transaction.
    pub max_batch_ops: usize,
    /// History older than this is removed by the background retention task (while `ingest`,
    /// `dashboard` or `serve` runs ingestion).
    pub retention_days: f64,
    /// Seconds between retention passes.
    pub retention_interval_seconds: f64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            url: None,
            pool_size: 8,
            busy_timeout_ms: 5000,
            max_batch_ops: 64,
            retention_days: 30.0,
            retention_interval_seconds: 3600.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyticsConfig {
    pub value_threshold: f64,
    pub kelly_fraction: f64,
    pub max_bet_fraction: f64,
    pub max_event_exposure: f64,
    pub max_team_exposure: f64,
    pub devig_method: DevigMethod,
    pub worst_case_gate: bool,
    pub sharp_books: Vec<String>,
    pub sharp_weight: f64,
    pub model_weight: ModelWeights,
    pub history_limit: u32,
    pub seed: u64,
    pub threads: usize,
    pub simulation_latency_target_seconds: f64,
    pub iterations: IterationsConfig,
    pub ratings: RatingsConfig,
    pub bankroll: BankrollConfig,
    pub markets: MarketsConfig,
    pub futures: FuturesConfig,
    pub periods: PeriodsConfig,
}

/// Halves and quarters: how second-half bets are graded, and the gate that holds period edges
/// to a stricter rule until the period backtest on the user's own period scores shows the
/// model calibrated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeriodsConfig {
    /// Second-half bets count overtime points (how most books grade them); false grades the
    /// regulation second half only.
    pub second_half_overtime: bool,
    pub gate: PeriodGateConfig,
    /// Whether the period backtest on the user's file opened the gate: set by the engine, never
    /// read from a file. Unknown (a one-shot command) counts as closed.
    #[serde(skip)]
    pub gate_open: bool,
}

impl Default for PeriodsConfig {
    fn default() -> Self {
        PeriodsConfig {
            second_half_overtime: true,
            gate: PeriodGateConfig::default(),
            gate_open: false,
        }
    }
}

impl PeriodsConfig {
    /// The EV a period opportunity needs: the gate's while it is closed.
    pub fn min_ev(&self, value_threshold: f64) -> f64 {
        if self.gate.enabled && !self.gate_open {
            value_threshold.max(self.gate.min_ev)
        } else {
            value_threshold
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeriodGateConfig {
    /// false: periods are held to analytics.value_threshold like full games.
    pub enabled: bool,
    /// The gate opens when the period backtest's largest calibration error (blend, buckets of
    /// at least `min_bucket` predictions) is at most this (probability, 0.015 = 1.5 points).
    pub tolerance: f64,
    /// Predictions a calibration bucket needs to count.
    pub min_bucket: usize,
    /// Games the period-scores file needs before the gate can open.
    pub min_games: usize,
    /// EV a half or quarter opportunity (edge, alert, paper bet) needs while the gate is closed.
    pub min_ev: f64,
}

impl Default for PeriodGateConfig {
    fn default() -> Self {
        PeriodGateConfig {
            enabled: true,
            tolerance: 0.015,
            min_bucket: 200,
            min_games: 200,
            min_ev: 0.05,
        }
    }
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            value_threshold: 0.02,
            kelly_fraction: 0.5,
            max_bet_fraction: 0.05,
            max_event_exposure: 0.10,
            max_team_exposure: 0.15,
            devig_method: DevigMethod::Power,
            worst_case_gate: true,
            sharp_books: vec!["pinnacle".into(), "circa".into(), "lowvig".into()],
            sharp_weight: 3.0,
            model_weight: ModelWeights::default(),
            history_limit: 256,
            seed: 17,
            threads: 0,
            simulation_latency_target_seconds: 5.0,
            iterations: IterationsConfig::default(),
            ratings: RatingsConfig::default(),
            bankroll: BankrollConfig::default(),
            markets: MarketsConfig::default(),
            futures: FuturesConfig::default(),
            periods: PeriodsConfig::default(),
        }
    }
}

/// Season simulation and outright (futures) edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FuturesConfig {
    /// Seasons simulated per run (the dashboard's background run and `futures` by default).
    pub simulations: u32,
    /// An outright price is an edge from this EV per unit staked.
    pub min_ev: f64,
    /// Fraction of full Kelly for futures: smaller than the game fraction, since the stake is
    /// tied up for months and a season's probabilities are less certain than a game's.
    pub kelly_fraction: f64,
    /// Outright prices older than this are not priced.
    pub max_age_hours: f64,
    /// The day the dashboard's simulation stands on (YYYY-MM-DD); null = the replayed week's
    /// first day with a replay source, else the day after the games file's latest result.
    pub as_of: Option<String>,
}

impl FuturesConfig {
    /// `max_age_hours` in milliseconds: outright prices seen longer ago are not priced.
    pub fn max_age_ms(&self) -> i64 {
        (self.max_age_hours * 3_600_000.0) as i64
    }
}

impl Default for FuturesConfig {
    fn default() -> Self {
        FuturesConfig {
            simulations: 10_000,
            min_ev: 0.05,
            kelly_fraction: 0.25,
            max_age_hours: 72.0,
            as_of: None,
        }
    }
}

/// Cross-book views: arbitrage, middles, low hold, steam and stale lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MarketsConfig {
    /// An arbitrage leg older than this is shown as stale and never alerted.
    pub arb_freshness_seconds: f64,
    /// Middles are listed when the pair's EV per unit staked reaches this.
    pub middle_min_ev: f64,
    /// Markets whose best combined price holds at most this are listed as low hold.
    pub low_hold_max: f64,
    /// Books whose moves start steam; empty means `analytics.sharp_books`.
    pub originators: Vec<String>,
    /// A move is a change toward one side of at least this much implied probability...
    pub steam_min_prob: f64,
    /// ...or of at least this many points of line.
    pub steam_min_points: f64,
    /// Followers move within this many seconds; a book that has not is a stale line.
    pub steam_window_seconds: f64,
    /// Steam events older than this drop out of the views.
    pub steam_lookback_seconds: f64,
    /// Stale lines join the edges when their EV against the new fair price reaches this.
    pub stale_min_ev: f64,
}

impl Default for MarketsConfig {
    fn default() -> Self {
        MarketsConfig {
            arb_freshness_seconds: 120.0,
            middle_min_ev: 0.0,
            low_hold_max: 0.02,
            originators: Vec::new(),
            steam_min_prob: 0.015,
            steam_min_points: 0.5,
            steam_window_seconds: 60.0,
            steam_lookback_seconds: 1800.0,
            stale_min_ev: 0.0,
        }
    }
}

impl MarketsConfig {
    /// The configured originators, or the sharp books when none are named.
    pub fn originators<'a>(&'a self, sharp_books: &'a [String]) -> &'a [String] {
        if self.originators.is_empty() {
            sharp_books
        } else {
            &self.originators
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IterationsConfig {
    pub simulate: u32,
    pub scan: u32,
    pub dashboard: u32,
}

impl Default for IterationsConfig {
    fn default() -> Self {
        IterationsConfig {
            simulate: 20_000,
            scan: 10_000,
            dashboard: 15_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RatingsConfig {
    /// The nflverse schedule the ratings learn from (results, closing lines, starters, rest).
    pub games_path: String,
    /// The real-odds archive `GET /api/v1/evaluation` evaluates (`backtest --odds` takes a
    /// folder on the command line).
    pub odds_path: String,
}

impl Default for RatingsConfig {
    fn default() -> Self {
        RatingsConfig {
            games_path: "data/games.csv".into(),
            odds_path: "data/odds".into(),
        }
    }
}

/// Weight of the model in the model/consensus blend, per market type (0 = consensus only).
/// The shipped values are what `backtest`'s walk-forward choice picked for its latest season,
/// each chosen on earlier seasons only.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelWeights {
    /// Moneylines and three-way moneylines, every scope.
    pub moneyline: f64,
    /// Spreads and alternate spreads.
    pub spread: f64,
    /// Totals, alternate totals and team totals.
    pub total: f64,
}

impl ModelWeights {
    pub const SHIPPED: ModelWeights = ModelWeights {
        moneyline: 0.0,
        spread: 0.05,
        total: 0.15,
    };

    /// The weight for a market, clamped to [0, 1].
    pub fn for_market(&self, market: crate::domain::MarketKind) -> f64 {
        use crate::domain::MarketKind as M;
        let w = match market {
            M::Moneyline | M::Moneyline3Way => self.moneyline,
            M::Spread | M::SpreadAlt => self.spread,
            M::Total | M::TotalAlt | M::TeamTotal => self.total,
        };
        if w.is_finite() {
            w.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

impl Default for ModelWeights {
    fn default() -> Self {
        ModelWeights::SHIPPED
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BankrollConfig {
    pub enabled: bool,
    pub initial: f64,
    pub trials: u32,
    pub periods: u32,
    pub seed: u64,
    /// A path is ruined when the bankroll falls below this fraction of its start.
    pub ruin_fraction: f64,
}

impl Default for BankrollConfig {
    fn default() -> Self {
        BankrollConfig {
            enabled: true,
            initial: 2000.0,
            trials: 500,
            periods: 52,
            seed: 17,
            ruin_fraction: 0.5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertsConfig {
    pub enabled: bool,
    pub cooldown_seconds: f64,
    pub digest_seconds: f64,
    pub quiet_hours: Option<QuietHours>,
    pub rules: AlertRules,
    pub channels: Vec<ChannelConfig>,
    /// First retry delay for a failing channel; doubles per consecutive failure.
    pub retry_base_seconds: f64,
    /// Longest delay between retries (undelivered alerts are retried forever, never dropped).
    pub retry_max_seconds: f64,
    /// Per-send timeout for HTTP, SMTP and desktop notifications.
    pub send_timeout_seconds: f64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            enabled: true,
            cooldown_seconds: 900.0,
            digest_seconds: 300.0,
            quiet_hours: None,
            rules: AlertRules::default(),
            channels: vec![ChannelConfig::Terminal(TerminalChannel::default())],
            retry_base_seconds: 2.0,
            retry_max_seconds: 300.0,
            send_timeout_seconds: 10.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
    /// Paging alerts still go out during quiet hours.
    pub allow_paging: bool,
}

impl Default for QuietHours {
    fn default() -> Self {
        QuietHours {
            start: "22:00".into(),
            end: "07:00".into(),
            allow_paging: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertRules {
    pub stalled_freshness_multiple: f64,
    pub failure_burst_success_rate: f64,
    pub failure_burst_intervals: u32,
    pub backlog_runs: u32,
    pub dashboard_stale_checks: u32,
    pub delivery_silence_hours: f64,
    pub delivery_error_burst: u32,
    pub new_edge_min_ev: f64,
    pub line_movement_points: f64,
    /// Arbitrage alert when the guaranteed return (all legs fresh) reaches this.
    pub arbitrage_min_return: f64,
    /// Middle alert when the pair's EV per unit of total stake reaches this.
    pub middle_min_ev: f64,
    /// Steam alert when an originator's move has at least this many followers.
    pub steam_min_followers: u32,
    /// Stale-line alert when the stale price's EV against the new fair price reaches this.
    pub stale_line_min_ev: f64,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules {
            stalled_freshness_multiple: 3.0,
            failure_burst_success_rate: 0.95,
            failure_burst_intervals: 5,
            backlog_runs: 3,
            dashboard_stale_checks: 3,
            delivery_silence_hours: 6.0,
            delivery_error_burst: 3,
            new_edge_min_ev: 0.03,
            line_movement_points: 1.5,
            arbitrage_min_return: 0.005,
            middle_min_ev: 0.02,
            steam_min_followers: 1,
            stale_line_min_ev: 0.02,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ChannelConfig {
    Slack(SlackChannel),
    Webhook(WebhookChannel),
    Email(EmailChannel),
    Pagerduty(PagerDutyChannel),
    Desktop(DesktopChannel),
    Terminal(TerminalChannel),
}

impl ChannelConfig {
    pub const TYPES: [&'static str; 6] = [
        "slack",
        "webhook",
        "email",
        "pagerduty",
        "desktop",
        "terminal",
    ];

    pub fn template(kind: &str) -> Option<ChannelConfig> {
        Some(match kind {
            "slack" => ChannelConfig::Slack(SlackChannel::default()),
            "webhook" => ChannelConfig::Webhook(WebhookChannel::default()),
            "email" => ChannelConfig::Email(EmailChannel::default()),
            "pagerduty" => ChannelConfig::Pagerduty(PagerDutyChannel::default()),
            "desktop" => ChannelConfig::Desktop(DesktopChannel::default()),
            "terminal" => ChannelConfig::Terminal(TerminalChannel::default()),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlackChannel {
    pub enabled: bool,
    pub webhook_url: Secret,
    pub min_severity: String,
}

impl Default for SlackChannel {
    fn default() -> Self {
        SlackChannel {
            enabled: true,
            webhook_url: Secret::default(),
            min_severity: "info".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookChannel {
    pub enabled: bool,
    pub url: String,
    /// HMAC-SHA256 key for the `X-Signature` header.
    pub secret: Secret,
    pub headers: BTreeMap<String, String>,
    pub min_severity: String,
}

impl Default for WebhookChannel {
    fn default() -> Self {
        WebhookChannel {
            enabled: true,
            url: String::new(),
            secret: Secret::default(),
            headers: BTreeMap::new(),
            min_severity: "info".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmailChannel {
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub starttls: bool,
    /// PEM file of CA certificates trusted for STARTTLS besides the public roots (a relay with
    /// an internal CA).
    pub ca_file: Option<String>,
    pub username: String,
    pub password: Secret,
    pub from: String,
    pub to: Vec<String>,
    pub min_severity: String,
}

impl EmailChannel {
    /// The `ca_file` bytes when one is set: an error (`PATH: why`) when it cannot be read or
    /// holds no PEM certificate. Validation and the sender share this check.
    pub fn ca_pem(&self) -> Option<Result<Vec<u8>, String>> {
        let path = self.ca_file.as_deref().filter(|p| !p.is_empty())?;
        Some(match std::fs::read(path) {
            Err(e) => Err(format!("{path}: {e}")),
            Ok(b) if !b.windows(17).any(|w| w == b"BEGIN CERTIFICATE") => {
                Err(format!("{path}: no PEM certificate in it"))
            }
            Ok(b) => Ok(b),
        })
    }
}

impl Default for EmailChannel {
    fn default() -> Self {
        EmailChannel {
            enabled: true,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            starttls: true,
            ca_file: None,
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            to: vec![],
            min_severity: "warning".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PagerDutyChannel {
    pub enabled: bool,
    pub routing_key: Secret,
    pub events_url: String,
    pub min_severity: String,
}

impl Default for PagerDutyChannel {
    fn default() -> Self {
        PagerDutyChannel {
            enabled: true,
            routing_key: Secret::default(),
            events_url: "https://events.pagerduty.com/v2/enqueue".into(),
            min_severity: "critical".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DesktopChannel {
    pub enabled: bool,
    pub min_severity: String,
}

impl Default for DesktopChannel {
    fn default() -> Self {
        DesktopChannel {
            enabled: true,
            min_severity: "warning".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TerminalChannel {
    pub enabled: bool,
    pub bell: bool,
    pub min_severity: String,
}

impl Default for TerminalChannel {
    fn default() -> Self {
        TerminalChannel {
            enabled: true,
            bell: false,
            min_severity: "info".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricsConfig {
    /// node-exporter textfile collector path; null writes none.
    pub textfile: Option<String>,
    pub sample_interval_seconds: f64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            textfile: None,
            sample_interval_seconds: 15.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DashboardConfig {
    pub refresh_seconds: f64,
    pub theme: String,
    pub keymap_path: String,
    pub themes_dir: String,
    pub max_fps: u32,
    pub export_dir: String,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            refresh_seconds: 1.0,
            theme: "default".into(),
            keymap_path: "config/keymap.toml".into(),
            themes_dir: "themes".into(),
            max_fps: 30,
            export_dir: "exports".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiConfig {
    pub bind: String,
    /// Bearer token; required for any non-loopback bind.
    pub token: Option<Secret>,
    pub cors_origins: Vec<String>,
    pub rate_limit_per_second: f64,
    pub max_body_bytes: usize,
    /// Host names the server answers to besides the address it is bound to (DNS rebinding).
    pub allowed_hosts: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            bind: "127.0.0.1:8080".into(),
            token: None,
            cors_origins: vec![],
            rate_limit_per_second: 1000.0,
            max_body_bytes: 65_536,
            allowed_hosts: vec![],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    pub level: String,
    pub format: String,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        LoggingConfig {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// `data update`: where the nflverse schedule comes from. The file it replaces is
/// The bet ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BetsConfig {
    /// Log every alerted edge as a paper bet at the alerted price and stake, so the product
    /// measures its own closing-line value from the first day.
    pub paper: bool,
}

impl Default for BetsConfig {
    fn default() -> Self {
        BetsConfig { paper: true }
    }
}

/// `analytics.ratings.games_path`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataConfig {
    pub games_url: String,
    /// Whole download, connect to last byte.
    pub timeout_seconds: f64,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            games_url: "https://github.com/nflverse/nfldata/raw/master/data/games.csv".into(),
            timeout_seconds: 60.0,
        }
    }
}
