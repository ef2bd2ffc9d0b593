//! Exit codes and the one-line error (plus hint) every failure ends with.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success |
//! | 2    | usage: bad flags or values (clap's code), unknown operation or parameter |
//! | 3    | credentials or authentication: missing/invalid key or secret, profile errors, 401/403 |
//! | 4    | TT or HTTP: error answers, 429, the key's daily quota spent, time-outs, unreachable host, malformed answers |
//! | 5    | local I/O: cannot read `--body @file` or write `-o FILE`; a `--db` database that cannot be used |
//! | 130  | interrupted (Ctrl-C / SIGTERM), in every command: an export leaves no file at its target; `--follow` keeps what it wrote; `sync` commits what it read |
//!
//! A reader closing stdout (`ttrest fills | head`) ends the run quietly with 0.

use std::fmt;
use std::path::Path;

use ttrest::paginate::{FetchStatus, PaginationError};
use ttrest::{AuthErrorKind, Error};

/// Bad command line (clap uses the same code).
pub const USAGE: i32 = 2;
/// Missing or refused credentials.
pub const AUTH: i32 = 3;
/// TT answered with an error, or could not be reached.
pub const TT: i32 = 4;
/// A local file could not be read or written, or a database could not be used.
pub const IO: i32 = 5;
/// Stopped by Ctrl-C or SIGTERM.
pub const INTERRUPTED: i32 = 130;

/// The exit-code table, shown at the end of `ttrest --help`.
pub const HELP: &str = "\
Exit codes:
  0    success
  2    usage: bad flags or values, unknown operation or parameter
  3    credentials: missing or refused key/secret, profile errors, HTTP 401/403
  4    TT/HTTP: error answers, 429, the key's daily quota spent (resets 00:00 UTC),
       time-outs, TT unreachable, malformed answers
  5    I/O: cannot read --body @FILE or write -o FILE; a --db database that cannot be used
  130  interrupted (Ctrl-C/SIGTERM), by any command; an export leaves no partial
       file at the -o target, --follow keeps what it wrote, sync commits what it read";

/// A failure, as the user sees it: one line, an optional hint, an exit code.
#[derive(Debug)]
pub struct CliError {
    pub code: i32,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    fn new(code: i32, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(USAGE, message)
    }

    /// A credentials error (exit 3).
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(AUTH, message)
    }

    /// A TT/HTTP error (exit 4).
    pub fn tt(message: impl Into<String>) -> Self {
        Self::new(TT, message)
    }

    /// An I/O error on `path` (exit 5).
    pub fn io(what: &str, path: &Path, err: &std::io::Error) -> Self {
        Self::new(IO, format!("cannot {what} {}: {err}", path.display()))
    }

    /// Stopped by a signal (exit 130).
    pub fn interrupted() -> Self {
        Self::new(INTERRUPTED, "interrupted")
    }

    /// stdout was closed by its reader (`ttrest fills | head`): stop quietly.
    pub fn broken_pipe() -> Self {
        Self::new(0, "")
    }

    /// Adds what the user can do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Converts a ttrest error: its message, its hint, and for refused
    /// credentials a reminder of `--env` (`env` is its value).
    pub fn from_tt(err: Error, env: &str) -> Self {
        let base = match &err {
            Error::Config { .. } => Self::auth(err.to_string())
                .hint("export TT_APP_KEY and TT_APP_SECRET, pass --profile NAME, or try --sandbox"),
            Error::InvalidArgument { .. } => Self::usage(err.to_string()),
            // The count's file or database: local, like a --db that cannot be used.
            Error::DailyCount { .. } => Self::new(IO, err.to_string()),
            Error::Auth { .. } => Self::auth(err.to_string()),
            Error::Transport { source, .. } => Self::tt(format!("{err} ({})", innermost(source))),
            _ => Self::tt(err.to_string()),
        };
        match (base.hint.is_some(), err.hint()) {
            (false, Some(_)) if matches!(err, Error::Timeout { .. }) => base.hint(
                "try again later, narrow the request (--since/--until, --account), or raise --timeout SECONDS",
            ),
            (false, Some(hint)) => match &err {
                Error::Auth {
                    kind: AuthErrorKind::WrongPath,
                    ..
                } => base.hint(format!(
                    "{hint}; check --base-url (TT's root, e.g. https://ttrestapi.trade.tt) and --env {env}"
                )),
                Error::Auth { .. } => base.hint(format!(
                    "{hint}; is this key for --env {env}? TT app keys work in one environment only"
                )),
                _ => base.hint(hint),
            },
            _ => base,
        }
    }

    /// Converts a paginator error.
    pub fn from_pages(err: PaginationError<ApiError>, env: &str) -> Self {
        match err {
            PaginationError::Fetch { source, .. } => source.into_cli(env),
            other => Self::tt(other.to_string())
                .hint("narrow the request (--since/--until, --account, --product)"),
        }
    }
}

/// The root cause of a transport error (reqwest nests the useful part).
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ttrest: error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// A failed fetch inside a paginator (which needs its HTTP status).
#[derive(Debug)]
pub enum ApiError {
    /// The call failed.
    Tt(Error),
    /// ttrest itself cannot go on (the message says why).
    Other(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Tt(e) => e.fmt(f),
            ApiError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Tt(e) => e.source(),
            ApiError::Other(_) => None,
        }
    }
}

impl FetchStatus for ApiError {
    fn status_code(&self) -> Option<u16> {
        match self {
            ApiError::Tt(e) => e.status().map(|s| s.as_u16()),
            ApiError::Other(_) => None,
        }
    }
}

impl ApiError {
    /// As the user sees it.
    pub fn into_cli(self, env: &str) -> CliError {
        match self {
            ApiError::Tt(e) => CliError::from_tt(e, env),
            ApiError::Other(m) => CliError::tt(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ttrest::CallInfo;

    fn call() -> Box<CallInfo> {
        Box::new(CallInfo {
            service: Some("ttledger".into()),
            operation: Some("get_fills".into()),
            request_id: Some("ttrest-cli--1".into()),
        })
    }

    #[test]
    fn a_refused_token_names_the_service_and_suggests_the_environment() {
        let err = Error::Auth {
            call: call(),
            kind: AuthErrorKind::Unauthorized,
            status: Some(reqwest::StatusCode::UNAUTHORIZED),
            tt: Default::default(),
        };
        let hint = err.hint().unwrap();
        let e = CliError::from_tt(err, "live");
        assert_eq!(e.code, AUTH);
        let text = e.to_string();
        assert!(text.contains("ttledger.get_fills"), "{text}");
        assert!(text.contains("TT refused the token (HTTP 401)"), "{text}");
        assert!(text.contains("requestId ttrest-cli--1"), "{text}");
        assert!(text.contains(hint), "the library's hint: {text}");
        assert!(text.contains("--env live"), "{text}");
    }

    #[test]
    fn server_errors_exit_4_with_a_hint() {
        let err = Error::Tt {
            call: call(),
            status: reqwest::StatusCode::BAD_GATEWAY,
            tt: Default::default(),
        };
        let e = CliError::from_tt(err, "uat");
        assert_eq!(e.code, TT);
        assert!(e.to_string().contains("ttledger.get_fills"));
        assert!(e.to_string().contains("TT answered HTTP 502"));
        assert!(e.hint.unwrap().contains("try again later"));
    }

    #[test]
    fn io_errors_name_the_file() {
        let err = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let e = CliError::io("write", Path::new("/x/fills.csv"), &err);
        assert_eq!(e.code, IO);
        assert!(e.message.contains("/x/fills.csv"));
    }
}
