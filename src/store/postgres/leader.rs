//! One pricing leader at a time: a session-level advisory lock on a connection of its own,
//! held as long as the guard lives. The server releases it when the connection ends, so a
//! leader that crashes or loses the network frees the role without anyone cleaning up.

use super::{PgError, PgStore};
use crate::store::StoreError;
use tokio::task::JoinHandle;

/// Holds the leadership named at [`PgStore::try_lead`]; dropping it closes its connection,
/// which releases the lock.
pub struct LeaderGuard {
    name: String,
    client: tokio_postgres::Client,
    driver: JoinHandle<()>,
}

impl std::fmt::Debug for LeaderGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderGuard")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl LeaderGuard {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// False once the connection holding the lock has ended: another process may lead now,
    /// so this one must stop acting as leader.
    pub fn is_held(&self) -> bool {
        !self.client.is_closed() && !self.driver.is_finished()
    }

    /// Asks the server (one round trip) whether the connection is still up.
    pub async fn check(&self) -> bool {
        self.is_held() && self.client.simple_query("SELECT 1").await.is_ok()
    }
}

impl Drop for LeaderGuard {
    fn drop(&mut self) {
        // Ends the connection at once (the client alone would leave it to the driver).
        self.driver.abort();
    }
}

/// The lock key of a leadership name: FNV-1a over a prefix and the name, so names of this
/// program do not collide with another application's small integer keys.
pub(super) fn lock_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in "nflreadpy-betting/leader/".bytes().chain(name.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl PgStore {
    /// Takes the leadership `name` when nobody holds it: `Some(guard)` while this process
    /// leads, `None` when another does. Never waits.
    pub async fn try_lead(&self, name: &str) -> Result<Option<LeaderGuard>, StoreError> {
        let (client, connection) = self.dedicated("leader").await?;
        let driver = tokio::spawn(async move {
            let _ = connection.await;
        });
        let got: bool = match client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&lock_key(name)])
            .await
        {
            Ok(row) => row.try_get(0).map_err(PgError::from)?,
            Err(e) => {
                driver.abort();
                return Err(PgError::from(e).into());
            }
        };
        if !got {
            driver.abort();
            return Ok(None);
        }
        Ok(Some(LeaderGuard {
            name: name.to_string(),
            client,
            driver,
        }))
    }
}
