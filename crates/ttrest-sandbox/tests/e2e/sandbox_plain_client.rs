//! A client that is not ttrest (plain reqwest, written from TT's docs) against the
//! sandbox: token with the documented form body, fills paged by `minTimestamp`,
//! admin fills reflected in later reads, and a SQLite store across restarts.

use crate::sandbox_support;

use reqwest::StatusCode;
use sandbox_support::*;
use serde_json::{json, Value};
use ttrest_sandbox::Sandbox;

/// TT's documented token call, field by field.
async fn documented_token(base: &str, key: &str, secret: &str) -> String {
    let response = http()
        .post(format!("{base}/ttid/ext_uat_cert/token"))
        .query(&[("requestId", rid())])
        .header("x-api-key", key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=user_app&app_key={key}:{secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "Ok");
    format!("Bearer {}", body["access_token"].as_str().unwrap())
}

/// What TT's fill downloader collects: pages of 500 from `minTimestamp`, moving to
/// the last `timeStamp` + 1, until a page holds fewer than 500.
fn documented_walk(all: &[u64]) -> usize {
    let (mut min, mut collected) = (0u64, 0usize);
    loop {
        let start = all.partition_point(|t| *t < min);
        let page = &all[start..all.len().min(start + 500)];
        collected += page.len();
        if page.len() < 500 {
            return collected;
        }
        min = page[499] + 1;
    }
}

#[tokio::test]
async fn tt_docs_flow_token_then_fills_by_min_timestamp() {
    let sb = Sandbox::builder()
        .seed(21)
        .fills(2_345)
        .start()
        .await
        .unwrap();
    let bearer = documented_token(sb.base_url(), sb.app_key(), sb.app_secret()).await;
    let mut min = 0u64;
    let mut collected = Vec::new();
    loop {
        let response = http()
            .get(format!("{}/ttledger/ext_uat_cert/fills", sb.base_url()))
            .query(&[("requestId", rid()), ("minTimestamp", min.to_string())])
            .header("x-api-key", sb.app_key())
            .header("Authorization", &bearer)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let page = timestamps(&body);
        assert!(page.windows(2).all(|w| w[0] <= w[1]), "time-ordered");
        assert!(page.iter().all(|t| *t >= min));
        collected.extend(page.iter().copied());
        if page.len() < 500 {
            break;
        }
        min = page[499] + 1;
    }
    assert_eq!(collected.len(), documented_walk(&sb.fill_timestamps()));
    assert!(collected.len() <= sb.fill_count());
    let c = sb.counters();
    assert_eq!(
        (c.tokens_issued, c.request_id_reused, c.request_id_malformed),
        (1, 0, 0)
    );
}

async fn post_json(
    sb: &Sandbox,
    token: &str,
    service: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = http()
        .post(format!("{}{path}", sb.service_url(service, UAT)))
        .query(&[("requestId", rid())])
        .header("x-api-key", sb.app_key())
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// `(accountId, instrumentId)` of the first position row.
async fn some_position(sb: &Sandbox, token: &str) -> (u64, String) {
    let (_, body) = get(sb, token, "ttmonitor", "/position", &[]).await;
    let row = &body["positions"][0];
    (
        row["accountId"].as_u64().unwrap(),
        row["instrumentId"].as_str().unwrap().to_string(),
    )
}

async fn bought(sb: &Sandbox, token: &str, account: u64, instrument: &str) -> f64 {
    let (_, body) = get(sb, token, "ttmonitor", &format!("/position/{account}"), &[]).await;
    let rows = body["positions"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["instrumentId"] == instrument)
        .expect("position row");
    row["buyFillQty"].as_f64().unwrap()
}

#[tokio::test]
async fn admin_fills_show_up_in_fills_and_positions() {
    let sb = Sandbox::builder()
        .seed(8)
        .fills(1_000)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let (account, instrument) = some_position(&sb, &token).await;
    let before = bought(&sb, &token, account, &instrument).await;
    let at = 1_795_999_999_000_000_123u64;
    let fill = json!({ "accountId": account, "instrumentId": instrument, "side": "BUY", "qty": 7, "price": 101.5, "timeStamp": at });
    let (status, body) = post_json(&sb, &token, "ttmonitor", "/adminfill", fill).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["fills"][0]["manualFill"], "true");
    assert_eq!(
        bought(&sb, &token, account, &instrument).await,
        before + 7.0
    );
    let window = [
        ("minTimestamp", at.to_string()),
        ("maxTimestamp", at.to_string()),
    ];
    let (_, fills) = get(&sb, &token, "ttledger", "/fills", &window).await;
    assert_eq!(fills["fills"].as_array().unwrap().len(), 1);
    assert_eq!(fills["fills"][0]["lastQty"], 7.0);
    let (_, tcr) = get(&sb, &token, "ttledger", "/tcrfills", &[]).await;
    assert_eq!(
        tcr["fills"].as_array().unwrap().len(),
        1,
        "trade-capture fills are the manual ones"
    );

    let (status, body) = post_json(
        &sb,
        &token,
        "ttmonitor",
        "/adminfill",
        json!({ "accountId": 1, "instrumentId": instrument, "side": 1, "qty": 1, "price": 1.0 }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["status_message"]
            .as_str()
            .unwrap()
            .contains("accountId 1"),
        "{body}"
    );
    let many: Vec<Value> = (0..21).map(|_| json!({ "accountId": account, "instrumentId": instrument, "side": 1, "qty": 1, "price": 1.0 })).collect();
    let (status, _) = post_json(
        &sb,
        &token,
        "ttmonitor",
        "/adminfill",
        json!({ "fills": many }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "TT's 20-item limit");
    assert_eq!(sb.fill_count(), 1_001);
}

#[tokio::test]
async fn sqlite_store_keeps_admin_fills_across_restarts() {
    let dir = std::env::temp_dir().join(format!("ttrest-sandbox-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("state.db");
    let at = 1_795_999_999_000_000_777u64;
    let builder = || Sandbox::builder().seed(12).fills(600).sqlite(&db);
    let sb = builder().start().await.unwrap();
    let bearer = token(&sb).await;
    let (account, instrument) = some_position(&sb, &bearer).await;
    let fill = json!({ "accountId": account, "instrumentId": instrument, "side": 2, "qty": 3, "price": 99.0, "timeStamp": at });
    assert_eq!(
        post_json(&sb, &bearer, "ttmonitor", "/adminfill", fill)
            .await
            .0,
        StatusCode::OK
    );
    sb.shutdown().await;

    let sb = builder().start().await.unwrap();
    assert_eq!(sb.fill_count(), 601);
    let bearer = token(&sb).await;
    let (_, fills) = get(
        &sb,
        &bearer,
        "ttledger",
        "/fills",
        &[("minTimestamp", at.to_string())],
    )
    .await;
    assert_eq!(fills["fills"][0]["side"], 2);
    sb.shutdown().await;

    let other = Sandbox::builder()
        .seed(13)
        .fills(600)
        .sqlite(&db)
        .start()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        other.contains("state.db") && other.contains("seed=12"),
        "{other}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_million_fills_page_from_any_timestamp() {
    let sb = Sandbox::builder()
        .seed(1)
        .fills(1_000_000)
        .start()
        .await
        .unwrap();
    assert_eq!(sb.fill_count(), 1_000_000);
    let ts = sb.fill_timestamps();
    let token = token(&sb).await;
    let from = ts[999_700];
    let (_, body) = get(
        &sb,
        &token,
        "ttledger",
        "/fills",
        &[("minTimestamp", from.to_string())],
    )
    .await;
    let first = ts.partition_point(|t| *t < from);
    assert_eq!(timestamps(&body), ts[first..]);
}

/// The accounts of a positions answer, in order, each once.
fn position_accounts(body: &Value) -> Vec<u64> {
    let mut accounts: Vec<u64> = body["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["accountId"].as_u64().unwrap())
        .collect();
    accounts.dedup();
    accounts
}

/// As a production pipeline observed of TT (docs/tt-rest-facts-3.md §3):
/// `/position` answers every account's rows whatever account it is given;
/// `/position/{accountId}` answers that account's only.
#[tokio::test]
async fn position_ignores_its_account_filter_and_the_path_does_not() {
    let sb = Sandbox::builder()
        .seed(3)
        .fills(2_000)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let (_, all) = get(&sb, &token, "ttmonitor", "/position", &[]).await;
    let every = position_accounts(&all);
    assert!(every.len() > 1, "the seed trades several accounts");
    let one = every[1];
    for filter in ["accountIds", "accountId"] {
        let query = [(filter, one.to_string())];
        let (_, body) = get(&sb, &token, "ttmonitor", "/position", &query).await;
        assert_eq!(body, all, "?{filter}= is ignored");
    }
    let (_, own) = get(&sb, &token, "ttmonitor", &format!("/position/{one}"), &[]).await;
    assert_eq!(position_accounts(&own), [one]);
}
