//! Channel senders. Each takes a `Notification` plus the channel's configuration (where secrets
//! live) and says whether the channel confirmed it. Errors are secret-free strings: every known
//! secret of the channel is scrubbed from them before they reach logs, the outbox or the view.

mod desktop;
mod email;
mod http;
mod terminal;

pub use terminal::TerminalOutput;

use super::notification::Notification;
use super::policy::Route;
use crate::config::ChannelConfig;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Delivered {
    /// The channel confirmed receipt.
    Sent,
    /// The channel cannot work here (no desktop session); dropped on purpose, not retried.
    Skipped(String),
}

/// What every send shares: one HTTP client, the terminal sink, timeouts.
#[derive(Clone)]
pub struct SendContext {
    pub http: reqwest::Client,
    pub terminal: TerminalOutput,
    pub timeout: Duration,
}

impl SendContext {
    pub fn new(timeout: Duration) -> SendContext {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("nflreadpy-betting/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        SendContext {
            http,
            terminal: TerminalOutput::View,
            timeout,
        }
    }
}

/// The secrets a channel's errors must never show.
pub fn secrets_of(c: &ChannelConfig) -> Vec<String> {
    let mut v = match c {
        ChannelConfig::Slack(x) => vec![x.webhook_url.expose().to_string()],
        ChannelConfig::Webhook(x) => {
            let mut v = vec![x.url.clone(), x.secret.expose().to_string()];
            v.extend(x.headers.values().cloned());
            v
        }
        ChannelConfig::Email(x) => vec![x.password.expose().to_string(), x.username.clone()],
        ChannelConfig::Pagerduty(x) => vec![x.routing_key.expose().to_string()],
        ChannelConfig::Desktop(_) | ChannelConfig::Terminal(_) => vec![],
    };
    // URL paths carry tokens too (Slack's /services/T/B/XYZ): scrub the path on its own as well.
    let paths: Vec<String> = v
        .iter()
        .filter_map(|s| s.split_once("://").map(|(_, rest)| rest.to_string()))
        .filter_map(|rest| rest.split_once('/').map(|(_, p)| format!("/{p}")))
        .filter(|p| p.len() > 1)
        .collect();
    v.extend(paths);
    v.retain(|s| s.len() >= 4);
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

/// Replaces every occurrence of each secret with [`crate::secret::REDACTED`].
pub fn redact(msg: &str, secrets: &[String]) -> String {
    let mut out = msg.to_string();
    for s in secrets {
        if !s.is_empty() && out.contains(s.as_str()) {
            out = out.replace(s.as_str(), crate::secret::REDACTED);
        }
    }
    out
}

/// Sends one notification down one channel. `idempotency_key` identifies this (alert, action,
/// channel) delivery: receivers that honour it turn retries into exactly-once.
pub async fn send(
    route: &Route,
    n: &Notification,
    idempotency_key: &str,
    ctx: &SendContext,
) -> Result<Delivered, String> {
    let result = match &route.config {
        ChannelConfig::Slack(c) => http::slack(ctx, c, n).await,
        ChannelConfig::Webhook(c) => http::webhook(ctx, c, n, idempotency_key).await,
        ChannelConfig::Pagerduty(c) => http::pagerduty(ctx, c, n).await,
        ChannelConfig::Email(c) => email::send(ctx, c, n, idempotency_key).await,
        ChannelConfig::Desktop(_) => desktop::send(ctx, n).await,
        ChannelConfig::Terminal(c) => terminal::send(ctx, c, n),
    };
    result.map_err(|e| redact(&e, &secrets_of(&route.config)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SlackChannel, WebhookChannel};

    #[test]
    fn redaction_scrubs_urls_paths_and_secrets() {
        let c = ChannelConfig::Slack(SlackChannel {
            webhook_url: "https://hooks.slack.com/services/T000/B000/XXXXSECRET".into(),
            ..Default::default()
        });
        let s = secrets_of(&c);
        let msg = "POST https://hooks.slack.com/services/T000/B000/XXXXSECRET failed; path /services/T000/B000/XXXXSECRET";
        let r = redact(msg, &s);
        assert!(!r.contains("XXXXSECRET"), "{r}");
        let w = ChannelConfig::Webhook(WebhookChannel {
            url: "http://127.0.0.1:9/hook".into(),
            secret: "hmac-key-123".into(),
            ..Default::default()
        });
        assert_eq!(
            redact("bad key hmac-key-123", &secrets_of(&w)),
            "bad key [redacted]"
        );
    }
}
