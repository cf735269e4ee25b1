//! The outbox table: every notification is a row (one per channel) before anything is sent,
//! and leaves `pending` only when its channel confirms, or when its channel is removed from the
//! configuration (`expired`, with the reason in `last_error`). The dispatcher lives in
//! `alerts::outbox`; this is its SQL.

use rusqlite::{params, Connection, OptionalExtension};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const SKIPPED: &str = "skipped";
/// A row whose payload cannot be read back (written by a newer or broken build); never retried.
pub const INVALID: &str = "invalid";
/// A row whose channel is no longer configured; never retried, the reason in `last_error`.
pub const EXPIRED: &str = "expired";

/// A row to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRow {
    /// Unique per (notification, channel): `<incident>:<action>`; duplicates are ignored, so
    /// re-observing after a restart cannot enqueue the same notification twice.
    pub dedup_key: String,
    pub rule: String,
    pub severity: String,
    pub channel: String,
    pub payload: String,
    pub created_ms: i64,
    pub next_attempt_ms: i64,
}

/// Inserts rows, ignoring ones already present; returns how many were new.
pub fn enqueue(conn: &Connection, rows: &[NewRow]) -> rusqlite::Result<usize> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO alert_outbox
           (dedup_key, rule, severity, channel, payload, created_ms, state, attempts, next_attempt_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7)",
    )?;
    let mut n = 0;
    for r in rows {
        n += stmt.execute(params![
            r.dedup_key,
            r.rule,
            r.severity,
            r.channel,
            r.payload,
            r.created_ms,
            r.next_attempt_ms
        ])?;
    }
    Ok(n)
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    pub id: i64,
    pub dedup_key: String,
    pub channel: String,
    pub payload: String,
    pub attempts: i64,
    pub created_ms: i64,
}

/// Pending rows due at `now_ms` for the given channels (configured and not backing off),
/// oldest first, at most `per_channel` rows of each: a channel with thousands queued cannot
/// crowd another out of the scan.
pub fn due(
    conn: &Connection,
    now_ms: i64,
    channels: &[String],
    per_channel: usize,
) -> rusqlite::Result<Vec<PendingRow>> {
    let names = serde_json::to_string(channels).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(
        "SELECT id, dedup_key, channel, payload, attempts, created_ms FROM (
           SELECT id, dedup_key, channel, payload, attempts, created_ms,
                  ROW_NUMBER() OVER (PARTITION BY channel ORDER BY id) AS n
           FROM alert_outbox
           WHERE state = 'pending' AND next_attempt_ms <= ?1
             AND channel IN (SELECT value FROM json_each(?2)))
         WHERE n <= ?3 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![now_ms, names, per_channel as i64], |r| {
        Ok(PendingRow {
            id: r.get(0)?,
            dedup_key: r.get(1)?,
            channel: r.get(2)?,
            payload: r.get(3)?,
            attempts: r.get(4)?,
            created_ms: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// Marks pending rows of channels not in `configured` as `expired`, recording why. Returns how
/// many rows expired, per channel.
pub fn expire_unconfigured(
    conn: &Connection,
    configured: &[String],
    now_ms: i64,
) -> rusqlite::Result<Vec<(String, usize)>> {
    let names = serde_json::to_string(configured).unwrap_or_else(|_| "[]".into());
    let gone: Vec<(String, i64)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT channel, COUNT(*) FROM alert_outbox WHERE state = 'pending'
               AND channel NOT IN (SELECT value FROM json_each(?1)) GROUP BY channel",
        )?;
        let rows = stmt.query_map([&names], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (channel, _) in &gone {
        conn.execute(
            "UPDATE alert_outbox SET state = 'expired', next_attempt_ms = ?2,
               last_error = 'expired: channel `' || ?1 || '` is no longer configured'
             WHERE state = 'pending' AND channel = ?1",
            params![channel, now_ms],
        )?;
    }
    Ok(gone.into_iter().map(|(c, n)| (c, n as usize)).collect())
}

/// The earliest `next_attempt_ms` among pending rows, per channel.
pub fn next_due_by_channel(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel, MIN(next_attempt_ms) FROM alert_outbox WHERE state = 'pending' GROUP BY channel",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The outcome of one attempt, applied in one transaction per round.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        id: i64,
        at_ms: i64,
    },
    Skipped {
        id: i64,
        at_ms: i64,
        reason: String,
    },
    Failed {
        id: i64,
        next_ms: i64,
        error: String,
    },
    Invalid {
        id: i64,
        error: String,
    },
}

pub fn apply(conn: &Connection, outcomes: &[Outcome]) -> rusqlite::Result<()> {
    for o in outcomes {
        match o {
            Outcome::Delivered { id, at_ms } => conn.execute(
                "UPDATE alert_outbox SET state = 'delivered', attempts = attempts + 1,
                   delivered_ms = ?2, last_error = NULL WHERE id = ?1",
                params![id, at_ms],
            )?,
            Outcome::Skipped { id, at_ms, reason } => conn.execute(
                "UPDATE alert_outbox SET state = 'skipped', attempts = attempts + 1,
                   next_attempt_ms = ?2, last_error = ?3 WHERE id = ?1",
                params![id, at_ms, reason],
            )?,
            Outcome::Failed { id, next_ms, error } => conn.execute(
                "UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_ms = ?2,
                   last_error = ?3 WHERE id = ?1",
                params![id, next_ms, error],
            )?,
            Outcome::Invalid { id, error } => conn.execute(
                "UPDATE alert_outbox SET state = 'invalid', last_error = ?2 WHERE id = ?1",
                params![id, error],
            )?,
        };
    }
    Ok(())
}

/// Per-channel figures from the table (what survives restarts).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ChannelSummary {
    pub channel: String,
    pub pending: u64,
    pub delivered: u64,
    pub oldest_pending_ms: Option<i64>,
    pub last_delivery_ms: Option<i64>,
    pub last_error: Option<String>,
    /// Attempts of the oldest pending row (how long the channel has been failing).
    pub pending_attempts: u64,
}

pub fn channel_summary(conn: &Connection) -> rusqlite::Result<Vec<ChannelSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT channel,
                SUM(state = 'pending'),
                SUM(state = 'delivered'),
                MIN(CASE WHEN state = 'pending' THEN created_ms END),
                MAX(CASE WHEN state = 'delivered' THEN delivered_ms END),
                MAX(CASE WHEN state = 'pending' THEN attempts ELSE 0 END)
         FROM alert_outbox GROUP BY channel ORDER BY channel",
    )?;
    let mut out: Vec<ChannelSummary> = stmt
        .query_map([], |r| {
            Ok(ChannelSummary {
                channel: r.get(0)?,
                pending: r.get::<_, i64>(1)? as u64,
                delivered: r.get::<_, i64>(2)? as u64,
                oldest_pending_ms: r.get(3)?,
                last_delivery_ms: r.get(4)?,
                last_error: None,
                pending_attempts: r.get::<_, i64>(5)? as u64,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for s in &mut out {
        s.last_error = conn
            .query_row(
                "SELECT last_error FROM alert_outbox WHERE channel = ?1 AND state = 'pending'
                   AND last_error IS NOT NULL ORDER BY id LIMIT 1",
                [&s.channel],
                |r| r.get(0),
            )
            .optional()?;
    }
    Ok(out)
}

/// Recently created keys (for cooldowns that survive a restart): (dedup_key, created_ms).
pub fn recent_keys(conn: &Connection, since_ms: i64) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT dedup_key, MAX(created_ms) FROM alert_outbox WHERE created_ms >= ?1 GROUP BY dedup_key",
    )?;
    let rows = stmt.query_map([since_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The id of each row's queued entry (by dedup key and channel), `None` where there is none.
pub fn ids_of(conn: &Connection, rows: &[NewRow]) -> rusqlite::Result<Vec<Option<i64>>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM alert_outbox WHERE dedup_key = ?1 AND channel = ?2")?;
    rows.iter()
        .map(|r| {
            stmt.query_row([&r.dedup_key, &r.channel], |x| x.get(0))
                .optional()
        })
        .collect()
}

/// The highest alert id any queued notification carries, so a restart numbers on from it.
pub fn max_alert_id(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MAX(CAST(json_extract(payload, '$.alert_id') AS INTEGER)) FROM alert_outbox",
        [],
        |r| r.get(0),
    )
}
