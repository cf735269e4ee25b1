//! `store migrate`: copies every table of one store into another, empty one (SQLite to
//! PostgreSQL, back, or SQLite to SQLite).
//!
//! How:
//! - the source is read in one snapshot (a read transaction on SQLite, a `REPEATABLE READ READ
//!   ONLY` transaction on PostgreSQL), so a store that is still being written copies as of one
//!   instant and the counts compared at the end are those of the same instant; the source is
//!   never written (its schema must already match this build);
//! - the target's schema is brought up to date first, then everything is written in one
//!   transaction that also holds the target's tables against other writers: a failure or a
//!   count mismatch rolls it all back, so the target is either a full copy or left as found;
//! - rows keep their ids, so the change sequence (`quotes_history.id`) carries over unchanged
//!   and a `changes_after` cursor taken on the source goes on working on the target; on
//!   PostgreSQL every `BIGSERIAL` is then set past the largest id copied;
//! - batches of `batch_rows` rows: one `UNNEST` statement per batch on PostgreSQL, prepared
//!   single-row inserts inside the one transaction on SQLite (no round trips there).
//!
//! Not copied: PostgreSQL's outbox lease columns (`claimed_by`, `claim_until_ms`): SQLite has
//! none, and a lease belongs to a dispatcher of the old store, so a copied pending row is free to
//! be claimed by the first dispatcher on the new one.

use super::location::Location;
use super::postgres::{PgError, PgStore};
use super::{open_for_reading, open_for_writing, schema, StoreError};
use rusqlite::types::ToSql;
use rusqlite::Connection;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use thiserror::Error;

/// How a column is carried between the backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// `INTEGER` in SQLite; `BIGINT` or `INTEGER` in PostgreSQL.
    Int,
    Real,
    /// An integer 0/1 in SQLite, `BOOLEAN` in PostgreSQL.
    Bool,
}

/// One table as the migration copies it: the columns both backends share.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The order rows are read in (ids ascending where there are ids, so the target's indexes
    /// fill in order).
    pub order_by: &'static str,
    /// Whether `id` is a `BIGSERIAL` on PostgreSQL, to be set past the largest id copied.
    pub serial_id: bool,
}

use Kind::{Bool, Int, Real, Text};

/// Every table of the store, parents before the tables that reference them. A test checks this
/// against both schemas, so a table or column added by a migration cannot be left behind.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "events",
        columns: &[
            ("event_id", Text),
            ("game_id", Text),
            ("season", Int),
            ("week", Int),
            ("home_team", Text),
            ("away_team", Text),
            ("commence_ms", Int),
            ("updated_ms", Int),
        ],
        order_by: "event_id",
        serial_id: false,
    },
    Table {
        name: "quotes_latest",
        columns: &[
            ("event_id", Text),
            ("book", Text),
            ("market", Text),
            ("scope", Text),
            ("selection", Text),
            ("ladder_key", Text),
            ("line", Real),
            ("american", Int),
            ("changed_ms", Int),
            ("seen_ms", Int),
            ("source", Text),
        ],
        order_by: "event_id, book, market, scope, selection, ladder_key",
        serial_id: false,
    },
    Table {
        name: "outrights_latest",
        columns: &[
            ("season", Int),
            ("book", Text),
            ("market", Text),
            ("team", Text),
            ("side", Text),
            ("line_key", Text),
            ("line", Real),
            ("american", Int),
            ("observed_ms", Int),
            ("seen_ms", Int),
            ("source", Text),
        ],
        order_by: "season, book, market, team, side, line_key",
        serial_id: false,
    },
    Table {
        name: "quotes_history",
        columns: &[
            ("id", Int),
            ("event_id", Text),
            ("book", Text),
            ("market", Text),
            ("scope", Text),
            ("selection", Text),
            ("ladder_key", Text),
            ("line", Real),
            ("american", Int),
            ("observed_ms", Int),
            ("source", Text),
            ("stored_ms", Int),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "quarantine",
        columns: &[
            ("id", Int),
            ("source", Text),
            ("reason", Text),
            ("detail", Text),
            ("observed_ms", Int),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "ingest_runs",
        columns: &[
            ("id", Int),
            ("source", Text),
            ("scheduled_ms", Int),
            ("started_ms", Int),
            ("finished_ms", Int),
            ("ok", Bool),
            ("attempts", Int),
            ("quotes_received", Int),
            ("quotes_changed", Int),
            ("quotes_rejected", Int),
            ("error", Text),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "simulations",
        columns: &[
            ("id", Int),
            ("started_ms", Int),
            ("latency_ms", Real),
            ("iterations", Int),
            ("seed", Int),
            ("events", Int),
            ("markets", Int),
            ("max_std_error", Real),
            ("trigger", Text),
            ("max_abs_z", Real),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "opportunities",
        columns: &[
            ("id", Int),
            ("simulation_id", Int),
            ("detected_ms", Int),
            ("event_id", Text),
            ("market", Text),
            ("scope", Text),
            ("selection", Text),
            ("line", Real),
            ("book", Text),
            ("american", Int),
            ("fair_prob", Real),
            ("push_prob", Real),
            ("ev", Real),
            ("kelly", Real),
            ("stake", Real),
            ("detail", Text),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "alert_outbox",
        columns: &[
            ("id", Int),
            ("dedup_key", Text),
            ("rule", Text),
            ("severity", Text),
            ("channel", Text),
            ("payload", Text),
            ("created_ms", Int),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_ms", Int),
            ("delivered_ms", Int),
            ("last_error", Text),
        ],
        order_by: "id",
        serial_id: true,
    },
    Table {
        name: "metrics_samples",
        columns: &[
            ("ts_ms", Int),
            ("name", Text),
            ("labels", Text),
            ("value", Real),
        ],
        order_by: "ts_ms",
        serial_id: false,
    },
    Table {
        name: "bets",
        columns: &[
            ("id", Int),
            ("paper", Bool),
            ("event_id", Text),
            ("market", Text),
            ("scope", Text),
            ("selection", Text),
            ("line", Real),
            ("book", Text),
            ("decimal", Real),
            ("stake", Real),
            ("placed_ms", Int),
            ("fair_prob", Real),
            ("ev", Real),
            ("model_prob", Real),
            ("consensus_prob", Real),
            ("status", Text),
            ("settled_ms", Int),
            ("pnl", Real),
            ("clv_book", Real),
            ("clv_consensus", Real),
            ("note", Text),
            ("dedup_key", Text),
        ],
        order_by: "id",
        serial_id: true,
    },
];

/// The tables and columns a migration copies, in copy order (for tests that hold them against
/// a live schema).
pub fn copied_columns() -> Vec<(&'static str, Vec<&'static str>)> {
    TABLES
        .iter()
        .map(|t| (t.name, t.columns.iter().map(|(c, _)| *c).collect()))
        .collect()
}

/// PostgreSQL columns deliberately left behind (see the module comment), as `table.column`.
pub const PG_ONLY_COLUMNS: &[&str] = &["alert_outbox.claimed_by", "alert_outbox.claim_until_ms"];

/// Tables of a PostgreSQL store that are bookkeeping, not data: the target makes its own.
pub const PG_BOOKKEEPING: &[&str] = &["schema_migrations"];

/// One column of a batch, every row's value (`None` for NULL).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

/// Rows of one table in column arrays: what an `UNNEST` insert binds directly.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Batch {
    pub columns: Vec<Column>,
    pub rows: usize,
}

impl Batch {
    pub(crate) fn new(table: &Table) -> Batch {
        Batch {
            columns: table
                .columns
                .iter()
                .map(|(_, kind)| match kind {
                    Text => Column::Text(Vec::new()),
                    Int => Column::Int(Vec::new()),
                    Real => Column::Real(Vec::new()),
                    Bool => Column::Bool(Vec::new()),
                })
                .collect(),
            rows: 0,
        }
    }

    fn clear(&mut self) {
        for c in &mut self.columns {
            match c {
                Column::Text(v) => v.clear(),
                Column::Int(v) => v.clear(),
                Column::Real(v) => v.clear(),
                Column::Bool(v) => v.clear(),
            }
        }
        self.rows = 0;
    }

    fn push_sqlite(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        for (i, c) in self.columns.iter_mut().enumerate() {
            match c {
                Column::Text(v) => v.push(row.get(i)?),
                Column::Int(v) => v.push(row.get(i)?),
                Column::Real(v) => v.push(row.get(i)?),
                Column::Bool(v) => v.push(row.get(i)?),
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The values of row `i` for a SQLite statement, in column order.
    fn sqlite_row(&self, i: usize) -> Vec<&dyn ToSql> {
        self.columns
            .iter()
            .map(|c| match c {
                Column::Text(v) => &v[i] as &dyn ToSql,
                Column::Int(v) => &v[i],
                Column::Real(v) => &v[i],
                Column::Bool(v) => &v[i],
            })
            .collect()
    }
}

/// Why a migration did not run or did not finish. No variant carries a password: stores are
/// named by [`Location::display`].
#[derive(Debug, Error)]
pub enum MigrateError {
    #[error("the source and the target are the same store ({0})")]
    SameStore(String),
    #[error("there is no SQLite store at {0}")]
    NoSource(String),
    #[error(
        "the source {store} has schema version {found}, this build copies version {expected}; \
         open it once for writing with the build that matches it (or this one, to upgrade it) first"
    )]
    SourceVersion {
        store: String,
        found: i64,
        expected: i64,
    },
    #[error(
        "the source {store} has a table `{table}` this build does not know how to copy; use the build that wrote it"
    )]
    UnknownTable { store: String, table: String },
    #[error(
        "the target {store} is not empty: table {table} holds {rows} row(s); store migrate copies only into \
         an empty store (a new SQLite file or an empty PostgreSQL database); nothing was written"
    )]
    TargetNotEmpty {
        store: String,
        table: &'static str,
        rows: i64,
    },
    #[error("the {role} {store}")]
    Store {
        role: &'static str,
        store: String,
        #[source]
        source: StoreError,
    },
    #[error("copying table {table} from {from} to {to} failed; nothing was committed")]
    Copy {
        table: &'static str,
        from: String,
        to: String,
        #[source]
        source: StoreError,
    },
}

/// Rows of one table before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: &'static str,
    /// Rows in the source snapshot.
    pub source: i64,
    /// Rows in the target after the copy (counted inside its transaction, before commit).
    pub target: i64,
    pub ok: bool,
}

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrateReport {
    pub from: String,
    pub to: String,
    /// Every table's counts matched and the copy was committed; otherwise it was rolled back.
    pub ok: bool,
    pub committed: bool,
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
    pub tables: Vec<TableCount>,
}

/// Rows per batch unless told otherwise: as the PostgreSQL writer's chunks.
pub const DEFAULT_BATCH_ROWS: usize = 10_000;

/// Copies every table of `from` into `to`, which must be empty (see the module comment).
pub async fn migrate(
    from: &Location,
    to: &Location,
    batch_rows: usize,
) -> Result<MigrateReport, MigrateError> {
    let started = Instant::now();
    let batch_rows = batch_rows.max(1);
    if same_store(from, to) {
        return Err(MigrateError::SameStore(from.display()));
    }
    let (from_name, to_name) = (from.display(), to.display());
    let store_err = |role: &'static str, store: &str| {
        let store = store.to_string();
        move |source: StoreError| MigrateError::Store {
            role,
            store,
            source,
        }
    };
    let mut source = Source::open(from)
        .await
        .map_err(|e| e.or_store("source", &from_name))?;
    let mut target = Target::open(to)
        .await
        .map_err(|e| e.or_store("target", &to_name))?;
    // From here the target holds an open transaction: any error rolls it back.
    let outcome = async {
        let mut tables = Vec::with_capacity(TABLES.len());
        let mut rows = 0u64;
        for table in TABLES {
            let n = target
                .count(table.name)
                .await
                .map_err(store_err("target", &to_name))?;
            if n > 0 {
                return Err(MigrateError::TargetNotEmpty {
                    store: to_name.clone(),
                    table: table.name,
                    rows: n,
                });
            }
        }
        for table in TABLES {
            let copy_err = |source: StoreError| MigrateError::Copy {
                table: table.name,
                from: from_name.clone(),
                to: to_name.clone(),
                source,
            };
            let src = source.count(table.name).await.map_err(copy_err)?;
            rows += copy_table(&mut source, &mut target, table, batch_rows)
                .await
                .map_err(copy_err)?;
            let dst = target.count(table.name).await.map_err(copy_err)?;
            tables.push(TableCount {
                table: table.name,
                source: src,
                target: dst,
                ok: src == dst,
            });
        }
        target
            .reset_sequences()
            .await
            .map_err(store_err("target", &to_name))?;
        Ok((tables, rows))
    }
    .await;
    let (tables, rows) = match outcome {
        Ok(v) => v,
        Err(e) => {
            target.rollback().await;
            return Err(e);
        }
    };
    let ok = tables.iter().all(|t| t.ok);
    if ok {
        target
            .commit()
            .await
            .map_err(store_err("target", &to_name))?;
    } else {
        target.rollback().await;
    }
    source.finish().await;
    let seconds = started.elapsed().as_secs_f64();
    Ok(MigrateReport {
        from: from_name,
        to: to_name,
        ok,
        committed: ok,
        rows,
        seconds,
        rows_per_second: if seconds > 0.0 {
            rows as f64 / seconds
        } else {
            0.0
        },
        tables,
    })
}

fn same_store(a: &Location, b: &Location) -> bool {
    match (a, b) {
        (Location::Sqlite(x), Location::Sqlite(y)) => {
            x == y
                || matches!(
                    (std::fs::canonicalize(x), std::fs::canonicalize(y)),
                    (Ok(cx), Ok(cy)) if cx == cy
                )
        }
        (Location::Postgres(x), Location::Postgres(y)) => x == y,
        _ => false,
    }
}

/// An error while opening either end, before the role is attached.
enum OpenError {
    Migrate(MigrateError),
    Store(StoreError),
}

impl OpenError {
    fn or_store(self, role: &'static str, store: &str) -> MigrateError {
        match self {
            OpenError::Migrate(e) => e,
            OpenError::Store(source) => MigrateError::Store {
                role,
                store: store.to_string(),
                source,
            },
        }
    }
}

impl From<StoreError> for OpenError {
    fn from(e: StoreError) -> Self {
        OpenError::Store(e)
    }
}

impl From<PgError> for OpenError {
    fn from(e: PgError) -> Self {
        OpenError::Store(e.into())
    }
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        OpenError::Store(e.into())
    }
}

/// PostgreSQL connections each end needs: the one transaction, and one spare for the pool.
const PG_POOL: usize = 2;

enum Source {
    Sqlite(Connection),
    Pg(super::postgres::PgSnapshot),
}

impl Source {
    async fn open(at: &Location) -> Result<Source, OpenError> {
        let (tables, version, expected, source) = match at {
            Location::Sqlite(path) => {
                if !path.is_file() {
                    return Err(OpenError::Migrate(MigrateError::NoSource(at.display())));
                }
                let conn = open_for_reading(path, 5000)?;
                // One read transaction for the whole copy: every table as of the same instant.
                conn.execute_batch("BEGIN")?;
                let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                let tables = sqlite_tables(&conn)?;
                (
                    tables,
                    version,
                    schema::SCHEMA_VERSION,
                    Source::Sqlite(conn),
                )
            }
            Location::Postgres(url) => {
                let store = PgStore::open(url, None, PG_POOL)?;
                let snapshot = store.snapshot().await?;
                let version = snapshot.schema_version().await?;
                let tables = snapshot.table_names().await?;
                (
                    tables,
                    version,
                    super::postgres::schema::SCHEMA_VERSION,
                    Source::Pg(snapshot),
                )
            }
        };
        if version != expected {
            return Err(OpenError::Migrate(MigrateError::SourceVersion {
                store: at.display(),
                found: version,
                expected,
            }));
        }
        if let Some(unknown) = tables
            .into_iter()
            .find(|t| !TABLES.iter().any(|k| k.name == t) && !PG_BOOKKEEPING.contains(&t.as_str()))
        {
            return Err(OpenError::Migrate(MigrateError::UnknownTable {
                store: at.display(),
                table: unknown,
            }));
        }
        Ok(source)
    }

    async fn count(&mut self, table: &str) -> Result<i64, StoreError> {
        match self {
            Source::Sqlite(conn) => Ok(super::read::count(conn, table)?),
            Source::Pg(s) => Ok(s.count(table).await?),
        }
    }

    async fn finish(self) {
        match self {
            Source::Sqlite(conn) => {
                // A read transaction: ending it releases the snapshot, nothing else.
                let _ = conn.execute_batch("COMMIT");
            }
            Source::Pg(s) => s.finish().await,
        }
    }
}

/// The user tables of a SQLite file (not SQLite's own).
fn sqlite_tables(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

enum Target {
    Sqlite(Connection),
    Pg(super::postgres::PgLoad),
}

impl Target {
    async fn open(at: &Location) -> Result<Target, OpenError> {
        match at {
            Location::Sqlite(path) => {
                let conn = open_for_writing(path, 5000)?;
                // Taken now, so no other writer can slip rows in between the emptiness check
                // and the commit.
                conn.execute_batch("BEGIN IMMEDIATE")?;
                Ok(Target::Sqlite(conn))
            }
            Location::Postgres(url) => {
                let store = PgStore::connect(url, PG_POOL).await?;
                let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
                Ok(Target::Pg(store.load(&names).await?))
            }
        }
    }

    async fn count(&mut self, table: &str) -> Result<i64, StoreError> {
        match self {
            Target::Sqlite(conn) => Ok(super::read::count(conn, table)?),
            Target::Pg(l) => Ok(l.count(table).await?),
        }
    }

    async fn write(&mut self, table: &Table, batch: &Batch) -> Result<(), StoreError> {
        if batch.rows == 0 {
            return Ok(());
        }
        match self {
            Target::Sqlite(conn) => {
                let mut stmt = conn.prepare_cached(&sqlite_insert(table))?;
                for i in 0..batch.rows {
                    stmt.execute(batch.sqlite_row(i).as_slice())?;
                }
                Ok(())
            }
            Target::Pg(l) => Ok(l.write(table, batch).await?),
        }
    }

    async fn reset_sequences(&mut self) -> Result<(), StoreError> {
        match self {
            // SQLite gives a new row the largest id plus one: nothing to move.
            Target::Sqlite(_) => Ok(()),
            Target::Pg(l) => Ok(l.reset_sequences(TABLES).await?),
        }
    }

    async fn commit(self) -> Result<(), StoreError> {
        match self {
            Target::Sqlite(conn) => Ok(conn.execute_batch("COMMIT")?),
            Target::Pg(l) => Ok(l.commit().await?),
        }
    }

    async fn rollback(self) {
        match self {
            // Closing the connection would roll back too; this says so.
            Target::Sqlite(conn) => {
                let _ = conn.execute_batch("ROLLBACK");
            }
            Target::Pg(l) => l.rollback().await,
        }
    }
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|(c, _)| *c)
        .collect::<Vec<_>>()
        .join(", ")
}

fn sqlite_insert(table: &Table) -> String {
    let marks = (1..=table.columns.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {} ({}) VALUES ({marks})",
        table.name,
        column_list(table)
    )
}

/// Copies one table in batches; returns the rows copied.
async fn copy_table(
    source: &mut Source,
    target: &mut Target,
    table: &Table,
    batch_rows: usize,
) -> Result<u64, StoreError> {
    let mut copied = 0u64;
    match source {
        Source::Sqlite(conn) => {
            let mut stmt = conn.prepare(&format!(
                "SELECT {} FROM {} ORDER BY {}",
                column_list(table),
                table.name,
                table.order_by
            ))?;
            let mut rows = stmt.query([])?;
            let mut batch = Batch::new(table);
            while let Some(row) = rows.next()? {
                batch.push_sqlite(row)?;
                if batch.rows >= batch_rows {
                    target.write(table, &batch).await?;
                    copied += batch.rows as u64;
                    batch.clear();
                }
            }
            target.write(table, &batch).await?;
            copied += batch.rows as u64;
        }
        Source::Pg(s) => {
            s.open_cursor(table).await?;
            loop {
                let batch = s.fetch(table, batch_rows).await?;
                if batch.rows == 0 {
                    break;
                }
                target.write(table, &batch).await?;
                copied += batch.rows as u64;
            }
            s.close_cursor().await?;
        }
    }
    Ok(copied)
}

/// The location a `--from`/`--to` value names: `sqlite:PATH`, `postgres://...`, or a bare path
/// (a SQLite file).
pub fn parse_location(value: &str) -> Result<Location, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(
            "expected sqlite:PATH, postgres://user@host/db or a file path, got nothing".into(),
        );
    }
    // A URL of another scheme is no file name: `Location::parse` says what is accepted.
    if !super::location::looks_like_url(v) && !v.contains("://") {
        return Ok(Location::Sqlite(PathBuf::from(v)));
    }
    let at = Location::parse(v)?;
    if let Location::Postgres(url) = &at {
        // The driver's own parse (ports, options) now, so a malformed URL is a usage error
        // before anything is opened; its message is already free of the password.
        PgStore::open(url, None, 1).map_err(|e| e.to_string())?;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables and columns of a fresh SQLite store, as SQLite reports them.
    fn sqlite_schema() -> Vec<(String, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_for_writing(&dir.path().join("s.sqlite3"), 1000).unwrap();
        let mut out = Vec::new();
        for t in sqlite_tables(&conn).unwrap() {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
                ))
                .unwrap();
            let cols: Vec<String> = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            out.push((t, cols));
        }
        out
    }

    #[test]
    fn every_sqlite_table_and_column_is_copied() {
        let mut want: Vec<(String, Vec<String>)> = sqlite_schema();
        want.sort();
        let mut have: Vec<(String, Vec<String>)> = TABLES
            .iter()
            .map(|t| {
                (
                    t.name.to_string(),
                    t.columns.iter().map(|(c, _)| c.to_string()).collect(),
                )
            })
            .collect();
        have.sort();
        assert_eq!(
            have, want,
            "store::migrate::TABLES is out of step with store::schema"
        );
    }

    #[test]
    fn parents_come_before_the_tables_that_reference_them() {
        let pos = |n: &str| TABLES.iter().position(|t| t.name == n).unwrap();
        assert!(pos("simulations") < pos("opportunities"));
        assert!(pos("events") < pos("quotes_latest"));
    }

    #[test]
    fn locations_from_flags() {
        assert_eq!(
            parse_location("data/x.sqlite3").unwrap(),
            Location::Sqlite("data/x.sqlite3".into())
        );
        assert_eq!(
            parse_location("sqlite:data/x.sqlite3").unwrap(),
            Location::Sqlite("data/x.sqlite3".into())
        );
        assert!(parse_location("postgres://u@h/db").unwrap().is_postgres());
        for bad in [
            "",
            "  ",
            "mysql://u:hunter2@h/db",
            "postgres:///db",
            "postgres://u:hunter2@h:notaport/db",
        ] {
            let err = parse_location(bad).unwrap_err();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[tokio::test]
    async fn the_same_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.sqlite3");
        drop(open_for_writing(&p, 1000).unwrap());
        let err = migrate(
            &Location::Sqlite(p.clone()),
            &Location::Sqlite(dir.path().join(".").join("a.sqlite3")),
            10,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, MigrateError::SameStore(_)), "{err}");
    }
}
