//! The per-key rate limit of a TT usage plan: a token bucket per app key.

use std::collections::HashMap;
use std::sync::Mutex;
// tokio's clock: the real one, or a test's paused clock.
use tokio::time::Instant;

/// Token buckets keyed by app key; burst = one second's worth of requests.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    pub(crate) fn new(per_second: u32) -> Self {
        Self {
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how many whole seconds to wait.
    pub(crate) fn acquire(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().expect("rate buckets poisoned");
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: self.per_second,
            refilled: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.per_second);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            // Whole seconds, rounded up, as Retry-After carries.
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let limiter = RateLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.acquire("k", t0), Ok(()));
        }
        assert_eq!(limiter.acquire("k", t0), Err(1));
        assert_eq!(limiter.acquire("other", t0), Ok(()), "buckets are per key");
        assert_eq!(
            limiter.acquire("k", t0 + Duration::from_millis(400)),
            Ok(())
        );
    }
}
