//! Versioned migrations for PostgreSQL, recorded in `schema_migrations`. They run in one
//! transaction under an advisory lock, so two processes starting together apply each version
//! exactly once and neither sees a half-built schema.
//!
//! The tables and columns are those of the SQLite schema (`store::schema`) at its version 3,
//! translated: millisecond timestamps are `BIGINT`, row ids `BIGSERIAL`, flags `BOOLEAN`, JSON
//! stays `TEXT` (it is only stored and handed back). Additions for several processes: the
//! outbox lease (`claimed_by`, `claim_until_ms`).
//!
//! One index of SQLite's is left out on purpose: `quotes_latest(book, market, seen_ms)`. Every
//! poll moves `seen_ms` on every slot it confirms; with no index on that column (and room left
//! on each page, `fillfactor = 50`) PostgreSQL updates the row in place (a heap-only tuple)
//! instead of adding an entry to every index per confirmed quote, which halves the
//! steady-state write. The reads that used it scan the latest table, which stays small (one
//! row per live slot).

use super::{PgError, PgStore};

/// Each entry moves the schema from version `i` to `i + 1`. Never edit a shipped entry: append.
const MIGRATIONS: &[&str] = &[
    // 1: the SQLite schema as of its version 3, plus the outbox lease
    r#"
    CREATE TABLE events (
        event_id      TEXT PRIMARY KEY,
        game_id       TEXT,
        season        INTEGER,
        week          INTEGER,
        home_team     TEXT NOT NULL,
        away_team     TEXT NOT NULL,
        commence_ms   BIGINT NOT NULL,
        updated_ms    BIGINT NOT NULL
    );
    CREATE INDEX events_game_id ON events(game_id);
    CREATE INDEX events_commence ON events(commence_ms);

    CREATE TABLE quotes_latest (
        event_id     TEXT NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        scope        TEXT NOT NULL,
        selection    TEXT NOT NULL,
        ladder_key   TEXT NOT NULL,
        line         DOUBLE PRECISION,
        american     BIGINT NOT NULL,
        changed_ms   BIGINT NOT NULL,
        seen_ms      BIGINT NOT NULL,
        source       TEXT NOT NULL,
        PRIMARY KEY (event_id, book, market, scope, selection, ladder_key)
    ) WITH (fillfactor = 50);

    CREATE TABLE quotes_history (
        id           BIGSERIAL PRIMARY KEY,
        event_id     TEXT NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        scope        TEXT NOT NULL,
        selection    TEXT NOT NULL,
        ladder_key   TEXT NOT NULL,
        line         DOUBLE PRECISION,
        american     BIGINT NOT NULL,
        observed_ms  BIGINT NOT NULL,
        source       TEXT NOT NULL
    );
    CREATE INDEX quotes_history_path ON quotes_history(event_id, market, selection, observed_ms);
    CREATE INDEX quotes_history_time ON quotes_history(observed_ms);

    CREATE TABLE quarantine (
        id           BIGSERIAL PRIMARY KEY,
        source       TEXT NOT NULL,
        reason       TEXT NOT NULL,
        detail       TEXT NOT NULL,
        observed_ms  BIGINT NOT NULL
    );
    CREATE INDEX quarantine_reason ON quarantine(reason, observed_ms);
    CREATE INDEX quarantine_time ON quarantine(observed_ms);

    CREATE TABLE ingest_runs (
        id              BIGSERIAL PRIMARY KEY,
        source          TEXT NOT NULL,
        scheduled_ms    BIGINT NOT NULL,
        started_ms      BIGINT NOT NULL,
        finished_ms     BIGINT NOT NULL,
        ok              BOOLEAN NOT NULL,
        attempts        BIGINT NOT NULL,
        quotes_received BIGINT NOT NULL,
        quotes_changed  BIGINT NOT NULL,
        quotes_rejected BIGINT NOT NULL,
        error           TEXT
    );
    CREATE INDEX ingest_runs_source ON ingest_runs(source, started_ms);
    CREATE INDEX ingest_runs_time ON ingest_runs(started_ms);

    CREATE TABLE simulations (
        id            BIGSERIAL PRIMARY KEY,
        started_ms    BIGINT NOT NULL,
        latency_ms    DOUBLE PRECISION NOT NULL,
        iterations    BIGINT NOT NULL,
        seed          BIGINT NOT NULL,
        events        BIGINT NOT NULL,
        markets       BIGINT NOT NULL,
        max_std_error DOUBLE PRECISION NOT NULL,
        trigger       TEXT NOT NULL,
        max_abs_z     DOUBLE PRECISION
    );
    CREATE INDEX simulations_time ON simulations(started_ms);

    CREATE TABLE opportunities (
        id             BIGSERIAL PRIMARY KEY,
        simulation_id  BIGINT REFERENCES simulations(id) ON DELETE CASCADE,
        detected_ms    BIGINT NOT NULL,
        event_id       TEXT NOT NULL,
        market         TEXT NOT NULL,
        scope          TEXT NOT NULL,
        selection      TEXT NOT NULL,
        line           DOUBLE PRECISION,
        book           TEXT NOT NULL,
        american       BIGINT NOT NULL,
        fair_prob      DOUBLE PRECISION NOT NULL,
        push_prob      DOUBLE PRECISION NOT NULL,
        ev             DOUBLE PRECISION NOT NULL,
        kelly          DOUBLE PRECISION NOT NULL,
        stake          DOUBLE PRECISION NOT NULL,
        detail         TEXT NOT NULL
    );
    CREATE INDEX opportunities_time ON opportunities(detected_ms);
    CREATE INDEX opportunities_simulation ON opportunities(simulation_id);

    CREATE TABLE alert_outbox (
        id              BIGSERIAL PRIMARY KEY,
        dedup_key       TEXT NOT NULL,
        rule            TEXT NOT NULL,
        severity        TEXT NOT NULL,
        channel         TEXT NOT NULL,
        payload         TEXT NOT NULL,
        created_ms      BIGINT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        BIGINT NOT NULL DEFAULT 0,
        next_attempt_ms BIGINT NOT NULL,
        delivered_ms    BIGINT,
        last_error      TEXT,
        -- The dispatcher holding the row and until when; a lapsed lease may be claimed again.
        claimed_by      TEXT,
        claim_until_ms  BIGINT,
        UNIQUE (dedup_key, channel)
    );
    CREATE INDEX alert_outbox_pending ON alert_outbox(state, next_attempt_ms);
    CREATE INDEX alert_outbox_created ON alert_outbox(created_ms);

    CREATE TABLE metrics_samples (
        ts_ms   BIGINT NOT NULL,
        name    TEXT NOT NULL,
        labels  TEXT NOT NULL,
        value   DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX metrics_samples_name ON metrics_samples(name, ts_ms);
    CREATE INDEX metrics_samples_time ON metrics_samples(ts_ms);
    "#,
    // 2: the bet ledger (real and paper bets); never pruned
    r#"
    CREATE TABLE bets (
        id             BIGSERIAL PRIMARY KEY,
        paper          BOOLEAN NOT NULL,
        event_id       TEXT NOT NULL,
        market         TEXT NOT NULL,
        scope          TEXT NOT NULL,
        selection      TEXT NOT NULL,
        line           DOUBLE PRECISION,
        book           TEXT NOT NULL,
        decimal        DOUBLE PRECISION NOT NULL,
        stake          DOUBLE PRECISION NOT NULL,
        placed_ms      BIGINT NOT NULL,
        fair_prob      DOUBLE PRECISION,
        ev             DOUBLE PRECISION,
        model_prob     DOUBLE PRECISION,
        consensus_prob DOUBLE PRECISION,
        status         TEXT NOT NULL DEFAULT 'open',
        settled_ms     BIGINT,
        pnl            DOUBLE PRECISION,
        clv_book       DOUBLE PRECISION,
        clv_consensus  DOUBLE PRECISION,
        note           TEXT,
        dedup_key      TEXT UNIQUE
    );
    CREATE INDEX bets_event ON bets(event_id);
    CREATE INDEX bets_status ON bets(status, placed_ms);
    "#,
    // 3: retention counts a change's age from when it was stored (SQLite's version 5)
    r#"
    ALTER TABLE quotes_history ADD COLUMN stored_ms BIGINT NOT NULL DEFAULT 0;
    UPDATE quotes_history SET stored_ms = observed_ms;
    CREATE INDEX quotes_history_stored ON quotes_history(stored_ms);
    "#,
    // 4: outright (futures) prices, the latest per slot (SQLite's version 6)
    r#"
    CREATE TABLE outrights_latest (
        season       INTEGER NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        team         TEXT NOT NULL,
        side         TEXT NOT NULL,
        line_key     TEXT NOT NULL,
        line         DOUBLE PRECISION,
        american     BIGINT NOT NULL,
        observed_ms  BIGINT NOT NULL,
        seen_ms      BIGINT NOT NULL,
        source       TEXT NOT NULL,
        PRIMARY KEY (season, book, market, team, side, line_key)
    );
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock key migrations run under (arbitrary, fixed: "nflread" in ASCII).
const MIGRATION_LOCK: i64 = 0x006e_666c_7265_6164;

impl PgStore {
    /// Applies every migration not yet recorded; returns the version found before. Safe to
    /// call from several processes at once, and again at any time.
    pub async fn migrate(&self) -> Result<i64, PgError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // Held to commit: a second process waits here, then sees every version applied.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version    BIGINT PRIMARY KEY,
                applied_ms BIGINT NOT NULL
            )",
        )
        .await?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        if current > SCHEMA_VERSION {
            return Err(PgError::TooNew {
                target: self.target.to_string(),
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        let now = crate::store::now_ms();
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_ms) VALUES ($1, $2)",
                &[&(i as i64 + 1), &now],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(current)
    }

    /// The schema version recorded in the database (0 before the first migration).
    pub async fn schema_version(&self) -> Result<i64, PgError> {
        let client = self.client().await?;
        let exists: bool = client
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
            .await?
            .get(0);
        if !exists {
            return Ok(0);
        }
        Ok(client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0))
    }
}
