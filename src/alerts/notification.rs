//! What the outbox stores for each send: everything a channel needs except its secrets, which
//! stay in the configuration and are added only at send time.

use super::Severity;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Trigger,
    /// Someone acknowledged the alert (dashboard, API): paging stops escalating it.
    Acknowledge,
    Resolve,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Trigger => "trigger",
            Action::Acknowledge => "acknowledge",
            Action::Resolve => "resolve",
        }
    }
}

/// One line of a digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestItem {
    pub action: Action,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub action: Action,
    pub alert_id: i64,
    pub rule: String,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    /// Stable for one firing: trigger and resolve share it (PagerDuty's dedup_key derives from it).
    pub incident_key: String,
    /// When the condition was detected; `alerts.dispatch_latency` is measured from here.
    pub detected_ms: i64,
    pub environment: String,
    /// Informational alerts folded into one message; empty for single alerts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<DigestItem>,
}

impl Notification {
    /// A one-line subject: `[CRITICAL] Scraper failure burst` or `[RESOLVED] ...`.
    pub fn subject(&self) -> String {
        let tag = match self.action {
            Action::Resolve => "RESOLVED".to_string(),
            Action::Acknowledge => "ACKNOWLEDGED".to_string(),
            Action::Trigger => self.severity.as_str().to_ascii_uppercase(),
        };
        format!("[{tag}] {}", self.title)
    }

    /// The plain-text body: the message, then one line per digest item.
    pub fn body(&self) -> String {
        let mut out = self.message.clone();
        for it in &self.items {
            out.push_str(&format!(
                "\n- {} {} [{}] {}",
                match it.action {
                    Action::Resolve => "resolved",
                    Action::Acknowledge => "acknowledged",
                    Action::Trigger => "fired",
                },
                it.rule,
                it.severity,
                it.message
            ));
        }
        if !self.environment.is_empty() {
            out.push_str(&format!("\nenvironment: {}", self.environment));
        }
        out
    }
}

/// A short, header-safe digest of `text` (hex SHA-256, first 32 characters): used for
/// `Idempotency-Key` and PagerDuty `dedup_key` so keys stay ASCII and bounded.
pub fn key_digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(text.as_bytes());
    hex(&d[..16])
}

pub fn hex(bytes: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(H[(b >> 4) as usize] as char);
        s.push(H[(b & 15) as usize] as char);
    }
    s
}
