//! [`MemoryCount`]: a day's count held in the process.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Admission, CountFuture, DailyCount, DayUsage, QuotaKey};

/// A [`DailyCount`] in memory: shared by the sessions holding the same
/// `Arc<MemoryCount>`, forgotten when the process ends. Keeps the current
/// and the previous days only.
#[derive(Debug, Default)]
pub struct MemoryCount {
    days: Mutex<HashMap<QuotaKey, DayUsage>>,
}

impl MemoryCount {
    /// An empty count.
    pub fn new() -> Self {
        MemoryCount::default()
    }

    fn with<T>(&self, key: &QuotaKey, f: impl FnOnce(&mut DayUsage) -> T) -> T {
        let mut days = self.days.lock().unwrap_or_else(|p| p.into_inner());
        // Days before yesterday can no longer be asked for by a running
        // session: drop them so a long-lived count stays small.
        if let Some(yesterday) = key.day.pred_opt() {
            days.retain(|k, _| k.day >= yesterday);
        }
        f(days.entry(key.clone()).or_default())
    }
}

impl DailyCount for MemoryCount {
    fn try_add<'a>(
        &'a self,
        key: &'a QuotaKey,
        n: u64,
        ceiling: u64,
    ) -> CountFuture<'a, Admission> {
        let admission = self.with(key, |day| admit(day, n, ceiling));
        Box::pin(async move { Ok(admission) })
    }

    fn raise<'a>(&'a self, key: &'a QuotaKey, used: u64, spent: bool) -> CountFuture<'a, DayUsage> {
        let day = self.with(key, |day| {
            raise(day, used, spent);
            *day
        });
        Box::pin(async move { Ok(day) })
    }

    fn get<'a>(&'a self, key: &'a QuotaKey) -> CountFuture<'a, DayUsage> {
        let day = self.with(key, |day| *day);
        Box::pin(async move { Ok(day) })
    }
}

/// The one rule of [`DailyCount::try_add`], shared by the stores.
pub(super) fn admit(day: &mut DayUsage, n: u64, ceiling: u64) -> Admission {
    match day.used.checked_add(n) {
        Some(after) if !day.spent && after <= ceiling => {
            day.used = after;
            Admission::Admitted(*day)
        }
        _ => Admission::Refused(*day),
    }
}

/// The one rule of [`DailyCount::raise`], shared by the stores.
pub(super) fn raise(day: &mut DayUsage, used: u64, spent: bool) {
    day.used = day.used.max(used);
    day.spent |= spent;
}
