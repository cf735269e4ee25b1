//! `backtest --periods FILE`: every half and quarter market scored on a period-scores file
//! (see `evaluation::periods`). Exit 2 on a file that does not load or disagrees with the
//! games file, naming file and line; 1 when no game of the file can be scored.

use super::{load_config, Failure, Outcome};
use crate::cli::{BacktestArgs, BacktestFormat, GlobalArgs};
use crate::evaluation::periods::{self, ForecastScore, PeriodBacktest};
use anyhow::Context as _;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub fn run(g: &GlobalArgs, a: &BacktestArgs, file: &Path) -> Outcome {
    if a.format == BacktestFormat::Csv {
        return Err(Failure::Usage(
            "error: --periods prints text or json, not csv".into(),
        ));
    }
    let cfg = load_config(g)?.config;
    crate::logging::init(g, &cfg);
    let path = a
        .games
        .clone()
        .unwrap_or_else(|| PathBuf::from(&cfg.analytics.ratings.games_path));
    let games = crate::pricing::games::load_games(&path)
        .map_err(|e| Failure::Usage(format!("error: {e}")))?;
    let scores = crate::data::periods::load(file)
        .and_then(|s| crate::data::periods::check_against_games(file, &s, &games).map(|_| s))
        .map_err(|e| Failure::Usage(format!("error: {e}")))?;
    let report = periods::run(
        &games,
        &scores,
        &cfg.analytics,
        cfg.analytics.periods.gate.min_bucket,
    );
    if report.games == 0 {
        return Err(Failure::Runtime(anyhow::anyhow!(
            "{}: no game could be scored ({})",
            file.display(),
            report.skipped.join("; ")
        )));
    }
    let text = match a.format {
        BacktestFormat::Json => {
            serde_json::to_string(&report).context("encoding the report")? + "\n"
        }
        _ => render(&report, file),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

fn err_text(e: Option<f64>) -> String {
    e.map(|e| format!("{:.1}", 100.0 * e))
        .unwrap_or_else(|| "-".into())
}

pub fn render(r: &PeriodBacktest, file: &Path) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Period backtest on {}: {} games ({} from {}-{}, the seasons the period model's tables were measured on: in-sample for it). Model = walk-forward ratings through the period model; market = the closing spread and total through it; blend = analytics.model_weight. Second half {} overtime. Pushes left out.",
        file.display(),
        r.games,
        r.in_sample_games,
        r.fitted_on_seasons.0,
        r.fitted_on_seasons.1,
        if r.second_half_overtime { "with" } else { "without" }
    );
    for s in &r.skipped {
        let _ = writeln!(o, "  skipped {s}");
    }
    let _ = writeln!(
        o,
        "\n{:<15} {:>6}  {:>7} {:>7} {:>7}  largest calibration error, points (buckets n >= {}; any n)",
        "slice", "n", "model", "market", "blend", r.min_bucket
    );
    let _ = writeln!(o, "{:<15} {:>6}  {:>23}", "", "", "Brier");
    let row =
        |o: &mut String, name: &str, m: &ForecastScore, k: &ForecastScore, b: &ForecastScore| {
            let _ = writeln!(
            o,
            "{:<15} {:>6}  {:>7.4} {:>7.4} {:>7.4}  model {} / {}, market {} / {}, blend {} / {}",
            name,
            m.n,
            m.brier,
            k.brier,
            b.brier,
            err_text(m.largest_calibration_error),
            err_text(m.largest_calibration_error_any),
            err_text(k.largest_calibration_error),
            err_text(k.largest_calibration_error_any),
            err_text(b.largest_calibration_error),
            err_text(b.largest_calibration_error_any),
        );
        };
    for s in std::iter::once(&r.all)
        .chain(&r.by_scope)
        .chain(&r.by_market)
    {
        row(&mut o, &s.slice, &s.model, &s.market, &s.blend);
    }
    let _ = writeln!(o, "\nCalibration, every period market (blend):");
    let _ = writeln!(
        o,
        "{:<12} {:>6} {:>10} {:>10}",
        "bucket", "n", "predicted", "observed"
    );
    for b in &r.all.blend.calibration {
        if b.n == 0 {
            continue;
        }
        let _ = writeln!(
            o,
            "{:<12} {:>6} {:>9.1}% {:>9.1}%",
            format!("{:.0}-{:.0}%", 100.0 * b.lower, 100.0 * b.upper),
            b.n,
            100.0 * b.mean_predicted,
            100.0 * b.observed
        );
    }
    o
}
