//! `ttrest sync fills|positions|orders --db URL`: a dataset into the store
//! sink (see the `ttrest-store` crate): fills exactly once, even across
//! crashes, with one transaction per page holding the rows and the stream's
//! cursor; positions and orders as snapshots, one transaction each.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use ttrest::paginate::{FillsWindow, FollowPacer, PaginationError};
use ttrest::quota::DailyCount;
use ttrest::scalar::Timestamp;
use ttrest::Error;

use crate::context::{Context, Global};
use crate::datasets::fills::{fetch, follow_budget, narrow_hook, parse_interval, Follow};
use crate::datasets::orders::Orders;
use crate::datasets::positions::Positions;
use crate::datasets::Dataset;
use crate::exit::{self, ApiError, CliError};
use crate::pipeline;
use crate::sinks::store::{self as store_sink, db_error, lease, state_key, SnapshotSink};
use crate::stop::Stop;
use crate::telemetry;
use crate::telemetry::Monitor;
use crate::time::{parse_time, DayArgs, TimeSpec};
use ttrest_store::{sync_fills, BeforeCommit, PostgresCount, SyncError, SyncOptions, SyncReport};

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
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub since: Option<TimeSpec>,
    #[command(flatten)]
    pub day: DayArgs,
    /// Keep syncing new fills until Ctrl-C (which commits and exits 130).
    #[arg(long)]
    pub follow: bool,
    /// The shortest pause between polls with --follow, in seconds: the pause
    /// while fills arrive, unless the daily budget needs a longer one
    /// (quiet streams wait up to --max-interval). At least 0.1.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, requires = "follow",
          value_parser = parse_interval)]
    pub interval: f64,
    /// With --follow, serve /metrics (Prometheus) and /healthz on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", requires = "follow")]
    pub metrics_addr: Option<String>,
    /// The longest pause between polls with --follow while no fill arrives,
    /// in seconds (each quiet poll doubles the pause up to it).
    #[arg(long, value_name = "SECS", default_value_t = 60.0, requires = "follow",
          value_parser = parse_interval)]
    pub max_interval: f64,
    /// The share of the key's daily quota (in percent) --follow may spend.
    #[arg(long, value_name = "PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100), requires = "follow")]
    pub follow_share: u8,
    /// Fills TT delivers up to this late are found (e.g. 15m, 90s, 2h; 0
    /// disables): a run starts by re-reading this far behind the saved
    /// cursor, and --follow re-reads twice this far once per this long.
    /// Later ones are not found.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    pub rescan: Duration,
    /// Debug option for crash tests (hidden): once this run has added at
    /// least N fills, hold the next page's transaction open, its rows written
    /// and not committed, print `debug: holding a transaction open ...` on
    /// stderr, and wait there until killed.
    #[arg(long, value_name = "N", hide = true)]
    pub debug_hold_commit_after: Option<u64>,
    #[command(flatten)]
    pub keys: Keys,
}

/// Which keys sync, and what to do when another run holds a stream.
#[derive(Debug, Args)]
pub struct Keys {
    /// Sync every profile of the config file, each key its own stream,
    /// session, rate limit and lease, into the one database.
    #[arg(long, conflicts_with_all = ["profile", "sandbox"])]
    pub all_profiles: bool,
    /// When another run holds this stream's lease (same app key, environment
    /// and stream), wait for it instead of exiting with code 5.
    #[arg(long)]
    pub wait: bool,
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
    #[command(flatten)]
    pub keys: Keys,
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

/// Runs `ttrest sync ...` for one key (the environment's or one `--profile`),
/// or for several (`--profile` given more than once, `--all-profiles`), each
/// in its own session and lease, side by side in this process.
/// `monitor` serves `--metrics-addr` for every key's stream; `stop` ends
/// every key's run, each committing what it read.
pub async fn run(
    global: &Global,
    args: &SyncArgs,
    monitor: Option<Monitor>,
    stop: &Stop,
) -> Result<(), CliError> {
    let keys = match &args.what {
        SyncWhat::Fills(a) => &a.keys,
        SyncWhat::Positions(a) | SyncWhat::Orders(a) => &a.keys,
    };
    let db = match &args.what {
        SyncWhat::Fills(a) => &a.db,
        SyncWhat::Positions(a) | SyncWhat::Orders(a) => &a.db,
    };
    let count = shared_count(db, stop).await?;
    if !keys.all_profiles && global.profile.len() <= 1 {
        let profile = global.profile.first().map(String::as_str);
        let ctx = Context::connect_as(global, profile, !global.quiet, count, monitor, stop).await?;
        return run_key(&ctx, args, "").await;
    }
    let mut names: Vec<String> = match keys.all_profiles {
        true => all_profiles()?,
        false => global.profile.clone(),
    };
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    let runs = names.iter().map(|name| {
        let count = count.clone();
        let monitor = monitor.clone();
        async move {
            let label = format!("profile {name}: ");
            let connected =
                Context::connect_as(global, Some(name), false, count, monitor, stop).await;
            let result = match connected {
                Ok(ctx) => run_key(&ctx, args, &label).await,
                Err(e) => Err(e),
            };
            if let Err(e) = &result {
                if e.code != exit::INTERRUPTED {
                    // One line per key: its failure, as it happens.
                    let shown = CliError {
                        code: e.code,
                        message: format!("{label}{}", e.message),
                        hint: e.hint.clone(),
                    };
                    eprintln!("{shown}");
                }
            }
            (name, result)
        }
    });
    let results = futures::future::join_all(runs).await;
    let failed: Vec<(&String, i32)> = results
        .iter()
        .filter_map(|(name, r)| match r {
            Err(e) if e.code != exit::INTERRUPTED => Some((*name, e.code)),
            _ => None,
        })
        .collect();
    if let Some((_, code)) = failed.first() {
        let list: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
        return Err(CliError {
            code: *code,
            message: format!(
                "{} of {} keys failed ({}); the others' rows are committed",
                failed.len(),
                names.len(),
                list.join(", ")
            ),
            hint: None,
        });
    }
    match results.iter().any(|(_, r)| r.is_err()) {
        true => Err(CliError::interrupted()),
        false => Ok(()),
    }
}

/// With a PostgreSQL `--db`, the day's request count of every key is kept
/// there (`ttrest_daily_count`), so syncs on several hosts share it; with
/// SQLite it stays in the host's state file.
async fn shared_count(db: &str, stop: &Stop) -> Result<Option<Arc<dyn DailyCount>>, CliError> {
    if !(db.starts_with("postgres://") || db.starts_with("postgresql://")) {
        return Ok(None);
    }
    let count = tokio::select! {
        count = PostgresCount::connect(db) => count.map_err(db_error)?,
        () = stop.stopped() => return Err(CliError::interrupted()),
    };
    Ok(Some(Arc::new(count)))
}

/// Every profile of the config file.
fn all_profiles() -> Result<Vec<String>, CliError> {
    let path = ttrest::credentials::default_config_path().ok_or_else(|| {
        CliError::auth("--all-profiles: no config file (set HOME or TTREST_CONFIG)")
    })?;
    let names =
        ttrest::credentials::profile_names(&path).map_err(|e| CliError::auth(e.to_string()))?;
    match names.is_empty() {
        true => Err(CliError::auth(format!(
            "--all-profiles: {} has no [profiles.<name>] table; add one per key",
            path.display()
        ))),
        false => Ok(names),
    }
}

/// One key's sync; `label` starts its output lines (empty for a single key).
async fn run_key(ctx: &Context, args: &SyncArgs, label: &str) -> Result<(), CliError> {
    match &args.what {
        SyncWhat::Fills(a) => fills(ctx, a, label).await,
        SyncWhat::Positions(a) => {
            let positions = Positions {
                accounts: a.accounts.clone(),
            };
            snapshot(ctx, a, &positions, label).await
        }
        SyncWhat::Orders(a) => {
            let orders = Orders {
                accounts: a.accounts.clone(),
            };
            snapshot(ctx, a, &orders, label).await
        }
    }
}

async fn fills(ctx: &Context, args: &SyncFills, label: &str) -> Result<(), CliError> {
    let op = &ttrest::ttledger::ops::GET_FILLS;
    let mut store = store_sink::open(&args.db, &ctx.stop).await?;
    let key = state_key(ctx, "fills");
    let start = args
        .since
        .map(|s| s.resolve(&args.day.rule(), crate::time::now_ns()))
        .transpose()
        .map_err(|e| CliError::usage(format!("--since: {e}")))?;
    lease(&mut store, &key, args.keys.wait, label, &ctx.stop).await?;
    let mut options = SyncOptions::new(op.id, start.unwrap_or(0));
    options.restart = args.since.is_some();
    options.rescan = args.rescan;
    let started = Instant::now();
    let mut total = SyncReport::default();
    // Fills this run added, as the hold of --debug-hold-commit-after sees it.
    let added = Arc::new(AtomicU64::new(0));
    if let Some(after) = args.debug_hold_commit_after {
        store.set_before_commit(Some(hold_commit(after, added.clone())));
    }
    let monitor = ctx.monitor.as_ref();
    let mut failures = 0u32;
    let follow = Follow {
        interval: args.interval,
        max_interval: args.max_interval,
        share: args.follow_share,
    };
    let mut pacer = FollowPacer::new(follow_budget(ctx, follow, 1));
    // The first pass re-reads `rescan` behind the saved cursor.
    pacer.rescan_due(tokio::time::Instant::now(), args.rescan);
    let requests = Arc::new(AtomicU64::new(0));
    let mut spend = crate::usage::StreamSpend::start(ctx, "sync-fills");
    if args.follow {
        crate::usage::read_tt_usage(ctx).await?;
    }
    loop {
        // Every fill TT had when this pass began is stored once it completes.
        let pass_started = Timestamp::now().map_or(0, Timestamp::as_nanos);
        let api = ctx.api.clone();
        let counted = requests.clone();
        // The store keeps each fill's text as sent and reads its typed columns from it.
        let fetch = move |window: FillsWindow| {
            counted.fetch_add(1, Ordering::Relaxed);
            fetch(api.clone(), op, window)
        };
        let mut shown = 0;
        let base = total.added;
        let mut counted = SyncReport::default();
        let report = sync_fills(
            &mut store,
            &key,
            &options,
            fetch,
            Some(narrow_hook(ctx.api.clone())),
            |r, at| {
                added.store(base + r.added, Ordering::SeqCst);
                ctx.progress().records_done(r.added - shown);
                shown = r.added;
                // The rescan's and the main part's counts each start at 0.
                telemetry::rows_written(
                    "fills",
                    since(r.added, counted.added),
                    since(r.duplicates, counted.duplicates),
                    since(r.late, counted.late),
                );
                counted = *r;
                if let Some(m) = monitor {
                    m.success();
                }
                if let Some(at) = at {
                    ctx.progress().at(Timestamp::from_nanos(at).to_rfc3339());
                    if let Some(m) = monitor {
                        m.covered_through(at);
                    }
                }
            },
            ctx.stop.stopped(),
        )
        .await;
        let pause = Duration::from_secs_f64(args.interval.max(0.05));
        let report = match report {
            Ok(r) => r,
            Err(SyncError::Store(e)) => return Err(db_error(e)),
            Err(SyncError::Fetch(e)) => {
                // A daemon outlives TT's outages: try again, backing off up to
                // 5 minutes. Other errors (credentials, refused requests, the
                // day's quota) still end the run.
                let again = args.follow && transient(&e);
                let err = CliError::from_pages(e, ctx.env);
                if !again {
                    return Err(err);
                }
                failures += 1;
                let wait = pause
                    .saturating_mul(1 << failures.min(12))
                    .min(Duration::from_secs(300).max(pause));
                ctx.progress().clear();
                eprintln!(
                    "ttrest: poll failed, trying again in {:.1} s: {}",
                    wait.as_secs_f64(),
                    err.message
                );
                tracing::warn!(error = %err.message, "poll failed");
                if let Some(m) = monitor {
                    m.failure(&err.message);
                }
                tokio::select! {
                    () = tokio::time::sleep(wait) => continue,
                    () = ctx.stop.stopped() => { total.interrupted = true; break; }
                }
            }
        };
        failures = 0;
        // What the pages did not report (late fills are summed at the end).
        telemetry::rows_written(
            "fills",
            report.added.saturating_sub(counted.added),
            report.duplicates.saturating_sub(counted.duplicates),
            report.late.saturating_sub(counted.late),
        );
        if let (Some(m), false) = (monitor, report.interrupted) {
            m.success();
            m.covered_through(pass_started);
        }
        total += report;
        if args.follow && report.added > 0 && !report.interrupted {
            ctx.progress().clear();
            println!("{label}{}", line(&report, None));
        }
        options.restart = false;
        if !args.follow || report.interrupted {
            break;
        }
        let spent = requests.swap(0, Ordering::Relaxed);
        spend.record(spent);
        let pause = pacer.pause_after(spent, report.added);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = ctx.stop.stopped() => { total.interrupted = true; break; }
        }
        if spend.tt_usage_due() {
            crate::usage::read_tt_usage(ctx).await?;
        }
        // Late fills: twice the rescan window, once per its length (a fill
        // up to one window late is read by the first rescan after it shows).
        options.rescan = match pacer.rescan_due(tokio::time::Instant::now(), args.rescan) {
            true => args.rescan * 2,
            false => Duration::ZERO,
        };
    }
    ctx.progress().clear();
    println!(
        "{label}{}",
        line(&total, Some((store.url().to_string(), started)))
    );
    match total.interrupted {
        true => Err(CliError::interrupted()),
        false => Ok(()),
    }
}

/// The hook of `--debug-hold-commit-after N`: inside the first transaction
/// that starts once `added` is at least `after`, says so on stderr and blocks
/// its thread for good, so a test can kill the process mid-transaction.
fn hold_commit(after: u64, added: Arc<AtomicU64>) -> Box<BeforeCommit> {
    Box::new(move |written| {
        let before = added.load(Ordering::SeqCst);
        if before >= after {
            eprintln!(
                "debug: holding a transaction open: {written} fills written in it, \
                 {before} added by this run before it"
            );
            loop {
                std::thread::park();
            }
        }
    })
}

/// How much a running count grew since `before`; a count that went back
/// started again from 0.
fn since(now: u64, before: u64) -> u64 {
    now.checked_sub(before).unwrap_or(now)
}

/// Whether a failed poll is worth repeating later: TT unreachable, timing
/// out, throttling or failing (5xx).
fn transient(e: &PaginationError<ApiError>) -> bool {
    match e {
        PaginationError::Fetch {
            source: ApiError::Tt(e),
            ..
        }
        | PaginationError::WindowTimeout {
            source: ApiError::Tt(e),
            ..
        } => {
            matches!(
                e,
                Error::Transport { .. } | Error::Timeout { .. } | Error::RateLimited { .. }
            ) || e
                .status()
                .is_some_and(|s| s.is_server_error() || s.as_u16() == 408)
        }
        _ => false,
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

/// A snapshot is one transaction: a stop before its commit leaves nothing of it.
async fn snapshot(
    ctx: &Context,
    args: &SyncSnapshot,
    dataset: &dyn Dataset,
    label: &str,
) -> Result<(), CliError> {
    tokio::select! {
        done = take_snapshot(ctx, args, dataset, label) => done,
        () = ctx.stop.stopped() => Err(CliError::interrupted()),
    }
}

async fn take_snapshot(
    ctx: &Context,
    args: &SyncSnapshot,
    dataset: &dyn Dataset,
    label: &str,
) -> Result<(), CliError> {
    let what = store_sink::snapshot_of(dataset.name())?;
    let mut store = store_sink::open(&args.db, &ctx.stop).await?;
    let key = state_key(ctx, what.name());
    lease(&mut store, &key, args.keys.wait, label, &ctx.stop).await?;
    let url = store.url().to_string();
    let as_of = Timestamp::now().map_or(0, Timestamp::as_nanos);
    let sink = SnapshotSink::new(store, key, what, as_of);
    let rows = pipeline::pump(dataset.records(ctx), Box::new(sink)).await?;
    telemetry::rows_written(what.name(), rows, 0, 0);
    ctx.progress().clear();
    println!(
        "{label}{url}: {rows} {} as of {}",
        what.name(),
        Timestamp::from_nanos(as_of).to_rfc3339()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_that_start_again_are_not_subtracted() {
        assert_eq!(since(7, 5), 2);
        assert_eq!(since(3, 5), 3, "a new phase counted from 0");
        assert_eq!(since(5, 5), 0);
    }

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
