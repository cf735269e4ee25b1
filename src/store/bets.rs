//! The bet ledger: every bet placed (real or paper) with what the product believed at placement.
//! Rows are never pruned; a voided bet stays, marked `void`.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Outcome states of a bet.
pub const STATUSES: [&str; 6] = ["open", "won", "lost", "push", "void", "ungraded"];

/// A bet to record; validated before it gets here (`edges::ledger`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewBet {
    pub paper: bool,
    pub event_id: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub decimal: f64,
    pub stake: f64,
    pub placed_ms: i64,
    /// What the product believed at placement (absent for a bet typed in by hand without one).
    pub fair_prob: Option<f64>,
    pub ev: Option<f64>,
    pub model_prob: Option<f64>,
    pub consensus_prob: Option<f64>,
    pub note: Option<String>,
    /// One paper bet per alerted edge: a second insert with the same key is ignored.
    pub dedup_key: Option<String>,
}

/// A stored bet, as `bets list --format json` and the API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bet {
    pub id: i64,
    pub paper: bool,
    pub event_id: String,
    pub market: String,
    pub scope: String,
    pub selection: String,
    pub line: Option<f64>,
    pub book: String,
    pub decimal: f64,
    pub stake: f64,
    pub placed_ms: i64,
    pub fair_prob: Option<f64>,
    pub ev: Option<f64>,
    pub model_prob: Option<f64>,
    pub consensus_prob: Option<f64>,
    pub status: String,
    pub settled_ms: Option<i64>,
    pub pnl: Option<f64>,
    pub clv_book: Option<f64>,
    pub clv_consensus: Option<f64>,
    /// Expected return per unit at the close (`clv x decimal`), against the bet's book and the
    /// consensus: derived from the two above, never stored.
    pub clv_roi_book: Option<f64>,
    pub clv_roi_consensus: Option<f64>,
    pub note: Option<String>,
}

impl Bet {
    /// Fills the derived ROI at the close from the stored CLV and the price.
    pub fn with_roi(mut self) -> Bet {
        self.clv_roi_book = self.clv_book.map(|c| c * self.decimal);
        self.clv_roi_consensus = self.clv_consensus.map(|c| c * self.decimal);
        self
    }
}

/// Which bets to list.
#[derive(Debug, Clone, Default)]
pub struct BetFilter {
    pub status: Option<String>,
    pub paper: Option<bool>,
    pub limit: Option<usize>,
}

pub(crate) const COLUMNS: &str = "id, paper, event_id, market, scope, selection, line, book, decimal, stake, placed_ms, fair_prob, ev, model_prob, consensus_prob, status, settled_ms, pnl, clv_book, clv_consensus, note";

/// Records a bet; `None` when a bet with the same dedup key is already there.
pub fn insert(conn: &Connection, b: &NewBet) -> rusqlite::Result<Option<i64>> {
    let n = conn.execute(
        "INSERT INTO bets (paper, event_id, market, scope, selection, line, book, decimal, stake, placed_ms, fair_prob, ev, model_prob, consensus_prob, note, dedup_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (dedup_key) DO NOTHING",
        params![
            b.paper,
            b.event_id,
            b.market,
            b.scope,
            b.selection,
            b.line,
            b.book,
            b.decimal,
            b.stake,
            b.placed_ms,
            b.fair_prob,
            b.ev,
            b.model_prob,
            b.consensus_prob,
            b.note,
            b.dedup_key
        ],
    )?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

fn bet_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Bet> {
    Ok(Bet {
        id: r.get(0)?,
        paper: r.get(1)?,
        event_id: r.get(2)?,
        market: r.get(3)?,
        scope: r.get(4)?,
        selection: r.get(5)?,
        line: r.get(6)?,
        book: r.get(7)?,
        decimal: r.get(8)?,
        stake: r.get(9)?,
        placed_ms: r.get(10)?,
        fair_prob: r.get(11)?,
        ev: r.get(12)?,
        model_prob: r.get(13)?,
        consensus_prob: r.get(14)?,
        status: r.get(15)?,
        settled_ms: r.get(16)?,
        pnl: r.get(17)?,
        clv_book: r.get(18)?,
        clv_consensus: r.get(19)?,
        clv_roi_book: None,
        clv_roi_consensus: None,
        note: r.get(20)?,
    }
    .with_roi())
}

/// Bets newest first.
pub fn list(conn: &Connection, f: &BetFilter) -> rusqlite::Result<Vec<Bet>> {
    let limit = f
        .limit
        .map_or(i64::MAX, |n| n.min(i64::MAX as usize) as i64);
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM bets
         WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR paper = ?2)
         ORDER BY placed_ms DESC, id DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![f.status, f.paper, limit], bet_from_row)?;
    rows.collect()
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Bet>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM bets WHERE id = ?1"),
        [id],
        bet_from_row,
    )
    .optional()
}

/// Voids an open or ungraded bet; `false` when there is no such bet or it is already graded.
pub fn void(conn: &Connection, id: i64, now_ms: i64, reason: &str) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE bets SET status = 'void', settled_ms = ?2, pnl = 0, note = COALESCE(note || '; ', '') || ?3
         WHERE id = ?1 AND status IN ('open', 'ungraded')",
        params![id, now_ms, reason],
    )?;
    Ok(n == 1)
}

pub fn event_exists(conn: &Connection, event_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?1)",
        [event_id],
        |r| r.get(0),
    )
}

/// Records a grade on an open (or ungraded) bet: `won`, `lost`, `push` with their P&L, or
/// `ungraded` with the reason in the note; `false` when the bet is no longer open.
pub fn settle(
    conn: &Connection,
    id: i64,
    status: &str,
    pnl: Option<f64>,
    settled_ms: i64,
    note: Option<&str>,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE bets SET status = ?2, pnl = ?3, settled_ms = CASE WHEN ?2 = 'ungraded' THEN NULL ELSE ?4 END,
                note = CASE WHEN ?5 IS NULL THEN note ELSE COALESCE(note || '; ', '') || ?5 END
         WHERE id = ?1 AND status IN ('open', 'ungraded')",
        params![id, status, pnl, settled_ms, note],
    )?;
    Ok(n == 1)
}

/// Records a bet's closing-line value (probability points against its book's close and the
/// consensus close); a bet already valued keeps what it has where the new value is missing.
pub fn set_clv(
    conn: &Connection,
    id: i64,
    clv_book: Option<f64>,
    clv_consensus: Option<f64>,
) -> rusqlite::Result<bool> {
    let n = conn.execute(
        "UPDATE bets SET clv_book = COALESCE(?2, clv_book), clv_consensus = COALESCE(?3, clv_consensus)
         WHERE id = ?1",
        params![id, clv_book, clv_consensus],
    )?;
    Ok(n == 1)
}
