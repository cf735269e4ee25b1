//! The nflverse schedule refresh (`data update`, `data status`): download `games.csv`, check it
//! against what the product needs and against the file it replaces, then swap it in atomically
//! and say what changed. The file the pricing model fits on is never left half-written: a bad
//! download, a crash or a kill at any moment leaves the old file as it was.
//!
//! Pieces: [`fetch`] (conditional HTTP GET streamed into a temp file), [`check`] (validation and
//! the diff), [`files`] (the temp file, the swap, the `.prev` copy, the sidecar, the lock) and
//! [`update`] (the order they run in).

pub mod check;
pub mod fetch;
pub mod files;
pub mod periods;
pub mod update;

pub use check::{Change, Changes};
pub use update::{status, update, DataStatus, Outcome, Seasons, UpdateReport, UpdateRequest};

use std::path::PathBuf;
use thiserror::Error;

/// Why an update changed nothing, or why the status could not be read.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("{url}: HTTP {status}{}", reason_suffix(.reason))]
    Http {
        url: String,
        status: u16,
        reason: String,
    },
    #[error("{url}: no complete reply within {seconds} s (data.timeout_seconds)")]
    Timeout { url: String, seconds: f64 },
    #[error("{url}: download failed: {message}")]
    Transport { url: String, message: String },
    #[error("{url}: the reply is larger than {limit} bytes, far more than any nflverse schedule")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: the reply is an HTML page, not the games CSV{}", reason_suffix(.hint))]
    Html { url: String, hint: String },
    #[error("{url}: the reply is empty")]
    Empty { url: String },
    #[error("{url}: the download looks truncated: {why}")]
    Truncated { url: String, why: String },
    #[error("{url}: the reply is not UTF-8 text (byte {offset})")]
    NotText { url: String, offset: usize },
    /// Wrong columns, a value of the wrong type, a malformed row: the parser's own message
    /// names the line and the column.
    #[error(transparent)]
    Games(#[from] crate::pricing::games::GamesError),
    #[error("{url}:{line}: {message}")]
    Invalid {
        url: String,
        line: u64,
        message: String,
    },
    /// The new file is valid on its own but would lose what the old one knows.
    #[error("{url}: {message}; the file at {} was kept", .path.display())]
    Regression {
        url: String,
        path: PathBuf,
        message: String,
    },
    #[error("{url}: HTTP 304 Not Modified, but no ETag or Last-Modified was sent")]
    UnaskedNotModified { url: String },
    #[error("another `data update` holds the lock on {}", .dir.display())]
    Busy { dir: PathBuf },
    #[error("{}: {what}: {source}", .path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{}: not the sidecar `data update` writes: {message}", .path.display())]
    BadSidecar { path: PathBuf, message: String },
    #[error("the games file {} does not exist; `data update` downloads it", .path.display())]
    NoGamesFile { path: PathBuf },
    #[error("cannot start the HTTP client: {0}")]
    Client(String),
}

fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" ({reason})")
    }
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, what: &'static str, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            what,
            source,
        }
    }
}
