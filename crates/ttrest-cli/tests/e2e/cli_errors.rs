//! `ttrest` failures: one clear line, a hint, and the documented exit code.

use crate::cli_support;

use assert_cmd::Command;
use cli_support::{run, Setup};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use ttrest_sandbox::Sandbox;

/// The binary with a private HOME and none of the caller's credentials.
fn ttrest(home: &tempfile::TempDir) -> Command {
    Command::from_std(cli_support::bare(home))
}

#[test]
fn missing_credentials_exit_3_with_a_hint() {
    let home = tempfile::tempdir().unwrap();
    ttrest(&home)
        .args(["--base-url", "http://127.0.0.1:9", "fills"])
        .assert()
        .code(3)
        .stderr(contains("ttrest: error: TT_APP_SECRET is not set"))
        .stderr(contains("hint:").and(contains("--profile")));
}

#[test]
fn an_unknown_profile_exits_3_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[profiles.uat]\napp_secret = \"k:s\"\n").unwrap();
    ttrest(&home)
        .env("TTREST_CONFIG", &config)
        .args(["--profile", "live", "accounts"])
        .assert()
        .code(3)
        .stderr(contains("no profile `live`").and(contains("config.toml")));
}

#[test]
fn bad_flags_exit_2() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["fills", "--format", "xml"][..],
        &["fills", "--since", "soon"],
        &["fills", "--follow", "--until", "0"],
        &["frobnicate"],
        &["call", "ttledger", "get_fill"],
        &["call", "ttpds", "get_products"],
        &["call", "ttpds", "get_markets", "-p", "bogus=1"],
    ] {
        ttrest(&home).args(args).assert().code(2);
    }
    ttrest(&home)
        .args(["call", "ttledger", "get_fill"])
        .assert()
        .stderr(contains("did you mean get_fills"));
    ttrest(&home)
        .args(["fills", "--since", "soon"])
        .assert()
        .stderr(contains("RFC 3339"));
}

#[test]
fn an_unreadable_body_file_exits_5() {
    let home = tempfile::tempdir().unwrap();
    ttrest(&home)
        .args([
            "--sandbox",
            "-q",
            "call",
            "ttmonitor",
            "post_adminfill",
            "--body",
            "@/nonexistent/fill.json",
        ])
        .assert()
        .code(5)
        .stderr(contains("/nonexistent/fill.json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_secret_exits_3_and_suggests_the_environment() {
    let setup = Setup::start(Sandbox::builder().fills(1)).await;
    let mut cmd = setup.ttrest(&["--env", "live", "accounts"]);
    cmd.env("TT_APP_SECRET", "not-the-secret");
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("refused the app key/secret"), "{stderr}");
    assert!(stderr.contains("--env live"), "{stderr}");
    assert!(
        !stderr.contains("not-the-secret"),
        "the secret is never shown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tt_errors_exit_4_and_unwritable_targets_exit_5() {
    let setup = Setup::start(Sandbox::builder().fills(1)).await;
    let out = run(setup.ttrest(&[
        "call",
        "ttpds",
        "get_product_by_product_id",
        "-p",
        "productId=1",
    ]))
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("ttpds.get_product_by_product_id (requestId")
            && stderr.contains("TT answered HTTP 404")
            && stderr.contains("hint: check the ids"),
        "{stderr}"
    );
    let out = run(setup.ttrest(&["markets", "-o", "/nonexistent/dir/markets.csv"])).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir"));
}
