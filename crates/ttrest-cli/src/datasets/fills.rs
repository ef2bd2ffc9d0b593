//! Fills (ttledger `/fills`): every fill once, in time order, through the
//! loss-free paginator, each kept as the JSON text TT sent ([`RawFill`]).
//!
//! A closed range is paged in concurrent windows; `--follow` watches for new
//! fills with a budget of the key's day ([`follow_budget`]). Several accounts
//! are one stream each, merged in time order. The page fetcher ([`fetch`])
//! and the cluster splitter ([`narrow_hook`]) are also what the store's fill
//! engine pages with (`ttrest sync fills`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use futures::{FutureExt, TryStreamExt};
use ttrest::paginate::{
    fills_windows, watch_fills, FillRecord, FillsFilter, FillsQuery, FillsWindow, FollowBudget,
    NarrowBy, NarrowHook, PaginationError, WatchOptions, WindowOptions,
};
use ttrest::scalar::Timestamp;

use super::accounts::account_ids;
use super::{Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::exit::{ApiError, CliError};
use crate::raw::{fills_page, RawFill};
use crate::record::Record;
use crate::request::{Api, Args};
use crate::spec;
use crate::time::{DayArgs, TimeSpec};

type Fills = BoxStream<'static, Result<RawFill, PaginationError<ApiError>>>;

/// How often (in fills) the progress line learns the time reached.
const PROGRESS_EVERY: u64 = 512;

/// How `--follow` polls: pauses of `interval` to `max_interval` seconds,
/// spending at most `share` percent of the key's day.
#[derive(Clone, Copy, Debug)]
pub struct Follow {
    /// The shortest pause, in seconds.
    pub interval: f64,
    /// The longest pause while no fill arrives, in seconds.
    pub max_interval: f64,
    /// The share of the key's daily quota, in percent.
    pub share: u8,
}

/// Every fill of a range (or, following, from a time on), of some accounts
/// and one product if given.
pub struct FillsSet {
    /// The first nanosecond, inclusive.
    pub since: i64,
    /// The last nanosecond, inclusive (`None`: up to now).
    pub last: Option<i64>,
    /// These accounts, merged in time order; none means all.
    pub accounts: Vec<u64>,
    /// Only this product.
    pub product: Option<u64>,
    /// Keep polling for new fills (never ends by itself).
    pub follow: Option<Follow>,
    /// Counts the `/fills` requests made (what a follow spends).
    pub requests: Arc<AtomicU64>,
}

impl FillsSet {
    /// `[since, until)` as given on the command line, read by `day`'s rule,
    /// as the first and the last nanosecond included (the paginator's bound
    /// is inclusive): `since` defaults to 0 (all), `until` to none (up to now).
    pub fn range(
        since: Option<TimeSpec>,
        until: Option<TimeSpec>,
        day: &DayArgs,
    ) -> Result<(i64, Option<i64>), CliError> {
        let (rule, now) = (day.rule(), crate::time::now_ns());
        let resolve = |flag: &str, spec: TimeSpec| {
            spec.resolve(&rule, now)
                .map_err(|e| CliError::usage(format!("{flag}: {e}")))
        };
        let since = since
            .map(|s| resolve("--since", s))
            .transpose()?
            .unwrap_or(0);
        let until = until.map(|u| resolve("--until", u)).transpose()?;
        if until.is_some_and(|u| u < since) {
            return Err(CliError::usage(format!(
                "--until ({}) is before --since ({})",
                Timestamp::from_nanos(until.unwrap_or(0)).to_rfc3339(),
                Timestamp::from_nanos(since).to_rfc3339()
            )));
        }
        Ok((since, until.map(|u| u - 1)))
    }
}

impl Dataset for FillsSet {
    fn name(&self) -> &'static str {
        "fills"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::FILLS
    }

    /// The fills; the progress line learns the count and the time reached.
    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        let fills = stream_for(ctx, self);
        let follow = self.follow.is_some();
        let mut seen = 0u64;
        fills
            .map_err(move |e| CliError::from_pages(e, ctx.env))
            .inspect_ok(move |fill| {
                ctx.progress().records_done(1);
                seen += 1;
                if seen % PROGRESS_EVERY == 1 || follow {
                    if let Some(ns) = fill.timestamp() {
                        ctx.progress().at(Timestamp::from_nanos(ns).to_rfc3339());
                    }
                }
            })
            .map_ok(Record::Text)
            .boxed_local()
    }
}

/// The shortest `--interval` accepted, in seconds.
pub const MIN_INTERVAL: f64 = 0.1;

/// `--interval` and `--max-interval`: seconds between polls, at least [`MIN_INTERVAL`].
pub fn parse_interval(s: &str) -> Result<f64, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs < MIN_INTERVAL {
        return Err(format!(
            "the shortest --interval is {MIN_INTERVAL} s: each poll is a request of the \
             key's day, and polling faster than fills arrive only spends them"
        ));
    }
    Ok(secs)
}

/// The budget of one of `streams` follow streams: `follow.share` percent of
/// the key's day split between them, pauses of `follow.interval` to
/// `follow.max_interval` seconds.
pub fn follow_budget(ctx: &Context, follow: Follow, streams: usize) -> FollowBudget {
    let Follow {
        interval,
        max_interval,
        share,
    } = follow;
    let limit = ctx.api.session().daily_limit();
    let mut budget = FollowBudget::for_daily_limit(limit, share);
    budget.requests_per_day = budget
        .requests_per_day
        .map(|d| (d / streams.max(1) as u64).max(1));
    budget.min_interval = Duration::from_secs_f64(interval.max(0.05));
    budget.max_interval = Duration::from_secs_f64(max_interval.max(0.05)).max(budget.min_interval);
    budget
}

/// One stream per account (or one for all), merged in time order.
fn stream_for(ctx: &Context, set: &FillsSet) -> Fills {
    let op = &ttrest::ttledger::ops::GET_FILLS;
    let (since, until) = (set.since, set.last);
    if until.is_some_and(|last| last < since) {
        // `--since X --until X`: an empty range needs no request.
        return stream::empty().boxed();
    }
    let mut accounts: Vec<Option<u64>> = Vec::new();
    for account in &set.accounts {
        // A repeated account would repeat its fills.
        if !accounts.contains(&Some(*account)) {
            accounts.push(Some(*account));
        }
    }
    if accounts.is_empty() {
        accounts.push(None);
    }
    let mut windows = WindowOptions::for_plan(ctx.api.session().plan());
    if ctx.replayable {
        // One window at a time splits by the data alone, not by latency, so a
        // replay asks exactly what the recorded run asked.
        windows.max_concurrency = 1;
    }
    let streams_n = accounts.len();
    let mut streams: Vec<Fills> = accounts
        .into_iter()
        .map(|account| {
            let filter = FillsFilter {
                account_id: account,
                product_id: set.product,
            };
            let mut query = FillsQuery::new(op.id, since)
                .filter(filter)
                .narrow_with(narrow_hook(ctx.api.clone()));
            if let Some(until) = until {
                query = query.max_ts(until);
            }
            let api = ctx.api.clone();
            let counted = set.requests.clone();
            let fetch = move |window: FillsWindow| {
                counted.fetch_add(1, Ordering::Relaxed);
                fetch(api.clone(), op, window)
            };
            match set.follow {
                Some(follow) => {
                    let budget = follow_budget(ctx, follow, streams_n);
                    watch_fills(query, WatchOptions::with_budget(budget), fetch).boxed()
                }
                // A range is paged in concurrent windows: the plan's rate, not
                // latency, bounds it.
                None => fills_windows(query, windows, fetch).boxed(),
            }
        })
        .collect();
    match (streams.len(), set.follow.is_some()) {
        (1, _) => streams.remove(0),
        // Watches never end, so they cannot be merged by time: interleave.
        (_, true) => stream::select_all(streams).boxed(),
        (_, false) => merge_by_time(streams).boxed(),
    }
}

/// One `/fills` request for `window`, its fills kept as TT's JSON text.
pub fn fetch(
    api: Api,
    op: &'static spec::Operation,
    window: FillsWindow,
) -> BoxFuture<'static, Result<Vec<RawFill>, ApiError>> {
    async move {
        let mut args = Args::default().with("minTimestamp", window.min_ts);
        if let Some(max) = window.max_ts {
            args = args.with("maxTimestamp", max);
        }
        if let Some(account) = window.filter.account_id {
            args = args.with("accountId", account);
        }
        if let Some(product) = window.filter.product_id {
            args = args.with("productId", product);
        }
        let (body, call) = api.send_bytes(op, &args).await?;
        fills_page(body, &call)
    }
    .boxed()
}

/// Splits a cluster of more than a page of fills at one timestamp by account
/// (every account of `/accounts`); a cluster within one account cannot be split.
pub fn narrow_hook(api: Api) -> NarrowHook<ApiError> {
    Arc::new(move |by, window| {
        let api = api.clone();
        async move {
            match by {
                NarrowBy::Account => account_ids(&api).await,
                // Fills carry no productId, so the CLI cannot list the products
                // to split by; the user can, with --product.
                NarrowBy::Product => Err(ApiError::Other(format!(
                    "more than a page of fills share timeStamp {} ns{}; rerun with \
                     --product ID for each product traded then, to fetch them product by product",
                    window.min_ts, window.filter
                ))),
            }
        }
        .boxed()
    })
}

/// Merges streams that are each in time order into one in time order.
fn merge_by_time<S, F, E>(streams: Vec<S>) -> impl Stream<Item = Result<F, E>>
where
    S: Stream<Item = Result<F, E>> + Unpin,
    F: FillRecord,
{
    let heads: Vec<Option<F>> = streams.iter().map(|_| None).collect();
    let live = vec![true; streams.len()];
    stream::unfold(Some((streams, heads, live)), |state| async move {
        let (mut streams, mut heads, mut live) = state?;
        for i in 0..streams.len() {
            if heads[i].is_none() && live[i] {
                match streams[i].next().await {
                    Some(Ok(fill)) => heads[i] = Some(fill),
                    // An error ends the merged stream.
                    Some(Err(e)) => return Some((Err(e), None)),
                    None => live[i] = false,
                }
            }
        }
        let next = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| Some((h.as_ref()?.timestamp().unwrap_or(i64::MIN), i)))
            .min()?
            .1;
        let fill = heads[next].take()?;
        Some((Ok(fill), Some((streams, heads, live))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn fills(ts: &[i64]) -> BoxStream<'static, Result<Value, String>> {
        let items: Vec<_> = ts.iter().map(|t| Ok(json!({"timeStamp": t}))).collect();
        stream::iter(items).boxed()
    }

    #[test]
    fn intervals_have_a_floor() {
        assert!(parse_interval("0.05").is_err());
        assert_eq!(parse_interval("0.1"), Ok(0.1));
    }

    #[test]
    fn ranges_are_half_open_and_ordered() {
        let day = DayArgs {
            tz: None,
            day_start: None,
        };
        let at = |ns: i64| Some(TimeSpec::Instant(ns));
        assert_eq!(FillsSet::range(at(5), at(9), &day).unwrap(), (5, Some(8)));
        assert_eq!(FillsSet::range(None, None, &day).unwrap(), (0, None));
        let err = FillsSet::range(at(9), at(5), &day).unwrap_err();
        assert!(err.message.contains("before --since"), "{}", err.message);
    }

    #[tokio::test]
    async fn merging_keeps_time_order_and_every_fill() {
        let merged: Vec<i64> =
            merge_by_time(vec![fills(&[1, 4, 4, 9]), fills(&[2, 4, 10]), fills(&[])])
                .map(|f| f.unwrap()["timeStamp"].as_i64().unwrap())
                .collect()
                .await;
        assert_eq!(merged, [1, 2, 4, 4, 4, 9, 10]);
    }

    #[tokio::test]
    async fn an_error_ends_the_merge() {
        let failing =
            stream::iter(vec![Ok(json!({"timeStamp": 5})), Err("boom".to_string())]).boxed();
        let out: Vec<_> = merge_by_time(vec![fills(&[1, 7]), failing]).collect().await;
        let times: Vec<i64> = out
            .iter()
            .filter_map(|f| f.as_ref().ok()?["timeStamp"].as_i64())
            .collect();
        assert_eq!(times, [1, 5], "what came before the error, in order");
        assert_eq!(out.last().unwrap().as_ref().unwrap_err(), "boom");
        assert_eq!(out.len(), 3);
    }
}
