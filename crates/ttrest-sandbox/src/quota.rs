//! The daily quota of a TT usage plan: a count per app key and UTC day.
//!
//! API Gateway answers a spent usage-plan quota with HTTP 429 and
//! `{"message": "Limit Exceeded"}` until the quota period restarts (for TT,
//! a DAY period: the next 00:00 UTC; `docs/tt-rest-facts-3.md` §1). Every
//! request that passes the key check counts, the token request included.
//!
//! The sandbox's UTC clock is its start time plus tokio's elapsed time, so
//! tests on tokio's paused clock can cross midnight by advancing time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

const DAY_SECS: u64 = 86_400;

/// Requests per key and UTC day, refused past the cap.
#[derive(Debug)]
pub(crate) struct DayCounts {
    cap: Option<u64>,
    /// Seconds since the epoch at `started`.
    start_secs: f64,
    started: Instant,
    days: Mutex<HashMap<String, (u64, u64)>>,
}

impl DayCounts {
    pub(crate) fn new(cap: Option<u64>, utc_start: SystemTime) -> Self {
        DayCounts {
            cap,
            start_secs: utc_start
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            started: Instant::now(),
            days: Mutex::new(HashMap::new()),
        }
    }

    /// The UTC day number (days since 1970-01-01) now.
    fn today(&self) -> u64 {
        let now = self.start_secs + self.started.elapsed().as_secs_f64();
        now as u64 / DAY_SECS
    }

    /// Counts one request of `key`, or refuses it: the day's cap is reached.
    pub(crate) fn admit(&self, key: &str) -> Result<(), ()> {
        let today = self.today();
        let mut days = self.days.lock().expect("day counts poisoned");
        let entry = days.entry(key.to_string()).or_insert((today, 0));
        if entry.0 != today {
            *entry = (today, 0);
        }
        if self.cap.is_some_and(|cap| entry.1 >= cap) {
            return Err(());
        }
        entry.1 += 1;
        Ok(())
    }

    /// Requests of `key` counted today.
    pub(crate) fn used(&self, key: &str) -> u64 {
        let today = self.today();
        let days = self.days.lock().expect("day counts poisoned");
        days.get(key)
            .filter(|(day, _)| *day == today)
            .map_or(0, |(_, used)| *used)
    }

    /// The cap, if any.
    pub(crate) fn cap(&self) -> Option<u64> {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn the_cap_holds_until_utc_midnight() {
        // 23:59:00 UTC.
        let start = UNIX_EPOCH + Duration::from_secs(20_000 * DAY_SECS + DAY_SECS - 60);
        let days = DayCounts::new(Some(3), start);
        for _ in 0..3 {
            assert_eq!(days.admit("k"), Ok(()));
        }
        assert_eq!(days.admit("k"), Err(()));
        assert_eq!(days.admit("other"), Ok(()), "counts are per key");
        assert_eq!(days.used("k"), 3);
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(days.admit("k"), Err(()), "still the same day");
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(days.admit("k"), Ok(()), "a new UTC day");
        assert_eq!(days.used("k"), 1);
    }
}
