//! The transport: one call, from a prepared request to TT's last answer.
//!
//! Modelled on aws-smithy's orchestrator: a retry loop around one attempt.
//! Each attempt gets a fresh requestId, the `x-api-key` header, the
//! credential of an [`auth::Authenticate`] implementation, a rate-limit slot
//! per hop and TT's redirects ([`redirect`]); a failed attempt is retried by
//! [`crate::retry`]'s rules (backoff or `Retry-After`, session-wide budget),
//! and a 401 makes the authenticator forget the refused credential once.
//! The transport knows nothing about tokens, services or generated clients.

pub(crate) mod auth;
pub(crate) mod exchange;
pub(crate) mod redirect;
#[cfg(any(test, feature = "test-util"))]
pub(crate) mod scripted;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Request, Response, StatusCode};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{CallInfo, Error};
use crate::intercept::{Attempt, Interceptors};
use crate::metrics::{self as meter, CallLabels, RateLimitKind};
use crate::quota::guard::DayGuard;
use crate::rate_limit::RateLimiter;
use crate::request_id::{self, RequestIdPrefix};
use crate::retry::{self, Failure, RetryBudget, RetryPolicy, Verdict};
use auth::Authenticate;
use exchange::Exchange;
use redirect::API_KEY_HEADER;

/// Per-call departures from the session's retry rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallOptions {
    /// One window of a time-paged stream: a 408/504 means "window too wide",
    /// which a retry repeats; it comes back at once for the paginator to
    /// halve the window (as TT's own samples do).
    pub(crate) time_window: bool,
}

/// What the transport needs to know about a call.
pub(crate) struct CallSpec<'a> {
    /// The TT service, for logs.
    pub(crate) service: &'a str,
    /// The operation, for logs.
    pub(crate) operation: &'a str,
    /// Safe to repeat after TT may have seen it.
    pub(crate) idempotent: bool,
    /// Per-call retry rules.
    pub(crate) options: CallOptions,
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
    /// The call could not even be sent (no credential).
    Failed(Error),
}

/// Everything one session's calls share below authentication.
pub(crate) struct Transport {
    exchange: Arc<dyn Exchange>,
    limiter: RateLimiter,
    day: Arc<DayGuard>,
    retry: RetryPolicy,
    budget: RetryBudget,
    request_ids: RequestIdPrefix,
    timeout: Duration,
    api_key: Option<HeaderValue>,
    interceptors: Interceptors,
}

impl Transport {
    pub(crate) fn new(
        exchange: Arc<dyn Exchange>,
        limiter: RateLimiter,
        day: Arc<DayGuard>,
        retry: RetryPolicy,
        request_ids: RequestIdPrefix,
        timeout: Duration,
        app_key: &str,
    ) -> Self {
        Transport {
            exchange,
            limiter,
            day,
            budget: RetryBudget::new(retry.budget),
            retry,
            request_ids,
            timeout,
            api_key: HeaderValue::from_str(app_key).ok(),
            interceptors: Interceptors::default(),
        }
    }

    /// Runs `interceptors` around every attempt of calls made with credentials.
    pub(crate) fn with_interceptors(mut self, interceptors: Interceptors) -> Self {
        self.interceptors = interceptors;
        self
    }

    /// Sends `template` with retries (see [`Transport::send_attempts`]) in
    /// the call's span, named and filled after OpenTelemetry's HTTP client
    /// conventions, and counts the call by its final status.
    pub(crate) async fn send<A: Authenticate>(
        &self,
        template: Request,
        spec: &CallSpec<'_>,
        auth: &A,
    ) -> Outcome {
        let span = call_span(&template, spec);
        let outcome = self
            .send_attempts(template, spec, auth)
            .instrument(span.clone())
            .await;
        let (status, error_type) = match &outcome {
            Outcome::Response { response, .. } => {
                let code = response.status().as_u16();
                span.record("http.response.status_code", code);
                let error = (code >= 400).then(|| code.to_string());
                (code.to_string(), error)
            }
            Outcome::Transport { error, .. } => {
                let kind = transport_error_kind(error);
                (kind.to_string(), Some(kind.to_string()))
            }
            // The day's count refused it, or TT's 429 said the day is spent.
            Outcome::Failed(e) => match e.status() {
                Some(code) => (code.as_str().to_string(), Some(code.as_str().to_string())),
                None => ("not_sent".to_string(), Some("not_sent".to_string())),
            },
        };
        if let Some(error_type) = error_type {
            span.record("error.type", error_type.as_str());
            span.record("otel.status_code", "ERROR");
        }
        labels(spec).request(&status);
        outcome
    }

    /// Sends `template` with retries; every attempt gets a fresh requestId
    /// and credential and waits for a rate-limit slot per hop.
    async fn send_attempts<A: Authenticate>(
        &self,
        template: Request,
        spec: &CallSpec<'_>,
        auth: &A,
    ) -> Outcome {
        let mut template = Some(template);
        let (mut attempt, mut reauthenticated) = (0u32, false);
        // Whether a retry of this call spent the outage budget.
        let mut spent = false;
        loop {
            attempt += 1;
            // A streaming body cannot be replayed: then this is the only attempt.
            let (request, can_repeat) = match template.as_ref().and_then(Request::try_clone) {
                Some(copy) => (copy, true),
                None => match template.take() {
                    Some(original) => (original, false),
                    None => unreachable!("a non-replayable request is sent once"),
                },
            };
            let credential = match auth.authorize(self).await {
                Ok(c) => c,
                Err(e) => return Outcome::Failed(e),
            };
            let request_id = self.request_ids.generate();
            let info = Attempt {
                service: spec.service,
                operation: spec.operation,
                request_id: &request_id,
                number: attempt,
            };
            let interceptors = auth.intercepted() && !self.interceptors.is_empty();
            let request = match interceptors {
                true => self.intercepted(request, &request_id, &info),
                false => request,
            };
            let request = self.prepare(request, &request_id, credential.as_ref());
            let result = match self.attempt(request, spec, &request_id, attempt).await {
                Ok(result) => result,
                Err(refused) => return Outcome::Failed(with_call(refused, spec, request_id)),
            };
            if interceptors {
                self.interceptors.after(&info, &result);
            }
            // A 429 "Limit Exceeded" is a spent day, not throttling: never
            // retried, and every process on the key stops until 00:00 UTC.
            let result = match result {
                Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS => {
                    match crate::quota::classify_429(r).await {
                        (_, true) => {
                            labels(spec).rate_limited(RateLimitKind::QuotaExhausted);
                            let spent = self.day.mark_spent().await;
                            return Outcome::Failed(with_call(spent, spec, request_id));
                        }
                        (result, false) => {
                            labels(spec).rate_limited(RateLimitKind::Throttled);
                            result
                        }
                    }
                }
                other => other,
            };
            let failure = match &result {
                Ok(r) if r.status().is_success() => None,
                Ok(r) => Some(Failure::Status(r.status())),
                Err(e) => Some(classify(e)),
            };
            let Some(failure) = failure else {
                let refund = if spent { self.retry.retry_cost } else { 1 };
                self.budget.on_success(refund);
                self.limiter.answered();
                return outcome(result, request_id);
            };
            let throttled = failure == Failure::Status(StatusCode::TOO_MANY_REQUESTS);
            if !throttled && matches!(failure, Failure::Status(_)) {
                // TT answered: not a sign to slow down.
                self.limiter.answered();
            }
            // A refused credential is replaced once, and the call repeated at once.
            if let (Failure::Status(StatusCode::UNAUTHORIZED), Some(c)) = (failure, &credential) {
                if !reauthenticated && can_repeat {
                    tracing::debug!(%request_id, "TT refused the token; refreshing it once");
                    labels(spec).retry(meter::retry_reason(failure));
                    auth.refused(c.generation);
                    reauthenticated = true;
                    attempt -= 1;
                    continue;
                }
            }
            let retry_after = result
                .as_ref()
                .ok()
                .and_then(|r| retry::retry_after(r.headers()));
            let verdict = if can_repeat && !window_too_wide(spec.options, failure) {
                retry::decide(
                    &self.retry,
                    &self.budget,
                    spec.idempotent,
                    attempt,
                    failure,
                    retry_after,
                )
            } else {
                Verdict::GiveUp
            };
            if throttled {
                // The whole session slows down, whether or not this call retries.
                let wait = retry_after.unwrap_or_else(|| self.retry.backoff(attempt));
                self.limiter.throttled(wait.min(self.retry.max_retry_after));
            }
            match verdict {
                Verdict::RetryAfter(wait) => {
                    spent |= !throttled;
                    tracing::warn!(%request_id, ?failure, wait_ms = wait.as_millis() as u64, "retrying TT call");
                    labels(spec).retry(meter::retry_reason(failure));
                    drop(result);
                    tokio::time::sleep(wait).await;
                }
                Verdict::GiveUp => {
                    tracing::debug!(%request_id, ?failure, "giving up");
                    return outcome(result, request_id);
                }
            }
        }
    }

    /// Runs the interceptors on an attempt's request, then takes back what
    /// is the session's: the origin and the requestId.
    fn intercepted(&self, mut request: Request, request_id: &str, info: &Attempt<'_>) -> Request {
        let origin = request.url().clone();
        request_id::set_on_url(request.url_mut(), request_id);
        self.interceptors.before(&mut request, info);
        if !redirect::same_origin(&origin, request.url()) {
            tracing::warn!(
                operation = info.operation,
                "an interceptor moved the request to another origin; sending it to TT's"
            );
            *request.url_mut() = origin;
        }
        request
    }

    /// The request of one attempt: requestId, timeout, app key, credential.
    fn prepare(
        &self,
        mut request: Request,
        request_id: &str,
        credential: Option<&auth::Authorization>,
    ) -> Request {
        request_id::set_on_url(request.url_mut(), request_id);
        if request.timeout().is_none() {
            *request.timeout_mut() = Some(self.timeout);
        }
        if let Some(key) = &self.api_key {
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        if let Some(c) = credential {
            request
                .headers_mut()
                .insert(AUTHORIZATION, c.header.clone());
        }
        request
    }

    /// One attempt, redirects included, in its own tracing span (inside the
    /// call's); counts it, its latency and a 429's kind.
    async fn attempt(
        &self,
        request: Request,
        spec: &CallSpec<'_>,
        request_id: &str,
        attempt: u32,
    ) -> Result<reqwest::Result<Response>, Error> {
        let call = tracing::Span::current();
        call.record("tt.request_id", request_id);
        if attempt > 1 {
            call.record("http.request.resend_count", attempt - 1);
        }
        let span = tracing::debug_span!(
            "ttrest.attempt",
            "tt.request_id" = %request_id,
            "http.request.resend_count" = attempt - 1,
            "http.response.status_code" = tracing::field::Empty,
            "error.type" = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut paced = Duration::ZERO;
        let result = redirect::send(
            self.exchange.as_ref(),
            &self.limiter,
            &self.day,
            request,
            &mut paced,
        )
        .instrument(span.clone())
        .await?;
        let latency = started.elapsed().saturating_sub(paced);
        span.record("latency_ms", latency.as_millis() as u64);
        labels(spec).attempt(latency);
        match &result {
            Ok(r) => {
                span.record("http.response.status_code", r.status().as_u16());
                if r.status().as_u16() >= 400 {
                    span.record("error.type", r.status().as_str());
                }
            }
            Err(e) => {
                span.record("error.type", transport_error_kind(e));
            }
        }
        Ok(result)
    }

    /// The guard over the key's day of requests.
    pub(crate) fn day(&self) -> &DayGuard {
        &self.day
    }
}

/// The metric labels of a call.
fn labels<'a>(spec: &CallSpec<'a>) -> CallLabels<'a> {
    CallLabels {
        service: spec.service,
        operation: spec.operation,
    }
}

/// The span of one call, after OpenTelemetry's HTTP client conventions; the
/// status, requestId, resend count and error type are recorded as they come.
fn call_span(request: &Request, spec: &CallSpec<'_>) -> tracing::Span {
    let url = request.url();
    tracing::info_span!(
        "ttrest.call",
        "otel.name" = %format_args!("{} {}.{}", request.method(), spec.service, spec.operation),
        "otel.kind" = "client",
        "otel.status_code" = tracing::field::Empty,
        "http.request.method" = %request.method(),
        "url.full" = %full_url(url),
        "server.address" = url.host_str().unwrap_or_default(),
        "server.port" = url.port_or_known_default().unwrap_or_default(),
        "http.response.status_code" = tracing::field::Empty,
        "http.request.resend_count" = tracing::field::Empty,
        "error.type" = tracing::field::Empty,
        "tt.request_id" = tracing::field::Empty,
        "tt.service" = spec.service,
        "tt.operation" = spec.operation,
    )
}

/// The URL for `url.full`: no user, password or fragment. TT's URLs carry no
/// secret in the query (the app key and token travel in headers, the secret
/// in the token request's body).
fn full_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    url.into()
}

/// The `error.type` (and `status` label) of an attempt TT did not answer.
fn transport_error_kind(e: &reqwest::Error) -> &'static str {
    match classify(e) {
        Failure::Connect => "connect_error",
        Failure::Timeout => "timeout",
        _ => "transport_error",
    }
}

/// A 408/504 of a time window, which the paginator answers by halving it.
fn window_too_wide(options: CallOptions, failure: Failure) -> bool {
    options.time_window
        && matches!(failure, Failure::Status(s)
            if s == StatusCode::REQUEST_TIMEOUT || s == StatusCode::GATEWAY_TIMEOUT)
}

/// `error` (a refusal of the day's count) with the call it refused.
fn with_call(mut error: Error, spec: &CallSpec<'_>, request_id: String) -> Error {
    if let Error::QuotaExhausted { call, .. } = &mut error {
        *call = Some(Box::new(CallInfo::new(
            spec.service,
            spec.operation,
            Some(request_id),
        )));
    }
    error
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

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
