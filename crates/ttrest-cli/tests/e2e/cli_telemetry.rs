//! What a running `ttrest` shows of itself: `/metrics` and `/healthz` of a
//! `sync fills --follow` daemon against the sandbox, and the logs of `-vv`
//! and `--log-format json`, which never hold a secret.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli_support::*;
use ttrest_sandbox::Sandbox;

fn count_rows(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("SELECT count(*) FROM fills", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// A port free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET http://addr/path`: status and body, or `None` while nothing listens.
async fn scrape(addr: &str, path: &str) -> Option<(u16, String)> {
    let client = ttrest::http_client_builder().unwrap().build().unwrap();
    let r = client
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    Some((status, r.text().await.ok()?))
}

/// The value of the sample `series` (a metric name with its labels, exactly
/// as rendered) in a Prometheus text page.
fn sample(page: &str, series: &str) -> Option<f64> {
    page.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follow_daemon_serves_metrics_and_turns_unhealthy_when_tt_goes_away() {
    let Setup { sandbox, home } = Setup::start(Sandbox::builder().seed(5).fills(600)).await;
    let setup = Setup { sandbox, home };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("daemon.db");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = setup
        .ttrest(&[
            "sync",
            "fills",
            "--db",
            &format!("sqlite:{}", db.display()),
            "--follow",
            "--interval",
            "0.2",
            "--metrics-addr",
            &addr,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_rows(&db) < 600 {
        assert!(Instant::now() < deadline, "{} rows", count_rows(&db));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One more poll, so the pass that stored everything has completed.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (status, page) = scrape(&addr, "/metrics").await.expect("/metrics answers");
    assert_eq!(status, 200);
    let fills_ok =
        r#"ttrest_requests_total{service="ttledger",operation="get_fills",status="200"}"#;
    assert!(sample(&page, fills_ok).unwrap() >= 2.0, "{page}");
    let token = r#"ttrest_requests_total{service="ttid",operation="token",status="200"}"#;
    assert_eq!(sample(&page, token), Some(1.0), "{page}");
    // Each poll's rescan yields again what the database then skips.
    let yielded = sample(
        &page,
        r#"ttrest_fills_yielded_total{operation="get_fills"}"#,
    );
    assert!(yielded.unwrap() >= 600.0, "{page}");
    assert_eq!(
        sample(&page, r#"ttrest_sync_rows_written_total{table="fills"}"#),
        Some(600.0),
        "{page}"
    );
    let last = sample(&page, "ttrest_sync_last_success_timestamp_seconds").expect("last success");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - 30.0..=now + 1.0).contains(&last), "{last} vs {now}");
    let lag = sample(&page, "ttrest_sync_cursor_lag_seconds").expect("cursor lag");
    assert!((0.0..30.0).contains(&lag), "{lag}");
    assert!(
        page.contains("# TYPE ttrest_request_duration_seconds histogram"),
        "{page}"
    );
    assert!(page.contains("# HELP ttrest_requests_total"), "{page}");

    let (status, body) = scrape(&addr, "/healthz").await.unwrap();
    assert_eq!((status, body.starts_with("ok")), (200, true), "{body}");

    // TT goes away: polls fail, the daemon keeps trying, /healthz says so.
    let Setup {
        sandbox,
        home: _home,
    } = setup;
    sandbox.shutdown().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        let (status, body) = scrape(&addr, "/healthz")
            .await
            .expect("the daemon lives on");
        if status == 503 {
            break body;
        }
        assert!(Instant::now() < deadline, "still {status}: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(body.starts_with("unhealthy"), "{body}");
    assert!(body.contains("last error"), "{body}");
    let (_, page) = scrape(&addr, "/metrics").await.unwrap();
    assert!(
        sample(&page, "ttrest_sync_poll_failures_total").unwrap() >= 1.0,
        "{page}"
    );

    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(130));
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_and_json_logs_show_the_calls_and_never_a_secret() {
    let setup = Setup::start(Sandbox::builder().seed(2).fills(50)).await;
    let secret = setup.sandbox.app_secret().to_string();
    let runs: [(&[&str], Option<&str>); 3] = [
        (&["-vv"], None),
        (&["-vv", "--log-format", "json"], None),
        (&[], Some("trace")),
    ];
    for (flags, rust_log) in runs {
        let mut args = flags.to_vec();
        args.extend(["fills", "--format", "jsonl"]);
        let mut cmd = setup.ttrest(&args);
        match rust_log {
            Some(level) => cmd.env("RUST_LOG", level),
            None => cmd.env_remove("RUST_LOG"),
        };
        let out = run(cmd).await;
        ok(&out);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("ttrest.call"), "{flags:?}: {err}");
        assert!(err.contains("get_fills"), "{flags:?}: {err}");
        assert!(
            err.contains("http.response.status_code"),
            "{flags:?}: {err}"
        );
        assert!(err.contains("ttrest.attempt"), "{flags:?}: {err}");
        assert!(
            !err.contains(&secret),
            "{flags:?}: the app secret leaked: {err}"
        );
        assert!(
            !err.to_ascii_lowercase().contains("bearer "),
            "{flags:?}: a token leaked: {err}"
        );
        if flags.contains(&"json") {
            for line in err.lines() {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
                assert!(v.is_object(), "{line}");
            }
        }
    }
    // Without -v or RUST_LOG: no log lines.
    let mut cmd = setup.ttrest(&["fills", "--format", "jsonl"]);
    cmd.env_remove("RUST_LOG");
    let out = run(cmd).await;
    ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rust_log_that_is_not_a_filter_is_named_and_the_command_still_runs() {
    let setup = Setup::start(Sandbox::builder().fills(10)).await;
    let mut cmd = setup.ttrest(&["accounts", "--format", "jsonl"]);
    cmd.env("RUST_LOG", "ttrest=loud");
    let out = run(cmd).await;
    let text = ok(&out);
    assert!(!text.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("RUST_LOG=\"ttrest=loud\" is not a log filter")
            && err.contains("warn,ttrest=debug"),
        "{err}"
    );

    // A level and target=level pairs filter by target.
    let mut cmd = setup.ttrest(&["accounts", "--format", "jsonl"]);
    cmd.env("RUST_LOG", "off,ttrest::transport=debug");
    let out = run(cmd).await;
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ttrest.attempt"), "{err}");
    assert!(!err.contains("not a log filter"), "{err}");
}
