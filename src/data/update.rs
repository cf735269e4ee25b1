//! `data update` and `data status` as library calls: the order of the steps, and the reports the
//! command prints.

use super::check;
use super::fetch::{self, Fetched, Validators};
use super::files::{self, DirLock, Paths, Sidecar};
use super::DataError;
use crate::pricing::games::{read_games, GameRecord};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::check::Changes;

#[derive(Debug, Clone)]
pub struct UpdateRequest {
    pub url: String,
    /// The file to replace (`analytics.ratings.games_path`).
    pub games_path: PathBuf,
    /// The whole download (`data.timeout_seconds`).
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new file is in place; the old one is at `previous_path`.
    Updated,
    /// The server answered 304 to our validators: nothing was written.
    UpToDate,
    /// The server sent the same bytes again: the games file was not rewritten, only the
    /// sidecar's validators and fetch time.
    Unchanged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Seasons {
    pub first: i32,
    pub last: i32,
    pub count: usize,
}

impl Seasons {
    fn of(games: &[GameRecord]) -> Option<Seasons> {
        let mut s: Vec<i32> = games.iter().map(|g| g.season).collect();
        s.sort_unstable();
        s.dedup();
        Some(Seasons {
            first: *s.first()?,
            last: *s.last()?,
            count: s.len(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateReport {
    pub outcome: Outcome,
    pub path: PathBuf,
    pub source_url: String,
    /// 304 or 200.
    pub http_status: u16,
    /// Games in the file before; null when there was no (loadable) file.
    pub games_before: Option<usize>,
    pub games: usize,
    pub seasons: Option<Seasons>,
    pub sha256: String,
    pub previous_sha256: Option<String>,
    /// Where the replaced file was kept; null when nothing was replaced.
    pub previous_path: Option<PathBuf>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Null when there was no old file to compare with.
    pub changes: Option<Changes>,
    /// Games in the period-scores file beside the games file, kept and checked against the
    /// new finals; null when there is none (it is optional).
    pub period_games: Option<usize>,
    /// Things the operator should know that did not stop the update.
    pub warnings: Vec<String>,
}

/// Removes the download's temp file unless it was renamed into place.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Downloads, checks and swaps in the schedule. Builds its own single-threaded runtime for the
/// download, so call it from synchronous code.
pub fn update(req: &UpdateRequest) -> Result<UpdateReport, DataError> {
    let paths = Paths::new(&req.games_path);
    // The URL as it may be shown, logged or written to the sidecar: never with its credentials.
    let shown_url = crate::secret::redact_url(&req.url);
    std::fs::create_dir_all(&paths.dir)
        .map_err(|e| DataError::io(&paths.dir, "cannot create the directory", e))?;
    let _lock = DirLock::acquire(&paths.dir)?;
    let mut warnings = Vec::new();
    for p in paths.remove_stale_temps() {
        warnings.push(format!(
            "removed {} left by an interrupted update",
            p.display()
        ));
    }
    let old_bytes = match std::fs::read(&paths.games) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(DataError::io(&paths.games, "cannot read", e)),
    };
    let old_sha = old_bytes.as_deref().map(files::sha256_hex);
    let old_games = match old_bytes.as_deref().map(|b| read_games(b, &paths.games)) {
        Some(Ok(g)) => Some(g),
        Some(Err(e)) => {
            warnings.push(format!(
                "the file on disk does not load ({e}); the download is checked on its own"
            ));
            None
        }
        None => None,
    };
    let sidecar = match files::read_sidecar(&paths.meta) {
        Ok(s) => s,
        Err(e) => {
            warnings.push(format!("{e}; asking for the whole file"));
            None
        }
    };
    // Validators describe the bytes they came with: a file edited since, or fetched from
    // elsewhere, must not be kept on the strength of a 304.
    let send = sidecar
        .as_ref()
        .filter(|s| Some(&s.sha256) == old_sha.as_ref() && s.source_url == shown_url)
        .map(|s| Validators {
            etag: s.etag.clone(),
            last_modified: s.last_modified.clone(),
        })
        .unwrap_or_default();

    let temp = paths.temp("download");
    let mut guard = TempGuard(Some(temp.clone()));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DataError::Client(format!("cannot start the runtime: {e}")))?;
    let fetched = rt.block_on(fetch::fetch(&req.url, req.timeout, &send, &temp))?;
    let base = |outcome, http_status, games: &[GameRecord], sha256: String| UpdateReport {
        outcome,
        path: paths.games.clone(),
        source_url: shown_url.clone(),
        http_status,
        games_before: old_games.as_ref().map(Vec::len),
        games: games.len(),
        seasons: Seasons::of(games),
        sha256,
        previous_sha256: old_sha.clone(),
        previous_path: None,
        etag: None,
        last_modified: None,
        changes: None,
        period_games: None,
        warnings: Vec::new(),
    };
    let (validators, content_type) = match fetched {
        Fetched::NotModified => {
            let mut r = base(
                Outcome::UpToDate,
                304,
                old_games.as_deref().unwrap_or_default(),
                old_sha.clone().unwrap_or_default(),
            );
            r.etag = send.etag;
            r.last_modified = send.last_modified;
            r.changes = old_games.as_ref().map(|_| Changes::default());
            r.warnings = warnings;
            return Ok(r);
        }
        Fetched::Downloaded {
            validators,
            content_type,
            ..
        } => (validators, content_type),
    };
    let body = std::fs::read(&temp).map_err(|e| DataError::io(&temp, "cannot read back", e))?;
    let new_games = check::validate(&shown_url, &body, content_type.as_deref())?;
    let changes = old_games
        .as_deref()
        .map(|old| check::compare(&shown_url, &paths.games, old, &new_games))
        .transpose()?;
    // The period scores are kept: a new games file that contradicts them (a corrected final,
    // a game moved to another week) is refused, naming the row.
    let period_games = super::periods::load_beside(&paths.games, &new_games)
        .map(|p| p.map(|p| p.len()))
        .map_err(|e| DataError::Regression {
            url: shown_url.clone(),
            path: paths.games.clone(),
            message: format!("the kept period scores do not agree with the download: {e}"),
        })?;
    let sha256 = files::sha256_hex(&body);
    let outcome = if Some(&sha256) == old_sha.as_ref() {
        Outcome::Unchanged
    } else {
        files::swap_in(&paths, &temp, old_bytes.as_deref())?;
        guard.0 = None;
        Outcome::Updated
    };
    let sidecar = Sidecar {
        source_url: shown_url.clone(),
        fetched_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        etag: validators.etag.clone(),
        last_modified: validators.last_modified.clone(),
        sha256: sha256.clone(),
    };
    let json = serde_json::to_vec_pretty(&sidecar).unwrap_or_default();
    // The games file is already in place; a missing sidecar only costs the next update its
    // conditional request, so this is a warning, not a failure.
    if let Err(e) = files::write_atomic(&paths.meta, &paths.temp("meta"), &json) {
        warnings.push(format!("the games file is updated, but {e}"));
    }
    let mut r = base(outcome, 200, &new_games, sha256);
    if outcome == Outcome::Updated && old_bytes.is_some() {
        r.previous_path = Some(paths.prev.clone());
    }
    r.etag = validators.etag;
    r.last_modified = validators.last_modified;
    r.changes = changes;
    r.period_games = period_games;
    r.warnings = warnings;
    Ok(r)
}

#[derive(Debug, Clone, Serialize)]
pub struct DataStatus {
    pub path: PathBuf,
    pub games: usize,
    /// Games with a final score.
    pub played: usize,
    pub seasons: Option<Seasons>,
    pub last_played_gameday: Option<String>,
    /// From the sidecar; null when the file was never fetched by `data update`.
    pub source_url: Option<String>,
    pub fetched_at: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Of the file as it is now.
    pub sha256: String,
    /// The file differs from what was fetched (edited or replaced by hand); null when never
    /// fetched.
    pub modified_since_fetch: Option<bool>,
    /// The optional period-scores file beside the games file.
    pub periods: PeriodsStatus,
}

/// What the period-scores file holds: `games` null when it is absent; `error` set when it does
/// not load or disagrees with the games file (grading of halves and quarters then skips it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PeriodsStatus {
    pub path: PathBuf,
    pub games: Option<usize>,
    pub seasons: Option<(i32, i32)>,
    pub error: Option<String>,
}

fn periods_status(games_path: &Path, games: &[GameRecord]) -> PeriodsStatus {
    let path = super::periods::path_beside(games_path);
    let mut st = PeriodsStatus {
        path: path.clone(),
        games: None,
        seasons: None,
        error: None,
    };
    match super::periods::load_optional(&path) {
        Ok(None) => {}
        Ok(Some(p)) => {
            st.games = Some(p.len());
            st.seasons = p.seasons();
            if let Err(e) = super::periods::check_against_games(&path, &p, games) {
                st.error = Some(e.to_string());
            }
        }
        Err(e) => st.error = Some(e.to_string()),
    }
    st
}

/// What the games file at `path` holds and where it came from.
pub fn status(path: &Path) -> Result<DataStatus, DataError> {
    let paths = Paths::new(path);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DataError::NoGamesFile {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(DataError::io(path, "cannot read", e)),
    };
    let games = read_games(bytes.as_slice(), path)?;
    let sha256 = files::sha256_hex(&bytes);
    let sidecar = files::read_sidecar(&paths.meta)?;
    Ok(DataStatus {
        path: path.to_path_buf(),
        games: games.len(),
        played: games.iter().filter(|g| g.is_played()).count(),
        seasons: Seasons::of(&games),
        last_played_gameday: games
            .iter()
            .filter(|g| g.is_played())
            .map(|g| g.gameday.clone())
            .max(),
        modified_since_fetch: sidecar.as_ref().map(|s| s.sha256 != sha256),
        source_url: sidecar
            .as_ref()
            .map(|s| crate::secret::redact_url(&s.source_url)),
        fetched_at: sidecar.as_ref().map(|s| s.fetched_at.clone()),
        etag: sidecar.as_ref().and_then(|s| s.etag.clone()),
        last_modified: sidecar.as_ref().and_then(|s| s.last_modified.clone()),
        sha256,
        periods: periods_status(path, &games),
    })
}
