//! Client-side pacing to stay inside a TT usage plan.
//!
//! TT meters each app key per second and per day (Free 3/s and 10,000
//! requests a day, Low 5/s and 15,000, Medium 10/s and 30,000, High 25/s and
//! 75,000; TT Setup SDK "PS-Free" keys 3/s and 3,000 a day: TT's "Before you
//! begin" page and the TT Setup SDK "App key" page, `docs/tt-rest-facts.md`
//! §4.3 and `docs/tt-rest-facts-3.md` §1). The day is counted by
//! [`crate::quota`]; this module paces the seconds. Going
//! over earns 429s and burns the daily quota, so a session spaces every attempt
//! (retries and token requests included) at least `1 / rate` apart, shared by
//! all its services. Spacing rather than a burst bucket: TT does not document a
//! burst allowance.
//!
//! A 429 that is throttling (not a spent daily quota) slows the whole session,
//! not just the call that got it: no new request starts before its
//! `Retry-After` (or the call's backoff) has passed, and the spacing grows by
//! half the plan's (at least 20 ms) per 429, shrinking by an eighth
//! per answered request, so the pace settles where TT stops answering 429.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The least a 429 adds to the spacing (what an unlimited session starts at).
pub(crate) const MIN_PENALTY: Duration = Duration::from_millis(20);
/// The most throttling can add to the spacing.
pub(crate) const MAX_PENALTY: Duration = Duration::from_secs(2);

/// A TT usage plan, or a custom rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Plan {
    /// 3 requests/s and 10,000 a day (UAT keys).
    #[default]
    Free,
    /// 5 requests/s and 15,000 a day.
    Low,
    /// 10 requests/s and 30,000 a day.
    Medium,
    /// 25 requests/s and 75,000 a day.
    High,
    /// TT Setup SDK keys' free plan: 3 requests/s and 3,000 a day.
    PsFree,
    /// A custom rate in requests per second (e.g. `0.1` for TT's "one POST
    /// every 10 seconds" guidance), with no daily cap unless one is given
    /// ([`crate::SessionBuilder::daily_limit`]). Must be positive and finite.
    PerSecond(f64),
    /// No client-side limit: only for local sandboxes and tests.
    Unlimited,
}

impl Plan {
    /// The minimum time between two requests (whole milliseconds, rounded
    /// up), `None` for [`Plan::Unlimited`].
    pub fn spacing(self) -> Option<Duration> {
        let per_second = match self {
            Plan::Free | Plan::PsFree => 3.0,
            Plan::Low => 5.0,
            Plan::Medium => 10.0,
            Plan::High => 25.0,
            Plan::PerSecond(r) => r,
            Plan::Unlimited => return None,
        };
        // Whole milliseconds, rounded up: tokio's timer has 1 ms resolution,
        // and rounding down would let e.g. 3/s become 3.003/s.
        Some(Duration::from_millis((1000.0 / per_second).ceil() as u64))
    }

    /// TT's cap on the requests of one UTC day, `None` for
    /// [`Plan::PerSecond`] and [`Plan::Unlimited`].
    pub fn daily_limit(self) -> Option<u64> {
        match self {
            Plan::Free => Some(10_000),
            Plan::Low => Some(15_000),
            Plan::Medium => Some(30_000),
            Plan::High => Some(75_000),
            Plan::PsFree => Some(3_000),
            Plan::PerSecond(_) | Plan::Unlimited => None,
        }
    }

    pub(crate) fn validate(self) -> Result<(), crate::Error> {
        match self {
            Plan::PerSecond(r) if !(r.is_finite() && r > 0.0 && r <= 1e6) => {
                Err(crate::Error::invalid_argument(format!(
                    "Plan::PerSecond({r}) is not a usable rate; give a positive number of requests per second"
                )))
            }
            _ => Ok(()),
        }
    }

    /// Parses `free`, `low`, `medium`, `high`, `ps-free`, `unlimited` or a
    /// number of requests per second (config files).
    pub(crate) fn parse(s: &str) -> Result<Plan, crate::Error> {
        let plan = match s.trim().to_ascii_lowercase().as_str() {
            "free" => Plan::Free,
            "low" => Plan::Low,
            "medium" => Plan::Medium,
            "high" => Plan::High,
            "ps-free" | "psfree" => Plan::PsFree,
            "unlimited" => Plan::Unlimited,
            other => Plan::PerSecond(other.parse().map_err(|_| {
                crate::Error::invalid_argument(format!(
                    "unknown plan `{other}`; use free, low, medium, high, ps-free, unlimited or a number of requests per second"
                ))
            })?),
        };
        plan.validate()?;
        Ok(plan)
    }
}

/// Parses a plan name (`free`, `low`, `medium`, `high`, `ps-free`, `unlimited`) or a
/// positive number of requests per second, as config files and the CLI give it.
impl std::str::FromStr for Plan {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Plan, crate::Error> {
        Plan::parse(s)
    }
}

/// Hands out send slots at least `spacing` apart.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    spacing: Option<Duration>,
    state: Mutex<Pace>,
}

/// The limiter's moving parts.
#[derive(Debug, Default)]
struct Pace {
    /// The earliest the next request may start.
    next_slot: Option<Instant>,
    /// Extra spacing earned by 429s.
    penalty: Duration,
}

impl RateLimiter {
    pub(crate) fn new(plan: Plan) -> Self {
        RateLimiter {
            spacing: plan.spacing(),
            state: Mutex::new(Pace::default()),
        }
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this caller's slot. Slots are reserved in arrival order, so
    /// waiting callers cannot starve each other; a cancelled wait wastes its
    /// slot, which only ever errs on the slow side.
    /// Returns how long it waited (counted in
    /// [`crate::metrics::RATE_LIMIT_WAIT_SECONDS`]).
    pub(crate) async fn acquire(&self) -> Duration {
        let arrived = Instant::now();
        let slot = {
            let mut pace = self.pace();
            let spacing = self.spacing.unwrap_or_default() + pace.penalty;
            let now = Instant::now();
            let slot = pace.next_slot.map_or(now, |n| n.max(now));
            if spacing.is_zero() && slot <= now {
                // Unlimited and not throttled: never waits.
                return Duration::ZERO;
            }
            pace.next_slot = Some(slot + spacing);
            slot
        };
        tokio::time::sleep_until(slot).await;
        let waited = arrived.elapsed();
        crate::metrics::rate_limit_wait(waited);
        waited
    }

    /// TT throttled a request: hold every new request for `wait` and widen
    /// the spacing (see the module docs).
    pub(crate) fn throttled(&self, wait: Duration) {
        let step = self
            .spacing
            .map_or(MIN_PENALTY, |s| (s / 2).max(MIN_PENALTY));
        let mut pace = self.pace();
        pace.penalty = (pace.penalty + step).min(MAX_PENALTY);
        let resume = Instant::now() + wait;
        pace.next_slot = Some(pace.next_slot.map_or(resume, |n| n.max(resume)));
    }

    /// TT answered a request without throttling: give back an eighth of the
    /// penalty.
    pub(crate) fn answered(&self) {
        let mut pace = self.pace();
        if !pace.penalty.is_zero() {
            let eighth = pace.penalty / 8;
            pace.penalty -= eighth;
            if pace.penalty < Duration::from_millis(1) {
                pace.penalty = Duration::ZERO;
            }
        }
    }

    /// The spacing now in force (plan plus penalty).
    #[cfg(test)]
    pub(crate) fn current_spacing(&self) -> Duration {
        self.spacing.unwrap_or_default() + self.pace().penalty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn n_acquires_take_at_least_n_minus_one_spacings() {
        for plan in [
            Plan::Free,
            Plan::Low,
            Plan::Medium,
            Plan::High,
            Plan::PerSecond(0.5),
        ] {
            let limiter = std::sync::Arc::new(RateLimiter::new(plan));
            let start = Instant::now();
            let tasks: Vec<_> = (0..7)
                .map(|_| {
                    let l = limiter.clone();
                    tokio::spawn(async move {
                        l.acquire().await;
                        Instant::now()
                    })
                })
                .collect();
            let mut times = Vec::new();
            for t in tasks {
                times.push(t.await.unwrap());
            }
            times.sort();
            let spacing = plan.spacing().unwrap();
            for pair in times.windows(2) {
                assert!(pair[1] - pair[0] >= spacing, "{plan:?}: {:?}", pair);
            }
            assert!(times[6] - start >= spacing * 6, "{plan:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_is_not_banked_as_a_burst() {
        let limiter = RateLimiter::new(Plan::Free);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        let start = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert!(Instant::now() - start >= Plan::Free.spacing().unwrap());
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_caller_and_widens_the_spacing_until_answers_come() {
        for plan in [Plan::High, Plan::Unlimited] {
            let limiter = std::sync::Arc::new(RateLimiter::new(plan));
            let base = limiter.current_spacing();
            limiter.acquire().await;
            let start = Instant::now();
            limiter.throttled(Duration::from_secs(1));
            assert!(limiter.current_spacing() > base, "{plan:?}");
            // Callers that did not get the 429 wait too.
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let l = limiter.clone();
                    tokio::spawn(async move {
                        l.acquire().await;
                        Instant::now()
                    })
                })
                .collect();
            for t in tasks {
                assert!(
                    t.await.unwrap() - start >= Duration::from_secs(1),
                    "{plan:?}"
                );
            }
            for _ in 0..100 {
                limiter.answered();
            }
            assert_eq!(
                limiter.current_spacing(),
                base,
                "{plan:?}: the penalty decays"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::new(Plan::Unlimited);
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire().await;
        }
        assert_eq!(Instant::now(), start);
    }

    #[test]
    fn plans_parse_and_bad_rates_are_refused() {
        assert_eq!(Plan::parse("Medium").unwrap(), Plan::Medium);
        assert_eq!(Plan::parse("0.1").unwrap(), Plan::PerSecond(0.1));
        assert!(Plan::parse("-1").is_err());
        assert!(Plan::parse("fast")
            .unwrap_err()
            .to_string()
            .contains("fast"));
        assert_eq!(Plan::High.spacing(), Some(Duration::from_millis(40)));
        assert_eq!(Plan::parse("PS-Free").unwrap(), Plan::PsFree);
    }

    #[test]
    fn plans_know_their_day() {
        assert_eq!(Plan::Free.daily_limit(), Some(10_000));
        assert_eq!(Plan::Low.daily_limit(), Some(15_000));
        assert_eq!(Plan::Medium.daily_limit(), Some(30_000));
        assert_eq!(Plan::High.daily_limit(), Some(75_000));
        assert_eq!(Plan::PsFree.daily_limit(), Some(3_000));
        assert_eq!(Plan::PsFree.spacing(), Plan::Free.spacing());
        assert_eq!(Plan::PerSecond(2.0).daily_limit(), None);
        assert_eq!(Plan::Unlimited.daily_limit(), None);
    }
}
