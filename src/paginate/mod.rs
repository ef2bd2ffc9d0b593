//! Pagination that loses no record, as streams (in the style of aws-sdk-rust's paginators).
//!
//! TT REST 2.0 pages in two ways (facts §4.4):
//!
//! - **`nextPageKey`**: a response carries `lastPage` (a string, sometimes
//!   `"True"`) and `nextPageKey`. Every generated request builder of such an
//!   operation implements [`Paginated`] (emitted by `ttrest-codegen` from the
//!   specs), so [`PaginatedExt`] gives it `.pages()`, `.items()` and
//!   `.collect_all()`. A page that says "more" without a key, or a key handed out
//!   twice, ends the stream with an error naming the operation.
//! - **time** (`/fills` and friends): [`fills_stream`] yields every fill exactly
//!   once in `timeStamp` order, unlike TT's "last timestamp + 1 ns" recipe, which
//!   drops fills sharing the timestamp at a page cut. [`watch_fills`] polls for
//!   new fills with the same cursor, which can be saved and resumed.
//!   [`fills_windows`] pages a range in concurrent time windows, so the usage
//!   plan's rate, not latency, bounds a pull.
//!
//! `/orders` is not paged but takes at most 50 accounts: see [`orders_stream`],
//! which asks for several chunks at once. [`items_concurrent`] pages several
//! independent requests (one per account, say) at once, in request order.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use ttrest::paginate::{PaginatedExt, PaginationError};
//!
//! // `request` is e.g. `client.get_accounts()` of `ttrest::ttaccount`.
//! async fn print_all<R: PaginatedExt>(request: R) -> Result<(), PaginationError>
//! where
//!     R::Item: std::fmt::Debug,
//! {
//!     let mut items = std::pin::pin!(request.items());
//!     while let Some(item) = items.try_next().await? {
//!         println!("{item:?}");
//!     }
//!     Ok(())
//! }
//! ```

mod budget;
mod concurrent;
mod cursor;
mod error;
#[cfg(test)]
pub(crate) mod fake;
mod fills;
mod key;
mod orders;
mod pages;
mod raw;
#[cfg(feature = "ttledger")]
mod ttledger;
mod watch;
mod windows;

pub use budget::{FollowBudget, FollowPacer, DEFAULT_FOLLOW_SHARE_PERCENT};
pub use concurrent::{items_concurrent, CallStream, Concurrency, Concurrent, ConcurrentOptions};
pub use cursor::FillsCursor;
pub use error::{FetchError, FetchStatus, PaginationError};
pub use fills::{
    dedup_key, fills_stream, FillRecord, FillsFilter, FillsQuery, FillsStream, FillsWindow,
    NarrowBy, NarrowHook, FILLS_PAGE_SIZE, MAX_WINDOW_SPLITS,
};
pub use key::{canonical_json, FillKey};
pub use orders::{
    join_ids, orders_for_accounts, orders_stream, OrderRecord, OrdersLimits,
    MAX_ORDERS_PER_REQUEST, MAX_ORDER_ACCOUNTS,
};
pub use pages::{
    page_stream, IntoPageItems, LastPageFlag, PageKeyValue, PageState, Paginated, PaginatedExt,
};
pub use raw::{fills_page, FillsPageError, RawFill};
#[cfg(feature = "ttledger")]
pub use ttledger::{orders_of_accounts, TimePaged, TimePagedExt};
pub use watch::{watch_fills, WatchOptions};
pub use windows::{fills_windows, WindowOptions, WindowedFills};
