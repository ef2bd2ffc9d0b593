//! From the generated clients' `progenitor_client::Error<ErrorBody>` to [`Error`].
//!
//! Everything the conversion needs travels in the value: a failed call's
//! error response holds the canonical [`ErrorBody`] (see [`super::body`]),
//! a failure to reach TT holds the request URL with its requestId. Plain `?`
//! (via `From`) and [`IntoTt::into_tt`] give the same [`Error`], however many
//! calls fail at once.

use std::future::Future;

use progenitor_client::ResponseValue;

use super::{CallInfo, Error, ErrorBody, TtMessage};
use crate::request_id::{request_id_from_headers, request_id_from_url};

/// Converts the result of a generated `send()` into ttrest's [`Error`].
///
/// The same as `?`; handy where a `Result<_, ttrest::Error>` is wanted
/// without a function boundary.
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

impl<F, T> IntoTt<T> for F
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>>> + Send,
    T: Send,
{
    async fn into_tt(self) -> Result<ResponseValue<T>, Error> {
        self.await.map_err(Error::from)
    }
}

impl From<progenitor_client::Error<ErrorBody>> for Error {
    fn from(e: progenitor_client::Error<ErrorBody>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let fallback = call_from_headers(rv.headers());
                rv.into_inner().into_error(status, fallback)
            }
            P::InvalidRequest(message) | P::Custom(message) => Error::InvalidArgument {
                call: None,
                message: format!(
                    "invalid request: {message}; set every required parameter on the request builder"
                ),
            },
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                transport_error(e)
            }
            P::UnexpectedResponse(response) => {
                let call = response
                    .extensions()
                    .get::<CallInfo>()
                    .cloned()
                    .unwrap_or_else(|| call_from_headers(response.headers()));
                let tt = TtMessage {
                    status_message: Some(format!(
                        "unexpected HTTP {} for this operation",
                        response.status().as_u16()
                    )),
                    ..TtMessage::default()
                };
                Error::from_status(call, response.status(), None, tt)
            }
            P::InvalidResponsePayload(body, e) => Error::Decode {
                call: Box::default(),
                path: format!("line {} column {}", e.line(), e.column()),
                message: e.to_string(),
                excerpt: excerpt(&body),
            },
        }
    }
}

/// The URL fragment that carries the operation of a transport error (its
/// URL already carries the requestId); `From` reads and removes it.
pub(crate) const OPERATION_FRAGMENT: &str = "ttrest-operation=";

/// A transport error with the call read from its URL: the requestId from
/// the query, the service from the path, the operation from the fragment
/// the hook added (which is removed again).
fn transport_error(e: reqwest::Error) -> Error {
    let Some(mut url) = e.url().cloned() else {
        return Error::from_transport(CallInfo::default(), e);
    };
    let operation = url
        .fragment()
        .and_then(|f| f.strip_prefix(OPERATION_FRAGMENT))
        .map(str::to_string);
    url.set_fragment(None);
    let call = CallInfo {
        service: service_of(&url),
        operation,
        request_id: request_id_from_url(&url),
    };
    Error::from_transport(call, e.with_url(url))
}

fn call_from_headers(headers: &reqwest::header::HeaderMap) -> CallInfo {
    CallInfo {
        request_id: request_id_from_headers(headers).map(str::to_string),
        ..CallInfo::default()
    }
}

/// The service of a TT URL, `<root>/<service>/<environment>/...`.
fn service_of(url: &reqwest::Url) -> Option<String> {
    url.path_segments()?
        .find(|s| s.starts_with("tt"))
        .map(str::to_string)
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

    #[test]
    fn excerpt_is_short_and_never_shows_a_token() {
        assert!(excerpt(br#"{"access_token":"abc"}"#).contains("withheld"));
        let long = "x".repeat(1000);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), EXCERPT + 1);
    }

    #[test]
    fn the_service_comes_from_the_url() {
        let url = reqwest::Url::parse("https://h/ttledger/ext_uat_cert/fills?requestId=x").unwrap();
        assert_eq!(service_of(&url).as_deref(), Some("ttledger"));
    }
}
