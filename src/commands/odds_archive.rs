//! The real-odds archive at the command line: `backtest --odds DIR` (the real-market evaluation)
//! and `data import-odds DIR` (the archive into the store as odds paths).
//!
//! Exit codes: 0 done; 1 the store failed or the archive holds no played game the schedule
//! knows; 2 an unreadable archive or games file, bad usage.

use super::{load_config, Failure, Outcome};
use crate::cli::{BacktestArgs, BacktestFormat, DataImportOddsArgs, GlobalArgs, OutputFormat};
use crate::config::schema::PlausibilityConfig;
use crate::config::Config;
use crate::evaluation::{self, EvaluationError, Loaded};
use crate::ingest::archive::paths;
use crate::ingest::scheduler::quarantine_implausible;
use crate::ingest::SourceBatch;
use crate::store::records::Quarantined;
use crate::store::{now_ms, PollBatch, Store};
use anyhow::Context;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn usage(msg: String) -> Failure {
    Failure::Usage(format!("error: {msg}"))
}

/// The games file a command reads: its `--games`, else `analytics.ratings.games_path`.
pub(super) fn games_path(cfg: &Config, flag: Option<&PathBuf>) -> PathBuf {
    flag.cloned()
        .unwrap_or_else(|| PathBuf::from(&cfg.analytics.ratings.games_path))
}

fn loaded(dir: &Path, games_path: &Path) -> Result<Loaded, Failure> {
    Loaded::from_paths(dir, games_path).map_err(|e| usage(e.to_string()))
}

pub fn backtest(g: &GlobalArgs, a: &BacktestArgs, dir: &Path) -> Outcome {
    let mut cfg = load_config(g)?.config;
    crate::logging::init(g, &cfg);
    let games_path = games_path(&cfg, a.games.as_ref());
    // The games file this run reads is one of its inputs, whichever layer named it.
    cfg.analytics.ratings.games_path = games_path.display().to_string();
    if let Some(out) = &a.predictions {
        super::analytics::refuse_input(&cfg, out, "--predictions")?;
    }
    let loaded = loaded(dir, &games_path)?;
    let (eval, recs) = evaluation::evaluate(&loaded, &cfg.analytics, &cfg.ingestion.plausibility)
        .map_err(|e| match e {
        EvaluationError::NothingPlayed { .. } | EvaluationError::Pricing(_) => {
            Failure::Runtime(anyhow::Error::new(e))
        }
        other => usage(other.to_string()),
    })?;
    if let Some(out) = &a.predictions {
        write_rows(out, &recs.games)
            .with_context(|| format!("writing predictions to {}", out.display()))?;
    }
    let text = match a.format {
        BacktestFormat::Json => {
            serde_json::to_string(&eval).context("encoding the evaluation")? + "\n"
        }
        BacktestFormat::Csv => evaluation::report::csv(&eval).context("encoding the evaluation")?,
        BacktestFormat::Text => evaluation::report::table(&eval),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

/// The predictions file of `backtest --odds`: one row per played game.
fn write_rows(path: &Path, rows: &[evaluation::GameRecordRow]) -> anyhow::Result<()> {
    let tmp = path.with_extension("csv.partial");
    {
        let mut w = csv::Writer::from_path(&tmp)?;
        for r in rows {
            w.serialize(r)?;
        }
        w.flush()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// What `data import-odds` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportReport {
    pub dir: String,
    pub seasons: Vec<i32>,
    pub games_read: usize,
    pub games_imported: usize,
    /// Games whose closes the store already holds as its latest prices.
    pub games_already_stored: usize,
    pub quotes_written: usize,
    pub history_rows_added: usize,
    /// Cells, markets or games quarantined, and the games the schedule does not place.
    pub quarantined: usize,
    pub unjoined: Vec<String>,
}

pub fn import(g: &GlobalArgs, a: &DataImportOddsArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    crate::logging::init(g, &cfg);
    let games_path = games_path(&cfg, a.games.as_ref());
    let loaded = loaded(&a.dir, &games_path)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = rt.block_on(import_into(&cfg, &a.dir, &loaded))?;
    let text = match a.format {
        OutputFormat::Json => serde_json::to_string(&report).context("encoding the report")? + "\n",
        OutputFormat::Text => render_import(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

fn render_import(r: &ImportReport) -> String {
    let seasons = match (r.seasons.first(), r.seasons.last()) {
        (Some(f), Some(l)) if f != l => format!("{f}-{l}"),
        (Some(f), _) => f.to_string(),
        _ => "none".into(),
    };
    let mut o = format!(
        "Imported {} of {} archive games ({seasons}) from {}: {} quotes written, {} odds-path rows added; {} already stored, left as they were.\n",
        r.games_imported, r.games_read, r.dir, r.quotes_written, r.history_rows_added, r.games_already_stored
    );
    if r.quarantined > 0 {
        o.push_str(&format!(
            "{} archive entries quarantined (the store's quarantine table holds each with its reason).\n",
            r.quarantined
        ));
    }
    for u in &r.unjoined {
        o.push_str(&format!("not imported: {u}\n"));
    }
    o
}

async fn import_into(cfg: &Config, dir: &Path, loaded: &Loaded) -> Result<ImportReport, Failure> {
    let (store, thread) = Store::open(cfg, true).await.context("opening the store")?;
    let out = import_with(&store, dir, loaded, &cfg.ingestion.plausibility).await;
    drop(store);
    if let Some(t) = thread {
        let _ = tokio::task::spawn_blocking(move || t.join()).await;
    }
    out
}

/// Writes every joined game not yet stored: events, openers and the quarantined entries in one
/// transaction, then the closes in a second (a slot's opener and close must be two writes so the
/// odds path keeps both). An import stopped between the two is completed by running it again.
pub async fn import_with(
    store: &Store,
    dir: &Path,
    loaded: &Loaded,
    plausibility: &PlausibilityConfig,
) -> Result<ImportReport, Failure> {
    let now = now_ms();
    let latest: HashMap<String, (Option<f64>, i64)> = store
        .latest_quotes(0)
        .await
        .context("reading the stored prices")?
        .into_iter()
        .filter(|l| l.quote.source == paths::SOURCE)
        .map(|l| (l.quote.slot_key(), (l.quote.line, l.quote.american)))
        .collect();
    let starts = crate::pricing::known::week_starts(&loaded.games);
    let mut events = Vec::new();
    let mut openers = Vec::new();
    let mut closes = Vec::new();
    let mut already = 0;
    for j in &loaded.joined.joined {
        let row = &loaded.games[j.row];
        let close = paths::close_quotes(j, row);
        let stored = !close.is_empty()
            && close
                .iter()
                .all(|q| latest.get(&q.slot_key()) == Some(&(q.line, q.american)));
        if stored {
            already += 1;
            continue;
        }
        let cutoff = crate::pricing::known::open_cutoff(&starts, row);
        let open_ms = paths::posted_ms(&cutoff).unwrap_or(j.game.kickoff_ms);
        events.push(paths::event(j, row));
        openers.extend(paths::opener_quotes(j, row, open_ms));
        closes.extend(close);
    }
    let source = format!("{}:{}", paths::SOURCE, dir.display());
    let mut rejected: Vec<Quarantined> = loaded
        .archive
        .rejected
        .iter()
        .map(|r| Quarantined {
            source: source.clone(),
            reason: "archive_row".into(),
            detail: format!("{}: {}", r.place, r.reason),
            observed_ms: now,
        })
        .collect();
    rejected.extend(loaded.joined.unjoined.iter().map(|u| Quarantined {
        source: source.clone(),
        reason: "unscheduled".into(),
        detail: format!(
            "{} ({} line {}): {}",
            u.game.label(),
            u.game.file,
            u.game.line,
            u.reason
        ),
        observed_ms: now,
    }));
    // A second import of the same folder quarantines nothing new.
    if already > 0 && events.is_empty() {
        rejected.clear();
    }
    // The live feeds' plausibility judge: bounds, and each close against the other books'.
    let mut opening = SourceBatch {
        events,
        quotes: openers,
        rejected,
        ..SourceBatch::default()
    };
    quarantine_implausible(&mut opening, now, plausibility, &source);
    let mut closing = SourceBatch {
        quotes: closes,
        ..SourceBatch::default()
    };
    quarantine_implausible(&mut closing, now, plausibility, &source);
    opening.rejected.append(&mut closing.rejected);
    let quarantined = opening.rejected.len();
    let imported = opening.events.len();
    let written = opening.quotes.len() + closing.quotes.len();
    let first = store
        .write_poll(
            PollBatch {
                events: opening.events,
                quotes: opening.quotes,
                rejected: opening.rejected,
                ..PollBatch::default()
            },
            now,
        )
        .await
        .context("writing the openers")?;
    let second = store
        .write_poll(
            PollBatch {
                events: Vec::new(),
                quotes: closing.quotes,
                ..PollBatch::default()
            },
            now,
        )
        .await
        .context("writing the closes")?;
    Ok(ImportReport {
        dir: dir.display().to_string(),
        seasons: loaded.archive.seasons(),
        games_read: loaded.archive.games.len(),
        games_imported: imported,
        games_already_stored: already,
        quotes_written: written,
        history_rows_added: first.changed + second.changed,
        quarantined,
        unjoined: loaded
            .joined
            .unjoined
            .iter()
            .map(|u| format!("{}: {}", u.game.label(), u.reason))
            .collect(),
    })
}
