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

/// Query parameter names that carry credentials (matched case-insensitively as substrings:
/// `apiKey`, `access_token`, `sslpassword`, `X-Amz-Signature` ...).
const CREDENTIAL_PARAMS: &[&str] = &[
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "sig",
    "credential",
];

/// The one redaction of a URL, used wherever a URL is shown, logged, written or put in an
/// error, whether or not it came through `${VAR}`: the password of `user:password@` (the whole
/// userinfo when it has no password, as in `https://TOKEN@host`, except on PostgreSQL URLs
/// where a lone user name is the login) and the value of every credential-like query parameter
/// become [`REDACTED`]. Text that is no URL comes back unchanged.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let scheme = &url[..scheme_end];
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = String::with_capacity(url.len());
    out.push_str(&url[..scheme_end + 3]);
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push(':');
                    out.push_str(REDACTED);
                }
                None if scheme.starts_with("postgres") => out.push_str(userinfo),
                None => out.push_str(REDACTED),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => (&tail[..i], &tail[i..]),
        None => (tail, ""),
    };
    match before_fragment.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let parts: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) if !value.is_empty() && credential_param(name) => {
                        format!("{name}={REDACTED}")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            out.push_str(&parts.join("&"));
        }
        None => out.push_str(before_fragment),
    }
    out.push_str(fragment);
    out
}

fn credential_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    CREDENTIAL_PARAMS.iter().any(|c| name.contains(c))
}

/// Every URL inside free text (an error message, a log line) redacted by [`redact_url`].
pub fn redact_urls_in(text: &str) -> String {
    if !text.contains("://") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The URL starts at its scheme: the letters right before `://`.
        let start = rest[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.'))
            .map_or(0, |j| j + 1);
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '>' || c == '<')
            .map_or(rest.len(), |j| i + j);
        out.push_str(&rest[..start]);
        out.push_str(&redact_url(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 22, item 4: passwords in userinfo and in query parameters, whatever layer set them.
    #[test]
    fn urls_lose_userinfo_passwords_and_credential_parameters() {
        assert_eq!(
            redact_url("postgres://desk:hunter2@db:5432/betting?sslmode=require&password=pw2"),
            "postgres://desk:[redacted]@db:5432/betting?sslmode=require&password=[redacted]"
        );
        assert_eq!(
            redact_url("https://ghp_abc@example.com/games.csv?apiKey=k1&x=1#f"),
            "https://[redacted]@example.com/games.csv?apiKey=[redacted]&x=1#f"
        );
        assert_eq!(
            redact_url("postgres://me@db/betting"),
            "postgres://me@db/betting"
        );
        assert_eq!(redact_url("data/odds.sqlite3"), "data/odds.sqlite3");
        assert_eq!(
            redact_urls_in("GET \"https://u:p4ss@h/x?token=t0k\" failed"),
            "GET \"https://u:[redacted]@h/x?token=[redacted]\" failed"
        );
    }

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
