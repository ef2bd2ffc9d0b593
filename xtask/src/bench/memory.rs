//! Memory rows: peak RSS of the release `ttrest fills --format csv`, run as a
//! child process against `ttrest sandbox` (another child, so the sandbox's own
//! memory is not counted), for growing fill counts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};

use super::{cargo, target_dir, Row};

/// Peak RSS goal for the CLI, in MB (10^6 bytes).
pub(super) const GOAL_MB: f64 = 64.0;

/// Builds the release CLI, then measures one row per fill count.
pub fn rows(root: &Path, counts: &[usize]) -> anyhow::Result<Vec<Row>> {
    cargo(
        root,
        &["build", "--release", "-p", "ttrest-cli", "--bin", "ttrest"],
    )?;
    let bin = target_dir(root).join("release/ttrest");
    let mut rows = Vec::new();
    let mut peaks = Vec::new();
    for &fills in counts {
        let (peak_kib, seconds) = measure(&bin, fills)?;
        let mb = peak_kib as f64 * 1024.0 / 1e6;
        peaks.push(mb);
        rows.push(
            Row::new(
                format!("peak RSS of `ttrest fills --format csv`, {fills} fills"),
                format!("{mb:.1} MB ({seconds:.1} s)"),
                format!("cargo xtask bench --only memory --memory-fills {fills}"),
            )
            .goal("under 64 MB", mb < GOAL_MB),
        );
    }
    if let ([first, .., last], [from, .., to]) = (peaks.as_slice(), counts) {
        let growth = last - first;
        rows.push(
            Row::new(
                format!("peak RSS growth from {from} to {to} fills"),
                format!("{growth:+.1} MB"),
                "cargo xtask bench --only memory",
            )
            .goal("flat (under +8 MB)", growth < 8.0),
        );
    }
    Ok(rows)
}

/// Peak RSS (KiB) and wall seconds of one CLI export of `fills` fills.
fn measure(bin: &PathBuf, fills: usize) -> anyhow::Result<(u64, f64)> {
    let mut sandbox = Command::new(bin)
        .args(["sandbox", "--fills", &fills.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {} sandbox", bin.display()))?;
    let result = banner(&mut sandbox).and_then(|b| export(bin, &b, fills));
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    result
}

/// What `ttrest sandbox` prints: its URL and credentials.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Banner {
    pub(super) url: String,
    pub(super) key: String,
    pub(super) secret: String,
}

/// Reads the banner of a started `ttrest sandbox`.
pub(super) fn banner(sandbox: &mut Child) -> anyhow::Result<Banner> {
    let stdout = sandbox.stdout.take().context("sandbox stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut b = Banner::default();
    while let Some(line) = lines.next() {
        parse_banner_line(&line?, &mut b);
        if !b.url.is_empty() && !b.key.is_empty() && !b.secret.is_empty() {
            // Keep reading: a closed pipe would end the sandbox at its next line.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok(b);
        }
    }
    bail!("`ttrest sandbox` exited without printing its URL and credentials")
}

fn parse_banner_line(line: &str, b: &mut Banner) {
    let line = line.trim();
    if let Some(url) = line.strip_prefix("ttrest sandbox listening on ") {
        b.url = url.to_string();
    } else if let Some(key) = line.strip_prefix("TT_APP_KEY=") {
        b.key = key.to_string();
    } else if let Some(secret) = line.strip_prefix("TT_APP_SECRET=") {
        b.secret = secret.to_string();
    }
}

fn export(bin: &PathBuf, b: &Banner, fills: usize) -> anyhow::Result<(u64, f64)> {
    let started = Instant::now();
    let child = Command::new(bin)
        .args([
            "--base-url",
            &b.url,
            "--plan",
            "unlimited",
            "--no-token-cache",
            "--quiet",
        ])
        .args(["fills", "--format", "csv"])
        .env("TT_APP_KEY", &b.key)
        .env("TT_APP_SECRET", &b.secret)
        .stdout(Stdio::null())
        .spawn()
        .context("could not start `ttrest fills`")?;
    let (ok, peak_kib) = wait_peak_rss(child)?;
    if !ok {
        bail!("`ttrest fills` failed while exporting {fills} fills from the sandbox");
    }
    Ok((peak_kib, started.elapsed().as_secs_f64()))
}

/// Waits for `child` and returns (exited 0, peak RSS in KiB) from `wait4`.
pub(super) fn wait_peak_rss(child: Child) -> anyhow::Result<(bool, u64)> {
    let (ok, usage) = wait_usage(child)?;
    // Linux reports ru_maxrss in KiB.
    Ok((ok, usage.ru_maxrss as u64))
}

/// CPU seconds (user + system) of a finished child's resource usage.
pub(super) fn cpu_seconds(usage: &libc::rusage) -> f64 {
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// Waits for `child` and returns whether it exited 0, and its resource usage.
pub(super) fn wait_usage(child: Child) -> anyhow::Result<(bool, libc::rusage)> {
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: wait4 writes only to the two out-parameters given.
    let mut usage = unsafe { std::mem::zeroed::<libc::rusage>() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if rc != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    Ok((ok, usage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_lines_give_url_and_credentials() {
        let mut b = Banner::default();
        for line in [
            "ttrest sandbox listening on http://127.0.0.1:4000",
            "  TT_APP_KEY=k1",
            "  TT_APP_SECRET=k1:s1",
            "  fills: 10, faults: none",
        ] {
            parse_banner_line(line, &mut b);
        }
        assert_eq!(
            b,
            Banner {
                url: "http://127.0.0.1:4000".into(),
                key: "k1".into(),
                secret: "k1:s1".into()
            }
        );
    }

    #[test]
    fn peak_rss_of_a_child_is_read() {
        let child = Command::new("true").spawn().unwrap();
        let (ok, kib) = wait_peak_rss(child).unwrap();
        assert!(ok);
        assert!(kib > 0);
    }
}
