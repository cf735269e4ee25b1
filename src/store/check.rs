//! `store check`: integrity checks of a store, read-only, on either backend.
//!
//! Each check names one promise the store layer makes and says whether it holds; a check that
//! cannot even run (a corrupt file) counts as failed, with the error. Backend checks first
//! (SQLite's own integrity and foreign-key checks, the schema version, PostgreSQL's sequences),
//! then the invariants the write path and retention keep on both:
//! - every latest quote and every odds-path row names an event that exists (retention deletes
//!   an event only once neither references it);
//! - every change sequence number is positive, where a cursor starting at 0 reaches it;
//! - every opportunity's simulation exists;
//! - every outbox row is in a state the dispatcher knows, and a delivered one says when;
//! - every market, scope and selection stored is one this build can read back.

use super::location::Location;
use super::outbox::{DELIVERED, EXPIRED, INVALID, PENDING, SKIPPED};
use super::postgres::PgStore;
use super::{open_for_reading, schema, StoreError};
use crate::domain::{MarketKind, Scope, Selection};
use rusqlite::Connection;
use serde::Serialize;
use thiserror::Error;

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The store, password redacted.
    pub store: String,
    pub backend: &'static str,
    /// Every check passed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Error)]
pub enum CheckError {
    #[error("there is no SQLite store at {0}")]
    NoStore(String),
    #[error("cannot open the store {store}")]
    Open {
        store: String,
        #[source]
        source: StoreError,
    },
}

/// A promise both backends keep: the query counts the rows that break it.
struct Invariant {
    name: &'static str,
    sql: String,
    /// What each counted row is, for the message.
    what: &'static str,
}

fn invariants() -> Vec<Invariant> {
    let states = [PENDING, DELIVERED, SKIPPED, INVALID, EXPIRED]
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        Invariant {
            name: "latest-events",
            sql: "SELECT COUNT(*) FROM quotes_latest l
                  WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = l.event_id)"
                .into(),
            what: "latest quote(s) name an event that does not exist",
        },
        Invariant {
            name: "history-events",
            sql: "SELECT COUNT(*) FROM quotes_history h
                  WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_id = h.event_id)"
                .into(),
            what: "odds-path row(s) name an event that does not exist",
        },
        Invariant {
            name: "history-sequence",
            sql: "SELECT COUNT(*) FROM quotes_history WHERE id <= 0".into(),
            what: "odds-path row(s) have a sequence number at or below 0, which no change cursor reaches",
        },
        Invariant {
            name: "opportunity-simulations",
            sql: "SELECT COUNT(*) FROM opportunities o WHERE o.simulation_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM simulations s WHERE s.id = o.simulation_id)"
                .into(),
            what: "opportunit(ies) name a simulation that does not exist",
        },
        Invariant {
            name: "outbox-states",
            sql: format!("SELECT COUNT(*) FROM alert_outbox WHERE state NOT IN ({states})"),
            what: "outbox row(s) are in a state the dispatcher does not know",
        },
        Invariant {
            name: "outbox-delivered",
            sql: format!(
                "SELECT COUNT(*) FROM alert_outbox WHERE state = '{DELIVERED}' AND delivered_ms IS NULL"
            ),
            what: "delivered outbox row(s) have no delivery time",
        },
    ]
}

/// The distinct (market, scope, selection) names stored.
const QUOTE_NAMES: &str = "SELECT DISTINCT market, scope, selection FROM quotes_latest
     UNION SELECT DISTINCT market, scope, selection FROM quotes_history";

fn invariant_check(inv: &Invariant, counted: Result<i64, String>) -> Check {
    match counted {
        Ok(0) => Check {
            name: inv.name,
            ok: true,
            detail: "holds".into(),
        },
        Ok(n) => Check {
            name: inv.name,
            ok: false,
            detail: format!("{n} {}", inv.what),
        },
        Err(e) => could_not_run(inv.name, e),
    }
}

fn could_not_run(name: &'static str, e: impl std::fmt::Display) -> Check {
    Check {
        name,
        ok: false,
        detail: format!("could not run: {e}"),
    }
}

fn names_check(rows: Result<Vec<Vec<Option<String>>>, String>) -> Check {
    const NAME: &str = "quote-names";
    let rows = match rows {
        Ok(r) => r,
        Err(e) => return could_not_run(NAME, e),
    };
    let mut bad: Vec<String> = Vec::new();
    for r in &rows {
        let part = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
        let (m, s, sel) = (part(0), part(1), part(2));
        if m.parse::<MarketKind>().is_err()
            || s.parse::<Scope>().is_err()
            || sel.parse::<Selection>().is_err()
        {
            bad.push(format!("{m}/{s}/{sel}"));
        }
    }
    if bad.is_empty() {
        Check {
            name: NAME,
            ok: true,
            detail: format!(
                "{} market/scope/selection combination(s), all known",
                rows.len()
            ),
        }
    } else {
        let shown = bad.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        Check {
            name: NAME,
            ok: false,
            detail: format!(
                "{} stored market/scope/selection combination(s) this build cannot read: {shown}",
                bad.len()
            ),
        }
    }
}

fn version_check(found: i64, expected: i64) -> Check {
    const NAME: &str = "schema-version";
    let (ok, detail) = match found.cmp(&expected) {
        std::cmp::Ordering::Equal => (true, format!("version {found}, as this build")),
        std::cmp::Ordering::Less => (
            false,
            format!(
                "version {found}, this build writes {expected}: opening it for writing with this build upgrades it"
            ),
        ),
        std::cmp::Ordering::Greater => (
            false,
            format!("version {found} is newer than this build understands ({expected}); upgrade the binary"),
        ),
    };
    Check {
        name: NAME,
        ok,
        detail,
    }
}

/// Runs every check on the store at `at`, writing nothing.
pub async fn check(at: &Location, busy_timeout_ms: u64) -> Result<CheckReport, CheckError> {
    let store = at.display();
    let (backend, checks) = match at {
        Location::Sqlite(path) => {
            if !path.is_file() {
                return Err(CheckError::NoStore(store));
            }
            let conn =
                open_for_reading(path, busy_timeout_ms).map_err(|source| CheckError::Open {
                    store: store.clone(),
                    source,
                })?;
            ("sqlite", sqlite_checks(&conn))
        }
        Location::Postgres(url) => {
            // `open`, not `connect`: a check never migrates.
            let pg = PgStore::open(url, None, 2).map_err(|e| CheckError::Open {
                store: store.clone(),
                source: e.into(),
            })?;
            // A server that cannot be reached is no store to check: an error, not a verdict.
            pg.inspect_i64("SELECT 1::int8")
                .await
                .map_err(|e| CheckError::Open {
                    store: store.clone(),
                    source: e.into(),
                })?;
            ("postgresql", pg_checks(&pg).await)
        }
    };
    Ok(CheckReport {
        store,
        backend,
        ok: checks.iter().all(|c| c.ok),
        checks,
    })
}

fn sqlite_checks(conn: &Connection) -> Vec<Check> {
    let mut out = Vec::new();

    out.push(
        match conn
            .prepare("PRAGMA integrity_check(20)")
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()
            }) {
            Ok(lines) if lines == ["ok"] => Check {
                name: "integrity",
                ok: true,
                detail: "PRAGMA integrity_check: ok".into(),
            },
            Ok(lines) => Check {
                name: "integrity",
                ok: false,
                detail: format!(
                    "PRAGMA integrity_check found {}{}: {}",
                    lines.len(),
                    if lines.len() >= 20 {
                        "+ problems"
                    } else {
                        " problem(s)"
                    },
                    lines.iter().take(3).cloned().collect::<Vec<_>>().join("; ")
                ),
            },
            Err(e) => could_not_run("integrity", e),
        },
    );

    out.push(
        match conn.prepare("PRAGMA foreign_key_check").and_then(|mut s| {
            s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(2)?)))?
                .collect::<rusqlite::Result<Vec<(String, String)>>>()
        }) {
            Ok(v) if v.is_empty() => Check {
                name: "foreign-keys",
                ok: true,
                detail: "PRAGMA foreign_key_check: no violations".into(),
            },
            Ok(v) => {
                let mut pairs: Vec<String> = v.iter().map(|(t, p)| format!("{t} -> {p}")).collect();
                pairs.sort();
                pairs.dedup();
                Check {
                    name: "foreign-keys",
                    ok: false,
                    detail: format!(
                        "{} row(s) reference a missing parent ({})",
                        v.len(),
                        pairs.join(", ")
                    ),
                }
            }
            Err(e) => could_not_run("foreign-keys", e),
        },
    );

    out.push(
        match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
            Ok(v) => version_check(v, schema::SCHEMA_VERSION),
            Err(e) => could_not_run("schema-version", e),
        },
    );

    for inv in invariants() {
        let n = conn
            .query_row(&inv.sql, [], |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string());
        out.push(invariant_check(&inv, n));
    }

    let names = conn
        .prepare(QUOTE_NAMES)
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok(vec![
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ])
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| e.to_string());
    out.push(names_check(names));
    out
}

async fn pg_checks(pg: &PgStore) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(match pg.schema_version().await {
        Ok(v) => version_check(v, super::postgres::schema::SCHEMA_VERSION),
        Err(e) => could_not_run("schema-version", e),
    });

    // A sequence behind the largest id would hand out an id already taken (the insert fails)
    // and, for the change sequence, a cursor past it would skip rows.
    let mut behind = Vec::new();
    let mut failed = None;
    for t in super::migrate::TABLES.iter().filter(|t| t.serial_id) {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT MAX(id) AS m FROM {t}) AS x
             WHERE m > COALESCE(pg_sequence_last_value(pg_get_serial_sequence('{t}', 'id')::regclass), 0)",
            t = t.name
        );
        match pg.inspect_i64(&sql).await {
            Ok(0) => {}
            Ok(_) => behind.push(t.name),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    out.push(match (failed, behind.is_empty()) {
        (Some(e), _) => could_not_run("sequences", e),
        (None, true) => Check {
            name: "sequences",
            ok: true,
            detail: "every id sequence is past its table's largest id".into(),
        },
        (None, false) => Check {
            name: "sequences",
            ok: false,
            detail: format!(
                "the id sequence of {} is behind the largest id (the next insert would collide)",
                behind.join(", ")
            ),
        },
    });

    for inv in invariants() {
        let n = pg.inspect_i64(&inv.sql).await.map_err(|e| e.to_string());
        out.push(invariant_check(&inv, n));
    }
    let names = pg
        .inspect_text(QUOTE_NAMES)
        .await
        .map_err(|e| e.to_string());
    out.push(names_check(names));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_store_passes_and_a_dangling_quote_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let conn = super::super::open_for_writing(&path, 1000).unwrap();
        let at = Location::Sqlite(path.clone());
        let report = check(&at, 1000).await.unwrap();
        assert!(report.ok, "{report:?}");
        conn.execute_batch(
            "INSERT INTO quotes_latest VALUES ('ghost','bk','moneyline','game','home','',NULL,-110,1,1,'t');
             INSERT INTO alert_outbox (dedup_key, rule, severity, channel, payload, created_ms, state, next_attempt_ms)
               VALUES ('k','r','info','log','{}',1,'lost',1);",
        )
        .unwrap();
        let report = check(&at, 1000).await.unwrap();
        assert!(!report.ok);
        let failed: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name)
            .collect();
        assert_eq!(failed, ["latest-events", "outbox-states"], "{report:?}");
    }

    #[tokio::test]
    async fn a_missing_file_is_an_error_not_a_new_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.sqlite3");
        let err = check(&Location::Sqlite(path.clone()), 1000)
            .await
            .unwrap_err();
        assert!(matches!(err, CheckError::NoStore(_)), "{err}");
        assert!(!path.exists());
    }
}
