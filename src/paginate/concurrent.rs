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
/// the [module docs](self)).
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
/// first); see the [module docs](self). `ConcurrentOptions::for_plan(session.plan())`
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
