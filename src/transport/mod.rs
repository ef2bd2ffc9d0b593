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
#[cfg(test)]
pub(crate) mod scripted;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Request, Response, StatusCode};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::Error;
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
    retry: RetryPolicy,
    budget: RetryBudget,
    request_ids: RequestIdPrefix,
    timeout: Duration,
    api_key: Option<HeaderValue>,
}

impl Transport {
    pub(crate) fn new(
        exchange: Arc<dyn Exchange>,
        limiter: RateLimiter,
        retry: RetryPolicy,
        request_ids: RequestIdPrefix,
        timeout: Duration,
        app_key: &str,
    ) -> Self {
        Transport {
            exchange,
            limiter,
            budget: RetryBudget::new(retry.budget),
            retry,
            request_ids,
            timeout,
            api_key: HeaderValue::from_str(app_key).ok(),
        }
    }

    /// Sends `template` with retries; every attempt gets a fresh requestId
    /// and credential and waits for a rate-limit slot per hop.
    pub(crate) async fn send<A: Authenticate>(
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
            let request = self.prepare(request, &request_id, credential.as_ref());
            let result = self.attempt(request, spec, &request_id, attempt).await;
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

    /// One attempt, redirects included, in its own tracing span.
    async fn attempt(
        &self,
        request: Request,
        spec: &CallSpec<'_>,
        request_id: &str,
        attempt: u32,
    ) -> reqwest::Result<Response> {
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
        let result = redirect::send(self.exchange.as_ref(), &self.limiter, request)
            .instrument(span.clone())
            .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        if let Ok(r) = &result {
            span.record("status", r.status().as_u16());
        }
        result
    }
}

/// A 408/504 of a time window, which the paginator answers by halving it.
fn window_too_wide(options: CallOptions, failure: Failure) -> bool {
    options.time_window
        && matches!(failure, Failure::Status(s)
            if s == StatusCode::REQUEST_TIMEOUT || s == StatusCode::GATEWAY_TIMEOUT)
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
