//! Runs the engine: ingestion (unless attached read-only), pricing, and the snapshot publisher,
//! all as tasks on the caller's tokio runtime; answers commands from front ends.

use super::handle::{EngineHandle, EngineSide};
use super::pricer::{MarketData, Pricer, PricerError, PricingRun};
use crate::alerts::{AlertsEngine, DispatchOptions};
use crate::config::Config;
use crate::domain::MarketKind;
use crate::ingest::adapter::{self, BuildError};
use crate::ingest::health::{Freshness, SourceHealth};
use crate::ingest::scheduler::{
    spawn_continuous, Controls, IngestState, Runner, SchedulerSettings, SharedIngestState,
};
use crate::snapshot::command::{Command, DetailView, HistoryPoint, Reply};
use crate::snapshot::*;
use crate::store::{self, now_ms, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::task::JoinSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Run ingestion in this process.
    Live,
    /// Watch a store another process writes; never write to it.
    Attach,
}

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub mode: Mode,
    pub refresh_seconds: f64,
    pub iterations: u32,
    /// Headless runs print terminal-channel alerts as JSON lines on stdout.
    pub terminal_alerts_json: bool,
}

impl EngineOptions {
    pub fn new(mode: Mode, refresh_seconds: f64, iterations: u32) -> Self {
        EngineOptions {
            mode,
            refresh_seconds,
            iterations,
            terminal_alerts_json: false,
        }
    }
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Sources(#[from] BuildError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Alerts(#[from] crate::alerts::AlertsError),
    #[error("analytics.ratings.games_path: {0} does not exist (the nflverse games file the model is fitted on)")]
    NoGames(PathBuf),
    #[error("cannot load the pricing model: {0}")]
    Pricer(#[from] PricerError),
    #[error("--attach needs an existing store, and {0} does not exist (start `ingest` first or pass --storage)")]
    NoStore(String),
}

/// Owns the engine's tasks; dropping it without `shutdown` aborts them.
pub struct Engine {
    tasks: JoinSet<()>,
    controls: Controls,
    writer_thread: Option<store::writer::WriterThread>,
}

struct Ctx {
    cfg: Config,
    opts: EngineOptions,
    store: Store,
    started_ms: i64,
    state: Option<SharedIngestState>,
    controls: Controls,
    version: u64,
    pricer: Option<Arc<Pricer>>,
    last_run: Option<Arc<PricingRun>>,
    simulations: std::collections::VecDeque<SimulationRun>,
    priced_stamp: Option<(i64, Option<i64>)>,
    priced_at: Option<std::time::Instant>,
    pricing_seq: u64,
    /// Steam events already counted (id -> when it happened), and how many there were in all.
    steam_seen: std::collections::HashMap<String, i64>,
    steam_total: u64,
    alerts: AlertsEngine,
    sampled_at: Option<std::time::Instant>,
    /// The engine's health check: the store answered the latest snapshot's read.
    store_readable: Option<bool>,
    /// Set while the store does not answer; the last good read stands in meanwhile.
    store_down: Option<StoreDown>,
    last_stored: Option<StoredView>,
    /// Held while this process prices and alerts for the store (one leader per database).
    leader: Option<crate::store::Leadership>,
    lead_tried: Option<std::time::Instant>,
    /// Final scores by game id, from the games file the pricer loaded.
    finals: Arc<std::collections::HashMap<String, (i32, i32)>>,
    /// Quarter scores by game id, from the period-scores file beside it.
    periods: Arc<crate::data::periods::PeriodScores>,
    /// Bets this process has already tried to value at the close.
    clv_tried: std::collections::HashSet<i64>,
    /// The ledger as of the last refresh.
    bets_view: crate::snapshot::BetsView,
    /// The background season simulation and the outright board.
    futures: super::futures::FuturesService,
}

impl Engine {
    /// Starts on the SQLite file at `ingestion.storage_path` (written in live mode).
    pub fn start(cfg: Config, opts: EngineOptions) -> Result<(EngineHandle, Engine), EngineError> {
        check_games(&cfg)?;
        let storage = PathBuf::from(&cfg.ingestion.storage_path);
        let busy = cfg.storage.busy_timeout_ms;
        let (store, thread) = if opts.mode == Mode::Live {
            let (s, t) = Store::open_writable(&storage, busy, cfg.storage.max_batch_ops)?;
            (s, Some(t))
        } else {
            (Store::reader(&storage, busy), None)
        };
        Engine::start_on(cfg, opts, store, thread)
    }

    /// Starts on a store already opened (`Store::open`: SQLite or PostgreSQL), writable in
    /// live mode, read-only when attached; `writer_thread` is joined at shutdown.
    pub fn start_on(
        cfg: Config,
        opts: EngineOptions,
        store: Store,
        writer_thread: Option<store::writer::WriterThread>,
    ) -> Result<(EngineHandle, Engine), EngineError> {
        check_games(&cfg)?;
        let controls = Controls::new();
        let mut tasks = JoinSet::new();
        let store = match opts.mode {
            Mode::Live => store,
            Mode::Attach => store.read_only(),
        };
        let mut state = None;
        if opts.mode == Mode::Live {
            if !store.is_writable() {
                return Err(EngineError::Store(store::StoreError::ReadOnly));
            }
            let settings = SchedulerSettings::from_config(&cfg.ingestion);
            let slots = adapter::build(&cfg, &[], settings.interval_seconds)?;
            let runners: Vec<Runner> = slots
                .into_iter()
                .map(|s| Runner::new(s, &settings))
                .collect();
            let (keep, every) = store::retention::settings(&cfg.storage);
            tasks.spawn(store::retention::run(
                store.clone(),
                keep,
                every,
                controls.shutdown.subscribe(),
            ));
            let st = IngestState::new(&runners);
            let (tx, mut rx) = tokio::sync::mpsc::channel(crate::ingest::scheduler::REPORT_QUEUE);
            let mut ingest = spawn_continuous(
                runners,
                settings,
                store.clone(),
                st.clone(),
                controls.clone(),
                tx,
            );
            tasks.spawn(async move {
                // Poll reports already updated the shared state; log the failures for the log pane.
                while let Some(r) = rx.recv().await {
                    if let Some(e) = &r.error {
                        tracing::warn!(source = %r.source, error = %e, "poll failed");
                    } else {
                        tracing::debug!(source = %r.source, received = r.quotes_received, changed = r.quotes_changed, "poll stored");
                    }
                }
                while ingest.join_next().await.is_some() {}
            });
            state = Some(st);
        } else if !store.exists() {
            return Err(EngineError::NoStore(store.describe()));
        }
        let alerts = AlertsEngine::new(&cfg, Some(store.clone()))?;
        if let Some(d) = alerts.dispatcher(DispatchOptions::from_config(&cfg.alerts)) {
            let d = match opts.terminal_alerts_json {
                true => {
                    d.with_terminal_output(crate::alerts::channels::TerminalOutput::json_lines(
                        Box::new(std::io::stdout()),
                    ))
                }
                false => d,
            };
            tasks.spawn(d.run(controls.shutdown.subscribe()));
        }
        let mut ctx = Ctx {
            alerts,
            sampled_at: None,
            store_readable: None,
            store_down: None,
            last_stored: None,
            leader: None,
            lead_tried: None,
            finals: Arc::default(),
            periods: Arc::default(),
            clv_tried: Default::default(),
            bets_view: Default::default(),
            futures: super::futures::FuturesService::new(&cfg),
            pricer: None,
            last_run: None,
            simulations: Default::default(),
            priced_stamp: None,
            priced_at: None,
            pricing_seq: 0,
            steam_seen: Default::default(),
            steam_total: 0,
            cfg,
            opts,
            store,
            started_ms: now_ms(),
            state,
            controls: controls.clone(),
            version: 0,
        };
        // PostgreSQL is read asynchronously: the first refresh fills the view.
        let first = if ctx.store.is_postgres() {
            ctx.assemble(None)
        } else {
            ctx.build_snapshot_blocking()
        };
        let (handle, side) = EngineHandle::channel(first, ctx.opts.mode == Mode::Attach);
        tasks.spawn(async move { ctx.run(side).await });
        Ok((
            handle,
            Engine {
                tasks,
                controls,
                writer_thread,
            },
        ))
    }

    /// Resolves when one of the engine's tasks has panicked, with what it said; pending
    /// otherwise. A front end stops on it: a dead engine must not keep serving its last snapshot
    /// as if it were live (a process manager restarts the process).
    pub async fn failed(&mut self) -> String {
        loop {
            match self.tasks.join_next().await {
                Some(Err(e)) if e.is_panic() => return panic_message(e.into_panic()),
                Some(_) => continue,
                None => std::future::pending::<()>().await,
            }
        }
    }

    /// Stops ingestion after the poll in flight, waits for every commit, then returns.
    pub async fn shutdown(mut self) {
        let _ = self.controls.shutdown.send(true);
        let deadline = tokio::time::sleep(Duration::from_secs(15));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = self.tasks.join_next() => if next.is_none() { break },
                _ = &mut deadline => { self.tasks.abort_all(); break; }
            }
        }
        if let Some(t) = self.writer_thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

/// Fitting ratings takes a moment: the file is checked now and fitted in the background, so the
/// front end and ingestion start at once.
fn check_games(cfg: &Config) -> Result<(), EngineError> {
    let games = PathBuf::from(&cfg.analytics.ratings.games_path);
    if games.is_file() {
        Ok(())
    } else {
        Err(EngineError::NoGames(games))
    }
}

impl Ctx {
    async fn run(&mut self, mut side: EngineSide) {
        let cfg = self.cfg.clone();
        let mut loading = Some(tokio::task::spawn_blocking(move || {
            Pricer::load(&cfg, None)
        }));
        // `data update` swaps the games file in place: when its stamp changes, the model is
        // refitted in the background and the engine keeps pricing with the old one meanwhile.
        let games_path = PathBuf::from(&self.cfg.analytics.ratings.games_path);
        let mut games_stamp = file_stamp(&games_path).await;
        let mut games_checked = std::time::Instant::now();
        let refresh = crate::duration::secs_clamped(
            self.opts.refresh_seconds,
            crate::duration::MIN_REFRESH,
            crate::duration::MAX_REFRESH,
        );
        let mut tick = tokio::time::interval(refresh);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown = self.controls.shutdown.subscribe();
        self.alerts.restore_async().await;
        // Another host's commits arrive as notifications: refresh at once instead of waiting.
        let mut changes = self.store.listen();
        loop {
            tokio::select! {
                Ok(()) = async { match changes.as_mut() { Some(c) => c.changed().await.map_err(|_| ()), None => std::future::pending().await } } => {
                    tick.reset_immediately();
                }
                _ = tick.tick() => {
                    self.keep_leadership().await;
                    let mut snap = self.build_snapshot().await;
                    let stamp = (snap.ingest.quotes_history, snap.ingest.last_poll_ms);
                    let due = self.priced_at.is_none_or(|t| t.elapsed().as_secs_f64() >= self.opts.refresh_seconds.max(2.0));
                    if snap.ingest.quotes_latest > 0 && due && self.pricer.is_some() && self.priced_stamp != Some(stamp) {
                        self.priced_stamp = Some(stamp);
                        let iterations = self.opts.iterations;
                        if let Err(e) = self.reprice(iterations, "refresh").await {
                            tracing::warn!(error = %e, "pricing failed");
                        }
                        self.fill_pricing(&mut snap);
                    }
                    self.observe_alerts(&mut snap, &side.shared).await;
                    self.bet_lifecycle(snap.taken_ms).await;
                    self.refresh_bets(&mut snap).await;
                    self.futures.tick(self.pricer.as_ref(), &self.store, snap.taken_ms).await;
                    snap.futures = self.futures.view();
                    if loading.is_none() && games_checked.elapsed() >= GAMES_CHECK {
                        games_checked = std::time::Instant::now();
                        let now_stamp = file_stamp(&games_path).await;
                        if now_stamp.is_some() && now_stamp != games_stamp {
                            games_stamp = now_stamp;
                            tracing::info!(path = %games_path.display(), "the games file changed; refitting the ratings in the background");
                            let cfg = self.cfg.clone();
                            loading = Some(tokio::task::spawn_blocking(move || Pricer::load(&cfg, None)));
                        }
                    }
                    side.shared.heartbeat_ms.store(now_ms(), std::sync::atomic::Ordering::Relaxed);
                    let changed = {
                        let cur = side.snapshots.borrow();
                        !same_content(&cur, &snap)
                    };
                    if changed {
                        let _ = side.snapshots.send(Arc::new(snap));
                    }
                }
                Some((cmd, reply)) = side.commands.recv() => {
                    let answer = self.handle(cmd).await;
                    let _ = reply.send(answer);
                }
                res = async { loading.as_mut().expect("guarded").await }, if loading.is_some() => {
                    loading = None;
                    match res {
                        Ok(Ok(p)) => {
                            let finals = p.engine().finals();
                            if self.pricer.is_some() {
                                tracing::info!(finals = finals.len(), "ratings refitted from the new games file");
                            } else {
                                tracing::info!(finals = finals.len(), "pricing model fitted");
                            }
                            self.finals = Arc::new(finals);
                            self.periods = p.periods().clone();
                            let gate = p.period_gate();
                            tracing::info!(state = gate.state, reason = %gate.reason, min_ev = gate.min_ev, "period gate");
                            self.cfg.analytics.periods.gate_open = gate.is_open();
                            self.pricer = Some(Arc::new(p));
                        }
                        Ok(Err(e)) if self.pricer.is_some() => tracing::error!(error = %e, "cannot refit from the new games file; pricing goes on with the previous model"),
                        Ok(Err(e)) => tracing::error!(error = %e, "cannot load the pricing model; pricing is off"),
                        Err(e) => tracing::error!(error = %e, "pricing model task failed"),
                    }
                }
                _ = shutdown.changed() => break,
            }
        }
    }

    async fn handle(&mut self, cmd: Command) -> Reply {
        match cmd {
            Command::IngestNow | Command::Pause | Command::Resume
                if self.opts.mode == Mode::Attach =>
            {
                Reply::Error("attached read-only: ingestion runs in another process".into())
            }
            Command::IngestNow => {
                self.controls.poll_now.notify_waiters();
                Reply::Done("polling every source now".into())
            }
            Command::Pause => {
                let _ = self.controls.paused.send(true);
                if let Some(st) = &self.state {
                    if let Ok(mut s) = st.lock() {
                        s.paused = true;
                    }
                }
                Reply::Done("ingestion paused".into())
            }
            Command::Resume => {
                let _ = self.controls.paused.send(false);
                if let Some(st) = &self.state {
                    if let Ok(mut s) = st.lock() {
                        s.paused = false;
                    }
                }
                Reply::Done("ingestion resumed".into())
            }
            Command::Detail { key } => self.detail(key).await,
            Command::PlaceBet { key, stake } => self.place_bet(key, stake).await,
            Command::Simulate { iterations } => {
                let n = iterations.unwrap_or(self.opts.iterations);
                match self.reprice(n, "simulate").await {
                    Ok(run) => Reply::Done(format!(
                        "simulated {} games x {} iterations in {:.0} ms: {} opportunities",
                        run.run.events,
                        n,
                        run.run.latency_ms,
                        run.edges.len()
                    )),
                    Err(e) => Reply::Error(e),
                }
            }
            Command::Scan => match self.reprice(self.opts.iterations, "scan").await {
                Ok(run) => Reply::Done(format!(
                    "scan: {} opportunities above {:.1}% EV",
                    run.edges.len(),
                    self.cfg.analytics.value_threshold * 100.0
                )),
                Err(e) => Reply::Error(e),
            },
            Command::Export { format, path } => self.export(format, path),
            Command::Ack { .. } | Command::Silence { .. } => {
                let reply = self.alerts.handle(&cmd, now_ms());
                // An ack stages `acknowledge` notifications (PagerDuty, webhooks).
                if let Err(e) = self.alerts.enqueue().await {
                    tracing::warn!(error = %e, "cannot queue alert acknowledgements");
                }
                reply.unwrap_or_else(|| Reply::Error("unhandled alert command".into()))
            }
        }
    }

    async fn detail(&self, key: String) -> Reply {
        let parts: Vec<&str> = key.split('|').collect();
        let [event, market, scope, selection, ..] = parts[..] else {
            return Reply::Error(format!("malformed edge key {key:?}"));
        };
        let (Ok(market), Ok(scope), Ok(selection)) = (
            market.parse::<MarketKind>(),
            scope.parse(),
            selection.parse(),
        ) else {
            return Reply::Error(format!("malformed edge key {key:?}"));
        };
        let event_id = event.to_string();
        let limit = self.cfg.analytics.history_limit as usize * 8;
        let res = self
            .store
            .history(event.to_string(), market, scope, selection, None, limit)
            .await
            .map(|rows| {
                rows.into_iter()
                    .map(|q| HistoryPoint {
                        book: q.book,
                        observed_ms: q.observed_ms,
                        american: q.american,
                        line: q.line,
                    })
                    .collect::<Vec<_>>()
            });
        match res {
            Ok(history) => {
                let margin_distribution = self
                    .last_run
                    .as_ref()
                    .and_then(|r| r.sim.margin_distribution(&event_id, scope))
                    .unwrap_or_default();
                Reply::Detail(Box::new(DetailView {
                    key,
                    history,
                    margin_distribution,
                }))
            }
            Err(e) => Reply::Error(format!("detail query failed: {e}")),
        }
    }

    /// Live engines on one store elect a leader that persists simulations and queues alerts;
    /// the others price for their own views only. Retried every few seconds, so a leader that
    /// dies is replaced.
    async fn keep_leadership(&mut self) {
        if self.opts.mode != Mode::Live || self.leader.as_ref().is_some_and(|l| l.is_held()) {
            return;
        }
        if self
            .lead_tried
            .is_some_and(|t| t.elapsed() < Duration::from_secs(5))
        {
            return;
        }
        self.lead_tried = Some(std::time::Instant::now());
        let was = self.leader.take().is_some();
        match self.store.try_lead("pricing").await {
            Ok(Some(l)) => {
                tracing::info!(store = %self.store.describe(), "leading pricing and alerts on this store");
                self.leader = Some(l);
            }
            Ok(None) if was => tracing::warn!("lost pricing leadership; another process leads"),
            Ok(None) => tracing::info!(
                "another process leads pricing on this store; pricing for this view only"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot take pricing leadership"),
        }
        self.alerts.set_sending(self.is_leader());
    }

    fn is_leader(&self) -> bool {
        self.leader.as_ref().is_some_and(|l| l.is_held())
    }

    /// One pricing pass over the stored quotes; persisted when this process owns the store.
    async fn reprice(&mut self, iterations: u32, trigger: &str) -> Result<Arc<PricingRun>, String> {
        let pricer = self
            .pricer
            .clone()
            .ok_or("the pricing model is still loading; try again in a moment")?;
        let cfg = self.cfg.clone();
        self.pricing_seq += 1;
        // A fresh seed per pass, derived from the configured one: reproducible from the log.
        let seed = cfg.analytics.seed.wrapping_add(self.pricing_seq);
        let trigger = trigger.to_string();
        let now = now_ms();
        let data = MarketData::read(&self.store, &cfg, now)
            .await
            .map_err(|e| format!("reading quotes: {e}"))?;
        let run = tokio::task::spawn_blocking(move || -> Result<PricingRun, String> {
            Ok(pricer.price(
                &data,
                &super::pricer::Pass {
                    iterations,
                    seed,
                    bankroll: cfg.analytics.bankroll.initial,
                    with_bankroll: false,
                    trigger: &trigger,
                    now_ms: now,
                },
            ))
        })
        .await
        .map_err(|e| format!("pricing task failed: {e}"))??;
        let mut run = run;
        run.market.steam_total = self.count_steam(&run.market.steam, now);
        let run = Arc::new(run);
        if self.store.is_writable() && self.is_leader() {
            let (sim, opps) = super::pricer::records(&run);
            if let Err(e) = self.store.insert_simulation(sim, opps).await {
                tracing::warn!(error = %e, "cannot store the simulation");
            }
        }
        self.simulations.push_back(run.run.clone());
        while self.simulations.len() > 30 {
            self.simulations.pop_front();
        }
        self.priced_at = Some(std::time::Instant::now());
        self.last_run = Some(run.clone());
        Ok(run)
    }

    /// Counts steam events not seen in earlier passes (each pass re-detects the lookback), so
    /// `market_steam_total` is a true counter. Ids older than twice the lookback are forgotten:
    /// no pass can report them again.
    fn count_steam(&mut self, events: &[crate::edges::steam::SteamEvent], now: i64) -> u64 {
        for e in events {
            if self.steam_seen.insert(e.id(), e.at_ms).is_none() {
                self.steam_total += 1;
            }
        }
        let keep = (self.cfg.analytics.markets.steam_lookback_seconds * 2000.0) as i64;
        self.steam_seen
            .retain(|_, at| now.saturating_sub(*at) <= keep);
        self.steam_total
    }

    /// Runs the alert rules over the snapshot, queues notifications, and publishes metrics.
    async fn observe_alerts(&mut self, snap: &mut Snapshot, shared: &super::handle::Shared) {
        let us = shared
            .render_latency_us
            .load(std::sync::atomic::Ordering::Relaxed);
        // The health check behind DashboardStale's second half: the store read of each
        // refresh (what /readyz checks first). Failing repeatedly, the rule fires.
        self.alerts
            .set_frontend((us > 0).then(|| us as f64 / 1e6), self.store_readable);
        match self.alerts.observe_and_enqueue(snap, snap.taken_ms).await {
            Ok(events) => self.paper_trade(&events, snap).await,
            Err(e) => tracing::warn!(error = %e, "cannot queue alerts"),
        }
        snap.alerts = self.alerts.view();
        let registry = crate::metrics::collect(snap, &self.alerts.metrics_extra());
        let text = registry.to_prometheus();
        if let Ok(mut m) = shared.metrics_text.lock() {
            m.clone_from(&text);
        }
        // Every `metrics.sample_interval_seconds`: a stored sample and the textfile.
        let due = self
            .sampled_at
            .is_none_or(|t| t.elapsed().as_secs_f64() >= self.cfg.metrics.sample_interval_seconds);
        if !due {
            return;
        }
        self.sampled_at = Some(std::time::Instant::now());
        self.store_samples(&registry).await;
        if let Some(path) = self.cfg.metrics.textfile.clone() {
            let res = tokio::task::spawn_blocking(move || {
                crate::metrics::write_textfile(std::path::Path::new(&path), &text)
            })
            .await;
            if let Ok(Err(e)) = res {
                tracing::warn!(error = %e, "cannot write the metrics textfile");
            }
        }
    }

    /// `:bet`: a real bet on an edge of the latest pricing run, at its price and (unless a stake
    /// is given) its Kelly stake, with what the product believed at that moment.
    async fn place_bet(&self, key: String, stake: Option<f64>) -> Reply {
        if !self.store.is_writable() {
            return Reply::Error(
                "read-only: bets are recorded by the process that writes the store".into(),
            );
        }
        let Some(edge) = self
            .last_run
            .as_ref()
            .and_then(|r| r.edges.iter().find(|e| e.key == key))
        else {
            return Reply::Error(format!("the edge {key} is no longer on the board"));
        };
        let stake = stake.unwrap_or(edge.stake);
        let bet = match super::bets::bet_on_edge(edge, stake, false, "dashboard".into(), now_ms()) {
            Ok(b) => b,
            Err(e) => return Reply::Error(format!("bet not recorded: {e}")),
        };
        match self.store.insert_bet(bet.clone()).await {
            Ok(Some(id)) => Reply::Done(format!(
                "recorded bet {id}: {} {} {} @ {} {:.3} stake {:.2}",
                bet.event_id, bet.market, bet.selection, bet.book, bet.decimal, bet.stake
            )),
            Ok(None) => Reply::Error("the same bet is already recorded".into()),
            Err(e) => Reply::Error(format!("bet not recorded: {e}")),
        }
    }

    /// Every edge a new_edge alert fired for becomes a paper bet at the alerted price and
    /// stake (`bets.paper`), once per firing; only the pricing leader writes them.
    async fn paper_trade(&self, events: &[crate::alerts::AlertEvent], snap: &Snapshot) {
        if !self.cfg.bets.paper || !self.store.is_writable() || !self.is_leader() {
            return;
        }
        for ev in events {
            if ev.kind != crate::alerts::EventKind::Fired || ev.suppressed.is_some() {
                continue;
            }
            let Some(key) = ev.instance.strip_prefix("new_edge|") else {
                continue;
            };
            let Some(edge) = snap.edges.iter().find(|e| e.key == key) else {
                continue;
            };
            // A price still on the board after kickoff is stale, not a bet anyone can make.
            if snap
                .events
                .iter()
                .any(|e| e.event_id == edge.event_id && e.commence_ms <= snap.taken_ms)
            {
                continue;
            }
            let note = format!("alert {}", ev.alert.id);
            let mut bet = match super::bets::bet_on_edge(
                edge,
                edge.stake,
                true,
                note,
                snap.taken_ms,
            ) {
                Ok(b) => b,
                Err(e) => {
                    tracing::debug!(edge = %edge.key, error = %e, "alerted edge not paper-traded");
                    continue;
                }
            };
            bet.dedup_key = Some(format!("paper|{}|{}", edge.key, ev.alert.since_ms));
            match self.store.insert_bet(bet).await {
                Ok(Some(id)) => {
                    tracing::info!(bet = id, edge = %edge.key, "paper bet on an alerted edge")
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, edge = %edge.key, "cannot record the paper bet")
                }
            }
        }
    }

    /// CLV once an event kicks off, grades once its final is in (see `engine::bets`); the
    /// pricing leader only, so one process writes each grade.
    async fn bet_lifecycle(&mut self, now: i64) {
        let Some(pricer) = self.pricer.clone() else {
            return;
        };
        if !self.store.is_writable() || !self.is_leader() {
            return;
        }
        let inputs = super::bets::PassInputs {
            finals: &self.finals,
            periods: &self.periods,
            pricing: Some(pricer.engine().clone()),
            analytics: &self.cfg.analytics,
            final_delay_ms: Some(results_delay_ms(&self.cfg)),
            now_ms: now,
            max_valued: super::bets::MAX_VALUED_PER_PASS,
        };
        match super::bets::run_pass(&self.store, &inputs, &mut self.clv_tried).await {
            Ok(r) => {
                for g in &r.graded {
                    tracing::info!(bet = g.id, event = %g.event_id, status = g.status, pnl = ?g.pnl, "bet graded");
                }
                if !r.valued.is_empty() {
                    tracing::info!(bets = ?r.valued, "closing-line value recorded");
                }
            }
            Err(e) => tracing::warn!(error = %e, "bet lifecycle pass failed"),
        }
    }

    /// The ledger into the snapshot (the Bets pane, the bets metrics); open bets get a live CLV
    /// against the board as it stands.
    async fn refresh_bets(&mut self, snap: &mut Snapshot) {
        let bets = match self.store.list_bets(Default::default()).await {
            Ok(b) => b,
            Err(e) => {
                tracing::debug!(error = %e, "cannot read the ledger");
                return;
            }
        };
        let board = if bets.iter().any(|b| b.status == "open") {
            let since = snap.taken_ms - (self.cfg.ingestion.stale_after_seconds * 1000.0) as i64;
            self.store.latest_quotes(since).await.unwrap_or_default()
        } else {
            Vec::new()
        };
        let analytics = self.cfg.analytics.clone();
        let view =
            tokio::task::spawn_blocking(move || super::bets::view(&bets, &board, &analytics))
                .await
                .unwrap_or_default();
        self.bets_view = view.clone();
        snap.bets = view;
    }

    /// The registry into `metrics_samples` (live engines only: an attached one never writes).
    async fn store_samples(&self, registry: &crate::metrics::Registry) {
        if !self.store.is_writable() {
            return;
        }
        let rows = registry.stored_samples("");
        if let Err(e) = self.store.insert_metric_samples(rows).await {
            tracing::warn!(error = %e, "cannot store metric samples");
        }
    }

    fn fill_pricing(&self, snap: &mut Snapshot) {
        if let Some(run) = &self.last_run {
            snap.edges = run.edges.clone();
            snap.market = run.market.clone();
        }
        snap.simulations = self.simulations.iter().cloned().collect();
    }

    fn export(&self, format: ExportFormat, path: Option<PathBuf>) -> Reply {
        let Some(run) = &self.last_run else {
            return Reply::Error("nothing to export yet: no pricing pass has run".into());
        };
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        };
        let path = path.unwrap_or_else(|| {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
            PathBuf::from(&self.cfg.dashboard.export_dir)
                .join(format!("opportunities-{stamp}.{ext}"))
        });
        if let Some(key) = super::export::overwrites_input(&self.cfg, &path) {
            return Reply::Error(format!(
                "export to {} refused: that is the product's own input ({key})",
                path.display()
            ));
        }
        match super::export::write(&run.edges, format, &path) {
            Ok(n) => Reply::Done(format!("exported {n} opportunities to {}", path.display())),
            Err(e) => Reply::Error(format!("export to {} failed: {e}", path.display())),
        }
    }

    async fn build_snapshot(&mut self) -> Snapshot {
        let read = self
            .store
            .overview(crate::ingest::health::SUCCESS_WINDOW)
            .await;
        let stored = self.settle_read(read);
        self.assemble(stored)
    }

    fn build_snapshot_blocking(&mut self) -> Snapshot {
        let read = self
            .store
            .overview_blocking(crate::ingest::health::SUCCESS_WINDOW);
        let stored = self.settle_read(read);
        self.assemble(stored)
    }

    /// A failed read keeps the last good view and marks the store down (since the first
    /// failure), so the panes show an outage of the store rather than emptying or calling the
    /// feed stalled; a good read clears it.
    fn settle_read(
        &mut self,
        read: Result<store::Overview, store::StoreError>,
    ) -> Option<StoredView> {
        self.store_readable = Some(read.is_ok());
        match read {
            Ok(o) => {
                if self.store_down.take().is_some() {
                    tracing::info!(store = %self.store.describe(), "the store answers again");
                }
                let view = StoredView::from_overview(o);
                self.last_stored = Some(view.clone());
                Some(view)
            }
            Err(e) => {
                if self.store_down.is_none() {
                    tracing::warn!(store = %self.store.describe(), error = %e, "the store does not answer");
                    self.store_down = Some(StoreDown {
                        since_ms: now_ms(),
                        error: e.to_string(),
                    });
                }
                self.last_stored.clone()
            }
        }
    }

    fn assemble(&mut self, stored: Option<StoredView>) -> Snapshot {
        let now = now_ms();
        let cfg = &self.cfg;
        let mut ingest = IngestView::configured(cfg);
        ingest.store_down = self.store_down.clone();
        let mut events = Vec::new();
        if let Some(st) = self.state.as_ref().and_then(|s| s.lock().ok()) {
            ingest.fill_from_state(&st, now);
        }
        if let Some(sv) = stored {
            ingest.quotes_latest = sv.quotes_latest;
            ingest.quotes_history = sv.quotes_history;
            ingest.quarantined = sv.quarantined;
            // Attached, or serving a store that other processes feed: the store's view.
            let ingests_here = self
                .state
                .as_ref()
                .and_then(|s| s.lock().ok().map(|st| !st.sources.is_empty()))
                .unwrap_or(false);
            if self.opts.mode == Mode::Attach || !ingests_here {
                ingest.freshness = sv.freshness.rows(now);
                ingest.sources = sv.sources;
                ingest.book_sources = sv.book_sources;
                ingest.last_poll_ms = ingest.sources.iter().filter_map(|s| s.last_poll_ms).max();
            }
            events = sv.events;
        }
        let health = health_of(&ingest, now);
        self.version += 1;
        Snapshot {
            taken_ms: now,
            meta: Meta {
                environment: cfg.environment.clone(),
                storage_path: self.store.describe(),
                started_ms: self.started_ms,
                mode: match self.opts.mode {
                    Mode::Live => "live".into(),
                    Mode::Attach => "attach".into(),
                },
                read_only: self.opts.mode == Mode::Attach,
                refresh_seconds: self.opts.refresh_seconds,
                value_threshold: cfg.analytics.value_threshold,
                bankroll: cfg.analytics.bankroll.initial,
                iterations: self.opts.iterations,
                period_gate: self.pricer.as_ref().map(|p| p.period_gate().clone()),
            },
            ingest,
            events,
            edges: self
                .last_run
                .as_ref()
                .map(|r| r.edges.clone())
                .unwrap_or_default(),
            market: self
                .last_run
                .as_ref()
                .map(|r| r.market.clone())
                .unwrap_or_default(),
            simulations: self.simulations.iter().cloned().collect(),
            alerts: AlertsView::default(),
            health,
            bets: self.bets_view.clone(),
            futures: self.futures.view(),
            version: self.version,
        }
    }
}

/// How often a running engine looks at the games file for a new version.
const GAMES_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// The games file's modification time and size: what changes when `data update` swaps it.
async fn file_stamp(path: &std::path::Path) -> Option<(std::time::SystemTime, u64)> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let m = std::fs::metadata(path).ok()?;
        Some((m.modified().ok()?, m.len()))
    })
    .await
    .ok()
    .flatten()
}

/// How long after kickoff a game's final is trusted: the replay releases its results a game's
/// length after kickoff; live results come from the games file once `data update` brings them.
fn results_delay_ms(cfg: &Config) -> i64 {
    cfg.sources
        .iter()
        .find_map(|s| match s {
            crate::config::SourceConfig::Replay(r) if r.enabled => {
                Some(crate::ingest::replay::final_delay_ms(r))
            }
            _ => None,
        })
        .unwrap_or(0)
}

/// Snapshots differ only in their clock and version: skip publishing those.
fn same_content(a: &Snapshot, b: &Snapshot) -> bool {
    let strip = |s: &Snapshot| {
        let mut c = s.clone();
        c.taken_ms = 0;
        c.version = 0;
        for f in &mut c.ingest.freshness {
            f.age_seconds = f.age_seconds.floor();
        }
        c
    };
    strip(a) == strip(b)
}

/// The guide's health targets, checked against one snapshot.
pub fn health_of(ingest: &IngestView, now_ms: i64) -> Health {
    let judge = ingest.judge();
    let mut problems = Vec::new();
    match &ingest.store_down {
        // Ages read before the outage only grow: they say nothing about the feed.
        Some(d) => {
            problems.push(judge.store_problem((now_ms - d.since_ms) as f64 / 1000.0, &d.error))
        }
        None => {
            for f in &ingest.freshness {
                problems.extend(judge.stalled_problem(&f.book, &f.market_group, f.age_seconds));
            }
        }
    }
    for s in &ingest.sources {
        let polls = if s.recent.is_empty() {
            s.polls_total
        } else {
            s.recent.len() as u64
        };
        problems.extend(judge.source_problem(&s.name, s.success_rate, polls));
    }
    Health {
        ok: problems.is_empty(),
        problems,
    }
}

/// What the snapshot reads from the store each refresh.
#[derive(Clone)]
struct StoredView {
    quotes_latest: i64,
    quotes_history: i64,
    quarantined: i64,
    events: Vec<EventView>,
    freshness: Freshness,
    sources: Vec<SourceHealth>,
    book_sources: std::collections::BTreeMap<String, String>,
}

impl StoredView {
    fn from_overview(o: store::Overview) -> StoredView {
        let counts = o.event_quote_counts;
        let events = o
            .events
            .into_iter()
            .filter_map(|e| {
                let (_, books, quotes) = counts.iter().find(|(id, _, _)| *id == e.event_id)?;
                Some(EventView {
                    label: e.label(),
                    event_id: e.event_id,
                    home_team: e.home_team,
                    away_team: e.away_team,
                    commence_ms: e.commence_ms,
                    books: *books as usize,
                    quotes: *quotes as usize,
                })
            })
            .collect();
        let mut freshness = Freshness::default();
        let mut book_sources = std::collections::BTreeMap::new();
        for (book, market, seen, source) in o.last_seen {
            if let Ok(m) = market.parse::<MarketKind>() {
                freshness.observe(&book, m.group(), seen);
            }
            book_sources.insert(book, source);
        }
        let mut sources: Vec<SourceHealth> = Vec::new();
        for run in o.runs {
            if sources.last().is_none_or(|s| s.name != run.source) {
                sources.push(SourceHealth::new(&run.source, 0.0));
            }
            if let Some(h) = sources.last_mut() {
                h.record_poll(
                    run.ok,
                    run.finished_ms,
                    (run.started_ms - run.scheduled_ms).max(0) as f64 / 1000.0,
                );
                h.quotes_received += run.quotes_received as u64;
                h.quotes_changed += run.quotes_changed as u64;
                h.last_error = run.error;
            }
        }
        StoredView {
            quotes_latest: o.quotes_latest,
            quotes_history: o.quotes_history,
            quarantined: o.quarantined,
            events,
            freshness,
            sources,
            book_sources,
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
