//! One module per command; this one dispatches and holds what they share.

pub mod call;
pub mod columns;
pub mod fills;
pub mod lists;
pub mod sandbox;
pub mod sync;
pub mod token;

use std::path::Path;
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use serde_json::Value;
use ttrest::paginate::PaginationError;

use crate::args::{Cli, Command, OutputArgs};
use crate::context::Context;
use crate::exit::{ApiError, CliError};
use crate::output::{Column, Format, Target, Writer};
use crate::telemetry::Monitor;

/// Runs the command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Sandbox(args) => return sandbox::run(args).await,
        Command::Call(args) if args.list => return call::list(args),
        Command::Token(args) => return token::run(global, args).await,
        Command::Completions(args) => return completions(args.shell),
        Command::Man => return man(),
        _ => {}
    }
    let monitor = match &cli.command {
        Command::Fills(f) => monitor(f.metrics_addr.as_deref(), f.interval).await?,
        Command::Sync(s) => match &s.what {
            sync::SyncWhat::Fills(f) => monitor(f.metrics_addr.as_deref(), f.interval).await?,
            _ => None,
        },
        _ => None,
    };
    if let Command::Sync(args) = &cli.command {
        // One session per key: sync connects for itself.
        return sync::run(global, args, monitor).await;
    }
    let call = match &cli.command {
        Command::Call(args) => Some(call::prepare(args)?),
        _ => None,
    };
    let ctx = Context::connect(global, monitor).await?;
    match cli.command {
        Command::Fills(args) => fills::run(&ctx, &args).await,
        Command::Orders(args) => lists::orders(&ctx, &args).await,
        Command::Positions(args) => lists::positions(&ctx, &args).await,
        Command::Accounts(args) => lists::accounts(&ctx, &args.out).await,
        Command::Users(args) => lists::users(&ctx, &args.out).await,
        Command::Markets(args) => lists::markets(&ctx, &args.out).await,
        Command::Products(args) => lists::products(&ctx, &args).await,
        Command::Instruments(args) => lists::instruments(&ctx, &args).await,
        Command::Orderdata(args) => lists::orderdata(&ctx, &args.out).await,
        Command::Call(args) => match call {
            Some(prepared) => call::run(&ctx, prepared, &args).await,
            None => Ok(()),
        },
        Command::Usage => crate::usage::run(&ctx).await,
        Command::Token(_)
        | Command::Sandbox(_)
        | Command::Sync(_)
        | Command::Completions(_)
        | Command::Man => Ok(()),
    }
}

/// Serves `/metrics` and `/healthz` on `--metrics-addr`, if given.
async fn monitor(addr: Option<&str>, interval: f64) -> Result<Option<Monitor>, CliError> {
    match addr {
        Some(addr) => Ok(Some(
            Monitor::start(addr, Duration::from_secs_f64(interval.max(0.05))).await?,
        )),
        None => Ok(None),
    }
}

/// `ttrest completions SHELL`: the completion script on stdout.
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ttrest", &mut out);
    print_bytes(&out)
}

/// `ttrest man`: the manual page (roff) on stdout.
fn man() -> Result<(), CliError> {
    use clap::CommandFactory;
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::io("write", Path::new("<stdout>"), &e))?;
    print_bytes(&out)
}

fn print_bytes(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|_| stdout.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::broken_pipe(),
            _ => CliError::io("write", Path::new("<stdout>"), &e),
        })
}

/// The writer for a list command's `--format`/`-o`/`--columns`.
pub fn writer(out: &OutputArgs, defaults: &[&str], follow: bool) -> Result<Writer, CliError> {
    let path = out.output.as_deref();
    let format = Format::resolve(out.format, Target::of(path)?.name())?;
    let columns = match &out.columns {
        Some(list) => {
            columns::check(list, defaults)?;
            list.iter().map(|c| Column::parse(c)).collect()
        }
        None => Column::list(defaults),
    };
    Writer::create(format, columns, path, follow)
}

/// Writes every record of `records` and reports how it went.
pub async fn export<S>(
    ctx: &Context,
    what: &str,
    records: S,
    mut writer: Writer,
    target: Option<&Path>,
) -> Result<(), CliError>
where
    S: Stream<Item = Result<Value, PaginationError<ApiError>>>,
{
    let started = Instant::now();
    let mut records = std::pin::pin!(records);
    while let Some(record) = records.next().await {
        let record = record.map_err(|e| CliError::from_pages(e, ctx.env))?;
        writer.write(&record)?;
    }
    let count = writer.finish()?;
    summary(ctx, what, count, target, started);
    Ok(())
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
