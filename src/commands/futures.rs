//! `futures`: the rest of a season simulated from the games file as known on a day (division,
//! seed, playoff, conference and Super Bowl chances and win totals), or with `--calibrate` the
//! walk-forward scoring of those chances on past seasons. Printing lives in `futures_print`.

use super::{load_config, Failure, Outcome};
use crate::cli::{FuturesArgs, FuturesFormat, GlobalArgs};
use crate::pricing::season::{self, calibration, MAX_SIMULATIONS};
use crate::pricing::{GameRecord, PricingEngine};
use anyhow::Context;
use chrono::NaiveDate;

const DEFAULT_SIMULATIONS: u32 = 10_000;
const DEFAULT_CALIBRATION_SIMULATIONS: u32 = 5_000;

fn usage(msg: String) -> Failure {
    Failure::Usage(format!("error: {msg}"))
}

pub fn run(g: &GlobalArgs, a: &FuturesArgs) -> Outcome {
    let simulations = simulations(a)?;
    let as_of = a.as_of.as_deref().map(parse_as_of).transpose()?;
    if a.calibrate {
        if a.format == FuturesFormat::Csv {
            return Err(usage("--calibrate prints --format table or json".into()));
        }
        if a.start_season > a.end_season {
            return Err(usage(format!(
                "--start-season {} is after --end-season {}",
                a.start_season, a.end_season
            )));
        }
    }
    let cfg = load_config(g)?.config;
    crate::logging::init(g, &cfg);
    let path = super::odds_archive::games_path(&cfg, a.games.as_ref());
    let games = crate::pricing::games::load_games(&path).map_err(|e| usage(e.to_string()))?;
    let engine = PricingEngine::from_games(&games, &cfg.analytics)
        .map_err(|e| usage(format!("{}: {e}", path.display())))?;
    if a.calibrate {
        let report = calibration::run(&engine, a.start_season..=a.end_season, simulations, a.seed)
            .map_err(|e| usage(format!("{}: {e}", path.display())))?;
        let text = match a.format {
            FuturesFormat::Json => {
                serde_json::to_string(&report).context("encoding the calibration")?
            }
            _ => super::futures_print::calibration_table(&report),
        };
        println!("{}", text.trim_end());
        return Ok(());
    }
    let as_of = match as_of {
        Some(d) => d,
        None => latest_result_day(&games)
            .ok_or_else(|| usage(format!("{} holds no played game", path.display())))?,
    };
    let fc = season::forecast(&engine, as_of, simulations, a.seed)
        .map_err(|e| usage(format!("{} as of {as_of}: {e}", path.display())))?;
    if a.edges {
        return super::futures_edges::print(&cfg, &fc, &games, a.format);
    }
    let text = match a.format {
        FuturesFormat::Json => serde_json::to_string(&fc).context("encoding the forecast")?,
        FuturesFormat::Csv => super::futures_print::csv(&fc).context("writing CSV")?,
        FuturesFormat::Table => super::futures_print::table(&fc),
    };
    println!("{}", text.trim_end());
    Ok(())
}

fn simulations(a: &FuturesArgs) -> Result<u32, Failure> {
    let default = if a.calibrate {
        DEFAULT_CALIBRATION_SIMULATIONS
    } else {
        DEFAULT_SIMULATIONS
    };
    match a.simulations {
        None => Ok(default),
        Some(n) if (1..=u64::from(MAX_SIMULATIONS)).contains(&n) => Ok(n as u32),
        Some(n) => Err(usage(format!(
            "--simulations expects 1 to {MAX_SIMULATIONS}, got {n}"
        ))),
    }
}

fn parse_as_of(text: &str) -> Result<NaiveDate, Failure> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|e| {
        usage(format!(
            "--as-of expects a date YYYY-MM-DD, got {text:?} ({e})"
        ))
    })
}

/// The day after the latest game with a result: the file's present.
fn latest_result_day(games: &[GameRecord]) -> Option<NaiveDate> {
    games
        .iter()
        .filter(|g| g.is_played())
        .filter_map(|g| NaiveDate::parse_from_str(&g.gameday, "%Y-%m-%d").ok())
        .max()
        .and_then(|d| d.succ_opt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_dates_name_the_flag() {
        for bad in ["2024-13-01", "yesterday", "", "2024-11-01T00:00"] {
            let Err(Failure::Usage(m)) = parse_as_of(bad) else {
                panic!("{bad} parsed");
            };
            assert!(m.contains("--as-of") && m.contains("YYYY-MM-DD"), "{m}");
        }
        assert_eq!(
            parse_as_of("2024-11-01").ok(),
            NaiveDate::from_ymd_opt(2024, 11, 1)
        );
    }

    #[test]
    fn latest_result_is_the_present() {
        let g = |day: &str, played: bool| GameRecord {
            gameday: day.into(),
            home_score: played.then_some(20),
            away_score: played.then_some(17),
            ..GameRecord::default()
        };
        let games = [
            g("2024-10-27", true),
            g("2024-10-31", true),
            g("2024-11-03", false),
        ];
        assert_eq!(
            latest_result_day(&games),
            NaiveDate::from_ymd_opt(2024, 11, 1)
        );
        assert_eq!(latest_result_day(&[g("2024-11-03", false)]), None);
    }
}
