//! `--record DIR` and `--replay DIR`: a recorded sandbox run replays to the
//! same output byte for byte with no network, and no secret or token of the
//! run reaches the recording.

use std::path::Path;

use ttrest_sandbox::Sandbox;

use crate::cli_support::{bare, ok, run, Setup};

/// The commands of the run: fills (several pages), positions, accounts and one raw call.
const COMMANDS: &[&[&str]] = &[
    &["fills", "--format", "jsonl"],
    &["positions"],
    &["accounts", "--format", "json"],
    &["call", "ttaccount", "get_accounts"],
];

/// Every byte of every file of the recording, as text.
fn recording_text(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        all.push_str(&std::fs::read_to_string(&path).unwrap());
    }
    all
}

#[tokio::test]
async fn a_recorded_run_replays_to_identical_output_and_holds_no_secret() {
    let setup = Setup::start(
        Sandbox::builder()
            .fills(1200)
            .fills_page_size(500)
            .accounts(3),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let rec_arg = rec.to_str().unwrap();
    let mut recorded = Vec::new();
    for args in COMMANDS {
        let mut cmd = setup.ttrest(&["--record", rec_arg]);
        cmd.args(*args);
        recorded.push(ok(&run(cmd).await));
    }
    assert!(recorded[0].lines().count() == 1200, "every fill exported");

    // No network: the sandbox is gone, and no credentials are given.
    let home = tempfile::tempdir().unwrap();
    setup.sandbox.shutdown().await;
    for (args, before) in COMMANDS.iter().zip(&recorded) {
        let mut cmd = bare(&home);
        cmd.args(["--replay", rec_arg, "--quiet"]).args(*args);
        let replayed = ok(&run(cmd).await);
        assert!(
            replayed == *before,
            "`{}` replays differently",
            args.join(" ")
        );
    }

    let text = recording_text(&rec);
    for file in [
        "ttid.jsonl",
        "ttledger.jsonl",
        "ttmonitor.jsonl",
        "ttaccount.jsonl",
    ] {
        assert!(rec.join(file).exists(), "{file} recorded");
    }
    assert!(
        text.contains(r#""access_token":"REDACTED""#),
        "the token answer is recorded, redacted"
    );
    for secret in [ttrest_sandbox_key(), ttrest_sandbox_secret()] {
        assert!(!text.contains(secret), "the recording holds {secret}");
    }
    // The sandbox's tokens are 64 hex digits; nothing like one is recorded.
    assert_eq!(
        longest_hex_run(&text),
        32,
        "a token-like run of hex digits is recorded"
    );
    for header in ["x-api-key", "authorization"] {
        assert!(
            !text.to_ascii_lowercase().contains(header),
            "{header} recorded"
        );
    }
    assert!(!text.contains("Bearer "), "a bearer credential recorded");
}

/// The longest run of lowercase hex digits (fills' `uniqueExecId` have 32).
fn longest_hex_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        run = if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run + 1
        } else {
            0
        };
        best = best.max(run);
    }
    best
}

fn ttrest_sandbox_key() -> &'static str {
    ttrest_sandbox::DEFAULT_APP_KEY
}

fn ttrest_sandbox_secret() -> &'static str {
    ttrest_sandbox::DEFAULT_APP_SECRET
}

#[tokio::test]
async fn a_request_the_recording_lacks_fails_naming_the_nearest() {
    let setup = Setup::start(Sandbox::builder().fills(10).accounts(2)).await;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec");
    let rec_arg = rec.to_str().unwrap();
    let mut cmd = setup.ttrest(&[
        "--record",
        rec_arg,
        "call",
        "ttaccount",
        "get_account_by_account_id",
    ]);
    cmd.args(["-p", "accountId=1"]);
    let _ = run(cmd).await;
    let mut cmd = bare(&setup.home);
    cmd.args([
        "--replay",
        rec_arg,
        "--quiet",
        "call",
        "ttaccount",
        "get_account_by_account_id",
        "-p",
        "accountId=2",
    ]);
    let out = run(cmd).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no answer to GET /ttaccount/ext_uat_cert/account/2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("nearest recorded request is GET /ttaccount/ext_uat_cert/account/1"),
        "{stderr}"
    );
}
