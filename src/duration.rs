//! Durations as operators type them, on the command line (`scan --prune-older-than 30d`,
//! `dashboard --duration 5m`) and in the dashboard's `:silence RULE 1h`.

use std::time::Duration;

/// Parses `30s`, `5m`, `1h`, `2h30m`, `1d` or bare seconds (`90`, `2.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let bad = || format!("bad duration `{s}`: use e.g. 30s, 5m, 1h or 2h30m");
    if t.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = t.parse::<f64>() {
        return if secs.is_finite() && secs >= 0.0 {
            Ok(Duration::from_secs_f64(secs))
        } else {
            Err(bad())
        };
    }
    let mut total = 0.0;
    let mut num = String::new();
    for ch in t.chars() {
        if ch.is_ascii_digit() || ch == '.' {
            num.push(ch);
            continue;
        }
        let unit = match ch.to_ascii_lowercase() {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86400.0,
            _ => return Err(bad()),
        };
        let v: f64 = num.parse().map_err(|_| bad())?;
        total += v * unit;
        num.clear();
    }
    if !num.is_empty() {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
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
        assert_eq!(d("1d"), Ok(86400.0));
        assert_eq!(d("90"), Ok(90.0));
        assert_eq!(d("1.5m"), Ok(90.0));
        for bad in ["", "m", "5x", "5m3", "-3", "NaN", "h1"] {
            assert!(d(bad).is_err(), "{bad}");
        }
    }
}
