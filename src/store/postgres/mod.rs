//! The PostgreSQL backend: the same typed operations as the SQLite store, for a desk whose
//! ingest workers, pricing, API and dashboards run on several hosts against one database.
//!
//! Differences from SQLite that callers see:
//! - every operation is async and takes a pooled connection of its own; writes are one
//!   transaction each (retried on a deadlock or serialization failure, which several writers
//!   can provoke);
//! - the change sequence (`quotes_history.id`) is assigned under a transaction-level advisory
//!   lock held to commit, so ids become visible in order and a `changes_after` cursor never
//!   skips a row committed late by a slower writer;
//! - a commit that adds changes sends `NOTIFY nflreadpy_changes` with its last sequence
//!   ([`PgStore::listen`]);
//! - the outbox is claimed with a lease ([`PgStore::claim`]) so several dispatchers never send
//!   the same row; one pricing leader at a time via [`PgStore::try_lead`].
//!
//! The password never appears in logs, errors or `Debug` output: errors name the server as
//! `user@host:port/db` and any text from the driver is scrubbed of the password.

mod bets;
mod copy;
mod inspect;
mod leader;
mod notify;
mod outbox;
mod outrights;
mod quotes;
mod read;
mod records;
pub mod schema;
pub mod tls;

pub use copy::{PgLoad, PgSnapshot};
pub use leader::LeaderGuard;
pub use notify::{ChangeSignal, CHANNEL};
pub use quotes::SEQUENCE_LOCK;

use crate::secret::{Secret, REDACTED};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio_postgres::error::SqlState;
use tokio_postgres_rustls::MakeRustlsConnect;

/// What went wrong with the PostgreSQL store. No variant carries the password.
#[derive(Debug, Error)]
pub enum PgError {
    #[error("invalid PostgreSQL URL `{url}`: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot reach PostgreSQL at {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("PostgreSQL query failed: {0}")]
    Query(#[from] tokio_postgres::Error),
    #[error("the PostgreSQL store at {target} has schema version {found}, newer than this build understands ({supported}); upgrade the binary")]
    TooNew {
        target: String,
        found: i64,
        supported: i64,
    },
    #[error("unreadable value in the PostgreSQL store: {0}")]
    Data(String),
    #[error("unknown table `{0}`")]
    UnknownTable(String),
    #[error("cannot set up TLS for PostgreSQL: {0}")]
    Tls(String),
}

impl PgError {
    /// Whether running the same transaction again may succeed (another writer won a race).
    fn retryable(&self) -> bool {
        match self {
            PgError::Query(e) => matches!(
                e.code(),
                Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED
                    || *c == SqlState::T_R_SERIALIZATION_FAILURE
            ),
            _ => false,
        }
    }
}

/// A handle on one PostgreSQL store: a connection pool plus what it takes to open the
/// dedicated connections of [`PgStore::listen`] and [`PgStore::try_lead`]. Cheap to clone.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    config: Arc<tokio_postgres::Config>,
    tls: MakeRustlsConnect,
    /// `user@host:port/db`, for messages.
    target: Arc<str>,
    /// Kept only to scrub driver messages; never shown.
    password: Option<Secret>,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// How long a new connection may take before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts of one write transaction that lost a deadlock or serialization race.
const WRITE_ATTEMPTS: u32 = 6;

/// The URL with any password replaced by the redaction marker, for messages (the one rule
/// `storage.url` is shown by everywhere).
pub use crate::secret::redact_url;

/// `text` with every occurrence of the password replaced by the redaction marker.
fn scrub(text: String, password: Option<&Secret>) -> String {
    match password.map(Secret::expose).filter(|p| !p.is_empty()) {
        Some(p) if text.contains(p) => text.replace(p, REDACTED),
        _ => text,
    }
}

fn describe(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("?"),
        config.get_dbname().or(config.get_user()).unwrap_or("?")
    )
}

impl PgStore {
    /// Connects to `postgres://user[:password]@host[:port]/db[?sslmode=...]` with a pool of at
    /// most `pool_size` connections and brings the schema up to date.
    pub async fn connect(url: &str, pool_size: usize) -> Result<PgStore, super::StoreError> {
        PgStore::connect_with_password(url, None, pool_size).await
    }

    /// As [`PgStore::connect`], with the password given apart from the URL (from `${VAR}` in
    /// the configuration); it wins over one in the URL.
    pub async fn connect_with_password(
        url: &str,
        password: Option<&Secret>,
        pool_size: usize,
    ) -> Result<PgStore, super::StoreError> {
        let store = PgStore::open(url, password, pool_size)?;
        store.migrate().await?;
        Ok(store)
    }

    /// The pool without touching the server (no migration): connections open on first use.
    pub fn open(
        url: &str,
        password: Option<&Secret>,
        pool_size: usize,
    ) -> Result<PgStore, PgError> {
        // `sslmode=verify-*` and `sslrootcert` are libpq's, read here (see `tls`).
        let (driver_url, wish) = tls::split(url);
        let mut config =
            tokio_postgres::Config::from_str(&driver_url).map_err(|e| PgError::Url {
                url: redact_url(url),
                reason: scrub(e.to_string(), password),
            })?;
        if let Some(p) = password {
            config.password(p.expose());
        }
        let url_password = config
            .get_password()
            .map(|p| Secret::new(String::from_utf8_lossy(p).into_owned()));
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("nflreadpy-betting");
        }
        let target: Arc<str> = describe(&config).into();
        let tls = tls::connector(&wish).map_err(PgError::Tls)?;
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig {
                // A broken connection is noticed by the next query anyway; checking before
                // each checkout would cost a round trip per operation.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT))
            .wait_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| PgError::Connect {
                target: target.to_string(),
                reason: e.to_string(),
            })?;
        Ok(PgStore {
            pool,
            config: Arc::new(config),
            tls,
            target,
            password: url_password,
        })
    }

    /// `user@host:port/db`: the server this store talks to, without the password.
    pub fn target(&self) -> &str {
        &self.target
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, PgError> {
        self.pool.get().await.map_err(|e| self.connect_error(e))
    }

    fn connect_error(&self, e: impl fmt::Display) -> PgError {
        PgError::Connect {
            target: self.target.to_string(),
            reason: scrub(e.to_string(), self.password.as_ref()),
        }
    }

    /// A connection outside the pool, for a session that must outlive single operations
    /// (LISTEN, the leader's advisory lock), named `nflreadpy-betting/<role>` in
    /// `pg_stat_activity` so an operator can tell them apart.
    async fn dedicated(
        &self,
        role: &str,
    ) -> Result<
        (
            tokio_postgres::Client,
            tokio_postgres::Connection<
                tokio_postgres::Socket,
                <MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<
                    tokio_postgres::Socket,
                >>::Stream,
            >,
        ),
        PgError,
    > {
        let mut config = (*self.config).clone();
        config.application_name(format!("nflreadpy-betting/{role}"));
        config
            .connect(self.tls.clone())
            .await
            .map_err(|e| self.connect_error(e))
    }
}

/// Runs `$body` (an async block using the transaction `$tx`) in a transaction of a pooled
/// connection, committing at the end, retrying the whole transaction when it lost a deadlock
/// or serialization race to another writer.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome: Result<_, $crate::store::postgres::PgError> = async {
                let mut client = $store.client().await?;
                let $tx = client.transaction().await?;
                let value = $body;
                $tx.commit().await?;
                Ok(value)
            }
            .await;
            match outcome {
                Err(e) if e.retryable() && attempt < $crate::store::postgres::WRITE_ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(
                        5 * u64::from(attempt * attempt),
                    ))
                    .await;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use in_transaction;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_in_messages() {
        assert_eq!(
            redact_url("postgres://desk:s3cret@db.example:5432/odds?sslmode=require"),
            format!("postgres://desk:{REDACTED}@db.example:5432/odds?sslmode=require")
        );
        assert_eq!(
            redact_url("postgres://desk@127.0.0.1/odds"),
            "postgres://desk@127.0.0.1/odds"
        );
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn a_bad_url_is_an_error_without_the_password() {
        let err = PgStore::open("postgres://desk:hunter2@host:notaport/db", None, 2).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(matches!(err, PgError::Url { .. }), "{text}");
    }

    #[test]
    fn debug_shows_the_target_only() {
        let store = PgStore::open("postgres://desk:hunter2@127.0.0.1:5999/odds", None, 2).unwrap();
        let dbg = format!("{store:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("desk@127.0.0.1:5999/odds"), "{dbg}");
    }
}
