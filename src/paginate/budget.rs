//! How often a follow stream polls: within a budget of the key's day.
//!
//! A key's day of requests is shared by everything on the key (Free: 10,000;
//! [`Plan::daily_limit`]). A follow stream that polls every few seconds and
//! re-reads its rescan window each time spends a whole Free day by noon on
//! a busy account. [`FollowPacer`] keeps a stream within a number of
//! requests per day:
//!
//! - after each poll it waits at least `requests of that poll × a day ÷
//!   the budget`, so over any stretch the stream spends no more than its
//!   share of the day (the first poll, the catch-up to now, is the job
//!   itself and is not charged);
//! - between those floors the pause adapts: the shortest interval while
//!   fills arrive, doubling while quiet up to the longest;
//! - the rescan for late fills is re-read once per rescan window length,
//!   not on every poll, and paid from the same budget.

use std::time::Duration;

use tokio::time::Instant;

use crate::rate_limit::Plan;

const DAY: Duration = Duration::from_secs(86_400);

/// The default share of the plan's day a follow stream may spend (half).
pub const DEFAULT_FOLLOW_SHARE_PERCENT: u8 = 50;

/// How a follow stream paces its polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowBudget {
    /// Requests per UTC day the stream may spend; `None` paces by the
    /// intervals alone.
    pub requests_per_day: Option<u64>,
    /// The shortest pause between two polls.
    pub min_interval: Duration,
    /// The longest pause while no fill arrives.
    pub max_interval: Duration,
}

impl Default for FollowBudget {
    /// Half of a Free key's day (5,000 requests), 5 s to 60 s between polls.
    fn default() -> Self {
        FollowBudget::for_plan(Plan::Free, DEFAULT_FOLLOW_SHARE_PERCENT)
    }
}

impl FollowBudget {
    /// `share_percent` of `plan`'s day (no budget for a plan without a
    /// daily cap), 5 s to 60 s between polls.
    pub fn for_plan(plan: Plan, share_percent: u8) -> Self {
        FollowBudget::for_daily_limit(plan.daily_limit(), share_percent)
    }

    /// `share_percent` of a day of `limit` requests, 5 s to 60 s between polls.
    pub fn for_daily_limit(limit: Option<u64>, share_percent: u8) -> Self {
        FollowBudget {
            requests_per_day: limit.map(|l| (l * u64::from(share_percent.min(100)) / 100).max(1)),
            min_interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
        }
    }

    /// The pause `requests` must be followed by to stay within the budget.
    pub fn floor(&self, requests: u64) -> Duration {
        match self.requests_per_day {
            Some(per_day) => DAY.mul_f64(requests as f64 / per_day.max(1) as f64),
            None => Duration::ZERO,
        }
    }
}

/// The pacing state of one follow stream.
#[derive(Clone, Debug)]
pub struct FollowPacer {
    budget: FollowBudget,
    interval: Duration,
    last_rescan: Option<Instant>,
    polls: u64,
}

impl FollowPacer {
    /// A stream about to make its first poll.
    pub fn new(budget: FollowBudget) -> Self {
        FollowPacer {
            interval: budget.min_interval,
            budget,
            last_rescan: None,
            polls: 0,
        }
    }

    /// The budget.
    pub fn budget(&self) -> &FollowBudget {
        &self.budget
    }

    /// Whether the poll starting `now` should re-read the rescan window of
    /// length `rescan`: the first poll does, then one poll per `rescan`.
    /// Marks it done when it answers yes.
    pub fn rescan_due(&mut self, now: Instant, rescan: Duration) -> bool {
        if rescan.is_zero() {
            return false;
        }
        let due = self
            .last_rescan
            .is_none_or(|last| now.duration_since(last) >= rescan);
        if due {
            self.last_rescan = Some(now);
        }
        due
    }

    /// The pause after a poll that made `requests` requests and found
    /// `new_fills` fills.
    pub fn pause_after(&mut self, requests: u64, new_fills: u64) -> Duration {
        self.polls += 1;
        self.interval = if new_fills > 0 {
            self.budget.min_interval
        } else {
            (self.interval * 2).clamp(
                self.budget.min_interval,
                self.budget.max_interval.max(self.budget.min_interval),
            )
        };
        // The first poll catches up to now: the job itself, not the follow.
        let charged = if self.polls == 1 { 0 } else { requests };
        self.interval.max(self.budget.floor(charged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_follow_the_plan() {
        assert_eq!(FollowBudget::default().requests_per_day, Some(5_000));
        assert_eq!(
            FollowBudget::for_plan(Plan::High, 50).requests_per_day,
            Some(37_500)
        );
        assert_eq!(
            FollowBudget::for_plan(Plan::Unlimited, 50).requests_per_day,
            None
        );
        // 5,000 a day: one request every 17.28 s.
        assert_eq!(
            FollowBudget::default().floor(1),
            Duration::from_millis(17_280)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn quiet_streams_slow_down_and_busy_ones_speed_up_within_the_floor() {
        let budget = FollowBudget {
            requests_per_day: Some(86_400),
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(8),
        };
        let mut p = FollowPacer::new(budget);
        assert_eq!(
            p.pause_after(100, 100),
            Duration::from_secs(1),
            "catch-up is free"
        );
        assert_eq!(p.pause_after(1, 0), Duration::from_secs(2));
        assert_eq!(p.pause_after(1, 0), Duration::from_secs(4));
        assert_eq!(p.pause_after(1, 0), Duration::from_secs(8));
        assert_eq!(p.pause_after(1, 0), Duration::from_secs(8));
        assert_eq!(p.pause_after(1, 3), Duration::from_secs(1));
        assert_eq!(
            p.pause_after(5, 3),
            Duration::from_secs(5),
            "the budget's floor"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_rescan_is_due_once_per_window() {
        let mut p = FollowPacer::new(FollowBudget::default());
        let w = Duration::from_secs(900);
        assert!(p.rescan_due(Instant::now(), w));
        tokio::time::advance(Duration::from_secs(899)).await;
        assert!(!p.rescan_due(Instant::now(), w));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(p.rescan_due(Instant::now(), w));
        assert!(!p.rescan_due(Instant::now(), Duration::ZERO));
    }
}

/// A simulated account trading on tokio's paused clock, watched by
/// [`crate::paginate::watch_fills`]: what the watch spends and how late it
/// sees each fill.
#[cfg(test)]
pub(crate) mod simulation {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures::StreamExt;
    use serde_json::{json, Value};
    use tokio::time::Instant;

    use crate::paginate::fake::Status;
    use crate::paginate::{watch_fills, FillsQuery, FillsWindow, WatchOptions};

    /// Nanoseconds of the simulation's second 0.
    const T0: i64 = 1_700_000_000_000_000_000;

    /// A ledger sorted by time, answering a window by binary search.
    #[derive(Clone, Default)]
    struct Ledger {
        fills: Arc<Mutex<Vec<(i64, usize)>>>,
        requests: Arc<Mutex<u64>>,
    }

    impl Ledger {
        fn add(&self, ts: i64, id: usize) {
            let mut fills = self.fills.lock().unwrap();
            let at = fills.partition_point(|f| *f <= (ts, id));
            fills.insert(at, (ts, id));
        }

        fn fetch(&self, w: FillsWindow) -> Vec<Value> {
            *self.requests.lock().unwrap() += 1;
            let fills = self.fills.lock().unwrap();
            let from = fills.partition_point(|f| f.0 < w.min_ts);
            fills[from..]
                .iter()
                .take_while(|f| w.max_ts.is_none_or(|max| f.0 <= max))
                .take(500)
                .map(|(ts, id)| json!({"recordId": format!("f{id}"), "timeStamp": ts}))
                .collect()
        }
    }

    /// What a simulated run measured.
    #[derive(Debug)]
    pub(crate) struct Run {
        /// Requests after the first poll.
        pub(crate) requests: u64,
        /// Fills the account made.
        pub(crate) made: usize,
        /// Fills yielded, with how often each was.
        pub(crate) yielded: HashMap<usize, u32>,
        /// Simulated seconds from the start to the end of the run.
        pub(crate) elapsed: f64,
        /// Seconds from a fill's arrival at TT to its yield: mean and max.
        pub(crate) mean_delay: f64,
        pub(crate) max_delay: f64,
    }

    /// Runs `seconds` of an account making `per_second[i % len]` fills in
    /// second `i`; fill `k` of a second with `late_every` dividing its id
    /// arrives `late` after its timestamp. Then waits out the lag and counts.
    pub(crate) async fn run(
        options: WatchOptions,
        seconds: u64,
        per_second: &[u32],
        late_every: usize,
        late: Duration,
    ) -> Run {
        let ledger = Ledger::default();
        let arrived: Arc<Mutex<HashMap<usize, Instant>>> = Arc::default();
        let made_so_far: Arc<Mutex<usize>> = Arc::default();
        let start = Instant::now();
        let producer = {
            let (ledger, arrived) = (ledger.clone(), arrived.clone());
            let made_so_far = made_so_far.clone();
            let per_second = per_second.to_vec();
            tokio::spawn(async move {
                let mut id = 0usize;
                let mut pending: Vec<(Instant, i64, usize)> = Vec::new();
                for s in 0..seconds {
                    tokio::time::sleep_until(start + Duration::from_secs(s)).await;
                    let now = Instant::now();
                    pending.retain(|&(due, ts, id)| {
                        if due <= now {
                            ledger.add(ts, id);
                            arrived.lock().unwrap().insert(id, now);
                            false
                        } else {
                            true
                        }
                    });
                    let n = per_second[s as usize % per_second.len()];
                    for k in 0..n {
                        let ts = T0 + (s as i64) * 1_000_000_000 + i64::from(k) * 1_000;
                        if late_every > 0 && id.is_multiple_of(late_every) {
                            pending.push((now + late, ts, id));
                        } else {
                            ledger.add(ts, id);
                            arrived.lock().unwrap().insert(id, now);
                        }
                        id += 1;
                    }
                }
                for (due, ts, id) in pending {
                    tokio::time::sleep_until(due).await;
                    ledger.add(ts, id);
                    arrived.lock().unwrap().insert(id, Instant::now());
                }
                *made_so_far.lock().unwrap() = id;
                id
            })
        };
        let fetcher = ledger.clone();
        let mut stream = watch_fills(FillsQuery::new("get_fills", T0), options, move |w| {
            futures::future::ready(Ok::<_, Status>(fetcher.fetch(w)))
        });
        let mut yielded: HashMap<usize, u32> = HashMap::new();
        let mut delays = Vec::new();
        let mut first_poll_requests = None;
        // After the account stops: until every fill is seen (a stream over
        // its budget falls behind and catches up later), then two more lags
        // and pauses, for a late duplicate to show.
        let settle = options.lag * 2 + options.max_interval + Duration::from_secs(600);
        let mut end = start + Duration::from_secs(seconds + 2 * 86_400);
        while let Ok(Some(fill)) = tokio::time::timeout_at(end, stream.next()).await {
            let fill = fill.unwrap();
            let id: usize = fill["recordId"].as_str().unwrap()[1..].parse().unwrap();
            *yielded.entry(id).or_default() += 1;
            let at = arrived.lock().unwrap()[&id];
            delays.push(Instant::now().duration_since(at).as_secs_f64());
            if first_poll_requests.is_none() {
                first_poll_requests = Some(*ledger.requests.lock().unwrap());
            }
            if producer.is_finished() && Instant::now() >= start + Duration::from_secs(seconds) {
                let made = *made_so_far.lock().unwrap();
                if yielded.len() == made && end > Instant::now() + settle {
                    end = Instant::now() + settle;
                }
            }
        }
        if yielded.is_empty() {
            tokio::time::sleep_until(end).await;
        }
        let elapsed = Instant::now().duration_since(start).as_secs_f64();
        let made = producer.await.unwrap();
        let total = *ledger.requests.lock().unwrap();
        Run {
            requests: total - first_poll_requests.unwrap_or(1).min(total),
            made,
            yielded,
            elapsed,
            mean_delay: delays.iter().sum::<f64>() / delays.len().max(1) as f64,
            max_delay: delays.iter().copied().fold(0.0, f64::max),
        }
    }
}

#[cfg(test)]
mod follow_tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::simulation::run;
    use crate::paginate::WatchOptions;
    use crate::Plan;

    fn free_with_rescan() -> WatchOptions {
        WatchOptions {
            lag: Duration::from_secs(900),
            ..WatchOptions::for_plan(Plan::Free)
        }
    }

    /// `seconds` of `pattern`: every fill once, and no more requests than
    /// the budget of the time it took, plus the largest one poll can make
    /// (the last poll's pause may reach past the end).
    fn check(options: WatchOptions, seconds: u64, pattern: &[u32], late_every: usize) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let r = rt.block_on(run(
            options,
            seconds,
            pattern,
            late_every,
            Duration::from_secs(300),
        ));
        assert_eq!(r.yielded.len(), r.made, "every fill yielded: {pattern:?}");
        assert!(
            r.yielded.values().all(|n| *n == 1),
            "none twice: {pattern:?}"
        );
        let per_day = options.requests_per_day.unwrap() as f64;
        let busiest = f64::from(pattern.iter().copied().max().unwrap_or(0));
        let largest_poll = (2.0 * options.lag.as_secs_f64() * busiest / 500.0).ceil() + 3.0;
        let allowed = per_day * r.elapsed / 86_400.0 + largest_poll;
        assert!(
            (r.requests as f64) <= allowed,
            "{} requests in {:.0} s, budget {allowed:.0}: {pattern:?}",
            r.requests,
            r.elapsed
        );
    }

    #[test]
    fn follow_spends_within_budget_at_trickle_busy_and_idle() {
        // Trickle: 2 fills a second, every 7th late by 5 minutes.
        check(free_with_rescan(), 3_600, &[2], 7);
        // Busy: 30 a second, more than a page between polls, on High (on
        // Free it is more pages than the budget: the watch falls behind and
        // catches up, as the proptest's bursts show).
        let high = WatchOptions {
            lag: Duration::from_secs(900),
            ..WatchOptions::for_plan(Plan::High)
        };
        check(high, 1_200, &[30], 11);
        // Idle.
        check(free_with_rescan(), 3_600, &[0], 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]
        #[test]
        fn follow_spends_within_budget_and_yields_every_fill_once(
            pattern in proptest::collection::vec(prop_oneof![4 => Just(0u32), 3 => 1u32..4, 1 => 20u32..120], 1..40),
            late_every in prop_oneof![Just(0usize), 3usize..20],
        ) {
            check(free_with_rescan(), 1_200, &pattern, late_every);
        }
    }

    /// The figures of the closing note: a simulated day at 2 fills a second
    /// with the default follow of `ttrest sync --follow` (15-minute rescan),
    /// Free and High. `cargo test -p ttrest --lib follow_day -- --ignored --nocapture`.
    #[test]
    #[ignore = "a simulated day: run for the figures"]
    fn follow_day_at_trickle_free_and_high() {
        for plan in [Plan::Free, Plan::High] {
            let options = WatchOptions {
                lag: Duration::from_secs(900),
                ..WatchOptions::for_plan(plan)
            };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let r = rt.block_on(run(options, 86_400, &[2], 0, Duration::ZERO));
            assert_eq!(r.yielded.len(), r.made);
            let day = r.requests as f64 * 86_400.0 / r.elapsed;
            // One JSON line per plan, read by `cargo xtask bench --only quota`.
            println!(
                "{}",
                serde_json::json!({
                    "scenario": "follow-day", "plan": format!("{plan:?}").to_lowercase(),
                    "fills_per_s": 2, "requests_per_day": day.round(),
                    "budget": options.requests_per_day, "plan_day": plan.daily_limit(),
                    "mean_delay_s": r.mean_delay, "max_delay_s": r.max_delay,
                })
            );
            assert!(day <= options.requests_per_day.unwrap() as f64 + 5.0);
        }
    }
}
