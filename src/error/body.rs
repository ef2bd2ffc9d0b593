//! [`ErrorBody`]: the error value of every generated operation.
//!
//! TT documents its error statuses without content, so the normalizer gives
//! every 4xx/5xx response of every operation this one schema (via
//! `x-rust-type`), and the session's hook answers every failed call with the
//! canonical JSON of the typed [`Error`]: TT's own fields (`status`,
//! `status_message`, `status_desc`, `message`) plus a `ttrest` object with the
//! call (service, operation, requestId) and what kind of failure it was. The
//! generated code decodes that body into its `Error::ErrorResponse`, so the
//! error travels inside the value the caller holds, and `From` rebuilds the
//! same [`Error`] whether one call fails or a thousand fail at once.

use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use super::{AuthErrorKind, CallInfo, Error, TtMessage};

/// A failed call, as the generated code of every operation decodes it.
///
/// Get the full [`Error`] with `?` or `Error::from` on the generated
/// `progenitor_client::Error<ErrorBody>`; [`ErrorBody::tt`] is TT's message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(flatten)]
    tt: TtMessage,
    #[serde(default, rename = "ttrest", skip_serializing_if = "Option::is_none")]
    detail: Option<Detail>,
}

/// What ttrest knows about the failure beyond TT's message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Detail {
    #[serde(default)]
    call: CallInfo,
    #[serde(flatten)]
    kind: Kind,
}

/// The variant of [`Error`] the body stands for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Kind {
    /// An HTTP status TT answered (429, 401, 403 and the rest).
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// The token request was refused.
    BadCredentials {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// An answer that did not match its type.
    Decode {
        path: String,
        message: String,
        excerpt: String,
    },
    /// A value given to ttrest was unusable.
    InvalidArgument { message: String },
    /// Configuration could not be used.
    Config { message: String },
    /// The day's request count could not be read or written.
    DailyCount { message: String },
    /// The key's day of requests is spent.
    QuotaExhausted {
        used: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u64>,
        #[serde(default)]
        reserve: u64,
        #[serde(default)]
        by_tt: bool,
        resets_at: chrono::DateTime<chrono::Utc>,
    },
}

impl ErrorBody {
    /// TT's message, as TT sent it.
    pub fn tt(&self) -> &TtMessage {
        &self.tt
    }

    /// The requestId of the failed attempt, if the body came from ttrest.
    pub fn request_id(&self) -> Option<&str> {
        self.detail.as_ref()?.call.request_id.as_deref()
    }

    /// The canonical body of `error`, or `None` for failures to reach TT,
    /// which travel as the `reqwest::Error` they are.
    pub(crate) fn of(error: &Error) -> Option<ErrorBody> {
        let message = |m: &str| Kind::InvalidArgument { message: m.into() };
        let (tt, kind) = match error {
            Error::Transport { .. } | Error::Timeout { .. } | Error::Paging { .. } => return None,
            Error::RateLimited {
                retry_after, tt, ..
            } => (
                tt.clone(),
                Kind::Status {
                    status: 429,
                    retry_after_ms: retry_after.map(|d| d.as_millis() as u64),
                },
            ),
            Error::Auth {
                kind: AuthErrorKind::BadCredentials,
                status,
                tt,
                ..
            } => (
                tt.clone(),
                Kind::BadCredentials {
                    status: status.map(|s| s.as_u16()),
                },
            ),
            Error::Auth { status, tt, .. } => (
                tt.clone(),
                Kind::Status {
                    status: status.map_or(401, |s| s.as_u16()),
                    retry_after_ms: None,
                },
            ),
            Error::Tt { status, tt, .. } => (
                tt.clone(),
                Kind::Status {
                    status: status.as_u16(),
                    retry_after_ms: None,
                },
            ),
            Error::Decode {
                path,
                message,
                excerpt,
                ..
            } => (
                TtMessage::default(),
                Kind::Decode {
                    path: path.clone(),
                    message: message.clone(),
                    excerpt: excerpt.clone(),
                },
            ),
            Error::InvalidArgument { message: m, .. } => (TtMessage::default(), message(m)),
            Error::Config { message } => (
                TtMessage::default(),
                Kind::Config {
                    message: message.clone(),
                },
            ),
            Error::DailyCount { message } => (
                TtMessage::default(),
                Kind::DailyCount {
                    message: message.clone(),
                },
            ),
            Error::QuotaExhausted {
                used,
                limit,
                reserve,
                by_tt,
                resets_at,
                ..
            } => (
                TtMessage::default(),
                Kind::QuotaExhausted {
                    used: *used,
                    limit: *limit,
                    reserve: *reserve,
                    by_tt: *by_tt,
                    resets_at: *resets_at,
                },
            ),
        };
        Some(ErrorBody {
            tt,
            detail: Some(Detail {
                call: error.call().cloned().unwrap_or_default(),
                kind,
            }),
        })
    }

    /// The [`Error`] this body stands for. A body that did not come from
    /// ttrest (no `ttrest` object) is read as TT's answer with `status`,
    /// `fallback` naming the call.
    pub(crate) fn into_error(self, status: StatusCode, fallback: CallInfo) -> Error {
        let Some(Detail { call, kind }) = self.detail else {
            return Error::from_status(fallback, status, None, self.tt);
        };
        let tt = self.tt;
        match kind {
            Kind::Status {
                status,
                retry_after_ms,
            } => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let retry_after = retry_after_ms.map(Duration::from_millis);
                Error::from_status(call, status, retry_after, tt)
            }
            Kind::BadCredentials { status } => Error::Auth {
                call: Box::new(call),
                kind: AuthErrorKind::BadCredentials,
                status: status.and_then(|s| StatusCode::from_u16(s).ok()),
                tt,
            },
            Kind::Decode {
                path,
                message,
                excerpt,
            } => Error::Decode {
                call: Box::new(call),
                path,
                message,
                excerpt,
            },
            Kind::InvalidArgument { message } => Error::InvalidArgument {
                call: Some(Box::new(call)),
                message,
            },
            Kind::Config { message } => Error::Config { message },
            Kind::DailyCount { message } => Error::DailyCount { message },
            Kind::QuotaExhausted {
                used,
                limit,
                reserve,
                by_tt,
                resets_at,
            } => Error::QuotaExhausted {
                call: Some(Box::new(call)),
                used,
                limit,
                reserve,
                by_tt,
                resets_at,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallInfo {
        CallInfo::new("ttledger", "get_orders", Some("a-b--1".into()))
    }

    fn round_trip(error: Error) -> Error {
        let status = error.status().unwrap_or(StatusCode::BAD_REQUEST);
        let body = ErrorBody::of(&error).expect("has a body");
        let json = serde_json::to_vec(&body).unwrap();
        let back: ErrorBody = serde_json::from_slice(&json).unwrap();
        assert_eq!(back, body);
        back.into_error(status, CallInfo::default())
    }

    #[test]
    fn every_http_error_survives_its_canonical_body() {
        let tt = TtMessage {
            status: Some("Fail".into()),
            status_message: Some("Invalid accountId".into()),
            ..TtMessage::default()
        };
        let cases = [
            Error::from_status(call(), StatusCode::BAD_REQUEST, None, tt.clone()),
            Error::from_status(
                call(),
                StatusCode::TOO_MANY_REQUESTS,
                Some(Duration::from_secs(3)),
                tt.clone(),
            ),
            Error::from_status(call(), StatusCode::FORBIDDEN, None, tt.clone()),
            Error::from_status(call(), StatusCode::UNAUTHORIZED, None, tt.clone()),
            Error::Auth {
                call: Box::new(call()),
                kind: AuthErrorKind::BadCredentials,
                status: Some(StatusCode::BAD_REQUEST),
                tt: tt.clone(),
            },
            Error::Decode {
                call: Box::new(call()),
                path: "orders[1].price".into(),
                message: "invalid type".into(),
                excerpt: "{".into(),
            },
        ];
        for error in cases {
            let text = error.to_string();
            let back = round_trip(error);
            assert_eq!(back.to_string(), text);
            assert_eq!(back.request_id(), Some("a-b--1"));
        }
    }

    #[test]
    fn a_foreign_body_is_read_as_tt_answer() {
        let body: ErrorBody = serde_json::from_str(r#"{"message":"Forbidden"}"#).unwrap();
        assert_eq!(body.tt().text(), Some("Forbidden"));
        let e = body.into_error(StatusCode::FORBIDDEN, call());
        assert!(matches!(
            e,
            Error::Auth {
                kind: AuthErrorKind::Forbidden,
                ..
            }
        ));
        assert_eq!(e.request_id(), Some("a-b--1"));
    }
}
