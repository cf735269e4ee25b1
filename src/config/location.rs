//! Where the store lives (`storage.url`), decided once from configuration: the embedded SQLite file or a
//! PostgreSQL server. Every command opens its store through this, so `--storage`, `storage.url`
//! and `ingestion.storage_path` mean the same thing everywhere.

use super::Config;
use std::fmt;
use std::path::PathBuf;

/// The store a configuration names.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server; the URL may carry a password, so it is shown only redacted.
    Postgres(String),
}

/// Whether a `--storage` value is a URL (`sqlite:`, `postgres://`, `postgresql://`) rather than
/// a file path.
pub fn looks_like_url(s: &str) -> bool {
    let s = s.trim();
    s.starts_with("sqlite:") || s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl Location {
    /// `storage.url` when set, else the SQLite file at `ingestion.storage_path`.
    pub fn from_config(cfg: &Config) -> Result<Location, String> {
        match cfg.storage.url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => Location::parse(url),
            _ => Ok(Location::Sqlite(PathBuf::from(&cfg.ingestion.storage_path))),
        }
    }

    /// Parses a store URL; the error says what was expected (never echoing a password).
    pub fn parse(url: &str) -> Result<Location, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.trim().is_empty() {
                return Err("expected sqlite:PATH with a file path, got an empty path".into());
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        let Some(rest) = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
        else {
            return Err(format!(
                "expected sqlite:PATH or postgres://user@host[:port]/db, got `{}`",
                crate::secret::redact_url(url)
            ));
        };
        let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.trim().is_empty() {
            return Err(format!(
                "expected a host in postgres://user@host[:port]/db, got `{}`",
                crate::secret::redact_url(url)
            ));
        }
        Ok(Location::Postgres(url.to_string()))
    }

    /// The location for messages: the path, or the URL with any password replaced.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(url) => crate::secret::redact_url(url),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_backends_and_refuses_the_rest() {
        assert_eq!(
            Location::parse("sqlite:data/x.sqlite3").unwrap(),
            Location::Sqlite("data/x.sqlite3".into())
        );
        assert!(Location::parse("postgres://me@db:5432/betting")
            .unwrap()
            .is_postgres());
        assert!(Location::parse("postgresql://db/betting")
            .unwrap()
            .is_postgres());
        for bad in ["mysql://x/y", "postgres:///db", "sqlite:", "data/x.sqlite3"] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn never_shows_a_password() {
        let url = "postgres://desk:s3cr%40t@db.internal:5432/betting?sslmode=require";
        let loc = Location::parse(url).unwrap();
        for shown in [loc.display(), format!("{loc:?}")] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("desk:") && shown.contains("@db.internal:5432/betting"));
        }
        let err = Location::parse("mysql://u:hunter2@h/d").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
