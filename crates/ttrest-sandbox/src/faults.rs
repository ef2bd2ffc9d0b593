//! Fault injection: what can go wrong, when, and the `--faults` spec string.
//!
//! Schedules count *service* requests (not the token call, not the second leg of a
//! redirect), so `429-every=5` throttles the 5th, 10th, ... request a client sends.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Where an injected `303 See Other` points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// The same host and port (a client must follow and keep its credentials).
    SameOrigin,
    /// A second listener on another port, which records the credential headers it
    /// receives (a careful client drops `Authorization` and `x-api-key` there).
    CrossOrigin,
}

/// A TT usage plan: the per-key request rate (token bucket, burst = one second's worth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatePlan {
    /// Free: 3 requests/s (UAT).
    Free,
    /// Low: 5 requests/s.
    Low,
    /// Medium: 10 requests/s.
    Medium,
    /// High: 25 requests/s.
    High,
    /// Any other rate, in requests per second.
    PerSecond(u32),
}

impl RatePlan {
    /// Requests per second allowed by the plan.
    pub fn per_second(self) -> u32 {
        match self {
            RatePlan::Free => 3,
            RatePlan::Low => 5,
            RatePlan::Medium => 10,
            RatePlan::High => 25,
            RatePlan::PerSecond(n) => n.max(1),
        }
    }

    /// Requests per UTC day allowed by the plan (`None` for a custom rate).
    pub fn per_day(self) -> Option<u64> {
        match self {
            RatePlan::Free => Some(10_000),
            RatePlan::Low => Some(15_000),
            RatePlan::Medium => Some(30_000),
            RatePlan::High => Some(75_000),
            RatePlan::PerSecond(_) => None,
        }
    }
}

/// Which faults a sandbox injects. Nothing by default.
///
/// Build with the chained setters, or parse the CLI's `--faults` string
/// (see [`FromStr`](#impl-FromStr-for-Faults)): comma-separated `name=value` items,
/// `429-every=5,5xx-every=7,latency-ms=20,timeout-window-ns=3600000000000,timeout-status=504,
/// redirect=cross,redirect-every=3,truncate-every=9,token-expiry-after=100,plan=free,daily-cap=500`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    pub(crate) every_429: Option<u64>,
    pub(crate) retry_after_secs: Option<u64>,
    pub(crate) every_5xx: Option<u64>,
    pub(crate) status_5xx: Option<u16>,
    pub(crate) latency: Option<Duration>,
    pub(crate) timeout_window_ns: Option<u64>,
    pub(crate) timeout_status: Option<u16>,
    pub(crate) redirect: Option<Redirect>,
    pub(crate) redirect_every: Option<u64>,
    pub(crate) truncate_every: Option<u64>,
    pub(crate) token_expiry_after: Option<u64>,
    pub(crate) plan: Option<RatePlan>,
    pub(crate) daily_cap: Option<u64>,
}

impl Faults {
    /// No faults (the default).
    pub fn none() -> Self {
        Self::default()
    }
    /// Answer every `n`th service request with `429` and `Retry-After` (`429-every`).
    pub fn every_429(mut self, n: u64) -> Self {
        self.every_429 = Some(n.max(1));
        self
    }
    /// The `Retry-After` seconds sent with injected 429s; 1 by default (`retry-after`).
    pub fn retry_after_secs(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }
    /// Answer every `n`th service request with a 5xx (`5xx-every`).
    pub fn every_5xx(mut self, n: u64) -> Self {
        self.every_5xx = Some(n.max(1));
        self
    }
    /// The status of injected 5xx answers; 503 by default (`5xx-status`).
    pub fn status_5xx(mut self, status: u16) -> Self {
        self.status_5xx = Some(status);
        self
    }
    /// Delay every answer (`latency-ms`).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }
    /// Time out fills requests whose `[minTimestamp, maxTimestamp]` window is wider
    /// than `ns` nanoseconds, as TT does on wide windows (`timeout-window-ns`).
    pub fn timeout_window_ns(mut self, ns: u64) -> Self {
        self.timeout_window_ns = Some(ns);
        self
    }
    /// The status of those time-outs: 408 (TT's Python sample) by default, or 504
    /// (TT's C# sample) (`timeout-status`).
    pub fn timeout_status(mut self, status: u16) -> Self {
        self.timeout_status = Some(status);
        self
    }
    /// Answer GET requests with `303 See Other` (`redirect=same|cross`).
    pub fn redirect(mut self, to: Redirect) -> Self {
        self.redirect = Some(to);
        self
    }
    /// Redirect only every `n`th service request; every one by default (`redirect-every`).
    pub fn redirect_every(mut self, n: u64) -> Self {
        self.redirect_every = Some(n.max(1));
        self
    }
    /// Cut the JSON body of every `n`th service answer in half (`truncate-every`).
    pub fn truncate_every(mut self, n: u64) -> Self {
        self.truncate_every = Some(n.max(1));
        self
    }
    /// Revoke each token after it authorized `n` calls: the next call gets 401
    /// (`token-expiry-after`).
    pub fn token_expiry_after(mut self, n: u64) -> Self {
        self.token_expiry_after = Some(n.max(1));
        self
    }
    /// Enforce a usage plan's rate per app key, and its daily cap
    /// (`plan=free|low|medium|high` or `rate=N`, which has no daily cap).
    pub fn rate_plan(mut self, plan: RatePlan) -> Self {
        self.plan = Some(plan);
        self
    }
    /// Answer `429 {"message":"Limit Exceeded"}` once a key made `n`
    /// requests in a UTC day, until the next 00:00 UTC; wins over the
    /// plan's cap (`daily-cap`).
    pub fn daily_cap(mut self, n: u64) -> Self {
        self.daily_cap = Some(n);
        self
    }
    /// The daily cap in force: `daily-cap`, else the plan's.
    pub(crate) fn day_cap(&self) -> Option<u64> {
        self.daily_cap.or(self.plan.and_then(RatePlan::per_day))
    }
}

/// Why a `--faults` string could not be parsed. Names the item and what is accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{item}`: {reason}")]
pub struct ParseFaultsError {
    item: String,
    reason: String,
}

const KNOWN: &str =
    "429-every, retry-after, 5xx-every, 5xx-status, latency-ms, timeout-window-ns, \
timeout-status, redirect, redirect-every, truncate-every, token-expiry-after, plan, rate, daily-cap";

impl FromStr for Faults {
    type Err = ParseFaultsError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults::none();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let fail = |reason: String| ParseFaultsError {
                item: item.to_string(),
                reason,
            };
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| fail("expected name=value".into()))?;
            faults = apply(faults, name.trim(), value.trim()).map_err(fail)?;
        }
        Ok(faults)
    }
}

fn number(value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("`{value}` is not a non-negative integer"))
}

/// A count for `*-every=N`: 0 would mean "every request", which `1` says.
fn every(value: &str) -> Result<u64, String> {
    match number(value)? {
        0 => {
            Err("every must be at least 1 (1 is every request; leave the item out for none)".into())
        }
        n => Ok(n),
    }
}

fn status(value: &str, allowed: &[u16]) -> Result<u16, String> {
    let code = number(value)?;
    allowed
        .iter()
        .copied()
        .find(|a| u64::from(*a) == code)
        .ok_or_else(|| format!("status must be one of {allowed:?}"))
}

fn apply(f: Faults, name: &str, value: &str) -> Result<Faults, String> {
    Ok(match name {
        "429-every" => f.every_429(every(value)?),
        "retry-after" => f.retry_after_secs(number(value)?),
        "5xx-every" => f.every_5xx(every(value)?),
        "5xx-status" => f.status_5xx(status(value, &[500, 502, 503, 504])?),
        "latency-ms" => f.latency(Duration::from_millis(number(value)?)),
        "timeout-window-ns" => f.timeout_window_ns(number(value)?),
        "timeout-status" => f.timeout_status(status(value, &[408, 504])?),
        "redirect" => f.redirect(match value {
            "same" => Redirect::SameOrigin,
            "cross" => Redirect::CrossOrigin,
            _ => return Err("redirect must be `same` or `cross`".into()),
        }),
        "redirect-every" => f.redirect_every(every(value)?),
        "truncate-every" => f.truncate_every(every(value)?),
        "token-expiry-after" => f.token_expiry_after(number(value)?),
        "plan" => f.rate_plan(match value {
            "free" => RatePlan::Free,
            "low" => RatePlan::Low,
            "medium" => RatePlan::Medium,
            "high" => RatePlan::High,
            _ => return Err("plan must be free, low, medium or high".into()),
        }),
        "daily-cap" => f.daily_cap(number(value)?),
        "rate" => f.rate_plan(RatePlan::PerSecond(
            u32::try_from(number(value)?).map_err(|_| "rate is too large".to_string())?,
        )),
        _ => return Err(format!("unknown fault; known: {KNOWN}")),
    })
}

impl fmt::Display for Faults {
    /// Writes the spec string [`FromStr`] reads back (`""` for no faults).
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items: Vec<String> = Vec::new();
        let mut push = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                items.push(format!("{name}={v}"));
            }
        };
        push("429-every", self.every_429.map(|n| n.to_string()));
        push("retry-after", self.retry_after_secs.map(|n| n.to_string()));
        push("5xx-every", self.every_5xx.map(|n| n.to_string()));
        push("5xx-status", self.status_5xx.map(|n| n.to_string()));
        push(
            "latency-ms",
            self.latency.map(|d| d.as_millis().to_string()),
        );
        push(
            "timeout-window-ns",
            self.timeout_window_ns.map(|n| n.to_string()),
        );
        push("timeout-status", self.timeout_status.map(|n| n.to_string()));
        push(
            "redirect",
            self.redirect.map(|r| match r {
                Redirect::SameOrigin => "same".to_string(),
                Redirect::CrossOrigin => "cross".to_string(),
            }),
        );
        push("redirect-every", self.redirect_every.map(|n| n.to_string()));
        push("truncate-every", self.truncate_every.map(|n| n.to_string()));
        push(
            "token-expiry-after",
            self.token_expiry_after.map(|n| n.to_string()),
        );
        push(
            "plan",
            self.plan.and_then(|p| match p {
                RatePlan::Free => Some("free".to_string()),
                RatePlan::Low => Some("low".to_string()),
                RatePlan::Medium => Some("medium".to_string()),
                RatePlan::High => Some("high".to_string()),
                RatePlan::PerSecond(_) => None,
            }),
        );
        if let Some(RatePlan::PerSecond(n)) = self.plan {
            items.push(format!("rate={n}"));
        }
        if let Some(n) = self.daily_cap {
            items.push(format!("daily-cap={n}"));
        }
        out.write_str(&items.join(","))
    }
}

/// The fault to inject into one service request, decided before it is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Injected {
    Throttle,
    ServerError(u16),
    Redirect(Redirect),
}

/// Applies a [`Faults`] schedule to the stream of service requests.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    faults: Faults,
    served: AtomicU64,
}

fn hits(every: Option<u64>, n: u64) -> bool {
    every.is_some_and(|e| n.is_multiple_of(e))
}

impl Schedule {
    pub(crate) fn new(faults: Faults) -> Self {
        Self {
            faults,
            served: AtomicU64::new(0),
        }
    }

    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Counts one service request and says what, if anything, to inject, plus
    /// whether its body should be truncated. Redirects apply to GETs only.
    pub(crate) fn next(&self, is_get: bool) -> (Option<Injected>, bool) {
        let n = self.served.fetch_add(1, Ordering::Relaxed) + 1;
        let f = &self.faults;
        let injected = if hits(f.every_429, n) {
            Some(Injected::Throttle)
        } else if hits(f.every_5xx, n) {
            Some(Injected::ServerError(f.status_5xx.unwrap_or(503)))
        } else if is_get && f.redirect.is_some() && hits(f.redirect_every.or(Some(1)), n) {
            f.redirect.map(Injected::Redirect)
        } else {
            None
        };
        (injected, injected.is_none() && hits(f.truncate_every, n))
    }

    /// The `Retry-After` of injected 429s.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        self.faults.retry_after_secs.unwrap_or(1)
    }

    /// The time-out status for a fills window `[min, max]`, if it is too wide.
    pub(crate) fn fills_timeout(&self, min: u64, max: u64) -> Option<u16> {
        let limit = self.faults.timeout_window_ns?;
        (max.saturating_sub(min) > limit).then(|| self.faults.timeout_status.unwrap_or(408))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zero_is_refused() {
        for item in [
            "429-every=0",
            "5xx-every=0",
            "redirect-every=0",
            "truncate-every=0",
        ] {
            let err = item.parse::<Faults>().unwrap_err().to_string();
            assert!(err.contains("at least 1"), "{item}: {err}");
        }
    }

    #[test]
    fn parses_and_round_trips_the_cli_spec() {
        let spec = "429-every=5,5xx-every=7,latency-ms=20,timeout-window-ns=1000,timeout-status=504,\
                    redirect=cross,redirect-every=3,truncate-every=9,token-expiry-after=4,plan=free";
        let faults: Faults = spec.parse().unwrap();
        assert_eq!(faults.every_429, Some(5));
        assert_eq!(faults.redirect, Some(Redirect::CrossOrigin));
        assert_eq!(faults.plan, Some(RatePlan::Free));
        assert_eq!(faults.to_string().parse::<Faults>().unwrap(), faults);
        assert_eq!("rate=7".parse::<Faults>().unwrap().to_string(), "rate=7");
        assert_eq!("".parse::<Faults>().unwrap(), Faults::none());
    }

    #[test]
    fn errors_name_the_item() {
        let err = "429-every=5,bogus=1"
            .parse::<Faults>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("`bogus=1`") && err.contains("known:"), "{err}");
        let err = "redirect=sideways"
            .parse::<Faults>()
            .unwrap_err()
            .to_string();
        assert!(err.contains("same` or `cross"), "{err}");
        assert!("429-every".parse::<Faults>().is_err());
        assert!("timeout-status=500".parse::<Faults>().is_err());
    }

    #[test]
    fn schedule_counts_every_nth() {
        let s = Schedule::new(Faults::none().every_429(3).truncate_every(2));
        let got: Vec<_> = (0..6).map(|_| s.next(true)).collect();
        assert_eq!(got[2].0, Some(Injected::Throttle));
        assert_eq!(got[5].0, Some(Injected::Throttle));
        assert!(got[1].1 && got[3].1 && !got[5].1, "{got:?}");
        assert_eq!(got.iter().filter(|g| g.0.is_some()).count(), 2);
    }

    #[test]
    fn redirects_only_gets_and_timeouts_only_wide_windows() {
        let s = Schedule::new(
            Faults::none()
                .redirect(Redirect::SameOrigin)
                .timeout_window_ns(10),
        );
        assert_eq!(s.next(false).0, None);
        assert_eq!(
            s.next(true).0,
            Some(Injected::Redirect(Redirect::SameOrigin))
        );
        assert_eq!(s.fills_timeout(0, 10), None);
        assert_eq!(s.fills_timeout(0, 11), Some(408));
    }
}
