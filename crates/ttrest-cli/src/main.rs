//! `ttrest`: export fills, orders, positions and any TT REST 2.0 endpoint.
//!
//! `ttrest --help` lists the commands; `ttrest --sandbox fills` runs against a
//! local sandbox, so no TT account is needed to try it. Exit codes: see
//! [`exit`]. A command is a dataset ([`datasets`]) written to a sink
//! ([`sinks`]); [`commands`] holds each command's arguments.

mod columns;
mod commands;
mod context;
mod datasets;
mod exit;
mod pipeline;
mod progress;
mod raw;
mod record;
mod request;
mod sinks;
mod spec;
mod stop;
mod telemetry;
mod time;
mod usage;

use clap::Parser;

use crate::commands::Cli;
use crate::exit::CliError;
use crate::stop::Stop;

fn main() {
    let cli = Cli::parse();
    telemetry::init_logs(cli.global.verbose, cli.global.log_format);
    let code = match tokio::runtime::Runtime::new() {
        Ok(runtime) => {
            let code = runtime.block_on(run(cli));
            // Let in-flight tasks (sandbox, connections) go before exiting.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            code
        }
        Err(e) => {
            eprintln!("ttrest: error: cannot start the async runtime: {e}");
            exit::IO
        }
    };
    std::process::exit(code);
}

/// Runs the command, stopping on Ctrl-C/SIGTERM; returns the exit code.
async fn run(cli: Cli) -> i32 {
    let stop = Stop::on_signals();
    let result = match commands::handles_stop(&cli.command) {
        true => commands::run(cli, &stop).await,
        // Dropping the command's future drops its temporary output file.
        false => tokio::select! {
            result = commands::run(cli, &stop) => result,
            () = stop.stopped() => Err(CliError::interrupted()),
        },
    };
    match result {
        // A command that ends by itself on Ctrl-C (keeping its work) still
        // reports the interruption, like every other command.
        Ok(()) if stop.is_stopped() => exit::INTERRUPTED,
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{e}");
            }
            e.code
        }
    }
}
