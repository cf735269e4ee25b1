//! The files beside the schedule: the temp file a download streams into, the `.prev` copy of the
//! file it replaces, the sidecar with where and when it came from, and the lock that keeps two
//! updates from swapping at once.
//!
//! Every write is temp file in the same directory + fsync + rename + fsync of the directory, so
//! a reader (or a crash) sees the old file or the new one, never a mix.

use super::DataError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

/// The games file and its companions.
#[derive(Debug, Clone)]
pub struct Paths {
    pub games: PathBuf,
    /// The file as it was before the last update that changed it.
    pub prev: PathBuf,
    /// JSON [`Sidecar`].
    pub meta: PathBuf,
    pub dir: PathBuf,
    name: String,
}

impl Paths {
    pub fn new(games: &Path) -> Paths {
        let dir = games
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = games
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "games.csv".into());
        Paths {
            games: games.to_path_buf(),
            prev: dir.join(format!("{name}.prev")),
            meta: dir.join(format!("{name}.meta.json")),
            dir,
            name,
        }
    }

    /// A temp file for `what` (`download`, `prev`, `meta`), hidden and unique to this process.
    /// All share the prefix [`Paths::remove_stale_temps`] looks for.
    pub fn temp(&self, what: &str) -> PathBuf {
        self.dir
            .join(format!(".{}.{what}.{}.tmp", self.name, std::process::id()))
    }

    /// Temp files an earlier update left when it was killed. Only called under the lock, so
    /// none of them belongs to a running update.
    pub fn remove_stale_temps(&self) -> Vec<PathBuf> {
        let prefix = format!(".{}.", self.name);
        let mut removed = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return removed;
        };
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix)
                && n.ends_with(".tmp")
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed.push(e.path());
            }
        }
        removed
    }
}

/// Where the file on disk came from; `null` fields when the server sent no validator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    pub source_url: String,
    /// RFC 3339, UTC.
    pub fetched_at: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Of the games file as downloaded; a different hash on disk means someone edited it since.
    pub sha256: String,
}

/// The sidecar, `None` when there is none.
pub fn read_sidecar(path: &Path) -> Result<Option<Sidecar>, DataError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DataError::io(path, "cannot read the sidecar", e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| DataError::BadSidecar {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The file's hash, `None` when it does not exist.
pub fn sha256_file(path: &Path) -> Result<Option<String>, DataError> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DataError::io(path, "cannot open", e)),
    };
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| DataError::io(path, "cannot read", e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Some(hex(&h.finalize())))
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// `bytes` to `path` through `temp`: write, fsync, rename, fsync the directory.
pub fn write_atomic(path: &Path, temp: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let r = (|| {
        let mut f = std::fs::File::create(temp)
            .map_err(|e| DataError::io(temp, "cannot create the temp file", e))?;
        f.write_all(bytes)
            .map_err(|e| DataError::io(temp, "cannot write the temp file", e))?;
        f.sync_all()
            .map_err(|e| DataError::io(temp, "cannot fsync the temp file", e))?;
        rename(temp, path)
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    r
}

fn rename(from: &Path, to: &Path) -> Result<(), DataError> {
    std::fs::rename(from, to)
        .map_err(|e| DataError::io(to, "cannot rename the temp file over", e))?;
    sync_dir(to)
}

/// Makes a rename durable: the directory entry is data too.
fn sync_dir(path: &Path) -> Result<(), DataError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match std::fs::File::open(dir) {
        Ok(d) => d
            .sync_all()
            .map_err(|e| DataError::io(dir, "cannot fsync the directory", e)),
        // Some platforms cannot open a directory as a file; the rename stands either way.
        Err(_) => Ok(()),
    }
}

/// Replaces the games file with the fsynced `download`, first copying the old file (when there
/// is one) to `.prev`. Each step is one rename, so at every instant the games file is whole.
pub fn swap_in(paths: &Paths, download: &Path, old: Option<&[u8]>) -> Result<(), DataError> {
    if let Some(old) = old {
        write_atomic(&paths.prev, &paths.temp("prev"), old)?;
    }
    rename(download, &paths.games)
}

/// An exclusive `flock` on the games file's directory for the life of the value: one update at a
/// time per directory, released by the kernel however the process ends.
pub struct DirLock {
    _dir: std::fs::File,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> Result<DirLock, DataError> {
        let f = std::fs::File::open(dir)
            .map_err(|e| DataError::io(dir, "cannot open the directory to lock it", e))?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd as _;
            // SAFETY: flock on a descriptor this function owns; no memory is shared.
            let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                let e = std::io::Error::last_os_error();
                return Err(if e.kind() == std::io::ErrorKind::WouldBlock {
                    DataError::Busy {
                        dir: dir.to_path_buf(),
                    }
                } else {
                    DataError::io(dir, "cannot lock the directory", e)
                });
            }
        }
        Ok(DirLock { _dir: f })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companions_sit_beside_the_file() {
        let p = Paths::new(Path::new("data/games.csv"));
        assert_eq!(p.prev, Path::new("data/games.csv.prev"));
        assert_eq!(p.meta, Path::new("data/games.csv.meta.json"));
        let p = Paths::new(Path::new("games.csv"));
        assert_eq!(p.dir, Path::new("."));
        assert!(p
            .temp("download")
            .to_string_lossy()
            .starts_with("./.games.csv.download."));
    }

    #[test]
    fn a_second_lock_on_the_directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(d.path()).unwrap();
        let e = DirLock::acquire(d.path()).err().unwrap().to_string();
        assert!(e.contains("another `data update`"), "{e}");
        drop(first);
        DirLock::acquire(d.path()).unwrap();
    }

    #[test]
    fn swap_keeps_the_old_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = Paths::new(&d.path().join("games.csv"));
        std::fs::write(&p.games, b"old\n").unwrap();
        let dl = p.temp("download");
        std::fs::write(&dl, b"new\n").unwrap();
        swap_in(&p, &dl, Some(b"old\n")).unwrap();
        assert_eq!(std::fs::read(&p.games).unwrap(), b"new\n");
        assert_eq!(std::fs::read(&p.prev).unwrap(), b"old\n");
        assert!(p.remove_stale_temps().is_empty());
        assert_eq!(
            sha256_file(&p.games).unwrap().unwrap(),
            sha256_hex(b"new\n")
        );
    }
}
