//! `ttrest fills`: every fill once, in time order, through the loss-free paginator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt};
use futures::FutureExt;
use serde_json::Value;
use ttrest::paginate::{
    fills_windows, watch_fills, FillRecord, FillsFilter, FillsQuery, FillsWindow, FollowBudget,
    NarrowBy, NarrowHook, PaginationError, WatchOptions, WindowOptions,
};

use super::columns;
use crate::args::FillsArgs;
use crate::context::Context;
use crate::exit::{ApiError, CliError};
use crate::raw::{fills_page, RawFill};
use crate::request::{list_of, Api, Args};
use crate::spec;
use ttrest::scalar::Timestamp;

use std::sync::atomic::{AtomicU64, Ordering};

type Fills = BoxStream<'static, Result<RawFill, PaginationError<ApiError>>>;

/// How often (in fills) the progress line learns the time reached.
const PROGRESS_EVERY: u64 = 512;

/// Runs `ttrest fills`.
pub async fn run(ctx: &Context, args: &FillsArgs) -> Result<(), CliError> {
    let mut writer = super::writer(&args.out, columns::FILLS, args.follow)?;
    let started = Instant::now();
    let requests = Arc::new(AtomicU64::new(0));
    // A batch is what has arrived: with --follow each is written to the
    // target in whole lines before waiting for more.
    let mut fills = stream_for(ctx, args, &requests)?.ready_chunks(PROGRESS_EVERY as usize);
    let mut seen = 0u64;
    let mut spend = crate::usage::StreamSpend::start(ctx, "fills");
    let mut report = tokio::time::interval(Duration::from_secs(60));
    if args.follow {
        crate::usage::read_tt_usage(ctx).await?;
    }
    loop {
        let next = match args.follow {
            // With --follow, Ctrl-C is the way to stop: keep what was written.
            true => tokio::select! {
                next = fills.next() => next,
                _ = report.tick() => {
                    // What the watch spends, for `ttrest usage`; TT's own count now and then.
                    spend.record(requests.swap(0, Ordering::Relaxed));
                    if spend.tt_usage_due() {
                        crate::usage::read_tt_usage(ctx).await?;
                    }
                    continue;
                }
                _ = crate::interrupted() => None,
            },
            false => fills.next().await,
        };
        let Some(batch) = next else { break };
        let written = write_batch(ctx, args, &mut writer, batch, &mut seen);
        if args.follow {
            writer.flush()?;
        }
        written?;
    }
    let count = writer.finish()?;
    super::summary(ctx, "fills", count, args.out.output.as_deref(), started);
    Ok(())
}

/// The budget of one of `streams` follow streams: `share` percent of the
/// key's day split between them, pauses of `interval` to `max_interval` seconds.
pub fn follow_budget(
    ctx: &Context,
    (interval, max_interval): (f64, f64),
    share: u8,
    streams: usize,
) -> FollowBudget {
    let limit = ctx.api.session().daily_limit();
    let mut budget = FollowBudget::for_daily_limit(limit, share);
    budget.requests_per_day = budget
        .requests_per_day
        .map(|d| (d / streams.max(1) as u64).max(1));
    budget.min_interval = Duration::from_secs_f64(interval.max(0.05));
    budget.max_interval = Duration::from_secs_f64(max_interval.max(0.05)).max(budget.min_interval);
    budget
}

/// Writes one batch of fills, up to the first error.
fn write_batch(
    ctx: &Context,
    args: &FillsArgs,
    writer: &mut crate::output::Writer,
    batch: Vec<Result<RawFill, PaginationError<ApiError>>>,
    seen: &mut u64,
) -> Result<(), CliError> {
    for fill in batch {
        let fill = fill.map_err(|e| CliError::from_pages(e, ctx.env))?;
        ctx.progress().records_done(1);
        *seen += 1;
        if *seen % PROGRESS_EVERY == 1 || args.follow {
            if let Some(ns) = fill.timestamp() {
                ctx.progress().at(Timestamp::from_nanos(ns).to_rfc3339());
            }
        }
        writer.write_raw(&fill)?;
    }
    Ok(())
}

/// `[--since, --until)` in epoch ns: `until` comes back as the last
/// nanosecond included (the paginator's bound is inclusive).
fn range(args: &FillsArgs) -> Result<(i64, Option<i64>), CliError> {
    let (rule, now) = (args.day.rule(), crate::time::now_ns());
    let resolve = |flag: &str, spec: crate::time::TimeSpec| {
        spec.resolve(&rule, now)
            .map_err(|e| CliError::usage(format!("{flag}: {e}")))
    };
    let since = args
        .since
        .map(|s| resolve("--since", s))
        .transpose()?
        .unwrap_or(0);
    let until = args.until.map(|u| resolve("--until", u)).transpose()?;
    if until.is_some_and(|u| u < since) {
        return Err(CliError::usage(format!(
            "--until ({}) is before --since ({})",
            Timestamp::from_nanos(until.unwrap_or(0)).to_rfc3339(),
            Timestamp::from_nanos(since).to_rfc3339()
        )));
    }
    Ok((since, until.map(|u| u - 1)))
}

/// One stream per account (or one for all), merged in time order.
fn stream_for(
    ctx: &Context,
    args: &FillsArgs,
    requests: &Arc<AtomicU64>,
) -> Result<Fills, CliError> {
    let op = &ttrest::ttledger::ops::GET_FILLS;
    let (since, until) = range(args)?;
    if until.is_some_and(|last| last < since) {
        // `--since X --until X`: an empty range needs no request.
        return Ok(stream::empty().boxed());
    }
    let mut accounts: Vec<Option<u64>> = Vec::new();
    for account in &args.accounts {
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
                product_id: args.product,
            };
            let mut query = FillsQuery::new(op.id, since)
                .filter(filter)
                .narrow_with(narrow_hook(ctx.api.clone()));
            if let Some(until) = until {
                query = query.max_ts(until);
            }
            let api = ctx.api.clone();
            let counted = requests.clone();
            let fetch = move |window: FillsWindow| {
                counted.fetch_add(1, Ordering::Relaxed);
                fetch(api.clone(), op, window)
            };
            match args.follow {
                true => {
                    let budget = follow_budget(
                        ctx,
                        (args.interval, args.max_interval),
                        args.follow_share,
                        streams_n,
                    );
                    watch_fills(query, WatchOptions::with_budget(budget), fetch).boxed()
                }
                // A range is paged in concurrent windows: the plan's rate, not
                // latency, bounds it.
                false => fills_windows(query, windows, fetch).boxed(),
            }
        })
        .collect();
    Ok(match (streams.len(), args.follow) {
        (1, _) => streams.remove(0),
        // Watches never end, so they cannot be merged by time: interleave.
        (_, true) => stream::select_all(streams).boxed(),
        (_, false) => merge_by_time(streams).boxed(),
    })
}

/// One `/fills` request for `window`, its fills kept as TT's JSON text.
pub(crate) fn fetch(
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
pub(crate) fn narrow_hook(api: Api) -> NarrowHook<ApiError> {
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

/// Every account id the key can see.
pub async fn account_ids(api: &Api) -> Result<Vec<u64>, ApiError> {
    let op = &ttrest::ttaccount::ops::GET_ACCOUNTS;
    let mut pages = std::pin::pin!(api.pages(op, Args::default()));
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| match e {
            PaginationError::Fetch { source, .. } => source,
            other => ApiError::Other(other.to_string()),
        })?;
        for account in list_of(page, "accounts") {
            let id = match account.get("id") {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            };
            ids.extend(id);
        }
    }
    Ok(ids)
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
    use serde_json::json;

    fn fills(ts: &[i64]) -> BoxStream<'static, Result<Value, String>> {
        let items: Vec<_> = ts.iter().map(|t| Ok(json!({"timeStamp": t}))).collect();
        stream::iter(items).boxed()
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
