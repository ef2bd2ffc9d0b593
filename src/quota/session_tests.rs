//! The day's count inside the session's pipeline, against a scripted
//! exchange on tokio's paused clock.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, Request};

use super::{DailyCount, MemoryCount, QuotaKey};
use crate::transport::scripted::{Reply, Scripted, Seen};
use crate::{Credentials, Environment, Error, Plan, RetryPolicy, Session};

const HEALTH_JSON: &str = r#"{"status":"Ok","lastPage":"true","environment":"ext_uat_cert","systemStatus":"Operational","groups":[]}"#;

/// Noon of 2026-12-05 plus the seconds in `offset`.
fn clock(offset: Arc<AtomicU64>) -> crate::quota::guard::UtcClock {
    Arc::new(move || {
        Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
            + chrono::Duration::seconds(offset.load(Ordering::SeqCst) as i64)
    })
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap()
}

fn script(call: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Arc<Scripted> {
    Scripted::new(move |seen| {
        if seen.is_token() {
            Reply::token("tok", 3600)
        } else {
            call(seen)
        }
    })
}

fn session(
    script: &Arc<Scripted>,
    count: Arc<dyn DailyCount>,
    limit: u64,
    offset: Arc<AtomicU64>,
) -> Session {
    Session::builder()
        .root_url("http://tt.test")
        .credentials(Credentials::new("key-1", "S3CRET").unwrap())
        .plan(Plan::Unlimited)
        .daily_limit(limit)
        .daily_count(count)
        .retry_policy(RetryPolicy::default())
        .utc_clock(clock(offset))
        .exchange(script.clone())
        .build()
        .unwrap()
}

fn health(session: &Session) -> Request {
    let url = format!("{}/healthcheckstatus", session.base_url("ttid"));
    Request::new(Method::GET, url.parse().unwrap())
}

fn key() -> QuotaKey {
    QuotaKey::new("key-1", Environment::Uat, noon())
}

#[tokio::test(start_paused = true)]
async fn limit_exceeded_is_not_retried_and_spends_the_day_for_every_session() {
    let tt = script(|_| Reply::json(429, r#"{"message":"Limit Exceeded"}"#));
    let count: Arc<dyn DailyCount> = Arc::new(MemoryCount::new());
    let s = session(&tt, count.clone(), 10_000, Arc::default());
    let err = s
        .call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap_err();
    match &err {
        Error::QuotaExhausted {
            by_tt: true,
            used: 2,
            limit: Some(10_000),
            resets_at,
            call: Some(call),
            ..
        } => {
            assert_eq!(*resets_at, key().resets_at());
            assert_eq!(call.operation.as_deref(), Some("get_healthcheckstatus"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(tt.seen().len(), 2, "the token and one attempt, no retry");
    assert!(!err.is_transient());
    let text = format!("{err:#}");
    assert!(
        text.contains("Limit Exceeded") && text.contains("00:00 UTC"),
        "{text}"
    );
    // The day is spent in the shared count: another session makes no request.
    assert!(count.get(&key()).await.unwrap().spent);
    let other = session(&tt, count.clone(), 10_000, Arc::default());
    let err = other
        .call_named("ttid", "get_healthcheckstatus", health(&other))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::QuotaExhausted { by_tt: false, .. }),
        "{err:?}"
    );
    assert_eq!(tt.seen().len(), 2, "refused before sending");
}

#[tokio::test(start_paused = true)]
async fn throttling_429_is_retried_and_every_attempt_counts() {
    let n = AtomicUsize::new(0);
    let tt = script(move |_| match n.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(429, r#"{"message":"Too Many Requests"}"#),
        _ => Reply::json(200, HEALTH_JSON),
    });
    let count: Arc<dyn DailyCount> = Arc::new(MemoryCount::new());
    let s = session(&tt, count.clone(), 10_000, Arc::default());
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(tt.seen().len(), 3);
    let usage = s.daily_usage().await.unwrap();
    assert_eq!(usage.used, 3, "token, the throttled attempt and its retry");
    assert_eq!(usage.limit, Some(10_000));
    assert_eq!(usage.reserve, 500);
    assert_eq!(usage.remaining, Some(9_497));
}

#[tokio::test(start_paused = true)]
async fn redirect_hops_count() {
    let tt = script(|seen| {
        if seen.url.path().ends_with("/healthcheckstatus") {
            Reply::json(303, "").header("location", "/ttid/ext_uat_cert/moved")
        } else {
            Reply::json(200, HEALTH_JSON)
        }
    });
    let s = session(&tt, Arc::new(MemoryCount::new()), 10_000, Arc::default());
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(tt.seen().len(), 3);
    assert_eq!(s.daily_usage().await.unwrap().used, 3);
}

/// 300 calls in flight at once on a cap of 105 (reserve 6): exactly 99
/// requests reach TT, the token's among them, and the rest are refused.
#[tokio::test(start_paused = true)]
async fn the_cap_is_never_crossed_with_calls_in_flight() {
    let tt = script(|_| Reply::json(200, HEALTH_JSON).after(std::time::Duration::from_millis(50)));
    let count: Arc<dyn DailyCount> = Arc::new(MemoryCount::new());
    // Two sessions on one count, as two jobs on one key.
    let a = session(&tt, count.clone(), 105, Arc::default());
    let b = session(&tt, count.clone(), 105, Arc::default());
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let s = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                s.call_named("ttid", "get_healthcheckstatus", health(&s))
                    .await
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::QuotaExhausted {
                used: 99,
                limit: Some(105),
                reserve: 6,
                ..
            }) => refused += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(tt.seen().len(), 99, "never past the cap minus the reserve");
    assert_eq!(ok + refused, 300);
    assert_eq!(ok, 99 - tt.token_requests());
    assert_eq!(count.get(&key()).await.unwrap().used, 99);
}

#[tokio::test(start_paused = true)]
async fn a_spent_day_comes_back_at_utc_midnight() {
    let tt = script(|_| Reply::json(200, HEALTH_JSON));
    let offset = Arc::new(AtomicU64::new(0));
    let s = session(&tt, Arc::new(MemoryCount::new()), 20, offset.clone());
    let mut ok = 0;
    while s
        .call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .is_ok()
    {
        ok += 1;
    }
    assert_eq!(ok, 18, "20 minus a reserve of 1, one of them the token");
    // Twelve hours later it is the next UTC day.
    offset.store(12 * 3600, Ordering::SeqCst);
    s.call_named("ttid", "get_healthcheckstatus", health(&s))
        .await
        .unwrap();
    assert_eq!(s.daily_usage().await.unwrap().used, 1);
}

/// A raw call named by the operation table's handle follows the operation's
/// retry class: a window of `/fills` gets 408/504 back at once, a plain
/// operation's 504 is retried.
#[tokio::test(start_paused = true)]
async fn raw_calls_of_windowed_operations_get_408_and_504_back_at_once() {
    for status in [408, 504] {
        let tt =
            script(move |_| Reply::json(status, r#"{"message":"Endpoint request timed out"}"#));
        let s = session(&tt, Arc::new(MemoryCount::new()), 10_000, Arc::default());
        let url = format!(
            "{}/fills?minTimestamp=1&maxTimestamp=2",
            s.base_url("ttledger")
        );
        let err = s
            .call(
                &crate::ttledger::ops::GET_FILLS,
                Request::new(Method::GET, url.parse().unwrap()),
            )
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(tt.seen().len(), 2, "{status}: the token and one window");

        let err = s
            .call(&crate::ttid::ops::GET_HEALTHCHECKSTATUS, health(&s))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(
            tt.seen().len(),
            5,
            "{status}: a plain operation is retried (3 attempts)"
        );
        assert_eq!(
            s.daily_usage().await.unwrap().used,
            5,
            "every attempt counted"
        );
    }
}
