//! Who hears about what, and when: channel names, severity routing and quiet hours.

use super::Severity;
use crate::config::{ChannelConfig, QuietHours};

/// A configured, enabled channel as the router sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Outbox `channel` column: the type, with `-2`, `-3`... for repeated types.
    pub name: String,
    pub kind: &'static str,
    pub min_severity: Severity,
    /// PagerDuty: allowed through quiet hours when `allow_paging`.
    pub paging: bool,
    pub config: ChannelConfig,
}

pub fn kind_of(c: &ChannelConfig) -> &'static str {
    match c {
        ChannelConfig::Slack(_) => "slack",
        ChannelConfig::Webhook(_) => "webhook",
        ChannelConfig::Email(_) => "email",
        ChannelConfig::Pagerduty(_) => "pagerduty",
        ChannelConfig::Desktop(_) => "desktop",
        ChannelConfig::Terminal(_) => "terminal",
    }
}

fn enabled_and_min(c: &ChannelConfig) -> (bool, &str) {
    match c {
        ChannelConfig::Slack(x) => (x.enabled, &x.min_severity),
        ChannelConfig::Webhook(x) => (x.enabled, &x.min_severity),
        ChannelConfig::Email(x) => (x.enabled, &x.min_severity),
        ChannelConfig::Pagerduty(x) => (x.enabled, &x.min_severity),
        ChannelConfig::Desktop(x) => (x.enabled, &x.min_severity),
        ChannelConfig::Terminal(x) => (x.enabled, &x.min_severity),
    }
}

/// Enabled channels in configuration order, with stable names. An unreadable `min_severity`
/// is an error naming the channel's index (validation should already have caught it).
pub fn routes(channels: &[ChannelConfig]) -> Result<Vec<Route>, (usize, String)> {
    let mut out: Vec<Route> = Vec::new();
    for (i, c) in channels.iter().enumerate() {
        let (enabled, min) = enabled_and_min(c);
        let kind = kind_of(c);
        let min_severity = Severity::parse(min).ok_or_else(|| {
            (
                i,
                format!("min_severity {min:?} is not one of info, warning, critical"),
            )
        })?;
        let same = channels[..i].iter().filter(|p| kind_of(p) == kind).count();
        if !enabled {
            continue;
        }
        let name = if same == 0 {
            kind.to_string()
        } else {
            format!("{kind}-{}", same + 1)
        };
        out.push(Route {
            name,
            kind,
            min_severity,
            paging: kind == "pagerduty",
            config: c.clone(),
        });
    }
    Ok(out)
}

/// Minutes after midnight for "HH:MM".
pub fn parse_hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// When quiet hours hold at `now_ms` (local time = UTC + `offset_minutes`), the instant they end.
/// A window may wrap midnight (22:00-07:00). Equal start and end means no quiet hours.
pub fn quiet_until(q: &QuietHours, now_ms: i64, offset_minutes: i32) -> Option<i64> {
    let (start, end) = (parse_hhmm(&q.start)?, parse_hhmm(&q.end)?);
    if start == end {
        return None;
    }
    let local_ms = now_ms + i64::from(offset_minutes) * 60_000;
    let day_ms = 86_400_000;
    let minute_of_day = local_ms.rem_euclid(day_ms) / 60_000;
    let midnight_local = local_ms - local_ms.rem_euclid(day_ms);
    let inside = if start < end {
        minute_of_day >= start && minute_of_day < end
    } else {
        minute_of_day >= start || minute_of_day < end
    };
    if !inside {
        return None;
    }
    let end_local = if minute_of_day < end {
        midnight_local + end * 60_000
    } else {
        midnight_local + day_ms + end * 60_000
    };
    Some(end_local - i64::from(offset_minutes) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(start: &str, end: &str) -> QuietHours {
        QuietHours {
            start: start.into(),
            end: end.into(),
            allow_paging: true,
        }
    }

    const H: i64 = 3_600_000;

    #[test]
    fn quiet_hours_wrap_midnight_and_end_at_the_right_instant() {
        let day = 19_000 * 24 * H; // a UTC midnight
        let w = q("22:00", "07:00");
        assert_eq!(quiet_until(&w, day + 23 * H, 0), Some(day + 31 * H));
        assert_eq!(quiet_until(&w, day + 3 * H, 0), Some(day + 7 * H));
        assert_eq!(quiet_until(&w, day + 12 * H, 0), None);
        // 12:00 UTC is 22:00 at UTC+10.
        assert_eq!(quiet_until(&w, day + 12 * H, 600), Some(day + 21 * H));
        assert_eq!(
            quiet_until(&q("09:00", "17:00"), day + 10 * H, 0),
            Some(day + 17 * H)
        );
        assert_eq!(quiet_until(&q("09:00", "09:00"), day + 9 * H, 0), None);
    }

    #[test]
    fn repeated_channel_types_get_distinct_names_and_disabled_ones_vanish() {
        use crate::config::{SlackChannel, TerminalChannel};
        let chans = vec![
            ChannelConfig::Slack(SlackChannel::default()),
            ChannelConfig::Terminal(TerminalChannel {
                enabled: false,
                ..Default::default()
            }),
            ChannelConfig::Slack(SlackChannel::default()),
        ];
        let r = routes(&chans).unwrap();
        let names: Vec<_> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["slack", "slack-2"]);
    }
}
