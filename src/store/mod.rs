//! The embedded SQLite store: one writer thread per file (WAL, batched transactions), and any
//! number of read connections for front ends.

pub mod bets;
pub mod check;
pub mod handle;
pub mod migrate;
pub use crate::config::location::{self as location, Location};

pub mod outbox;
pub mod outrights;
pub mod postgres;
pub mod quotes;
pub mod read;
pub mod records;
pub mod retention;
pub mod schema;
pub mod writer;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

pub use handle::{Leadership, MarketRead, Overview, PollBatch, Store};
pub use writer::StoreWriter;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the store at {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the store at {path} has schema version {found}, newer than this build understands ({supported}); upgrade the binary")]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the batch could not be committed: {0}")]
    Batch(String),
    #[error("the store writer has stopped")]
    WriterGone,
    #[error("this store was opened read-only (attached); it cannot write")]
    ReadOnly,
    #[error("storage.url: {0}")]
    Location(String),
    #[error("no event `{0}` in the store (see `bets list` or the dashboard for event ids)")]
    UnknownEvent(String),
    /// The PostgreSQL backend; its messages never carry the password.
    #[error(transparent)]
    Postgres(#[from] postgres::PgError),
    #[error("cannot create the folder for the store {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn configure(conn: &Connection, busy_timeout_ms: u64) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_millis(busy_timeout_ms))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Opens (creating if needed) the store for writing and brings the schema up to date.
pub fn open_for_writing(path: &Path, busy_timeout_ms: u64) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut conn = Connection::open(path).map_err(open_err)?;
    configure(&conn, busy_timeout_ms).map_err(open_err)?;
    // A new file frees pages on demand (retention's incremental vacuum); this must be set
    // before the first table exists.
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(open_err)?;
    if tables == 0 {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .map_err(open_err)?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(open_err)?;
    // NORMAL in WAL mode: a power cut may lose the last commits, never corrupts.
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_err)?;
    // A poll rewrites every latest row it confirms: keep the hot tables in memory (64 MiB).
    conn.pragma_update(None, "cache_size", -65_536)
        .map_err(open_err)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(open_err)?;
    if version > schema::SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: schema::SCHEMA_VERSION,
        });
    }
    schema::migrate(&mut conn).map_err(open_err)?;
    Ok(conn)
}

/// A read connection. Read-only so a dashboard attached to production cannot write to it.
pub fn open_for_reading(path: &Path, busy_timeout_ms: u64) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    configure(&conn, busy_timeout_ms).map_err(open_err)?;
    Ok(conn)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
