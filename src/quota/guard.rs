//! The session's side of the day's count: admits each attempt, warns once
//! at 80 %, refuses past the cap minus the reserve.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

use super::{Admission, DailyCount, DailyUsage, DayUsage, QuotaKey};
use crate::env::Environment;
use crate::error::Error;

/// The wall clock of the day's count (injectable for tests).
pub(crate) type UtcClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Share of the day's cap kept back for the trader's own tools (5 %).
pub const DEFAULT_RESERVE_PERCENT: u8 = 5;

/// Share of the day at which the session warns (once a day).
const WARN_AT_PERCENT: u64 = 80;

/// One session's guard over its key's day.
pub(crate) struct DayGuard {
    count: Arc<dyn DailyCount>,
    app_key: String,
    environment: Environment,
    limit: Option<u64>,
    reserve: u64,
    clock: UtcClock,
    warned: Mutex<Option<NaiveDate>>,
    noted: std::sync::atomic::AtomicBool,
}

impl DayGuard {
    pub(crate) fn new(
        count: Arc<dyn DailyCount>,
        app_key: &str,
        environment: Environment,
        limit: Option<u64>,
        reserve_percent: u8,
        clock: UtcClock,
    ) -> Self {
        let reserve = limit.map_or(0, |l| (l * u64::from(reserve_percent)).div_ceil(100));
        DayGuard {
            count,
            app_key: app_key.to_string(),
            environment,
            limit,
            reserve,
            clock,
            warned: Mutex::new(None),
            noted: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The key of the current UTC day.
    pub(crate) fn key(&self) -> QuotaKey {
        QuotaKey::new(self.app_key.clone(), self.environment, (self.clock)())
    }

    /// The highest count an attempt may bring the day to.
    fn ceiling(&self) -> u64 {
        self.limit
            .map_or(u64::MAX, |l| l.saturating_sub(self.reserve))
    }

    /// The cap of the day, if any.
    pub(crate) fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// Counts one attempt, or refuses it with [`Error::QuotaExhausted`].
    pub(crate) async fn admit(&self) -> Result<(), Error> {
        let key = self.key();
        match self.count.try_add(&key, 1, self.ceiling()).await {
            Ok(Admission::Admitted(day)) => {
                crate::metrics::daily_usage(day.used, self.limit, self.reserve);
                self.maybe_warn(&key, day);
                Ok(())
            }
            Ok(Admission::Refused(day)) => {
                crate::metrics::daily_usage(day.used, self.limit, self.reserve);
                Err(self.exhausted(&key, day, false))
            }
            Err(e) => Err(Error::daily_count(format!(
                "cannot count the key's requests of the day: {e}"
            ))),
        }
    }

    fn maybe_warn(&self, key: &QuotaKey, day: DayUsage) {
        let Some(limit) = self.limit else { return };
        if day.used * 100 < limit * WARN_AT_PERCENT {
            return;
        }
        let mut warned = self.warned.lock().unwrap_or_else(|p| p.into_inner());
        if *warned != Some(key.day) {
            *warned = Some(key.day);
            tracing::warn!(
                used = day.used,
                limit,
                resets_at = %key.resets_at(),
                "80 % of the key's daily quota is used; it resets at 00:00 UTC"
            );
        }
    }

    /// The error of a refused attempt.
    pub(crate) fn exhausted(&self, key: &QuotaKey, day: DayUsage, by_tt: bool) -> Error {
        Error::QuotaExhausted {
            call: None,
            used: day.used,
            limit: self.limit,
            reserve: self.reserve,
            by_tt,
            resets_at: key.resets_at(),
        }
    }

    #[cfg_attr(not(feature = "ttid"), allow(dead_code))]
    /// Says `what` at debug level, once per session (why TT's own count
    /// cannot be read).
    pub(crate) fn note_once(&self, what: &str) {
        if !self.noted.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::debug!("{what}");
        }
    }

    /// TT said the day is spent: mark it so every process stops.
    pub(crate) async fn mark_spent(&self) -> Error {
        let key = self.key();
        let day = match self.count.raise(&key, 0, true).await {
            Ok(day) => day,
            Err(e) => {
                tracing::warn!(error = %e, "cannot mark the key's day spent in the shared count");
                DayUsage {
                    used: 0,
                    spent: true,
                }
            }
        };
        self.exhausted(&key, day, true)
    }

    /// Raises the count to TT's own figure.
    pub(crate) async fn raise_to(&self, used: u64) -> Result<DayUsage, Error> {
        let key = self.key();
        self.count.raise(&key, used, false).await.map_err(|e| {
            Error::daily_count(format!("cannot update the key's count of the day: {e}"))
        })
    }

    /// The day as it stands.
    pub(crate) async fn usage(&self) -> Result<DailyUsage, Error> {
        let key = self.key();
        let day = self.count.get(&key).await.map_err(|e| {
            Error::daily_count(format!("cannot read the key's count of the day: {e}"))
        })?;
        Ok(DailyUsage {
            used: day.used,
            limit: self.limit,
            reserve: self.reserve,
            remaining: self
                .limit
                .map(|_| self.ceiling().saturating_sub(day.used))
                .map(|r| if day.spent { 0 } else { r }),
            spent: day.spent,
            resets_at: key.resets_at(),
        })
    }
}

impl std::fmt::Debug for DayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DayGuard")
            .field("count", &self.count)
            .field("environment", &self.environment)
            .field("limit", &self.limit)
            .field("reserve", &self.reserve)
            .finish_non_exhaustive()
    }
}
