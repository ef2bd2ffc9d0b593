//! Errors that name the database and say what to do.

use std::fmt;

use super::url::DatabaseUrl;

/// What went wrong, for callers that act on it (the CLI exits 5 for all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The URL is not one this crate knows.
    Url,
    /// The database cannot be reached or opened.
    Connect,
    /// TLS failed: the server's certificate is not trusted or not for this
    /// host, the server offers no TLS, or it accepts TLS connections only.
    Tls,
    /// The schema is newer than this crate.
    SchemaNewer,
    /// The database or file is read-only.
    ReadOnly,
    /// The disk (or a size limit) is full.
    Full,
    /// Another run holds the stream's lease.
    Busy,
    /// Anything else the database reported.
    Other,
}

/// A database failure. The database keeps its last committed state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// The database, as shown to people (no password).
    pub database: String,
    /// The kind of failure.
    pub kind: ErrorKind,
    /// What happened and what to do.
    pub message: String,
}

impl StoreError {
    pub(crate) fn new(url: &DatabaseUrl, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            database: url.to_string(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database {}: {}", self.database, self.message)
    }
}

impl std::error::Error for StoreError {}

/// The advice appended for each kind.
pub(crate) fn advice(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Url
        | ErrorKind::SchemaNewer
        | ErrorKind::Other
        | ErrorKind::Tls
        | ErrorKind::Busy => "",
        ErrorKind::Connect => {
            "; check that the server is running and the URL (host, port, user, database) is right"
        }
        ErrorKind::ReadOnly => {
            "; make the database writable (file and folder permissions, or a role that may write) \
             or pass another --db"
        }
        ErrorKind::Full => {
            "; free disk space (or raise the size limit) and run again: the last committed page \
             is kept and the sync resumes from it"
        }
    }
}
