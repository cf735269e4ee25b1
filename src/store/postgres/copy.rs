//! The PostgreSQL ends of `store migrate` (`store::migrate`): a read-only snapshot the source
//! tables are read from through a cursor, and one locked transaction the target tables are
//! filled in by `UNNEST` batches.

use super::{PgError, PgStore};
use crate::store::migrate::{Batch, Column, Kind, Table, TABLES};
use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

/// How long the target waits for another process's lock on its tables before giving up with
/// an error (rather than hanging behind a running `ingest`).
const LOCK_TIMEOUT: &str = "15s";

/// The name of the one cursor a snapshot has open at a time.
const CURSOR: &str = "nflreadpy_migrate";

/// Only the tables the migration knows are ever put into SQL text (names cannot be bound).
fn known(table: &str) -> Result<&'static str, PgError> {
    TABLES
        .iter()
        .find(|t| t.name == table)
        .map(|t| t.name)
        .ok_or_else(|| PgError::UnknownTable(table.to_string()))
}

fn cast(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Int => "int8",
        Kind::Real => "float8",
        Kind::Bool => "bool",
    }
}

async fn count(client: &Object, table: &str) -> Result<i64, PgError> {
    let table = known(table)?;
    Ok(client
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .await?
        .try_get(0)?)
}

/// A source store as of one instant: a `REPEATABLE READ READ ONLY` transaction on one
/// connection, held until [`PgSnapshot::finish`].
pub struct PgSnapshot {
    client: Object,
    /// Keeps the pool (and so the connection's driver) alive as long as the snapshot.
    _store: PgStore,
}

/// A target being filled: one transaction holding its tables against other writers, committed
/// by [`PgLoad::commit`]; dropped or rolled back, nothing of it remains.
pub struct PgLoad {
    client: Object,
    _store: PgStore,
}

impl PgStore {
    /// Starts the read-only snapshot a migration copies from.
    pub async fn snapshot(&self) -> Result<PgSnapshot, PgError> {
        let client = self.client().await?;
        client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        Ok(PgSnapshot {
            client,
            _store: self.clone(),
        })
    }

    /// Starts the transaction a migration writes in, with `tables` locked against writers
    /// (readers go on). Waits at most [`LOCK_TIMEOUT`] for the locks.
    pub async fn load(&self, tables: &[&str]) -> Result<PgLoad, PgError> {
        let names = tables
            .iter()
            .map(|t| known(t))
            .collect::<Result<Vec<_>, _>>()?;
        let client = self.client().await?;
        client.batch_execute("BEGIN").await?;
        let locked = client
            .batch_execute(&format!(
                "SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';
                 LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                names.join(", ")
            ))
            .await;
        if let Err(e) = locked {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(e.into());
        }
        Ok(PgLoad {
            client,
            _store: self.clone(),
        })
    }
}

impl PgSnapshot {
    /// The schema version recorded in the snapshot (0 before the first migration).
    pub async fn schema_version(&self) -> Result<i64, PgError> {
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .await?
            .try_get(0)?;
        if !exists {
            return Ok(0);
        }
        Ok(self
            .client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .try_get(0)?)
    }

    /// The tables of the store's schema.
    pub async fn table_names(&self) -> Result<Vec<String>, PgError> {
        let rows = self
            .client
            .query(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                 ORDER BY 1",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(PgError::from))
            .collect()
    }

    pub async fn count(&self, table: &str) -> Result<i64, PgError> {
        count(&self.client, table).await
    }

    /// Opens the cursor over every row of `table`, in its copy order.
    pub(crate) async fn open_cursor(&self, table: &Table) -> Result<(), PgError> {
        let name = known(table.name)?;
        let cols = table
            .columns
            .iter()
            .map(|(c, k)| format!("{c}::{}", cast(*k)))
            .collect::<Vec<_>>()
            .join(", ");
        self.client
            .batch_execute(&format!(
                "DECLARE {CURSOR} NO SCROLL CURSOR FOR SELECT {cols} FROM {name} ORDER BY {}",
                table.order_by
            ))
            .await?;
        Ok(())
    }

    /// The next at most `rows` rows of the open cursor (none at the end).
    pub(crate) async fn fetch(&self, table: &Table, rows: usize) -> Result<Batch, PgError> {
        let got = self
            .client
            .query(&format!("FETCH FORWARD {rows} FROM {CURSOR}"), &[])
            .await?;
        let mut batch = Batch::new(table);
        for r in &got {
            for (i, c) in batch.columns.iter_mut().enumerate() {
                match c {
                    Column::Text(v) => v.push(r.try_get(i)?),
                    Column::Int(v) => v.push(r.try_get(i)?),
                    Column::Real(v) => v.push(r.try_get(i)?),
                    Column::Bool(v) => v.push(r.try_get(i)?),
                }
            }
        }
        batch.rows = got.len();
        Ok(batch)
    }

    pub(crate) async fn close_cursor(&self) -> Result<(), PgError> {
        self.client
            .batch_execute(&format!("CLOSE {CURSOR}"))
            .await?;
        Ok(())
    }

    /// Ends the snapshot (it wrote nothing, so how it ends does not matter).
    pub async fn finish(self) {
        let _ = self.client.batch_execute("COMMIT").await;
    }
}

impl PgLoad {
    pub async fn count(&self, table: &str) -> Result<i64, PgError> {
        count(&self.client, table).await
    }

    /// Inserts a batch in one statement: each column goes as one array parameter.
    pub(crate) async fn write(&self, table: &Table, batch: &Batch) -> Result<(), PgError> {
        let name = known(table.name)?;
        let cols = table
            .columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ");
        let arrays = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, k))| format!("${}::{}[]", i + 1, cast(*k)))
            .collect::<Vec<_>>()
            .join(", ");
        let stmt = self
            .client
            .prepare_cached(&format!(
                "INSERT INTO {name} ({cols}) SELECT * FROM unnest({arrays})"
            ))
            .await?;
        let params: Vec<&(dyn ToSql + Sync)> = batch
            .columns
            .iter()
            .map(|c| match c {
                Column::Text(v) => v as &(dyn ToSql + Sync),
                Column::Int(v) => v,
                Column::Real(v) => v,
                Column::Bool(v) => v,
            })
            .collect();
        self.client.execute(&stmt, &params).await?;
        Ok(())
    }

    /// Moves every `BIGSERIAL` to the largest id copied, so the next row gets the next id
    /// (as SQLite would give it) and never collides with a copied one.
    pub(crate) async fn reset_sequences(&self, tables: &[Table]) -> Result<(), PgError> {
        for t in tables.iter().filter(|t| t.serial_id) {
            let name = known(t.name)?;
            self.client
                .execute(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{name}', 'id'), m, true)
                         FROM (SELECT MAX(id) AS m FROM {name}) AS x WHERE m IS NOT NULL"
                    ),
                    &[],
                )
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), PgError> {
        self.client.batch_execute("COMMIT").await?;
        Ok(())
    }

    pub async fn rollback(self) {
        let _ = self.client.batch_execute("ROLLBACK").await;
    }
}
