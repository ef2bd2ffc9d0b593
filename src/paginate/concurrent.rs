//! Independent requests run concurrently, their records yielded in request order.
//!
//! One paged call, or one `/orders` chunk after another, runs at `1 / latency`
//! requests a second, far below a usage plan's rate over a real network.
//! Independent calls (one per account, one per chunk of accounts) need not
//! wait for each other: [`items_concurrent`] and
//! [`orders_stream`](super::orders_stream) run several at once and yield
//! their records exactly as running them one after another would:
//!
//! - **Order is kept**: the records of call `i` all come before those of call
//!   `i + 1`, each call's in its own order (`nextPageKey` paging within one
//!   call stays sequential: a page's key is in the page before).
//! - **Concurrency follows the plan**: `rate x latency` calls run at once
//!   (latency as measured, the fastest round trip seen) plus headroom, the
//!   same rule as [`fills_windows`](super::fills_windows); one call alone
//!   until a round trip is measured. Every request still goes through the
//!   session's shared rate limiter and retries, so running calls at once
//!   causes no 429 that running them in turn would not.
//! - **Memory is bounded**: a call ahead of the one being yielded buffers at
//!   most [`ConcurrentOptions::buffer`] records before it stops reading, and
//!   at most `concurrency + 2` calls are started at once.
//! - **Errors come in order**: the first error, in call order, ends the
//!   stream after every record before it; calls after it are dropped
//!   unfinished and no new one starts.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};

use super::error::PaginationError;
use super::pages::{page_stream, Paginated};
use crate::Plan;

/// How many independent calls run at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConcurrentOptions {
    /// The session's requests per second (its plan), `None` if unlimited.
    pub rate: Option<f64>,
    /// The most calls running at once.
    pub max_concurrency: usize,
    /// Records a call ahead of the one being yielded may buffer.
    pub buffer: usize,
}

impl Default for ConcurrentOptions {
    fn default() -> Self {
        Self {
            rate: None,
            max_concurrency: 8,
            buffer: 2_000,
        }
    }
}

impl ConcurrentOptions {
    /// Options for a session on `plan`: as many calls as its rate needs.
    ///
    /// Without a client-side limit ([`Plan::Unlimited`]) 4 calls run at once.
    pub fn for_plan(plan: Plan) -> Self {
        match plan.spacing() {
            Some(spacing) => Self {
                rate: Some(1.0 / spacing.as_secs_f64().max(1e-6)),
                ..Self::default()
            },
            None => Self {
                max_concurrency: 4,
                ..Self::default()
            },
        }
    }
}

/// The concurrency rule shared by time windows and independent calls:
/// `rate x latency`, learned from the fastest round trip seen. Requests
/// report their round trips through [`Concurrency::timed`].
#[derive(Debug)]
pub struct Concurrency {
    rate: Option<f64>,
    max: usize,
    buffer: usize,
    min_latency: Mutex<Option<Duration>>,
}

impl Concurrency {
    /// The rule for `options`; no latency measured yet.
    pub fn new(options: &ConcurrentOptions) -> Self {
        Self {
            rate: options.rate.filter(|r| r.is_finite() && *r > 0.0),
            max: options.max_concurrency.max(1),
            buffer: options.buffer.max(1),
            min_latency: Mutex::new(None),
        }
    }

    /// How many requests may be in flight now: one until a round trip is
    /// measured, then `rate x latency x 1.25 + 1` (one if that is at most
    /// one), at most `max_concurrency`.
    pub fn limit(&self) -> usize {
        let Some(latency) = *self.lock() else {
            // Nothing measured yet: the first request alone learns it.
            return 1;
        };
        let wanted = match self.rate {
            // 25% headroom over rate x latency for jitter, plus one in reserve;
            // one alone if it already keeps up with the rate.
            Some(rate) => match latency.as_secs_f64() * rate * 1.25 {
                n if n <= 1.0 => 1,
                n => n.ceil() as usize + 1,
            },
            None => self.max,
        };
        wanted.clamp(1, self.max)
    }

    /// Records one request's round trip.
    pub fn observe(&self, took: Duration) {
        let mut min = self.lock();
        *min = Some(min.map_or(took, |m| m.min(took)));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Duration>> {
        // The guarded value is a plain `Option`: always whole.
        self.min_latency
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Concurrency {
    /// `request`, its round trip recorded when it succeeds (a failure may be
    /// a quick refusal, not the latency of an answer).
    pub fn timed<T, E, Fut>(
        self: &Arc<Self>,
        request: Fut,
    ) -> impl Future<Output = Result<T, E>> + use<T, E, Fut>
    where
        Fut: Future<Output = Result<T, E>>,
    {
        let this = Arc::clone(self);
        async move {
            // tokio's clock: the real one, or the paused one of a test.
            let started = tokio::time::Instant::now();
            let answer = request.await;
            if answer.is_ok() {
                this.observe(started.elapsed());
            }
            answer
        }
    }
}

/// One call's records.
pub type CallStream<'a, T, E> = BoxStream<'a, Result<T, E>>;

struct Slot<'a, T, E> {
    /// `None` until started.
    stream: Option<CallStream<'a, T, E>>,
    buffer: VecDeque<Result<T, E>>,
    done: bool,
}

/// The records of independent calls, run concurrently, in call order (see
/// [`ConcurrentOptions`] for how many at once).
///
/// The stream ends after the last call's last record, or after yielding the
/// first error in call order.
pub struct Concurrent<'a, T, E> {
    slots: VecDeque<Slot<'a, T, E>>,
    /// Calls not yet in `slots`, made as room frees.
    calls: Box<dyn Iterator<Item = CallStream<'a, T, E>> + Send + 'a>,
    concurrency: Arc<Concurrency>,
    /// An error is buffered: start nothing more.
    failed: bool,
}

// Never pinned in place: the calls are polled through `&mut`.
impl<T, E> Unpin for Concurrent<'_, T, E> {}

impl<T, E> fmt::Debug for Concurrent<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Concurrent")
            .field("calls_held", &self.slots.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<'a, T, E> Concurrent<'a, T, E> {
    /// Runs `calls` (each a stream, made and started only when there is
    /// room) with the limits of `concurrency`, which their requests report
    /// round trips to ([`Concurrency::timed`]).
    pub fn new<I>(calls: I, concurrency: Arc<Concurrency>) -> Self
    where
        I: IntoIterator<Item = CallStream<'a, T, E>>,
        I::IntoIter: Send + 'a,
    {
        Self {
            slots: VecDeque::new(),
            calls: Box::new(calls.into_iter()),
            concurrency,
            failed: false,
        }
    }

    /// Starts calls while the limits allow; the head always runs.
    fn start_calls(&mut self) {
        if self.failed {
            return;
        }
        let limit = self.concurrency.limit();
        loop {
            let running = self.slots.iter().filter(|s| !s.done).count();
            let held = self.slots.len();
            if !self.slots.is_empty() && (running >= limit || held >= limit + 2) {
                return;
            }
            let Some(stream) = self.calls.next() else {
                return;
            };
            self.slots.push_back(Slot {
                stream: Some(stream),
                buffer: VecDeque::new(),
                done: false,
            });
        }
    }

    /// Reads the calls ahead of the head into their buffers; true if any
    /// call finished (room for another).
    fn fill_ahead(&mut self, cx: &mut Context<'_>) -> bool {
        let mut finished = false;
        let mut failed_at = None;
        for (i, slot) in self.slots.iter_mut().enumerate().skip(1) {
            while slot.buffer.len() < self.concurrency.buffer {
                let Some(stream) = slot.stream.as_mut() else {
                    break;
                };
                match stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(item)) => {
                        if item.is_err() {
                            failed_at = Some(i);
                            slot.stream = None;
                        }
                        slot.buffer.push_back(item);
                    }
                    Poll::Ready(None) => slot.stream = None,
                    Poll::Pending => break,
                }
                if slot.stream.is_none() {
                    slot.done = true;
                    finished = true;
                }
            }
            if failed_at.is_some() {
                break;
            }
        }
        if let Some(i) = failed_at {
            // Nothing after the first error is ever yielded: stop it now.
            self.slots.truncate(i + 1);
            self.failed = true;
        }
        finished
    }
}

impl<T, E> Stream for Concurrent<'_, T, E> {
    type Item = Result<T, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            this.start_calls();
            let finished = this.fill_ahead(cx);
            let Some(head) = this.slots.front_mut() else {
                return Poll::Ready(None);
            };
            if let Some(item) = head.buffer.pop_front() {
                if item.is_err() {
                    this.end();
                }
                return Poll::Ready(Some(item));
            }
            if let Some(stream) = head.stream.as_mut() {
                match stream.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(item))) => return Poll::Ready(Some(Ok(item))),
                    Poll::Ready(Some(Err(e))) => {
                        this.end();
                        return Poll::Ready(Some(Err(e)));
                    }
                    Poll::Ready(None) => {}
                    // A call ahead finished: room to start another.
                    Poll::Pending if finished => continue,
                    Poll::Pending => return Poll::Pending,
                }
            }
            // The head is exhausted: the next call is yielded from now on.
            this.slots.pop_front();
        }
    }
}

impl<T, E> Concurrent<'_, T, E> {
    /// After an error: nothing more is yielded or asked for.
    fn end(&mut self) {
        self.slots.clear();
        self.failed = true;
    }
}

/// The records of every request in `requests`, each paged by `nextPageKey`
/// as [`PaginatedExt::items`](super::PaginatedExt::items) does, the requests
/// run concurrently and their records yielded in request order (request 0's
/// first). `ConcurrentOptions::for_plan(session.plan())`
/// sizes it.
///
/// For independent calls such as one `get_position_by_account_id` per account:
/// the records are exactly those of calling `.items()` on each in turn.
pub fn items_concurrent<'a, R, I>(
    requests: I,
    options: ConcurrentOptions,
) -> Concurrent<'a, R::Item, PaginationError>
where
    R: Paginated + 'a,
    I: IntoIterator<Item = R>,
    I::IntoIter: Send + 'a,
{
    let concurrency = Arc::new(Concurrency::new(&options));
    let timer = Arc::clone(&concurrency);
    let calls = requests.into_iter().map(move |request| {
        let timer = Arc::clone(&timer);
        let pages = page_stream(
            R::OPERATION,
            move |key: Option<String>| {
                let request = match key {
                    Some(key) => request.clone().with_page_key(key),
                    None => request.clone(),
                };
                timer.timed(request.fetch_page())
            },
            R::page_state,
        );
        pages
            .map(|page| match page {
                Ok(page) => {
                    futures::stream::iter(R::into_items(page).into_iter().map(Ok)).left_stream()
                }
                Err(e) => futures::stream::once(async { Err(e) }).right_stream(),
            })
            .flatten()
            .boxed()
    });
    Concurrent::new(calls, concurrency)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paginate::error::FetchError;
    use crate::paginate::fake::Status;
    use crate::paginate::orders::{orders_stream, OrdersLimits};
    use crate::paginate::pages::{PageState, PaginatedExt};
    use serde_json::{json, Value};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    /// Counts requests in flight, and the most at once.
    #[derive(Clone, Default)]
    struct InFlight {
        now: Arc<AtomicUsize>,
        most: Arc<AtomicUsize>,
    }

    impl InFlight {
        async fn during<T>(&self, latency_ms: u64, answer: T) -> T {
            let now = self.now.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            tokio::time::sleep(Duration::from_millis(latency_ms)).await;
            self.now.fetch_sub(1, SeqCst);
            answer
        }

        fn most(&self) -> usize {
            self.most.load(SeqCst)
        }
    }

    /// A fake `/orders`: account `a` has `a % 4` orders, and each answer also
    /// holds the first order of the account after its chunk (so the next chunk
    /// repeats it). Latency varies by chunk, so answers finish out of order.
    #[derive(Clone, Default)]
    struct FakeOrders {
        in_flight: InFlight,
        calls: Arc<Mutex<Vec<Vec<u64>>>>,
        /// The chunk holding this account fails with this status.
        fail: Option<(u64, u16)>,
        /// The chunk holding this account answers after 10 s.
        slow: Option<u64>,
        /// Answers are cut at this many orders, like TT's cap.
        cap: Option<usize>,
        /// Every answer takes this long (instead of 50 to 250 ms by chunk).
        latency_ms: Option<u64>,
    }

    impl FakeOrders {
        fn fetch(
            &self,
            chunk: Vec<u64>,
        ) -> impl Future<Output = Result<Vec<Value>, Status>> + Send + 'static {
            let this = self.clone();
            async move {
                this.calls.lock().unwrap().push(chunk.clone());
                let mut latency = this.latency_ms.unwrap_or(50 + (chunk[0] * 37 % 11) * 20);
                if this.slow.is_some_and(|a| chunk.contains(&a)) {
                    latency = 10_000;
                }
                let answer = this.answer(&chunk);
                this.in_flight.during(latency, answer).await
            }
        }

        fn answer(&self, chunk: &[u64]) -> Result<Vec<Value>, Status> {
            if let Some((account, status)) = self.fail {
                if chunk.contains(&account) {
                    return Err(Status(status));
                }
            }
            let order = |a: u64, i: u64| json!({"orderId": format!("o{a}-{i}"), "accountId": a});
            let mut orders: Vec<Value> = chunk
                .iter()
                .flat_map(|&a| (0..a % 4).map(move |i| order(a, i)))
                .collect();
            let next = chunk.last().unwrap() + 1;
            if !next.is_multiple_of(4) {
                orders.push(order(next, 0));
            }
            orders.truncate(self.cap.unwrap_or(usize::MAX));
            Ok(orders)
        }
    }

    fn options(max_concurrency: usize) -> ConcurrentOptions {
        ConcurrentOptions {
            max_concurrency,
            ..ConcurrentOptions::default()
        }
    }

    /// Every item as its `orderId`, or the error's status.
    async fn orders(
        fake: &FakeOrders,
        accounts: &[u64],
        limits: OrdersLimits,
        options: ConcurrentOptions,
    ) -> Vec<Result<String, Option<u16>>> {
        let f = fake.clone();
        let stream = orders_stream("get_orders", accounts, limits, options, move |c| f.fetch(c));
        stream
            .map(|o| match o {
                Ok(o) => Ok(o["orderId"].as_str().unwrap().to_string()),
                Err(PaginationError::Fetch { source, .. }) => Err(Some(source.0)),
                Err(_) => Err(None),
            })
            .collect()
            .await
    }

    #[tokio::test(start_paused = true)]
    async fn orders_of_500_accounts_are_those_of_one_chunk_after_another() {
        let accounts: Vec<u64> = (1..=500).collect();
        let limits = OrdersLimits::default();
        let one = FakeOrders::default();
        let sequential = orders(&one, &accounts, limits, options(1)).await;
        assert_eq!(one.in_flight.most(), 1);
        let many = FakeOrders::default();
        let concurrent = orders(&many, &accounts, limits, options(4)).await;
        assert_eq!(concurrent, sequential);
        assert_eq!(many.in_flight.most(), 4, "4 at once, never more");
        let ids: std::collections::HashSet<_> = concurrent.iter().collect();
        assert_eq!(ids.len(), concurrent.len(), "repeats across chunks dropped");
        assert!(concurrent.iter().all(Result::is_ok));
        // a % 4 orders for each of 1..=500; the extras all repeat one.
        assert_eq!(concurrent.len(), 750 + 1, "and account 501's first");
    }

    #[tokio::test(start_paused = true)]
    async fn capped_chunks_split_in_place_and_keep_the_order() {
        let accounts: Vec<u64> = (1..=300).collect();
        let limits = OrdersLimits {
            max_accounts: 50,
            max_orders: Some(60),
        };
        let cap = Some(60);
        let one = FakeOrders {
            cap,
            ..FakeOrders::default()
        };
        let sequential = orders(&one, &accounts, limits, options(1)).await;
        let many = FakeOrders {
            cap,
            ..FakeOrders::default()
        };
        let concurrent = orders(&many, &accounts, limits, options(3)).await;
        assert_eq!(concurrent, sequential);
        assert!(concurrent.iter().all(Result::is_ok));
        assert_eq!(concurrent.len(), 450 + 1);
        let calls = many.calls.lock().unwrap();
        assert!(calls.iter().any(|c| c.len() == 25), "chunks were halved");
        assert!(many.in_flight.most() <= 3);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_follows_the_plan_rate_times_latency() {
        let accounts: Vec<u64> = (1..=1_000).collect();
        let fake = FakeOrders {
            latency_ms: Some(100),
            ..FakeOrders::default()
        };
        let options = ConcurrentOptions {
            rate: Some(25.0),
            max_concurrency: 8,
            ..ConcurrentOptions::default()
        };
        let got = orders(&fake, &accounts, OrdersLimits::default(), options).await;
        assert!(got.iter().all(Result::is_ok));
        // 0.1 s x 25/s x 1.25 = 3.1 -> 4, plus one.
        assert_eq!(fake.in_flight.most(), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_comes_after_every_order_before_it_and_ends_the_stream() {
        let accounts: Vec<u64> = (1..=500).collect();
        for status in [429, 503] {
            let one = FakeOrders {
                fail: Some((260, status)),
                ..FakeOrders::default()
            };
            let sequential = orders(&one, &accounts, OrdersLimits::default(), options(1)).await;
            let many = FakeOrders {
                fail: Some((260, status)),
                ..FakeOrders::default()
            };
            let concurrent = orders(&many, &accounts, OrdersLimits::default(), options(4)).await;
            assert_eq!(concurrent, sequential);
            assert_eq!(concurrent.last(), Some(&Err(Some(status))));
            assert_eq!(concurrent.iter().filter(|o| o.is_err()).count(), 1);
            // Chunks 1..=5 (accounts 1..=250, 375 orders) came first, whole,
            // with account 251's first order that chunk 5's answer holds.
            assert_eq!(concurrent.len() - 1, 375 + 1);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_call_holds_back_at_most_concurrency_plus_two_calls() {
        let accounts: Vec<u64> = (1..=1_000).collect();
        let fake = FakeOrders {
            slow: Some(51),
            ..FakeOrders::default()
        };
        let f = fake.clone();
        let limits = OrdersLimits::default();
        let stream = orders_stream("get_orders", &accounts, limits, options(4), move |c| {
            f.fetch(c)
        });
        let mut stream = std::pin::pin!(stream);
        // Chunk 0's orders, then chunk 1 keeps the stream waiting.
        let mut got = 0;
        while let Ok(Some(order)) =
            tokio::time::timeout(Duration::from_secs(5), stream.next()).await
        {
            order.unwrap();
            got += 1;
        }
        assert_eq!(got, 75 + 1, "chunk 0: accounts 1..=50 and 51's first");
        let started = fake.calls.lock().unwrap().len();
        // Chunk 0 (done) plus 4 running plus 2 held, of 20 chunks.
        assert_eq!(started, 7);
        let rest: Vec<_> = stream.collect().await;
        assert!(rest.iter().all(Result::is_ok));
        assert_eq!(fake.calls.lock().unwrap().len(), 20);
    }

    /// A fake paged list per account: `pages` pages of 3 items, keyed `"1"`, `"2"`...
    #[derive(Clone)]
    struct FakeList {
        account: u64,
        key: Option<String>,
        pages: usize,
        in_flight: InFlight,
        /// This account's page with this index fails with this status.
        fail: Option<(u64, usize, u16)>,
    }

    impl Paginated for FakeList {
        type Page = (Vec<String>, Option<String>);
        type Item = String;
        const OPERATION: &'static str = "get_position_by_account_id";

        fn with_page_key(mut self, key: String) -> Self {
            self.key = Some(key);
            self
        }

        async fn fetch_page(self) -> Result<Self::Page, FetchError> {
            let n: usize = self.key.as_deref().map_or(0, |k| k.parse().unwrap());
            let latency = 40 + (self.account * 13 % 7) * 25;
            let answer = match self.fail {
                Some((account, page, status)) if account == self.account && page == n => {
                    Err(FetchError::new(Status(status)))
                }
                _ => Ok((
                    (0..3)
                        .map(|i| format!("{}:{n}:{i}", self.account))
                        .collect(),
                    (n + 1 < self.pages).then(|| (n + 1).to_string()),
                )),
            };
            self.in_flight.during(latency, answer).await
        }

        fn page_state(page: &Self::Page) -> PageState {
            PageState::new(Ok(Some(page.1.is_none())), page.1.clone())
        }

        fn into_items(page: Self::Page) -> Vec<String> {
            page.0
        }
    }

    fn lists(in_flight: &InFlight, fail: Option<(u64, usize, u16)>) -> Vec<FakeList> {
        (1..=12)
            .map(|account| FakeList {
                account,
                key: None,
                pages: 1 + (account as usize % 4),
                in_flight: in_flight.clone(),
                fail,
            })
            .collect()
    }

    /// Every item, or the error's status.
    async fn sequential(requests: Vec<FakeList>) -> Vec<Result<String, Option<u16>>> {
        let mut out = Vec::new();
        for request in requests {
            let items: Vec<_> = request.items().collect().await;
            let failed = items.iter().any(Result::is_err);
            out.extend(items.into_iter().map(status_of));
            if failed {
                break;
            }
        }
        out
    }

    fn status_of(item: Result<String, PaginationError>) -> Result<String, Option<u16>> {
        item.map_err(|e| match e {
            PaginationError::Fetch { source, .. } => source.status(),
            _ => None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn paged_calls_at_once_yield_the_items_of_each_in_turn() {
        let one = InFlight::default();
        let expected = sequential(lists(&one, None)).await;
        assert_eq!(expected.len(), 3 * (12 + 3 * 6));
        let many = InFlight::default();
        let got: Vec<_> = items_concurrent(lists(&many, None), options(4))
            .map(status_of)
            .collect()
            .await;
        assert_eq!(got, expected);
        assert_eq!(many.most(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_page_of_one_call_ends_the_stream_in_call_order() {
        for fail in [(7, 2, 429), (9, 0, 500)] {
            let expected = sequential(lists(&InFlight::default(), Some(fail))).await;
            assert_eq!(expected.last(), Some(&Err(Some(fail.2))));
            let got: Vec<_> = items_concurrent(lists(&InFlight::default(), Some(fail)), options(4))
                .map(status_of)
                .collect()
                .await;
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn plans_give_a_rate_and_unlimited_gives_four() {
        let high = ConcurrentOptions::for_plan(Plan::High).rate.unwrap();
        assert!((high - 25.0).abs() < 1e-9);
        assert_eq!(
            ConcurrentOptions::for_plan(Plan::Unlimited).max_concurrency,
            4
        );
        let c = Concurrency::new(&ConcurrentOptions::for_plan(Plan::High));
        assert_eq!(c.limit(), 1, "one call until latency is known");
        c.observe(Duration::from_millis(100));
        assert_eq!(c.limit(), 5, "0.1 s x 25/s x 1.25 -> 4, plus one");
    }
}
