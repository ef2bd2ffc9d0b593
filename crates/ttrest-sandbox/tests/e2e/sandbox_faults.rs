//! Each injectable fault, seen by a plain HTTP client.

use crate::sandbox_support;

use std::time::Duration;

use reqwest::StatusCode;
use sandbox_support::*;
use ttrest_sandbox::{Faults, RatePlan, Redirect, Sandbox};

async fn with_faults(spec: &str) -> (Sandbox, String) {
    let faults: Faults = spec.parse().unwrap();
    let sb = Sandbox::builder()
        .fills(1_000)
        .faults(faults)
        .start()
        .await
        .unwrap();
    assert_eq!(sb.faults(), spec);
    let token = token(&sb).await;
    (sb, token)
}

async fn statuses(sb: &Sandbox, token: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            get_text(sb, token, "ttpds", "/markets", &[])
                .await
                .0
                .as_u16(),
        );
    }
    out
}

#[tokio::test]
async fn every_nth_request_is_throttled_with_retry_after() {
    let (sb, token) = with_faults("429-every=5,retry-after=2").await;
    assert_eq!(
        statuses(&sb, &token, 10).await,
        [200, 200, 200, 200, 429, 200, 200, 200, 200, 429]
    );
    let r = http()
        .get(format!("{}/markets", sb.service_url("ttpds", UAT)))
        .query(&[("requestId", rid())])
        .header("x-api-key", sb.app_key())
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the 11th is fine");
    assert_eq!(sb.counters().throttled, 2);
    let (sb, token) = with_faults("429-every=1,retry-after=2").await;
    let r = http()
        .get(format!("{}/markets", sb.service_url("ttpds", UAT)))
        .query(&[("requestId", rid())])
        .header("x-api-key", sb.app_key())
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["message"],
        "Too Many Requests"
    );
}

#[tokio::test]
async fn every_nth_request_fails_with_the_chosen_5xx() {
    let (sb, token) = with_faults("5xx-every=3,5xx-status=502").await;
    assert_eq!(
        statuses(&sb, &token, 6).await,
        [200, 200, 502, 200, 200, 502]
    );
    let (status, body) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sb.counters().server_errors, 2);
}

/// `statuses` with another app key's token.
async fn statuses_as(sb: &Sandbox, key: &str, token: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let response = http()
            .get(format!("{}/markets", sb.service_url("ttpds", UAT)))
            .header("x-api-key", key)
            .bearer_auth(token)
            .query(&[("requestId", rid())])
            .send()
            .await
            .unwrap();
        out.push(response.status().as_u16());
    }
    out
}

// The sandbox's rate buckets run on tokio's clock: paused here, time moves
// only when the test sleeps, so "within one refill window" is exact.
#[tokio::test(start_paused = true)]
async fn rate_plan_throttles_bursts_per_key() {
    const OTHER: &str = "22222222-2222-2222-2222-222222222222";
    const OTHER_SECRET: &str = "33333333-3333-3333-3333-333333333333";
    let sb = Sandbox::builder()
        .faults(Faults::none().rate_plan(RatePlan::Free))
        .also_accept(OTHER, OTHER_SECRET)
        .start()
        .await
        .unwrap();
    let token = token(&sb).await; // the token call takes one of the 3 per second
    assert_eq!(statuses(&sb, &token, 3).await, [200, 200, 429]);
    assert_eq!(sb.counters().throttled, 1);
    // The same instant, another key: its own bucket of 3 (its token takes one).
    let (status, body) = token_response(&sb, OTHER, &format!("{OTHER}:{OTHER_SECRET}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let other = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(statuses_as(&sb, OTHER, &other, 3).await, [200, 200, 429]);
    assert_eq!(
        statuses(&sb, &token, 1).await,
        [429],
        "the first key is still empty"
    );
    // A third of a second refills one request of each key's bucket.
    tokio::time::sleep(Duration::from_millis(334)).await;
    assert_eq!(
        statuses(&sb, &token, 2).await,
        [200, 429],
        "the bucket refills"
    );
    assert_eq!(statuses_as(&sb, OTHER, &other, 2).await, [200, 429]);
}

// Paused clock: the sandbox sleeps its latency on tokio's clock.
#[tokio::test(start_paused = true)]
async fn latency_delays_answers() {
    let (sb, token) = with_faults("latency-ms=120").await;
    let started = tokio::time::Instant::now();
    assert_eq!(statuses(&sb, &token, 1).await, [200]);
    assert!(started.elapsed() >= Duration::from_millis(120));
}

#[tokio::test]
async fn wide_fills_windows_time_out() {
    let (sb, token) = with_faults("timeout-window-ns=1000000000").await;
    let (status, body) = get(&sb, &token, "ttledger", "/fills", &[]).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
    assert!(body["message"].is_string());
    let ts = sb.fill_timestamps();
    let narrow = [
        ("minTimestamp", ts[0].to_string()),
        ("maxTimestamp", (ts[0] + 1_000_000_000).to_string()),
    ];
    assert_eq!(
        get(&sb, &token, "ttledger", "/fills", &narrow).await.0,
        StatusCode::OK
    );
    let (sb, token) = with_faults("timeout-window-ns=10,timeout-status=504").await;
    assert_eq!(
        get(&sb, &token, "ttledger", "/fills", &[]).await.0,
        StatusCode::GATEWAY_TIMEOUT
    );
    assert_eq!(sb.counters().timeouts, 1);
}

#[tokio::test]
async fn same_origin_redirects_are_followable() {
    let (sb, token) = with_faults("redirect=same,redirect-every=2").await;
    let (status, body) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!(status, 200);
    let (status, body2) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!(
        (status, &body2),
        (StatusCode::OK, &body),
        "followed transparently"
    );
    let c = sb.counters();
    assert_eq!(
        (c.redirects, c.request_id_reused, c.cross_origin_requests),
        (1, 0, 0)
    );
    let no_follow = ttrest::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let _ = get(&sb, &token, "ttpds", "/markets", &[]).await; // 3rd: not redirected
    let r = no_follow
        .get(format!("{}/markets", sb.service_url("ttpds", UAT)))
        .query(&[("requestId", rid())])
        .header("x-api-key", sb.app_key())
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(sb.base_url()));
}

#[tokio::test]
async fn cross_origin_redirects_record_leaked_credentials() {
    let sb = Sandbox::builder()
        .faults(Faults::none().redirect(Redirect::CrossOrigin))
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    let (status, body) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!(status, 200);
    assert!(body["markets"].as_array().unwrap().len() >= 2);
    let c = sb.counters();
    assert_eq!(c.cross_origin_requests, 1);
    // reqwest drops Authorization across origins but forwards custom headers.
    assert_eq!(
        (c.cross_origin_authorization, c.cross_origin_api_key),
        (0, 1)
    );
}

#[tokio::test]
async fn every_nth_body_is_truncated_json() {
    let (sb, token) = with_faults("truncate-every=2").await;
    let (s1, t1) = get_text(&sb, &token, "ttpds", "/markets", &[]).await;
    let (s2, t2) = get_text(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert!(serde_json::from_str::<serde_json::Value>(&t1).is_ok());
    assert!(
        serde_json::from_str::<serde_json::Value>(&t2).is_err(),
        "{t2}"
    );
    assert!(t1.starts_with(&t2));
    assert_eq!(sb.counters().truncated, 1);
}

#[tokio::test]
async fn token_expiry_mid_run_from_the_spec_string() {
    let (sb, token) = with_faults("token-expiry-after=2").await;
    assert_eq!(statuses(&sb, &token, 3).await, [200, 200, 401]);
    assert_eq!(sb.counters().unauthorized, 1);
}
