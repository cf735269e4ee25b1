//! The command-line surface of the operations guide (clap derive). Parsing only: dispatch lives
//! in `app`, behaviour in the engine modules.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "nflreadpy-betting",
    version,
    about = "Terminal-first NFL betting operations: odds ingestion, Monte Carlo pricing, +EV edges and alerts",
    long_about = "Polls sportsbook odds into an embedded SQLite store, prices every market with a Monte Carlo \
game model and de-vigged market consensus, ranks +EV opportunities with Kelly stakes and fires alerts.\n\n\
With no subcommand it opens the dashboard on the configured sources (the bundled replay feed by default).",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Base configuration file.
    #[arg(long, global = true, value_name = "PATH", default_value = crate::config::DEFAULT_CONFIG_PATH)]
    pub config: PathBuf,
    /// Environment overlay name: merges config/betting.<NAME>.yaml (also NFLREADPY_BETTING_ENV).
    #[arg(long, global = true, value_name = "NAME")]
    pub environment: Option<String>,
    /// Store: a SQLite file path (overrides ingestion.storage_path) or a URL, `sqlite:PATH` or
    /// `postgres://user@host/db` (overrides storage.url).
    #[arg(long, global = true, value_name = "PATH")]
    pub storage: Option<String>,
    /// Alert routing file (the `alerts:` section as YAML).
    #[arg(long, global = true, value_name = "PATH")]
    pub alerts_config: Option<PathBuf>,
    /// Output format for logs and machine-readable snapshots.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// More logging (-v debug, -vv trace).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less logging (-q warnings only, -qq errors only).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub quiet: u8,
    /// Disable colour (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
}

impl GlobalArgs {
    /// `--config` was given explicitly (not just the default value).
    pub fn config_is_default(&self) -> bool {
        self.config.as_os_str() == crate::config::DEFAULT_CONFIG_PATH
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which kind of opportunity `scan --kind` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanKind {
    /// Prices that beat the fair price.
    Value,
    /// Books still dealing a number an originator's steam has left.
    Stale,
    /// Arbitrage across books.
    Arb,
    /// Middles between two books' lines.
    Middle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load every configuration layer and report all problems at once.
    ValidateConfig(ValidateConfigArgs),
    /// Poll the enabled odds sources on a schedule into the store (single-shot with --interval 0).
    Ingest(IngestArgs),
    /// Price stored odds with the Monte Carlo model and print opportunities, portfolio and bankroll.
    Simulate(SimulateArgs),
    /// Export candidate opportunities for manual review; prune old history.
    Scan(ScanArgs),
    /// Full-screen terminal dashboard over the live engine (the default command).
    Dashboard(DashboardArgs),
    /// Walk-forward evaluation of model, market and blend over historical seasons.
    Backtest(BacktestArgs),
    /// Season futures: the rest of the season simulated with the NFL tiebreakers and playoffs
    /// (division, playoff, conference and Super Bowl chances, win totals); --calibrate scores it
    /// walk-forward on past seasons.
    Futures(FuturesArgs),
    /// REST API, health probes, Prometheus metrics and the web view.
    Serve(ServeArgs),
    /// Print health (freshness, success rate, last simulation, alert delivery) with a monitor exit code.
    Status(StatusArgs),
    /// Copy a store to another backend (`store migrate`) or check its integrity (`store check`).
    Store(StoreArgs),
    /// The bet ledger: record a bet (`bets add`), list them (`bets list`), void one (`bets void`).
    Bets(BetsArgs),
    /// Refresh the nflverse schedule the model is fitted on (`data update`) or show what it holds
    /// (`data status`).
    Data(DataArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// One HTTP GET of a health probe (a container's HEALTHCHECK): exit 0 on 200, 1 otherwise.
    Healthcheck(HealthcheckArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ValidateConfigArgs {
    /// Exit non-zero when there are warnings.
    #[arg(long)]
    pub warnings_as_errors: bool,
    /// Print the effective merged configuration, secrets redacted, with the layer of each value.
    #[arg(long)]
    pub print: bool,
}

#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    /// Seconds between polls; 0 polls every enabled source once and exits.
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,
    /// Random delay up to this many seconds added to each poll.
    #[arg(long, value_name = "SECONDS")]
    pub jitter: Option<f64>,
    /// Retries per poll after a failure (0 = no retry).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Exponential backoff base between retries (full jitter).
    #[arg(long, value_name = "FACTOR")]
    pub retry_backoff: Option<f64>,
    /// Poll only these sources (by type), repeatable.
    #[arg(long = "source", value_name = "TYPE")]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Monte Carlo iterations per game (default analytics.iterations.simulate).
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// Random seed; the same seed gives the same numbers whatever the thread count.
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Poll the sources once before pricing.
    #[arg(long)]
    pub refresh: bool,
    /// Send a test alert through every configured channel.
    #[arg(long)]
    pub enable_alerts: bool,
    /// Skip the bankroll simulation.
    #[arg(long)]
    pub no_bankroll: bool,
    /// Minimum EV per unit staked (default analytics.value_threshold).
    #[arg(long, value_name = "EV")]
    pub value_threshold: Option<f64>,
    /// Fraction of full Kelly to stake (default analytics.kelly_fraction).
    #[arg(long, value_name = "F")]
    pub kelly_fraction: Option<f64>,
    /// Starting bankroll (default analytics.bankroll.initial).
    #[arg(long, value_name = "UNITS")]
    pub bankroll: Option<f64>,
    /// Refit ratings from this games file (nflverse games.csv layout).
    #[arg(long, value_name = "PATH")]
    pub games: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Monte Carlo iterations per game (default analytics.iterations.scan).
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// Minimum EV to export (default analytics.value_threshold).
    #[arg(long, value_name = "EV")]
    pub min_ev: Option<f64>,
    /// Write opportunities to PATH.csv or PATH.json.
    #[arg(long, value_name = "PATH")]
    pub export: Option<PathBuf>,
    /// Delete stored history older than this (e.g. 30d, 12h, 90m; at most 3650d) before
    /// scanning. The latest quotes of games not yet started are always kept.
    #[arg(long, value_name = "DURATION")]
    pub prune_older_than: Option<String>,
    /// With --prune-older-than: report what would be deleted, delete nothing.
    #[arg(long, requires = "prune_older_than")]
    pub dry_run: bool,
    /// With --prune-older-than: go ahead even when the prune removes more than half of the
    /// stored odds path (refused without it).
    #[arg(long, requires = "prune_older_than")]
    pub yes: bool,
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// List one kind only: value, stale, arb or middle (default: the value and stale edges).
    #[arg(long, value_enum)]
    pub kind: Option<ScanKind>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args, Default)]
pub struct DashboardArgs {
    /// Refresh cadence in seconds; with no value, dashboard.refresh_seconds.
    #[arg(long, value_name = "SECONDS", num_args = 0..=1)]
    pub refresh: Option<Option<f64>>,
    /// Watch a store another process writes, without starting ingestion (read-only).
    #[arg(long, visible_alias = "read-only")]
    pub attach: bool,
    /// Print one snapshot per refresh instead of drawing the full-screen UI.
    #[arg(long)]
    pub headless: bool,
    /// Headless: stop after N snapshots.
    #[arg(long, value_name = "N")]
    pub cycles: Option<u64>,
    /// Headless: stop after this long (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Monte Carlo iterations per game (default analytics.iterations.dashboard).
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// Theme name (default dashboard.theme).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct BacktestArgs {
    /// First season evaluated (ratings train on every earlier game).
    #[arg(long, value_name = "YEAR", default_value_t = 2015)]
    pub start_season: i32,
    /// Last season evaluated.
    #[arg(long, value_name = "YEAR", default_value_t = 2024)]
    pub end_season: i32,
    /// Games file (default analytics.ratings.games_path).
    #[arg(long, value_name = "PATH")]
    pub games: Option<PathBuf>,
    /// Accepted for compatibility: the backtest prices exactly and draws nothing.
    #[arg(long, value_name = "N", hide = true)]
    pub iterations: Option<u32>,
    /// Write one row per game (model, market and blend probabilities, margins, totals, scores;
    /// with --odds also the opener, the closing consensus and the model at the opener).
    #[arg(long, value_name = "PATH.csv")]
    pub predictions: Option<PathBuf>,
    /// Evaluate on real books instead: a folder in the odds-archive layout
    /// (<season>/week_<n>.csv, as data/odds), every season it holds.
    #[arg(long, value_name = "DIR")]
    pub odds: Option<PathBuf>,
    /// text (alias table) or json; csv with --odds (one row per figure).
    #[arg(long, value_enum, default_value = "text")]
    pub format: BacktestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BacktestFormat {
    #[value(alias = "table")]
    Text,
    Json,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct FuturesArgs {
    /// Results of games before this day count, later games are simulated (YYYY-MM-DD; default:
    /// the day after the games file's latest result).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Simulated seasons (1 to 1,000,000; default 10,000, or 5,000 per checkpoint with
    /// --calibrate).
    #[arg(long, value_name = "N")]
    pub simulations: Option<u64>,
    /// Random seed; the same seed gives the same numbers whatever the thread count.
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    pub seed: u64,
    /// Games file (default analytics.ratings.games_path).
    #[arg(long, value_name = "PATH")]
    pub games: Option<PathBuf>,
    /// Walk-forward calibration instead: seasons --start-season..=--end-season at weeks 4, 8, 12
    /// and 16, scored against what happened, beside the win-percentage baseline.
    #[arg(long, conflicts_with = "as_of")]
    pub calibrate: bool,
    /// With --calibrate: first season scored.
    #[arg(
        long,
        value_name = "YEAR",
        default_value_t = 2010,
        requires = "calibrate"
    )]
    pub start_season: i32,
    /// With --calibrate: last season scored.
    #[arg(
        long,
        value_name = "YEAR",
        default_value_t = 2024,
        requires = "calibrate"
    )]
    pub end_season: i32,
    /// table (text) or json or csv; --calibrate prints table or json.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FuturesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FuturesFormat {
    #[value(alias = "text")]
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (default api.bind).
    #[arg(long, value_name = "HOST:PORT")]
    pub bind: Option<String>,
    /// Attach read-only to a store another ingest process writes.
    #[arg(long)]
    pub attach: bool,
}

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// The probe to GET: plain http:// only (a loopback address in practice).
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:8080/healthz"
    )]
    pub url: String,
    /// Seconds allowed for connecting, sending and reading the answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0)]
    pub timeout: f64,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum StoreCommand {
    /// Copy every table of one store into another, empty one (SQLite to PostgreSQL, back, or
    /// SQLite to SQLite) in one transaction, then compare row counts; exit 1 on a mismatch.
    Migrate(StoreMigrateArgs),
    /// Integrity checks of the configured store (--storage or storage.url), read-only; exit 1
    /// if any check fails.
    Check(StoreCheckArgs),
}

#[derive(Debug, Clone, Args)]
pub struct StoreMigrateArgs {
    /// The store to copy: `sqlite:PATH`, `postgres://user@host[:port]/db` or a SQLite file path.
    /// `${VAR}` is replaced from the environment, so a password need not be on the command line.
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// The store to copy into; it must hold no rows (its schema is created or upgraded first).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// Rows per batch (one statement each on PostgreSQL).
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub batch_rows: u32,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct StoreCheckArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    #[command(subcommand)]
    pub command: DataCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DataCommand {
    /// Download the nflverse schedule (data.games_url), check it, and replace
    /// analytics.ratings.games_path atomically, keeping the old file as <path>.prev. Exit 1 and
    /// change nothing when the download is bad.
    Update(DataUpdateArgs),
    /// Games, seasons, last played gameday, source, fetch time and sha256 of the games file.
    Status(DataStatusArgs),
    /// Load a real-odds archive (<season>/week_<n>.csv, as data/odds) into the store as odds
    /// paths: each opener when it was posted, each book's close before kickoff. Idempotent.
    ImportOdds(DataImportOddsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct DataImportOddsArgs {
    /// The archive folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Games file the archive is joined to (default analytics.ratings.games_path).
    #[arg(long, value_name = "PATH")]
    pub games: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DataUpdateArgs {
    /// Download from this http(s) URL instead of data.games_url.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct DataStatusArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct BetsArgs {
    #[command(subcommand)]
    pub command: BetsCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum BetsCommand {
    /// Record a bet on an event in the store; nothing is stored when any field is wrong.
    Add(BetsAddArgs),
    /// Bets newest first.
    List(BetsListArgs),
    /// Void an open bet (it stays in the ledger, marked void, P&L 0).
    Void(BetsVoidArgs),
    /// Grade open bets whose game has a final score in the games file (`data update` brings
    /// new results): won, lost or push with P&L at the bet's price; halves and quarters stay
    /// ungraded (the file has final scores only).
    Settle(BetsSettleArgs),
    /// Count, staked, P&L, ROI, mean closing-line value with its 95% interval and the share of
    /// bets that beat the close; in total and by book, market or edge bucket.
    Report(BetsReportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct BetsReportArgs {
    /// Only bets placed since: a date (2026-09-01, UTC) or a duration back from now (7d).
    #[arg(long, value_name = "D")]
    pub since: Option<String>,
    /// book, market or edge_bucket (EV at placement: <2%, 2-4%, 4-6%, 6-10%, 10%+).
    #[arg(long, value_name = "GROUP")]
    pub by: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Args)]
pub struct BetsAddArgs {
    /// Event id as the store and dashboard show it, e.g. 2025_12_BUF_HOU.
    #[arg(long, value_name = "ID")]
    pub event: String,
    /// moneyline, moneyline_3way, spread, total, team_total, spread_alt or total_alt.
    #[arg(long)]
    pub market: String,
    /// game (default), 1h, 2h, 1q, 2q, 3q or 4q.
    #[arg(long)]
    pub scope: Option<String>,
    /// home, away, tie, over, under, home_over, ...
    #[arg(long)]
    pub selection: String,
    /// The line from the selection's point of view (home -3.5) or the total.
    #[arg(long, allow_hyphen_values = true)]
    pub line: Option<f64>,
    #[arg(long)]
    pub book: String,
    /// American (-110), decimal (1.91) or fractional (10/11).
    #[arg(long, allow_hyphen_values = true)]
    pub price: String,
    /// Amount staked, in bankroll units.
    #[arg(long, allow_hyphen_values = true)]
    pub stake: f64,
    /// Record it as a paper bet (not money placed).
    #[arg(long)]
    pub paper: bool,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct BetsListArgs {
    /// Only bets in this state: open, won, lost, push, void or ungraded.
    #[arg(long)]
    pub status: Option<String>,
    /// Only paper bets.
    #[arg(long, conflicts_with = "real")]
    pub paper: bool,
    /// Only real bets.
    #[arg(long)]
    pub real: bool,
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct BetsSettleArgs {
    /// Games file with final scores (default analytics.ratings.games_path).
    #[arg(long, value_name = "PATH")]
    pub games: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct BetsVoidArgs {
    /// The bet's id (`bets list`).
    pub id: i64,
    #[arg(long, default_value = "voided by hand")]
    pub reason: String,
}
