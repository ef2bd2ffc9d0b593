//! Watching for new fills by polling with the loss-free cursor.

use std::future::Future;
use std::time::Duration;

use super::error::FetchStatus;
use super::fills::{Engine, FillRecord, FillsQuery, FillsStream, FillsWindow};

/// How [`watch_fills`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchOptions {
    /// Pause between two polls (default 5 s).
    pub interval: Duration,
    /// How far back each poll looks again (default 0).
    ///
    /// TT's ledger is not real time: a fill can show up after fills with later
    /// timestamps were already served. A lag of N seconds re-reads the last N
    /// seconds on every poll and yields what it had not seen, at the cost of
    /// (a) re-downloading those fills each poll (more requests against the daily
    /// quota), (b) a cursor that remembers every fill key of the last N seconds,
    /// and (c) late fills arriving out of `timeStamp` order. Fills later than
    /// the lag are still missed; without a lag, only fills at the cursor's own
    /// timestamp are caught late.
    pub lag: Duration,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            lag: Duration::ZERO,
        }
    }
}

/// Yields fills as they appear, forever, polling every `options.interval`.
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
    let lag = i64::try_from(options.lag.as_nanos()).unwrap_or(i64::MAX);
    Engine::new(query, fetch, lag).into_stream(Some(options.interval))
}
