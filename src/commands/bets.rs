//! `bets add`, `bets list`, `bets void`: the ledger from the command line. Exit codes: 0 done;
//! 1 the store could not be read or written, or there is no such open bet to void; 2 a bet that
//! cannot be recorded (a field is wrong or the event is unknown) — nothing is stored then.

use super::{load_config, Failure, Outcome};
use crate::cli::{
    BetsAddArgs, BetsArgs, BetsCommand, BetsListArgs, BetsReportArgs, BetsSettleArgs, BetsVoidArgs,
    GlobalArgs, OutputFormat, ReportFormat,
};
use crate::config::Config;
use crate::edges::ledger::{self, BetRequest};
use crate::store::bets::{Bet, BetFilter, STATUSES};
use crate::store::{now_ms, Store, StoreError};
use anyhow::Context as _;
use std::io::Write as _;

pub fn run(g: &GlobalArgs, a: &BetsArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    match &a.command {
        BetsCommand::Add(x) => rt.block_on(add(&cfg, x)),
        BetsCommand::List(x) => rt.block_on(list(&cfg, x)),
        BetsCommand::Void(x) => rt.block_on(void(&cfg, x)),
        BetsCommand::Settle(x) => rt.block_on(settle(&cfg, x)),
        BetsCommand::Report(x) => rt.block_on(report(&cfg, x)),
    }
}

/// Opens the store for writing and runs `f`; the SQLite writer is joined before returning, so
/// what `f` wrote is committed when the command exits.
async fn with_writable<T>(
    cfg: &Config,
    f: impl AsyncFnOnce(&Store) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let (store, thread) = Store::open(cfg, true).await.context("opening the store")?;
    let out = f(&store).await;
    drop(store);
    if let Some(t) = thread {
        let _ = tokio::task::spawn_blocking(move || t.join()).await;
    }
    out
}

async fn add(cfg: &Config, a: &BetsAddArgs) -> Outcome {
    let req = BetRequest {
        event_id: a.event.clone(),
        market: a.market.clone(),
        scope: a.scope.clone(),
        selection: a.selection.clone(),
        line: a.line,
        book: a.book.clone(),
        price: a.price.clone(),
        stake: a.stake,
        paper: a.paper,
        note: a.note.clone(),
    };
    let bet = ledger::validate(&req, now_ms())
        .map_err(|e| Failure::Usage(format!("error: bet not recorded: {e}")))?;
    let id = with_writable(cfg, async |store| match store.insert_bet(bet).await {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(Failure::Usage("error: bet not recorded: a bet with the same key exists".into())),
        Err(StoreError::UnknownEvent(e)) => Err(Failure::Usage(format!(
            "error: bet not recorded: no event `{e}` in the store (event ids are on the dashboard's Edges pane and in `scan --format json`)"
        ))),
        Err(e) => Err(Failure::Runtime(anyhow::Error::new(e).context("recording the bet"))),
    })
    .await?;
    let store = Store::open(cfg, false)
        .await
        .context("opening the store")?
        .0;
    let bet = store.get_bet(id).await.context("reading the bet back")?;
    let mut out = std::io::stdout().lock();
    match (a.format, bet) {
        (OutputFormat::Json, Some(b)) => {
            let _ = writeln!(out, "{}", serde_json::to_string(&b).unwrap_or_default());
        }
        (_, Some(b)) => {
            let _ = writeln!(out, "recorded bet {}: {}", b.id, line_of(&b));
        }
        (_, None) => {
            let _ = writeln!(out, "recorded bet {id}");
        }
    }
    Ok(())
}

async fn list(cfg: &Config, a: &BetsListArgs) -> Outcome {
    if let Some(s) = &a.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(Failure::Usage(format!(
                "error: --status: expected one of {}, got `{s}`",
                STATUSES.join(", ")
            )));
        }
    }
    let (store, _) = Store::open(cfg, false).await.context("opening the store")?;
    if !store.exists() {
        return Err(Failure::Runtime(anyhow::anyhow!(
            "no store at {} (start `ingest` first or pass --storage)",
            store.describe()
        )));
    }
    let filter = BetFilter {
        status: a.status.clone(),
        paper: if a.paper {
            Some(true)
        } else if a.real {
            Some(false)
        } else {
            None
        },
        limit: a.limit,
    };
    let bets = store.list_bets(filter).await.context("listing bets")?;
    let mut out = std::io::stdout().lock();
    if a.format == OutputFormat::Json {
        let _ = writeln!(out, "{}", serde_json::to_string(&bets).unwrap_or_default());
        return Ok(());
    }
    if bets.is_empty() {
        let _ = writeln!(out, "no bets");
    }
    for b in &bets {
        let _ = writeln!(out, "{:>5}  {}", b.id, line_of(b));
    }
    Ok(())
}

async fn void(cfg: &Config, a: &BetsVoidArgs) -> Outcome {
    let reason = a.reason.clone();
    let id = a.id;
    let done = with_writable(cfg, async |store| {
        store
            .void_bet(id, now_ms(), reason)
            .await
            .map_err(|e| Failure::Runtime(anyhow::Error::new(e).context("voiding the bet")))
    })
    .await?;
    if done {
        let _ = writeln!(std::io::stdout(), "voided bet {id}");
        Ok(())
    } else {
        Err(Failure::Runtime(anyhow::anyhow!(
            "no open bet {id} (it does not exist or is already graded)"
        )))
    }
}

/// Grades every open (or ungraded) bet whose game has a final score in the games file, and
/// records the closing-line value of bets whose game has kicked off (the same pass the engine
/// runs).
async fn settle(cfg: &Config, a: &BetsSettleArgs) -> Outcome {
    use crate::engine::bets::{run_pass, PassInputs};
    let path = a
        .games
        .clone()
        .unwrap_or_else(|| cfg.analytics.ratings.games_path.clone().into());
    let games = crate::pricing::games::load_games(&path)
        .map_err(|e| Failure::Usage(format!("error: {}: {e}", path.display())))?;
    let finals: std::collections::HashMap<String, (i32, i32)> = games
        .iter()
        .filter_map(|g| Some((g.game_id.clone(), (g.home_score?, g.away_score?))))
        .collect();
    // A file too short to fit the model still grades; only moved lines then go unvalued.
    let pricing = crate::pricing::PricingEngine::from_games(&games, &cfg.analytics)
        .ok()
        .map(std::sync::Arc::new);
    let periods = crate::data::periods::load_beside(&path, &games)
        .map_err(|e| Failure::Usage(format!("error: {e}")))?
        .unwrap_or_default();
    let inputs = PassInputs {
        finals: &finals,
        periods: &periods,
        pricing,
        analytics: &cfg.analytics,
        final_delay_ms: None,
        now_ms: now_ms(),
        max_valued: usize::MAX,
    };
    let report = with_writable(cfg, async |store| {
        run_pass(store, &inputs, &mut Default::default())
            .await
            .context("grading bets")
            .map_err(Failure::from)
    })
    .await?;
    let rows: Vec<serde_json::Value> = report
        .graded
        .iter()
        .map(|g| {
            serde_json::json!({"id": g.id, "event_id": g.event_id,
                "status": g.status, "pnl": g.pnl, "final": [g.final_score.0, g.final_score.1]})
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if a.format == OutputFormat::Json {
        let _ = writeln!(out, "{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        let _ = writeln!(out, "no open bet has a final score in {}", path.display());
    }
    for r in &rows {
        let pnl = r["pnl"]
            .as_f64()
            .map(|p| format!("{p:+.2}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "bet {} {} {} pnl {pnl}",
            r["id"],
            r["event_id"].as_str().unwrap_or(""),
            r["status"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// The ledger's scorecard (see `edges::report`).
async fn report(cfg: &Config, a: &BetsReportArgs) -> Outcome {
    use crate::edges::report::{self, GroupBy, ReportRow};
    let since = a
        .since
        .as_deref()
        .map(|s| report::parse_since(s, now_ms()))
        .transpose()
        .map_err(|e| Failure::Usage(format!("error: {e}")))?;
    let by =
        a.by.as_deref()
            .map(str::parse::<GroupBy>)
            .transpose()
            .map_err(|e| Failure::Usage(format!("error: {e}")))?;
    let (store, _) = Store::open(cfg, false).await.context("opening the store")?;
    let bets = store
        .list_bets(BetFilter::default())
        .await
        .context("reading the ledger")?;
    let r = report::report(&bets, since, by);
    let mut out = std::io::stdout().lock();
    let rows: Vec<&ReportRow> = std::iter::once(&r.total).chain(&r.rows).collect();
    let num = |x: Option<f64>, scale: f64, digits: usize| {
        x.map(|v| format!("{:.*}", digits, v * scale))
            .unwrap_or_default()
    };
    match a.format {
        ReportFormat::Json => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&r).unwrap_or_default()
            );
        }
        ReportFormat::Csv => {
            let _ = writeln!(out, "group,count,open,settled,won,lost,push,staked,pnl,roi,clv_n,clv_mean,clv_ci95_low,clv_ci95_high,clv_book_mean,beat_close");
            for x in rows {
                let c = &x.clv_consensus;
                let _ = writeln!(
                    out,
                    "{},{},{},{},{},{},{},{:.2},{:.2},{},{},{},{},{},{},{}",
                    csv_field(&x.group),
                    x.count,
                    x.open,
                    x.settled,
                    x.won,
                    x.lost,
                    x.push,
                    cents(x.staked),
                    cents(x.pnl),
                    num(x.roi, 1.0, 6),
                    c.n,
                    num(c.mean, 1.0, 6),
                    num(c.ci95_low, 1.0, 6),
                    num(c.ci95_high, 1.0, 6),
                    num(x.clv_book.mean, 1.0, 6),
                    num(x.beat_close, 1.0, 4)
                );
            }
        }
        ReportFormat::Table => {
            // CLV in probability points (1.0 = one percentage point), as a desk quotes it.
            let _ = writeln!(
                out,
                "{:<14} {:>6} {:>5} {:>7} {:>10} {:>10} {:>7} {:>7} {:>17} {:>6}",
                "group",
                "bets",
                "open",
                "settled",
                "staked",
                "pnl",
                "roi%",
                "clv",
                "clv 95%",
                "beat%"
            );
            for x in rows {
                let c = &x.clv_consensus;
                let ci = match (c.ci95_low, c.ci95_high) {
                    (Some(l), Some(h)) => format!("[{:+.2}, {:+.2}]", l * 100.0, h * 100.0),
                    _ => "-".into(),
                };
                let _ = writeln!(
                    out,
                    "{:<14} {:>6} {:>5} {:>7} {:>10.2} {:>+10.2} {:>7} {:>7} {:>17} {:>6}",
                    x.group,
                    x.count,
                    x.open,
                    x.settled,
                    cents(x.staked),
                    cents(x.pnl),
                    num(x.roi, 100.0, 2),
                    c.mean
                        .map(|m| format!("{:+.2}", m * 100.0))
                        .unwrap_or("-".into()),
                    ci,
                    num(x.beat_close, 100.0, 1)
                );
            }
        }
    }
    Ok(())
}

/// Money to the cent with no negative zero: a P&L that rounds to nothing is `0.00`, not `-0.00`.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0 + 0.0
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One bet on a line: what, where, at what price, and how it stands.
fn line_of(b: &Bet) -> String {
    let line = b.line.map(|l| format!(" {l:+}")).unwrap_or_default();
    let paper = if b.paper { " [paper]" } else { "" };
    let pnl = b
        .pnl
        .map(|p| format!(" pnl {:+.2}", cents(p)))
        .unwrap_or_default();
    format!(
        "{} {} {} {}{} @ {} {:.3} stake {:.2} {}{}{}",
        b.event_id,
        b.market,
        b.scope,
        b.selection,
        line,
        b.book,
        b.decimal,
        b.stake,
        b.status,
        pnl,
        paper
    )
}
