//! `ttrest fills`: the fills dataset to a file sink; with `--follow`, a
//! watch that writes each batch as it arrives until stopped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use futures::StreamExt;

use crate::context::Context;
use crate::datasets::fills::{self, FillsSet, Follow};
use crate::datasets::Dataset;
use crate::exit::CliError;
use crate::pipeline;
use crate::sinks::output::OutputArgs;
use crate::sinks::Sink;
use crate::time::{parse_time, DayArgs, TimeSpec};

/// `ttrest fills`.
#[derive(Debug, Args)]
pub struct FillsArgs {
    /// Fills from this time on, inclusive: RFC 3339, YYYY-MM-DD (its first
    /// instant), today, yesterday, epoch with unit (1795185000s, ...ms, ...us,
    /// ...ns), or back from now (90m, 12h, 1d) [default: all].
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub since: Option<TimeSpec>,
    /// Fills before this time, exclusive (same forms), so `--until X` then
    /// `--since X` never share a fill [default: none, up to now].
    #[arg(long, value_name = "T", value_parser = parse_time, conflicts_with = "follow")]
    pub until: Option<TimeSpec>,
    #[command(flatten)]
    pub day: DayArgs,
    /// Only this account (repeatable; the fills of several are merged in time order).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<u64>,
    /// Only this product.
    #[arg(long, value_name = "ID")]
    pub product: Option<u64>,
    /// After the existing fills, keep polling for new ones until Ctrl-C
    /// (which then ends the run normally, keeping what was written).
    #[arg(long)]
    pub follow: bool,
    /// The shortest pause between polls with --follow, in seconds: the pause
    /// while fills arrive, unless the daily budget needs a longer one
    /// (quiet streams wait up to --max-interval). At least 0.1.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, requires = "follow",
          value_parser = fills::parse_interval)]
    pub interval: f64,
    /// With --follow, serve /metrics (Prometheus) and /healthz on HOST:PORT.
    #[arg(long, value_name = "HOST:PORT", requires = "follow")]
    pub metrics_addr: Option<String>,
    /// The longest pause between polls with --follow while no fill arrives,
    /// in seconds (each quiet poll doubles the pause up to it).
    #[arg(long, value_name = "SECS", default_value_t = 60.0, requires = "follow",
          value_parser = fills::parse_interval)]
    pub max_interval: f64,
    /// The share of the key's daily quota (in percent) --follow may spend,
    /// split between the streams of several --account.
    #[arg(long, value_name = "PERCENT", default_value_t = 50, value_parser = clap::value_parser!(u8).range(1..=100), requires = "follow")]
    pub follow_share: u8,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Fills written between two flushes with `--follow`, at most.
const BATCH: usize = 512;

/// Runs `ttrest fills`.
pub async fn run(ctx: &Context, args: &FillsArgs) -> Result<(), CliError> {
    let (since, last) = FillsSet::range(args.since, args.until, &args.day)?;
    let requests = Arc::new(AtomicU64::new(0));
    let set = FillsSet {
        since,
        last,
        accounts: args.accounts.clone(),
        product: args.product,
        follow: args.follow.then_some(Follow {
            interval: args.interval,
            max_interval: args.max_interval,
            share: args.follow_share,
        }),
        requests: requests.clone(),
    };
    let target = args.out.output.as_deref();
    let sink = args.out.open(set.columns(), args.follow)?;
    if !args.follow {
        pipeline::export(ctx, &set, sink, target).await?;
        return Ok(());
    }
    follow(ctx, &set, sink, &requests, target).await
}

/// `--follow`: writes each batch that has arrived to the target in whole
/// lines before waiting for more; a stop ends the run normally, keeping what
/// was written (`main` then reports the interruption).
async fn follow(
    ctx: &Context,
    set: &FillsSet,
    mut sink: Box<dyn Sink>,
    requests: &AtomicU64,
    target: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let started = Instant::now();
    let mut fills = set.records(ctx).ready_chunks(BATCH);
    let mut count = 0u64;
    let mut spend = crate::usage::StreamSpend::start(ctx, "fills");
    let mut report = tokio::time::interval(Duration::from_secs(60));
    crate::usage::read_tt_usage(ctx).await?;
    loop {
        let next = tokio::select! {
            next = fills.next() => next,
            _ = report.tick() => {
                // What the watch spends, for `ttrest usage`; TT's own count now and then.
                spend.record(requests.swap(0, Ordering::Relaxed));
                if spend.tt_usage_due() {
                    crate::usage::read_tt_usage(ctx).await?;
                }
                continue;
            }
            () = ctx.stop.stopped() => None,
        };
        let Some(batch) = next else { break };
        let mut written = Ok(());
        for fill in batch {
            written = fill.and_then(|fill| sink.write(&fill));
            if written.is_err() {
                break;
            }
            count += 1;
        }
        // What came before an error is kept.
        sink.flush()?;
        written?;
    }
    sink.finish().await?;
    pipeline::summary(ctx, "fills", count, target, started);
    Ok(())
}
