#![allow(dead_code)]
//! A database of its own per test on the server named by `NFLREADPY_BETTING_TEST_PG_URL`
//! (`scripts/test-postgres.sh start` prints it; `.ci/run` starts one). Without the variable a
//! test says why and passes, except under CI where it fails.

use nflreadpy_betting::store::postgres::PgStore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub const URL_VAR: &str = "NFLREADPY_BETTING_TEST_PG_URL";
/// Generous: a busy 2-core CI box.
pub const WAIT: Duration = Duration::from_secs(60);

pub fn base_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{URL_VAR} is not set: the PostgreSQL store tests need a server under CI \
                 (.ci/run starts one with scripts/test-postgres.sh)"
            );
            eprintln!(
                "skipped: {URL_VAR} is not set (eval \"$(scripts/test-postgres.sh start)\" starts a throwaway server)"
            );
            None
        }
    }
}

/// A database of its own for one test, dropped at the end of a test that passes.
pub struct TestDb {
    pub base: String,
    pub name: String,
    pub url: String,
}

static SERIAL: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    pub async fn new(tag: &str) -> Option<TestDb> {
        let base = base_url()?;
        let name = format!(
            "nflreadpy_t_{tag}_{}_{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let (head, query) = match base.split_once('?') {
            Some((h, q)) => (h, format!("?{q}")),
            None => (base.as_str(), String::new()),
        };
        let prefix = head
            .rsplit_once('/')
            .map(|(p, _)| p)
            .filter(|p| !p.ends_with('/'))
            .unwrap_or(head);
        let url = format!("{prefix}/{name}{query}");
        admin(&base, &format!("CREATE DATABASE {name}")).await;
        Some(TestDb { base, name, url })
    }

    pub async fn store(&self, pool: usize) -> PgStore {
        PgStore::connect(&self.url, pool).await.unwrap()
    }

    pub async fn drop_db(self) {
        admin(
            &self.base,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        )
        .await;
    }
}

pub async fn admin(url: &str, sql: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test server at {URL_VAR}: {e}"));
    let driver = tokio::spawn(conn);
    client.batch_execute(sql).await.unwrap();
    drop(client);
    let _ = driver.await;
}
