//! Driving a fills stream into a [`Store`], page by page, exactly once.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use ttrest::paginate::{
    fills_stream, FetchStatus, FillRecord, FillsCursor, FillsQuery, FillsStream, FillsWindow,
    NarrowHook, PaginationError, RawFill, FILLS_PAGE_SIZE,
};

use super::{StateKey, Store, StoreError};

/// How [`sync_fills`] runs one pass.
#[derive(Clone, Debug)]
pub struct SyncOptions {
    /// The operation, for errors (e.g. `"get_fills"`).
    pub operation: &'static str,
    /// Where to start (epoch ns) when the state has no cursor yet.
    pub since: i64,
    /// Start at `since` even if a cursor was saved (rows already stored are
    /// then counted as duplicates, not added twice).
    pub restart: bool,
    /// How far behind the saved cursor to read again for fills TT delivered
    /// late (zero: not at all). A fill later than this is not found.
    pub rescan: Duration,
    /// Most fills per transaction (a fetched page is at most TT's 500).
    pub page_size: usize,
}

impl SyncOptions {
    /// From `since` (epoch ns), TT's page size, a 15-minute rescan.
    pub fn new(operation: &'static str, since: i64) -> Self {
        Self {
            operation,
            since,
            restart: false,
            rescan: Duration::from_secs(15 * 60),
            page_size: FILLS_PAGE_SIZE,
        }
    }
}

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// New fills stored (late fills included).
    pub added: u64,
    /// Fills the stream yielded that were stored already.
    pub duplicates: u64,
    /// Of `added`, fills found by the rescan behind the cursor.
    pub late: u64,
    /// Transactions committed.
    pub pages: u64,
    /// The pass was stopped (its last page committed) before the end.
    pub interrupted: bool,
}

impl std::ops::AddAssign for SyncReport {
    fn add_assign(&mut self, other: SyncReport) {
        self.added += other.added;
        self.duplicates += other.duplicates;
        self.late += other.late;
        self.pages += other.pages;
        self.interrupted |= other.interrupted;
    }
}

/// A pass that failed. What was committed before stays.
#[derive(Debug)]
pub enum SyncError<E> {
    /// The database failed.
    Store(StoreError),
    /// Reading fills failed.
    Fetch(PaginationError<E>),
}

impl<E: fmt::Display> fmt::Display for SyncError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::Store(e) => e.fmt(f),
            SyncError::Fetch(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for SyncError<E> {}

impl<E> From<StoreError> for SyncError<E> {
    fn from(e: StoreError) -> Self {
        SyncError::Store(e)
    }
}

/// One pass: re-reads the rescan window behind the saved cursor (storing
/// the fills it lacks as late), then every fill after the cursor to the end
/// of the stream, committing each page with the cursor that follows it.
///
/// `fetch` makes one request (as for [`fills_stream`]) and answers its fills
/// as TT's text ([`ttrest::paginate::fills_page`] cuts a body into them);
/// `narrow` splits
/// clusters of more than a page at one timestamp. `on_page` sees the report
/// so far after each commit. When `stop` resolves, the fills read so far are
/// committed and the pass returns with `interrupted` set.
pub async fn sync_fills<E, Fe, Fut>(
    store: &mut Store,
    key: &StateKey,
    options: &SyncOptions,
    fetch: Fe,
    narrow: Option<NarrowHook<E>>,
    mut on_page: impl FnMut(&SyncReport, Option<i64>),
    stop: impl Future<Output = ()>,
) -> Result<SyncReport, SyncError<E>>
where
    E: FetchStatus + Send + 'static,
    Fe: Fn(FillsWindow) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Vec<RawFill>, E>> + Send + 'static,
{
    let mut stop = std::pin::pin!(stop.fuse());
    let saved = match options.restart {
        true => None,
        false => store.state(key).await?.and_then(|s| s.cursor),
    };
    let mut report = SyncReport::default();
    if let Some(cursor) = &saved {
        let lo = cursor
            .position()
            .saturating_sub(nanos(options.rescan))
            .max(cursor.start());
        if options.rescan > Duration::ZERO && lo < cursor.position() {
            let mut query = FillsQuery::new(options.operation, lo).max_ts(cursor.position() - 1);
            if let Some(hook) = &narrow {
                query = query.narrow_with(hook.clone());
            }
            let stream = fills_stream(query, fetch.clone());
            let late = drain(
                store,
                key,
                stream,
                false,
                options,
                &mut stop,
                &mut |r, at| on_page(r, at),
            )
            .await?;
            report.late += late.added;
            report.added += late.added;
            report.pages += late.pages;
            report.interrupted = late.interrupted;
            if report.interrupted {
                return Ok(report);
            }
        }
    }
    let mut query = match saved {
        Some(cursor) => FillsQuery::resume(options.operation, cursor),
        None => FillsQuery::new(options.operation, options.since),
    };
    if let Some(hook) = narrow {
        query = query.narrow_with(hook);
    }
    let stream = fills_stream(query, fetch);
    let base = report;
    let main = drain(
        store,
        key,
        stream,
        true,
        options,
        &mut stop,
        &mut |r, at| {
            let mut sum = base;
            sum += *r;
            on_page(&sum, at)
        },
    )
    .await?;
    report += main;
    Ok(report)
}

/// Reads `stream` to its end in pages; with `with_cursor`, each page's
/// transaction also saves the cursor after it.
async fn drain<E>(
    store: &mut Store,
    key: &StateKey,
    mut stream: FillsStream<'_, RawFill, E>,
    with_cursor: bool,
    options: &SyncOptions,
    stop: &mut (impl futures::future::FusedFuture<Output = ()> + Unpin),
    on_page: &mut dyn FnMut(&SyncReport, Option<i64>),
) -> Result<SyncReport, SyncError<E>> {
    let mut report = SyncReport::default();
    let mut committed: FillsCursor = stream.cursor();
    let mut ended = false;
    while !ended {
        let mut page: Vec<RawFill> = Vec::new();
        let mut failure = None;
        // Wait for one fill, then take what is ready without waiting: the rest
        // of the fetched page.
        let first = tokio::select! {
            biased;
            () = &mut *stop => { report.interrupted = true; None }
            next = stream.next() => Some(next),
        };
        match first {
            None => ended = true,
            Some(None) => ended = true,
            Some(Some(Ok(fill))) => page.push(fill),
            Some(Some(Err(e))) => failure = Some(e),
        }
        while failure.is_none() && !ended && page.len() < options.page_size.max(1) {
            match stream.next().now_or_never() {
                Some(Some(Ok(fill))) => page.push(fill),
                Some(Some(Err(e))) => failure = Some(e),
                Some(None) => ended = true,
                None => break,
            }
        }
        let cursor = stream.cursor();
        let changed = committed != cursor;
        if !page.is_empty() || (with_cursor && changed) {
            let at = page.last().and_then(FillRecord::timestamp);
            let saved = store
                .commit_fills(key, &page, with_cursor.then_some(&cursor))
                .await?;
            report.added += saved.added;
            report.duplicates += saved.duplicates;
            report.pages += 1;
            committed = cursor;
            on_page(&report, at);
        }
        if let Some(e) = failure {
            return Err(SyncError::Fetch(e));
        }
        if report.interrupted {
            break;
        }
    }
    Ok(report)
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
