//! Paging as TT does it: fills by timestamp (500 per call), lists by nextPageKey.

use crate::sandbox_support;

use std::collections::HashSet;

use reqwest::StatusCode;
use sandbox_support::*;
use ttrest_sandbox::Sandbox;

#[tokio::test]
async fn fills_are_sorted_capped_and_bounds_are_inclusive() {
    let sb = Sandbox::builder()
        .seed(7)
        .fills(2_000)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let all = sb.fill_timestamps();
    let (status, body) = get(&sb, &token, "ttledger", "/fills", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["lastPage"], "true", "TT always says true on fills");
    let page = timestamps(&body);
    assert_eq!(page.len(), 500);
    assert_eq!(page, all[..500]);

    // A cluster: several fills sharing one nanosecond timestamp.
    let shared = all
        .windows(2)
        .find(|w| w[0] == w[1])
        .expect("clusters exist")[0];
    let members = all.iter().filter(|t| **t == shared).count();
    let q = [
        ("minTimestamp", shared.to_string()),
        ("maxTimestamp", shared.to_string()),
    ];
    let (_, body) = get(&sb, &token, "ttledger", "/fills", &q).await;
    assert_eq!(timestamps(&body), vec![shared; members]);
    let ids: HashSet<_> = body["fills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["uniqueExecId"].clone())
        .collect();
    assert_eq!(ids.len(), members, "cluster members are distinct fills");
}

#[tokio::test]
async fn paging_from_the_last_timestamp_collects_every_fill_once() {
    let sb = Sandbox::builder()
        .seed(11)
        .fills(3_210)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let mut seen = HashSet::new();
    let mut min = 0u64;
    let mut calls = 0;
    loop {
        let (_, body) = get(
            &sb,
            &token,
            "ttledger",
            "/fills",
            &[("minTimestamp", min.to_string())],
        )
        .await;
        calls += 1;
        let fills = body["fills"].as_array().unwrap();
        for f in fills {
            seen.insert(f["uniqueExecId"].as_str().unwrap().to_string());
        }
        if fills.len() < 500 {
            break;
        }
        // Re-ask from the last timestamp (not +1) so a cluster cut by the page edge is not lost.
        min = timestamps(&body).last().copied().unwrap();
    }
    assert_eq!(seen.len(), sb.fill_count());
    assert!(calls >= 7, "{calls}");
}

#[tokio::test]
async fn advancing_by_one_nanosecond_loses_a_cluster_cut_by_the_page_edge() {
    // Find a page size at which a cluster straddles the first page boundary.
    let probe = Sandbox::builder()
        .seed(3)
        .fills(1_000)
        .start()
        .await
        .unwrap();
    let ts = probe.fill_timestamps();
    let size = (20..400)
        .find(|&p| ts[p - 1] == ts[p])
        .expect("a cluster inside the first 400 fills");
    let sb = Sandbox::builder()
        .seed(3)
        .fills(1_000)
        .fills_page_size(size)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let (_, first) = get(&sb, &token, "ttledger", "/fills", &[]).await;
    let last = *timestamps(&first).last().unwrap();
    let (_, second) = get(
        &sb,
        &token,
        "ttledger",
        "/fills",
        &[("minTimestamp", (last + 1).to_string())],
    )
    .await;
    assert!(timestamps(&second).iter().all(|t| *t > last));
    assert_eq!(
        timestamps(&second)[0],
        ts[ts.iter().rposition(|t| *t == last).unwrap() + 1]
    );
    let lost = ts.iter().filter(|t| **t == last).count()
        - timestamps(&first).iter().filter(|t| **t == last).count();
    assert!(
        lost >= 1,
        "the sandbox is as strict as TT: the rest of the cluster is skipped"
    );
}

#[tokio::test]
async fn fills_filter_by_account_and_window() {
    let sb = Sandbox::builder()
        .seed(5)
        .fills(1_500)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let (_, accounts) = get(&sb, &token, "ttaccount", "/accounts", &[]).await;
    let account = accounts["accounts"][0]["id"].as_u64().unwrap();
    let ts = sb.fill_timestamps();
    let (min, max) = (ts[100], ts[900]);
    let q = [
        ("accountId", account.to_string()),
        ("minTimestamp", min.to_string()),
        ("maxTimestamp", max.to_string()),
    ];
    let (_, body) = get(&sb, &token, "ttledger", "/fills", &q).await;
    let fills = body["fills"].as_array().unwrap();
    assert!(!fills.is_empty());
    assert!(fills.iter().all(|f| f["accountId"] == account));
    assert!(timestamps(&body).iter().all(|t| (min..=max).contains(t)));
    let (status, body) = get(
        &sb,
        &token,
        "ttledger",
        "/fills",
        &[("minTimestamp", "soon".into())],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["status_message"]
        .as_str()
        .unwrap()
        .contains("minTimestamp"));
}

#[tokio::test]
async fn next_page_key_walks_lists_in_pages() {
    let sb = Sandbox::builder()
        .accounts(25)
        .page_size(4)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let mut ids = Vec::new();
    let mut key: Option<String> = None;
    let mut pages = 0;
    loop {
        let query: Vec<(&str, String)> = key.iter().map(|k| ("nextPageKey", k.clone())).collect();
        let (status, body) = get(&sb, &token, "ttaccount", "/accounts", &query).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        ids.extend(
            body["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_u64().unwrap()),
        );
        match body["lastPage"].as_str().unwrap() {
            "false" => key = Some(body["nextPageKey"].as_str().unwrap().to_string()),
            "true" => {
                assert!(body.get("nextPageKey").is_none());
                break;
            }
            other => panic!("lastPage {other}"),
        }
    }
    assert_eq!((pages, ids.len()), (7, 25));
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);
    let (status, body) = get(
        &sb,
        &token,
        "ttaccount",
        "/accounts",
        &[("nextPageKey", "garbage".into())],
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::BAD_REQUEST, Some("Failed"))
    );
}

#[tokio::test]
async fn same_seed_same_data() {
    let a = Sandbox::builder().seed(9).fills(600).start().await.unwrap();
    let b = Sandbox::builder().seed(9).fills(600).start().await.unwrap();
    let c = Sandbox::builder()
        .seed(10)
        .fills(600)
        .start()
        .await
        .unwrap();
    let (fa, fb, fc) = (
        first_page(&a).await,
        first_page(&b).await,
        first_page(&c).await,
    );
    assert_eq!(fa, fb);
    assert_ne!(fa, fc);
    let id = fa["fills"][0]["instrumentId"].as_str().unwrap();
    assert!(
        id.len() == 20 && id.parse::<u64>().unwrap() > i64::MAX as u64,
        "{id}"
    );
}

async fn first_page(sb: &Sandbox) -> serde_json::Value {
    let t = token(sb).await;
    get(sb, &t, "ttledger", "/fills", &[]).await.1
}
