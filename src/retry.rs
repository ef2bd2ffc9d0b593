//! When and how long to wait before trying a call again.
//!
//! - Idempotent calls (GET, HEAD, PUT, DELETE, and the token request) are
//!   retried on connect errors, timeouts and 408/429/500/502/503/504.
//! - Other calls (POST) only when TT provably never saw them: the connection
//!   was refused, or TT answered 429.
//! - Waits use exponential backoff with full jitter, or TT's `Retry-After`.
//! - A session-wide retry budget (as aws-sdk-rust's token bucket) stops an
//!   outage from multiplying load: each retry spends tokens, each success
//!   earns some back, and with the bucket empty calls fail at once.
//! - Throttling is not an outage: TT answered, and asked to slow down. A 429
//!   is retried up to [`RetryPolicy::max_throttled_attempts`] times without
//!   spending the budget, while the session's rate limiter holds and slows
//!   every call (see [`crate::rate_limit`]), so a paced export finishes.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use crate::error::is_retryable_status;

/// How a session retries failed attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Backoff before the first retry (doubled each retry, then jittered).
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts.
    pub max_backoff: Duration,
    /// Longest `Retry-After` ttrest waits for; a longer one fails the call
    /// with [`crate::Error::RateLimited`] carrying TT's value.
    pub max_retry_after: Duration,
    /// Tokens in the session's retry budget.
    pub budget: u32,
    /// Tokens one retry costs (a retry after a timeout costs twice this).
    pub retry_cost: u32,
    /// Attempts per call, the first included, while TT answers 429
    /// (throttling): these retries spend no budget, as TT is up. Ignored
    /// when `max_attempts` is 1 (no retries at all).
    pub max_throttled_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            budget: 500,
            retry_cost: 5,
            max_throttled_attempts: 10,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            max_throttled_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), crate::Error> {
        if self.max_attempts == 0 {
            return Err(crate::Error::invalid_argument(
                "RetryPolicy::max_attempts must be at least 1 (1 disables retries)",
            ));
        }
        Ok(())
    }

    /// Full-jitter backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let cap = exp.min(self.max_backoff);
        cap.mul_f64(fastrand::f64())
    }
}

/// What went wrong with one attempt, as far as retrying cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection was never established: TT saw nothing.
    Connect,
    /// No answer in time.
    Timeout,
    /// Any other transport failure (the request may have reached TT).
    Other,
    /// TT answered with this status.
    Status(StatusCode),
}

/// The verdict on a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Give up and report this attempt's outcome.
    GiveUp,
    /// Wait this long, then try again (the budget was charged).
    RetryAfter(Duration),
}

/// Whether `failure` may be retried for a call with this method.
pub(crate) fn may_retry(idempotent: bool, failure: Failure) -> bool {
    match failure {
        Failure::Connect => true,
        Failure::Status(StatusCode::TOO_MANY_REQUESTS) => true,
        _ if !idempotent => false,
        Failure::Timeout | Failure::Other => true,
        Failure::Status(s) => is_retryable_status(s),
    }
}

/// Whether a method can be repeated without changing the outcome.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

/// TT's `Retry-After`, in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(when.timestamp().max(0) as u64);
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The session-wide retry budget (a token bucket).
#[derive(Debug)]
pub(crate) struct RetryBudget {
    capacity: u32,
    available: Mutex<u32>,
}

impl RetryBudget {
    pub(crate) fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            available: Mutex::new(capacity),
        }
    }

    /// Takes `cost` tokens if there are that many.
    fn try_spend(&self, cost: u32) -> bool {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        if *available >= cost {
            *available -= cost;
            true
        } else {
            false
        }
    }

    /// Gives back tokens after a success: the retry's cost when it took
    /// retries, one token otherwise (so a healthy session refills slowly).
    pub(crate) fn on_success(&self, refund: u32) {
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        *available = (*available + refund.max(1)).min(self.capacity);
    }

    #[cfg(test)]
    fn available(&self) -> u32 {
        *self.available.lock().unwrap()
    }
}

/// Decides what to do after failed attempt number `attempt` (1-based).
pub(crate) fn decide(
    policy: &RetryPolicy,
    budget: &RetryBudget,
    idempotent: bool,
    attempt: u32,
    failure: Failure,
    retry_after: Option<Duration>,
) -> Verdict {
    let throttled = failure == Failure::Status(StatusCode::TOO_MANY_REQUESTS);
    let max_attempts = match throttled {
        // `max_attempts: 1` disables retries, throttled ones included.
        true if policy.max_attempts > 1 => policy.max_throttled_attempts,
        _ => policy.max_attempts,
    };
    if attempt >= max_attempts || !may_retry(idempotent, failure) {
        return Verdict::GiveUp;
    }
    let wait = match retry_after {
        Some(d) if d > policy.max_retry_after => return Verdict::GiveUp,
        Some(d) => d,
        None => policy.backoff(attempt),
    };
    if throttled {
        return Verdict::RetryAfter(wait);
    }
    let cost = match failure {
        Failure::Timeout => policy.retry_cost.saturating_mul(2),
        _ => policy.retry_cost,
    };
    if !budget.try_spend(cost) {
        return Verdict::GiveUp;
    }
    Verdict::RetryAfter(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }

    #[test]
    fn post_is_retried_only_when_tt_never_saw_it() {
        let s = |c| Failure::Status(StatusCode::from_u16(c).unwrap());
        assert!(may_retry(false, Failure::Connect));
        assert!(may_retry(false, s(429)));
        for f in [Failure::Timeout, Failure::Other, s(500), s(503), s(408)] {
            assert!(!may_retry(false, f), "{f:?}");
            assert!(may_retry(true, f), "{f:?}");
        }
        for code in [400, 401, 403, 404, 501] {
            assert!(!may_retry(true, s(code)), "{code}");
        }
    }

    #[test]
    fn backoff_is_jittered_under_an_exponential_cap() {
        let p = policy();
        for retry in 1..10 {
            let cap = (p.initial_backoff * 2u32.pow(retry - 1)).min(p.max_backoff);
            for _ in 0..50 {
                assert!(p.backoff(retry) <= cap);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 1, "full jitter varies the wait");
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        let future = chrono::Utc::now() + chrono::Duration::seconds(120);
        let text = future.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert(RETRY_AFTER, HeaderValue::from_str(&text).unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn decide_honours_attempts_retry_after_and_budget() {
        let p = RetryPolicy {
            budget: 10,
            ..policy()
        };
        let budget = RetryBudget::new(p.budget);
        let busy = Failure::Status(StatusCode::SERVICE_UNAVAILABLE);
        let ra = Duration::from_secs(1);
        assert_eq!(
            decide(&p, &budget, true, 1, busy, Some(ra)),
            Verdict::RetryAfter(ra)
        );
        assert_eq!(
            decide(&p, &budget, true, 3, busy, None),
            Verdict::GiveUp,
            "last attempt"
        );
        let too_long = Some(p.max_retry_after + Duration::from_secs(1));
        assert_eq!(
            decide(&p, &budget, true, 1, busy, too_long),
            Verdict::GiveUp
        );
        assert!(matches!(
            decide(&p, &budget, true, 1, busy, None),
            Verdict::RetryAfter(_)
        ));
        assert_eq!(budget.available(), 0);
        assert_eq!(
            decide(&p, &budget, true, 1, busy, None),
            Verdict::GiveUp,
            "budget empty"
        );
        budget.on_success(5);
        assert_eq!(budget.available(), 5);
        let throttled = Failure::Status(StatusCode::TOO_MANY_REQUESTS);
        for attempt in 1..p.max_throttled_attempts {
            assert_eq!(
                decide(&p, &budget, true, attempt, throttled, Some(ra)),
                Verdict::RetryAfter(ra),
                "throttling is retried past max_attempts"
            );
        }
        assert_eq!(budget.available(), 5, "and spends no budget");
        assert_eq!(
            decide(
                &p,
                &budget,
                true,
                p.max_throttled_attempts,
                throttled,
                Some(ra)
            ),
            Verdict::GiveUp
        );
        assert_eq!(
            decide(&p, &budget, true, 1, Failure::Timeout, None),
            Verdict::GiveUp,
            "timeouts cost double"
        );
    }
}
