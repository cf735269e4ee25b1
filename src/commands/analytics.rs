//! `simulate`, `scan` and `backtest`: the pricing pipeline as one-shot commands for operators
//! and scripts. They call the same `Pricer` the dashboard engine runs.

use super::{load_config, Failure, Outcome};
use crate::alerts::{send_test_alert, AlertsEngine, DispatchOptions};
use crate::cli::{BacktestArgs, BacktestFormat, GlobalArgs, OutputFormat, ScanArgs, SimulateArgs};
use crate::config::Config;
use crate::engine::pricer::{self, MarketData, Pricer, PricingRun};
use crate::ingest::adapter;
use crate::ingest::scheduler::{single_pass, IngestState, Runner, SchedulerSettings};
use crate::snapshot::{EdgeRow, ExportFormat, Snapshot};
use crate::store::{self, now_ms, Store};
use anyhow::Context;
use serde_json::json;
use std::path::{Path, PathBuf};

fn usage(msg: String) -> Failure {
    Failure::Usage(format!("error: {msg}"))
}

fn check_range(
    flag: &str,
    v: Option<f64>,
    ok: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<(), Failure> {
    match v {
        Some(x) if !(x.is_finite() && ok(x)) => {
            Err(usage(format!("{flag} expects {expected}, got {x}")))
        }
        _ => Ok(()),
    }
}

/// Polls every enabled source once into the store, printing one line per source.
async fn refresh(cfg: &Config, writer: &Store, json: bool) -> Result<bool, Failure> {
    let settings = SchedulerSettings::from_config(&cfg.ingestion);
    let slots =
        adapter::build(cfg, &[], settings.interval_seconds).map_err(|e| usage(e.to_string()))?;
    let mut runners: Vec<Runner> = slots
        .into_iter()
        .map(|s| Runner::new(s, &settings))
        .collect();
    let state = IngestState::new(&runners);
    let reports = single_pass(&mut runners, &settings, writer, &state).await;
    for r in &reports {
        if json {
            crate::logging::stderr_line(format_args!(
                "{}",
                json!({"event": "ingest_poll", "source": r.source, "ok": r.ok, "quotes_received": r.quotes_received, "error": r.error})
            ));
        } else {
            crate::logging::stderr_line(format_args!(
                "refresh: source={} {} received={} changed={}{}",
                r.source,
                if r.ok { "ok" } else { "FAILED" },
                r.quotes_received,
                r.quotes_changed,
                r.error
                    .as_ref()
                    .map(|e| format!(" error=\"{e}\""))
                    .unwrap_or_default()
            ));
        }
    }
    Ok(reports.iter().all(|r| r.ok))
}

async fn read_market(store: &Store, cfg: &Config) -> Result<MarketData, Failure> {
    MarketData::read(store, cfg, now_ms())
        .await
        .context("reading the store")
        .map_err(Failure::Runtime)
}

struct Session {
    cfg: Config,
    writer: Store,
    thread: Option<store::writer::WriterThread>,
}

impl Session {
    fn open(cfg: Config, rt: &tokio::runtime::Runtime) -> Result<Session, Failure> {
        let (writer, thread) = rt
            .block_on(Store::open(&cfg, true))
            .context("opening the store")?;
        Ok(Session {
            cfg,
            writer,
            thread,
        })
    }

    /// Fresh quotes, polling the sources first when asked or when the store has none.
    async fn market(&self, force_refresh: bool, json: bool) -> Result<(MarketData, bool), Failure> {
        let mut refreshed_ok = true;
        let mut data = if force_refresh {
            MarketData::default()
        } else {
            read_market(&self.writer, &self.cfg).await?
        };
        if force_refresh || data.latest.is_empty() {
            refreshed_ok = refresh(&self.cfg, &self.writer, json).await?;
            data = read_market(&self.writer, &self.cfg).await?;
        }
        if data.latest.is_empty() {
            return Err(Failure::Runtime(anyhow::anyhow!(
                "no fresh quotes in {} (none confirmed in the last {:.0}s); check `ingest --interval 0 --retries 0`",
                self.cfg.ingestion.storage_path,
                self.cfg.ingestion.stale_after_seconds
            )));
        }
        Ok((data, refreshed_ok))
    }

    async fn persist(&self, run: &PricingRun) {
        let (sim, opps) = pricer::records(run);
        if let Err(e) = self.writer.insert_simulation(sim, opps).await {
            tracing::warn!(error = %e, "cannot store the simulation");
        }
        let snap = crate::snapshot::Snapshot {
            taken_ms: now_ms(),
            ingest: crate::snapshot::IngestView::configured(&self.cfg),
            edges: run.edges.clone(),
            simulations: vec![run.run.clone()],
            ..Default::default()
        };
        let extra = crate::metrics::Extra {
            store_queue_depth: self.writer.queue_depth().map(|d| d as u64),
            store_backpressure_waits: self.writer.backpressure_waits(),
            rules: Some(self.cfg.alerts.rules.clone()),
            cadence_seconds: Some(self.cfg.ingestion.scheduler.interval_seconds.max(1.0)),
            ..Default::default()
        };
        crate::metrics::write_configured(&self.cfg.metrics, &snap, &extra).await;
    }

    fn close(self) {
        drop(self.writer);
        if let Some(t) = self.thread {
            t.join();
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?)
}

fn load_pricer(cfg: &Config, games: Option<&Path>) -> Result<Pricer, Failure> {
    Pricer::load(cfg, games).map_err(|e| usage(e.to_string()))
}

pub fn simulate(g: &GlobalArgs, a: &SimulateArgs) -> Outcome {
    let mut cfg = load_config(g)?.config;
    check_range(
        "--value-threshold",
        a.value_threshold,
        |x| (0.0..1.0).contains(&x),
        "a number in [0, 1)",
    )?;
    check_range(
        "--kelly-fraction",
        a.kelly_fraction,
        |x| x > 0.0 && x <= 1.0,
        "a number in (0, 1]",
    )?;
    check_range("--bankroll", a.bankroll, |x| x > 0.0, "a positive number")?;
    if a.iterations == Some(0) {
        return Err(usage("--iterations expects at least 1".into()));
    }
    if let Some(v) = a.value_threshold {
        cfg.analytics.value_threshold = v;
    }
    if let Some(v) = a.kelly_fraction {
        cfg.analytics.kelly_fraction = v;
    }
    if let Some(v) = a.bankroll {
        cfg.analytics.bankroll.initial = v;
    }
    if a.no_bankroll {
        cfg.analytics.bankroll.enabled = false;
    }
    crate::logging::init(g, &cfg);
    let json = a.format == OutputFormat::Json;
    let iterations = a.iterations.unwrap_or(cfg.analytics.iterations.simulate);
    let seed = a.seed.unwrap_or(cfg.analytics.seed);
    let pricer = load_pricer(&cfg, a.games.as_deref())?;
    let rt = runtime()?;
    let session = Session::open(cfg.clone(), &rt)?;
    let result = rt.block_on(async {
        let mut failed = false;
        let mut test_alerts = Vec::new();
        if a.enable_alerts {
            for (channel, res) in send_test_alert(&cfg, &session.writer).await {
                // A channel that cannot exist here (desktop over SSH) is skipped, not failed.
                let skipped = res.as_ref().err().is_some_and(|e| e.starts_with("skipped"));
                failed |= res.is_err() && !skipped;
                if !json {
                    match &res {
                        Ok(()) => println!("test alert: {channel}: delivered"),
                        Err(e) => println!("test alert: {channel}: {e}"),
                    }
                }
                test_alerts.push(json!({"channel": channel, "ok": res.is_ok(), "detail": res.err()}));
            }
        }
        let (data, refreshed_ok) = session.market(a.refresh, json).await?;
        failed |= !refreshed_ok;
        let run = pricer.price(&data, &pricer::Pass { iterations, seed, bankroll: cfg.analytics.bankroll.initial, with_bankroll: cfg.analytics.bankroll.enabled, trigger: "simulate", now_ms: now_ms() });
        session.persist(&run).await;
        let alerts = if cfg.alerts.enabled { pipeline_alerts(&cfg, &session, &run, &data).await } else { json!(null) };
        if json {
            println!(
                "{}",
                json!({
                    "games": run.games, "opportunities": run.edges, "portfolio": run.portfolio, "bankroll": run.bankroll,
                    "analytics.simulation_latency": run.run.latency_ms / 1000.0, "simulation": run.run,
                    "seed": seed, "alerts": alerts, "test_alerts": test_alerts,
                })
            );
        } else {
            print_edges(&run.edges, &cfg);
            print_portfolio(&run);
            print_bankroll(&run, &cfg);
            print_latency(&run, &cfg, seed);
            if !alerts.is_null() {
                println!("Alerts: {} fired, {} notification(s) delivered", alerts["fired"], alerts["delivered"]);
            }
        }
        if failed { Err(Failure::Code(1)) } else { Ok(()) }
    });
    session.close();
    result
}

/// `simulate` runs the whole pipeline: the rules see this pass and notifications go out now.
async fn pipeline_alerts(
    cfg: &Config,
    session: &Session,
    run: &PricingRun,
    data: &MarketData,
) -> serde_json::Value {
    let mut engine = match AlertsEngine::new(cfg, Some(session.writer.clone())) {
        Ok(e) => e,
        Err(e) => return json!({"error": e.to_string()}),
    };
    let now = now_ms();
    let snap = Snapshot {
        taken_ms: now,
        edges: run.edges.clone(),
        simulations: vec![run.run.clone()],
        events: data
            .events
            .iter()
            .map(|e| crate::snapshot::EventView {
                event_id: e.event_id.clone(),
                label: e.label(),
                home_team: e.home_team.clone(),
                away_team: e.away_team.clone(),
                commence_ms: e.commence_ms,
                books: 0,
                quotes: 0,
            })
            .collect(),
        ..Default::default()
    };
    let fired = match engine.observe_and_enqueue(&snap, now).await {
        Ok(events) => events.len(),
        Err(e) => return json!({"error": e.to_string()}),
    };
    let delivered = match engine.dispatcher(DispatchOptions::from_config(&cfg.alerts)) {
        Some(d) => d.run_once(now_ms()).await.unwrap_or(0),
        None => 0,
    };
    json!({"fired": fired, "delivered": delivered})
}

pub fn scan(g: &GlobalArgs, a: &ScanArgs) -> Outcome {
    let mut cfg = load_config(g)?.config;
    check_range(
        "--min-ev",
        a.min_ev,
        |x| (0.0..1.0).contains(&x),
        "a number in [0, 1)",
    )?;
    if let Some(v) = a.min_ev {
        cfg.analytics.value_threshold = v;
    }
    let export = match &a.export {
        None => None,
        Some(p) => match p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Some((p.clone(), ExportFormat::Csv)),
            Some("json") => Some((p.clone(), ExportFormat::Json)),
            _ => {
                return Err(usage(format!(
                    "--export {}: the file name must end in .csv or .json",
                    p.display()
                )))
            }
        },
    };
    if let Some((p, _)) = &export {
        refuse_input(&cfg, p, "--export")?;
    }
    let prune = match &a.prune_older_than {
        None => None,
        Some(d) => {
            let dur = crate::duration::parse_bounded(d, crate::duration::MAX_PRUNE_AGE)
                .map_err(|e| usage(format!("--prune-older-than: {e}")))?;
            Some(dur)
        }
    };
    crate::logging::init(g, &cfg);
    let json = a.format == OutputFormat::Json;
    let iterations = a.iterations.unwrap_or(cfg.analytics.iterations.scan);
    let seed = a.seed.unwrap_or(cfg.analytics.seed);
    let pricer = load_pricer(&cfg, None)?;
    let rt = runtime()?;
    let session = Session::open(cfg.clone(), &rt)?;
    let now = now_ms();
    // At most ten years back (checked when parsed), so this cannot wrap.
    let cutoff = prune.map(|dur| now.saturating_sub(crate::duration::millis_i64(dur)));
    if let (Some(cutoff), false, false) = (cutoff, a.dry_run, a.yes) {
        // A mistyped duration (`0`, `1h` for `1d`) must not empty the history unasked.
        let would = rt
            .block_on(session.writer.prune_older_than(cutoff, now, true))
            .context("counting what the prune would remove")?;
        let stored = rt
            .block_on(session.writer.overview(0))
            .context("counting the stored history")?
            .quotes_history;
        if would.quotes_history as i64 * 2 > stored {
            session.close();
            return Err(usage(format!(
                "--prune-older-than {}: would remove {} of {} stored quote changes, more than half; see what goes with --dry-run, and add --yes to go ahead",
                a.prune_older_than.as_deref().unwrap_or(""),
                would.quotes_history,
                stored
            )));
        }
    }
    let result = rt.block_on(async {
        let mut pruned = None;
        if let Some(cutoff) = cutoff {
            let dry_run = a.dry_run;
            let stats = session.writer.prune_older_than(cutoff, now, dry_run).await.context("pruning history")?;
            if !json {
                println!(
                    "{} history older than {}: {} quote changes, {} latest quotes of started games, {} ingest runs, {} opportunities, {} delivered alerts",
                    if dry_run { "Would prune (dry run)" } else { "Pruned" },
                    a.prune_older_than.as_deref().unwrap_or(""),
                    stats.quotes_history,
                    stats.quotes_latest,
                    stats.ingest_runs,
                    stats.opportunities,
                    stats.alert_outbox
                );
            }
            pruned = Some(stats);
        }
        let (data, _) = session.market(false, json).await?;
        let run = pricer.price(&data, &pricer::Pass { iterations, seed, bankroll: cfg.analytics.bankroll.initial, with_bankroll: false, trigger: "scan", now_ms: now_ms() });
        session.persist(&run).await;
        let mut exported = None;
        if let Some((path, format)) = &export {
            let n = crate::engine::export::write(&run.edges, *format, path).with_context(|| format!("writing {}", path.display()))?;
            exported = Some(json!({"path": path.display().to_string(), "rows": n}));
            if !json {
                println!("Exported {n} opportunities to {}", path.display());
            }
        }
        if let Some(kind) = a.kind {
            super::scan_kind::print(kind, &run, &cfg, json);
        } else if json {
            println!("{}", json!({"opportunities": run.edges, "simulation": run.run, "exported": exported, "pruned": pruned, "dry_run": a.dry_run}));
        } else {
            print_edges(&run.edges, &cfg);
            print_latency(&run, &cfg, seed);
        }
        Ok(())
    });
    session.close();
    result
}

pub fn backtest(g: &GlobalArgs, a: &BacktestArgs) -> Outcome {
    if let Some(file) = &a.periods {
        return super::period_backtest::run(g, a, file);
    }
    if let Some(dir) = &a.odds {
        return super::odds_archive::backtest(g, a, dir);
    }
    if a.format == BacktestFormat::Csv {
        return Err(usage(
            "--format csv needs --odds DIR (the games-file backtest prints text or json; --predictions writes its per-game CSV)".into(),
        ));
    }
    let cfg = load_config(g)?.config;
    if a.start_season > a.end_season {
        return Err(usage(format!(
            "--start-season {} is after --end-season {}",
            a.start_season, a.end_season
        )));
    }
    if let Some(out) = &a.predictions {
        refuse_input(&cfg, out, "--predictions")?;
    }
    crate::logging::init(g, &cfg);
    let path = a
        .games
        .clone()
        .unwrap_or_else(|| PathBuf::from(&cfg.analytics.ratings.games_path));
    let games = crate::pricing::games::load_games(&path).map_err(|e| usage(e.to_string()))?;
    let (report, predictions) =
        crate::pricing::backtest::run(&games, &cfg.analytics, a.start_season, a.end_season);
    if report.moneyline.market.n == 0 {
        return Err(Failure::Runtime(anyhow::anyhow!(
            "{} has no finished games with closing moneylines in seasons {}-{}",
            path.display(),
            a.start_season,
            a.end_season
        )));
    }
    if let Some(out) = &a.predictions {
        write_predictions(out, &predictions)
            .with_context(|| format!("writing predictions to {}", out.display()))?;
    }
    if a.format == BacktestFormat::Json {
        println!(
            "{}",
            serde_json::to_string(&report).context("encoding the report")?
        );
        return Ok(());
    }
    print_backtest(&report);
    if let Some(out) = &a.predictions {
        println!(
            "\nPredictions: {} games written to {}",
            predictions.len(),
            out.display()
        );
    }
    Ok(())
}

/// Writes the per-game predictions beside the target, then renames it into place.
/// An output path that names one of the product's own inputs is a usage error.
pub(super) fn refuse_input(
    cfg: &crate::config::Config,
    path: &Path,
    flag: &str,
) -> Result<(), Failure> {
    match crate::engine::export::overwrites_input(cfg, path) {
        Some(key) => Err(usage(format!(
            "{flag} {}: that file is the product's own input ({key}); write somewhere else",
            path.display()
        ))),
        None => Ok(()),
    }
}

fn write_predictions(
    path: &Path,
    preds: &[crate::pricing::backtest::Prediction],
) -> anyhow::Result<()> {
    let tmp = path.with_extension("csv.partial");
    {
        let mut w = csv::Writer::from_path(&tmp)?;
        w.write_record(crate::pricing::backtest::Prediction::CSV_HEADER)?;
        for p in preds {
            w.write_record(p.csv_record())?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn print_backtest(r: &crate::pricing::backtest::BacktestReport) {
    use crate::pricing::backtest::Scored;
    println!(
        "Walk-forward backtest {}-{}: ratings from games of earlier weeks only; score models and blend weights from earlier seasons only; hyper-parameters tuned on {}-{} and frozen. Market = {}-de-vigged closing moneyline, 50/50 at the closing spread and total.",
        r.start_season, r.end_season, r.tuned_on.0, r.tuned_on.1, r.devig_method
    );
    let head = |what: &str| {
        println!(
            "\n{what}\n{:<8} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  {:>16}",
            "season",
            "games",
            "Brier-mdl",
            "Brier-mkt",
            "Brier-bln",
            "LogL-mdl",
            "LogL-mkt",
            "LogL-bln",
            "weight (chosen)"
        )
    };
    let row = |label: String, s: &Scored, w: Option<f64>| {
        println!(
            "{label:<8} {:>6} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4} {:>9.4}  {:>16}",
            s.market.n,
            s.model.brier,
            s.market.brier,
            s.blend.brier,
            s.model.log_loss,
            s.market.log_loss,
            s.blend.log_loss,
            w.map(|w| format!("{w:.2}")).unwrap_or_default()
        )
    };
    head("Moneyline (home win, ties left out)");
    for s in &r.by_season {
        row(
            s.season.to_string(),
            &s.moneyline,
            Some(s.weights.moneyline),
        );
    }
    row("all".into(), &r.moneyline, None);
    head("Spread (home cover at the closing spread, pushes left out)");
    for s in &r.by_season {
        row(s.season.to_string(), &s.spread, Some(s.weights.spread));
    }
    row("all".into(), &r.spread, None);
    head("Total (over at the closing total, pushes left out)");
    for s in &r.by_season {
        row(s.season.to_string(), &s.total, Some(s.weights.total));
    }
    row("all".into(), &r.total, None);
    let m = &r.moneyline;
    println!(
        "\nRecalibration slope of logit(y) on logit(p) (1 = calibrated): model {:.3}, market {:.3}, blend {:.3}",
        m.model.recalibration_slope, m.market.recalibration_slope, m.blend.recalibration_slope
    );
    println!(
        "Margin: model MAE {:.2} (RMSE {:.2}) against the closing spread's {:.2} ({:.2}) over {} games; model minus spread {:+.2} on average",
        r.margin.model_mae, r.margin.model_rmse, r.margin.market_mae, r.margin.market_rmse, r.margin.n, r.margin.bias_vs_market
    );
    println!(
        "Total:  model MAE {:.2} (RMSE {:.2}) against the closing total's {:.2} ({:.2}) over {} games; model minus total {:+.2} on average",
        r.total_points.model_mae, r.total_points.model_rmse, r.total_points.market_mae, r.total_points.market_rmse, r.total_points.n, r.total_points.bias_vs_market
    );
    println!("\nMoneyline calibration (all seasons): predicted vs observed home-win rate per bin");
    println!(
        "{:<11} {:>11} {:>8} {:>8} {:>8} {:>8}",
        "bin", "n mdl/mkt", "model", "obs", "market", "obs"
    );
    for (a, k) in m.model.calibration.iter().zip(&m.market.calibration) {
        println!(
            "{:<11} {:>11} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
            format!("{:.1}-{:.1}", a.lower, a.upper),
            format!("{}/{}", a.n, k.n),
            a.mean_predicted,
            a.observed,
            k.mean_predicted,
            k.observed
        );
    }
    let w = r.latest_weights;
    println!(
        "\nBlend weights the walk-forward chose for {} (on earlier seasons only; the shipped analytics.model_weight): moneyline {:.2}, spread {:.2}, total {:.2}",
        r.end_season, w.moneyline, w.spread, w.total
    );
    let sweep: Vec<String> = r
        .moneyline_sweep
        .iter()
        .map(|(w, b)| format!("{w:.1}: {b:.4}"))
        .collect();
    println!(
        "Moneyline blend Brier at fixed weights over these seasons (in-sample, for reading only): {}",
        sweep.join(", ")
    );
}

pub(super) fn print_edges(edges: &[EdgeRow], cfg: &Config) {
    if edges.is_empty() {
        println!(
            "No actionable opportunities identified (threshold {:.1}% EV).",
            cfg.analytics.value_threshold * 100.0
        );
        return;
    }
    println!(
        "Opportunities: {} above {:.1}% EV ({}-de-vigged consensus blended with the model at weights moneyline {:.2}, spread {:.2}, total {:.2}; EV = fair x dec + push - 1)",
        edges.len(),
        cfg.analytics.value_threshold * 100.0,
        cfg.analytics.devig_method,
        cfg.analytics.model_weight.moneyline,
        cfg.analytics.model_weight.spread,
        cfg.analytics.model_weight.total
    );
    println!(
        "{:<16} {:<14} {:<5} {:<16} {:<10} {:>6} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8}",
        "Event",
        "Market",
        "Scope",
        "Selection",
        "Book",
        "US",
        "Dec",
        "Fair",
        "Push",
        "EV%",
        "Stake%",
        "Move"
    );
    for e in edges {
        let sel = match e.line {
            Some(l) => format!("{} {:+}", e.selection, l),
            None => e.selection.clone(),
        };
        println!(
            "{:<16} {:<14} {:<5} {:<16} {:<10} {:>6} {:>7.4} {:>7.4} {:>7.4} {:>7.2} {:>7.2} {:>8}",
            truncate(&e.event, 16),
            truncate(&e.market, 14),
            e.scope,
            truncate(&sel, 16),
            truncate(&e.book, 10),
            format!("{:+}", e.american),
            e.decimal,
            e.fair_prob,
            e.push_prob,
            e.ev * 100.0,
            e.kelly * 100.0,
            e.movement_points
                .map(|m| format!("{m:+.1}"))
                .unwrap_or_else(|| "-".into())
        );
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('~')).collect()
    }
}

fn print_portfolio(run: &PricingRun) {
    let p = &run.portfolio;
    if p.bets.is_empty() {
        println!("\nPortfolio: no bets allocated.");
        return;
    }
    let total: f64 = p.bets.iter().map(|b| b.stake).sum();
    println!("\nPortfolio: {} bets, {:.2} units staked ({:.2}% of bankroll) after Kelly fraction, caps and exposure limits", p.bets.len(), total, p.total_fraction * 100.0);
    for (event, x) in &p.event_exposure {
        println!("  exposure {event:<20} {:>6.2}%", x * 100.0);
    }
}

fn print_bankroll(run: &PricingRun, cfg: &Config) {
    match &run.bankroll {
        None if !cfg.analytics.bankroll.enabled => println!("\nBankroll simulation: off (--no-bankroll or analytics.bankroll.enabled: false)."),
        None => println!("\nBankroll simulation: nothing to simulate (no bets allocated)."),
        Some(b) => println!(
            "\nBankroll simulation ({} trials x {} periods from {:.0}): mean {:.0}, median {:.0}, p05 {:.0}, p95 {:.0}; drawdown p50 {:.1}%, p95 {:.1}%; risk of ruin (below {:.0}%) {:.2}%",
            b.trials, b.periods, b.initial, b.mean_terminal, b.median_terminal, b.p05_terminal, b.p95_terminal,
            b.drawdown_p50 * 100.0, b.drawdown_p95 * 100.0, b.ruin_fraction * 100.0, b.risk_of_ruin * 100.0
        ),
    }
}

fn print_latency(run: &PricingRun, cfg: &Config, seed: u64) {
    println!(
        "\nanalytics.simulation_latency: {:.3} s for {} games x 7 scopes priced exactly, then checked with {} Monte Carlo draws each (target {:.1} s for 20k iterations; seed {seed})",
        run.run.latency_ms / 1000.0,
        run.run.events,
        run.run.iterations,
        cfg.analytics.simulation_latency_target_seconds,
    );
    match run.run.max_abs_z {
        Some(z) => println!(
            "Monte Carlo check: {} markets sampled against their exact prices; largest |z| {z:.2} at {} ({}; the limit is {:.2}: 4 SE for one market, widened for {} markets)",
            run.run.check_markets,
            run.run.check_worst,
            if z > run.run.check_limit { "FAILED: the exact prices disagree with their own distribution" } else { "ok" },
            run.run.check_limit,
            run.run.check_markets
        ),
        None => println!("Monte Carlo check: no games to check."),
    }
}
