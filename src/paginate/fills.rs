//! Loss-free time paging of fills (`/fills`, `/tradingaccountfills`, `/tcrfills`).
//!
//! TT returns at most a page (500) of fills with `minTimestamp <= timeStamp <=
//! maxTimestamp`, oldest first. TT's own sample then asks again from the last
//! `timeStamp + 1` ns, which **loses** every fill that shares the last timestamp
//! but did not fit on the page. This paginator instead:
//!
//! - asks again from the last timestamp *inclusive* and drops the fills it already
//!   yielded there (it remembers only the keys at that timestamp, see [`FillsCursor`]);
//! - treats a full page whose fills all share one timestamp as "more may share it":
//!   it re-asks for that timestamp alone, split by account and then by product
//!   (lists or a hook given by the caller), or fails with
//!   [`PaginationError::TimestampCluster`]; it never skips;
//! - answers a time-out (408/504) by halving the window (up to 32 times, as TT's
//!   samples do) and widening it again once a window comes back complete;
//! - sorts every page by `timeStamp` (TT's order is relied on by no one).
//!
//! The algorithm is generic over a fetch function, so it serves any client.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};

use super::budget::FollowPacer;
use super::cursor::FillsCursor;
use super::error::{FetchError, FetchStatus, PaginationError};
use super::key::FillKey;
use crate::metrics::FillsMetrics;

/// TT's fill page size.
pub const FILLS_PAGE_SIZE: usize = 500;

/// How many times TT's samples halve a timed-out window.
pub const MAX_WINDOW_SPLITS: u32 = 32;

/// A fill record as the paginator needs it: a time and an identity.
pub trait FillRecord {
    /// TT's `timeStamp` in epoch ns, or `None` if missing or unreadable.
    fn timestamp(&self) -> Option<i64>;
    /// What makes this fill unique: `recordId`, else `uniqueExecId`, else a
    /// hash of the whole record (see [`FillKey`] and [`dedup_key`]).
    fn dedup_key(&self) -> FillKey;
}

/// Builds a fill's identity: `recordId`, else `uniqueExecId` (empty ids do not
/// count), else the [hash](FillKey::hashed) of `whole()`, the record's JSON text.
///
/// The three kinds are prefixed so a record id never collides with an exec id.
/// A typed record's JSON (`whole` of ttledger's `types::Fill`)
/// is its serialization, which has the same hash as TT's text when the record
/// holds every field TT sent (unknown fields are kept in `extra`).
pub fn dedup_key(
    record_id: Option<&str>,
    unique_exec_id: Option<&str>,
    whole: impl FnOnce() -> String,
) -> FillKey {
    match (
        record_id.filter(|s| !s.is_empty()),
        unique_exec_id.filter(|s| !s.is_empty()),
    ) {
        (Some(id), _) => FillKey::record_id(id),
        (None, Some(id)) => FillKey::unique_exec_id(id),
        (None, None) => FillKey::hashed(&whole()),
    }
}

/// Raw JSON fills, e.g. from an untyped request.
impl FillRecord for serde_json::Value {
    fn timestamp(&self) -> Option<i64> {
        match self.get("timeStamp")? {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    fn dedup_key(&self) -> FillKey {
        let text = |name: &str| match self.get(name) {
            Some(serde_json::Value::String(s)) => Some(Cow::Borrowed(s.as_str())),
            Some(serde_json::Value::Number(n)) => Some(Cow::Owned(n.to_string())),
            _ => None,
        };
        dedup_key(
            text("recordId").as_deref(),
            text("uniqueExecId").as_deref(),
            || self.to_string(),
        )
    }
}

/// The filters the paginator itself sets when it narrows a timestamp cluster.
///
/// Other filters (`orderId`, `includeOTC`...) belong in the fetch function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FillsFilter {
    /// `accountId`, if the fills are limited to one account.
    pub account_id: Option<u64>,
    /// `productId`, if the fills are limited to one product.
    pub product_id: Option<u64>,
}

impl fmt::Display for FillsFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.account_id, self.product_id) {
            (None, None) => Ok(()),
            (Some(a), None) => write!(f, " (accountId {a})"),
            (None, Some(p)) => write!(f, " (productId {p})"),
            (Some(a), Some(p)) => write!(f, " (accountId {a}, productId {p})"),
        }
    }
}

/// One request of the paginator: `minTimestamp`, `maxTimestamp` and filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FillsWindow {
    /// `minTimestamp` (epoch ns, inclusive).
    pub min_ts: i64,
    /// `maxTimestamp` (epoch ns, inclusive), or none for "up to now".
    pub max_ts: Option<i64>,
    /// Filters to send along.
    pub filter: FillsFilter,
}

/// Which filter narrowing a timestamp cluster uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NarrowBy {
    /// Split by `accountId`.
    Account,
    /// Split by `productId`.
    Product,
}

impl NarrowBy {
    fn name(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Product => "product",
        }
    }
}

/// Lists the accounts or products that may have fills in a window.
pub type NarrowHook<E> =
    Arc<dyn Fn(NarrowBy, FillsWindow) -> BoxFuture<'static, Result<Vec<u64>, E>> + Send + Sync>;

/// A fills query: the window, the page size and how to split clusters.
pub struct FillsQuery<E = FetchError> {
    pub(crate) operation: &'static str,
    pub(crate) cursor: FillsCursor,
    pub(crate) max_ts: Option<i64>,
    pub(crate) filter: FillsFilter,
    pub(crate) page_size: usize,
    pub(crate) max_splits: u32,
    accounts: Option<Vec<u64>>,
    products: Option<Vec<u64>>,
    hook: Option<NarrowHook<E>>,
}

// By hand: a derive would require `E: Clone`, and only the hook mentions `E`.
impl<E> Clone for FillsQuery<E> {
    fn clone(&self) -> Self {
        Self {
            operation: self.operation,
            cursor: self.cursor.clone(),
            max_ts: self.max_ts,
            filter: self.filter.clone(),
            page_size: self.page_size,
            max_splits: self.max_splits,
            accounts: self.accounts.clone(),
            products: self.products.clone(),
            hook: self.hook.clone(),
        }
    }
}

impl<E> FillsQuery<E> {
    /// Fills of `operation` (used in errors, e.g. `"get_fills"`) from `min_ts` (epoch ns).
    pub fn new(operation: &'static str, min_ts: i64) -> Self {
        Self::resume(operation, FillsCursor::since(min_ts))
    }

    /// Fills of `operation` after a saved cursor: none yielded before is yielded again.
    pub fn resume(operation: &'static str, cursor: FillsCursor) -> Self {
        Self {
            operation,
            cursor,
            max_ts: None,
            filter: FillsFilter::default(),
            page_size: FILLS_PAGE_SIZE,
            max_splits: MAX_WINDOW_SPLITS,
            accounts: None,
            products: None,
            hook: None,
        }
    }

    /// Stops at `maxTimestamp` (epoch ns, inclusive).
    pub fn max_ts(mut self, max_ts: i64) -> Self {
        self.max_ts = Some(max_ts);
        self
    }

    /// Limits every request to these filters.
    pub fn filter(mut self, filter: FillsFilter) -> Self {
        self.filter = filter;
        self
    }

    /// The most fills the server returns per request (TT: 500).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// How many times a timed-out window may be halved (TT's samples: 32).
    pub fn max_splits(mut self, max_splits: u32) -> Self {
        self.max_splits = max_splits;
        self
    }

    /// The accounts to split a timestamp cluster by; they must cover every
    /// account the key can see (e.g. all of `/accounts`), which is checked
    /// against the fills already seen.
    pub fn narrow_accounts(mut self, accounts: Vec<u64>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// The products to split a timestamp cluster of one account by.
    pub fn narrow_products(mut self, products: Vec<u64>) -> Self {
        self.products = Some(products);
        self
    }

    /// Lists accounts or products on demand, for dimensions without a list.
    pub fn narrow_with(mut self, hook: NarrowHook<E>) -> Self {
        self.hook = Some(hook);
        self
    }

    fn can_narrow(&self, by: NarrowBy) -> bool {
        self.hook.is_some()
            || match by {
                NarrowBy::Account => self.accounts.is_some(),
                NarrowBy::Product => self.products.is_some(),
            }
    }

    async fn narrow_values(&self, by: NarrowBy, window: FillsWindow) -> Result<Vec<u64>, E> {
        let list = match by {
            NarrowBy::Account => &self.accounts,
            NarrowBy::Product => &self.products,
        };
        match (list, &self.hook) {
            (Some(list), _) => Ok(list.clone()),
            (None, Some(hook)) => hook(by, window).await,
            (None, None) => Ok(Vec::new()),
        }
    }
}

/// A stream of fills in `timeStamp` order, each exactly once.
///
/// [`cursor`](FillsStream::cursor) says how far it got at any moment; save it and
/// pass it to [`FillsQuery::resume`] to continue later. The stream ends after the
/// window is exhausted (or, for [`watch_fills`](super::watch_fills), never) or
/// after yielding one error.
pub struct FillsStream<'a, F, E> {
    inner: BoxStream<'a, Result<F, PaginationError<E>>>,
    cursor: Arc<Mutex<FillsCursor>>,
}

impl<F, E> FillsStream<'_, F, E> {
    /// A copy of the position after the last fill yielded.
    pub fn cursor(&self) -> FillsCursor {
        lock(&self.cursor).clone()
    }
}

impl<F, E> Stream for FillsStream<'_, F, E> {
    type Item = Result<F, PaginationError<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<F, E> fmt::Debug for FillsStream<'_, F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FillsStream")
            .field("cursor", &*lock(&self.cursor))
            .finish_non_exhaustive()
    }
}

fn lock(cursor: &Mutex<FillsCursor>) -> MutexGuard<'_, FillsCursor> {
    // A panic while holding the lock leaves the cursor consistent (updates are atomic).
    cursor
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Streams every fill of the query's window once, in `timeStamp` order.
///
/// `fetch` performs one request (see [`FillsWindow`]); it should retry what is
/// worth retrying (429, connection resets) and return time-outs (408/504) as
/// errors whose [`FetchStatus`] says so, which the paginator answers by halving.
pub fn fills_stream<'a, F, E, Fe, Fut>(query: FillsQuery<E>, fetch: Fe) -> FillsStream<'a, F, E>
where
    F: FillRecord + Send + 'a,
    E: FetchStatus + Send + 'a,
    Fe: Fn(FillsWindow) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<F>, E>> + Send + 'a,
{
    Engine::new(query, fetch, 0).into_stream(None, Duration::ZERO)
}

/// One fill of a page, with what the paginator needs from it computed once.
///
/// The fill is boxed once, here: a typed TT fill is over 2 KB, and sorting,
/// queueing and yielding would otherwise copy it several times.
struct Keyed<F> {
    ts: i64,
    key: FillKey,
    fill: Box<F>,
}

/// What the stream yields next, in order.
enum Step<F> {
    Fill(Keyed<F>),
    /// Every fill with `timeStamp <=` this was yielded.
    CompleteThrough(i64),
}

/// The paginator's state between polls.
pub(crate) struct Engine<F, E, Fe> {
    query: FillsQuery<E>,
    fetch: Fe,
    cursor: Arc<Mutex<FillsCursor>>,
    lag: i64,
    scan_lo: i64,
    /// Width limit of a window after time-outs; `None` is unlimited.
    span: Option<i64>,
    splits: u32,
    queue: VecDeque<Step<F>>,
    pass_done: bool,
    metrics: FillsMetrics,
    /// Requests (pages) and fills of the current pass, for follow pacing.
    pass_requests: u64,
    pass_fills: u64,
}

impl<'a, F, E, Fe, Fut> Engine<F, E, Fe>
where
    F: FillRecord + Send + 'a,
    E: FetchStatus + Send + 'a,
    Fe: Fn(FillsWindow) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<F>, E>> + Send + 'a,
{
    pub(crate) fn new(mut query: FillsQuery<E>, fetch: Fe, lag: i64) -> Self {
        let cursor = std::mem::take(&mut query.cursor);
        let scan_lo = cursor.scan_start(lag);
        let metrics = FillsMetrics::new(query.operation);
        Self {
            query,
            fetch,
            cursor: Arc::new(Mutex::new(cursor)),
            lag,
            scan_lo,
            span: None,
            splits: 0,
            queue: VecDeque::new(),
            pass_done: false,
            metrics,
            pass_requests: 0,
            pass_fills: 0,
        }
    }

    /// One pass (`pacer: None`) or passes paced by `pacer`, forever. The
    /// first pass re-reads the lag window behind the cursor; later ones
    /// re-read it once per `rescan_every` (see [`FollowPacer::rescan_due`]).
    pub(crate) fn into_stream(
        self,
        pacer: Option<FollowPacer>,
        rescan_every: Duration,
    ) -> FillsStream<'a, F, E> {
        let cursor = Arc::clone(&self.cursor);
        let lag = rescan_every;
        let pacer = pacer.map(|mut p| {
            // The pass starting now re-reads the lag window (`Engine::new`).
            p.rescan_due(tokio::time::Instant::now(), lag);
            p
        });
        let inner = stream::unfold(Some((self, pacer)), move |state| async move {
            let (mut engine, mut pacer) = state?;
            loop {
                match engine.next_item().await {
                    Some(Ok(fill)) => {
                        engine.pass_fills += 1;
                        return Some((Ok(fill), Some((engine, pacer))));
                    }
                    // An error ends the stream: its cursor still resumes losslessly.
                    Some(Err(e)) => return Some((Err(e), None)),
                    None => {
                        let p = pacer.as_mut()?;
                        let pause = p.pause_after(engine.pass_requests, engine.pass_fills);
                        tokio::time::sleep(pause).await;
                        let rescan = p.rescan_due(tokio::time::Instant::now(), lag);
                        engine.start_pass(rescan);
                    }
                }
            }
        })
        .boxed();
        FillsStream { inner, cursor }
    }

    /// Starts a poll: from the cursor, or `rescan` from the lag behind it.
    fn start_pass(&mut self, rescan: bool) {
        let lag = if rescan { self.lag } else { 0 };
        self.scan_lo = lock(&self.cursor).scan_start(lag);
        self.pass_done = false;
        self.pass_requests = 0;
        self.pass_fills = 0;
    }

    /// The next fill of this pass, `None` at its end.
    async fn next_item(&mut self) -> Option<Result<F, PaginationError<E>>> {
        loop {
            match self.queue.pop_front() {
                Some(Step::Fill(k)) => {
                    let mut cursor = lock(&self.cursor);
                    if k.ts < cursor.position() {
                        self.metrics.late.increment(1);
                    }
                    cursor.record(k.ts, k.key, self.lag);
                    drop(cursor);
                    self.metrics.yielded.increment(1);
                    return Some(Ok(*k.fill));
                }
                Some(Step::CompleteThrough(ts)) => {
                    lock(&self.cursor).complete_through(ts, self.lag)
                }
                None if self.pass_done => return None,
                None => {
                    if let Err(e) = self.fetch_step().await {
                        self.pass_done = true;
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    /// The upper end of the next request: the query's, or narrower after time-outs.
    fn window_hi(&self) -> Option<i64> {
        let limit = self.span.and_then(|span| self.scan_lo.checked_add(span));
        match (limit, self.query.max_ts) {
            (None, max) => max,
            (Some(limit), Some(max)) => Some(limit.min(max)),
            // Open-ended: never call a window complete that reaches into the future.
            (Some(limit), None) => (limit < now_ns()).then_some(limit),
        }
    }

    /// Fetches one page and queues its new fills.
    async fn fetch_step(&mut self) -> Result<(), PaginationError<E>> {
        if self.query.max_ts.is_some_and(|max| self.scan_lo > max) {
            self.pass_done = true;
            return Ok(());
        }
        let hi = self.window_hi();
        let window = FillsWindow {
            min_ts: self.scan_lo,
            max_ts: hi,
            filter: self.query.filter.clone(),
        };
        self.pass_requests += 1;
        match (self.fetch)(window).await {
            Ok(page) => self.absorb(page, hi).await,
            Err(e) if e.is_timeout() => self.halve(e, hi),
            Err(source) => Err(PaginationError::Fetch {
                operation: self.query.operation,
                source,
            }),
        }
    }

    /// Narrows the window after a time-out, or gives up after `max_splits`.
    fn halve(&mut self, source: E, hi: Option<i64>) -> Result<(), PaginationError<E>> {
        let hi = hi.unwrap_or_else(now_ns).max(self.scan_lo);
        if self.splits >= self.query.max_splits || hi <= self.scan_lo {
            return Err(PaginationError::WindowTimeout {
                operation: self.query.operation,
                min_ts: self.scan_lo,
                max_ts: hi,
                splits: self.splits,
                source,
            });
        }
        self.splits += 1;
        self.span = Some((hi - self.scan_lo) / 2);
        Ok(())
    }

    async fn absorb(&mut self, page: Vec<F>, hi: Option<i64>) -> Result<(), PaginationError<E>> {
        // Fullness is the server's: fills dropped by `keyed` still took page room.
        let full = page.len() >= self.query.page_size;
        let page = self.keyed(page)?;
        self.splits = 0;
        if let (true, Some(first), Some(last)) = (full, page.first(), page.last()) {
            if first.ts == last.ts {
                let ts = first.ts;
                let filter = self.query.filter.clone();
                let cluster = self.drain_cluster(ts, filter, page).await?;
                self.enqueue(cluster);
                self.window_complete(ts);
                return Ok(());
            }
        }
        let last_ts = page.last().map(|k| k.ts);
        self.enqueue(page);
        match (full, last_ts) {
            // Ask again from the last timestamp, inclusive: more fills may share it.
            (true, Some(last)) => self.scan_lo = last,
            _ => {
                // Widen again after time-outs: fast over empty stretches, so an
                // open-ended stream reaches "now" in few requests even if wide
                // windows keep timing out now and then.
                let growth = if last_ts.is_none() { 16 } else { 2 };
                self.span = self.span.map(|s| s.saturating_mul(growth));
                match hi {
                    Some(hi) => self.window_complete(hi),
                    // Open-ended: done for now; the cursor stays on the last timestamp.
                    None => self.pass_done = true,
                }
            }
        }
        Ok(())
    }

    /// Every fill up to `ts` is queued: move on, or end the pass at `max_ts`.
    fn window_complete(&mut self, ts: i64) {
        self.queue.push_back(Step::CompleteThrough(ts));
        match ts.checked_add(1) {
            Some(next) if self.query.max_ts.is_none_or(|max| ts < max) => self.scan_lo = next,
            _ => self.pass_done = true,
        }
    }

    /// Sorts a page by time and computes keys; drops fills outside the query.
    ///
    /// TT is reported not to always honour `minTimestamp`/`maxTimestamp`
    /// (`docs/tt-rest-facts-2.md` §3), so the window is enforced here: a fill
    /// outside the requested `[minTimestamp, maxTimestamp]` is never yielded,
    /// only counted in a debug log.
    fn keyed(&self, page: Vec<F>) -> Result<Vec<Keyed<F>>, PaginationError<E>> {
        let mut out = Vec::with_capacity(page.len());
        let mut outside = 0usize;
        for fill in page {
            let key = fill.dedup_key();
            let Some(ts) = fill.timestamp() else {
                return Err(PaginationError::MissingTimestamp {
                    operation: self.query.operation,
                    key: key.to_string(),
                });
            };
            // A correct server never sends these; below the scan they were seen.
            if ts >= self.scan_lo && self.query.max_ts.is_none_or(|max| ts <= max) {
                out.push(Keyed {
                    ts,
                    key,
                    fill: Box::new(fill),
                });
            } else if !self.query_window_holds(ts) {
                outside += 1;
            }
        }
        if outside > 0 {
            self.metrics.outside.increment(outside as u64);
            tracing::debug!(
                operation = self.query.operation,
                dropped = outside,
                min_ts = lock(&self.cursor).start(),
                max_ts = ?self.query.max_ts,
                "dropped fills outside the requested window (TT did not honour minTimestamp/maxTimestamp)"
            );
        }
        out.sort_by_key(|k| k.ts);
        Ok(out)
    }

    /// Whether `ts` lies in the window the user asked for (`since..=max_ts`).
    fn query_window_holds(&self, ts: i64) -> bool {
        ts >= lock(&self.cursor).start() && self.query.max_ts.is_none_or(|max| ts <= max)
    }

    /// Queues the fills not yielded before (nor twice within `fills`).
    fn enqueue(&mut self, fills: Vec<Keyed<F>>) {
        let cursor = lock(&self.cursor);
        // Borrowed keys: no copy per fill, one set per page.
        let mut fresh = HashSet::with_capacity(fills.len());
        let keep: Vec<bool> = fills
            .iter()
            .map(|k| !cursor.contains(k.ts, &k.key) && fresh.insert((k.ts, &k.key)))
            .collect();
        drop(fresh);
        drop(cursor);
        let dropped = keep.iter().filter(|k| !**k).count();
        if dropped > 0 {
            self.metrics.duplicates.increment(dropped as u64);
        }
        for (k, keep) in fills.into_iter().zip(keep) {
            if keep {
                self.queue.push_back(Step::Fill(k));
            }
        }
    }

    /// Fetches every fill at `ts` (matching `filter`) by splitting the request by
    /// account, then product. `seen` is a full page of them fetched with `filter`:
    /// each must be found again, or the caller's list is incomplete.
    fn drain_cluster(
        &mut self,
        ts: i64,
        filter: FillsFilter,
        seen: Vec<Keyed<F>>,
    ) -> BoxFuture<'_, Result<Vec<Keyed<F>>, PaginationError<E>>> {
        Box::pin(async move {
            let by = self.narrowing_for(ts, &filter)?;
            let window = FillsWindow {
                min_ts: ts,
                max_ts: Some(ts),
                filter: filter.clone(),
            };
            let values = self
                .query
                .narrow_values(by, window)
                .await
                .map_err(|source| PaginationError::Fetch {
                    operation: self.query.operation,
                    source,
                })?;
            let mut found = Vec::new();
            let mut keys = HashSet::new();
            for value in values {
                let narrower = narrowed(&filter, by, value);
                for k in self.fetch_instant(ts, narrower).await? {
                    if keys.insert(k.key.clone()) {
                        found.push(k);
                    }
                }
            }
            let missing = seen.iter().filter(|k| !keys.contains(&k.key)).count();
            if missing > 0 {
                return Err(PaginationError::NarrowingIncomplete {
                    operation: self.query.operation,
                    timestamp: ts,
                    dimension: by.name(),
                    missing,
                });
            }
            Ok(found)
        })
    }

    /// All fills at exactly `ts` for `filter`, narrowing further if a page is full.
    async fn fetch_instant(
        &mut self,
        ts: i64,
        filter: FillsFilter,
    ) -> Result<Vec<Keyed<F>>, PaginationError<E>> {
        let window = FillsWindow {
            min_ts: ts,
            max_ts: Some(ts),
            filter: filter.clone(),
        };
        let operation = self.query.operation;
        self.pass_requests += 1;
        let page = (self.fetch)(window)
            .await
            .map_err(|source| match source.is_timeout() {
                // A one-instant window cannot be halved.
                true => PaginationError::WindowTimeout {
                    operation,
                    min_ts: ts,
                    max_ts: ts,
                    splits: 0,
                    source,
                },
                false => PaginationError::Fetch { operation, source },
            })?;
        let full = page.len() >= self.query.page_size;
        let page: Vec<_> = self
            .keyed(page)?
            .into_iter()
            .filter(|k| k.ts == ts)
            .collect();
        if full {
            return self.drain_cluster(ts, filter, page).await;
        }
        Ok(page)
    }

    /// The next filter to split a cluster at `ts` by, or why there is none.
    fn narrowing_for(&self, ts: i64, filter: &FillsFilter) -> Result<NarrowBy, PaginationError<E>> {
        let hint = if filter.account_id.is_none() {
            if self.query.can_narrow(NarrowBy::Account) {
                return Ok(NarrowBy::Account);
            }
            "give the account ids (FillsQuery::narrow_accounts) or a hook \
             (FillsQuery::narrow_with) so the cluster can be split by account, then product"
        } else if filter.product_id.is_none() {
            if self.query.can_narrow(NarrowBy::Product) {
                return Ok(NarrowBy::Product);
            }
            "give the product ids (FillsQuery::narrow_products) or a hook \
             (FillsQuery::narrow_with) so the cluster can be split further by product"
        } else {
            "one account and one product already fill a page at this timestamp; \
             TT offers no finer filter"
        };
        Err(PaginationError::TimestampCluster {
            operation: self.query.operation,
            timestamp: ts,
            page_size: self.query.page_size,
            filter: filter.to_string(),
            hint,
        })
    }
}

fn narrowed(filter: &FillsFilter, by: NarrowBy, value: u64) -> FillsFilter {
    let mut filter = filter.clone();
    match by {
        NarrowBy::Account => filter.account_id = Some(value),
        NarrowBy::Product => filter.product_id = Some(value),
    }
    filter
}

/// Now, in epoch ns (saturating; TT timestamps fit in `i64` until 2262).
fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paginate::fake::{fill, FakeLedger, Status};
    use futures::executor::block_on;
    use futures::future;
    use serde_json::Value;

    /// Runs a one-pass stream; returns the fills' ids and the error, if any.
    fn run(
        ledger: &FakeLedger,
        query: FillsQuery<Status>,
    ) -> (Vec<String>, Option<PaginationError<Status>>) {
        let l = ledger.clone();
        let stream = fills_stream(query.page_size(ledger.page_size), move |w| l.fetch(w));
        let mut ids = Vec::new();
        let mut error = None;
        for item in block_on(stream.collect::<Vec<Result<Value, _>>>()) {
            match item {
                Ok(f) => ids.push(f["recordId"].as_str().unwrap().to_string()),
                Err(e) => error = Some(e),
            }
        }
        (ids, error)
    }

    fn ids(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("f{i}")).collect()
    }

    #[test]
    fn clusters_straddling_page_cuts_are_not_lost() {
        // Page size 4: the clusters at 3 and at 4 each straddle a page cut.
        let ts = [1, 2, 3, 3, 3, 4, 4, 4, 5];
        let mut ledger = FakeLedger::new(
            ts.iter()
                .enumerate()
                .map(|(i, t)| fill(i, *t, 1, 1))
                .collect(),
        );
        ledger.page_size = 4;
        ledger.timeout_wider_than = None;
        let (got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 0).narrow_accounts(vec![1]),
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, ids(0..9));
    }

    #[test]
    fn a_full_page_at_one_timestamp_without_narrowing_is_an_error_not_a_skip() {
        let mut fills: Vec<Value> = (0..3).map(|i| fill(i, 10 + i as i64, 1, 1)).collect();
        fills.extend((3..603).map(|i| fill(i, 50, 1 + (i % 3) as u64, 1)));
        fills.push(fill(603, 60, 1, 1));
        let (got, error) = run(&FakeLedger::new(fills), FillsQuery::new("get_fills", 0));
        // The first page (3 earlier fills, 497 at 50) is yielded; asking again from 50
        // returns 500 fills at 50, so the rest of the cluster cannot be reached.
        assert_eq!(got, ids(0..500));
        let error = error.expect("an error, not a silent stop");
        assert!(matches!(
            error,
            PaginationError::TimestampCluster {
                timestamp: 50,
                page_size: 500,
                ..
            }
        ));
        let text = error.to_string();
        assert!(
            text.starts_with("get_fills: a full page of 500 fills all have timeStamp 50"),
            "{text}"
        );
        assert!(text.contains("narrow_accounts"), "{text}");
    }

    #[test]
    fn a_cluster_is_split_by_account() {
        let mut fills: Vec<Value> = (0..600)
            .map(|i| fill(i, 50, 1 + (i % 3) as u64, 9))
            .collect();
        fills.push(fill(600, 70, 2, 9));
        let ledger = FakeLedger::new(fills);
        let (mut got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 0).narrow_accounts(vec![1, 2, 3]),
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            got.pop().as_deref(),
            Some("f600"),
            "later fills follow the cluster"
        );
        got.sort();
        let mut want = ids(0..600);
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn an_incomplete_account_list_is_detected() {
        let fills: Vec<Value> = (0..600)
            .map(|i| fill(i, 50, 1 + (i % 3) as u64, 9))
            .collect();
        let (_, error) = run(
            &FakeLedger::new(fills),
            FillsQuery::new("get_fills", 0).narrow_accounts(vec![1, 2]),
        );
        assert!(
            matches!(
                error,
                Some(PaginationError::NarrowingIncomplete {
                    dimension: "account",
                    ..
                })
            ),
            "{error:?}"
        );
    }

    #[test]
    fn one_account_over_a_page_is_split_by_product_from_a_hook() {
        let fills: Vec<Value> = (0..1200).map(|i| fill(i, 50, 7, (i % 4) as u64)).collect();
        let hook: NarrowHook<Status> = Arc::new(|by, _window| {
            Box::pin(async move {
                Ok(match by {
                    NarrowBy::Account => vec![7],
                    NarrowBy::Product => vec![0, 1, 2, 3],
                })
            })
        });
        let ledger = FakeLedger::new(fills);
        let (got, error) = run(&ledger, FillsQuery::new("get_fills", 0).narrow_with(hook));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got.len(), 1200);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), 1200);
    }

    #[test]
    fn timeouts_halve_the_window_and_go_on() {
        let fills: Vec<Value> = (0..50).map(|i| fill(i, 1_000 * i as i64, 1, 1)).collect();
        let mut ledger = FakeLedger::new(fills);
        ledger.page_size = 7;
        ledger.timeout_wider_than = Some(10_000);
        let (got, error) = run(&ledger, FillsQuery::new("get_fills", 0).max_ts(60_000));
        assert!(error.is_none(), "{error:?}");
        assert_eq!(got, ids(0..50));
        let requests = ledger.requests.lock().unwrap();
        assert!(
            requests
                .iter()
                .all(|w| w.max_ts.is_some_and(|m| m <= 60_000)),
            "maxTimestamp kept"
        );
    }

    #[test]
    fn endless_timeouts_end_with_an_error_after_max_splits() {
        let mut ledger = FakeLedger::new(vec![fill(0, 5, 1, 1)]);
        ledger.timeout_wider_than = Some(-1);
        let (got, error) = run(
            &ledger,
            FillsQuery::new("get_fills", 0)
                .max_ts(1 << 40)
                .max_splits(32),
        );
        assert!(got.is_empty());
        match error {
            Some(PaginationError::WindowTimeout { splits, source, .. }) => {
                assert_eq!((splits, source), (32, Status(504)));
            }
            other => panic!("expected WindowTimeout, got {other:?}"),
        }
        assert_eq!(ledger.requests.lock().unwrap().len(), 33);
    }

    #[test]
    fn other_errors_end_the_stream_naming_the_operation() {
        let stream = fills_stream(FillsQuery::new("get_tcrfills", 0), |_w| async {
            Err::<Vec<Value>, _>(Status(500))
        });
        let items = block_on(stream.collect::<Vec<_>>());
        assert_eq!(items.len(), 1);
        let error = items.into_iter().next().unwrap().unwrap_err();
        assert_eq!(error.operation(), "get_tcrfills");
        assert!(matches!(
            error,
            PaginationError::Fetch {
                source: Status(500),
                ..
            }
        ));
    }

    #[test]
    fn max_ts_is_respected_and_cursor_completes_through_it() {
        let fills: Vec<Value> = (0..20).map(|i| fill(i, i as i64, 1, 1)).collect();
        let ledger = FakeLedger::new(fills);
        let l = ledger.clone();
        let mut stream = fills_stream(FillsQuery::new("get_fills", 0).max_ts(9), move |w| {
            l.fetch(w)
        });
        let got: Vec<String> = block_on((&mut stream).collect::<Vec<_>>())
            .into_iter()
            .map(|f: Result<Value, _>| f.unwrap()["recordId"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, ids(0..10));
        assert_eq!(stream.cursor().position(), 10);
    }

    #[test]
    fn fills_outside_the_requested_window_are_dropped_even_if_tt_sends_them() {
        // A server that ignores minTimestamp/maxTimestamp: every page holds
        // every fill, from before the window to after it.
        let all: Vec<Value> = (0..30).map(|i| fill(i, i as i64 * 10, 1, 1)).collect();
        let stream = fills_stream(
            FillsQuery::new("get_fills", 100).max_ts(200),
            move |_w: FillsWindow| future::ready(Ok::<_, Status>(all.clone())),
        );
        let got: Vec<i64> = block_on(stream.collect::<Vec<_>>())
            .into_iter()
            .map(|f: Result<Value, _>| f.unwrap()["timeStamp"].as_i64().unwrap())
            .collect();
        assert_eq!(got, (10..=20).map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn dropped_fills_are_counted_in_a_debug_log() {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::fmt::MakeWriter;

        #[derive(Clone, Default)]
        struct Log(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Log {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl<'a> MakeWriter<'a> for Log {
            type Writer = Log;
            fn make_writer(&'a self) -> Log {
                self.clone()
            }
        }
        let log = Log::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(log.clone())
            .with_ansi(false)
            .finish();
        let page = vec![fill(0, 5, 1, 1), fill(1, 50, 1, 1), fill(2, 500, 1, 1)];
        let stream = fills_stream(
            FillsQuery::new("get_fills", 10).max_ts(100),
            move |_w: FillsWindow| future::ready(Ok::<_, Status>(page.clone())),
        );
        let got = tracing::subscriber::with_default(subscriber, || {
            block_on(stream.collect::<Vec<Result<Value, _>>>())
        });
        assert_eq!(got.len(), 1);
        let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("dropped=2"), "{text}");
        assert!(text.contains("outside the requested window"), "{text}");
    }

    #[test]
    fn a_fill_without_timestamp_is_an_error() {
        let stream = fills_stream(FillsQuery::new("get_fills", 0), |_w| async {
            Ok::<_, Status>(vec![serde_json::json!({"recordId": "y"})])
        });
        let items = block_on(stream.collect::<Vec<_>>());
        assert!(
            matches!(&items[0], Err(PaginationError::MissingTimestamp { key, .. }) if key == "r:y")
        );
    }

    #[test]
    fn duplicates_within_a_page_are_yielded_once() {
        let stream = fills_stream(
            FillsQuery::new("get_fills", 0),
            |w: FillsWindow| async move {
                let page = if w.min_ts == 0 {
                    vec![fill(1, 5, 1, 1), fill(1, 5, 1, 1)]
                } else {
                    vec![]
                };
                Ok::<_, Status>(page)
            },
        );
        assert_eq!(block_on(stream.collect::<Vec<_>>()).len(), 1);
    }

    #[test]
    fn dedup_keys_prefer_record_then_exec_id() {
        let v = serde_json::json!({"recordId": "r1", "uniqueExecId": "u1", "timeStamp": "17"});
        assert_eq!(
            (v.dedup_key(), v.timestamp()),
            (FillKey::from("r:r1"), Some(17))
        );
        let v = serde_json::json!({"uniqueExecId": "u1"});
        assert_eq!(v.dedup_key(), "u:u1");
        let v = serde_json::json!({"lastPx": 1.5});
        assert_eq!(v.dedup_key(), FillKey::hashed(r#"{"lastPx":1.5}"#));
        assert_eq!(v.dedup_key(), FillKey::of_json(&v.to_string()).unwrap());
    }
}
