//! The HTTP channels: Slack incoming webhooks, a signed generic JSON webhook, PagerDuty Events v2.

use super::{Delivered, SendContext};
use crate::alerts::notification::{hex, key_digest, Action, Notification};
use crate::alerts::Severity;
use crate::config::{PagerDutyChannel, SlackChannel, WebhookChannel};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// `sha256=<hex HMAC-SHA256(secret, body)>`, the `X-Signature` header value.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex(&mac.finalize().into_bytes()))
}

/// reqwest's messages name the URL, which may hold a token: drop it and keep the cause chain.
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let e = e.without_url();
    let mut msg = format!("{kind}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    msg
}

async fn post(
    ctx: &SendContext,
    url: &str,
    body: Vec<u8>,
    headers: &[(String, String)],
) -> Result<Delivered, String> {
    if url.trim().is_empty() {
        return Err("no URL configured".into());
    }
    let mut req = ctx
        .http
        .post(url)
        .header("Content-Type", "application/json")
        .body(body);
    for (k, v) in headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.send().await.map_err(describe)?;
    let status = resp.status();
    if status.is_success() {
        return Ok(Delivered::Sent);
    }
    let text = resp.text().await.unwrap_or_default();
    let snippet: String = text.chars().take(200).collect();
    Err(format!("HTTP {}: {}", status.as_u16(), snippet.trim()))
}

pub async fn slack(
    ctx: &SendContext,
    c: &SlackChannel,
    n: &Notification,
) -> Result<Delivered, String> {
    let text = format!("*{}*\n{}", n.subject(), n.body());
    let body = serde_json::json!({
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": n.subject()}},
            {"type": "section", "text": {"type": "mrkdwn", "text": n.body()}},
            {"type": "context", "elements": [{"type": "mrkdwn",
                "text": format!("rule `{}` · alert #{}", n.rule, n.alert_id)}]}
        ]
    });
    post(
        ctx,
        c.webhook_url.expose(),
        body.to_string().into_bytes(),
        &[],
    )
    .await
}

/// The generic webhook: the notification as JSON, signed, with an idempotency key.
pub async fn webhook(
    ctx: &SendContext,
    c: &WebhookChannel,
    n: &Notification,
    idempotency_key: &str,
) -> Result<Delivered, String> {
    let body = serde_json::json!({
        "idempotency_key": idempotency_key,
        "subject": n.subject(),
        "notification": n,
    })
    .to_string()
    .into_bytes();
    let mut headers: Vec<(String, String)> = c
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    headers.push(("Idempotency-Key".into(), idempotency_key.to_string()));
    if !c.secret.is_empty() {
        headers.push(("X-Signature".into(), signature(c.secret.expose(), &body)));
    }
    post(ctx, &c.url, body, &headers).await
}

pub fn pagerduty_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// PagerDuty Events API v2. `dedup_key` is derived from the incident, so a retried trigger is
/// one incident and the resolve closes it.
pub async fn pagerduty(
    ctx: &SendContext,
    c: &PagerDutyChannel,
    n: &Notification,
) -> Result<Delivered, String> {
    if c.routing_key.is_empty() {
        return Err("no routing_key configured".into());
    }
    let dedup_key = format!("nflreadpy-{}", key_digest(&n.incident_key));
    let body = match n.action {
        Action::Trigger => serde_json::json!({
            "routing_key": c.routing_key.expose(),
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": {
                "summary": format!("{}: {}", n.title, n.message).chars().take(1024).collect::<String>(),
                "source": "nflreadpy-betting",
                "severity": pagerduty_severity(n.severity),
                "component": n.rule,
                "custom_details": {"alert_id": n.alert_id, "environment": n.environment, "body": n.body()},
            },
        }),
        Action::Acknowledge | Action::Resolve => serde_json::json!({
            "routing_key": c.routing_key.expose(),
            "event_action": n.action.as_str(),
            "dedup_key": dedup_key,
        }),
    };
    post(ctx, &c.events_url, body.to_string().into_bytes(), &[]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
