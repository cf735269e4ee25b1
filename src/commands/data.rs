//! `data update` and `data status`: the nflverse schedule refresh. The work is in `data`; this
//! picks the URL, path and timeout from the configuration and prints the reports.
//!
//! Exit codes: 0 updated, already up to date, or status printed; 1 a bad download (nothing was
//! changed), an unreadable games file or sidecar; 2 bad usage (a `--url` that is no http(s) URL,
//! an invalid configuration).

use super::{load_config, Failure, Outcome};
use crate::cli::{
    DataArgs, DataCommand, DataImportPeriodsArgs, DataStatusArgs, DataUpdateArgs, GlobalArgs,
    OutputFormat,
};
use crate::data::{self, Change, DataStatus, UpdateReport, UpdateRequest};
use anyhow::Context as _;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

pub fn run(g: &GlobalArgs, a: &DataArgs) -> Outcome {
    match &a.command {
        DataCommand::Update(u) => run_update(g, u),
        DataCommand::Status(s) => run_status(g, s),
        DataCommand::ImportOdds(i) => super::odds_archive::import(g, i),
        DataCommand::ImportPeriods(i) => import_periods(g, i),
    }
}

/// A `--url` the client could not even try: wrong scheme, no host, not a URL.
fn check_url(url: &str) -> Result<(), String> {
    let shown = crate::secret::redact_url(url);
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{shown:?} is not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "{shown:?} has scheme {:?}; expected an http:// or https:// URL",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(format!("{shown:?} names no host"));
    }
    Ok(())
}

fn run_update(g: &GlobalArgs, a: &DataUpdateArgs) -> Outcome {
    if let Some(url) = &a.url {
        check_url(url).map_err(|why| Failure::Usage(format!("error: --url: {why}")))?;
    }
    let cfg = load_config(g)?.config;
    let url = a.url.clone().unwrap_or_else(|| cfg.data.games_url.clone());
    let timeout = Duration::try_from_secs_f64(cfg.data.timeout_seconds).map_err(|_| {
        Failure::Usage(format!(
            "error: data.timeout_seconds: {} is not a usable number of seconds",
            cfg.data.timeout_seconds
        ))
    })?;
    let req = UpdateRequest {
        url,
        games_path: PathBuf::from(&cfg.analytics.ratings.games_path),
        timeout,
    };
    let report = data::update(&req)
        .map_err(anyhow::Error::new)
        .context("data update changed nothing")?;
    for w in &report.warnings {
        crate::logging::stderr_line(format_args!("warning: {w}"));
    }
    let text = match a.format {
        OutputFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        OutputFormat::Text => render_update(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

fn seasons_text(s: &Option<data::Seasons>) -> String {
    s.map_or_else(
        || "none".into(),
        |s| format!("{}-{} ({})", s.first, s.last, s.count),
    )
}

pub fn render_update(r: &UpdateReport) -> String {
    let mut o = String::new();
    let path = r.path.display();
    match r.outcome {
        data::Outcome::UpToDate => {
            let _ = writeln!(
                o,
                "data update: {path} is up to date (HTTP 304 Not Modified from {})",
                r.source_url
            );
        }
        data::Outcome::Unchanged => {
            let _ = writeln!(
                o,
                "data update: {path} is up to date (the download from {} is byte-identical; not rewritten)",
                r.source_url
            );
        }
        data::Outcome::Updated => {
            let _ = writeln!(o, "data update: {path} updated from {}", r.source_url);
        }
    }
    let before = r
        .games_before
        .filter(|_| r.outcome == data::Outcome::Updated)
        .map(|b| format!("{b} -> "))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "  games {before}{}, seasons {}, sha256 {}",
        r.games,
        seasons_text(&r.seasons),
        r.sha256
    );
    if let Some(p) = &r.previous_path {
        let _ = writeln!(o, "  previous file kept as {}", p.display());
    }
    if let Some(n) = r.period_games {
        let _ = writeln!(
            o,
            "  period scores kept: {n} games, each summing to its final"
        );
    }
    let Some(c) = r
        .changes
        .as_ref()
        .filter(|_| r.outcome == data::Outcome::Updated)
    else {
        return o;
    };
    for (label, ch) in [
        ("new results", &c.new_results),
        ("new games", &c.new_games),
        ("changed closing lines", &c.changed_lines),
        ("corrected scores", &c.corrected_scores),
        ("games no longer scheduled", &c.dropped_games),
    ] {
        render_change(&mut o, label, ch);
    }
    o
}

fn render_change(o: &mut String, label: &str, ch: &Change) {
    let _ = writeln!(o, "  {label}: {}", ch.count);
    let more = ch.count.saturating_sub(ch.examples.len());
    for e in &ch.examples {
        let _ = writeln!(o, "    {e}");
    }
    if more > 0 && !ch.examples.is_empty() {
        let _ = writeln!(o, "    (and {more} earlier)");
    }
}

/// Checks a period-scores file like the games file (layout, values, every game known and
/// summing to its final) and puts it in place as `periods.csv` beside the games file,
/// atomically. A bad file changes nothing and exits 1 naming file, line and column.
fn import_periods(g: &GlobalArgs, a: &DataImportPeriodsArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    let games_path = PathBuf::from(&cfg.analytics.ratings.games_path);
    let games = crate::pricing::load_games(&games_path)
        .map_err(anyhow::Error::new)
        .context("data import-periods")?;
    let scores = data::periods::load(&a.file)
        .and_then(|s| data::periods::check_against_games(&a.file, &s, &games).map(|_| s))
        .map_err(anyhow::Error::new)
        .context("data import-periods changed nothing")?;
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let target = data::periods::path_beside(&games_path);
    let temp = target.with_extension("csv.import");
    data::files::write_atomic(&target, &temp, &bytes)
        .map_err(anyhow::Error::new)
        .context("data import-periods")?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "imported {} games of period scores into {}",
        scores.len(),
        target.display()
    );
    Ok(())
}

fn run_status(g: &GlobalArgs, a: &DataStatusArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    let path = PathBuf::from(&cfg.analytics.ratings.games_path);
    let st = data::status(&path)
        .map_err(anyhow::Error::new)
        .context("data status")?;
    let text = match a.format {
        OutputFormat::Json => serde_json::to_string_pretty(&st).unwrap_or_default() + "\n",
        OutputFormat::Text => render_status(&st),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

pub fn render_status(s: &DataStatus) -> String {
    let mut o = String::new();
    let or_never = |v: &Option<String>| v.clone().unwrap_or_else(|| "never fetched".into());
    let rows = [
        ("path", s.path.display().to_string()),
        ("games", format!("{} ({} played)", s.games, s.played)),
        ("seasons", seasons_text(&s.seasons)),
        (
            "last_played_gameday",
            s.last_played_gameday
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
        ("source_url", or_never(&s.source_url)),
        ("fetched_at", or_never(&s.fetched_at)),
        (
            "sha256",
            match s.modified_since_fetch {
                Some(true) => format!("{} (differs from the fetched file)", s.sha256),
                _ => s.sha256.clone(),
            },
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "{k:<20} {v}");
    }
    let p = &s.periods;
    let periods = match (&p.games, &p.error) {
        (_, Some(e)) => format!("{} (not used: {e})", p.path.display()),
        (Some(n), None) => format!(
            "{} ({n} games{})",
            p.path.display(),
            p.seasons
                .map(|(a, b)| if a == b {
                    format!(", {a}")
                } else {
                    format!(", {a}-{b}")
                })
                .unwrap_or_default()
        ),
        (None, None) => format!(
            "{} absent (optional; halves and quarters stay ungraded)",
            p.path.display()
        ),
    };
    let _ = writeln!(o, "{:<20} {periods}", "periods");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_cannot_be_fetched_are_usage_errors() {
        assert!(check_url("https://github.com/nflverse/nfldata/raw/master/data/games.csv").is_ok());
        assert!(check_url("http://127.0.0.1:9/games.csv").is_ok());
        for bad in [
            "ftp://x/games.csv",
            "games.csv",
            "http://",
            "file:///tmp/g.csv",
            "",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
