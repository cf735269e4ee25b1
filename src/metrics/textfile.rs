//! node-exporter textfile collector output: written to a temporary file in the same folder and
//! renamed over the target, so the collector never reads a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum TextfileError {
    #[error("cannot write the metrics textfile {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `body` to `path` atomically (same-folder temp file, fsync, rename).
pub fn write_textfile(path: &Path, body: &str) -> Result<(), TextfileError> {
    let err = |source| TextfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "metrics.prom".into());
    // node-exporter only reads `*.prom`, so the temp name must not end in `.prom`.
    let tmp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(body.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Writes `snap`'s metrics to `metrics.textfile` when one is configured, off the async
/// workers. Batch jobs (`ingest`, `simulate`, `scan`) call it so cron runs feed the
/// node-exporter collector; a failure is logged, never fatal.
pub async fn write_configured(
    cfg: &crate::config::MetricsConfig,
    snap: &crate::snapshot::Snapshot,
    extra: &super::Extra,
) {
    let Some(path) = cfg.textfile.clone().filter(|p| !p.trim().is_empty()) else {
        return;
    };
    let text = super::collect(snap, extra).to_prometheus();
    let res = tokio::task::spawn_blocking(move || write_textfile(Path::new(&path), &text)).await;
    match res {
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot write the metrics textfile"),
        Err(e) => tracing::warn!(error = %e, "the metrics textfile task failed"),
        Ok(Ok(())) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temp_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nflreadpy.prom");
        write_textfile(&p, "a 1\n").unwrap();
        write_textfile(&p, "a 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "a 2\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
