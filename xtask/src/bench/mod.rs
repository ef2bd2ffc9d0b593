//! `cargo xtask bench`: ttrest's cost in one table, each row with the command
//! that measures it.
//!
//! Rows come from benchmarks, never from timed tests:
//! - `decode`: criterion's `benches/decode.rs` (typed vs `serde_json::Value`);
//! - `stream`, `rate`, `latency`: `benches/sandbox_e2e.rs` against the sandbox
//!   on loopback (`latency`: added latency, plan enforced, concurrent windows);
//! - `peer`: CPU of `benches/peer/tt_fills.py` (requests + json, as Python TT
//!   clients are written) vs the release `ttrest fills`, same sandbox, same run;
//! - `memory`: peak RSS of the release `ttrest fills` (CSV, then Parquet) against
//!   `ttrest sandbox`;
//! - `quota`: requests per 100k fills against the ideal (sandbox), and the
//!   requests per day of the default follow at 2 fills/s on Free and High
//!   (a simulated day on tokio's paused clock; see `quota.rs`);
//! - `postgres`: rows per second and CPU of the release `ttrest sync fills`
//!   into a fresh SQLite file and a throwaway PostgreSQL cluster, over a plain
//!   connection and over TLS;
//! - `compile`: cold builds in a scratch target directory, and generated lines.

mod compile;
mod decode;
mod e2e;
#[cfg(unix)]
mod memory;
#[cfg(unix)]
mod parquet;
#[cfg(unix)]
mod peer;
#[cfg(unix)]
mod postgres;
mod quota;
mod table;

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

pub use table::Row;

/// The groups of rows, in the order they are printed.
pub const GROUPS: &[&str] = &[
    "decode", "stream", "rate", "latency", "peer", "memory", "quota", "postgres", "compile",
];

/// `cargo xtask bench` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these groups (comma-separated): decode, stream, rate, latency, peer,
    /// memory, quota, postgres, compile.
    /// Default: all of them (compile alone takes several minutes: it builds cold).
    #[arg(long, value_delimiter = ',', value_name = "GROUPS")]
    pub only: Vec<String>,
    /// Fill counts for the memory rows (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
    pub memory_fills: Vec<usize>,
}

/// Runs the selected groups and prints the table.
pub fn run(args: &Args, root: &Path) -> anyhow::Result<()> {
    for group in &args.only {
        if !GROUPS.contains(&group.as_str()) {
            bail!(
                "unknown group `{group}` in --only; known: {}",
                GROUPS.join(", ")
            );
        }
    }
    let wanted = |g: &str| args.only.is_empty() || args.only.iter().any(|o| o == g);
    let mut rows = Vec::new();
    if wanted("decode") {
        rows.extend(decode::rows(root)?);
    }
    if wanted("stream") || wanted("rate") || wanted("latency") {
        rows.extend(e2e::rows(
            root,
            wanted("stream"),
            wanted("rate"),
            wanted("latency"),
        )?);
    }
    if wanted("peer") {
        #[cfg(unix)]
        rows.extend(peer::rows(root)?);
        #[cfg(not(unix))]
        bail!("the peer rows read child CPU with wait4, which needs a unix system");
    }
    if wanted("memory") {
        #[cfg(unix)]
        rows.extend(memory::rows(root, &args.memory_fills)?);
        #[cfg(unix)]
        rows.extend(parquet::rows(root, &args.memory_fills)?);
        #[cfg(not(unix))]
        bail!("the memory rows read peak RSS with wait4, which needs a unix system");
    }
    if wanted("quota") {
        rows.extend(quota::rows(root)?);
    }
    if wanted("postgres") {
        #[cfg(unix)]
        rows.extend(postgres::rows(root)?);
        #[cfg(not(unix))]
        bail!("the postgres rows start a throwaway cluster, which needs a unix system");
    }
    if wanted("compile") {
        rows.extend(compile::rows(root)?);
    }
    println!("\n{}", table::markdown(&rows));
    Ok(())
}

/// Runs `cargo <args>` in `root`, inheriting stderr (build progress), and
/// returns its stdout; fails naming the command.
fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    eprintln!("bench: cargo {}", args.join(" "));
    let output = cargo_command(root)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("could not run `cargo {}`", args.join(" ")))?;
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// `cargo` (the one running xtask, if known) in `root`.
fn cargo_command(root: &Path) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root);
    cmd
}

/// The cargo target directory of the workspace at `root`.
fn target_dir(root: &Path) -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_group_is_refused_before_anything_runs() {
        let args = Args {
            only: vec!["decode".into(), "speed".into()],
            memory_fills: vec![],
        };
        let err = run(&args, Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown group `speed`"), "{err}");
        assert!(
            err.contains("decode, stream, rate, latency, peer, memory, quota, postgres, compile"),
            "{err}"
        );
    }
}
