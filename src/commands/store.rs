//! `store migrate` and `store check`: the store's maintenance commands. The work is in
//! `store::migrate` and `store::check`; this parses the locations and prints the reports.
//!
//! Exit codes: 0 done and every count or check ok; 1 a count differs (the copy was rolled
//! back), a check failed, or the store could not be read or written; 2 bad usage (a location
//! that is no store URL, an unset `${VAR}`).

use super::{load_config, Failure, Outcome};
use crate::cli::{
    GlobalArgs, OutputFormat, StoreArgs, StoreCheckArgs, StoreCommand, StoreMigrateArgs,
};
use crate::store::check::{self, CheckReport};
use crate::store::location::Location;
use crate::store::migrate::{self, MigrateReport};
use anyhow::Context as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

pub fn run(g: &GlobalArgs, a: &StoreArgs) -> Outcome {
    match &a.command {
        StoreCommand::Migrate(m) => run_migrate(m),
        StoreCommand::Check(c) => run_check(g, c),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?)
}

/// A `--from`/`--to` value as a location: `${VAR}` replaced from the environment first (so a
/// password can stay out of the command line and the process list), then parsed. Errors never
/// show the password.
fn location_arg(flag: &str, value: &str) -> Result<Location, Failure> {
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let (value, missing) = crate::config::secrets::substitute(value, &env);
    if let Some(var) = missing.first() {
        return Err(Failure::Usage(format!(
            "error: {flag} refers to ${{{var}}}, but the environment variable {var} is not set"
        )));
    }
    migrate::parse_location(&value).map_err(|why| Failure::Usage(format!("error: {flag}: {why}")))
}

fn run_migrate(a: &StoreMigrateArgs) -> Outcome {
    let from = location_arg("--from", &a.from)?;
    let to = location_arg("--to", &a.to)?;
    let rt = runtime()?;
    let report = rt
        .block_on(migrate::migrate(&from, &to, a.batch_rows as usize))
        .map_err(|e| Failure::Runtime(anyhow::Error::new(e)))?;
    let text = match a.format {
        OutputFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        OutputFormat::Text => render_migrate(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.ok {
        Ok(())
    } else {
        crate::logging::stderr_line(
            "error: row counts differ between source and target; the copy was rolled back and the target is as it was",
        );
        Err(Failure::Code(1))
    }
}

pub fn render_migrate(r: &MigrateReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "store migrate: {} -> {}", r.from, r.to);
    let _ = writeln!(o, "{:<18} {:>12} {:>12}", "table", "source", "target");
    for t in &r.tables {
        let _ = writeln!(
            o,
            "{:<18} {:>12} {:>12}  {}",
            t.table,
            t.source,
            t.target,
            if t.ok { "ok" } else { "MISMATCH" }
        );
    }
    let _ = writeln!(
        o,
        "copied {} rows in {:.2} s ({:.0} rows/s); {}",
        r.rows,
        r.seconds,
        r.rows_per_second,
        if r.committed {
            "committed"
        } else {
            "rolled back"
        }
    );
    o
}

fn run_check(g: &GlobalArgs, a: &StoreCheckArgs) -> Outcome {
    let cfg = load_config(g)?.config;
    let at = Location::from_config(&cfg)
        .map_err(|why| Failure::Usage(format!("error: storage.url: {why}")))?;
    let rt = runtime()?;
    let report = rt
        .block_on(check::check(&at, cfg.storage.busy_timeout_ms))
        .map_err(|e| Failure::Runtime(anyhow::Error::new(e)))?;
    let text = match a.format {
        OutputFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        OutputFormat::Text => render_check(&report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.ok {
        Ok(())
    } else {
        Err(Failure::Code(1))
    }
}

pub fn render_check(r: &CheckReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "store check: {} ({})", r.store, r.backend);
    for c in &r.checks {
        let _ = writeln!(
            o,
            "{:<7} {:<24} {}",
            if c.ok { "ok" } else { "FAILED" },
            c.name,
            c.detail
        );
    }
    let failed = r.checks.iter().filter(|c| !c.ok).count();
    if failed == 0 {
        let _ = writeln!(o, "all {} checks passed", r.checks.len());
    } else {
        let _ = writeln!(o, "{failed} of {} checks FAILED", r.checks.len());
    }
    o
}
