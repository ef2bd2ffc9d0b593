//! The fills paginator and the `/orders` splitter wired to the generated ttledger client.

use std::future::Future;

use super::concurrent::ConcurrentOptions;
use super::error::{FetchError, PaginationError};
use super::fills::{dedup_key, fills_stream, FillRecord, FillsQuery, FillsStream, FillsWindow};
use super::key::FillKey;
use super::orders::{join_ids, orders_for_accounts, OrderRecord, OrdersLimits};
use super::watch::{watch_fills, WatchOptions};
use super::windows::{fills_windows, WindowOptions, WindowedFills};
use crate::scalar::Timestamp;
use crate::ttledger::{types, Client};

impl FillRecord for types::Fill {
    fn timestamp(&self) -> Option<i64> {
        self.time_stamp.map(Timestamp::as_nanos)
    }

    fn dedup_key(&self) -> FillKey {
        dedup_key(
            self.record_id.as_deref(),
            self.unique_exec_id.as_deref(),
            || serde_json::to_string(self).unwrap_or_default(),
        )
    }
}

impl OrderRecord for types::Order {
    fn order_id(&self) -> Option<String> {
        self.order_id.clone().filter(|id| !id.is_empty())
    }
}

/// A ttledger request builder paged by `minTimestamp`/`maxTimestamp`
/// (`get_fills`, `get_tradingaccountfills`, `get_tcrfills`: every operation
/// whose spec takes both and answers `fills`, implemented by generated code).
///
/// Filters set on the builder (`order_id`, `include_otc`...) are kept; set the
/// account and product through [`FillsQuery::filter`] instead, so cluster
/// narrowing can replace them.
pub trait TimePaged: Clone + Send {
    /// The operation id, used in errors.
    const OPERATION: &'static str;
    /// The same request limited to `window`.
    fn for_window(self, window: &FillsWindow) -> Self;
    /// Sends the request for one page of fills.
    fn fetch_fills(self) -> impl Future<Output = Result<Vec<types::Fill>, FetchError>> + Send;
}

// The impls (one per operation the spec pages by `minTimestamp`/`maxTimestamp`
// and answers with `fills`) are generated with the client: see
// `crates/ttrest-codegen/src/time_paged.rs`.

/// `fills()` and `watch()` for every [`TimePaged`] builder.
pub trait TimePagedExt: TimePaged {
    /// Every fill from `min_ts` (epoch ns) on, once each, in `timeStamp` order.
    fn fills<'a>(self, min_ts: i64) -> FillsStream<'a, types::Fill, FetchError>
    where
        Self: 'a,
    {
        self.fills_query(FillsQuery::new(Self::OPERATION, min_ts))
    }

    /// Every fill of `query` (window, filters, cluster narrowing, saved cursor).
    fn fills_query<'a>(self, query: FillsQuery) -> FillsStream<'a, types::Fill, FetchError>
    where
        Self: 'a,
    {
        fills_stream(query, move |window| {
            self.clone().for_window(&window).fetch_fills()
        })
    }

    /// Every fill of `query`'s range, paged in concurrent time windows (see
    /// [`fills_windows`]); `WindowOptions::for_plan(session.plan())` sizes it.
    fn fills_windows<'a>(
        self,
        query: FillsQuery,
        options: WindowOptions,
    ) -> WindowedFills<'a, types::Fill, FetchError>
    where
        Self: 'a,
    {
        fills_windows(query, options, move |window| {
            self.clone().for_window(&window).fetch_fills()
        })
    }

    /// New fills as they appear, polling (see [`watch_fills`]).
    fn watch<'a>(
        self,
        query: FillsQuery,
        options: WatchOptions,
    ) -> FillsStream<'a, types::Fill, FetchError>
    where
        Self: 'a,
    {
        watch_fills(query, options, move |window| {
            self.clone().for_window(&window).fetch_fills()
        })
    }
}

impl<T: TimePaged> TimePagedExt for T {}

/// Working orders of all `accounts` via `/orders`, at most 50 accounts a
/// request, several requests at once (see [`orders_stream`](super::orders_stream)
/// for the order and merging); `ConcurrentOptions::for_plan(session.plan())`
/// sizes it.
pub async fn orders_of_accounts(
    client: &Client,
    accounts: &[u64],
    options: ConcurrentOptions,
) -> Result<Vec<types::Order>, PaginationError> {
    orders_for_accounts(
        "get_orders",
        accounts,
        OrdersLimits::default(),
        options,
        |chunk| async move {
            let page = client
                .get_orders()
                .accounts(join_ids(&chunk))
                .send()
                .await
                .map_err(FetchError::from)?;
            Ok(page.into_inner().orders.unwrap_or_default())
        },
    )
    .await
}
