//! Credentials in memory: a `Secret` never shows its value through `Debug`, `Display` or
//! `Serialize`, and compares in constant time. One redaction marker, [`REDACTED`], is used by
//! every printout, log line and error message that scrubs a secret.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use subtle::ConstantTimeEq;

/// What a secret looks like wherever it would have been shown.
pub const REDACTED: &str = "[redacted]";

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it (a header, a URL, a login).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }

    /// An unresolved `${VAR}` reference names where the secret comes from; it is no secret.
    fn is_reference(&self) -> bool {
        self.0.starts_with("${") && self.0.ends_with('}') && self.0.matches("${").count() == 1
    }

    /// Constant-time equality with `presented` (the time taken says nothing about how much of
    /// it matched; only the length may show).
    pub fn matches(&self, presented: &[u8]) -> bool {
        constant_time_eq(self.0.as_bytes(), presented)
    }
}

/// Constant-time byte comparison (`subtle`); lengths that differ never compare equal.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() || self.is_reference() {
            write!(f, "{:?}", self.0)
        } else {
            write!(f, "{REDACTED}")
        }
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() || self.is_reference() {
            f.write_str(&self.0)
        } else {
            f.write_str(REDACTED)
        }
    }
}

/// Empty values and `${VAR}` references serialize as written (so the built-in defaults layer
/// keeps `${ODDS_API_KEY}`); any real value serializes as [`REDACTED`].
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_empty() || self.is_reference() {
            s.serialize_str(&self.0)
        } else {
            s.serialize_str(REDACTED)
        }
    }
}

/// Accepts a string, or a number or boolean (a `${VAR}` whose value looked like one).
impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::from(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13, item 12: secrets were plain strings in `Debug`/`Serialize` config structs.
    #[test]
    fn secrets_redact_in_debug_display_and_serialize() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), REDACTED);
        assert_eq!(format!("{s}"), REDACTED);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{REDACTED}\"")
        );
        assert!(serde_yaml::to_string(&s).unwrap().contains(REDACTED));
        assert!(!format!("{:?}", Some(s.clone())).contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
        // References and empty values are no secret and keep their form.
        let r = Secret::from("${ODDS_API_KEY}");
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"${ODDS_API_KEY}\"");
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
        let back: Secret = serde_yaml::from_str("12345").unwrap();
        assert_eq!(back.expose(), "12345");
    }

    /// Issue 13, item 12: the hand-written compare folded the length difference into a `u8`,
    /// so lengths 256 apart compared equal up to the shorter one.
    #[test]
    fn constant_time_compare_checks_length_and_content() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
        // Old code: 1 ^ 257 = 256, cast to u8 is 0, and the missing tail read as zeros matched.
        let short = vec![0xffu8; 1];
        let mut long = vec![0u8; 257];
        long[0] = 0xff;
        assert!(!constant_time_eq(&short, &long));
        assert!(Secret::from("tok").matches(b"tok"));
        assert!(!Secret::from("tok").matches(b"to"));
    }

    /// Issue 13, item 12: every credential of the configuration stays hidden in its `Debug`
    /// and serialized forms.
    #[test]
    fn config_printouts_never_show_a_secret() {
        use crate::config::*;
        let mut c = Config::default();
        for s in &mut c.sources {
            match s {
                SourceConfig::TheOddsApi(o) => o.api_key = "odds-hunter2".into(),
                SourceConfig::Pinnacle(p) => p.api_key = "pin-hunter2".into(),
                _ => {}
            }
        }
        c.api.token = Some("api-hunter2".into());
        c.alerts.channels = vec![
            ChannelConfig::Slack(SlackChannel {
                webhook_url: "https://hooks.slack.test/hunter2".into(),
                ..Default::default()
            }),
            ChannelConfig::Webhook(WebhookChannel {
                secret: "hook-hunter2".into(),
                ..Default::default()
            }),
            ChannelConfig::Email(EmailChannel {
                password: "mail-hunter2".into(),
                ..Default::default()
            }),
            ChannelConfig::Pagerduty(PagerDutyChannel {
                routing_key: "pd-hunter2".into(),
                ..Default::default()
            }),
        ];
        for shown in [
            format!("{c:?}"),
            serde_json::to_string(&c).unwrap(),
            serde_yaml::to_string(&c).unwrap(),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains(REDACTED));
        }
    }
}
