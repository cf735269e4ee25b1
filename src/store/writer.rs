//! The single writer: a dedicated OS thread owns the write connection and folds queued jobs into
//! one transaction. Each job runs in its own savepoint so one bad job cannot sink its batch, and
//! callers hear back only after COMMIT, so "acknowledged" always means "on disk".

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs against the batch connection (or `None` when the batch could not begin) and says
/// whether it succeeded, so the writer knows whether to roll its savepoint back.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Completion) + Send>;

#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::Sender<Job>,
}

pub struct WriterThread {
    handle: Option<JoinHandle<()>>,
}

impl WriterThread {
    /// Waits for queued jobs to commit; call after dropping every `StoreWriter` clone.
    pub fn join(mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl StoreWriter {
    pub fn spawn(
        path: &Path,
        busy_timeout_ms: u64,
        max_batch_ops: usize,
    ) -> Result<(StoreWriter, WriterThread), StoreError> {
        let conn = super::open_for_writing(path, busy_timeout_ms)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let max = max_batch_ops.max(1);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, max))
            .map_err(|e| StoreError::Dir {
                path: path.to_path_buf(),
                source: e,
            })?;
        Ok((
            StoreWriter { tx },
            WriterThread {
                handle: Some(handle),
            },
        ))
    }

    fn submit<T, F>(&self, f: F) -> oneshot::Receiver<Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let outcome = match conn {
                Some(c) => f(c).map_err(StoreError::Sql),
                None => Err(StoreError::Batch(
                    "the batch transaction could not begin".into(),
                )),
            };
            let ok = outcome.is_ok();
            let completion: Completion = Box::new(move |commit: Result<(), String>| {
                let result = match (outcome, commit) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(e), _) => Err(e),
                    (Ok(_), Err(msg)) => Err(StoreError::Batch(msg)),
                };
                let _ = reply.send(result);
            });
            (ok, completion)
        });
        if let Err(mpsc::SendError(job)) = self.tx.send(job) {
            drop(job); // the reply sender drops with it, so the receiver reports WriterGone
        }
        rx
    }

    /// Runs `f` inside the next batch transaction; resolves once it has committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.submit(f).await.map_err(|_| StoreError::WriterGone)?
    }

    /// The same for synchronous callers (CLI one-shots, worker threads). Never call from async code.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.submit(f)
            .blocking_recv()
            .map_err(|_| StoreError::WriterGone)?
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>, max: usize) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < max {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let mut completions = Vec::with_capacity(jobs.len());
        let began = conn.execute_batch("BEGIN IMMEDIATE");
        if let Err(e) = began {
            let msg = e.to_string();
            for job in jobs {
                let (_, completion) = job(None);
                completion(Err(msg.clone()));
            }
            continue;
        }
        for job in jobs {
            let _ = conn.execute_batch("SAVEPOINT job");
            let (ok, completion) = job(Some(&conn));
            if !ok {
                // A failed job's partial writes are undone; the others in the batch stay.
                let _ = conn.execute_batch("ROLLBACK TO job");
            }
            let _ = conn.execute_batch("RELEASE job");
            completions.push(completion);
        }
        let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for c in completions {
            c(commit.clone());
        }
    }
}
