//! Change notifications: every commit that adds quote changes sends `NOTIFY` with its last
//! sequence; [`PgStore::listen`] turns them into a watch channel for front ends on any host.

use super::PgStore;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

/// The notification channel; the payload is the last sequence (`quotes_history.id`) of the
/// commit, in decimal.
pub const CHANNEL: &str = "nflreadpy_changes";

/// What a listener knows: the newest sequence heard of, and whether its connection is up
/// (false during an outage: the dashboard can tell a database outage from a quiet market).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChangeSignal {
    pub seq: i64,
    pub connected: bool,
    /// Connections lost since the listener started (a blip shorter than a poll still counts).
    pub outages: u64,
}

/// How often an idle listener checks its connection: an outage shows within this bound even
/// when the network drops silently.
const PING_EVERY: Duration = Duration::from_secs(5);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

impl PgStore {
    /// A receiver of change signals fed by a connection of its own. After an outage it
    /// reconnects with backoff, re-reads the last sequence (notifications sent meanwhile are
    /// lost, the sequence is not) and goes on. The task ends when every receiver is dropped.
    /// Consumers read what changed with [`PgStore::changes_after`] from their own cursor.
    pub fn listen(&self) -> watch::Receiver<ChangeSignal> {
        let (tx, rx) = watch::channel(ChangeSignal::default());
        let store = self.clone();
        tokio::spawn(async move {
            let mut backoff = BACKOFF_MIN;
            loop {
                let outcome = tokio::select! {
                    r = store.listen_once(&tx) => r,
                    _ = tx.closed() => return,
                };
                match outcome {
                    // Was up: count the loss; the next attempt starts from the shortest wait.
                    Ok(()) => {
                        tx.send_modify(|s| {
                            s.connected = false;
                            s.outages += 1;
                        });
                        backoff = BACKOFF_MIN;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "PostgreSQL change listener: no connection")
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = tx.closed() => return,
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        });
        rx
    }

    /// One connection's life: LISTEN, publish the current sequence, then every notification,
    /// until the connection fails. `Ok` when it was established (then lost), `Err` when it
    /// could not be.
    async fn listen_once(&self, tx: &watch::Sender<ChangeSignal>) -> Result<(), super::PgError> {
        let (client, mut connection) = self.dedicated("listen").await?;
        let (note_tx, mut notes) = mpsc::unbounded_channel::<String>();
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(m) = messages.next().await {
                match m {
                    Ok(AsyncMessage::Notification(n)) => {
                        if note_tx.send(n.payload().to_string()).is_err() {
                            break;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        });
        // Ends the driver however this function returns.
        struct Abort(tokio::task::JoinHandle<()>);
        impl Drop for Abort {
            fn drop(&mut self) {
                self.0.abort();
            }
        }
        let _driver = Abort(driver);
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        let seq: i64 = client
            .query_one("SELECT COALESCE(MAX(id), 0) FROM quotes_history", &[])
            .await?
            .try_get(0)?;
        tx.send_modify(|s| {
            s.seq = s.seq.max(seq);
            s.connected = true;
        });
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                note = notes.recv() => match note {
                    Some(payload) => {
                        if let Ok(seq) = payload.parse::<i64>() {
                            tx.send_if_modified(|s| {
                                let newer = seq > s.seq;
                                s.seq = s.seq.max(seq);
                                newer
                            });
                        }
                    }
                    None => return Ok(()),
                },
                _ = ping.tick() => {
                    let alive = tokio::time::timeout(PING_EVERY, client.simple_query("SELECT 1")).await;
                    if !matches!(alive, Ok(Ok(_))) {
                        return Ok(());
                    }
                }
            }
        }
    }
}
