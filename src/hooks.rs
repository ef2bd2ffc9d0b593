//! The thin adapter between every generated client and the session.
//!
//! progenitor is configured (see `codegen/`) with `HooksMode::Expected` and
//! [`Inner`] as the inner type, so each generated `Client` carries an
//! [`Inner`] and implements [`progenitor_client::ClientHooks`] through
//! [`impl_client_hooks`], whose `exec` hands the request to the session's
//! pipeline (`Session::call`'s) and translates the result back into what
//! progenitor expects:
//!
//! - a success: TT's response, with the requestId header and the call as a
//!   response extension;
//! - a failure status (or a call that could not be sent, such as a refused
//!   token): a response carrying the canonical [`ErrorBody`] of the typed
//!   error, which the generated code decodes into its error value (every
//!   operation's 4xx/5xx responses have that schema, see the normalizer);
//! - TT unreachable: the `reqwest::Error` itself.
//!
//! Generated code decodes every body through [`decode`], so a body that does
//! not match its type fails with the JSON path and the requestId.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use progenitor_client::{OperationInfo, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::{Request, Response, ResponseBuilderExt, StatusCode, Url};
use serde::de::DeserializeOwned;

use crate::error::{excerpt, CallInfo, Error, ErrorBody, OPERATION_FRAGMENT};
use crate::request_id;
use crate::session::Shared;
use crate::transport::CallOptions;

/// State shared by every generated client of one session: the session, the
/// service the client talks to and its per-call options. Get clients from
/// [`crate::Session`]; the type cannot be named or built outside ttrest.
#[derive(Clone)]
pub struct Inner {
    shared: Arc<Shared>,
    service: &'static str,
    options: CallOptions,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("service", &self.service)
            .field("session", &self.shared)
            .finish()
    }
}

impl Inner {
    pub(crate) fn new(shared: Arc<Shared>, service: &'static str) -> Self {
        Inner {
            shared,
            service,
            options: CallOptions::default(),
        }
    }

    /// The same client state for the windows of a time-paged stream (see
    /// the generated `send_window`).
    pub(crate) fn for_time_window(&self) -> Self {
        Inner {
            options: CallOptions { time_window: true },
            ..self.clone()
        }
    }

    /// `exec` of every generated client: sends `request` through the
    /// session's pipeline and answers as described in the module docs.
    pub(crate) async fn execute(
        &self,
        request: Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        let url = request.url().clone();
        let result = self
            .shared
            .call(self.service, info.operation_id, request, self.options)
            .await;
        match result {
            Ok(response) => Ok(response),
            Err(Error::Transport { source, call } | Error::Timeout { source, call }) => {
                Err(tag_operation(source, &call))
            }
            Err(error) => Ok(error_response(&error, url)),
        }
    }
}

/// Marks a transport error with the operation it failed in (the token
/// request's, when that is what could not reach TT).
fn tag_operation(error: reqwest::Error, call: &CallInfo) -> reqwest::Error {
    match (error.url().cloned(), &call.operation) {
        (Some(mut url), Some(operation)) => {
            url.set_fragment(Some(&format!("{OPERATION_FRAGMENT}{operation}")));
            error.with_url(url)
        }
        _ => error,
    }
}

/// A response carrying the canonical body of `error`.
fn error_response(error: &Error, url: Url) -> Response {
    let body = ErrorBody::of(error).unwrap_or_default();
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(id) = error.request_id() {
        request_id::set_on_headers(&mut headers, id);
    }
    let mut builder = http::Response::builder()
        .status(error_status(error))
        .url(url);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    if let Some(call) = error.call() {
        builder = builder.extension(call.clone());
    }
    match builder.body(Bytes::from(json)) {
        Ok(r) => r.into(),
        Err(_) => unreachable!("a valid status and headers"),
    }
}

/// The status of the canonical error response: TT's, else one in the 4xx/5xx
/// range every operation decodes (the body says what really happened).
fn error_status(error: &Error) -> StatusCode {
    match error.status() {
        Some(s) if s.is_client_error() || s.is_server_error() => s,
        _ => match error {
            Error::Auth { .. } => StatusCode::UNAUTHORIZED,
            Error::Decode { .. } => StatusCode::BAD_GATEWAY,
            Error::QuotaExhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        },
    }
}

/// Decodes a response body as `T` (used by all generated code instead of
/// progenitor's decoder).
///
/// A body that does not match `T` fails as `Error::ErrorResponse` with the
/// canonical body of [`Error::Decode`]: the JSON path of the failing field
/// (found by decoding again, so the happy path pays nothing), the start of
/// the body, and the call with its requestId.
pub(crate) async fn decode<T: DeserializeOwned>(
    response: Response,
) -> Result<ResponseValue<T>, progenitor_client::Error<ErrorBody>> {
    let status = response.status();
    let headers = response.headers().clone();
    let call = response.extensions().get::<CallInfo>().cloned();
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match crate::json::from_slice(&body) {
        Ok(inner) => Ok(ResponseValue::new(inner, status, headers)),
        Err(e) => {
            let call = call.unwrap_or_else(|| CallInfo {
                request_id: request_id::request_id_from_headers(&headers).map(str::to_string),
                ..CallInfo::default()
            });
            let error = decode_error::<T>(call, &body, e);
            let body = ErrorBody::of(&error).unwrap_or_default();
            Err(progenitor_client::Error::ErrorResponse(ResponseValue::new(
                body, status, headers,
            )))
        }
    }
}

/// A decode error with the JSON path found by `serde_path_to_error`.
pub(crate) fn decode_error<T: DeserializeOwned>(
    call: CallInfo,
    body: &[u8],
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

/// Implements `ClientHooks<Inner>` for a generated client by delegating to
/// [`Inner`], and `for_time_window` for its time-paged builders.
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl progenitor_client::ClientHooks<$crate::hooks::Inner> for $client {
            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                use progenitor_client::ClientInfo;
                self.inner().execute(request, info).await
            }
        }

        impl $client {
            /// This client with the per-call options of a time-paged stream.
            #[allow(dead_code)]
            pub(crate) fn for_time_window(&self) -> Self {
                use progenitor_client::ClientInfo;
                Self::new_with_client(
                    self.baseurl(),
                    self.client().clone(),
                    self.inner().for_time_window(),
                )
            }
        }
    };
}
pub(crate) use impl_client_hooks;

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
        let body = br#"{"orders":[{"price":1.5},{"price":"abc"}]}"#;
        let err = serde_json::from_slice::<Page>(body).unwrap_err();
        let call = CallInfo::new("ttledger", "get_orders", Some("a-b--1".into()));
        match decode_error::<Page>(call, body, err) {
            Error::Decode { path, excerpt, .. } => {
                assert_eq!(path, "orders[1].price");
                assert!(excerpt.starts_with(r#"{"orders""#), "{excerpt}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_body_that_does_not_match_keeps_path_and_request_id() {
        let call = CallInfo::new("ttledger", "get_orders", Some("a-b--7".into()));
        let mut response: Response = http::Response::builder()
            .status(200)
            .body(r#"{"orders":[{"price":"x"}]}"#)
            .unwrap()
            .into();
        response.extensions_mut().insert(call);
        let err: Error = decode::<Page>(response).await.unwrap_err().into();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "orders[0].price"),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("a-b--7"));
        assert_eq!(err.call().unwrap().operation.as_deref(), Some("get_orders"));
    }
}
