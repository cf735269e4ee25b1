//! The `futures` command's table and CSV, kept apart from the command so the outright edges can
//! join the output later without touching the simulation. The table fits 80 columns.

use crate::pricing::season::calibration::{CalibrationReport, Scored};
use crate::pricing::season::SeasonForecast;
use std::fmt::Write as _;

fn pct(p: f64) -> String {
    format!("{:.1}", 100.0 * p)
}

/// Teams by conference and division, best mean wins first.
pub fn table(fc: &SeasonForecast) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Futures {} as of {}: {} simulations, seed {}",
        fc.season, fc.as_of, fc.simulations, fc.seed
    );
    let _ = writeln!(
        out,
        "{} games played, {} to play; chances in %; W: wins, a tie counting one half",
        fc.games_played, fc.games_remaining
    );
    let mut teams: Vec<_> = fc.teams.iter().collect();
    teams.sort_by(|a, b| {
        (a.conference.as_str(), a.division.as_str())
            .cmp(&(b.conference.as_str(), b.division.as_str()))
            .then(b.mean_wins.total_cmp(&a.mean_wins))
            .then(a.team.cmp(&b.team))
    });
    let _ = writeln!(
        out,
        "\n{:<5} {:<9} {:>5} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
        "Team",
        "Division",
        "W now",
        "W mean",
        "Div",
        "Play",
        "Seed 1",
        "ConfGm",
        "Conf",
        "SB",
        "Pick 1"
    );
    let mut last = "";
    for t in teams {
        if t.division != last && !last.is_empty() {
            out.push('\n');
        }
        last = &t.division;
        let _ = writeln!(
            out,
            "{:<5} {:<9} {:>5.1} {:>6.1} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}",
            t.team,
            t.division,
            t.current_wins,
            t.mean_wins,
            pct(t.p_division),
            pct(t.p_playoffs),
            pct(t.p_seed.first().copied().unwrap_or(0.0)),
            pct(t.p_conference_game),
            pct(t.p_conference),
            pct(t.p_super_bowl),
            t.p_first_pick.map(pct).unwrap_or_else(|| "-".into()),
        );
    }
    out
}

/// One row per team: the scalar fields, then `p_seed_1..` (the win distribution is in the JSON).
pub fn csv(fc: &SeasonForecast) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "season",
        "as_of",
        "team",
        "conference",
        "division",
        "games",
        "current_wins",
        "mean_wins",
        "p_division",
        "p_playoffs",
        "p_conference_game",
        "p_conference",
        "p_super_bowl",
        "p_first_pick",
    ]
    .map(String::from)
    .to_vec();
    header.extend((1..=fc.playoff_seeds).map(|s| format!("p_seed_{s}")));
    w.write_record(&header)?;
    for t in &fc.teams {
        let mut row = vec![
            fc.season.to_string(),
            fc.as_of.to_string(),
            t.team.clone(),
            t.conference.clone(),
            t.division.clone(),
            t.games.to_string(),
            t.current_wins.to_string(),
            t.mean_wins.to_string(),
            t.p_division.to_string(),
            t.p_playoffs.to_string(),
            t.p_conference_game.to_string(),
            t.p_conference.to_string(),
            t.p_super_bowl.to_string(),
            t.p_first_pick.map(|p| p.to_string()).unwrap_or_default(),
        ];
        row.extend(t.p_seed.iter().map(|p| p.to_string()));
        w.write_record(&row)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn score_row(out: &mut String, s: &Scored) {
    let week = s.week.map_or("all".to_string(), |w| w.to_string());
    let _ = writeln!(
        out,
        "{:<15} {:>4} {:>5} {:>7.4} {:>7.4} {:>7.4} {:>7.4} {:>6.2} {:>6.2}",
        s.target.label(),
        week,
        s.model.n,
        s.model.brier,
        s.baseline.brier,
        s.model.log_loss,
        s.baseline.log_loss,
        s.model.recalibration_slope,
        s.baseline.recalibration_slope,
    );
}

/// Scores per checkpoint and pooled, then the pooled calibration tables.
pub fn calibration_table(r: &CalibrationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Futures calibration, walk-forward: seasons {}-{}, weeks {:?}, {} simulations each, seed {}",
        r.first_season, r.last_season, r.weeks, r.simulations, r.seed
    );
    let _ = writeln!(
        out,
        "\n{:<15} {:>4} {:>5} {:>7} {:>7} {:>7} {:>7} {:>6} {:>6}",
        "target", "week", "n", "Brier", "base", "logloss", "base", "slope", "base"
    );
    for s in r.checkpoints.iter().chain(&r.pooled) {
        score_row(&mut out, s);
    }
    for s in &r.pooled {
        let _ = writeln!(
            out,
            "\n{} (all weeks): bucket, n, mean predicted, observed",
            s.target.label()
        );
        for b in s.model.calibration.iter().filter(|b| b.n > 0) {
            let _ = writeln!(
                out,
                "  {:.1}-{:.1} {:>5} {:>7.3} {:>7.3}",
                b.lower, b.upper, b.n, b.mean_predicted, b.observed
            );
        }
    }
    out
}
