//! Watching for new fills by polling with the loss-free cursor.

use std::future::Future;
use std::time::Duration;

use super::budget::{FollowBudget, FollowPacer, DEFAULT_FOLLOW_SHARE_PERCENT};
use super::error::FetchStatus;
use super::fills::{Engine, FillRecord, FillsQuery, FillsStream, FillsWindow};

/// How [`watch_fills`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    /// The shortest pause between two polls (default 5 s): the pause while
    /// fills arrive, unless the budget needs a longer one.
    pub interval: Duration,
    /// The longest pause while no fill arrives (default 60 s): each quiet
    /// poll doubles the pause up to it.
    pub max_interval: Duration,
    /// Requests per UTC day the watch may spend (default 5,000, half of a
    /// Free key's day; see [`WatchOptions::for_plan`]); `None` paces by the
    /// intervals alone. After each poll the watch waits at least
    /// `requests of the poll × 24 h ÷ this` (see [`FollowPacer`]).
    pub requests_per_day: Option<u64>,
    /// How far back the watch looks again for late fills (default 0).
    ///
    /// TT's ledger is not real time: a fill can show up after fills with later
    /// timestamps were already served. A lag of N seconds re-reads the last
    /// 2N seconds once every N seconds (and on the first poll), so every fill
    /// at most N seconds late is found, and yields what it had not seen, at
    /// the cost of (a) re-downloading those fills (requests paid from the
    /// same daily budget), (b) a cursor that remembers every fill key of the
    /// last 2N seconds, and (c) late fills arriving out of `timeStamp` order,
    /// up to N seconds after they showed up. Fills later than the lag may be
    /// missed; without a lag, only fills at the cursor's own timestamp are
    /// caught late.
    pub lag: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions::with_budget(FollowBudget::default())
    }
}

impl WatchOptions {
    /// [`DEFAULT_FOLLOW_SHARE_PERCENT`] (half) of `plan`'s day, 5 s to 60 s
    /// between polls, no lag.
    pub fn for_plan(plan: crate::Plan) -> Self {
        WatchOptions::with_budget(FollowBudget::for_plan(plan, DEFAULT_FOLLOW_SHARE_PERCENT))
    }

    /// The intervals and budget of `budget`, no lag.
    pub fn with_budget(budget: FollowBudget) -> Self {
        WatchOptions {
            interval: budget.min_interval,
            max_interval: budget.max_interval,
            requests_per_day: budget.requests_per_day,
            lag: Duration::ZERO,
        }
    }

    /// The pacing budget these options give.
    pub fn budget(&self) -> FollowBudget {
        FollowBudget {
            requests_per_day: self.requests_per_day,
            min_interval: self.interval,
            max_interval: self.max_interval.max(self.interval),
        }
    }
}

/// Yields fills as they appear, forever, polling within `options`' daily
/// budget: every `options.interval` while fills arrive, up to
/// `options.max_interval` while quiet, never faster than the budget allows.
///
/// Start it with [`FillsQuery::new`] (from a timestamp) or [`FillsQuery::resume`]
/// (from a saved [`FillsStream::cursor`]); no fill is yielded twice and none is
/// skipped across restarts. An error ends the stream; resume from its cursor.
pub fn watch_fills<'a, F, E, Fe, Fut>(
    query: FillsQuery<E>,
    options: WatchOptions,
    fetch: Fe,
) -> FillsStream<'a, F, E>
where
    F: FillRecord + Send + 'a,
    E: FetchStatus + Send + 'a,
    Fe: Fn(FillsWindow) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<F>, E>> + Send + 'a,
{
    // The rescan runs once per lag over twice the lag, so a fill up to one
    // lag late is read by the first rescan after it arrives; the cursor
    // remembers the keys of those two lags, so none is yielded twice.
    let window = i64::try_from(options.lag.as_nanos())
        .unwrap_or(i64::MAX)
        .saturating_mul(2);
    Engine::new(query, fetch, window)
        .into_stream(Some(FollowPacer::new(options.budget())), options.lag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paginate::fake::{fill, FakeLedger, Status};
    use crate::paginate::{FillsCursor, FillsStream, PaginationError};
    use futures::StreamExt;
    use serde_json::Value;

    const FAST: WatchOptions = WatchOptions {
        interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(1),
        requests_per_day: None,
        lag: Duration::ZERO,
    };

    fn watch(
        ledger: &FakeLedger,
        query: FillsQuery<Status>,
        options: WatchOptions,
    ) -> FillsStream<'static, Value, Status> {
        let l = ledger.clone();
        watch_fills(query.page_size(ledger.page_size), options, move |w| {
            l.fetch(w)
        })
    }

    // The tests run on tokio's paused clock: the polls' sleeps and these
    // time-outs advance it, never the wall clock.
    async fn take(stream: &mut FillsStream<'_, Value, Status>, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        while ids.len() < n {
            let next = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
            let fill = next
                .expect("a fill within 5 s")
                .expect("the watch never ends")
                .unwrap();
            ids.push(fill["recordId"].as_str().unwrap().to_string());
        }
        ids
    }

    async fn nothing_more(stream: &mut FillsStream<'_, Value, Status>) {
        let next = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
        assert!(next.is_err(), "unexpected item {next:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn resumes_from_a_saved_cursor_without_loss_or_duplicates() {
        // Triples of equal timestamps (100, 100, 100, 101...) across pages of 4.
        let mut ledger =
            FakeLedger::new((0..10).map(|i| fill(i, 100 + i as i64 / 3, 1, 1)).collect());
        ledger.page_size = 4;
        let mut stream = watch(&ledger, FillsQuery::new("get_fills", 0), FAST);
        assert_eq!(
            take(&mut stream, 10).await,
            (0..10).map(|i| format!("f{i}")).collect::<Vec<_>>()
        );
        nothing_more(&mut stream).await;
        let saved = serde_json::to_string(&stream.cursor()).unwrap();
        drop(stream);

        // While "down": more fills, two at the cursor's own timestamp (103).
        ledger.add([
            fill(10, 103, 1, 1),
            fill(11, 103, 1, 1),
            fill(12, 200, 1, 1),
            fill(13, 200, 1, 1),
        ]);
        let cursor: FillsCursor = serde_json::from_str(&saved).unwrap();
        assert_eq!(cursor.position(), 103);
        let mut stream = watch(&ledger, FillsQuery::resume("get_fills", cursor), FAST);
        assert_eq!(take(&mut stream, 4).await, ["f10", "f11", "f12", "f13"]);
        nothing_more(&mut stream).await;

        // And while running: a fill at the current timestamp again.
        ledger.add([fill(14, 200, 1, 1)]);
        assert_eq!(take(&mut stream, 1).await, ["f14"]);
        nothing_more(&mut stream).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_lag_window_catches_late_fills() {
        let ledger = FakeLedger::new(vec![fill(0, 1_000, 1, 1), fill(1, 5_000, 1, 1)]);
        let lagging = WatchOptions {
            lag: Duration::from_nanos(10_000),
            ..FAST
        };
        let mut stream = watch(&ledger, FillsQuery::new("get_fills", 0), lagging);
        assert_eq!(take(&mut stream, 2).await, ["f0", "f1"]);
        // A fill stamped before the last one shows up late.
        ledger.add([fill(2, 3_000, 1, 1)]);
        assert_eq!(take(&mut stream, 1).await, ["f2"]);
        nothing_more(&mut stream).await;
        assert_eq!(
            stream.cursor().remembered(),
            3,
            "keys of the lag window are kept"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_lag_a_late_earlier_fill_is_not_seen() {
        // Documents the trade-off: this is what `lag` is for.
        let ledger = FakeLedger::new(vec![fill(0, 1_000, 1, 1), fill(1, 5_000, 1, 1)]);
        let mut stream = watch(&ledger, FillsQuery::new("get_fills", 0), FAST);
        assert_eq!(take(&mut stream, 2).await, ["f0", "f1"]);
        ledger.add([fill(2, 3_000, 1, 1)]);
        nothing_more(&mut stream).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_ends_the_watch() {
        let failing = watch_fills(FillsQuery::new("get_fills", 0), FAST, |_w| async {
            Err::<Vec<Value>, _>(Status(401))
        });
        let items: Vec<_> = failing.collect().await;
        assert!(matches!(
            items[..],
            [Err(PaginationError::Fetch {
                source: Status(401),
                ..
            })]
        ));
    }
}
