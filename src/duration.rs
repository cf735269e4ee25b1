//! Durations as operators type them, on the command line (`scan --prune-older-than 30d`,
//! `dashboard --duration 5m`), in the dashboard's `:silence RULE 1h`, and as the `*_seconds`
//! numbers of the configuration. One parser (humantime's grammar plus bare seconds) and checked
//! conversions: every setting has a ceiling, so no input can wrap a timestamp or panic
//! `Duration::from_secs_f64`.

use std::time::Duration;
use thiserror::Error;

const DAY: u64 = 86_400;

/// `scan --prune-older-than`: ten years.
pub const MAX_PRUNE_AGE: Duration = Duration::from_secs(3650 * DAY);
/// `dashboard --headless --duration`: one year.
pub const MAX_RUN: Duration = Duration::from_secs(365 * DAY);
/// `:silence RULE DURATION` and `POST`ed silences: thirty days.
pub const MAX_SILENCE: Duration = Duration::from_secs(30 * DAY);
/// `dashboard --refresh` and `dashboard.refresh_seconds`: from 50 ms to an hour.
pub const MIN_REFRESH: Duration = Duration::from_millis(50);
pub const MAX_REFRESH: Duration = Duration::from_secs(3600);
/// Retry and backoff ceilings (`alerts.retry_*`, `ingestion.scheduler.max_backoff_seconds`).
pub const MAX_BACKOFF: Duration = Duration::from_secs(DAY);
/// `data.timeout_seconds`: one hour, far beyond any sane download of a few megabytes.
pub const MAX_DOWNLOAD: Duration = Duration::from_secs(3600);
/// Anything else typed as a duration.
pub const MAX_ANY: Duration = Duration::from_secs(36_500 * DAY);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DurationError {
    #[error("bad duration `{0}`: use e.g. 30s, 5m, 1h, 2h30m, 30d or bare seconds")]
    Syntax(String),
    #[error("duration `{given}` is longer than the {max} allowed here")]
    TooLong { given: String, max: String },
    #[error("expected a number of seconds from {min} to {max}, got {given}")]
    OutOfRange {
        given: String,
        min: String,
        max: String,
    },
}

/// Human form of a bound for messages (`3650days`, `1h`).
pub fn human(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// Parses `30s`, `5m`, `1h`, `2h30m`, `1d`, `1.5m` or bare seconds (`90`, `2.5`), at most
/// [`MAX_ANY`].
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    parse_bounded(s, MAX_ANY)
}

/// [`parse_duration`] with this setting's ceiling.
pub fn parse_bounded(s: &str, max: Duration) -> Result<Duration, DurationError> {
    let t = s.trim();
    let bad = || DurationError::Syntax(s.to_string());
    let too_long = || DurationError::TooLong {
        given: s.trim().to_string(),
        max: human(max),
    };
    if t.is_empty() || t.starts_with('-') || t.starts_with('+') {
        return Err(bad());
    }
    let d = if let Ok(secs) = t.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return Err(bad());
        }
        if secs > max.as_secs_f64() {
            return Err(too_long());
        }
        Duration::try_from_secs_f64(secs).map_err(|_| too_long())?
    } else if let Some(d) = fractional_single_unit(t)? {
        d
    } else {
        match humantime::parse_duration(t) {
            Ok(d) => d,
            Err(humantime::DurationError::NumberOverflow) => return Err(too_long()),
            Err(_) => return Err(bad()),
        }
    };
    if d > max {
        return Err(too_long());
    }
    Ok(d)
}

/// `1.5m`, `0.5h`: a decimal count of one unit, which humantime's grammar leaves out.
fn fractional_single_unit(t: &str) -> Result<Option<Duration>, DurationError> {
    let Some(split) = t.find(|c: char| !(c.is_ascii_digit() || c == '.')) else {
        return Ok(None);
    };
    let (num, unit) = t.split_at(split);
    if !num.contains('.') {
        return Ok(None);
    }
    let unit_secs = match unit.trim() {
        "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        _ => return Err(DurationError::Syntax(t.to_string())),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| DurationError::Syntax(t.to_string()))?;
    let secs = v * unit_secs;
    Duration::try_from_secs_f64(secs)
        .map(Some)
        .map_err(|_| DurationError::TooLong {
            given: t.to_string(),
            max: human(MAX_ANY),
        })
}

/// A number of seconds from configuration or a flag, checked against `[min, max]`.
pub fn secs(x: f64, min: Duration, max: Duration) -> Result<Duration, DurationError> {
    if !(x.is_finite() && x >= min.as_secs_f64() && x <= max.as_secs_f64()) {
        return Err(DurationError::OutOfRange {
            given: x.to_string(),
            min: if min.is_zero() {
                "0".into()
            } else {
                human(min)
            },
            max: human(max),
        });
    }
    Duration::try_from_secs_f64(x).map_err(|_| DurationError::OutOfRange {
        given: x.to_string(),
        min: human(min),
        max: human(max),
    })
}

/// Seconds already validated elsewhere, made a `Duration` without any chance of a panic: NaN
/// and values below `min` give `min`, values above `max` give `max`.
pub fn secs_clamped(x: f64, min: Duration, max: Duration) -> Duration {
    let (lo, hi) = (min.as_secs_f64(), max.as_secs_f64().max(min.as_secs_f64()));
    let v = if x.is_nan() { lo } else { x.clamp(lo, hi) };
    Duration::try_from_secs_f64(v).unwrap_or(min)
}

/// Milliseconds as the store's `i64`, saturating instead of wrapping.
pub fn millis_i64(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        let d = |s: &str| parse_duration(s).map(|d| d.as_secs_f64());
        assert_eq!(d("30s"), Ok(30.0));
        assert_eq!(d("5m"), Ok(300.0));
        assert_eq!(d("1h"), Ok(3600.0));
        assert_eq!(d("2h30m"), Ok(9000.0));
        assert_eq!(d("2h 30m"), Ok(9000.0));
        assert_eq!(d("1d"), Ok(86400.0));
        assert_eq!(d("30d"), Ok(30.0 * 86400.0));
        assert_eq!(d("90"), Ok(90.0));
        assert_eq!(d("1.5m"), Ok(90.0));
        for bad in [
            "", "m", "5x", "5m3", "-3", "NaN", "h1", "inf", "-1d", "1.5.5m",
        ] {
            assert!(d(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn huge_durations_are_refused_not_wrapped() {
        for s in ["1e16", "1e30", "1e300", "99999999999999999999d", "1e30s"] {
            assert!(parse_bounded(s, MAX_PRUNE_AGE).is_err(), "{s}");
        }
        assert!(matches!(
            parse_bounded("3651d", MAX_PRUNE_AGE),
            Err(DurationError::TooLong { .. })
        ));
        assert!(parse_bounded("3650d", MAX_PRUNE_AGE).is_ok());
    }

    #[test]
    fn seconds_are_checked_and_clamped() {
        assert!(secs(1e30, Duration::ZERO, MAX_BACKOFF).is_err());
        assert!(secs(f64::NAN, Duration::ZERO, MAX_BACKOFF).is_err());
        assert_eq!(
            secs(2.5, Duration::ZERO, MAX_BACKOFF),
            Ok(Duration::from_millis(2500))
        );
        assert_eq!(secs_clamped(1e300, MIN_REFRESH, MAX_REFRESH), MAX_REFRESH);
        assert_eq!(
            secs_clamped(f64::NAN, MIN_REFRESH, MAX_REFRESH),
            MIN_REFRESH
        );
        assert_eq!(millis_i64(Duration::MAX), i64::MAX);
    }
}
