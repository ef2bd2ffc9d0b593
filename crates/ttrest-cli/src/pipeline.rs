//! Dataset → sink: every command that moves records is this loop.

use std::path::Path;
use std::time::Instant;

use futures::StreamExt;

use crate::context::Context;
use crate::datasets::{Dataset, Records};
use crate::exit::CliError;
use crate::sinks::Sink;

/// Writes every record of `dataset` to `sink` and finishes it, then reports
/// on stderr. A stop of `ctx` ends it with exit 130, the sink dropped
/// unfinished (a file target is left as it was).
pub async fn export(
    ctx: &Context,
    dataset: &dyn Dataset,
    sink: Box<dyn Sink>,
    target: Option<&Path>,
) -> Result<u64, CliError> {
    let started = Instant::now();
    let count = tokio::select! {
        count = pump(dataset.records(ctx), sink) => count?,
        () = ctx.stop.stopped() => return Err(CliError::interrupted()),
    };
    summary(ctx, dataset.noun(), count, target, started);
    Ok(count)
}

/// Writes every record to `sink` and finishes it; returns the count. The
/// first error ends it, the sink dropped unfinished.
pub async fn pump(mut records: Records<'_>, mut sink: Box<dyn Sink>) -> Result<u64, CliError> {
    let mut count = 0;
    while let Some(record) = records.next().await {
        sink.write(&record?)?;
        count += 1;
    }
    sink.finish().await?;
    Ok(count)
}

/// `ttrest: wrote 10000 fills to fills.csv (21 requests, 1.2 s)` on stderr.
pub fn summary(ctx: &Context, what: &str, count: u64, target: Option<&Path>, started: Instant) {
    ctx.progress().clear();
    if ctx.quiet {
        return;
    }
    let to = target.map_or("stdout".to_string(), |p| p.display().to_string());
    eprintln!(
        "ttrest: wrote {count} {what} to {to} ({} requests, {:.1} s)",
        ctx.progress().pages(),
        started.elapsed().as_secs_f64()
    );
}
