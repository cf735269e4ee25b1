//! A drop directory for quotes that arrive by other means (a vendor's SFTP push, a trader's
//! spreadsheet export, a recorded Odds API response).
//!
//! Each poll reads every `*.json` and `*.csv` file directly in the directory, in name order:
//! - a file that parses (even with some bad rows, which are quarantined) moves to `processed/`;
//! - a file that cannot be read or parsed at all, or whose every row is bad, moves to `rejected/`
//!   with `<name>.reason` beside it explaining why.
//!
//! Nothing is ever deleted: a name already taken in `processed/` or `rejected/` gets a numeric
//! suffix. Writers should write under another name (e.g. `.tmp`, or a dot-file) and rename into
//! place, since a half-written file is read as it is and would be rejected. A file moves when
//! `poll` returns, before the caller stores the batch: if the process dies in between, the file
//! is in `processed/` and can be dropped again (quotes are idempotent in the store).
//!
//! Outright (futures) prices come as the outright CSV layout or an Odds API outright body; see
//! [`super::outrights`].
//!
//! JSON files use The Odds API `/odds` shape (see `the_odds_api`), with prices American or
//! decimal decided per price ([`OddsFormat::Auto`]).
//!
//! CSV files have a header row naming these columns, in any order (`#` starts a comment line):
//!
//! ```text
//! event_id,commence_time,home_team,away_team,book,market,scope,selection,line,price,observed_at
//! ,2025-10-24T00:15:00Z,Los Angeles Chargers,Minnesota Vikings,circa,spread,game,home,-3.0,-115,2025-10-23T18:00:00Z
//! 2025_08_MIN_LAC,,,,circa,total,,over,44.5,1.95,
//! ```
//!
//! - `event_id` (optional column, may be blank): an nflverse `game_id` the shipped schedule knows;
//!   then the team and time columns may be blank. When blank the game is found from
//!   `home_team`, `away_team` (any name, nickname or code) and `commence_time` (RFC 3339).
//! - `book`: bookmaker key, lower-cased (`circa`, `draftkings`).
//! - `market`: `moneyline`, `moneyline_3way`, `spread`, `total`, `team_total`, `spread_alt`,
//!   `total_alt` (Odds API keys such as `h2h`, `spreads`, `totals_h1` are accepted too).
//! - `scope`: `game` (or blank), `1h`, `2h`, `1q` .. `4q`.
//! - `selection`: `home`, `away`, `tie`, `over`, `under`, `home_over`, `home_under`, `away_over`,
//!   `away_under`; from the point of view of the listed home team.
//! - `line`: the spread from the selection's point of view (home -3.5) or the total; blank for
//!   moneylines.
//! - `price`: American (`-110`, `+150`), decimal (`1.91`) or fractional (`10/11`).
//! - `observed_at` (optional): when the book showed the price, RFC 3339 or Unix milliseconds;
//!   blank means the file's modification time (never the poll time).

use super::outrights::{is_outright_body, is_outright_header, parse_outright_csv, parse_outrights};
use super::the_odds_api::{market_of_key, parse_odds};
use super::{
    check_line, dedup_events, oriented, reason, reject, selection_fits, OddsFormat,
    SharedNormalizer,
};
use crate::config::FileSource;
use crate::domain::{Event, MarketKind, Odds, Quote, Scope, Selection};
use crate::ingest::normalize::Normalizer;
use crate::ingest::source::{SourceBatch, SourceError};
use std::path::{Path, PathBuf};

pub const SOURCE: &str = "file";
/// Files larger than this are rejected unread.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

pub struct FileDrop {
    dir: PathBuf,
    normalizer: SharedNormalizer,
}

impl FileDrop {
    pub fn new(cfg: &FileSource, normalizer: SharedNormalizer) -> FileDrop {
        FileDrop {
            dir: PathBuf::from(&cfg.directory),
            normalizer,
        }
    }

    pub fn directory(&self) -> &Path {
        &self.dir
    }

    /// Takes in every waiting file. Fails as a whole only when the directory itself cannot be
    /// read or the `processed/` / `rejected/` folders cannot be made; a missing directory is
    /// created (an empty batch, not an error).
    pub async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError> {
        let dir = self.dir.clone();
        let normalizer = self.normalizer.clone();
        tokio::task::spawn_blocking(move || poll_dir(&dir, &normalizer, now_ms))
            .await
            .map_err(|e| SourceError::Io(format!("file drop task failed: {e}")))?
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> SourceError {
    SourceError::Io(format!("{what} {}: {e}", path.display()))
}

/// The synchronous body of [`FileDrop::poll`].
pub fn poll_dir(
    dir: &Path,
    normalizer: &Normalizer,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let processed = dir.join("processed");
    let rejected = dir.join("rejected");
    for d in [dir, &processed, &rejected] {
        std::fs::create_dir_all(d).map_err(|e| io_err("cannot create", d, e))?;
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_err("cannot read", dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ext = p
                .extension()
                .and_then(|x| x.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            !name.starts_with('.') && (ext == "json" || ext == "csv")
        })
        .collect();
    files.sort();
    let mut batch = SourceBatch::default();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        match read_file(&path, normalizer, now_ms) {
            Ok(mut b)
                if !(b.quotes.is_empty()
                    && b.events.is_empty()
                    && b.outrights.is_empty()
                    && !b.rejected.is_empty()) =>
            {
                batch.events.append(&mut b.events);
                batch.quotes.append(&mut b.quotes);
                batch.outrights.append(&mut b.outrights);
                batch.rejected.append(&mut b.rejected);
                batch.warnings.append(&mut b.warnings);
                move_aside(&path, &processed, None)?;
            }
            Ok(b) => {
                let first: Vec<String> = b
                    .rejected
                    .iter()
                    .take(5)
                    .map(|r| format!("{}: {}", r.reason, r.detail))
                    .collect();
                let why = format!(
                    "every row was rejected ({}); the first:\n{}\n",
                    b.rejected.len(),
                    first.join("\n")
                );
                batch.rejected.extend(b.rejected);
                batch
                    .warnings
                    .push(format!("file drop: {name} rejected: every row was bad"));
                move_aside(&path, &rejected, Some(&why))?;
            }
            Err(e) => {
                batch
                    .warnings
                    .push(format!("file drop: {name} rejected: {e}"));
                batch.rejected.push(reject(
                    SOURCE,
                    reason::INVALID_FIELD,
                    format!("{name}: {e}"),
                    now_ms,
                ));
                move_aside(&path, &rejected, Some(&format!("{e}\n")))?;
            }
        }
    }
    dedup_events(&mut batch.events);
    Ok(batch)
}

/// Moves `path` into `dest_dir` under a name not yet taken, writing `<name>.reason` when given.
fn move_aside(path: &Path, dest_dir: &Path, why: Option<&str>) -> Result<(), SourceError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file")
        .to_string();
    let mut target = dest_dir.join(&name);
    let mut n = 1;
    while target.exists()
        || dest_dir
            .join(format!(
                "{}.reason",
                target.file_name().and_then(|f| f.to_str()).unwrap_or("")
            ))
            .exists()
    {
        target = dest_dir.join(format!("{name}.{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(|e| io_err("cannot move", path, e))?;
    if let Some(why) = why {
        let reason_path = dest_dir.join(format!(
            "{}.reason",
            target.file_name().and_then(|f| f.to_str()).unwrap_or("")
        ));
        std::fs::write(&reason_path, why).map_err(|e| io_err("cannot write", &reason_path, e))?;
    }
    Ok(())
}

fn read_file(
    path: &Path,
    normalizer: &Normalizer,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| io_err("cannot stat", path, e))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(SourceError::Io(format!(
            "{} is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
            path.display(),
            meta.len()
        )));
    }
    let mtime_ms = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .unwrap_or(now_ms);
    let bytes = std::fs::read(path).map_err(|e| io_err("cannot read", path, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let is_csv = path
        .extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| x.eq_ignore_ascii_case("csv"));
    let mut batch = if is_csv {
        if outright_csv(&bytes) {
            parse_outright_csv(&bytes, normalizer, SOURCE, mtime_ms, now_ms)?
        } else {
            parse_csv(&bytes, normalizer, SOURCE, mtime_ms, now_ms)?
        }
    } else if serde_json::from_slice::<serde_json::Value>(super::strip_bom(&bytes))
        .is_ok_and(|v| is_outright_body(&v))
    {
        parse_outrights(&bytes, normalizer, OddsFormat::Auto, SOURCE, now_ms)?
    } else {
        parse_odds(&bytes, normalizer, OddsFormat::Auto, SOURCE, now_ms)?
    };
    for r in &mut batch.rejected {
        r.detail = format!("{name}: {}", r.detail);
    }
    Ok(batch)
}

/// Whether a CSV's header is the outright layout (see [`super::outrights`]).
fn outright_csv(bytes: &[u8]) -> bool {
    csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(bytes)
        .headers()
        .is_ok_and(is_outright_header)
}

const COLUMNS: [&str; 11] = [
    "event_id",
    "commence_time",
    "home_team",
    "away_team",
    "book",
    "market",
    "scope",
    "selection",
    "line",
    "price",
    "observed_at",
];
/// Columns a file must have; the others may be left out.
const REQUIRED: [&str; 5] = ["book", "market", "selection", "line", "price"];

/// A market name of the taxonomy or an Odds API market key.
fn market_and_scope(market: &str, scope: &str) -> Option<(MarketKind, Scope)> {
    let m = market.trim().to_ascii_lowercase();
    let (kind, key_scope) = match m.parse::<MarketKind>() {
        Ok(k) => (k, None),
        Err(_) => market_of_key(&m).map(|(k, s)| (k, Some(s)))?,
    };
    let scope = if scope.trim().is_empty() {
        key_scope.unwrap_or(Scope::Game)
    } else {
        scope.parse::<Scope>().ok()?
    };
    Some((kind, scope))
}

/// A row's problem: the quarantine reason and what was wrong.
pub(crate) type CellError = (&'static str, String);

/// A `line` cell: blank is none.
pub(crate) fn cell_number(line: &str) -> Result<Option<f64>, CellError> {
    if line.is_empty() {
        return Ok(None);
    }
    line.parse::<f64>().map(Some).map_err(|_| {
        (
            reason::INVALID_LINE,
            format!("line {line:?} is not a number"),
        )
    })
}

/// A `price` cell: American, decimal or fractional, within the range books quote.
pub(crate) fn cell_price(price: &str) -> Result<i64, CellError> {
    if price.is_empty() {
        return Err((reason::MISSING_FIELD, "no price".into()));
    }
    let american = Odds::parse(price)
        .map_err(|e| (reason::INVALID_ODDS, e.to_string()))?
        .american();
    if american.unsigned_abs() > super::MAX_AMERICAN as u64 || american.unsigned_abs() < 100 {
        return Err((
            reason::INVALID_ODDS,
            format!("price {price} is out of range"),
        ));
    }
    Ok(american)
}

/// An `observed_at` cell: RFC 3339 or Unix ms; blank is `default_ms` (the file's time).
pub(crate) fn cell_time(observed: &str, default_ms: i64) -> Result<i64, CellError> {
    if observed.is_empty() {
        return Ok(default_ms);
    }
    parse_time(observed).ok_or((
        reason::INVALID_FIELD,
        format!("observed_at {observed:?} is not a time"),
    ))
}

pub(crate) fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// Parses a quote CSV (format in the module docs). Fails as a whole when the text is not CSV or
/// lacks a required column; bad rows are quarantined with their line number.
pub fn parse_csv(
    bytes: &[u8],
    normalizer: &Normalizer,
    source: &str,
    default_observed_ms: i64,
    now_ms: i64,
) -> Result<SourceBatch, SourceError> {
    let mut batch = SourceBatch::default();
    super::read_csv(
        bytes,
        &COLUMNS,
        &REQUIRED,
        "CSV",
        " (outright prices: season,book,market,team,side,line,price,observed_at)",
        |row| match csv_row(row.cells, normalizer, source, default_observed_ms) {
            Ok((event, quote)) => {
                batch.events.push(event);
                batch.quotes.push(quote);
            }
            Err((r, problem)) => {
                let raw: Vec<&str> = row.raw.iter().collect();
                batch.rejected.push(reject(
                    source,
                    r,
                    format!("line {}: {problem}; row {:?}", row.line, raw.join(",")),
                    now_ms,
                ));
            }
        },
    )?;
    dedup_events(&mut batch.events);
    Ok(batch)
}

/// A quote file's kickoff may differ from the schedule's by rounding, not more.
const KICKOFF_TOLERANCE_MS: i64 = 60_000;

fn csv_row(
    fields: [&str; 11],
    normalizer: &Normalizer,
    source: &str,
    default_observed_ms: i64,
) -> Result<(Event, Quote), (&'static str, String)> {
    let [event_id, commence, home, away, book, market, scope, selection, line, price, observed] =
        fields;
    let resolved = if !event_id.is_empty() {
        let g = normalizer.schedule.game(event_id).ok_or((
            reason::UNKNOWN_EVENT,
            format!("event_id {event_id:?} is not an nflverse game_id the schedule knows"),
        ))?;
        if !commence.is_empty() {
            let kick = parse_time(commence).ok_or((
                reason::INVALID_FIELD,
                format!("commence_time {commence:?} is not a time"),
            ))?;
            // The schedule (`data update`) decides when a known game kicks off. A quote file
            // that silently moved it would have the game's quotes pruned as long finished.
            if (kick - g.kickoff_ms).abs() > KICKOFF_TOLERANCE_MS {
                return Err((
                    reason::KICKOFF_MISMATCH,
                    format!(
                        "commence_time {commence} is not {event_id}'s scheduled kickoff {}; kickoffs change through `data update`, not a quote file",
                        chrono::DateTime::from_timestamp_millis(g.kickoff_ms)
                            .map(|d| d.to_rfc3339())
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        let kick = g.kickoff_ms;
        let (h, a) = (g.home_team.clone(), g.away_team.clone());
        let mut r = normalizer
            .resolve(&h, &a, g.kickoff_ms)
            .map_err(|e| (reason::UNKNOWN_TEAM, e.to_string()))?;
        r.event.commence_ms = kick;
        // Named teams must be this game's; the listed home decides the orientation.
        if !home.is_empty() || !away.is_empty() {
            let code = |n: &str| {
                normalizer
                    .team(n)
                    .map(crate::ingest::normalize::franchise_code)
            };
            let (gh, ga) = (
                crate::ingest::normalize::franchise_code(&h),
                crate::ingest::normalize::franchise_code(&a),
            );
            match (code(home), code(away)) {
                (Some(x), Some(y)) if x == gh && y == ga => {}
                (Some(x), Some(y)) if x == ga && y == gh => r.swapped = true,
                _ => {
                    return Err((
                        reason::UNKNOWN_TEAM,
                        format!("{away} @ {home} are not the teams of {event_id}"),
                    ))
                }
            }
        }
        r
    } else {
        for (col, v) in [
            ("commence_time", commence),
            ("home_team", home),
            ("away_team", away),
        ] {
            if v.is_empty() {
                return Err((reason::MISSING_FIELD, format!("no {col} (and no event_id)")));
            }
        }
        let kick = parse_time(commence).ok_or((
            reason::INVALID_FIELD,
            format!("commence_time {commence:?} is not a time"),
        ))?;
        normalizer
            .resolve(home, away, kick)
            .map_err(|e| (reason::UNKNOWN_TEAM, e.to_string()))?
    };
    if book.is_empty() {
        return Err((reason::MISSING_FIELD, "no book".into()));
    }
    let (kind, scope) = market_and_scope(market, scope).ok_or((
        reason::UNKNOWN_MARKET,
        format!("market {market:?} / scope {scope:?} is not in the taxonomy"),
    ))?;
    let sel = selection
        .trim()
        .to_ascii_lowercase()
        .parse::<Selection>()
        .map_err(|e| (reason::UNMATCHED_OUTCOME, e))?;
    if !selection_fits(kind, sel) {
        return Err((
            reason::UNMATCHED_OUTCOME,
            format!("selection {sel} does not belong to a {kind} market"),
        ));
    }
    let line = check_line(kind, cell_number(line)?).map_err(|m| (reason::INVALID_LINE, m))?;
    let american = cell_price(price)?;
    let observed_ms = cell_time(observed, default_observed_ms)?;
    let quote = Quote {
        event_id: resolved.event.event_id.clone(),
        book: book.to_ascii_lowercase(),
        market: kind,
        scope,
        selection: sel,
        line,
        american,
        observed_ms,
        source: source.to_string(),
    };
    Ok((resolved.event, oriented(quote, resolved.swapped)))
}
