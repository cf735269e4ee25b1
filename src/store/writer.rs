//! The single writer: a dedicated OS thread owns the write connection and folds queued jobs into
//! one transaction. Each job runs in its own savepoint so one bad job cannot sink its batch, and
//! callers hear back only after COMMIT, so "acknowledged" always means "on disk".

use super::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::{mpsc, oneshot};

/// Jobs waiting for the writer at most; past this, callers wait (async) or block (sync) until
/// the writer catches up, so a slow disk slows ingestion instead of growing memory.
pub const QUEUE_CAPACITY: usize = 1024;

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
/// Runs against the batch connection (or `None` when the batch could not begin) and says
/// whether it succeeded, so the writer knows whether to roll its savepoint back.
type Job = Box<dyn FnOnce(Option<&Connection>) -> (bool, Completion) + Send>;

#[derive(Clone)]
pub struct StoreWriter {
    tx: mpsc::Sender<Job>,
    /// Submissions that found the queue full and had to wait.
    waits: Arc<AtomicU64>,
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
        let (tx, rx) = mpsc::channel::<Job>(QUEUE_CAPACITY);
        let max = max_batch_ops.max(1);
        let handle = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, rx, max))
            .map_err(|e| StoreError::Dir {
                path: path.to_path_buf(),
                source: e,
            })?;
        Ok((
            StoreWriter {
                tx,
                waits: Arc::default(),
            },
            WriterThread {
                handle: Some(handle),
            },
        ))
    }

    /// Jobs queued and not yet taken by the writer.
    pub fn queue_depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// How many submissions found the queue full and waited (backpressure), since start.
    pub fn backpressure_waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    fn job<T, F>(f: F) -> (Job, oneshot::Receiver<Result<T, StoreError>>)
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
        (job, rx)
    }

    /// Runs `f` inside the next batch transaction; resolves once it has committed. Waits for
    /// room when the queue is full.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (job, rx) = Self::job(f);
        let job = match self.tx.try_send(job) {
            Ok(()) => None,
            Err(mpsc::error::TrySendError::Full(job)) => Some(job),
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(StoreError::WriterGone),
        };
        if let Some(job) = job {
            self.waits.fetch_add(1, Ordering::Relaxed);
            self.tx
                .send(job)
                .await
                .map_err(|_| StoreError::WriterGone)?;
        }
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// The same for synchronous callers (CLI one-shots, worker threads). Never call from async code.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let (job, rx) = Self::job(f);
        match self.tx.try_send(job) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(job)) => {
                self.waits.fetch_add(1, Ordering::Relaxed);
                self.tx
                    .blocking_send(job)
                    .map_err(|_| StoreError::WriterGone)?;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => return Err(StoreError::WriterGone),
        }
        rx.blocking_recv().map_err(|_| StoreError::WriterGone)?
    }
}

fn run(conn: Connection, mut rx: mpsc::Receiver<Job>, max: usize) {
    while let Some(first) = rx.blocking_recv() {
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
        // Once a savepoint cannot be opened or closed (SQLite rolled the whole transaction back
        // under us, say), nothing of this batch may commit: the jobs already run are undone by
        // the final ROLLBACK and every job of the batch hears the error. No half-commits.
        let mut broken: Option<String> = None;
        for job in jobs {
            if broken.is_none() {
                if let Err(e) = conn.execute_batch("SAVEPOINT job") {
                    broken = Some(format!("cannot open a savepoint: {e}"));
                }
            }
            if broken.is_some() {
                let (_, completion) = job(None);
                completions.push(completion);
                continue;
            }
            let (ok, completion) = job(Some(&conn));
            let closed = if ok {
                conn.execute_batch("RELEASE job")
            } else {
                // A failed job's partial writes are undone; the others in the batch stay.
                conn.execute_batch("ROLLBACK TO job")
                    .and_then(|_| conn.execute_batch("RELEASE job"))
            };
            if let Err(e) = closed {
                broken = Some(format!("cannot close a savepoint: {e}"));
            }
            completions.push(completion);
        }
        let commit = match broken {
            Some(msg) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(msg)
            }
            None => {
                let commit = conn.execute_batch("COMMIT").map_err(|e| e.to_string());
                if commit.is_err() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                commit
            }
        };
        for c in completions {
            c(commit.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(path: &Path) -> Vec<String> {
        let c = crate::store::open_for_reading(path, 5000).unwrap();
        let mut st = c
            .prepare("SELECT reason FROM quarantine ORDER BY id")
            .unwrap();
        let v = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<String>>>()
            .unwrap();
        v
    }

    fn insert(c: &Connection, tag: &str) -> rusqlite::Result<()> {
        c.execute(
            "INSERT INTO quarantine (source, reason, detail, observed_ms) VALUES ('t', ?1, '', 0)",
            [tag],
        )
        .map(|_| ())
    }

    /// Issue 13, item 6: SAVEPOINT errors were ignored, so a job whose error made SQLite roll
    /// the whole transaction back left the later jobs of its batch running outside any
    /// transaction: committed on disk while their callers heard "failed". Now every job that
    /// hears Ok is on disk and every job that hears Err is not.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn savepoint_errors_never_half_commit_a_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite3");
        let (w, thread) = StoreWriter::spawn(&path, 5000, 64).unwrap();
        // Hold the writer busy so the next jobs queue up and share one batch.
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let busy = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(move |c| {
                    let _ = started_tx.send(());
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    insert(c, "first")
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || {
            started_rx.recv_timeout(std::time::Duration::from_secs(60))
        })
        .await
        .unwrap()
        .unwrap();
        let (a, b, c) = tokio::join!(
            w.write(|c| insert(c, "a")),
            w.write(|c| {
                insert(c, "b")?;
                // What SQLite does on some errors (SQLITE_FULL, IOERR): the whole
                // transaction is gone.
                c.execute_batch("ROLLBACK")?;
                Err::<(), _>(rusqlite::Error::InvalidQuery)
            }),
            w.write(|c| insert(c, "c")),
        );
        assert!(busy.await.unwrap().is_ok());
        assert!(b.is_err());
        let on_disk = rows(&path);
        for (tag, res) in [("a", a.is_ok()), ("c", c.is_ok())] {
            assert_eq!(
                on_disk.contains(&tag.to_string()),
                res,
                "job {tag}: reported ok={res}, on disk: {on_disk:?}"
            );
        }
        assert!(!on_disk.contains(&"b".to_string()));
        // The writer goes on working.
        w.write(|c| insert(c, "after")).await.unwrap();
        assert!(rows(&path).contains(&"after".to_string()));
        drop(w);
        thread.join();
    }

    /// Issue 13, item 6: the writer's queue is bounded; callers past it wait and are counted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writer_queue_is_bounded_and_counts_backpressure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.sqlite3");
        let (w, thread) = StoreWriter::spawn(&path, 5000, 1).unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..(QUEUE_CAPACITY + 200) {
            let w = w.clone();
            tasks.spawn(async move {
                w.write(move |c| {
                    if i == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(300));
                    }
                    insert(c, "q")
                })
                .await
            });
        }
        let mut max_depth = 0;
        while !tasks.is_empty() {
            max_depth = max_depth.max(w.queue_depth());
            if let Ok(Some(r)) =
                tokio::time::timeout(std::time::Duration::from_millis(5), tasks.join_next()).await
            {
                r.unwrap().unwrap();
            }
        }
        assert!(max_depth <= QUEUE_CAPACITY, "{max_depth}");
        assert!(w.backpressure_waits() > 0);
        assert_eq!(rows(&path).len(), QUEUE_CAPACITY + 200);
        drop(w);
        thread.join();
    }
}
