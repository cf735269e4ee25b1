//! Writes opportunities as CSV or JSON for manual review (`:export`, `scan --export`, REST).

use crate::snapshot::command::ExportFormat;
use crate::snapshot::EdgeRow;
use std::path::Path;

/// The columns of the CSV export, in order.
pub const CSV_COLUMNS: [&str; 20] = [
    "event_id",
    "event",
    "market",
    "scope",
    "selection",
    "line",
    "book",
    "american",
    "decimal",
    "fair_prob",
    "model_prob",
    "consensus_prob",
    "push_prob",
    "ev",
    "worst_case_ev",
    "kelly",
    "stake",
    "std_error",
    "movement_points",
    "books_used",
];

/// The configuration key of the product's own input file that `path` names, if any: an export
/// or a predictions file written over the games file or the store would destroy what every
/// later run reads. Only an existing file can be overwritten, so only those are compared.
pub fn overwrites_input(cfg: &crate::config::Config, path: &Path) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    let mut inputs: Vec<(String, std::path::PathBuf)> = vec![
        (
            "analytics.ratings.games_path".into(),
            cfg.analytics.ratings.games_path.clone().into(),
        ),
        (
            "ingestion.storage_path".into(),
            cfg.ingestion.storage_path.clone().into(),
        ),
    ];
    for (i, s) in cfg.sources.iter().enumerate() {
        if let crate::config::SourceConfig::Replay(r) = s {
            inputs.push((
                format!("sources[{i}].games_path"),
                r.games_path.clone().into(),
            ));
        }
    }
    if let Some(crate::config::location::Location::Sqlite(p)) = cfg
        .storage
        .url
        .as_deref()
        .and_then(|u| crate::config::location::Location::parse(u).ok())
    {
        inputs.push(("storage.url".into(), p));
    }
    inputs
        .into_iter()
        .find(|(_, p)| std::fs::canonicalize(p).is_ok_and(|p| p == target))
        .map(|(key, _)| key)
}

pub fn write(edges: &[EdgeRow], format: ExportFormat, path: &Path) -> std::io::Result<usize> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    // Write beside the target and rename, so a reader never sees half a file.
    let tmp = path.with_extension("partial");
    match format {
        ExportFormat::Json => std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(edges).map_err(std::io::Error::other)?,
        )?,
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_path(&tmp).map_err(std::io::Error::other)?;
            w.write_record(CSV_COLUMNS).map_err(std::io::Error::other)?;
            let opt = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
            for e in edges {
                w.write_record([
                    e.event_id.clone(),
                    e.event.clone(),
                    e.market.clone(),
                    e.scope.clone(),
                    e.selection.clone(),
                    e.line.map(|l| l.to_string()).unwrap_or_default(),
                    e.book.clone(),
                    e.american.to_string(),
                    format!("{:.6}", e.decimal),
                    format!("{:.6}", e.fair_prob),
                    opt(e.model_prob),
                    opt(e.consensus_prob),
                    format!("{:.6}", e.push_prob),
                    format!("{:.6}", e.ev),
                    opt(e.worst_case_ev),
                    format!("{:.6}", e.kelly),
                    format!("{:.2}", e.stake),
                    format!("{:.6}", e.std_error),
                    opt(e.movement_points),
                    e.books_used.join(";"),
                ])
                .map_err(std::io::Error::other)?;
            }
            w.flush()?;
        }
    }
    std::fs::rename(&tmp, path)?;
    Ok(edges.len())
}
