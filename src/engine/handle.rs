//! The front ends' side of the engine: the latest snapshot, a change notification, and a
//! command channel whose replies arrive asynchronously (a UI never blocks on the engine).

use crate::snapshot::command::{Command, Reply};
use crate::snapshot::Snapshot;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, watch};

pub type Request = (Command, oneshot::Sender<Reply>);

#[derive(Clone)]
pub struct EngineHandle {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    commands: mpsc::Sender<Request>,
    read_only: bool,
    shared: Arc<Shared>,
}

/// Figures that flow outside snapshots: front ends report render time, the engine publishes
/// its Prometheus text.
#[derive(Default)]
pub struct Shared {
    /// Last frame time reported by a front end, microseconds; 0 = none yet.
    pub render_latency_us: AtomicU64,
    pub metrics_text: Mutex<String>,
    /// When the engine loop last ran a refresh, ms since epoch (a snapshot is only republished
    /// when its content changes, so its own time says nothing about liveness).
    pub heartbeat_ms: std::sync::atomic::AtomicI64,
}

/// The engine's ends of the channels.
pub struct EngineSide {
    pub snapshots: watch::Sender<Arc<Snapshot>>,
    pub commands: mpsc::Receiver<Request>,
    pub shared: Arc<Shared>,
}

impl EngineHandle {
    pub fn channel(initial: Snapshot, read_only: bool) -> (EngineHandle, EngineSide) {
        let (stx, srx) = watch::channel(Arc::new(initial));
        let (ctx, crx) = mpsc::channel(64);
        let shared = Arc::new(Shared::default());
        (
            EngineHandle {
                snapshots: srx,
                commands: ctx,
                read_only,
                shared: shared.clone(),
            },
            EngineSide {
                snapshots: stx,
                commands: crx,
                shared,
            },
        )
    }

    pub fn latest(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// A receiver to `await` snapshot changes on (`changed().await`).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.clone()
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// `dashboard.render_latency`: front ends report how long their last frame took.
    pub fn report_render_latency(&self, seconds: f64) {
        let us = (seconds * 1e6).clamp(1.0, u64::MAX as f64) as u64;
        self.shared.render_latency_us.store(us, Ordering::Relaxed);
    }

    /// When the engine last completed a refresh (0 = not yet).
    pub fn heartbeat_ms(&self) -> i64 {
        self.shared.heartbeat_ms.load(Ordering::Relaxed)
    }

    /// The Prometheus text of the latest snapshot.
    pub fn metrics_text(&self) -> String {
        self.shared
            .metrics_text
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Queues a command without waiting; the reply arrives on the returned receiver.
    /// Mutating commands are refused up front in read-only mode.
    pub fn submit(&self, cmd: Command) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        if self.read_only && cmd.is_mutating() {
            let _ = tx.send(Reply::Error(
                "read-only: this command would change production state".into(),
            ));
            return rx;
        }
        if let Err(
            mpsc::error::TrySendError::Full((_, tx)) | mpsc::error::TrySendError::Closed((_, tx)),
        ) = self.commands.try_send((cmd, tx))
        {
            let _ = tx.send(Reply::Error(
                "the engine is busy or stopped; try again".into(),
            ));
        }
        rx
    }

    pub async fn send(&self, cmd: Command) -> Reply {
        self.submit(cmd)
            .await
            .unwrap_or_else(|_| Reply::Error("the engine stopped before replying".into()))
    }
}
