//! Compile rows: cold builds (every dependency compiled) in a scratch target
//! directory, wall and CPU time, and the lines of generated code per service.
//!
//! The registry download is not included (the crates come from cargo's
//! cache); `docs/performance.md` says how the first command was timed with a
//! fresh cargo home as well.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context};

use super::{cargo_command, target_dir, Row};

/// What is built cold: (label, cargo arguments, goal in wall seconds).
const BUILDS: &[(&str, &str, Option<f64>)] = &[
    (
        "library, default features",
        "build -p ttrest --lib",
        Some(90.0),
    ),
    (
        "library, ttledger only",
        "build -p ttrest --lib --no-default-features --features ttledger",
        None,
    ),
    (
        "release CLI (README's first command builds this)",
        "build --release -p ttrest-cli --bin ttrest",
        Some(360.0),
    ),
];

/// Builds each configuration cold, then counts generated lines.
pub fn rows(root: &Path) -> anyhow::Result<Vec<Row>> {
    let scratch = target_dir(root).join("bench-compile");
    let mut rows = Vec::new();
    for (label, args, goal) in BUILDS {
        let (wall, cpu) = cold_build(root, &scratch, args)?;
        let mut row = Row::new(
            format!(
                "cold `cargo {}`, {label}",
                args.split(' ').next().unwrap_or("build")
            ),
            format!("{wall:.0} s wall, {cpu:.0} s CPU"),
            format!("CARGO_TARGET_DIR=$(mktemp -d) cargo {args}"),
        );
        if let Some(goal) = goal {
            row = row.goal(&format!("at most {goal:.0} s wall"), wall <= *goal);
        }
        rows.push(row);
    }
    rows.push(generated_lines(&root.join("generated"))?);
    Ok(rows)
}

/// Runs `cargo ARGS` in an empty `scratch` target directory: (wall seconds,
/// CPU seconds of cargo and every compiler it ran).
fn cold_build(root: &Path, scratch: &Path, args: &str) -> anyhow::Result<(f64, f64)> {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)
            .with_context(|| format!("could not empty {}", scratch.display()))?;
    }
    eprintln!("bench: cargo {args} (cold, in {})", scratch.display());
    let started = Instant::now();
    let child = cargo_command(root)
        .args(args.split(' '))
        .arg("--quiet")
        .env("CARGO_TARGET_DIR", scratch)
        .spawn()
        .with_context(|| format!("could not run `cargo {args}`"))?;
    let outcome = wait(child);
    let wall = started.elapsed().as_secs_f64();
    // A cold build is gigabytes: never leave it behind.
    let _ = std::fs::remove_dir_all(scratch);
    let (ok, cpu) = outcome?;
    if !ok {
        bail!("`cargo {args}` failed");
    }
    Ok((wall, cpu))
}

/// Waits for cargo: (exited 0, CPU seconds of it and the compilers it waited for).
#[cfg(unix)]
fn wait(child: std::process::Child) -> anyhow::Result<(bool, f64)> {
    let (ok, usage) = super::memory::wait_usage(child)?;
    Ok((ok, super::memory::cpu_seconds(&usage)))
}

#[cfg(not(unix))]
fn wait(mut child: std::process::Child) -> anyhow::Result<(bool, f64)> {
    Ok((child.wait()?.success(), f64::NAN))
}

/// One row: lines of `generated/<service>.rs`, per service and in all.
pub fn generated_lines(dir: &Path) -> anyhow::Result<Row> {
    let mut counts = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path)?;
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            counts.push((name, text.lines().count()));
        }
    }
    if counts.is_empty() {
        bail!(
            "no generated/*.rs in {}; run `cargo xtask generate`",
            dir.display()
        );
    }
    counts.sort();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let each: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
    Ok(Row::new(
        "lines of generated code",
        format!("{total} in all: {}", each.join(", ")),
        "wc -l generated/*.rs",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_lines_are_counted_per_service() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ttid.rs"), "a\nb\n").unwrap();
        std::fs::write(dir.path().join("ttpds.rs"), "a\nb\nc\n").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x\n").unwrap();
        let row = generated_lines(dir.path()).unwrap();
        assert_eq!(row.result, "5 in all: ttid 2, ttpds 3");
    }

    #[test]
    fn an_empty_generated_dir_says_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = generated_lines(dir.path()).unwrap_err().to_string();
        assert!(err.contains("cargo xtask generate"), "{err}");
    }
}
