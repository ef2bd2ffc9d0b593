//! `ttrest sync fills|positions|orders --db URL`: keeps them in a database
//! (see the `ttrest-store` crate): fills exactly once, even across crashes,
//! with one transaction per page holding the rows and the stream's cursor.

use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use futures::TryStreamExt;
use serde_json::Value;
use ttrest::paginate::{
    join_ids, orders_for_accounts, ConcurrentOptions, FillsWindow, OrdersLimits,
};
use ttrest::scalar::Timestamp;

use super::fills::{account_ids, fetch, narrow_hook};
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::raw::RawFill;
use crate::request::{list_of, Args as CallArgs};
use crate::spec;
use ttrest_store::{
    sync_fills, Snapshot, StateKey, Store, StoreError, SyncError, SyncOptions, SyncReport,
};

/// `ttrest sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub what: SyncWhat,
}

/// What `ttrest sync` keeps.
#[derive(Debug, Subcommand)]
pub enum SyncWhat {
    /// Every fill exactly once (ttledger /fills), resuming where the last run committed.
    Fills(SyncFills),
    /// A snapshot of the positions with its as-of time (ttmonitor /position).
    Positions(SyncSnapshot),
    /// A snapshot of the working orders with its as-of time (ttledger /orders).
    Orders(SyncSnapshot),
}

/// `ttrest sync fills`.
#[derive(Debug, Args)]
pub struct SyncFills {
    /// The database: sqlite:PATH (a file, WAL mode) or postgres://user[:password]@host[:port]/db.
    #[arg(long, value_name = "URL", env = "TTREST_DB", hide_env_values = true)]
    pub db: String,
    /// Start at this fill time instead of the saved cursor (the forms of
    /// `ttrest fills --since`); fills stored already are skipped [default:
    /// the saved cursor, else 0: all].
    #[arg(long, value_name = "T", value_parser = crate::time::parse_time)]
    pub since: Option<crate::time::TimeSpec>,
    #[command(flatten)]
    pub day: crate::args::DayArgs,
    /// Keep syncing new fills until Ctrl-C (which commits and exits 130).
    #[arg(long)]
    pub follow: bool,
    /// Seconds between polls with --follow (at least 0.1).
    #[arg(long, value_name = "SECS", default_value_t = 5.0, requires = "follow",
          value_parser = crate::args::parse_interval)]
    pub interval: f64,
    /// Read this far behind the cursor again on every poll, for fills TT
    /// delivers late (e.g. 15m, 90s, 2h; 0 disables). Later ones are not found.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub rescan: Duration,
}

/// `ttrest sync positions` and `ttrest sync orders`.
#[derive(Debug, Args)]
pub struct SyncSnapshot {
    /// The database: sqlite:PATH or postgres://user[:password]@host[:port]/db.
    #[arg(long, value_name = "URL", env = "TTREST_DB", hide_env_values = true)]
    pub db: String,
    /// Only this account (repeatable) [default: every account of /accounts].
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<u64>,
}

/// `15m`, `90s`, `2h`, `500ms`, `1d` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a duration: write e.g. 15m, 90s, 2h or 0"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => {
            return Err(format!(
                "`{s}`: unknown unit `{unit}` (use ms, s, m, h or d)"
            ))
        }
    };
    Duration::try_from_secs_f64(value * scale)
        .map_err(|_| format!("`{s}` is not a duration: write e.g. 15m, 90s, 2h or 0"))
}

/// Runs `ttrest sync ...`.
pub async fn run(ctx: &Context, args: &SyncArgs) -> Result<(), CliError> {
    match &args.what {
        SyncWhat::Fills(a) => fills(ctx, a).await,
        SyncWhat::Positions(a) => snapshot(ctx, a, Snapshot::Positions).await,
        SyncWhat::Orders(a) => snapshot(ctx, a, Snapshot::Orders).await,
    }
}

/// Any database failure: exit 5, the message names the database.
fn db_error(e: StoreError) -> CliError {
    CliError {
        code: exit::IO,
        message: e.to_string(),
        hint: None,
    }
}

fn state_key(ctx: &Context, stream: &str) -> StateKey {
    let session = ctx.api.session();
    StateKey::new(session.app_key(), session.environment().to_string(), stream)
}

async fn fills(ctx: &Context, args: &SyncFills) -> Result<(), CliError> {
    let op = spec::find("ttledger", "get_fills")
        .ok_or_else(|| CliError::tt("ttledger get_fills is missing from the built-in specs"))?;
    let mut store = open(&args.db).await?;
    let key = state_key(ctx, "fills");
    let since = args
        .since
        .map(|s| s.resolve(&args.day.rule(), crate::time::now_ns()))
        .transpose()
        .map_err(|e| CliError::usage(format!("--since: {e}")))?;
    let mut options = SyncOptions::new(op.id, since.unwrap_or(0));
    options.restart = args.since.is_some();
    options.rescan = args.rescan;
    let started = Instant::now();
    let mut total = SyncReport::default();
    loop {
        let api = ctx.api.clone();
        // The store keeps each fill's whole record as JSON and its typed columns.
        let fetch = move |window: FillsWindow| {
            let page = fetch(api.clone(), op, window);
            async move { Ok(page.await?.iter().map(RawFill::to_value).collect()) }
        };
        let mut shown = 0;
        let report = sync_fills(
            &mut store,
            &key,
            &options,
            fetch,
            Some(narrow_hook(ctx.api.clone())),
            |r, at| {
                ctx.progress().records_done(r.added - shown);
                shown = r.added;
                if let Some(at) = at {
                    ctx.progress().at(Timestamp::from_nanos(at).to_rfc3339());
                }
            },
            crate::interrupted(),
        )
        .await;
        let report = match report {
            Ok(r) => r,
            Err(SyncError::Store(e)) => return Err(db_error(e)),
            Err(SyncError::Fetch(e)) => return Err(CliError::from_pages(e, ctx.env)),
        };
        total += report;
        if args.follow && report.added > 0 && !report.interrupted {
            ctx.progress().clear();
            println!("{}", line(&report, None));
        }
        options.restart = false;
        if !args.follow || report.interrupted {
            break;
        }
        let pause = Duration::from_secs_f64(args.interval);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = crate::interrupted() => { total.interrupted = true; break; }
        }
    }
    ctx.progress().clear();
    println!("{}", line(&total, Some((store.url().to_string(), started))));
    match total.interrupted {
        true => Err(CliError::interrupted()),
        false => Ok(()),
    }
}

/// `sqlite:f.db: 20000 fills added, 0 duplicates skipped, 0 late fills (41 pages, 1.2 s)`.
fn line(r: &SyncReport, total: Option<(String, Instant)>) -> String {
    let counts = format!(
        "{} fills added, {} duplicates skipped, {} late fills",
        r.added, r.duplicates, r.late
    );
    match total {
        Some((db, started)) => {
            let secs = started.elapsed().as_secs_f64();
            format!(
                "{db}: {counts} ({} transactions, {secs:.1} s, {:.0} rows/s)",
                r.pages,
                r.added as f64 / secs.max(1e-9)
            )
        }
        None => counts,
    }
}

/// Opens the database; Ctrl-C while connecting stops the run (exit 130).
async fn open(url: &str) -> Result<Store, CliError> {
    tokio::select! {
        store = Store::open(url) => store.map_err(db_error),
        () = crate::interrupted() => Err(CliError::interrupted()),
    }
}

/// A snapshot is one transaction: Ctrl-C before its commit leaves nothing of it.
async fn snapshot(ctx: &Context, args: &SyncSnapshot, what: Snapshot) -> Result<(), CliError> {
    tokio::select! {
        done = take_snapshot(ctx, args, what) => done,
        () = crate::interrupted() => Err(CliError::interrupted()),
    }
}

async fn take_snapshot(ctx: &Context, args: &SyncSnapshot, what: Snapshot) -> Result<(), CliError> {
    let mut store = open(&args.db).await?;
    let as_of = Timestamp::now().map_or(0, Timestamp::as_nanos);
    let records = match what {
        Snapshot::Positions => positions(ctx, &args.accounts).await?,
        Snapshot::Orders => orders(ctx, &args.accounts).await?,
    };
    let key = state_key(ctx, what.name());
    let rows = store
        .snapshot(&key, what, as_of, &records)
        .await
        .map_err(db_error)?;
    ctx.progress().clear();
    println!(
        "{}: {rows} {} as of {}",
        store.url(),
        what.name(),
        Timestamp::from_nanos(as_of).to_rfc3339()
    );
    Ok(())
}

async fn positions(ctx: &Context, accounts: &[u64]) -> Result<Vec<Value>, CliError> {
    let op = spec::find("ttmonitor", "get_position")
        .ok_or_else(|| CliError::tt("ttmonitor get_position is missing from the built-in specs"))?;
    let mut call = CallArgs::default();
    if !accounts.is_empty() {
        call = call.with("accountIds", join_ids(accounts));
    }
    ctx.api
        .items(op, call, "positions")
        .try_collect()
        .await
        .map_err(|e| CliError::from_pages(e, ctx.env))
}

async fn orders(ctx: &Context, accounts: &[u64]) -> Result<Vec<Value>, CliError> {
    let op = spec::find("ttledger", "get_orders")
        .ok_or_else(|| CliError::tt("ttledger get_orders is missing from the built-in specs"))?;
    let accounts = match accounts.is_empty() {
        true => account_ids(&ctx.api)
            .await
            .map_err(|e| e.into_cli(ctx.env))?,
        false => accounts.to_vec(),
    };
    let api = &ctx.api;
    orders_for_accounts(
        op.id,
        &accounts,
        OrdersLimits::default(),
        ConcurrentOptions::for_plan(api.session().plan()),
        |chunk| async move {
            let page = api
                .send(op, &CallArgs::default().with("accounts", join_ids(&chunk)))
                .await?;
            Ok(list_of(page, "orders"))
        },
    )
    .await
    .map_err(|e| CliError::from_pages(e, ctx.env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("soon").unwrap_err().contains("15m"));
        assert!(parse_duration("3w").unwrap_err().contains("unit"));
        assert!(parse_duration("-1s").is_err());
    }
}
