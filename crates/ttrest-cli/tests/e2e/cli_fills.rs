//! `ttrest fills` end to end against the sandbox: every fill once, in order,
//! in each format; half-open time bounds; account filters; `--follow`; Ctrl-C safety.

#![cfg(unix)]

use crate::cli_support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use cli_support::{all_fills, ok, run, text, Setup};
use serde_json::Value;
use ttrest_sandbox::{Faults, Sandbox};

const SEED: u64 = 11;
const FILLS: usize = 1_500;

/// The sandbox the CLI pages through (TT's 500 fills a page, so pages cut clusters).
async fn served() -> Setup {
    Setup::start(Sandbox::builder().seed(SEED).fills(FILLS)).await
}

/// The same data served in one page: the oracle.
async fn oracle() -> Vec<Value> {
    let setup = Setup::start(
        Sandbox::builder()
            .seed(SEED)
            .fills(FILLS)
            .fills_page_size(FILLS + 1),
    )
    .await;
    all_fills(&setup).await
}

fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|f| text(f, "recordId")).collect()
}

fn parse_csv(text: &str) -> Vec<Value> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let map = headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), Value::String(v.into())));
            Value::Object(map.collect())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_holds_exactly_the_sandbox_fills_in_order() {
    let (setup, expected) = (served().await, oracle().await);
    let timestamps: Vec<String> = setup
        .sandbox
        .fill_timestamps()
        .iter()
        .map(u64::to_string)
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for format in ["csv", "jsonl", "json"] {
        let path = dir.path().join(format!("fills.{format}"));
        ok(&run(setup.ttrest(&["fills", "-o", path.to_str().unwrap()])).await);
        let body = std::fs::read_to_string(&path).unwrap();
        let got: Vec<Value> = match format {
            "csv" => parse_csv(&body),
            "jsonl" => body
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            _ => serde_json::from_str(&body).unwrap(),
        };
        assert_eq!(got.len(), setup.sandbox.fill_count(), "{format}: count");
        assert_eq!(ids(&got), ids(&expected), "{format}: ids, in order");
        let got_ts: Vec<String> = got.iter().map(|f| text(f, "timeStamp")).collect();
        assert_eq!(got_ts, timestamps, "{format}: exact timestamps");
        assert_eq!(
            text(&got[0], "instrumentId"),
            text(&expected[0], "instrumentId")
        );
    }
    // Only the three targets: no temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn since_includes_and_until_excludes_its_instant() {
    let setup = served().await;
    let ts = setup.sandbox.fill_timestamps();
    let (lo, hi) = (ts[200], ts[900]);
    let since = ttrest::scalar::Timestamp::from_nanos(lo as i64).to_rfc3339();
    let out = ok(&run(setup.ttrest(&[
        "fills",
        "--since",
        &since,
        "--until",
        &format!("{hi}ns"),
        "--format",
        "jsonl",
    ]))
    .await);
    let got: Vec<u64> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["timeStamp"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let expected: Vec<u64> = ts
        .iter()
        .copied()
        .filter(|t| (lo..hi).contains(t))
        .collect();
    assert_eq!(got, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn several_accounts_are_merged_in_time_order() {
    let (setup, expected) = (served().await, oracle().await);
    let a = text(&expected[0], "accountId");
    let b = expected
        .iter()
        .map(|f| text(f, "accountId"))
        .find(|b| *b != a)
        .unwrap();
    let wanted: Vec<&Value> = expected
        .iter()
        .filter(|f| [&a, &b].contains(&&text(f, "accountId")))
        .collect();
    // A repeated account is asked for once.
    let args = [
        "fills",
        "--account",
        &a,
        "--account",
        &b,
        "--account",
        &a,
        "--format",
        "csv",
    ];
    let out = ok(&run(setup.ttrest(&args)).await);
    let got = parse_csv(&out);
    assert_eq!(got.len(), wanted.len());
    let got_ts: Vec<u64> = got
        .iter()
        .map(|f| text(f, "timeStamp").parse().unwrap())
        .collect();
    assert!(got_ts.windows(2).all(|w| w[0] <= w[1]), "time order");
    let mut got_ids = ids(&got);
    let mut want_ids: Vec<String> = wanted.iter().map(|f| text(f, "recordId")).collect();
    got_ids.sort();
    want_ids.sort();
    assert_eq!(got_ids, want_ids);
}

/// Kills the child if the test fails before it is waited for.
struct Reaped(Option<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_picks_up_a_fill_added_while_it_runs() {
    let setup = Setup::start(Sandbox::builder().seed(5).fills(40)).await;
    let mut cmd = setup.ttrest(&[
        "fills",
        "--follow",
        "--interval",
        "0.1",
        "--max-interval",
        "0.2",
        "--format",
        "jsonl",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = Reaped(Some(cmd.spawn().unwrap()));
    let child_ref = child.0.as_mut().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child_ref.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // A line, or the test fails when the child ends (stdout closes) first.
    let next = |what: &str| {
        rx.recv()
            .unwrap_or_else(|_| panic!("ttrest ended before printing {what}"))
    };
    let existing: Vec<Value> = (0..40)
        .map(|i| serde_json::from_str(&next(&format!("fill {i}"))).unwrap())
        .collect();
    let last = existing.last().unwrap();
    let ts = last["timeStamp"].as_u64().unwrap() + 1_000;
    let body = serde_json::json!({
        "accountId": last["accountId"], "instrumentId": last["instrumentId"],
        "side": 1, "qty": 3, "price": 101.5, "timeStamp": ts,
    });
    // Added through the CLI's own generic call.
    ok(&run(setup.ttrest(&[
        "call",
        "ttmonitor",
        "post_adminfill",
        "--body",
        &body.to_string(),
    ]))
    .await);
    let added: Value = serde_json::from_str(&next("the added fill")).unwrap();
    assert_eq!(added["timeStamp"].as_u64(), Some(ts));
    assert_eq!(added["lastQty"].as_f64(), Some(3.0));
    unsafe { libc::kill(child_ref.id() as i32, libc::SIGINT) };
    let mut child = child.0.take().unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "Ctrl-C ends --follow, keeping what it wrote"
    );
    // The child has exited: every line it printed is in the channel, which
    // closes once they are read.
    assert_eq!(
        rx.iter().collect::<Vec<_>>(),
        Vec::<String>::new(),
        "nothing after the added fill"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_export_leaves_no_file_at_the_target() {
    // Seven pages of a second each.
    let slow = Faults::none().latency(Duration::from_secs(1));
    let setup = Setup::start(Sandbox::builder().fills(3_000).faults(slow)).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("fills.csv");
    let mut child = Reaped(Some(
        setup
            .ttrest(&["fills", "-o", target.to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    // Wait until the export is under way (its temporary file exists); its
    // seven pages take seven seconds, so the Ctrl-C lands mid-export.
    while std::fs::read_dir(dir.path()).unwrap().count() == 0 {
        let running = child.0.as_mut().unwrap().try_wait().unwrap();
        assert!(
            running.is_none(),
            "the export ended before it started: {running:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let child = child.0.take().unwrap();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert!(!target.exists(), "no partial file at the target");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the temporary file is gone too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_page_at_one_instant_in_one_account_says_to_split_by_product() {
    // 501 fills of one account at one nanosecond: more than TT's page of 500,
    // so splitting by account is not enough, and fills carry no productId.
    let setup = Setup::start(Sandbox::builder().seed(3).fills(10)).await;
    let first = all_fills(&setup).await;
    let ts = first[0]["timeStamp"].as_u64().unwrap() - 1;
    let fill = serde_json::json!({
        "accountId": first[0]["accountId"], "instrumentId": first[0]["instrumentId"],
        "side": 1, "qty": 1, "price": 100.0, "timeStamp": ts,
    });
    let monitor = setup.session().monitor();
    for n in [20; 25].into_iter().chain([1]) {
        let fills = vec![fill.clone(); n];
        monitor
            .post_adminfill()
            .body(serde_json::json!({ "fills": fills }))
            .send()
            .await
            .expect("admin fills added");
    }
    let out = run(setup.ttrest(&["fills", "--format", "jsonl"])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!("share timeStamp {ts} ns")),
        "{stderr}"
    );
    assert!(stderr.contains("rerun with --product ID"), "{stderr}");
}
