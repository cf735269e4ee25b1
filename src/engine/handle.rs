//! The front ends' side of the engine: the latest snapshot, a change notification, and a
//! command channel whose replies arrive asynchronously (a UI never blocks on the engine).

use super::command::{Command, Reply};
use super::snapshot::Snapshot;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};

pub type Request = (Command, oneshot::Sender<Reply>);

#[derive(Clone)]
pub struct EngineHandle {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    commands: mpsc::Sender<Request>,
    read_only: bool,
}

/// The engine's ends of the channels.
pub struct EngineSide {
    pub snapshots: watch::Sender<Arc<Snapshot>>,
    pub commands: mpsc::Receiver<Request>,
}

impl EngineHandle {
    pub fn channel(initial: Snapshot, read_only: bool) -> (EngineHandle, EngineSide) {
        let (stx, srx) = watch::channel(Arc::new(initial));
        let (ctx, crx) = mpsc::channel(64);
        (
            EngineHandle {
                snapshots: srx,
                commands: ctx,
                read_only,
            },
            EngineSide {
                snapshots: stx,
                commands: crx,
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
