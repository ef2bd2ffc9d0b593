//! From progenitor's `Error<E>` to [`Error`].
//!
//! progenitor's hooks can only hand back a `reqwest::Response` or a
//! `reqwest::Error`, and its error type drops the body of documented error
//! statuses. So the session's `exec` hook records what it learned (the call,
//! the requestId, a typed error for a failed outcome) in two places:
//!
//! - a task-local scope opened by [`IntoTt::into_tt`], which sees everything;
//! - the extensions of the error response it returns, which `From` can read
//!   when the response survives (`UnexpectedResponse`).
//!
//! Plain `?` via `From` still gives a matchable error with the status and the
//! requestId; `.into_tt()` adds service, operation, TT's message and the JSON
//! path of a decode failure.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;

use super::{CallInfo, Error, TtMessage};
use crate::request_id::{request_id_from_headers, request_id_from_url};

/// A typed error waiting to be picked up by whichever conversion comes first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pending(Arc<Mutex<Option<Error>>>);

impl Pending {
    /// Wraps `error` and registers it under its requestId, so `From` can find
    /// it even when progenitor keeps only the status and headers.
    pub(crate) fn new(error: Error) -> Self {
        let pending = Pending(Arc::new(Mutex::new(None)));
        if let Some(id) = error.request_id() {
            let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
            if registry.len() == REGISTRY_CAP {
                registry.pop_front();
            }
            registry.push_back((id.to_string(), pending.clone()));
        }
        *pending.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
        pending
    }

    /// The error registered under `request_id`, if not taken yet.
    fn claim(request_id: &str) -> Option<Error> {
        let mut registry = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        let at = registry.iter().position(|(id, _)| id == request_id)?;
        registry.remove(at)?.1.take()
    }

    fn take(&self) -> Option<Error> {
        self.0.lock().map(|mut e| e.take()).unwrap_or(None)
    }
}

/// Errors awaiting conversion, by requestId. Bounded: an error nobody
/// converts is forgotten after [`REGISTRY_CAP`] newer ones.
static REGISTRY: Mutex<VecDeque<(String, Pending)>> = Mutex::new(VecDeque::new());
const REGISTRY_CAP: usize = 256;

/// What the last `exec` of the current call learned.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    call: CallInfo,
    pending: Option<Pending>,
}

tokio::task_local! {
    static CALL: RefCell<Option<Recorded>>;
}

/// Records the outcome of one `exec`, if a conversion scope is listening.
pub(crate) fn record(call: CallInfo, pending: Option<Pending>) {
    let _ = CALL.try_with(|slot| *slot.borrow_mut() = Some(Recorded { call, pending }));
}

/// Converts the result of a generated `send()` into ttrest's [`Error`] with the
/// full context (service, operation, requestId, TT's message, JSON path).
///
/// ```no_run
/// # async fn f(session: ttrest::Session) -> Result<(), ttrest::Error> {
/// use ttrest::IntoTt;
/// let health = session.ttid().get_healthcheckstatus().send().into_tt().await?;
/// println!("{:?} (requestId {:?})", health.system_status, ttrest::request_id(&health));
/// # Ok(()) }
/// ```
pub trait IntoTt<T>: Sized {
    /// Runs the call and converts its error.
    fn into_tt(self) -> impl Future<Output = Result<ResponseValue<T>, Error>> + Send;
}

impl<F, T, E> IntoTt<T> for F
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>> + Send,
    T: DeserializeOwned + Send,
    E: Send,
{
    async fn into_tt(self) -> Result<ResponseValue<T>, Error> {
        let scoped = async {
            let result = self.await;
            let recorded = CALL.with(|slot| slot.borrow_mut().take());
            (result, recorded)
        };
        let (result, recorded) = CALL.scope(RefCell::new(None), scoped).await;
        result.map_err(|e| convert(e, recorded, decode_error::<T>))
    }
}

impl<E> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        convert(e, None, |call, body, err| Error::Decode {
            call: Box::new(call),
            path: format!("line {} column {}", err.line(), err.column()),
            message: err.to_string(),
            excerpt: excerpt(body),
        })
    }
}

type DecodeFn = fn(CallInfo, &Bytes, serde_json::Error) -> Error;

fn convert<E>(
    err: progenitor_client::Error<E>,
    recorded: Option<Recorded>,
    decode: DecodeFn,
) -> Error {
    use progenitor_client::Error as P;
    let (call, pending) = match recorded {
        Some(r) => (Some(r.call), r.pending),
        None => (None, None),
    };
    if let Some(typed) = pending.as_ref().and_then(Pending::take) {
        return typed;
    }
    let or_default = |call: Option<CallInfo>, id: Option<String>| {
        let mut call = call.unwrap_or_default();
        if call.request_id.is_none() {
            call.request_id = id;
        }
        call
    };
    match err {
        P::InvalidRequest(message) | P::Custom(message) => Error::InvalidArgument {
            call: call.map(Box::new),
            message: format!(
                "invalid request: {message}; set every required parameter on the request builder"
            ),
        },
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
            let id = e.url().and_then(request_id_from_url);
            Error::from_transport(or_default(call, id), e)
        }
        P::ErrorResponse(rv) => {
            let id = request_id_from_headers(rv.headers()).map(str::to_string);
            if let Some(typed) = id.as_deref().and_then(Pending::claim) {
                return typed;
            }
            let retry_after = crate::retry::retry_after(rv.headers());
            Error::from_status(
                or_default(call, id),
                rv.status(),
                retry_after,
                TtMessage::default(),
            )
        }
        P::UnexpectedResponse(response) => {
            if let Some(typed) = response
                .extensions()
                .get::<Pending>()
                .and_then(Pending::take)
            {
                return typed;
            }
            let id = request_id_from_headers(response.headers()).map(str::to_string);
            if let Some(typed) = id.as_deref().and_then(Pending::claim) {
                return typed;
            }
            let retry_after = crate::retry::retry_after(response.headers());
            let tt = TtMessage {
                status_message: Some(format!(
                    "unexpected HTTP {} for this operation",
                    response.status().as_u16()
                )),
                ..TtMessage::default()
            };
            Error::from_status(or_default(call, id), response.status(), retry_after, tt)
        }
        P::InvalidResponsePayload(body, e) => decode(call.unwrap_or_default(), &body, e),
    }
}

/// A decode error with the JSON path found by decoding again with
/// `serde_path_to_error` (only on failure, so the happy path pays nothing).
fn decode_error<T: DeserializeOwned>(
    call: CallInfo,
    body: &Bytes,
    err: serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        Ok(_) => (".".to_string(), err.to_string()),
    };
    Error::Decode {
        call: Box::new(call),
        path,
        message,
        excerpt: excerpt(body),
    }
}

/// Longest body excerpt kept in a decode error.
const EXCERPT: usize = 200;

/// The start of a body for an error report, withheld if it may hold a token.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    if lower.contains("access_token") || lower.contains("bearer") {
        return "<withheld: the body may hold a token>".to_string();
    }
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(EXCERPT) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        orders: Vec<Order>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        price: f64,
    }

    #[test]
    fn decode_error_names_the_json_path() {
        let body = Bytes::from_static(br#"{"orders":[{"price":1.5},{"price":"abc"}]}"#);
        let err = serde_json::from_slice::<Page>(&body).unwrap_err();
        let call = CallInfo::new("ttledger", "get_orders", Some("a-b--1".into()));
        match decode_error::<Page>(call, &body, err) {
            Error::Decode { path, excerpt, .. } => {
                assert_eq!(path, "orders[1].price");
                assert!(excerpt.starts_with(r#"{"orders""#), "{excerpt}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn excerpt_is_short_and_never_shows_a_token() {
        assert!(excerpt(br#"{"access_token":"abc"}"#).contains("withheld"));
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT + 1);
    }

    #[test]
    fn pending_error_is_taken_once() {
        let p = Pending::new(Error::invalid_argument("x"));
        let q = p.clone();
        assert!(p.take().is_some());
        assert!(q.take().is_none());
    }
}
