//! [`Error`]: the one error type of ttrest, with variants a caller can match.
//!
//! Every variant that comes from a call carries a [`CallInfo`] (service,
//! operation id, requestId), so a failure can be quoted to TT support. No
//! variant ever holds the app secret or a token; response excerpts are cut
//! short and dropped entirely if they look like they hold a token.

mod body;
mod convert;
mod tt_body;

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

pub use body::ErrorBody;
pub use convert::IntoTt;
pub(crate) use convert::{excerpt, OPERATION_FRAGMENT};
pub use tt_body::TtMessage;

/// Where a failed call was going: enough to find it in logs and at TT.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallInfo {
    /// The TT service (`ttid`, `ttledger`...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The operation id (`get_fills`...), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The requestId of the last attempt, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl CallInfo {
    pub(crate) fn new(service: &str, operation: &str, request_id: Option<String>) -> Self {
        CallInfo {
            service: Some(service.to_string()),
            operation: Some(operation.to_string()),
            request_id,
        }
    }
}

impl fmt::Display for CallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.service, &self.operation) {
            (Some(s), Some(o)) => write!(f, "{s}.{o}")?,
            (Some(s), None) => write!(f, "{s}")?,
            (None, Some(o)) => write!(f, "{o}")?,
            (None, None) => write!(f, "TT call")?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (requestId {id})")?;
        }
        Ok(())
    }
}

/// Why TT refused to authenticate or authorize a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The token request failed: wrong app key or secret, a key of another
    /// environment, or a disabled key.
    BadCredentials,
    /// A call was answered 401 even with a freshly fetched token.
    Unauthorized,
    /// HTTP 403: the key lacks permission for this service or data, or the URL
    /// is wrong (TT answers 403 to an uppercase service segment).
    Forbidden,
    /// HTTP 403 "Missing Authentication Token": API Gateway's answer to a
    /// path it does not know, before any key is looked at. The root URL or the
    /// environment is wrong, not the credentials.
    WrongPath,
}

/// API Gateway's message for a path it has no resource for.
pub(crate) const MISSING_AUTHENTICATION_TOKEN: &str = "Missing Authentication Token";

/// Whether a 403 is API Gateway's "no such path" rather than a refusal.
pub(crate) fn is_wrong_path(status: StatusCode, tt: &TtMessage) -> bool {
    status == StatusCode::FORBIDDEN
        && tt
            .text()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(MISSING_AUTHENTICATION_TOKEN))
}

/// Everything that can go wrong when talking to TT through ttrest.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// TT could not be reached or the connection broke.
    Transport {
        /// The call.
        call: Box<CallInfo>,
        /// The underlying HTTP error.
        source: reqwest::Error,
    },
    /// TT did not answer within the per-attempt timeout, on every attempt.
    Timeout {
        /// The call.
        call: Box<CallInfo>,
        /// The underlying HTTP error.
        source: reqwest::Error,
    },
    /// TT answered 429 (or the retry budget ran out while it did).
    RateLimited {
        /// The call.
        call: Box<CallInfo>,
        /// How long TT asked to wait, if it said.
        retry_after: Option<Duration>,
        /// TT's message, if any.
        tt: TtMessage,
    },
    /// TT refused the credentials or the token.
    Auth {
        /// The call (`ttid.token` for the token request).
        call: Box<CallInfo>,
        /// What kind of refusal.
        kind: AuthErrorKind,
        /// The HTTP status, if TT answered at all.
        status: Option<StatusCode>,
        /// TT's message, if any.
        tt: TtMessage,
    },
    /// TT answered with an error status or a `Fail` envelope.
    Tt {
        /// The call.
        call: Box<CallInfo>,
        /// The HTTP status.
        status: StatusCode,
        /// TT's message, parsed from whichever error shape it used.
        tt: TtMessage,
    },
    /// TT's answer did not match the expected shape.
    Decode {
        /// The call.
        call: Box<CallInfo>,
        /// JSON path of the failing field (`orders[3].price`), `.` for the root.
        path: String,
        /// What was wrong.
        message: String,
        /// The start of the body, for the report (never holds a token).
        excerpt: String,
    },
    /// A value given to ttrest was unusable.
    InvalidArgument {
        /// The call, when the value was an operation parameter.
        call: Option<Box<CallInfo>>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A paginated stream could not go on (e.g. TT repeated a `nextPageKey`, or
    /// more fills than a page share one timestamp and cannot be split).
    Paging {
        /// The operation being paged.
        operation: &'static str,
        /// What went wrong and what to do (starts with the operation).
        message: String,
    },
    /// Credentials or configuration could not be loaded.
    Config {
        /// What is missing or wrong and how to fix it.
        message: String,
    },
    /// The key's count of the day's requests could not be read or written
    /// (its file under the state directory, or a [`crate::quota::DailyCount`]
    /// store's database). No request is sent uncounted.
    DailyCount {
        /// What failed, naming the file or store.
        message: String,
    },
    /// The key's day of requests is spent: the next attempt would pass the
    /// daily cap minus the reserve, or TT answered 429 "Limit Exceeded".
    /// Nothing on the key works again before `resets_at` (00:00 UTC).
    QuotaExhausted {
        /// The call that was refused, when it was one.
        call: Option<Box<CallInfo>>,
        /// Requests counted on the key this UTC day.
        used: u64,
        /// The key's cap of requests per day (`None` when only TT knows it).
        limit: Option<u64>,
        /// Requests of the day kept back for the trader's own tools.
        reserve: u64,
        /// TT itself refused the call (HTTP 429 "Limit Exceeded").
        by_tt: bool,
        /// When the day's quota comes back: the next 00:00 UTC.
        resets_at: chrono::DateTime<chrono::Utc>,
    },
}

impl Error {
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            call: None,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn daily_count(message: impl Into<String>) -> Self {
        Error::DailyCount {
            message: message.into(),
        }
    }

    /// The call this error belongs to, if it came from one.
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Error::Transport { call, .. }
            | Error::Timeout { call, .. }
            | Error::RateLimited { call, .. }
            | Error::Auth { call, .. }
            | Error::Tt { call, .. }
            | Error::Decode { call, .. } => Some(call.as_ref()),
            Error::InvalidArgument { call, .. } | Error::QuotaExhausted { call, .. } => {
                call.as_deref()
            }
            Error::Paging { .. } | Error::Config { .. } | Error::DailyCount { .. } => None,
        }
    }

    /// The requestId of the last attempt, to quote to TT support.
    pub fn request_id(&self) -> Option<&str> {
        self.call()?.request_id.as_deref()
    }

    /// The HTTP status TT answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Tt { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::QuotaExhausted { by_tt: true, .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Transport { source, .. } | Error::Timeout { source, .. } => source.status(),
            _ => None,
        }
    }

    /// TT's own message, if it sent one.
    pub fn tt_message(&self) -> Option<&TtMessage> {
        match self {
            Error::RateLimited { tt, .. } | Error::Auth { tt, .. } | Error::Tt { tt, .. } => {
                Some(tt)
            }
            _ => None,
        }
    }

    /// How long TT asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether calling again later may succeed (ttrest has already retried).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::Tt { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// What to do about it, in one sentence (shown by the CLI as its hint;
    /// `{:#}` appends it to the message).
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Error::Transport { .. } => "check the network, proxy and root URL, then try again",
            Error::Timeout { .. } => {
                "try again later, narrow the request, or raise SessionBuilder::timeout"
            }
            Error::RateLimited { .. } => {
                "wait and retry, and make the plan (SessionBuilder::plan, --plan) match your key's usage plan"
            }
            Error::Auth { kind, .. } => match kind {
                AuthErrorKind::BadCredentials => {
                    "check TT_APP_KEY/TT_APP_SECRET (or the profile) and that the key was made for this environment"
                }
                AuthErrorKind::Unauthorized => {
                    "the key may have been revoked or belong to another environment"
                }
                AuthErrorKind::Forbidden => {
                    "check that the key may use this service and data and that the environment is right"
                }
                AuthErrorKind::WrongPath => {
                    "check the root URL (TT's, without a service path) and the environment: \
                     API Gateway answers this to a path it does not know, before any key is checked"
                }
            },
            Error::Tt { status, .. } => match status.as_u16() {
                500..=599 => "a TT-side failure; try again later",
                404 => "check the ids in the request and that the environment is right",
                _ => "check the request's parameters against the operation's documentation",
            },
            Error::Decode { .. } => "please report this with the requestId",
            Error::QuotaExhausted { .. } => {
                "the key's daily quota comes back at 00:00 UTC (`ttrest usage` shows the count); raise the cap (SessionBuilder::daily_limit, --daily-limit) only if the key's plan allows more"
            }
            Error::DailyCount { .. } => {
                "the count lives in $XDG_STATE_HOME/ttrest/ (else ~/.local/state/ttrest/): make that directory writable by this user or point XDG_STATE_HOME at one that is; a library can choose another store (ttrest::quota::DailyCount)"
            }
            Error::InvalidArgument { .. } | Error::Paging { .. } | Error::Config { .. } => {
                return None
            }
        })
    }

    /// Builds the error for a non-success HTTP answer.
    pub(crate) fn from_status(
        call: CallInfo,
        status: StatusCode,
        retry_after: Option<Duration>,
        tt: TtMessage,
    ) -> Self {
        let call = Box::new(call);
        match status {
            StatusCode::TOO_MANY_REQUESTS => Error::RateLimited {
                call,
                retry_after,
                tt,
            },
            StatusCode::UNAUTHORIZED => Error::Auth {
                call,
                kind: AuthErrorKind::Unauthorized,
                status: Some(status),
                tt,
            },
            StatusCode::FORBIDDEN => Error::Auth {
                call,
                kind: match is_wrong_path(status, &tt) {
                    true => AuthErrorKind::WrongPath,
                    false => AuthErrorKind::Forbidden,
                },
                status: Some(status),
                tt,
            },
            _ => Error::Tt { call, status, tt },
        }
    }

    /// Builds the error for a failed send.
    pub(crate) fn from_transport(call: CallInfo, source: reqwest::Error) -> Self {
        let call = Box::new(call);
        if source.is_timeout() {
            Error::Timeout { call, source }
        } else {
            Error::Transport { call, source }
        }
    }
}

impl fmt::Display for Error {
    /// What happened; with `{:#}`, followed by `; ` and [`Error::hint`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_what(f)?;
        match self.hint() {
            Some(hint) if f.alternate() => write!(f, "; {hint}"),
            _ => Ok(()),
        }
    }
}

impl Error {
    fn fmt_what(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Transport { call, source } => {
                write!(f, "{call}: could not reach TT: {source}")
            }
            Error::Timeout { call, .. } => {
                write!(f, "{call}: TT did not answer in time on any attempt")
            }
            Error::RateLimited { call, retry_after, tt } => {
                write!(f, "{call}: TT rate limit reached (HTTP 429)")?;
                tt.fmt_suffix(f)?;
                match retry_after {
                    Some(d) => write!(f, "; TT asked to retry after {} s", d.as_secs_f64().ceil()),
                    None => Ok(()),
                }
            }
            Error::Auth { call, kind, status, tt } => {
                write!(f, "{call}: ")?;
                match kind {
                    AuthErrorKind::BadCredentials => write!(f, "TT refused the app key/secret")?,
                    AuthErrorKind::Unauthorized => write!(f, "TT refused the token (HTTP 401)")?,
                    AuthErrorKind::Forbidden => write!(f, "TT denied access (HTTP 403)")?,
                    AuthErrorKind::WrongPath => {
                        write!(f, "no TT resource at this URL (HTTP 403 from API Gateway)")?
                    }
                }
                if let (Some(s), AuthErrorKind::BadCredentials) = (status, kind) {
                    write!(f, " (HTTP {})", s.as_u16())?;
                }
                tt.fmt_suffix(f)
            }
            Error::Tt { call, status, tt } => {
                write!(f, "{call}: TT answered HTTP {}", status.as_u16())?;
                tt.fmt_suffix(f)
            }
            Error::Decode { call, path, message, excerpt } => write!(
                f,
                "{call}: TT's answer does not match the expected shape at `{path}`: {message}; body starts with {excerpt:?}"
            ),
            Error::InvalidArgument { call: Some(call), message } => write!(f, "{call}: {message}"),
            Error::QuotaExhausted { call, used, limit, reserve, by_tt, resets_at } => {
                if let Some(call) = call {
                    write!(f, "{call}: ")?;
                }
                if *by_tt {
                    write!(f, "TT says the key's daily quota is spent (HTTP 429 \"Limit Exceeded\"); {used} requests counted today")?;
                } else {
                    write!(f, "the key's daily quota would be passed: {used} requests counted today")?;
                }
                if let Some(limit) = limit {
                    write!(f, " of {limit}")?;
                    if *reserve > 0 && !*by_tt {
                        write!(f, " ({reserve} kept in reserve)")?;
                    }
                }
                let local = resets_at.with_timezone(&chrono::Local);
                write!(
                    f,
                    "; it resets at {} ({} local time)",
                    resets_at.format("%Y-%m-%d %H:%M UTC"),
                    local.format("%Y-%m-%d %H:%M %Z")
                )
            }
            Error::InvalidArgument { call: None, message }
            | Error::Paging { message, .. }
            | Error::Config { message }
            | Error::DailyCount { message } => f.write_str(message),
        }
    }
}

/// TT statuses worth another attempt.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } | Error::Timeout { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallInfo {
        CallInfo::new("ttledger", "get_fills", Some("app-co--1".into()))
    }

    #[test]
    fn display_names_the_call_and_tt_message() {
        let tt = TtMessage {
            status: Some("Fail".into()),
            status_message: Some("Invalid accountId".into()),
            ..TtMessage::default()
        };
        let e = Error::from_status(call(), StatusCode::BAD_REQUEST, None, tt);
        let text = e.to_string();
        assert!(text.contains("ttledger.get_fills"), "{text}");
        assert!(text.contains("requestId app-co--1"), "{text}");
        assert!(text.contains("Invalid accountId"), "{text}");
        assert_eq!(e.request_id(), Some("app-co--1"));
        assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn status_maps_to_matchable_variants() {
        let m = TtMessage::default;
        assert!(matches!(
            Error::from_status(call(), StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(2)), m()),
            Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2)
        ));
        assert!(matches!(
            Error::from_status(call(), StatusCode::FORBIDDEN, None, m()),
            Error::Auth {
                kind: AuthErrorKind::Forbidden,
                ..
            }
        ));
        assert!(matches!(
            Error::from_status(call(), StatusCode::UNAUTHORIZED, None, m()),
            Error::Auth {
                kind: AuthErrorKind::Unauthorized,
                ..
            }
        ));
        let e = Error::from_status(call(), StatusCode::BAD_GATEWAY, None, m());
        assert!(e.is_transient() && e.hint().unwrap().contains("try again later"));
        assert!(format!("{e:#}").ends_with("; a TT-side failure; try again later"));
        assert!(!e.to_string().contains("try again"));
    }
}
