//! One conditional GET of the schedule, its body streamed into a file as it arrives: memory stays
//! bounded, and a kill mid-download leaves only a temp file behind, never a half-written games
//! file.

use super::DataError;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// nflverse's games.csv is about 2 MB; anything this large is not it.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Validators of the copy on disk, sent so an unchanged upstream answers 304.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

#[derive(Debug)]
pub enum Fetched {
    NotModified,
    Downloaded {
        validators: Validators,
        content_type: Option<String>,
        bytes: u64,
    },
}

/// GETs `url` (redirects followed, as GitHub's `raw/` links need) and writes a 200's body to
/// `into`, fsynced. Any other status, a timeout or a body cut short is an error; what was written
/// to `into` is then the caller's to discard.
pub async fn fetch(
    url: &str,
    timeout: Duration,
    send: &Validators,
    into: &Path,
) -> Result<Fetched, DataError> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("nflreadpy-betting/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DataError::Client(e.to_string()))?;
    let shown = crate::secret::redact_url(url);
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            DataError::Timeout {
                url: shown.clone(),
                seconds: timeout.as_secs_f64(),
            }
        } else {
            DataError::Transport {
                url: shown.clone(),
                message: chain(&e.without_url()),
            }
        }
    };
    let mut req = client.get(url);
    if let Some(e) = &send.etag {
        req = req.header(IF_NONE_MATCH, e);
    }
    if let Some(m) = &send.last_modified {
        req = req.header(IF_MODIFIED_SINCE, m);
    }
    let mut resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        if send.is_empty() {
            return Err(DataError::UnaskedNotModified { url: shown.clone() });
        }
        return Ok(Fetched::NotModified);
    }
    if status != reqwest::StatusCode::OK {
        return Err(DataError::Http {
            url: shown.clone(),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or_default().to_string(),
        });
    }
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };
    let content_type = header(CONTENT_TYPE);
    if resp.content_length().is_some_and(|n| n > MAX_BYTES) {
        return Err(DataError::TooLarge {
            url: shown.clone(),
            limit: MAX_BYTES,
        });
    }

    // File writes block, so they run on a thread of their own and the body arrives over a
    // bounded channel (a slow disk slows the download instead of buffering it in memory).
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(16);
    let writer = spawn_writer(into.to_path_buf(), rx);
    let mut total = 0u64;
    let streamed: Result<(), DataError> = async {
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            total += chunk.len() as u64;
            if total > MAX_BYTES {
                return Err(DataError::TooLarge {
                    url: shown.clone(),
                    limit: MAX_BYTES,
                });
            }
            if tx.send(chunk.to_vec()).await.is_err() {
                // The writer stopped on an error; its join below reports it.
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| DataError::Client(format!("the file writer stopped: {e}")))?;
    streamed?;
    written?;
    Ok(Fetched::Downloaded {
        validators,
        content_type,
        bytes: total,
    })
}

fn spawn_writer(
    path: PathBuf,
    mut rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
) -> tokio::task::JoinHandle<Result<(), DataError>> {
    tokio::task::spawn_blocking(move || {
        let mut f = std::fs::File::create(&path)
            .map_err(|e| DataError::io(&path, "cannot create the temp file", e))?;
        while let Some(chunk) = rx.blocking_recv() {
            f.write_all(&chunk)
                .map_err(|e| DataError::io(&path, "cannot write the temp file", e))?;
        }
        f.sync_all()
            .map_err(|e| DataError::io(&path, "cannot fsync the temp file", e))
    })
}

/// An error and its causes on one line (reqwest's top-level message alone is "error decoding
/// response body", which names no reason).
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let s_msg = s.to_string();
        if !msg.contains(&s_msg) {
            msg.push_str(": ");
            msg.push_str(&s_msg);
        }
        src = s.source();
    }
    msg
}
