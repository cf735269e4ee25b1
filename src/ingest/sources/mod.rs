//! Source adapters. Each is a plain struct with
//! `async fn poll(&mut self, now_ms: i64) -> Result<SourceBatch, SourceError>`, plus a pure parser
//! function that the adapter, the file drop, the benchmark and the property tests share.
//!
//! Whole-response failures (HTTP status, timeout, unparseable body) are `SourceError`s; single
//! events or outcomes that do not fit (schema drift, unknown teams, impossible prices) go to
//! `SourceBatch::rejected` with a reason code from [`reason`] and the rest of the batch survives.

pub mod file_drop;
pub mod outrights;
pub mod pinnacle;
pub mod the_odds_api;

use super::normalize::Normalizer;
use super::source::SourceError;
use crate::domain::odds::{american_to_decimal, decimal_to_american};
use crate::domain::{Quote, Scope, Selection};
use crate::store::records::Quarantined;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;
use thiserror::Error;

pub use file_drop::FileDrop;
pub use pinnacle::Pinnacle;
pub use the_odds_api::TheOddsApi;

/// Reason codes written to `quarantine.reason`.
pub mod reason {
    /// A team name no alias resolves.
    pub const UNKNOWN_TEAM: &str = "unknown_team";
    /// A price no book can quote (American between -100 and +100, decimal <= 1, not a number).
    pub const INVALID_ODDS: &str = "invalid_odds";
    /// A spread or total that is missing where required, not finite, or out of any sane range.
    pub const INVALID_LINE: &str = "invalid_line";
    /// A field the schema requires is absent.
    pub const MISSING_FIELD: &str = "missing_field";
    /// A field is present with the wrong type or an unreadable value.
    pub const INVALID_FIELD: &str = "invalid_field";
    /// An outcome names neither team of its event (nor Over/Under where expected).
    pub const UNMATCHED_OUTCOME: &str = "unmatched_outcome";
    /// A CSV row's `event_id` that the schedule does not know.
    pub const UNKNOWN_EVENT: &str = "unknown_event";
    /// A row whose kickoff contradicts the schedule's for a known game.
    pub const KICKOFF_MISMATCH: &str = "kickoff_mismatch";
    /// A CSV row whose market or scope is not in the taxonomy.
    pub const UNKNOWN_MARKET: &str = "unknown_market";
}

/// A problem building an adapter from its configuration (not a poll failure).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SetupError {
    #[error("base_url {url:?} is not a usable URL: {message}")]
    BaseUrl { url: String, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// How a JSON price is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OddsFormat {
    /// Integer American odds (`-110`, `+150`); a whole-number float is accepted.
    American,
    /// Decimal odds (`1.91`), converted to American.
    Decimal,
    /// Decide per price: integers and whole numbers of magnitude 100 or more are American, other
    /// numbers decimal. For files of unknown provenance.
    Auto,
}

impl OddsFormat {
    /// The Odds API's `oddsFormat` setting; anything but "decimal" reads as American.
    pub fn from_config(s: &str) -> OddsFormat {
        if s.trim().eq_ignore_ascii_case("decimal") {
            OddsFormat::Decimal
        } else {
            OddsFormat::American
        }
    }
}

pub use crate::domain::market::{check_line, selection_fits};
pub use crate::domain::odds::MAX_AMERICAN;

/// A JSON price to validated American odds.
pub fn american_from_json(v: &Value, format: OddsFormat) -> Result<i64, String> {
    let x = match v {
        Value::Number(n) => n,
        Value::Null => return Err("price is null".into()),
        other => return Err(format!("price {} is not a number", short(other))),
    };
    let as_american = |a: f64| -> Result<i64, String> {
        if a.fract() != 0.0 || !a.is_finite() {
            return Err(format!("American price {a} is not a whole number"));
        }
        // Range first: the conversion below must never see a value it could overflow on.
        if a.abs() > MAX_AMERICAN as f64 {
            return Err(format!("American price {a} is beyond +/-{MAX_AMERICAN}"));
        }
        let a = a as i64;
        american_to_decimal(a).map_err(|e| e.to_string())?;
        Ok(a)
    };
    let as_decimal = |d: f64| -> Result<i64, String> {
        if !d.is_finite() || d <= 1.0 {
            return Err(format!("decimal price {d} must be greater than 1.0"));
        }
        let a = decimal_to_american(d);
        if a.unsigned_abs() > MAX_AMERICAN as u64 {
            return Err(format!(
                "decimal price {d} is beyond +/-{MAX_AMERICAN} American"
            ));
        }
        // Rounding can land on -99 for prices a hair above 2.0: snap to even money.
        Ok(if a.abs() < 100 { 100 } else { a })
    };
    match format {
        OddsFormat::American => as_american(x.as_f64().unwrap_or(f64::NAN)),
        OddsFormat::Decimal => as_decimal(x.as_f64().unwrap_or(f64::NAN)),
        OddsFormat::Auto => {
            if let Some(i) = x.as_i64() {
                as_american(i as f64)
            } else {
                let f = x.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() >= 100.0 {
                    as_american(f)
                } else {
                    as_decimal(f)
                }
            }
        }
    }
}

/// The same bet seen from the other orientation of home and away.
pub fn flip(sel: Selection) -> Selection {
    use Selection::*;
    match sel {
        Home => Away,
        Away => Home,
        HomeOver => AwayOver,
        HomeUnder => AwayUnder,
        AwayOver => HomeOver,
        AwayUnder => HomeUnder,
        other => other,
    }
}

/// A scope from a numeric period as Pinnacle numbers football periods.
pub fn scope_of_period(period: i64) -> Option<Scope> {
    Some(match period {
        0 => Scope::Game,
        1 => Scope::H1,
        2 => Scope::H2,
        3 => Scope::Q1,
        4 => Scope::Q2,
        5 => Scope::Q3,
        6 => Scope::Q4,
        _ => return None,
    })
}

/// Parses an ISO-8601 time (`...Z` or with an offset) or Unix seconds to epoch milliseconds.
pub fn time_ms(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.timestamp_millis()),
        Value::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0 && *x < 1e11)
            .map(|s| (s * 1000.0) as i64),
        _ => None,
    }
}

/// The body without a UTF-8 byte-order mark: editors on Windows write one, and a JSON file
/// should be read like the CSV beside it is.
pub fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// A JSON value shortened for quarantine detail.
pub fn short(v: &Value) -> String {
    clip(&v.to_string(), 300)
}

/// Truncates on a character boundary.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// One row of a headed CSV: its cells in the caller's column order (blank for a column the file
/// lacks), its line number, and the whole row as written (for a rejection's detail).
pub(crate) struct CsvRow<'r, const N: usize> {
    pub cells: [&'r str; N],
    pub line: u64,
    pub raw: &'r csv::StringRecord,
}

/// Reads a CSV whose header row names `columns` in any order (`#` starts a comment line, cells
/// are trimmed, a BOM is ignored) and hands each row to `each`. Fails as a whole when the text is
/// not CSV or the header lacks one of `required`; `what` names the layout in that error and
/// `hint` follows the expected columns.
pub(crate) fn read_csv<const N: usize>(
    bytes: &[u8],
    columns: &[&str; N],
    required: &[&str],
    what: &str,
    hint: &str,
    mut each: impl FnMut(CsvRow<'_, N>),
) -> Result<(), SourceError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| SourceError::Parse(format!("CSV header: {e}")))?
        .clone();
    let pos: [Option<usize>; N] = std::array::from_fn(|c| {
        headers.iter().position(|h| {
            h.trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(columns[c])
        })
    });
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| {
            columns
                .iter()
                .position(|c| c == r)
                .and_then(|i| pos[i])
                .is_none()
        })
        .collect();
    if !missing.is_empty() {
        return Err(SourceError::Parse(format!(
            "{what} header lacks {}; expected columns {}{hint}",
            missing.join(", "),
            columns.join(",")
        )));
    }
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(SourceError::Parse(format!("CSV: {e}"))),
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let cells: [&str; N] =
            std::array::from_fn(|c| pos[c].and_then(|i| rec.get(i)).unwrap_or(""));
        each(CsvRow {
            cells,
            line,
            raw: &rec,
        });
    }
}

pub(crate) fn reject(source: &str, reason: &str, detail: String, now_ms: i64) -> Quarantined {
    Quarantined {
        source: source.to_string(),
        reason: reason.to_string(),
        detail: clip(&detail, 1000),
        observed_ms: now_ms,
    }
}

/// Pushes a quote after orienting it to the canonical event.
pub(crate) fn oriented(mut q: Quote, swapped: bool) -> Quote {
    if swapped {
        q.selection = flip(q.selection);
    }
    q
}

/// Keeps the events of a batch unique by id (two feed rows can name one game).
pub(crate) fn dedup_events(events: &mut Vec<crate::domain::Event>) {
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert(e.event_id.clone()));
}

/// Replaces every occurrence of a secret (and its URL-encoded form) with [`REDACTED`].
use crate::secret::REDACTED;

pub fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(secret, REDACTED);
    let encoded: String = reqwest::Url::parse_with_params("http://x/", [("k", secret)])
        .ok()
        .and_then(|u| u.query().map(|q| q.trim_start_matches("k=").to_string()))
        .unwrap_or_default();
    if !encoded.is_empty() && encoded != secret {
        out = out.replace(&encoded, REDACTED);
    }
    out
}

pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, SetupError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("nflreadpy-betting/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SetupError::Client(e.to_string()))
}

pub(crate) struct Fetched {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

fn transport_error(e: reqwest::Error, timeout: Duration, secret: &str) -> SourceError {
    if e.is_timeout() {
        return SourceError::Timeout(timeout);
    }
    // reqwest's message embeds the URL, and the URL embeds the key: drop it, then redact the rest.
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    SourceError::Network(redact(&msg, secret))
}

/// The server's explanation: a JSON `message` when there is one, else the body's start.
fn error_message(body: &[u8], secret: &str) -> String {
    let from_json = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
    let text = from_json.unwrap_or_else(|| clip(String::from_utf8_lossy(body).trim(), 200));
    redact(&text, secret)
}

/// `Retry-After` as seconds, or an HTTP date relative to now.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(86_400.0)));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp_millis() - crate::store::now_ms()).max(0) as f64 / 1000.0;
    Some(crate::duration::secs_clamped(
        secs,
        Duration::ZERO,
        Duration::from_secs(86_400),
    ))
}

/// Sends a GET and maps statuses onto [`SourceError`]; the secret never reaches an error text.
pub(crate) async fn fetch(
    req: reqwest::RequestBuilder,
    timeout: Duration,
    secret: &str,
) -> Result<Fetched, SourceError> {
    let resp = req
        .send()
        .await
        .map_err(|e| transport_error(e, timeout, secret))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .map_err(|e| transport_error(e, timeout, secret))?
        .to_vec();
    if (200..300).contains(&status) {
        return Ok(Fetched { headers, body });
    }
    let message = error_message(&body, secret);
    Err(match status {
        401 | 403 => SourceError::Unauthorized { status, message },
        422 => SourceError::BadRequest(message),
        429 => SourceError::RateLimited {
            retry_after: headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after),
            message,
        },
        _ => SourceError::Http { status, message },
    })
}

/// Used by adapters to share one normaliser.
pub type SharedNormalizer = std::sync::Arc<Normalizer>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prices_in_each_format() {
        assert_eq!(
            american_from_json(&json!(-110), OddsFormat::American),
            Ok(-110)
        );
        assert_eq!(
            american_from_json(&json!(150.0), OddsFormat::American),
            Ok(150)
        );
        assert!(american_from_json(&json!(50), OddsFormat::American).is_err());
        assert!(american_from_json(&json!(-99), OddsFormat::American).is_err());
        assert!(american_from_json(&json!(1.91), OddsFormat::American).is_err());
        assert!(american_from_json(&json!("-110"), OddsFormat::American).is_err());
        assert_eq!(
            american_from_json(&json!(2.5), OddsFormat::Decimal),
            Ok(150)
        );
        assert_eq!(
            american_from_json(&json!(1.5), OddsFormat::Decimal),
            Ok(-200)
        );
        assert_eq!(american_from_json(&json!(2), OddsFormat::Decimal), Ok(100));
        assert!(american_from_json(&json!(1.0), OddsFormat::Decimal).is_err());
        assert!(american_from_json(&json!(0.5), OddsFormat::Decimal).is_err());
        assert_eq!(american_from_json(&json!(-120), OddsFormat::Auto), Ok(-120));
        assert_eq!(american_from_json(&json!(1.8), OddsFormat::Auto), Ok(-125));
        assert!(american_from_json(&json!(50), OddsFormat::Auto).is_err());
        // Found by proptest: i64::MIN once reached a negation that overflows.
        assert!(american_from_json(&json!(i64::MIN), OddsFormat::Auto).is_err());
        assert!(american_from_json(&json!(-9.3e18), OddsFormat::American).is_err());
    }

    #[test]
    fn redaction_covers_plain_and_encoded_keys() {
        let s = "GET /v4?apiKey=ab%2Bc%2Fd&x=1 and ab+c/d";
        assert_eq!(
            redact(s, "ab+c/d"),
            "GET /v4?apiKey=[redacted]&x=1 and [redacted]"
        );
        assert_eq!(redact("nothing", ""), "nothing");
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn flips_are_involutions() {
        for s in Selection::ALL {
            assert_eq!(flip(flip(s)), s);
        }
    }
}
