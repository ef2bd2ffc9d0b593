//! `ttrest call`, the list commands, `token` and `--sandbox`, end to end.

use crate::cli_support;

use cli_support::{bare, ok, run, text, Setup};
use serde_json::Value;
use ttrest_sandbox::Sandbox;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn call_reaches_operations_of_several_services() {
    let setup = Setup::start(Sandbox::builder().fills(10).page_size(10)).await;
    let health = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttid",
        "get_healthcheckstatus",
    ]))
    .await));
    assert_eq!(health["status"], "Ok");
    let markets = json(&ok(
        &run(setup.ttrest(&["call", "ttpds", "get_markets"])).await
    ));
    let market = text(&markets["markets"][0], "id");
    let products = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttpds",
        "get_products",
        "--param",
        &format!("marketId={market}"),
    ]))
    .await));
    assert!(!products["products"].as_array().unwrap().is_empty());
    let users = json(&ok(
        &run(setup.ttrest(&["call", "ttuser", "get_users"])).await
    ));
    let user = text(&users["users"][0], "id");
    let one = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttuser",
        "get_user_by_user_id",
        "-p",
        &format!("userId={user}"),
    ]))
    .await));
    assert_eq!(text(&one["user"][0], "id"), user);
    let enums = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttledger",
        "get_orderdata",
    ]))
    .await));
    assert!(enums["orderData"]["side"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn all_pages_follows_next_page_key_and_merges_the_list() {
    // 25 accounts, 10 a page: three pages.
    let setup = Setup::start(Sandbox::builder().fills(10).accounts(25).page_size(10)).await;
    let first = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttaccount",
        "get_accounts",
    ]))
    .await));
    assert_eq!(first["accounts"].as_array().unwrap().len(), 10);
    assert!(first["nextPageKey"].is_string());
    let all = json(&ok(&run(setup.ttrest(&[
        "call",
        "ttaccount",
        "get_accounts",
        "--all-pages",
    ]))
    .await));
    let ids: Vec<String> = all["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| text(a, "id"))
        .collect();
    assert_eq!(ids.len(), 25);
    let want = setup
        .sandbox
        .account_ids()
        .iter()
        .map(u64::to_string)
        .collect();
    assert_eq!(sorted(ids), sorted(want), "every account once");
    assert!(all.get("nextPageKey").is_none());
    // The list command pages the same way.
    let csv = ok(&run(setup.ttrest(&["accounts", "--format", "csv"])).await);
    assert_eq!(csv.lines().count(), 26, "a header and 25 rows");
    assert!(csv.starts_with("id,name,accountType"));
}

#[tokio::test(flavor = "multi_thread")]
async fn list_commands_write_their_records() {
    let setup = Setup::start(Sandbox::builder().fills(10).accounts(60).orders(120)).await;
    // 60 accounts take two /orders requests of at most 50.
    let orders = ok(&run(setup.ttrest(&["orders", "--format", "jsonl"])).await);
    let ids: Vec<String> = orders.lines().map(|l| text(&json(l), "orderId")).collect();
    assert_eq!(ids.len(), 120);
    let want = setup.sandbox.order_ids();
    assert_eq!(sorted(ids), sorted(want), "every working order once");
    let positions = ok(&run(setup.ttrest(&["positions", "--format", "json"])).await);
    assert!(!json(&positions).as_array().unwrap().is_empty());
    let labels = ok(&run(setup.ttrest(&["orderdata"])).await);
    assert!(labels.starts_with("enum,code,label\n"));
    assert!(labels.contains("side,1,"));
}

#[tokio::test(flavor = "multi_thread")]
async fn token_prints_the_expiry_but_never_the_token() {
    let setup = Setup::start(Sandbox::builder().fills(1)).await;
    let output = run(setup.ttrest(&["token"])).await;
    let out = ok(&output);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(out.starts_with("ok: TT accepted app key"), "{out}");
    assert!(out.contains("token expires 20"), "{out}");
    assert!(!out.to_lowercase().contains("bearer"));
    let tokens = setup.sandbox.issued_tokens();
    assert_eq!(tokens.len(), 1, "one token was issued");
    for token in &tokens {
        assert!(!out.contains(token.as_str()), "the token on stdout: {out}");
        assert!(!err.contains(token.as_str()), "the token on stderr: {err}");
    }
}

#[test]
fn call_list_shows_operations_with_parameters() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(&home).args(["call", "--list"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for line in [
        "ttledger get_fills  GET /fills",
        "ttaccount get_accounts  GET /accounts  [paged]",
        "ttmonitor post_adminfill",
    ] {
        assert!(text.contains(line), "missing {line:?}");
    }
    assert!(text.contains("marketId* (query"));
}

#[test]
fn the_sandbox_flag_needs_no_credentials() {
    let home = tempfile::tempdir().unwrap();
    let out = bare(&home)
        .args(["--sandbox", "--quiet", "markets", "--format", "jsonl"])
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(text.lines().any(|l| json(l)["name"] == "CME"), "{text}");
    assert!(
        !home.path().join(".cache").exists(),
        "no token cache with --sandbox"
    );
}

/// `ids` sorted, to compare lists of ids with the source, repeats included.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort_unstable();
    ids
}
