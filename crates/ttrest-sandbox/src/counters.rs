//! What the sandbox saw and did, counted for tests to assert on.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters, bumped by the request pipeline.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) server_errors: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) redirects: AtomicU64,
    pub(crate) truncated: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) request_id_malformed: AtomicU64,
    pub(crate) request_id_reused: AtomicU64,
    pub(crate) cross_origin_requests: AtomicU64,
    pub(crate) cross_origin_authorization: AtomicU64,
    pub(crate) cross_origin_api_key: AtomicU64,
    pub(crate) traceparent: AtomicU64,
}

/// Adds one to a counter.
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// A consistent-enough copy for assertions (each field is read atomically).
    pub(crate) fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            requests: get(&self.requests),
            tokens_issued: get(&self.tokens_issued),
            throttled: get(&self.throttled),
            server_errors: get(&self.server_errors),
            timeouts: get(&self.timeouts),
            redirects: get(&self.redirects),
            truncated: get(&self.truncated),
            unauthorized: get(&self.unauthorized),
            request_id_malformed: get(&self.request_id_malformed),
            request_id_reused: get(&self.request_id_reused),
            cross_origin_requests: get(&self.cross_origin_requests),
            cross_origin_authorization: get(&self.cross_origin_authorization),
            cross_origin_api_key: get(&self.cross_origin_api_key),
            traceparent: get(&self.traceparent),
        }
    }
}

/// A copy of the sandbox's counters at one moment (see [`Sandbox::counters`](super::Sandbox::counters)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CounterSnapshot {
    /// Every HTTP request received, on both origins, including the token endpoint.
    pub requests: u64,
    /// Bearer tokens handed out by `POST /ttid/<env>/token`.
    pub tokens_issued: u64,
    /// `429 Too Many Requests` answers (injected every N, or from the per-key rate limit).
    pub throttled: u64,
    /// Injected `5xx` answers.
    pub server_errors: u64,
    /// Injected `408`/`504` answers to fills windows wider than the configured limit.
    pub timeouts: u64,
    /// `303 See Other` answers sent.
    pub redirects: u64,
    /// Answers whose JSON body was cut short on purpose.
    pub truncated: u64,
    /// `401` answers: missing, unknown, expired or revoked bearer token.
    pub unauthorized: u64,
    /// Requests without a `requestId`, or with one not shaped `<app>-<company>--<uuid>`.
    pub request_id_malformed: u64,
    /// Requests whose `requestId` had been seen before.
    pub request_id_reused: u64,
    /// Requests received by the cross-origin redirect target.
    pub cross_origin_requests: u64,
    /// Of those, how many carried an `Authorization` header (a leaked bearer token).
    pub cross_origin_authorization: u64,
    /// Of those, how many carried an `x-api-key` header (a leaked app key).
    pub cross_origin_api_key: u64,
    /// Requests carrying a W3C `traceparent` header (trace context a client
    /// propagated, e.g. from an interceptor).
    pub traceparent: u64,
}
