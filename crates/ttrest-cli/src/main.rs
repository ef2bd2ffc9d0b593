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
mod raw;
mod request;
mod spec;
mod telemetry;
mod time;
mod usage;

use std::sync::OnceLock;

use clap::Parser;
use tokio::sync::watch;

use crate::args::{Cli, Command};
use crate::exit::CliError;

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
    listen_for_signals();
    // These end on a signal by themselves, keeping what they did.
    let handles_signals = match &cli.command {
        // Keeps what it wrote, then exits 130.
        Command::Fills(f) => f.follow,
        Command::Sandbox(_) => true,
        // Commits what it read, then exits 130.
        Command::Sync(_) => true,
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
        // A command that ends by itself on Ctrl-C (keeping its work) still
        // reports the interruption, like every other command.
        Ok(()) if was_interrupted() => exit::INTERRUPTED,
        Ok(()) => 0,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("{e}");
            }
            e.code
        }
    }
}

/// Set once Ctrl-C (SIGINT) or SIGTERM arrives; never reset.
static STOP: OnceLock<watch::Receiver<bool>> = OnceLock::new();

/// Starts listening for Ctrl-C and SIGTERM. The handlers are registered before
/// this returns and the result is latched, so no signal can slip between two
/// waits (a signal with no handler registered would be lost).
fn listen_for_signals() {
    let (tx, rx) = watch::channel(false);
    if STOP.set(rx).is_err() {
        return;
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            let _ = tx.send(true);
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = tx.send(true);
        }
    });
}

/// Whether Ctrl-C or SIGTERM has arrived.
fn was_interrupted() -> bool {
    STOP.get().is_some_and(|rx| *rx.borrow())
}

/// Resolves once Ctrl-C or SIGTERM has arrived (at any time since startup).
pub(crate) async fn interrupted() {
    match STOP.get() {
        Some(rx) => {
            let mut rx = rx.clone();
            // An error means the listener is gone: then no signal will come.
            if rx.wait_for(|stop| *stop).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}
