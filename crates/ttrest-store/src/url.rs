//! `--db` URLs: `sqlite:PATH` and `postgres://user[:password]@host[:port]/db`.

use std::fmt;
use std::path::PathBuf;

use super::error::{ErrorKind, StoreError};

/// A database location. Its `Display` hides a password as `***`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres {
        /// The URL as given (with the password), for connecting.
        url: String,
        /// The URL with the password replaced by `***`, for messages.
        shown: String,
    },
}

impl DatabaseUrl {
    /// Parses `sqlite:PATH`, `sqlite://PATH`, `postgres://...` or `postgresql://...`.
    pub fn parse(text: &str) -> Result<DatabaseUrl, StoreError> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(usage(
                    text,
                    "names no file; write sqlite:PATH, e.g. sqlite:ttrest.db",
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            let shown = redact(text);
            let (plain, _) = super::pgconn::split_tls_params(text);
            if plain.parse::<tokio_postgres::Config>().is_err() {
                return Err(usage(
                    &shown,
                    "is not a valid PostgreSQL URL; write \
                     postgres://user[:password]@host[:port]/database[?sslmode=verify-full&sslrootcert=FILE]",
                ));
            }
            return Ok(DatabaseUrl::Postgres {
                url: text.to_string(),
                shown,
            });
        }
        Err(usage(
            &redact(text),
            "is not a database URL ttrest knows; use sqlite:PATH (a file, the default kind) \
             or postgres://user@host/database",
        ))
    }
}

fn usage(shown: &str, what: &str) -> StoreError {
    StoreError {
        database: shown.to_string(),
        kind: ErrorKind::Url,
        message: what.to_string(),
    }
}

/// The URL with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres { shown, .. } => f.write_str(shown),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_and_postgres_urls_parse() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:a/b.db").unwrap(),
            DatabaseUrl::Sqlite("a/b.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        let pg = DatabaseUrl::parse("postgres://u:secret@h:5432/db").unwrap();
        assert_eq!(pg.to_string(), "postgres://u:***@h:5432/db");
        assert!(!format!("{pg:?}").contains("secret"));
    }

    #[test]
    fn other_urls_are_refused_without_their_password() {
        let e = DatabaseUrl::parse("mysql://u:secret@h/db").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Url);
        let text = e.to_string();
        assert!(
            text.contains("mysql://u:***@h/db") && !text.contains("secret"),
            "{text}"
        );
        assert!(text.contains("sqlite:PATH"), "{text}");
        assert!(DatabaseUrl::parse("sqlite:").is_err());
    }
}
