//! The one place where the handwritten layer meets every generated client.
//!
//! progenitor is configured (see `codegen/`) with `HooksMode::Expected` and
//! [`Inner`] as the inner type, so each generated `Client` carries an [`Inner`]
//! and must implement [`progenitor_client::ClientHooks`]; [`impl_client_hooks`]
//! does so once for all services by routing `exec` through [`Inner`], which
//! runs every request through the session pipeline:
//!
//! requestId → token → rate limit → send (following redirects) → retry
//! decision (401 refresh, backoff, `Retry-After`, budget) → response with the
//! requestId header, or a typed error recorded for [`crate::IntoTt`].

use std::fmt;
use std::sync::Arc;

use progenitor_client::OperationInfo;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Request, Response, ResponseBuilderExt};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{record, CallInfo, Error, Pending, TtMessage};
use crate::redirect::API_KEY_HEADER;
use crate::request_id;
use crate::retry::{self, Failure, Verdict};
use crate::session::Shared;

/// State shared by every generated client of one session: the session and
/// the service the client talks to. Get clients from [`crate::Session`].
#[derive(Clone)]
pub struct Inner {
    shared: Arc<Shared>,
    service: &'static str,
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
        Inner { shared, service }
    }

    /// Sends one request of a generated client through the session pipeline.
    ///
    /// Failures TT answered come back as the (last) response, with the typed
    /// error attached for [`crate::IntoTt`] and `From`; failures to reach TT
    /// come back as the last `reqwest::Error`.
    pub async fn execute(
        &self,
        request: Request,
        info: &OperationInfo,
    ) -> reqwest::Result<Response> {
        let spec = CallSpec {
            service: self.service,
            operation: info.operation_id,
            authenticate: true,
            idempotent: retry::is_idempotent(request.method()),
            time_window: request
                .url()
                .query_pairs()
                .any(|(k, _)| k == "minTimestamp"),
        };
        let outcome = send(&self.shared, request, &spec).await;
        finish(&spec, outcome).await
    }
}

/// What the pipeline needs to know about a call.
pub(crate) struct CallSpec<'a> {
    pub(crate) service: &'static str,
    pub(crate) operation: &'a str,
    /// Add the bearer token (everything but the token request).
    pub(crate) authenticate: bool,
    /// Safe to repeat after TT may have seen it.
    pub(crate) idempotent: bool,
    /// A fills-style `minTimestamp` window: a 408/504 means "window too wide",
    /// which repeats on retry; the fills paginator halves the window instead
    /// (as TT's own samples do), so the session does not retry it.
    pub(crate) time_window: bool,
}

/// How a call ended.
pub(crate) enum Outcome {
    /// TT answered (any status).
    Response {
        response: Response,
        request_id: String,
    },
    /// TT could not be reached.
    Transport {
        error: reqwest::Error,
        request_id: String,
    },
    /// The session could not even send (no token).
    Failed(Error),
}

/// Sends `template` with retries; each attempt gets a fresh requestId and
/// token and waits for a rate-limit slot.
pub(crate) async fn send(shared: &Shared, template: Request, spec: &CallSpec<'_>) -> Outcome {
    let mut template = Some(template);
    let (mut attempt, mut reauthenticated) = (0u32, false);
    loop {
        attempt += 1;
        // A streaming body cannot be replayed: then this is the only attempt.
        let (mut request, can_repeat) = match template.as_ref().and_then(Request::try_clone) {
            Some(copy) => (copy, true),
            None => match template.take() {
                Some(original) => (original, false),
                None => unreachable!("a non-replayable request is sent once"),
            },
        };
        let request_id = shared.request_ids.generate();
        request_id::set_on_url(request.url_mut(), &request_id);
        if request.timeout().is_none() {
            *request.timeout_mut() = Some(shared.timeout);
        }
        if let Ok(key) = HeaderValue::from_str(shared.credentials.app_key()) {
            request.headers_mut().insert(API_KEY_HEADER, key);
        }
        let token = if spec.authenticate {
            match shared.tokens.get(shared).await {
                Ok(t) => Some(t),
                Err(e) => return Outcome::Failed(e),
            }
        } else {
            None
        };
        if let Some(value) = token.as_ref().and_then(|t| t.header()) {
            request.headers_mut().insert(AUTHORIZATION, value);
        }

        let span = tracing::debug_span!(
            "ttrest.request",
            service = spec.service,
            operation = spec.operation,
            request_id = %request_id,
            attempt,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = crate::redirect::send(&shared.http, &shared.limiter, request)
            .instrument(span.clone())
            .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let failure = match &result {
            Ok(r) => {
                span.record("status", r.status().as_u16());
                (!r.status().is_success()).then_some(Failure::Status(r.status()))
            }
            Err(e) => Some(classify(e)),
        };
        let Some(failure) = failure else {
            let refund = if attempt > 1 {
                shared.retry.retry_cost
            } else {
                1
            };
            shared.budget.on_success(refund);
            tracing::debug!(parent: &span, "TT answered");
            return outcome(result, request_id);
        };

        // A refused token is replaced once, and the call repeated at once.
        if let (Failure::Status(s), Some(t)) = (failure, &token) {
            if s == reqwest::StatusCode::UNAUTHORIZED && !reauthenticated && can_repeat {
                tracing::debug!(parent: &span, "TT refused the token; refreshing it once");
                shared.tokens.invalidate(t.generation);
                reauthenticated = true;
                attempt -= 1;
                continue;
            }
        }
        let retry_after = result
            .as_ref()
            .ok()
            .and_then(|r| retry::retry_after(r.headers()));
        let window_too_wide = spec.time_window
            && matches!(failure, Failure::Status(s)
                if s == reqwest::StatusCode::REQUEST_TIMEOUT || s == reqwest::StatusCode::GATEWAY_TIMEOUT);
        let verdict = if can_repeat && !window_too_wide {
            retry::decide(
                &shared.retry,
                &shared.budget,
                spec.idempotent,
                attempt,
                failure,
                retry_after,
            )
        } else {
            Verdict::GiveUp
        };
        match verdict {
            Verdict::RetryAfter(wait) => {
                tracing::warn!(parent: &span, ?failure, wait_ms = wait.as_millis() as u64, "retrying TT call");
                drop(result);
                tokio::time::sleep(wait).await;
            }
            Verdict::GiveUp => {
                tracing::debug!(parent: &span, ?failure, "giving up");
                return outcome(result, request_id);
            }
        }
    }
}

/// [`send`] behind a box with a declared `Send` type: the token request is
/// sent from inside [`send`] (via the token cache), and the box breaks that
/// cycle for both the future's size and the compiler's `Send` inference.
pub(crate) fn send_boxed<'a>(
    shared: &'a Shared,
    template: Request,
    spec: &'a CallSpec<'a>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send + 'a>> {
    Box::pin(send(shared, template, spec))
}

fn outcome(result: reqwest::Result<Response>, request_id: String) -> Outcome {
    match result {
        Ok(response) => Outcome::Response {
            response,
            request_id,
        },
        Err(error) => Outcome::Transport { error, request_id },
    }
}

fn classify(e: &reqwest::Error) -> Failure {
    if e.is_connect() {
        Failure::Connect
    } else if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Other
    }
}

/// Turns an outcome into what `exec` must return, recording the typed error.
async fn finish(spec: &CallSpec<'_>, outcome: Outcome) -> reqwest::Result<Response> {
    let call = |id: &str| CallInfo::new(spec.service, spec.operation, Some(id.to_string()));
    match outcome {
        Outcome::Response {
            mut response,
            request_id,
        } if response.status().is_success() => {
            request_id::set_on_headers(response.headers_mut(), &request_id);
            record(call(&request_id), None);
            Ok(response)
        }
        Outcome::Response {
            response,
            request_id,
        } => failed_response(call(&request_id), &request_id, response).await,
        Outcome::Transport { error, request_id } => {
            record(call(&request_id), None);
            Err(error)
        }
        Outcome::Failed(error) => session_failure(error),
    }
}

/// Reads TT's error body, builds the typed error, and hands back an
/// equivalent response (same status, headers, body) carrying it.
async fn failed_response(
    call: CallInfo,
    request_id: &str,
    response: Response,
) -> reqwest::Result<Response> {
    let status = response.status();
    let url = response.url().clone();
    let version = response.version();
    let mut headers = response.headers().clone();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => {
            record(call, None);
            return Err(e);
        }
    };
    let retry_after = retry::retry_after(&headers);
    let error = Error::from_status(call.clone(), status, retry_after, TtMessage::parse(&body));
    let pending = Pending::new(error);
    record(call, Some(pending.clone()));
    request_id::set_on_headers(&mut headers, request_id);
    Ok(rebuild(status, version, url, headers, body, pending))
}

/// A session-level failure (no token): transport errors come back as such,
/// anything else as a synthetic response with TT's status and message.
fn session_failure(error: Error) -> reqwest::Result<Response> {
    let call = error.call().cloned().unwrap_or_default();
    let error = match error {
        Error::Transport { source, call } | Error::Timeout { source, call } => {
            record(*call, None);
            return Err(source);
        }
        other => other,
    };
    let status = error
        .status()
        .filter(|s| !s.is_success())
        .unwrap_or(reqwest::StatusCode::UNAUTHORIZED);
    let tt = error.tt_message().cloned().unwrap_or_default();
    let body = serde_json::json!({
        "status": tt.status,
        "status_message": tt.text().map(str::to_string).unwrap_or_else(|| error.to_string()),
        "status_desc": tt.status_desc,
    })
    .to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(id) = &call.request_id {
        request_id::set_on_headers(&mut headers, id);
    }
    let pending = Pending::new(error);
    record(call, Some(pending.clone()));
    let url = reqwest::Url::parse("http://ttrest.invalid/token").expect("static URL");
    Ok(rebuild(
        status,
        reqwest::Version::HTTP_11,
        url,
        headers,
        body.into(),
        pending,
    ))
}

fn rebuild(
    status: reqwest::StatusCode,
    version: reqwest::Version,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
    pending: Pending,
) -> Response {
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .extension(pending);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    match builder.body(body) {
        Ok(r) => r.into(),
        Err(_) => unreachable!("status, version and headers come from a valid response"),
    }
}

/// Implements `ClientHooks<Inner>` for a generated client by delegating to [`Inner`].
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_client_hooks {
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
    };
}
#[doc(inline)]
pub use crate::__impl_client_hooks as impl_client_hooks;
