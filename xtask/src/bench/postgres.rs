//! Store rows: rows per second and CPU of the release `ttrest sync fills`
//! into a fresh SQLite file and into a throwaway PostgreSQL cluster, over a
//! plain connection and over TLS (`sslmode=require`, the server's certificate
//! made here with `openssl`), same sandbox, same run.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use super::memory::{banner, Banner};
use super::{cargo, target_dir, Row};

#[path = "../../../crates/ttrest-store/tests/support/postgres.rs"]
mod cluster;

/// Fills synced per row.
const FILLS: usize = 100_000;

/// Builds the release CLI, starts a TLS-enabled cluster and a sandbox, and
/// syncs the same fills into two fresh databases: plain, then TLS.
pub fn rows(root: &Path) -> anyhow::Result<Vec<Row>> {
    cargo(
        root,
        &["build", "--release", "-p", "ttrest-cli", "--bin", "ttrest"],
    )?;
    let bin = target_dir(root).join("release/ttrest");
    let certs = tempfile::tempdir().context("a temporary folder for certificates")?;
    server_certificate(certs.path())?;
    let pg = cluster::Postgres::start_with(|data| {
        for f in ["server.crt", "server.key"] {
            let _ = std::fs::copy(certs.path().join(f), data.join(f));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(
                data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            );
        }
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap_or_default();
        text.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        let _ = std::fs::write(conf, text);
    });
    let mut sandbox = Command::new(&bin)
        .args(["sandbox", "--fills", &FILLS.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {} sandbox", bin.display()))?;
    let result = banner(&mut sandbox).and_then(|b| {
        let mut rows = Vec::new();
        let file = tempfile::tempdir().context("a temporary folder for SQLite")?;
        let url = format!("sqlite:{}", file.path().join("fills.db").display());
        let (rate, cpu) = sync(&bin, &b, &url)?;
        rows.push(Row::new(
            format!("`ttrest sync fills` into SQLite, {FILLS} fills"),
            format!("{rate:.0} rows/s, {cpu:.2} s CPU"),
            "cargo xtask bench --only postgres",
        ));
        for (db, mode, what) in [
            ("plain", "disable", "plain connection"),
            ("tls", "require", "TLS (sslmode=require)"),
        ] {
            pg.create_db(db);
            let url = format!("{}?sslmode={mode}", pg.url(db));
            let (rate, cpu) = sync(&bin, &b, &url)?;
            rows.push(Row::new(
                format!("`ttrest sync fills` into PostgreSQL, {what}, {FILLS} fills"),
                format!("{rate:.0} rows/s, {cpu:.2} s CPU"),
                "cargo xtask bench --only postgres",
            ));
        }
        Ok(rows)
    });
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    result
}

/// A self-signed certificate for `localhost` (the client does not check it
/// with `sslmode=require`; the handshake and encryption are what is measured).
fn server_certificate(dir: &Path) -> anyhow::Result<()> {
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .current_dir(dir)
        .output()
        .context("could not run openssl (apt-get install -y openssl)")?;
    if !out.status.success() {
        bail!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Rows per second of one `ttrest sync fills` (from its summary line) and
/// the CPU seconds (user and system) it used.
fn sync(bin: &Path, b: &Banner, url: &str) -> anyhow::Result<(f64, f64)> {
    let dir = tempfile::tempdir().context("a temporary HOME")?;
    let before = children_cpu();
    let out = Command::new(bin)
        .args([
            "--base-url",
            &b.url,
            "--plan",
            "unlimited",
            "--no-token-cache",
            "--quiet",
            "sync",
            "fills",
            "--db",
            url,
        ])
        .env("HOME", dir.path())
        .env("TT_APP_KEY", &b.key)
        .env("TT_APP_SECRET", &b.secret)
        .output()
        .context("could not run `ttrest sync fills`")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "`ttrest sync fills --db {url}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let cpu = children_cpu() - before;
    let rate = rows_per_second(&stdout)
        .with_context(|| format!("no `rows/s` in the summary of `ttrest sync fills`: {stdout}"))?;
    Ok((rate, cpu))
}

/// CPU seconds (user and system) of this process's waited-for children.
fn children_cpu() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    super::memory::cpu_seconds(&usage)
}

/// `…: 100000 fills added, … (201 transactions, 3.2 s, 31250 rows/s)` → 31250.
fn rows_per_second(summary: &str) -> Option<f64> {
    let line = summary.lines().rev().find(|l| l.ends_with(" rows/s)"))?;
    let figure = line.strip_suffix(" rows/s)")?.rsplit(' ').next()?;
    figure.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_gives_rows_per_second() {
        let s = "postgres://u@h/db: 100000 fills added, 0 duplicates skipped, 0 late fills \
                 (201 transactions, 3.2 s, 31250 rows/s)\n";
        assert_eq!(rows_per_second(s), Some(31250.0));
        assert_eq!(rows_per_second("nothing"), None);
    }
}
