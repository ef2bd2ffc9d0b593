//! [`FillsCursor`]: how far a fills stream got, exactly enough to resume it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::key::FillKey;

/// The position of a fills stream: every fill before `position` was yielded, and
/// of the fills at the timestamps still kept, exactly those in `seen`.
///
/// Serializable so a service can save it (e.g. as JSON) after each fill and resume
/// after a restart with neither loss nor duplicates. Its size is the number of
/// fills sharing the last timestamp (plus those inside the lag window, if any).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FillsCursor {
    /// The first timestamp asked for; rescans never go below it.
    since: i64,
    /// Every fill with `timeStamp < position` has been yielded (up to the lag window).
    position: i64,
    /// Dedup keys already yielded, by timestamp, for timestamps `>= position - lag`.
    seen: BTreeMap<i64, BTreeSet<FillKey>>,
}

impl FillsCursor {
    /// A cursor before the first fill at or after `since` (epoch ns).
    pub fn since(since: i64) -> Self {
        Self {
            since,
            position: since,
            seen: BTreeMap::new(),
        }
    }

    /// The first timestamp the stream asked for (epoch ns).
    pub fn start(&self) -> i64 {
        self.since
    }

    /// Every fill before this timestamp (epoch ns) has been yielded.
    pub fn position(&self) -> i64 {
        self.position
    }

    /// How many fill keys the cursor remembers.
    pub fn remembered(&self) -> usize {
        self.seen.values().map(BTreeSet::len).sum()
    }

    /// Whether the fill `(ts, key)` was already yielded.
    pub(crate) fn contains(&self, ts: i64, key: &FillKey) -> bool {
        self.seen.get(&ts).is_some_and(|keys| keys.contains(key))
    }

    /// Where a scan should start: `lag` ns before the position, never before `since`.
    pub(crate) fn scan_start(&self, lag: i64) -> i64 {
        self.position.saturating_sub(lag).max(self.since)
    }

    /// Records a yielded fill.
    pub(crate) fn record(&mut self, ts: i64, key: FillKey, lag: i64) {
        self.seen.entry(ts).or_default().insert(key);
        if ts > self.position {
            self.position = ts;
            self.prune(lag);
        }
    }

    /// Records that every fill with `timeStamp <= ts` has been yielded.
    pub(crate) fn complete_through(&mut self, ts: i64, lag: i64) {
        let next = ts.saturating_add(1);
        if next > self.position {
            self.position = next;
            self.prune(lag);
        }
    }

    /// Forgets keys older than the lag window: a rescan never goes below it.
    fn prune(&mut self, lag: i64) {
        let floor = self.position.saturating_sub(lag);
        // In place: called for every new timestamp, usually to drop one entry.
        while self
            .seen
            .first_key_value()
            .is_some_and(|(&ts, _)| ts < floor)
        {
            self.seen.pop_first();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_timestamp_without_lag() {
        let mut c = FillsCursor::since(10);
        c.record(10, "a".into(), 0);
        c.record(12, "b".into(), 0);
        c.record(12, "c".into(), 0);
        assert_eq!(c.position(), 12);
        assert!(!c.contains(10, &"a".into()));
        assert!(c.contains(12, &"b".into()) && c.contains(12, &"c".into()));
        assert_eq!(c.remembered(), 2);
    }

    #[test]
    fn keeps_the_lag_window() {
        let mut c = FillsCursor::since(0);
        c.record(100, "a".into(), 50);
        c.record(140, "b".into(), 50);
        assert!(c.contains(100, &"a".into()));
        c.record(151, "c".into(), 50);
        assert!(!c.contains(100, &"a".into()));
        assert_eq!(c.scan_start(50), 101);
    }

    #[test]
    fn complete_through_moves_past_the_timestamp() {
        let mut c = FillsCursor::since(0);
        c.record(5, "a".into(), 0);
        c.complete_through(9, 0);
        assert_eq!(c.position(), 10);
        assert_eq!(c.remembered(), 0);
        c.complete_through(3, 0);
        assert_eq!(c.position(), 10, "never moves back");
    }

    #[test]
    fn scan_never_goes_below_since() {
        let c = FillsCursor::since(1_000);
        assert_eq!(c.scan_start(5_000), 1_000);
    }

    #[test]
    fn round_trips_through_json() {
        let mut c = FillsCursor::since(1);
        c.record(1_700_000_000_000_000_123, "r:1".into(), 0);
        c.record(1_700_000_000_000_000_123, "u:2".into(), 0);
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<FillsCursor>(&text).unwrap(), c);
    }
}
