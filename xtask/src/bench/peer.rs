//! Peer rows: the CPU of a Python TT client (`benches/peer/tt_fills.py`:
//! requests + json, the way today's Python TT clients page fills) against the
//! release `ttrest fills` (CSV, JSON lines and Parquet), all against one
//! `ttrest sandbox` in the same run. CPU is user + system time of each client process
//! (`wait4`); the sandbox runs in its own process and is not counted.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use serde_json::Value;

use super::memory::{banner, cpu_seconds, wait_usage, Banner};
use super::{cargo, target_dir, Row};

/// Fills in the sandbox.
const FILLS: usize = 100_000;

/// ttrest's CPU goal, as a fraction of the Python client's.
const GOAL_RATIO: f64 = 10.0;

/// Parquet's CPU goal, as a multiple of CSV's.
const PARQUET_OVER_CSV: f64 = 1.5;

const COMMAND: &str = "cargo xtask bench --only peer";

/// Builds the CLI, sets up the Python client's venv, and measures both.
pub fn rows(root: &Path) -> anyhow::Result<Vec<Row>> {
    cargo(
        root,
        &["build", "--release", "-p", "ttrest-cli", "--bin", "ttrest"],
    )?;
    let target = target_dir(root);
    let bin = target.join("release/ttrest");
    let python = venv(&target.join("peer-venv"))?;
    let script = root.join("benches/peer/tt_fills.py");
    let mut sandbox = Command::new(&bin)
        .args(["sandbox", "--fills", &FILLS.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {} sandbox", bin.display()))?;
    let result = banner(&mut sandbox).and_then(|b| measure(&bin, &python, &script, &b));
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    result
}

/// A venv with `requests` (the Python client's) and `pyarrow` (to count a
/// Parquet file's rows), made once under `target/`.
fn venv(dir: &Path) -> anyhow::Result<PathBuf> {
    let python = dir.join("bin/python");
    if !python.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(dir))?;
    }
    let installed = Command::new(&python)
        .args(["-c", "import requests, pyarrow"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "requests", "pyarrow"]))?;
    }
    Ok(python)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not run {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

fn measure(bin: &Path, python: &Path, script: &Path, b: &Banner) -> anyhow::Result<Vec<Row>> {
    let out = tempfile_dir()?;
    let peer = Command::new(python)
        .arg(script)
        .args([&b.url, &b.key, &b.secret])
        .arg(out.join("peer.csv"))
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start the Python client")?;
    let (peer_cpu, peer_out) = cpu_and_stdout(peer)?;
    let report: Value = serde_json::from_str(peer_out.trim())
        .with_context(|| format!("the Python client printed {peer_out:?}"))?;
    let got = report["fills"]
        .as_u64()
        .context("no `fills` in its report")? as usize;
    let mut rows = vec![Row::new(
        format!("Python client (requests + json, minTimestamp = last + 1), {FILLS} fills"),
        format!(
            "CPU {peer_cpu:.2} s, {} fills lost",
            FILLS.saturating_sub(got)
        ),
        COMMAND,
    )];
    let mut csv_cpu = None;
    for format in ["csv", "jsonl", "parquet"] {
        let child = Command::new(bin)
            .args([
                "--base-url",
                &b.url,
                "--plan",
                "unlimited",
                "--no-token-cache",
                "--quiet",
            ])
            .args(["fills", "--format", format, "-o"])
            .arg(out.join(format!("fills.{format}")))
            .env("TT_APP_KEY", &b.key)
            .env("TT_APP_SECRET", &b.secret)
            .stdout(Stdio::null())
            .spawn()
            .context("could not start `ttrest fills`")?;
        let (ok, usage) = wait_usage(child)?;
        if !ok {
            bail!("`ttrest fills --format {format}` failed against the sandbox");
        }
        let cpu = cpu_seconds(&usage);
        let ratio = peer_cpu / cpu;
        let path = out.join(format!("fills.{format}"));
        let written = written(python, &path, format)?;
        let lost = FILLS.saturating_sub(written);
        let row = match (format, csv_cpu) {
            ("parquet", Some(csv)) => Row::new(
                format!("`ttrest fills --format parquet`, {FILLS} fills, {lost} lost"),
                format!(
                    "CPU {cpu:.2} s, {:.2}x CSV's, {ratio:.1}x less than the Python client",
                    cpu / csv
                ),
                COMMAND,
            )
            .goal("within 1.5x of CSV's CPU", cpu <= PARQUET_OVER_CSV * csv),
            _ => Row::new(
                format!("`ttrest fills --format {format}`, {FILLS} fills, {lost} lost"),
                format!("CPU {cpu:.2} s, {ratio:.1}x less than the Python client"),
                COMMAND,
            )
            .goal(
                "at most 1/10 of the Python client's CPU",
                ratio >= GOAL_RATIO,
            ),
        };
        rows.push(row);
        if format == "csv" {
            csv_cpu = Some(cpu);
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok(rows)
}

/// The records in an export: lines of CSV (less the header) and JSON lines,
/// rows of Parquet (its footer's count, read by pyarrow from the venv).
fn written(python: &Path, path: &Path, format: &str) -> anyhow::Result<usize> {
    if format == "parquet" {
        let out = Command::new(python)
            .args([
                "-c",
                "import sys, pyarrow.parquet as pq; print(pq.ParquetFile(sys.argv[1]).metadata.num_rows)",
            ])
            .arg(path)
            .output()
            .context("could not run pyarrow")?;
        let text = String::from_utf8_lossy(&out.stdout);
        return text.trim().parse().with_context(|| {
            format!(
                "pyarrow could not count the rows of {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    // CSV has a header line.
    Ok(text.lines().count() - usize::from(format == "csv"))
}

/// A scratch directory for the exports.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("ttrest-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Waits for a child whose stdout is piped: its CPU seconds and its stdout.
fn cpu_and_stdout(mut child: std::process::Child) -> anyhow::Result<(f64, String)> {
    use std::io::Read;
    let mut stdout = child.stdout.take().context("child stdout")?;
    let mut text = String::new();
    stdout.read_to_string(&mut text)?;
    let (ok, usage) = wait_usage(child)?;
    if !ok {
        bail!("the Python client failed; its output: {text}");
    }
    Ok((cpu_seconds(&usage), text))
}
