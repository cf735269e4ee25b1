//! Versioned migrations, applied in order and recorded in `PRAGMA user_version`.

use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`. Never edit a shipped entry: append.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema
    r#"
    CREATE TABLE events (
        event_id      TEXT PRIMARY KEY,
        game_id       TEXT,
        season        INTEGER,
        week          INTEGER,
        home_team     TEXT NOT NULL,
        away_team     TEXT NOT NULL,
        commence_ms   INTEGER NOT NULL,
        updated_ms    INTEGER NOT NULL
    );
    CREATE INDEX events_game_id ON events(game_id);

    CREATE TABLE quotes_latest (
        event_id     TEXT NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        scope        TEXT NOT NULL,
        selection    TEXT NOT NULL,
        ladder_key   TEXT NOT NULL,
        line         REAL,
        american     INTEGER NOT NULL,
        changed_ms   INTEGER NOT NULL,
        seen_ms      INTEGER NOT NULL,
        source       TEXT NOT NULL,
        PRIMARY KEY (event_id, book, market, scope, selection, ladder_key)
    ) WITHOUT ROWID;
    CREATE INDEX quotes_latest_seen ON quotes_latest(book, market, seen_ms);

    -- The full odds path: one row per price or line change, never per unchanged poll.
    CREATE TABLE quotes_history (
        id           INTEGER PRIMARY KEY,
        event_id     TEXT NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        scope        TEXT NOT NULL,
        selection    TEXT NOT NULL,
        ladder_key   TEXT NOT NULL,
        line         REAL,
        american     INTEGER NOT NULL,
        observed_ms  INTEGER NOT NULL,
        source       TEXT NOT NULL
    );
    CREATE INDEX quotes_history_path ON quotes_history(event_id, market, selection, observed_ms);
    CREATE INDEX quotes_history_time ON quotes_history(observed_ms);

    CREATE TABLE quarantine (
        id           INTEGER PRIMARY KEY,
        source       TEXT NOT NULL,
        reason       TEXT NOT NULL,
        detail       TEXT NOT NULL,
        observed_ms  INTEGER NOT NULL
    );
    CREATE INDEX quarantine_reason ON quarantine(reason, observed_ms);

    CREATE TABLE ingest_runs (
        id              INTEGER PRIMARY KEY,
        source          TEXT NOT NULL,
        scheduled_ms    INTEGER NOT NULL,
        started_ms      INTEGER NOT NULL,
        finished_ms     INTEGER NOT NULL,
        ok              INTEGER NOT NULL,
        attempts        INTEGER NOT NULL,
        quotes_received INTEGER NOT NULL,
        quotes_changed  INTEGER NOT NULL,
        quotes_rejected INTEGER NOT NULL,
        error           TEXT
    );
    CREATE INDEX ingest_runs_source ON ingest_runs(source, started_ms);

    CREATE TABLE simulations (
        id            INTEGER PRIMARY KEY,
        started_ms    INTEGER NOT NULL,
        latency_ms    REAL NOT NULL,
        iterations    INTEGER NOT NULL,
        seed          INTEGER NOT NULL,
        events        INTEGER NOT NULL,
        markets       INTEGER NOT NULL,
        max_std_error REAL NOT NULL,
        trigger       TEXT NOT NULL
    );

    CREATE TABLE opportunities (
        id             INTEGER PRIMARY KEY,
        simulation_id  INTEGER REFERENCES simulations(id) ON DELETE CASCADE,
        detected_ms    INTEGER NOT NULL,
        event_id       TEXT NOT NULL,
        market         TEXT NOT NULL,
        scope          TEXT NOT NULL,
        selection      TEXT NOT NULL,
        line           REAL,
        book           TEXT NOT NULL,
        american       INTEGER NOT NULL,
        fair_prob      REAL NOT NULL,
        push_prob      REAL NOT NULL,
        ev             REAL NOT NULL,
        kelly          REAL NOT NULL,
        stake          REAL NOT NULL,
        detail         TEXT NOT NULL
    );
    CREATE INDEX opportunities_time ON opportunities(detected_ms);

    -- Written before any send; a row leaves 'pending' only when its channel confirms.
    CREATE TABLE alert_outbox (
        id             INTEGER PRIMARY KEY,
        dedup_key      TEXT NOT NULL,
        rule           TEXT NOT NULL,
        severity       TEXT NOT NULL,
        channel        TEXT NOT NULL,
        payload        TEXT NOT NULL,
        created_ms     INTEGER NOT NULL,
        state          TEXT NOT NULL DEFAULT 'pending',
        attempts       INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        delivered_ms   INTEGER,
        last_error     TEXT,
        UNIQUE (dedup_key, channel)
    );
    CREATE INDEX alert_outbox_pending ON alert_outbox(state, next_attempt_ms);

    CREATE TABLE metrics_samples (
        ts_ms   INTEGER NOT NULL,
        name    TEXT NOT NULL,
        labels  TEXT NOT NULL,
        value   REAL NOT NULL
    );
    CREATE INDEX metrics_samples_name ON metrics_samples(name, ts_ms);
    "#,
    // 2: indexes the retention task deletes by
    r#"
    CREATE INDEX IF NOT EXISTS metrics_samples_time ON metrics_samples(ts_ms);
    CREATE INDEX IF NOT EXISTS quarantine_time ON quarantine(observed_ms);
    CREATE INDEX IF NOT EXISTS ingest_runs_time ON ingest_runs(started_ms);
    CREATE INDEX IF NOT EXISTS simulations_time ON simulations(started_ms);
    CREATE INDEX IF NOT EXISTS opportunities_simulation ON opportunities(simulation_id);
    CREATE INDEX IF NOT EXISTS alert_outbox_created ON alert_outbox(created_ms);
    CREATE INDEX IF NOT EXISTS events_commence ON events(commence_ms);
    "#,
    // 3: prices are exact; each run records its Monte Carlo check
    r#"
    ALTER TABLE simulations ADD COLUMN max_abs_z REAL;
    "#,
    // 4: the bet ledger (real and paper bets); never pruned
    r#"
    CREATE TABLE bets (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        paper          INTEGER NOT NULL,
        event_id       TEXT NOT NULL,
        market         TEXT NOT NULL,
        scope          TEXT NOT NULL,
        selection      TEXT NOT NULL,
        line           REAL,
        book           TEXT NOT NULL,
        decimal        REAL NOT NULL,
        stake          REAL NOT NULL,
        placed_ms      INTEGER NOT NULL,
        fair_prob      REAL,
        ev             REAL,
        model_prob     REAL,
        consensus_prob REAL,
        status         TEXT NOT NULL DEFAULT 'open',
        settled_ms     INTEGER,
        pnl            REAL,
        clv_book       REAL,
        clv_consensus  REAL,
        note           TEXT,
        dedup_key      TEXT UNIQUE
    );
    CREATE INDEX bets_event ON bets(event_id);
    CREATE INDEX bets_status ON bets(status, placed_ms);
    "#,
    // 5: retention counts a change's age from when it was stored, not from the price's own
    // time, so history imported from a file or recording survives its first retention pass
    r#"
    ALTER TABLE quotes_history ADD COLUMN stored_ms INTEGER NOT NULL DEFAULT 0;
    UPDATE quotes_history SET stored_ms = observed_ms;
    CREATE INDEX quotes_history_stored ON quotes_history(stored_ms);
    "#,
    // 6: outright (futures) prices, the latest per slot
    r#"
    CREATE TABLE outrights_latest (
        season       INTEGER NOT NULL,
        book         TEXT NOT NULL,
        market       TEXT NOT NULL,
        team         TEXT NOT NULL,
        side         TEXT NOT NULL,
        line_key     TEXT NOT NULL,
        line         REAL,
        american     INTEGER NOT NULL,
        observed_ms  INTEGER NOT NULL,
        seen_ms      INTEGER NOT NULL,
        source       TEXT NOT NULL,
        PRIMARY KEY (season, book, market, team, side, line_key)
    ) WITHOUT ROWID;
    "#,
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(current)
}
