//! The terminal channel. The dashboard's alert pane reads `AlertsView` from the snapshot, so in
//! the TUI delivery is immediate and prints nothing; headless runs ask for one JSON line per
//! notification on a writer the binary hands in (stdout), with an optional bell on stderr.

use super::{Delivered, SendContext};
use crate::alerts::notification::Notification;
use crate::config::TerminalChannel;
use std::io::Write;
use std::sync::{Arc, Mutex};

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

#[derive(Clone, Default)]
pub enum TerminalOutput {
    /// The TUI shows `AlertsView`; nothing is printed.
    #[default]
    View,
    /// Headless: one JSON line per notification.
    JsonLines(Sink),
}

impl TerminalOutput {
    pub fn json_lines(w: Box<dyn Write + Send>) -> TerminalOutput {
        TerminalOutput::JsonLines(Arc::new(Mutex::new(w)))
    }
}

pub fn send(ctx: &SendContext, c: &TerminalChannel, n: &Notification) -> Result<Delivered, String> {
    if let TerminalOutput::JsonLines(sink) = &ctx.terminal {
        let line = serde_json::json!({
            "type": "alert",
            "action": n.action,
            "alert_id": n.alert_id,
            "rule": n.rule,
            "severity": n.severity,
            "subject": n.subject(),
            "message": n.message,
            "items": n.items,
            "detected_ms": n.detected_ms,
        });
        let mut w = sink
            .lock()
            .map_err(|_| "terminal sink poisoned".to_string())?;
        writeln!(w, "{line}")
            .and_then(|_| w.flush())
            .map_err(|e| format!("terminal write failed: {e}"))?;
        if c.bell {
            let mut err = std::io::stderr();
            let _ = err.write_all(b"\x07").and_then(|_| err.flush());
        }
    }
    Ok(Delivered::Sent)
}
