//! `ttrest`: export fills, orders, positions and any TT REST 2.0 endpoint.
//!
//! `ttrest --help` lists the commands; `ttrest --sandbox fills` runs against a
//! local sandbox, so no TT account is needed to try it. Exit codes: see
//! [`exit`].

mod args;
mod commands;
mod context;
mod exit;
mod output;
mod progress;
mod request;
mod spec;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::CliError;

fn main() {
    let cli = Cli::parse();
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
    // These end on a signal by themselves, keeping what they did.
    let handles_signals = match &cli.command {
        Command::Fills(f) => f.follow,
        Command::Sandbox(_) => true,
        _ => false,
    };
    let result = match handles_signals {
        true => commands::run(cli).await,
        // Dropping the command's future drops its temporary output file.
        false => tokio::select! {
            result = commands::run(cli) => result,
            _ = interrupted() => Err(CliError::interrupted()),
        },
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{e}");
            }
            e.code
        }
    }
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
