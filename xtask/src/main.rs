//! `cargo xtask`: the developer tasks of ttrest. See `cargo xtask --help`.
//!
//! Exit status: 0 on success, 1 when a check finds something (`check` with a
//! stale file, `diff --fail-on` met), 2 when the task itself failed (bad input,
//! unreadable files, a page that cannot be scraped...), so CI can tell a finding
//! from a broken job.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = xtask::cli::Cli::parse();
    match xtask::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
