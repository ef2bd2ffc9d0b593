//! The whole pipeline against a scripted exchange on tokio's paused clock:
//! token refresh, 401, `Retry-After`, budget and single flight run
//! deterministically, in milliseconds of real time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, Request, StatusCode};
use tokio::time::Instant;

use super::scripted::{Reply, Scripted, Seen};
use crate::{Credentials, Error, Plan, RetryPolicy, Session};

const HEALTH_JSON: &str = r#"{"status":"Ok","lastPage":"true","environment":"ext_uat_cert","systemStatus":"Operational","groups":[]}"#;
const SECRET: &str = "S3CRET-scripted-9x";

fn session(script: &Arc<Scripted>, retry: RetryPolicy) -> Session {
    Session::builder()
        .root_url("http://tt.test")
        .app_name("app")
        .company("co")
        .credentials(Credentials::new("key-1", SECRET).unwrap())
        .plan(Plan::Unlimited)
        .retry_policy(retry)
        .exchange(script.clone())
        .build()
        .unwrap()
}

fn health(session: &Session) -> Request {
    let url = format!("{}/healthcheckstatus", session.base_url("ttid"));
    Request::new(Method::GET, url.parse().unwrap())
}

fn calls(script: &Scripted) -> Vec<Seen> {
    script
        .seen()
        .into_iter()
        .filter(|s| !s.is_token())
        .collect()
}

fn bearer(seen: &Seen) -> &str {
    seen.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Tokens `tok-1`, `tok-2`... of `lifetime` seconds; calls answered by `call`.
fn tt(lifetime: u64, call: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Arc<Scripted> {
    let issued = AtomicUsize::new(0);
    Scripted::new(move |seen| {
        if seen.is_token() {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            Reply::token(&format!("tok-{n}"), lifetime)
        } else {
            call(seen)
        }
    })
}

fn ok(_: &Seen) -> Reply {
    Reply::json(200, HEALTH_JSON)
}

#[tokio::test(start_paused = true)]
async fn the_token_is_refreshed_ahead_of_expiry_not_before() {
    let script = tt(1000, ok);
    let s = session(&script, RetryPolicy::default());
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    // Before 75 % of the lifetime: the same token.
    tokio::time::advance(Duration::from_secs(740)).await;
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(script.token_requests(), 1);
    // Past 85 %, before expiry: a new one, while the old is still valid.
    tokio::time::advance(Duration::from_secs(120)).await;
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(script.token_requests(), 2);
    let seen = calls(&script);
    assert_eq!(bearer(&seen[1]), "Bearer tok-1");
    assert_eq!(bearer(&seen[2]), "Bearer tok-2");
}

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_the_token_once_and_repeats_the_call_once() {
    let script = tt(3600, |seen| match bearer(seen) {
        "Bearer tok-1" => Reply::json(401, r#"{"message":"Unauthorized"}"#),
        _ => Reply::json(200, HEALTH_JSON),
    });
    let s = session(&script, RetryPolicy::default());
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(script.token_requests(), 2);
    assert_eq!(calls(&script).len(), 2);

    let script = tt(3600, |_| Reply::json(401, r#"{"message":"Token revoked"}"#));
    let s = session(&script, RetryPolicy::default());
    let err = s
        .call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap_err();
    assert_eq!(script.token_requests(), 2, "one refresh per call");
    assert_eq!(calls(&script).len(), 2, "one repeat per call");
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_eq!(err.tt_message().unwrap().text(), Some("Token revoked"));
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_exactly_on_the_paused_clock() {
    let n = AtomicUsize::new(0);
    let script = tt(3600, move |_| match n.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(429, r#"{"message":"Too Many Requests"}"#).header("retry-after", "7"),
        _ => Reply::json(200, HEALTH_JSON),
    });
    let s = session(&script, RetryPolicy::default());
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    let seen = calls(&script);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].at - seen[0].at, Duration::from_secs(7));
}

#[tokio::test(start_paused = true)]
async fn an_empty_budget_fails_at_once_and_a_success_refills_it() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let f = failing.clone();
    let script = tt(3600, move |_| match f.load(Ordering::SeqCst) {
        true => Reply::json(503, r#"{"message":"Service Unavailable"}"#),
        false => Reply::json(200, HEALTH_JSON),
    });
    let policy = RetryPolicy {
        budget: 10,
        retry_cost: 5,
        ..RetryPolicy::default()
    };
    let s = session(&script, policy);
    let err = s.call_named("ttid", "h", health(&s)).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(calls(&script).len(), 3, "two retries spend the budget");
    s.call_named("ttid", "h", health(&s)).await.unwrap_err();
    assert_eq!(calls(&script).len(), 4, "no budget: no retry");
    failing.store(false, Ordering::SeqCst);
    s.call_named("ttid", "h", health(&s)).await.unwrap();
    failing.store(true, Ordering::SeqCst);
    s.call_named("ttid", "h", health(&s)).await.unwrap_err();
    assert_eq!(
        calls(&script).len(),
        6,
        "one token back after a success: still no retry"
    );
}

#[tokio::test(start_paused = true)]
async fn a_thousand_cold_callers_share_one_token_request() {
    let script = Scripted::new(|seen| match seen.is_token() {
        true => Reply::token("tok-1", 3600).after(Duration::from_secs(2)),
        false => Reply::json(200, HEALTH_JSON),
    });
    let s = session(&script, RetryPolicy::default());
    let started = Instant::now();
    let all = (0..1000).map(|_| {
        let s = s.clone();
        tokio::spawn(async move { s.call_named("ttid", "h", health(&s)).await.map(|_| ()) })
    });
    for call in futures::future::join_all(all).await {
        call.unwrap().unwrap();
    }
    assert_eq!(script.token_requests(), 1);
    assert_eq!(calls(&script).len(), 1000);
    assert!(calls(&script).iter().all(|c| bearer(c) == "Bearer tok-1"));
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(2),
        "everyone waited for the one fetch"
    );
}

#[tokio::test(start_paused = true)]
async fn every_attempt_has_its_own_request_id_and_the_error_the_last() {
    let script = tt(3600, |_| {
        Reply::json(500, r#"{"status":"Fail","status_message":"boom"}"#)
    });
    let s = session(&script, RetryPolicy::default());
    let err = s.call_named("ttid", "h", health(&s)).await.unwrap_err();
    let ids: Vec<String> = calls(&script)
        .iter()
        .map(|c| crate::request_id::request_id_from_url(&c.url).unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        3
    );
    assert!(ids.iter().all(|id| id.starts_with("app-co--")));
    assert_eq!(err.request_id(), Some(ids[2].as_str()));
    assert_eq!(err.tt_message().unwrap().text(), Some("boom"));
}

#[tokio::test(start_paused = true)]
async fn post_is_retried_on_429_but_not_on_503() {
    let post = |s: &Session| {
        let url = format!("{}/orders", s.base_url("ttledger"));
        Request::new(Method::POST, url.parse().unwrap())
    };
    let script = tt(3600, |_| Reply::json(503, "{}"));
    let s = session(&script, RetryPolicy::default());
    s.call_named("ttledger", "post", post(&s))
        .await
        .unwrap_err();
    assert_eq!(calls(&script).len(), 1);
    assert_eq!(calls(&script)[0].method, Method::POST);

    let script = tt(3600, |_| Reply::json(429, "{}").header("retry-after", "1"));
    let s = session(&script, RetryPolicy::default());
    let err = s
        .call_named("ttledger", "post", post(&s))
        .await
        .unwrap_err();
    // Throttling has its own attempt limit, above max_attempts.
    let attempts = RetryPolicy::default().max_throttled_attempts as usize;
    assert_eq!(calls(&script).len(), attempts);
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn a_time_window_gets_408_and_504_back_at_once_a_plain_call_retries_them() {
    for status in [408, 504] {
        let script = tt(3600, move |_| {
            Reply::json(status, r#"{"message":"Endpoint request timed out"}"#)
        });
        let s = session(&script, RetryPolicy::default());
        let window = super::CallOptions { time_window: true };
        let url = format!("{}/fills?minTimestamp=1", s.base_url("ttledger"));
        let err = s
            .call_with(
                "ttledger",
                "get_fills",
                Request::new(Method::GET, url.parse().unwrap()),
                window,
            )
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(calls(&script).len(), 1, "{status}: no retry of a window");
        s.call_named(
            "ttledger",
            "get_fills",
            Request::new(Method::GET, url.parse().unwrap()),
        )
        .await
        .unwrap_err();
        assert_eq!(calls(&script).len(), 4, "{status}: retried like any GET");
    }
}

#[tokio::test(start_paused = true)]
async fn a_thousand_concurrent_failures_each_keep_their_own_message_and_request_id() {
    let script = tt(3600, |seen| {
        let id = crate::request_id::request_id_from_url(&seen.url).unwrap();
        Reply::json(
            400,
            format!(r#"{{"status":"Fail","status_message":"bad {id}"}}"#),
        )
    });
    let s = session(&script, RetryPolicy::default());
    let all = (0..1000).map(|_| {
        let s = s.clone();
        async move { s.ledger().get_orders().send().await }
    });
    let results = futures::future::join_all(all).await;
    let mut ids = std::collections::HashSet::new();
    for result in results {
        let err = Error::from(result.unwrap_err());
        let id = err.request_id().unwrap().to_string();
        assert_eq!(
            err.tt_message().and_then(|m| m.text()),
            Some(format!("bad {id}").as_str())
        );
        assert_eq!(err.call().unwrap().operation.as_deref(), Some("get_orders"));
        assert!(ids.insert(id));
    }
}

#[tokio::test(start_paused = true)]
async fn refused_credentials_reach_a_generated_call_typed_and_without_the_secret() {
    let script = Scripted::new(|seen| match seen.is_token() {
        true => Reply::json(
            400,
            r#"{"status":"StatusFail","status_message":"invalid_client","status_desc":"Invalid app key or secret"}"#,
        ),
        false => Reply::json(200, HEALTH_JSON),
    });
    let s = session(&script, RetryPolicy::default());
    let err = Error::from(s.ttid().get_healthcheckstatus().send().await.unwrap_err());
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: crate::AuthErrorKind::BadCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.tt_message().unwrap().text(), Some("invalid_client"));
    assert_eq!(err.call().unwrap().operation.as_deref(), Some("token"));
    let token_id = crate::request_id::request_id_from_url(&script.seen()[0].url);
    assert_eq!(err.request_id(), token_id.as_deref());
    let shown = format!("{err} {err:#} {err:?} {s:?}");
    assert!(!shown.contains(SECRET), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_success_body_of_the_wrong_shape_fails_with_its_json_path_and_request_id() {
    let script = tt(3600, |_| {
        Reply::json(200, r#"{"status":"Ok","systemStatus":5}"#)
    });
    let s = session(&script, RetryPolicy::default());
    let err = Error::from(s.ttid().get_healthcheckstatus().send().await.unwrap_err());
    match &err {
        Error::Decode { path, call, .. } => {
            assert_eq!(path, "systemStatus");
            assert_eq!(call.operation.as_deref(), Some("get_healthcheckstatus"));
        }
        other => panic!("{other:?}"),
    }
    let id = crate::request_id::request_id_from_url(&calls(&script)[0].url);
    assert_eq!(err.request_id(), id.as_deref());
}
