//! `futures --edges`: the outright board in the store (The Odds API's outright sport keys or the
//! file drop's outright CSV) priced against the season simulation, best EV first. Every figure
//! the EV comes from is printed: EV = model x decimal + push - 1.

use super::{Failure, Outcome};
use crate::cli::FuturesFormat;
use crate::config::Config;
use crate::edges::futures::{price_forecast, FutureEdge, FuturesRules};
use crate::pricing::games::GameRecord;
use crate::pricing::season::SeasonForecast;
use crate::store::{now_ms, Store};
use anyhow::Context;
use serde::Serialize;

/// The JSON document's `schema` value.
pub const EDGES_SCHEMA: &str = "nflreadpy-betting/futures-edges/1";

#[derive(Debug, Serialize)]
struct EdgesDoc<'a> {
    schema: &'static str,
    season: u16,
    as_of: String,
    simulations: u32,
    seed: u64,
    min_ev: f64,
    /// Outright prices read from the store (seen within `analytics.futures.max_age_hours`).
    quotes: usize,
    edges: &'a [FutureEdge],
}

/// Reads the season's fresh outright prices from the configured store and prices them.
pub fn price_board(
    cfg: &Config,
    fc: &SeasonForecast,
    games: &[GameRecord],
) -> Result<(usize, Vec<FutureEdge>), Failure> {
    let season = i32::from(fc.season);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let max_age_ms = cfg.analytics.futures.max_age_ms();
    let quotes = rt.block_on(async {
        let (store, _) = Store::open(cfg, false).await.context("opening the store")?;
        if !store.exists() {
            return Ok::<_, anyhow::Error>(Vec::new());
        }
        store
            .latest_outrights(Some(season), now_ms().saturating_sub(max_age_ms))
            .await
            .context("reading the outright prices")
    })?;
    let rules = FuturesRules::from_analytics(&cfg.analytics);
    let edges = price_forecast(fc, games, &quotes, &rules).ok_or_else(|| {
        Failure::Usage(format!(
            "error: the games file holds no regular season {season} to settle outrights on"
        ))
    })?;
    Ok((quotes.len(), edges))
}

pub fn print(
    cfg: &Config,
    fc: &SeasonForecast,
    games: &[GameRecord],
    format: FuturesFormat,
) -> Outcome {
    let (quotes, edges) = price_board(cfg, fc, games)?;
    let min_ev = cfg.analytics.futures.min_ev;
    let text = match format {
        FuturesFormat::Json => serde_json::to_string(&EdgesDoc {
            schema: EDGES_SCHEMA,
            season: fc.season,
            as_of: fc.as_of.to_string(),
            simulations: fc.simulations,
            seed: fc.seed,
            min_ev,
            quotes,
            edges: &edges,
        })
        .context("encoding the edges")?,
        FuturesFormat::Csv => csv(&edges).context("writing CSV")?,
        FuturesFormat::Table => table(fc, quotes, &edges, min_ev),
    };
    println!("{}", text.trim_end());
    Ok(())
}

fn short_market(e: &FutureEdge) -> &'static str {
    use crate::domain::outright::OutrightMarket::*;
    match e.market {
        SuperBowl => "SB",
        Conference => "conf",
        Division => "div",
        Playoffs => "po",
        WinTotal => "wins",
    }
}

fn opt(p: Option<f64>) -> String {
    p.map(|p| format!("{:.4}", p)).unwrap_or_default()
}

/// An 80-column table: every column the EV is computed from, then the stake and the lock-up.
pub fn table(fc: &SeasonForecast, quotes: usize, edges: &[FutureEdge], min_ev: f64) -> String {
    let mut out = format!(
        "Outright prices, season {} as of {} ({} simulations, seed {})\n{quotes} prices, {} at EV >= {:.1}%\n",
        fc.season,
        fc.as_of,
        fc.simulations,
        fc.seed,
        edges.iter().filter(|e| e.is_edge(min_ev)).count(),
        min_ev * 100.0
    );
    if edges.is_empty() {
        out.push_str(
            "No outright prices for this season in the store: poll The Odds API\n\
             outright keys (sources[].outright_sports) or drop an outright CSV\n\
             into the file source.\n",
        );
        return out;
    }
    out.push_str(&format!(
        "{:<10} {:<4} {:<4} {:<5} {:>4} {:>7} {:>6} {:>6} {:>5} {:>7} {:>5} {:>4}\n",
        "book",
        "mkt",
        "team",
        "side",
        "line",
        "price",
        "dec",
        "model",
        "push",
        "EV",
        "stake",
        "days"
    ));
    for e in edges {
        out.push_str(&format!(
            "{:<10} {:<4} {:<4} {:<5} {:>4} {:>7} {:>6.3} {:>6.4} {:>5.3} {:>+6.1}% {:>4.1}% {:>4.0}\n",
            e.book.chars().take(10).collect::<String>(),
            short_market(e),
            e.team,
            e.side,
            e.line.map(|l| format!("{l}")).unwrap_or_default(),
            format!("{:+}", e.american),
            e.decimal,
            e.model_prob,
            e.push_prob,
            e.ev * 100.0,
            e.stake_fraction * 100.0,
            e.days_to_settle
        ));
    }
    out.push_str("EV = model x dec + push - 1; stake: futures Kelly fraction, capped\n");
    out
}

fn csv(edges: &[FutureEdge]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "season",
        "book",
        "market",
        "team",
        "side",
        "line",
        "american",
        "decimal",
        "model_prob",
        "push_prob",
        "book_fair_prob",
        "consensus_prob",
        "ev",
        "stake_fraction",
        "days_to_settle",
        "ev_per_year",
        "observed_ms",
    ])?;
    for e in edges {
        w.write_record([
            e.season.to_string(),
            e.book.clone(),
            e.market.to_string(),
            e.team.clone(),
            e.side.to_string(),
            e.line.map(|l| l.to_string()).unwrap_or_default(),
            e.american.to_string(),
            format!("{:.6}", e.decimal),
            format!("{:.6}", e.model_prob),
            format!("{:.6}", e.push_prob),
            opt(e.book_fair_prob),
            opt(e.consensus_prob),
            format!("{:.6}", e.ev),
            format!("{:.6}", e.stake_fraction),
            format!("{:.2}", e.days_to_settle),
            format!("{:.6}", e.ev_per_year),
            e.observed_ms.to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
