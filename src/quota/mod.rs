//! A key's day of requests: one count per app key, environment and UTC day.
//!
//! TT caps every app key per day as well as per second (Free 10,000 requests
//! a day, Low 15,000, Medium 30,000, High 75,000; `docs/tt-rest-facts-3.md`
//! §1). Once the day is spent, everything on that key stops until 00:00 UTC,
//! so a session counts every attempt it makes (token requests, retries and
//! redirect hops included) in a [`DailyCount`] and refuses, with
//! [`crate::Error::QuotaExhausted`], an attempt that would pass the cap minus
//! a reserve.
//!
//! The count is shared through a [`DailyCount`] store:
//! - [`MemoryCount`]: one process (tests, short-lived tools);
//! - [`FileCount`]: a small file per key and environment under the user's
//!   state directory, updated under a file lock, so every process on the host
//!   using the key adds to the same count (the CLI's default);
//! - your own implementation (a database row, for syncs on several hosts).

mod exhausted;
mod file;
pub(crate) mod guard;
#[cfg(feature = "ttid")]
mod keyusage;
mod memory;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, NaiveDate, Utc};

use crate::env::Environment;

pub(crate) use exhausted::classify as classify_429;
pub use exhausted::{is_quota_exhausted, LIMIT_EXCEEDED};
pub use file::FileCount;
pub use guard::DEFAULT_RESERVE_PERCENT;
pub use memory::MemoryCount;

/// The future a [`DailyCount`] method returns (boxed, so the trait stays
/// object-safe: a session holds an `Arc<dyn DailyCount>`).
pub type CountFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CountError>> + Send + 'a>>;

/// Whose day a count is: the app key's id (never its secret), the
/// environment and the UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QuotaKey {
    /// The app key's id (the part before the `:` of TT's combined secret).
    pub app_key: String,
    /// The environment the key belongs to.
    pub environment: Environment,
    /// The UTC day counted.
    pub day: NaiveDate,
}

impl QuotaKey {
    /// The key of `app_key` in `environment` on the UTC day of `now`.
    pub fn new(app_key: impl Into<String>, environment: Environment, now: DateTime<Utc>) -> Self {
        QuotaKey {
            app_key: app_key.into(),
            environment,
            day: now.date_naive(),
        }
    }

    /// When this day's quota comes back: the next 00:00 UTC.
    pub fn resets_at(&self) -> DateTime<Utc> {
        next_midnight(self.day)
    }
}

/// 00:00 UTC of the day after `day`.
pub(crate) fn next_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}

/// A day's count as a store holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayUsage {
    /// Requests made on the key this day (every attempt), or more: the
    /// count only errs high.
    pub used: u64,
    /// TT said the day is spent (a 429 "Limit Exceeded"), or the store could
    /// not read its count and errs high: no attempt is admitted until the
    /// day ends.
    pub spent: bool,
}

/// A session's view of its key's day ([`crate::Session::daily_usage`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DailyUsage {
    /// Requests counted on the key this UTC day, by every process sharing
    /// the count (and TT's own figure, when read and higher).
    pub used: u64,
    /// The key's cap of requests per day, `None` when none is known.
    pub limit: Option<u64>,
    /// Requests of the cap kept back for the trader's own tools.
    pub reserve: u64,
    /// Requests the session may still make today (`limit - reserve - used`),
    /// `None` without a cap.
    pub remaining: Option<u64>,
    /// The day is spent (TT said "Limit Exceeded", or the count errs high).
    pub spent: bool,
    /// When the day's quota comes back: the next 00:00 UTC.
    pub resets_at: DateTime<Utc>,
}

/// The answer of [`DailyCount::try_add`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The attempts were added; the count after adding them.
    Admitted(DayUsage),
    /// Adding them would have passed the ceiling, or the day is spent;
    /// nothing was added. The count as it stands.
    Refused(DayUsage),
}

/// A shared count of a key's day of requests.
///
/// Implementations must make [`DailyCount::try_add`] atomic across every
/// process sharing the store (check and add as one step: a file lock, one
/// `UPDATE … WHERE used + n <= ceiling RETURNING used` row), and must never
/// lower a count within a day. Days are independent: a key's count of a new
/// day starts at 0.
pub trait DailyCount: Send + Sync + fmt::Debug {
    /// Adds `n` attempts to `key`'s day if the count stays at or below
    /// `ceiling` and the day is not spent; otherwise adds nothing.
    fn try_add<'a>(&'a self, key: &'a QuotaKey, n: u64, ceiling: u64)
        -> CountFuture<'a, Admission>;

    /// Raises `key`'s day to at least `used` (TT's own `/keyusage` figure)
    /// and marks it spent if `spent`; never lowers the count or clears
    /// `spent`. Returns the count after.
    fn raise<'a>(&'a self, key: &'a QuotaKey, used: u64, spent: bool) -> CountFuture<'a, DayUsage>;

    /// The count of `key`'s day (0 for a day never counted).
    fn get<'a>(&'a self, key: &'a QuotaKey) -> CountFuture<'a, DayUsage>;
}

/// A [`DailyCount`] store failed (I/O, a database error).
#[derive(Debug)]
pub struct CountError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl CountError {
    /// An error with a message naming what failed (the file, the database)
    /// and what to do.
    pub fn new(message: impl Into<String>) -> Self {
        CountError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        CountError {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for CountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CountError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod session_tests;
