//! What ttrest counts, through the [`metrics`](https://docs.rs/metrics) facade.
//!
//! ttrest records; it exports nothing. Install any `metrics` recorder (for
//! example `metrics-exporter-prometheus`) before building sessions, and call
//! [`describe`] once to give each metric its help text. Without a recorder
//! every call below is a no-op.
//!
//! Names follow Prometheus' conventions (the `ttrest_` prefix, snake_case,
//! base units, `_total` for counters, `_seconds` for times); labels are
//! bounded: service, operation, a status code or a reason from a fixed list,
//! never an id or a requestId. The metrics table of docs/observability.md lists them all.

use std::time::Duration;

use metrics::{counter, gauge, histogram, Counter, Unit};

use crate::retry::Failure;

/// Calls by final outcome: `service`, `operation`, `status` (the HTTP status
/// of TT's last answer, or `timeout`, `connect_error`, `transport_error`,
/// `not_sent` when there was none).
pub const REQUESTS_TOTAL: &str = "ttrest_requests_total";
/// Attempts sent (retries and 401 repeats included; redirect hops are part of
/// their attempt): `service`, `operation`.
pub const ATTEMPTS_TOTAL: &str = "ttrest_attempts_total";
/// Attempts repeated after a failure: `service`, `operation`, `reason`
/// (`rate_limited`, `server_error`, `timeout`, `connect`, `transport`,
/// `unauthorized`, `other_status`).
pub const RETRIES_TOTAL: &str = "ttrest_retries_total";
/// 429 answers: `service`, `operation`, `kind` (`throttled`: too many
/// requests per second; `quota_exhausted`: the key's day is spent).
pub const RATE_LIMITED_TOTAL: &str = "ttrest_rate_limited_total";
/// Time each request (every hop, token requests included) waited for the
/// session's rate limiter; its sum is the total time spent waiting. No labels;
/// not recorded with [`crate::Plan::Unlimited`].
pub const RATE_LIMIT_WAIT_SECONDS: &str = "ttrest_rate_limit_wait_seconds";
/// Latency of one attempt, from the request sent to TT's answer's headers
/// (redirect hops included, rate-limit waits excluded): `service`, `operation`.
pub const REQUEST_DURATION_SECONDS: &str = "ttrest_request_duration_seconds";
/// Token requests: `reason` (`initial`: no token held; `refresh`: replacing
/// one ahead of its expiry), `result` (`ok`, `error`).
pub const TOKEN_FETCHES_TOTAL: &str = "ttrest_token_fetches_total";
/// Fills a fills stream yielded: `operation`.
pub const FILLS_YIELDED_TOTAL: &str = "ttrest_fills_yielded_total";
/// Fills a fills stream received again and dropped (the inclusive re-ask, a
/// rescan, a fill twice in a page): `operation`.
pub const FILLS_DUPLICATES_DROPPED_TOTAL: &str = "ttrest_fills_duplicates_dropped_total";
/// Fills yielded after the stream had passed their timestamp (found by a
/// rescan behind the cursor): `operation`.
pub const FILLS_LATE_TOTAL: &str = "ttrest_fills_late_total";
/// Fills TT sent outside the requested `[minTimestamp, maxTimestamp]`, dropped:
/// `operation`.
pub const FILLS_OUTSIDE_WINDOW_TOTAL: &str = "ttrest_fills_outside_window_total";

/// Requests of the key's UTC day so far, as the session's daily count holds
/// them (shared with other processes on the key), after its last request.
/// No labels: the last session to send sets it.
pub const QUOTA_USED: &str = "ttrest_quota_used";
/// The key's daily cap (its plan's, or the one given); absent without one.
pub const QUOTA_LIMIT: &str = "ttrest_quota_limit";
/// Requests left today before the reserve: limit minus reserve minus used.
pub const QUOTA_REMAINING: &str = "ttrest_quota_remaining";

/// Registers the help text and unit of every metric with the installed
/// recorder. Call it once after installing one; recording works without it.
pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS_TOTAL,
        "TT calls by service, operation and final status"
    );
    describe_counter!(ATTEMPTS_TOTAL, "HTTP attempts sent to TT, retries included");
    describe_counter!(
        RETRIES_TOTAL,
        "attempts repeated after a failure, by reason"
    );
    describe_counter!(
        RATE_LIMITED_TOTAL,
        "429 answers: throttled (per second) or quota_exhausted (the day is spent)"
    );
    describe_histogram!(
        RATE_LIMIT_WAIT_SECONDS,
        Unit::Seconds,
        "time each request waited for the session's rate limiter"
    );
    describe_histogram!(
        REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "latency of one attempt, redirects included, rate-limit waits excluded"
    );
    describe_gauge!(QUOTA_USED, "requests of the key's UTC day so far");
    describe_gauge!(QUOTA_LIMIT, "the key's daily request cap");
    describe_gauge!(
        QUOTA_REMAINING,
        "requests left today: limit minus reserve minus used"
    );
    describe_counter!(TOKEN_FETCHES_TOTAL, "token requests by reason and result");
    describe_counter!(FILLS_YIELDED_TOTAL, "fills yielded by fills streams");
    describe_counter!(
        FILLS_DUPLICATES_DROPPED_TOTAL,
        "fills received again and dropped by fills streams"
    );
    describe_counter!(
        FILLS_LATE_TOTAL,
        "fills yielded after the stream had passed their timestamp"
    );
    describe_counter!(
        FILLS_OUTSIDE_WINDOW_TOTAL,
        "fills TT sent outside the requested window, dropped"
    );
}

/// What a 429 means (told apart by [`crate::quota::is_quota_exhausted`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RateLimitKind {
    /// Too many requests per second: waiting helps.
    Throttled,
    /// The usage plan's quota for the day is spent: it comes back at 00:00 UTC.
    QuotaExhausted,
}

impl RateLimitKind {
    fn label(self) -> &'static str {
        match self {
            RateLimitKind::Throttled => "throttled",
            RateLimitKind::QuotaExhausted => "quota_exhausted",
        }
    }
}

/// The labels of one call.
#[derive(Clone, Copy)]
pub(crate) struct CallLabels<'a> {
    pub(crate) service: &'a str,
    pub(crate) operation: &'a str,
}

impl CallLabels<'_> {
    /// A call ended with `status`.
    pub(crate) fn request(&self, status: &str) {
        counter!(
            REQUESTS_TOTAL,
            "service" => self.service.to_string(),
            "operation" => self.operation.to_string(),
            "status" => status.to_string()
        )
        .increment(1);
    }

    /// One attempt was sent and answered (or failed) after `latency`.
    pub(crate) fn attempt(&self, latency: Duration) {
        let (service, operation) = (self.service.to_string(), self.operation.to_string());
        counter!(ATTEMPTS_TOTAL, "service" => service.clone(), "operation" => operation.clone())
            .increment(1);
        histogram!(REQUEST_DURATION_SECONDS, "service" => service, "operation" => operation)
            .record(latency.as_secs_f64());
    }

    /// An attempt is repeated because of `reason`.
    pub(crate) fn retry(&self, reason: &'static str) {
        counter!(
            RETRIES_TOTAL,
            "service" => self.service.to_string(),
            "operation" => self.operation.to_string(),
            "reason" => reason
        )
        .increment(1);
    }

    /// TT answered 429.
    pub(crate) fn rate_limited(&self, kind: RateLimitKind) {
        counter!(
            RATE_LIMITED_TOTAL,
            "service" => self.service.to_string(),
            "operation" => self.operation.to_string(),
            "kind" => kind.label()
        )
        .increment(1);
    }
}

/// The `reason` label of a retry after `failure`.
pub(crate) fn retry_reason(failure: Failure) -> &'static str {
    match failure {
        Failure::Connect => "connect",
        Failure::Timeout => "timeout",
        Failure::Other => "transport",
        Failure::Status(s) => match s.as_u16() {
            429 => "rate_limited",
            401 => "unauthorized",
            408 | 504 => "timeout",
            500..=599 => "server_error",
            _ => "other_status",
        },
    }
}

/// The rate limiter made a caller wait `wait` (zero included) for a slot.
pub(crate) fn rate_limit_wait(wait: Duration) {
    histogram!(RATE_LIMIT_WAIT_SECONDS).record(wait.as_secs_f64());
}

/// The day's count after a request: `used` of `limit` (if any), `reserve` kept back.
pub(crate) fn daily_usage(used: u64, limit: Option<u64>, reserve: u64) {
    gauge!(QUOTA_USED).set(used as f64);
    if let Some(limit) = limit {
        gauge!(QUOTA_LIMIT).set(limit as f64);
        let remaining = limit.saturating_sub(reserve).saturating_sub(used);
        gauge!(QUOTA_REMAINING).set(remaining as f64);
    }
}

/// A token request ended (`reason`: `initial` or `refresh`).
pub(crate) fn token_fetch(reason: &'static str, ok: bool) {
    let result = if ok { "ok" } else { "error" };
    counter!(TOKEN_FETCHES_TOTAL, "reason" => reason, "result" => result).increment(1);
}

/// The counters of one fills stream, registered once.
pub(crate) struct FillsMetrics {
    pub(crate) yielded: Counter,
    pub(crate) duplicates: Counter,
    pub(crate) late: Counter,
    pub(crate) outside: Counter,
}

impl FillsMetrics {
    pub(crate) fn new(operation: &'static str) -> Self {
        FillsMetrics {
            yielded: counter!(FILLS_YIELDED_TOTAL, "operation" => operation),
            duplicates: counter!(FILLS_DUPLICATES_DROPPED_TOTAL, "operation" => operation),
            late: counter!(FILLS_LATE_TOTAL, "operation" => operation),
            outside: counter!(FILLS_OUTSIDE_WINDOW_TOTAL, "operation" => operation),
        }
    }
}

#[cfg(test)]
mod tests;
