//! Number and time formatting for the panes: fixed widths, explicit rounding, no clock reads.

use chrono::{DateTime, Utc};

pub fn american(a: i64) -> String {
    if a > 0 {
        format!("+{a}")
    } else {
        a.to_string()
    }
}

/// A selection as a trader reads it: the team for home/away (from the `AWAY@HOME` event label)
/// and the side for totals, with the line: `PHI -2.5`, `GB PK`, `Over 47.5`, `KC Over 24.5`.
pub fn selection(event: &str, selection: &str, line: Option<f64>) -> String {
    let (away, home) = event
        .split_once('@')
        .map(|(a, h)| (a.trim(), h.trim()))
        .unwrap_or(("away", "home"));
    let (side, spread) = match selection {
        "home" => (home.to_string(), true),
        "away" => (away.to_string(), true),
        "tie" => ("Tie".to_string(), false),
        "over" => ("Over".to_string(), false),
        "under" => ("Under".to_string(), false),
        "home_over" => (format!("{home} Over"), false),
        "home_under" => (format!("{home} Under"), false),
        "away_over" => (format!("{away} Over"), false),
        "away_under" => (format!("{away} Under"), false),
        other => (other.to_string(), false),
    };
    match line {
        Some(l) if spread && l == 0.0 => format!("{side} PK"),
        Some(l) if spread => format!("{side} {l:+}"),
        Some(l) => format!("{side} {l}"),
        None => side,
    }
}

/// `0.5234` -> `52.3%`.
pub fn pct(p: f64, decimals: usize) -> String {
    if !p.is_finite() {
        return "—".into();
    }
    format!("{:.*}%", decimals, p * 100.0)
}

/// `0.041` -> `+4.1%`.
pub fn signed_pct(p: f64, decimals: usize) -> String {
    if !p.is_finite() {
        return "—".into();
    }
    format!("{:+.*}%", decimals, p * 100.0)
}

/// Compact age: `7s`, `2m05s` below ten minutes, `14m`, `3h12m`, `2d4h`.
pub fn age(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "—".into();
    }
    let s = seconds.round() as i64;
    match s {
        0..=59 => format!("{s}s"),
        60..=599 => format!("{}m{:02}s", s / 60, s % 60),
        600..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

pub fn ms_between(later_ms: i64, earlier_ms: i64) -> f64 {
    (later_ms - earlier_ms).max(0) as f64 / 1000.0
}

/// `HH:MM:SS` UTC of a ms timestamp.
pub fn clock(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%H:%M:%S").to_string())
        .unwrap_or_else(|| "--:--:--".into())
}

/// `HH:MM` UTC.
pub fn hhmm(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_else(|| "--:--".into())
}

/// Milliseconds as `840ms` or `1.84s`.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() {
        "—".into()
    } else if ms < 1000.0 {
        format!("{ms:.0}ms")
    } else {
        format!("{:.2}s", ms / 1000.0)
    }
}

/// Seconds as `0.21s` or `12.4s`.
pub fn secs(s: f64) -> String {
    if !s.is_finite() {
        "—".into()
    } else if s < 10.0 {
        format!("{s:.2}s")
    } else {
        format!("{s:.1}s")
    }
}

/// Money with thousands separators and no cents above 100: `$1,250`, `$37.50`.
pub fn money(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.abs() < 100.0 {
        return format!("${v:.2}");
    }
    let n = v.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}${out}", if n < 0 { "-" } else { "" })
}

pub fn count(n: u64) -> String {
    if n >= 10_000 {
        format!("{:.1}k", n as f64 / 1000.0)
    } else {
        n.to_string()
    }
}

/// A sparkline as text, one cell per value (the newest `width`), so it aligns inside table cells.
/// Scaled to `scale` when given (rows of a table share one scale), else to the largest value.
/// `ramp` lists the levels low to high.
pub fn spark(
    values: impl IntoIterator<Item = f64>,
    width: usize,
    ramp: &str,
    scale: Option<f64>,
) -> String {
    let levels: Vec<char> = ramp.chars().collect();
    let vals: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    if levels.is_empty() || width == 0 {
        return String::new();
    }
    let vals = &vals[vals.len().saturating_sub(width)..];
    let max = scale.unwrap_or_else(|| vals.iter().copied().fold(0.0, f64::max));
    let mut out: String = vals
        .iter()
        .map(|v| {
            let i = if max <= 0.0 {
                0
            } else {
                ((v / max) * (levels.len() - 1) as f64).round() as usize
            };
            levels[i.min(levels.len() - 1)]
        })
        .collect();
    for _ in vals.len()..width {
        out.insert(0, ' ');
    }
    out
}

/// Cuts `s` to `width` display cells, ending with `ell` when cut.
pub fn fit(s: &str, width: usize, ell: &str) -> String {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return s.to_string();
    }
    let ell_w = ell.width();
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if w + cw + ell_w > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    if ell_w <= width {
        out.push_str(ell);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_read_as_teams_sides_and_lines() {
        assert_eq!(selection("BUF@HOU", "home", Some(-2.5)), "HOU -2.5");
        assert_eq!(selection("GB @ PHI", "away", Some(3.0)), "GB +3");
        assert_eq!(selection("GB @ PHI", "away", Some(0.0)), "GB PK");
        assert_eq!(selection("GB @ PHI", "home", None), "PHI");
        assert_eq!(selection("GB @ PHI", "under", Some(47.5)), "Under 47.5");
        assert_eq!(selection("DEN@KC", "home_over", Some(24.5)), "KC Over 24.5");
        assert_eq!(selection("DEN@KC", "tie", None), "Tie");
        assert_eq!(selection("odd label", "away", Some(-1.5)), "away -1.5");
    }

    #[test]
    fn formats() {
        assert_eq!(american(145), "+145");
        assert_eq!(american(-110), "-110");
        assert_eq!(pct(0.5234, 1), "52.3%");
        assert_eq!(signed_pct(0.041, 1), "+4.1%");
        assert_eq!(signed_pct(-0.0049, 1), "-0.5%");
        assert_eq!(age(7.4), "7s");
        assert_eq!(age(125.0), "2m05s");
        assert_eq!(age(840.0), "14m");
        assert_eq!(age(11_520.0), "3h12m");
        assert_eq!(age(190_000.0), "2d4h");
        assert_eq!(clock(1_762_711_500_000), "18:05:00");
        assert_eq!(millis(840.2), "840ms");
        assert_eq!(millis(1840.0), "1.84s");
        assert_eq!(money(37.5), "$37.50");
        assert_eq!(money(1250.0), "$1,250");
        assert_eq!(money(-1_234_567.0), "-$1,234,567");
        assert_eq!(count(96_512), "96.5k");
    }

    #[test]
    fn spark_scales_and_pads() {
        assert_eq!(spark([0.0, 1.0, 2.0, 4.0], 4, "_.-:=+*#", None), "_-=#");
        assert_eq!(
            spark([1.0, 2.0], 2, "_.-:=+*#", Some(4.0)),
            "-=",
            "a shared scale"
        );
        assert_eq!(spark([1.0, 1.0], 4, "ab", None), "  bb");
        assert_eq!(spark([0.0, 0.0], 2, "ab", None), "aa");
        assert_eq!(
            spark((0..100).map(f64::from), 3, "ab", None)
                .chars()
                .count(),
            3
        );
    }

    #[test]
    fn fit_cuts_by_display_width() {
        assert_eq!(fit("pinnacle", 8, "…"), "pinnacle");
        assert_eq!(fit("pinnacle", 6, "…"), "pinna…");
        assert_eq!(fit("pinnacle", 6, "~"), "pinna~");
        assert_eq!(fit("abc", 0, "…"), "");
    }
}
