//! `ttrest sync` as teams run it: one writer per stream (a second run is
//! refused naming the holder, `--wait` waits, a SIGKILLed holder leaves
//! nothing behind), and several keys into one database with provenance.

#![cfg(unix)]

use crate::cli_support;

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use cli_support::{bare, run, Setup};
use ttrest_sandbox::Sandbox;

// cli_sync loads it too, privately; a second copy keeps the two modules apart.
#[allow(clippy::duplicate_mod)]
#[path = "../../../ttrest-store/tests/support/postgres.rs"]
mod postgres;
use postgres::Postgres;

/// Where the test writes: a SQLite file or a database of a throwaway cluster.
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(Postgres),
}

impl Db {
    fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> Db {
        let pg = Postgres::start();
        pg.create_db("t");
        Db::Postgres(pg)
    }

    fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite:{}", dir.path().join("t.db").display()),
            Db::Postgres(pg) => pg.url("t"),
        }
    }

    fn fills(&self) -> i64 {
        match self {
            Db::Sqlite(dir) => {
                let path = dir.path().join("t.db");
                if !path.exists() {
                    return 0;
                }
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.query_row("SELECT count(*) FROM fills", [], |r| r.get(0))
                    .unwrap_or(0)
            }
            Db::Postgres(pg) => {
                if pg.psql("t", "SELECT to_regclass('fills') IS NULL").trim() == "t" {
                    return 0;
                }
                pg.psql("t", "SELECT count(*) FROM fills")
                    .trim()
                    .parse()
                    .unwrap()
            }
        }
    }
}

async fn wait_for_fills(db: &Db, n: i64) {
    for _ in 0..600 {
        if db.fills() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the database never held {n} fills (it holds {})",
        db.fills()
    );
}

async fn wait_child(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

async fn one_writer_per_stream(db: Db) {
    let setup = Setup::start(Sandbox::builder().fills(300)).await;
    let url = db.url();
    let holder = setup
        .ttrest(&[
            "sync",
            "fills",
            "--db",
            &url,
            "--follow",
            "--interval",
            "0.2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once its first page is committed it holds the lease.
    wait_for_fills(&db, 300).await;

    // A second run of the same stream: refused at once, naming the holder.
    let out = run(setup.ttrest(&["sync", "fills", "--db", &url])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!("pid {}", holder.id()))
            && stderr.contains("since")
            && stderr.contains("--wait"),
        "{stderr}"
    );
    // Another stream of the same key is not held.
    let out = run(setup.ttrest(&["sync", "orders", "--db", &url])).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // With --wait it waits; SIGKILL the holder and it proceeds.
    let waiter = setup
        .ttrest(&["sync", "fills", "--db", &url, "--wait"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut holder = holder;
    // The waiter is refused the lease while the holder lives.
    tokio::time::sleep(Duration::from_millis(500)).await;
    holder.kill().unwrap();
    let _ = wait_child(holder).await;
    let out = wait_child(waiter).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("waiting for the fills stream's lease, held by host"),
        "{stderr}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 fills added"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // And a new run after the kill proceeds without waiting.
    let out = run(setup.ttrest(&["sync", "fills", "--db", &url])).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.fills(), 300);
}

#[tokio::test]
async fn sqlite_one_writer_per_stream_and_a_killed_holder_leaves_no_lease() {
    one_writer_per_stream(Db::sqlite()).await;
}

#[tokio::test]
async fn postgres_one_writer_per_stream_and_a_killed_holder_leaves_no_lease() {
    one_writer_per_stream(Db::postgres()).await;
}

fn config(home: &Path, a: &Sandbox, b: &Sandbox) {
    let dir = home.join(".config/ttrest");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = |name: &str, s: &Sandbox, key: &str, secret: &str, company: &str| {
        format!(
            "[profiles.{name}]\napp_key = \"{key}\"\napp_secret = \"{secret}\"\nroot_url = \"{}\"\n\
             plan = \"unlimited\"\ncompany = \"{company}\"\n\n",
            s.base_url()
        )
    };
    // c: a key the sandbox does not know, so its credentials are refused.
    let text = profile("a", a, a.app_key(), a.app_secret(), "Alpha")
        + &profile("b", b, b.app_key(), b.app_secret(), "Beta")
        + &profile("c", a, "key-gamma", "not-the-secret", "Gamma");
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

#[tokio::test]
async fn two_keys_into_one_postgres_with_provenance_and_a_refused_key_stops_only_itself() {
    let a = Sandbox::builder()
        .seed(1)
        .fills(200)
        .credentials("key-alpha", "secret-alpha")
        .start()
        .await
        .unwrap();
    let b = Sandbox::builder()
        .seed(2)
        .fills(300)
        .credentials("key-beta", "secret-beta")
        .start()
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    config(home.path(), &a, &b);
    let db = Db::postgres();
    let url = db.url();
    let sync = |extra: &[&str]| {
        let mut cmd = bare(&home);
        cmd.args(["--quiet", "--no-token-cache"])
            .args(extra)
            .args(["sync", "fills", "--db", &url]);
        cmd
    };
    let out = run(sync(&[
        "--profile",
        "a",
        "--profile",
        "b",
        "--profile",
        "c",
    ]))
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // c's secret is refused (exit 3); a and b are synced all the same.
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("profile a: postgres://") && stdout.contains(": 200 fills added"),
        "{stdout}"
    );
    assert!(
        stdout.contains("profile b: ") && stdout.contains(": 300 fills added"),
        "{stdout}"
    );
    assert!(stderr.contains("profile c: "), "{stderr}");
    assert!(stderr.contains("1 of 3 keys failed (c)"), "{stderr}");
    assert!(
        !stderr.contains("not-the-secret") && !stdout.contains("secret-"),
        "{stderr}"
    );

    let Db::Postgres(pg) = &db else {
        unreachable!()
    };
    assert_eq!(
        pg.psql(
            "t",
            "SELECT app_key, company, count(*) FROM fills GROUP BY 1, 2 ORDER BY 1"
        ),
        "key-alpha|Alpha|200\nkey-beta|Beta|300\n"
    );
    assert_eq!(
        pg.psql(
            "t",
            "SELECT key, company, rows FROM sync_state WHERE stream = 'fills' ORDER BY 1"
        ),
        "key-alpha|Alpha|200\nkey-beta|Beta|300\n"
    );

    // --all-profiles: the same three; nothing new for a and b.
    let mut cmd = sync(&[]);
    cmd.arg("--all-profiles");
    let out = run(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert_eq!(stdout.matches(": 0 fills added").count(), 2, "{stdout}");
}

#[tokio::test]
async fn two_syncs_into_postgres_share_the_keys_day_count() {
    let setup = Setup::start(Sandbox::builder().fills(300)).await;
    let db = Db::postgres();
    let url = db.url();
    // Two processes at once on one key (two streams, so no lease waits).
    let spawn = |stream: &str| {
        setup
            .ttrest(&["sync", stream, "--db", &url])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (fills, orders) = (spawn("fills"), spawn("orders"));
    for out in [wait_child(fills).await, wait_child(orders).await] {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let Db::Postgres(pg) = &db else {
        unreachable!()
    };
    let rows = pg.psql(
        "t",
        &format!(
            "SELECT environment, used FROM ttrest_daily_count WHERE app_key = '{}'",
            setup.sandbox.app_key()
        ),
    );
    // One row, holding every request both processes made.
    let served = setup.sandbox.counters().requests;
    assert!(served > 2, "both synced");
    assert_eq!(rows, format!("ext_uat_cert|{served}\n"));
}
