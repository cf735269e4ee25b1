//! The immutable picture of the engine that every front end renders: the TUI, the headless
//! printer and the HTTP API read the same `Snapshot`, so they always show the same figures.
//! With `Command` (what front ends ask of the engine) it is the leaf of the house: the engine,
//! alerts, metrics and every front end import it, and it imports none of them, so no arrow runs
//! back up from the front ends to the engine.

pub mod command;
#[cfg(test)]
pub(crate) mod fixture;

pub use command::{Command, DetailView, ExportFormat, HistoryPoint, Reply};

use crate::ingest::health::{FreshnessRow, SourceHealth};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Snapshot {
    /// When this snapshot was assembled (ms since epoch). Front ends compute ages from it.
    pub taken_ms: i64,
    pub meta: Meta,
    pub ingest: IngestView,
    pub events: Vec<EventView>,
    /// Opportunities above the value threshold, best EV first.
    pub edges: Vec<EdgeRow>,
    /// Cross-book views of the latest pricing pass: arbitrage, middles, low hold, steam, stale
    /// lines and book profiles.
    pub market: crate::edges::MarketIntel,
    pub simulations: Vec<SimulationRun>,
    pub alerts: AlertsView,
    pub health: Health,
    /// The bet ledger: open bets with live CLV, settled bets with P&L.
    pub bets: BetsView,
    /// The season simulation and the outright board priced against it.
    pub futures: FuturesView,
    /// Monotonic counter: changes whenever the content changes (front ends redraw on change).
    pub version: u64,
}

/// Where the background season simulation stands.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FuturesState {
    /// No model to simulate from yet.
    #[default]
    Idle,
    Running,
    Ready,
    Failed,
}

/// What the Futures pane and `/api/v1/futures` show.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FuturesView {
    pub state: FuturesState,
    /// Seasons simulated so far and in all, while running.
    pub done: u32,
    pub total: u32,
    /// The day the simulation stands on (YYYY-MM-DD).
    pub as_of: Option<String>,
    pub finished_ms: Option<i64>,
    pub error: Option<String>,
    /// Outright prices on the board (fresh enough to price).
    pub quotes: usize,
    /// An outright price is an edge from this EV (`analytics.futures.min_ev`).
    pub min_ev: f64,
    /// The latest finished simulation. For the pane and the API, not every headless line.
    #[serde(skip_serializing)]
    pub forecast: Option<crate::pricing::season::SeasonForecast>,
    /// Every outright price against the simulation, best EV first.
    #[serde(skip_serializing)]
    pub edges: Vec<crate::edges::futures::FutureEdge>,
}

/// What the Bets pane and the bets metrics show.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BetsView {
    pub open: usize,
    /// Won, lost or pushed.
    pub settled: usize,
    pub staked: f64,
    pub pnl: f64,
    /// Mean closing-line value (probability points against the consensus close, else the
    /// bet's book) over the bets valued so far, and how many that is.
    pub clv_mean: Option<f64>,
    pub clv_n: usize,
    /// Open bets newest first, then settled ones newest first (a bounded window). For the Bets
    /// pane only: a headless JSON line carries the totals above, not hundreds of rows a second.
    #[serde(skip_serializing)]
    pub rows: Vec<BetRow>,
}

/// One bet in the pane.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BetRow {
    pub id: i64,
    pub paper: bool,
    pub event_id: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub decimal: f64,
    pub stake: f64,
    pub placed_ms: i64,
    pub status: String,
    pub pnl: Option<f64>,
    /// CLV at the close once recorded; for an open bet, against the board as it stands (the
    /// close so far), when the bet's line is still quoted.
    pub clv: Option<f64>,
    /// Whether `clv` is the recorded close (false: live, against the current board).
    pub clv_final: bool,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Meta {
    pub environment: String,
    pub storage_path: String,
    pub started_ms: i64,
    /// `live` runs ingestion here; `attach` watches a store another process writes.
    pub mode: String,
    pub read_only: bool,
    pub refresh_seconds: f64,
    pub value_threshold: f64,
    pub bankroll: f64,
    pub iterations: u32,
    /// Whether half and quarter edges are held to the period gate's EV; null until the model
    /// is fitted.
    pub period_gate: Option<crate::domain::PeriodGate>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IngestView {
    pub paused: bool,
    pub sources: Vec<SourceHealth>,
    /// Age of the newest quote per (book, market group).
    pub freshness: Vec<FreshnessRow>,
    /// The guide's live-market target (15 s by default).
    pub freshness_target_seconds: f64,
    /// Ingestion-stalled threshold: `stalled_freshness_multiple` x poll interval.
    pub stalled_after_seconds: f64,
    /// Success rate under which a source is failing (`alerts.rules.failure_burst_success_rate`).
    pub success_floor: f64,
    pub quotes_latest: i64,
    pub quotes_history: i64,
    pub quarantined: i64,
    pub last_poll_ms: Option<i64>,
    /// Which source delivers each book's quotes (book -> source name).
    pub book_sources: std::collections::BTreeMap<String, String>,
    /// The store did not answer the latest read: since when and why. Freshness and counts are
    /// then the last read's, and an old quote means "unknown", not "ingestion stalled".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store_down: Option<StoreDown>,
}

/// A store that stopped answering (a database outage, a lost network path to it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreDown {
    pub since_ms: i64,
    pub error: String,
}

impl IngestView {
    /// An empty view with the configured freshness target and stall threshold (the alert rule's
    /// multiple of the poll cadence).
    pub fn configured(cfg: &crate::config::Config) -> Self {
        let judge = crate::health::Judge::from_config(cfg);
        IngestView {
            freshness_target_seconds: cfg.ingestion.freshness_target_seconds,
            stalled_after_seconds: judge.stalled_after_seconds,
            success_floor: judge.success_floor,
            ..Default::default()
        }
    }

    /// The health judge this view was built with.
    pub fn judge(&self) -> crate::health::Judge {
        crate::health::Judge::new(self.success_floor, self.stalled_after_seconds)
    }

    /// Takes sources, freshness and book routing from an in-process scheduler's state.
    pub fn fill_from_state(&mut self, st: &crate::ingest::scheduler::IngestState, now_ms: i64) {
        self.paused = st.paused;
        self.sources = st.sources.clone();
        self.freshness = st.freshness.rows(now_ms);
        self.last_poll_ms = st.sources.iter().filter_map(|s| s.last_poll_ms).max();
        self.book_sources = st.book_sources.clone();
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EventView {
    pub event_id: String,
    pub label: String,
    pub home_team: String,
    pub away_team: String,
    pub commence_ms: i64,
    pub books: usize,
    pub quotes: usize,
}

/// Why a price is an edge: it beats the fair price (`value`), or it is a book still dealing the
/// number an originator's steam has left (`stale`, EV against the originator's new price).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    #[default]
    Value,
    Stale,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Value => "value",
            EdgeKind::Stale => "stale",
        }
    }
}

/// One priced opportunity as shown in the edges table and exported by `scan`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EdgeRow {
    pub kind: EdgeKind,
    /// Stable key for detail views and acks: event|market|scope|selection|line|book.
    pub key: String,
    pub event_id: String,
    pub event: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub american: i64,
    pub decimal: f64,
    /// Blended fair probability of winning (model and de-vigged consensus).
    pub fair_prob: f64,
    pub model_prob: Option<f64>,
    pub consensus_prob: Option<f64>,
    pub push_prob: f64,
    /// EV per unit staked: win*d + push - 1.
    pub ev: f64,
    pub worst_case_ev: Option<f64>,
    /// Stake as a fraction of bankroll after Kelly fraction, caps and exposure limits.
    pub kelly: f64,
    pub stake: f64,
    pub std_error: f64,
    /// Seconds since this price last changed.
    pub age_seconds: f64,
    /// Line movement since the first stored quote for this selection at this book.
    pub movement_points: Option<f64>,
    pub movement_prob: Option<f64>,
    pub books_used: Vec<String>,
    pub width: f64,
    /// Every book's current price for this selection (book, american, line).
    pub other_books: Vec<BookPrice>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct BookPrice {
    pub book: String,
    pub american: i64,
    pub line: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SimulationRun {
    pub started_ms: i64,
    pub latency_ms: f64,
    pub iterations: u32,
    pub events: usize,
    pub markets: usize,
    /// Largest Monte Carlo standard error among the checked markets.
    pub max_std_error: f64,
    /// The Monte Carlo check of the exact prices: largest |sampled - exact| / SE over every
    /// priced market (`None` when no draws were made), and where it happened.
    pub max_abs_z: Option<f64>,
    /// The limit `max_abs_z` is judged against (see `pricing::montecarlo::check_limit`).
    pub check_limit: f64,
    pub check_markets: usize,
    pub check_worst: String,
    pub trigger: String,
    /// The guide's target: 5 s for 20k iterations, scaled to this run's iterations.
    pub target_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AlertsView {
    pub alerts: Vec<AlertRow>,
    pub channels: Vec<ChannelHealth>,
    pub silences: Vec<Silence>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct AlertRow {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    /// firing, acked or resolved.
    pub state: String,
    pub message: String,
    pub since_ms: i64,
    pub delivered: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ChannelHealth {
    pub channel: String,
    pub ok: bool,
    pub pending: usize,
    pub delivered: usize,
    pub last_error: Option<String>,
    pub last_delivery_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Silence {
    pub rule: String,
    pub until_ms: i64,
}

/// Whether the guide's health targets hold; `problems` says which do not, in words.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Health {
    pub ok: bool,
    pub problems: Vec<String>,
}
