//! Concurrent time windows over the loss-free fills paginator.
//!
//! One fills stream pages one request after another, so over a real network it
//! runs at `1 / latency` requests a second, far below a usage plan's rate (plan
//! High allows 25/s; at 100 ms of latency one stream uses 10). [`fills_windows`]
//! cuts the query's range into windows and pages several at once, each with the
//! sequential loss-free stream of [`fills_stream`](super::fills_stream), and
//! yields the fills in `timeStamp` order, each exactly once:
//!
//! - **Windows partition the integer time line**: window `i` is `[lo_i, hi_i]`
//!   (both inclusive, as `minTimestamp`/`maxTimestamp` are) and the next one
//!   starts at `hi_i + 1`. A timestamp, and so every fill of a cluster sharing
//!   it, belongs to exactly one window, which pages it with the usual
//!   re-ask-inclusive and cluster narrowing. Boundaries cannot cut a cluster.
//! - **Windows split adaptively**: the first window is the whole range. When a
//!   full page comes back, the page's time span says how dense the data is
//!   there, and the window keeps about [`WindowOptions::pages_per_window`]
//!   pages and hands the rest of its range to a new window, which does the
//!   same with its own first page. The split point is always past every fill
//!   the window has already received, and answers still in flight are cut at
//!   the new bound: a page is the oldest fills of its window, so a page cut at
//!   the bound holds every fill below it, and the window ends there. Windows
//!   are only made where a full page proved there is data, so a dense hour and
//!   an empty month both cost no request beyond each window's last page.
//! - **Concurrency follows the plan**: the number of windows paging at once is
//!   `rate x latency` (latency as measured, the fastest round trip seen) plus
//!   headroom, so the session's shared rate limiter, not latency, bounds the
//!   pull; where one window alone keeps up with the rate, nothing is split.
//!   Every request still goes through the session's limiter and retries, so
//!   the pull causes no 429 that sequential paging would not.
//! - **Memory is bounded**: a window ahead of the one being yielded buffers at
//!   most its own pages (about `pages_per_window + 2`), and at most
//!   `concurrency + 2` windows are started at once; a window that is done waits.
//!
//! Watching for new fills stays sequential ([`watch_fills`](super::watch_fills)).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::SystemTime;

use futures::stream::{Stream, StreamExt};

use super::concurrent::{Concurrency, ConcurrentOptions};
use super::cursor::FillsCursor;
use super::error::{FetchStatus, PaginationError};
use super::fills::{fills_stream, FillRecord, FillsFilter, FillsQuery, FillsStream, FillsWindow};
use crate::Plan;

/// How [`fills_windows`] pages concurrently.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowOptions {
    /// The session's requests per second (its plan), `None` if unlimited.
    pub rate: Option<f64>,
    /// The most windows paging at once.
    pub max_concurrency: usize,
    /// About how many pages a window holds once the density is known.
    pub pages_per_window: usize,
}

impl Default for WindowOptions {
    fn default() -> Self {
        Self {
            rate: None,
            max_concurrency: 8,
            pages_per_window: 8,
        }
    }
}

impl WindowOptions {
    /// Options for a session on `plan`: as many windows as its rate needs.
    ///
    /// Without a client-side limit ([`Plan::Unlimited`]) 4 windows page at once.
    pub fn for_plan(plan: Plan) -> Self {
        let calls = ConcurrentOptions::for_plan(plan);
        Self {
            rate: calls.rate,
            max_concurrency: calls.max_concurrency,
            ..Self::default()
        }
    }
}

/// Part of a page's room left free when sizing a window, so a window of
/// `pages_per_window` pages' worth rarely needs one more request.
const MARGIN_PAGES: f64 = 0.2;

/// What every window shares: what was learned about latency and density.
struct Shared {
    page_size: usize,
    pages_per_window: usize,
    /// How many windows page at once: `rate x latency`, as for other calls.
    adaptive: Concurrency,
    /// The filter of the query: requests with another one narrow a cluster.
    filter: FillsFilter,
    /// "Now" when the pull started: the end of an open-ended range, for sizing.
    horizon: i64,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    /// Nanoseconds a full page of fills spans (moving average).
    page_span: Option<f64>,
}

/// The range of one window, shared between the scheduler and its fetches.
struct Bounds {
    lo: i64,
    /// Inclusive upper end; `None` is open-ended (up to now).
    upper: Option<i64>,
    /// The newest timestamp any answer of this window held.
    seen_hi: i64,
    /// Ranges cut off this window, for the scheduler to start as new windows.
    split_off: Vec<(i64, Option<i64>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update under these locks is complete before it can panic.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn window_cap(&self) -> usize {
        (self.pages_per_window + 2) * self.page_size
    }

    /// How many windows may page at once now.
    fn limit(&self) -> usize {
        self.adaptive.limit()
    }

    fn width_of(&self, page_span: f64) -> i64 {
        let pages = (self.pages_per_window as f64 - MARGIN_PAGES).max(0.5);
        (page_span * pages).clamp(1.0, i64::MAX as f64 / 4.0) as i64
    }

    /// Learns from one answer of a window; splits the window if it is too wide.
    fn absorb<F: FillRecord>(&self, bounds: &Mutex<Bounds>, page: &mut Vec<F>, asked: &Asked) {
        let mut b = lock(bounds);
        if let Some(upper) = b.upper {
            // Cut at a bound that moved while the request was in flight.
            page.retain(|f| f.timestamp().is_none_or(|ts| ts <= upper));
        }
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for ts in page.iter().filter_map(FillRecord::timestamp) {
            first = first.min(ts);
            last = last.max(ts);
        }
        b.seen_hi = b.seen_hi.max(last);
        if !asked.main {
            return;
        }
        if page.len() >= self.page_size && last >= first {
            let span = (last - first + 1) as f64;
            let span = {
                let mut stats = lock(&self.stats);
                let avg = stats.page_span.map_or(span, |s| 0.7 * s + 0.3 * span);
                stats.page_span = Some(avg);
                avg
            };
            if self.limit() > 1 {
                self.split(&mut b, span);
            }
        }
    }

    /// Keeps about `pages_per_window` pages in this window and cuts off the rest.
    fn split(&self, b: &mut Bounds, page_span: f64) {
        let keep = self.width_of(page_span) - page_span as i64;
        let cut = b.seen_hi.saturating_add(1).saturating_add(keep.max(1));
        let end = b.upper.unwrap_or(self.horizon);
        // Only if what is cut off is worth at least a page.
        if end.saturating_sub(cut) > page_span as i64 {
            b.split_off.push((cut, b.upper));
            b.upper = Some(cut - 1);
        }
    }
}

/// What one request of a window asked for.
struct Asked {
    /// A scan of the window, not a narrowed request for one timestamp.
    main: bool,
}

/// One window's request for a page.
type PageFuture<'a, F, E> = Pin<Box<dyn Future<Output = Result<Vec<F>, E>> + Send + 'a>>;

/// A fetch function as one window calls it: clamped to the window's current
/// bound, timed, and learned from.
fn window_fetch<'a, F, E, Fe, Fut>(
    fetch: Fe,
    bounds: Arc<Mutex<Bounds>>,
    shared: Arc<Shared>,
) -> impl Fn(FillsWindow) -> PageFuture<'a, F, E> + Send + 'a
where
    F: FillRecord + Send + 'a,
    E: Send + 'a,
    Fe: Fn(FillsWindow) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<F>, E>> + Send + 'a,
{
    move |mut window: FillsWindow| {
        let upper = lock(&bounds).upper;
        if let Some(upper) = upper {
            if window.min_ts > upper {
                // The window was cut below this request: nothing left to ask.
                return Box::pin(async { Ok(Vec::new()) });
            }
            window.max_ts = Some(window.max_ts.map_or(upper, |m| m.min(upper)));
        }
        let asked = Asked {
            main: window.filter == shared.filter && window.max_ts != Some(window.min_ts),
        };
        let call = fetch(window);
        let (bounds, shared) = (Arc::clone(&bounds), Arc::clone(&shared));
        Box::pin(async move {
            let started = tokio::time::Instant::now();
            let mut page = call.await?;
            shared.adaptive.observe(started.elapsed());
            shared.absorb(&bounds, &mut page, &asked);
            Ok(page)
        })
    }
}

/// Starts the stream of one window.
type Starter<'a, F, E> =
    Box<dyn FnMut(FillsQuery<E>, Arc<Mutex<Bounds>>) -> FillsStream<'a, F, E> + Send + 'a>;

struct Window<'a, F, E> {
    bounds: Arc<Mutex<Bounds>>,
    /// `None` until started.
    stream: Option<FillsStream<'a, F, E>>,
    buffer: VecDeque<F>,
    done: bool,
}

impl<F, E> Window<'_, F, E> {
    fn pending(lo: i64, upper: Option<i64>) -> Self {
        Self {
            bounds: Arc::new(Mutex::new(Bounds {
                lo,
                upper,
                seen_hi: lo.saturating_sub(1),
                split_off: Vec::new(),
            })),
            stream: None,
            buffer: VecDeque::new(),
            done: false,
        }
    }
}

/// The fills of a query's range, paged in concurrent windows, in `timeStamp`
/// order and each exactly once (see [`fills_windows`]).
///
/// The stream ends after the range is exhausted or after yielding one error.
pub struct WindowedFills<'a, F, E> {
    windows: VecDeque<Window<'a, F, E>>,
    shared: Arc<Shared>,
    template: FillsQuery<E>,
    /// The query's own cursor, for the first window (a resumed pull).
    first_cursor: Option<FillsCursor>,
    start: Starter<'a, F, E>,
    finished: bool,
}

// Never pinned in place: the windows are polled through `&mut`.
impl<F, E> Unpin for WindowedFills<'_, F, E> {}

impl<F, E> fmt::Debug for WindowedFills<'_, F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WindowedFills")
            .field("windows", &self.windows.len())
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

/// Streams every fill of `query`'s range once, in `timeStamp` order, paging
/// time windows concurrently (see [`WindowOptions`] for the knobs).
///
/// Windows partition the range's integer timestamps, so a cluster of fills
/// sharing one is paged by exactly one window; a window that gets a full page
/// keeps about `pages_per_window` pages and hands the rest to a new window;
/// `rate x latency` windows page at once, so the rate limiter bounds the pull;
/// windows ahead buffer at most their own pages. An error ends the stream.
///
/// `fetch` is the same one-request function as for
/// [`fills_stream`](super::fills_stream), cloned for each window; give it the
/// session's rate limiter and retries. The query's `maxTimestamp` bounds the
/// range; without one it ends at the newest fill when the pull runs.
pub fn fills_windows<'a, F, E, Fe, Fut>(
    mut query: FillsQuery<E>,
    options: WindowOptions,
    fetch: Fe,
) -> WindowedFills<'a, F, E>
where
    F: FillRecord + Send + 'a,
    E: FetchStatus + Send + 'a,
    Fe: Fn(FillsWindow) -> Fut + Clone + Send + 'a,
    Fut: Future<Output = Result<Vec<F>, E>> + Send + 'a,
{
    let cursor = std::mem::take(&mut query.cursor);
    let shared = Arc::new(Shared {
        page_size: query.page_size,
        pages_per_window: options.pages_per_window.max(1),
        adaptive: Concurrency::new(&ConcurrentOptions {
            rate: options.rate,
            max_concurrency: options.max_concurrency,
            ..ConcurrentOptions::default()
        }),
        filter: query.filter.clone(),
        horizon: now_ns(),
        stats: Mutex::default(),
    });
    let for_windows = Arc::clone(&shared);
    let start: Starter<'a, F, E> = Box::new(move |query, bounds| {
        let fetch = window_fetch(fetch.clone(), bounds, Arc::clone(&for_windows));
        fills_stream(query, fetch)
    });
    let first = Window::pending(cursor.scan_start(0), query.max_ts);
    WindowedFills {
        windows: VecDeque::from([first]),
        shared,
        template: query,
        first_cursor: Some(cursor),
        start,
        finished: false,
    }
}

impl<F, E> WindowedFills<'_, F, E> {
    /// Inserts the ranges cut off windows right after them; true if any.
    fn take_splits(&mut self) -> bool {
        let mut any = false;
        let mut i = 0;
        while i < self.windows.len() {
            let mut cut = std::mem::take(&mut lock(&self.windows[i].bounds).split_off);
            cut.sort_by_key(|(lo, _)| *lo);
            for (k, (lo, upper)) in cut.into_iter().enumerate() {
                self.windows.insert(i + 1 + k, Window::pending(lo, upper));
                any = true;
            }
            i += 1;
        }
        any
    }

    /// Starts pending windows, earliest first, while the limits allow.
    fn start_windows(&mut self) -> bool {
        let limit = self.shared.limit();
        let mut any = false;
        while let Some(i) = self.windows.iter().position(|w| w.stream.is_none()) {
            let started = self.windows.iter().filter(|w| w.stream.is_some());
            let held = started.clone().count();
            let fetching = started.filter(|w| !w.done).count();
            // The head always runs: it is what the stream yields next.
            if i > 0 && (fetching >= limit || held >= limit + 2) {
                break;
            }
            let mut query = self.template.clone();
            let bounds = Arc::clone(&self.windows[i].bounds);
            {
                let b = lock(&bounds);
                query.cursor = match self.first_cursor.take() {
                    Some(cursor) => cursor,
                    None => FillsCursor::since(b.lo),
                };
                query.max_ts = b.upper;
            }
            self.windows[i].stream = Some((self.start)(query, bounds));
            any = true;
        }
        any
    }

    fn splits_waiting(&self) -> bool {
        self.windows
            .iter()
            .any(|w| !lock(&w.bounds).split_off.is_empty())
    }
}

impl<F, E> Stream for WindowedFills<'_, F, E> {
    type Item = Result<F, PaginationError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        let cap = this.shared.window_cap();
        loop {
            let mut changed = this.take_splits() | this.start_windows();
            // Windows ahead of the head fetch while they have room.
            for w in this.windows.iter_mut().skip(1) {
                let Some(stream) = w.stream.as_mut() else {
                    continue;
                };
                while !w.done && w.buffer.len() < cap {
                    match stream.poll_next_unpin(cx) {
                        Poll::Ready(Some(Ok(fill))) => w.buffer.push_back(fill),
                        Poll::Ready(Some(Err(e))) => {
                            // An error ends the pull at once: no more requests.
                            this.finished = true;
                            return Poll::Ready(Some(Err(e)));
                        }
                        Poll::Ready(None) => {
                            w.done = true;
                            changed = true;
                        }
                        Poll::Pending => break,
                    }
                }
            }
            let Some(head) = this.windows.front_mut() else {
                this.finished = true;
                return Poll::Ready(None);
            };
            if let Some(fill) = head.buffer.pop_front() {
                return Poll::Ready(Some(Ok(fill)));
            }
            if !head.done {
                let Some(stream) = head.stream.as_mut() else {
                    // start_windows always starts the head; nothing to poll yet.
                    continue;
                };
                match stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(fill))) => return Poll::Ready(Some(Ok(fill))),
                    Poll::Ready(Some(Err(e))) => {
                        this.finished = true;
                        return Poll::Ready(Some(Err(e)));
                    }
                    Poll::Ready(None) => {}
                    Poll::Pending => {
                        if changed || this.splits_waiting() {
                            continue;
                        }
                        return Poll::Pending;
                    }
                }
            }
            // The head is exhausted: the next window is yielded from now on.
            this.windows.pop_front();
        }
    }
}

/// Now, in epoch ns (saturating).
fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paginate::fake::{fill, FakeLedger, Status};
    use serde_json::Value;
    use std::collections::HashSet;
    use std::time::Duration;

    fn run(
        ledger: &FakeLedger,
        query: FillsQuery<Status>,
        options: WindowOptions,
    ) -> (Vec<(i64, String)>, Option<PaginationError<Status>>) {
        let l = ledger.clone();
        let stream = fills_windows(query.page_size(ledger.page_size), options, move |w| {
            l.fetch(w)
        });
        let mut got = Vec::new();
        let mut error = None;
        for item in futures::executor::block_on(stream.collect::<Vec<Result<Value, _>>>()) {
            match item {
                Ok(f) => got.push((
                    f.timestamp().unwrap(),
                    f["recordId"].as_str().unwrap().to_string(),
                )),
                Err(e) => error = Some(e),
            }
        }
        (got, error)
    }

    fn check_exactly_once(got: &[(i64, String)], fills: &[Value]) {
        let ids: HashSet<&String> = got.iter().map(|(_, id)| id).collect();
        assert_eq!(ids.len(), got.len(), "no fill twice");
        assert_eq!(got.len(), fills.len(), "no fill lost");
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
    }

    fn options() -> WindowOptions {
        WindowOptions {
            rate: None,
            max_concurrency: 4,
            pages_per_window: 3,
        }
    }

    #[test]
    fn dense_data_splits_into_windows_and_keeps_every_fill_once() {
        // Clusters of 1..5 fills every 10 ns; page size 20.
        let fills: Vec<Value> = (0..2_000)
            .map(|i| fill(i, 1_000 + (i as i64 / 3) * 10, 1, 1))
            .collect();
        let mut ledger = FakeLedger::new(fills.clone());
        ledger.page_size = 20;
        let (got, error) = run(&ledger, FillsQuery::new("get_fills", 0), options());
        assert!(error.is_none(), "{error:?}");
        check_exactly_once(&got, &fills);
        let requests = ledger.requests.lock().unwrap();
        let windows: HashSet<i64> = requests.iter().filter_map(|w| w.max_ts).collect();
        assert!(windows.len() > 10, "split into windows: {}", windows.len());
    }

    #[test]
    fn clusters_on_window_bounds_are_neither_lost_nor_doubled() {
        // Every timestamp holds a cluster of 7, so every bound cuts next to one;
        // page size 10 makes each page cut a cluster too.
        let fills: Vec<Value> = (0..1_400)
            .map(|i| fill(i, 100 + (i as i64 / 7) * 3, 1 + (i % 2) as u64, 1))
            .collect();
        let mut ledger = FakeLedger::new(fills.clone());
        ledger.page_size = 10;
        let (got, error) = run(&ledger, FillsQuery::new("get_fills", 0), options());
        assert!(error.is_none(), "{error:?}");
        check_exactly_once(&got, &fills);
    }

    #[test]
    fn a_dense_hour_inside_a_sparse_range() {
        let mut fills: Vec<Value> = (0..50)
            .map(|i| fill(i, i as i64 * 1_000_000, 1, 1))
            .collect();
        fills.extend((50..1_050).map(|i| fill(i, 60_000_000 + i as i64, 1, 1)));
        fills.extend((1_050..1_100).map(|i| fill(i, 90_000_000 + i as i64 * 1_000_000, 1, 1)));
        let mut ledger = FakeLedger::new(fills.clone());
        ledger.page_size = 25;
        let (got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 0).max_ts(2_000_000_000),
            options(),
        );
        assert!(error.is_none(), "{error:?}");
        check_exactly_once(&got, &fills);
        let requests = ledger.requests.lock().unwrap().len();
        // 44 pages of data; the sparse stretches must not cost a request each.
        assert!(requests < 120, "{requests} requests");
    }

    #[test]
    fn max_ts_bounds_the_range() {
        let fills: Vec<Value> = (0..300).map(|i| fill(i, i as i64, 1, 1)).collect();
        let mut ledger = FakeLedger::new(fills.clone());
        ledger.page_size = 10;
        let (got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 50).max_ts(249),
            options(),
        );
        assert!(error.is_none(), "{error:?}");
        check_exactly_once(&got, &fills[50..250]);
        assert_eq!(got.first().map(|g| g.0), Some(50));
        assert_eq!(got.last().map(|g| g.0), Some(249));
    }

    #[test]
    fn timeouts_inside_windows_halve_them_and_lose_nothing() {
        let fills: Vec<Value> = (0..400).map(|i| fill(i, i as i64 * 100, 1, 1)).collect();
        let mut ledger = FakeLedger::new(fills.clone());
        ledger.page_size = 15;
        ledger.timeout_wider_than = Some(5_000);
        let (got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 0).max_ts(50_000),
            options(),
        );
        assert!(error.is_none(), "{error:?}");
        check_exactly_once(&got, &fills);
    }

    #[test]
    fn an_error_in_any_window_ends_the_stream() {
        let stream = fills_windows(
            FillsQuery::new("get_fills", 0).max_ts(1_000),
            options(),
            |_w| async { Err::<Vec<Value>, _>(Status(500)) },
        );
        let items = futures::executor::block_on(stream.collect::<Vec<_>>());
        assert_eq!(items.len(), 1);
        assert!(matches!(
            items[0],
            Err(PaginationError::Fetch {
                source: Status(500),
                ..
            })
        ));
    }

    #[test]
    fn concurrency_follows_rate_times_latency() {
        let shared = Shared {
            page_size: 500,
            pages_per_window: 8,
            adaptive: Concurrency::new(&ConcurrentOptions {
                rate: Some(25.0),
                max_concurrency: 8,
                ..ConcurrentOptions::default()
            }),
            filter: FillsFilter::default(),
            horizon: 0,
            stats: Mutex::default(),
        };
        assert_eq!(shared.limit(), 1, "one window until latency is known");
        shared.adaptive.observe(Duration::from_millis(400));
        shared.adaptive.observe(Duration::from_millis(100));
        // 0.1 s x 25/s x 1.25 = 3.125 -> 4, plus one.
        assert_eq!(shared.limit(), 5);
        shared.adaptive.observe(Duration::from_millis(20));
        assert_eq!(shared.limit(), 1, "20 ms x 25/s: one window keeps up");
        assert_eq!(WindowOptions::for_plan(Plan::Unlimited).max_concurrency, 4);
        let high = WindowOptions::for_plan(Plan::High).rate.unwrap();
        assert!((high - 25.0).abs() < 1e-9);
    }
}
