//! Interceptors: your code around every attempt of every call.
//!
//! An [`Intercept`] registered with [`crate::SessionBuilder::interceptor`]
//! runs in the one pipeline that typed and raw calls share, as aws-smithy's
//! `Intercept` does: [`Intercept::modify_before_attempt`] may read and change
//! the request before each attempt (a retry is a new attempt), and
//! [`Intercept::read_after_attempt`] sees TT's answer, or the transport error,
//! after it. Use them to add headers (a W3C `traceparent`, a proxy's
//! routing header), to log, or to count.
//!
//! The session's own duties stay built in and come after the interceptors:
//! every attempt's `requestId` is set again on the URL, the `x-api-key` and
//! `Authorization` headers are set last (interceptors never see the
//! credentials), a request moved to another origin is moved back, and pacing,
//! retries and the day's count are unaffected. The token request, whose body
//! holds the app secret, is not shown to interceptors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response, Url};

/// Code run around every attempt of a session's calls.
///
/// Both methods have empty defaults; implement what you need. They run on
/// the caller's task and should return quickly (no blocking I/O).
///
/// ```
/// use ttrest::intercept::{Attempt, AttemptRequest, Intercept};
///
/// struct Tenant;
///
/// impl Intercept for Tenant {
///     fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>, _: &Attempt<'_>) {
///         request
///             .headers_mut()
///             .insert("x-tenant", reqwest::header::HeaderValue::from_static("desk-7"));
///     }
/// }
///
/// let builder = ttrest::Session::builder().interceptor(Tenant);
/// ```
pub trait Intercept: Send + Sync + 'static {
    /// Reads or changes the request before an attempt is sent.
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>, attempt: &Attempt<'_>) {
        let _ = (request, attempt);
    }

    /// Sees how an attempt ended: TT's answer (any status; the body is left
    /// for the caller) or the error that kept it from arriving.
    fn read_after_attempt(&self, attempt: &Attempt<'_>, outcome: AttemptOutcome<'_>) {
        let _ = (attempt, outcome);
    }
}

/// Which attempt of which call.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The TT service (`ttledger`...).
    pub service: &'a str,
    /// The operation (`get_fills`...).
    pub operation: &'a str,
    /// This attempt's requestId (every attempt has its own).
    pub request_id: &'a str,
    /// 1 for the first attempt, 2 for the first retry...
    pub number: u32,
}

/// The request of one attempt, as an interceptor may change it.
pub struct AttemptRequest<'a> {
    request: &'a mut Request,
}

impl AttemptRequest<'_> {
    /// The method.
    pub fn method(&self) -> &Method {
        self.request.method()
    }

    /// The URL (with this attempt's `requestId`).
    pub fn url(&self) -> &Url {
        self.request.url()
    }

    /// The URL, to change: query parameters may be added; the `requestId` is
    /// set again afterwards, and a change of origin is undone.
    pub fn url_mut(&mut self) -> &mut Url {
        self.request.url_mut()
    }

    /// The headers (without `x-api-key` and `Authorization`, set afterwards).
    pub fn headers(&self) -> &HeaderMap {
        self.request.headers()
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.request.headers_mut()
    }

    /// This attempt's timeout, to change (redirects included).
    pub fn timeout_mut(&mut self) -> &mut Option<Duration> {
        self.request.timeout_mut()
    }
}

impl fmt::Debug for AttemptRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptRequest")
            .field("method", self.method())
            .field("url", &self.url().as_str())
            .finish_non_exhaustive()
    }
}

/// How an attempt ended.
#[derive(Clone, Copy, Debug)]
pub enum AttemptOutcome<'a> {
    /// TT answered (any status, after redirects).
    Response(&'a Response),
    /// No answer: connection refused, time-out...
    Error(&'a reqwest::Error),
}

/// The interceptors of one session, in registration order.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Vec<Arc<dyn Intercept>>);

impl Interceptors {
    pub(crate) fn push(&mut self, interceptor: Arc<dyn Intercept>) {
        self.0.push(interceptor);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs every interceptor's `modify_before_attempt`, in order.
    pub(crate) fn before(&self, request: &mut Request, attempt: &Attempt<'_>) {
        let mut wrapped = AttemptRequest { request };
        for i in &self.0 {
            i.modify_before_attempt(&mut wrapped, attempt);
        }
    }

    /// Runs every interceptor's `read_after_attempt`, in order.
    pub(crate) fn after(&self, attempt: &Attempt<'_>, result: &reqwest::Result<Response>) {
        for i in &self.0 {
            let outcome = match result {
                Ok(r) => AttemptOutcome::Response(r),
                Err(e) => AttemptOutcome::Error(e),
            };
            i.read_after_attempt(attempt, outcome);
        }
    }
}

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    use reqwest::header::HeaderValue;

    use super::*;
    use crate::transport::scripted::{Reply, Scripted};
    use crate::{Credentials, Plan, RetryPolicy, Session};

    /// Adds `x-attempt: <n>` and records every attempt it sees.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(u32, String, Option<u16>)>>);

    impl Intercept for Arc<Recorder> {
        fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>, attempt: &Attempt<'_>) {
            let n = HeaderValue::from_str(&attempt.number.to_string()).unwrap();
            request.headers_mut().insert("x-attempt", n);
        }

        fn read_after_attempt(&self, attempt: &Attempt<'_>, outcome: AttemptOutcome<'_>) {
            let status = match outcome {
                AttemptOutcome::Response(r) => Some(r.status().as_u16()),
                AttemptOutcome::Error(_) => None,
            };
            let seen = (attempt.number, attempt.request_id.to_string(), status);
            self.0.lock().unwrap().push(seen);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_attempt_of_a_retried_call_runs_the_interceptors_but_the_token_request_does_not()
    {
        let calls = AtomicUsize::new(0);
        let script = Scripted::new(move |seen| match seen.is_token() {
            true => Reply::token("tok-1", 3600),
            false => match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Reply::json(503, r#"{"message":"Service Unavailable"}"#),
                _ => Reply::json(200, r#"{"status":"Ok"}"#),
            },
        });
        let recorder = Arc::new(Recorder::default());
        let session = Session::builder()
            .root_url("http://tt.test")
            .credentials(Credentials::new("key-1", "S3CRET-intercept").unwrap())
            .plan(Plan::Unlimited)
            .retry_policy(RetryPolicy::default())
            .interceptor(recorder.clone())
            .exchange(script.clone())
            .build()
            .unwrap();
        let url = format!("{}/healthcheckstatus", session.base_url("ttid"));
        let request = Request::new(Method::GET, url.parse().unwrap());
        session
            .call_named("ttid", "get_healthcheckstatus", request)
            .await
            .unwrap();

        let seen = script.seen();
        assert!(seen[0].is_token());
        assert!(!seen[0].headers.contains_key("x-attempt"), "token request");
        let headers: Vec<_> = seen[1..]
            .iter()
            .map(|s| s.headers["x-attempt"].to_str().unwrap().to_string())
            .collect();
        assert_eq!(headers, ["1", "2", "3"]);
        let recorded = recorder.0.lock().unwrap().clone();
        let statuses: Vec<_> = recorded.iter().map(|(n, _, s)| (*n, *s)).collect();
        assert_eq!(statuses, [(1, Some(503)), (2, Some(503)), (3, Some(200))]);
        for ((_, id, _), sent) in recorded.iter().zip(&seen[1..]) {
            let on_wire = crate::request_id::request_id_from_url(&sent.url).unwrap();
            assert_eq!(
                id, &on_wire,
                "the interceptor saw the attempt's own requestId"
            );
            assert!(sent.headers.contains_key("authorization"));
        }
    }
}
