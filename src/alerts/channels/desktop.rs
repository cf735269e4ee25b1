//! Desktop notifications (notify-rust). Over SSH or on a headless host there is no D-Bus session:
//! the channel then skips quietly instead of failing and retrying. The D-Bus call is blocking, so
//! it runs on the blocking pool under a timeout and never stalls the runtime.

use super::{Delivered, SendContext};
use crate::alerts::notification::Notification;
use std::time::Duration;

/// Why desktop notifications cannot work in this process, if they cannot.
pub fn unavailable() -> Option<String> {
    if cfg!(all(unix, not(target_os = "macos"))) {
        match std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            Some(v) if !v.is_empty() => None,
            _ => Some("no desktop session (DBUS_SESSION_BUS_ADDRESS is not set)".into()),
        }
    } else {
        None
    }
}

pub async fn send(ctx: &SendContext, n: &Notification) -> Result<Delivered, String> {
    if let Some(why) = unavailable() {
        return Ok(Delivered::Skipped(why));
    }
    let (summary, body) = (n.subject(), n.body());
    let job = tokio::task::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("nflreadpy-betting")
            .summary(&summary)
            .body(&body)
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    let limit = ctx.timeout.min(Duration::from_secs(5));
    match tokio::time::timeout(limit, job).await {
        Ok(Ok(Ok(()))) => Ok(Delivered::Sent),
        // A session bus that is set but refuses us is as good as none: skip, do not retry forever.
        Ok(Ok(Err(e))) => Ok(Delivered::Skipped(format!(
            "desktop notification failed: {e}"
        ))),
        Ok(Err(e)) => Err(format!("desktop notification task failed: {e}")),
        Err(_) => Ok(Delivered::Skipped(format!(
            "desktop notification timed out after {}s",
            limit.as_secs_f64()
        ))),
    }
}
