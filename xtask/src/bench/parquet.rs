//! Parquet memory rows: peak RSS of the release `ttrest fills -o FILE.parquet`
//! against `ttrest sandbox` in another process, as the CSV memory rows do.
//! Rows are written a row group at a time, so the peak should not grow with
//! the fill count.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

use super::memory::{banner, wait_peak_rss, Banner, GOAL_MB};
use super::{target_dir, Row};

/// One row per fill count (the release CLI was built by the memory rows).
pub fn rows(root: &Path, counts: &[usize]) -> anyhow::Result<Vec<Row>> {
    let bin = target_dir(root).join("release/ttrest");
    let mut rows = Vec::new();
    for &fills in counts {
        let mut sandbox = Command::new(&bin)
            .args(["sandbox", "--fills", &fills.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {} sandbox", bin.display()))?;
        let result = banner(&mut sandbox).and_then(|b| export(&bin, &b, fills));
        let _ = sandbox.kill();
        let _ = sandbox.wait();
        let (peak_kib, seconds, bytes) = result?;
        let mb = peak_kib as f64 * 1024.0 / 1e6;
        rows.push(
            Row::new(
                format!("peak RSS of `ttrest fills -o fills.parquet`, {fills} fills"),
                format!(
                    "{mb:.1} MB ({seconds:.1} s, file {:.1} MB)",
                    bytes as f64 / 1e6
                ),
                format!("cargo xtask bench --only memory --memory-fills {fills}"),
            )
            .goal("under 64 MB", mb < GOAL_MB),
        );
    }
    Ok(rows)
}

/// Peak RSS (KiB), wall seconds and file size of one Parquet export.
fn export(bin: &Path, b: &Banner, fills: usize) -> anyhow::Result<(u64, f64, u64)> {
    let dir = tempfile::tempdir().context("a temporary folder for the Parquet file")?;
    let path = dir.path().join("fills.parquet");
    let started = Instant::now();
    let child = Command::new(bin)
        .args([
            "--base-url",
            &b.url,
            "--plan",
            "unlimited",
            "--no-token-cache",
            "--quiet",
            "fills",
            "-o",
        ])
        .arg(&path)
        .env("TT_APP_KEY", &b.key)
        .env("TT_APP_SECRET", &b.secret)
        .stdout(Stdio::null())
        .spawn()
        .context("could not start `ttrest fills -o fills.parquet`")?;
    let (ok, peak_kib) = wait_peak_rss(child)?;
    if !ok {
        bail!("`ttrest fills -o fills.parquet` failed while exporting {fills} fills");
    }
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok((peak_kib, started.elapsed().as_secs_f64(), bytes))
}
