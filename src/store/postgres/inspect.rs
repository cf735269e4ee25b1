//! Read-only queries `store check` (`store::check`) runs on a PostgreSQL store: the checks'
//! SQL is shared with SQLite and lives there; this only runs it.

use super::{PgError, PgStore};

impl PgStore {
    /// The single integer a check query returns.
    pub(crate) async fn inspect_i64(&self, sql: &str) -> Result<i64, PgError> {
        let client = self.client().await?;
        Ok(client.query_one(sql, &[]).await?.try_get(0)?)
    }

    /// Every row of a check query whose columns are all text.
    pub(crate) async fn inspect_text(
        &self,
        sql: &str,
    ) -> Result<Vec<Vec<Option<String>>>, PgError> {
        let client = self.client().await?;
        let rows = client.query(sql, &[]).await?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get(i).map_err(PgError::from))
                    .collect()
            })
            .collect()
    }
}
