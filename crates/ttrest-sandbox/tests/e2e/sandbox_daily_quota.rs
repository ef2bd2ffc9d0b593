//! The daily cap of a usage plan: the sandbox answers 429 "Limit Exceeded"
//! past it until UTC midnight, the session maps that to
//! `Error::QuotaExhausted` without retrying, and `/keyusage` answers the
//! sandbox's own count.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use ttrest::quota::MemoryCount;
use ttrest::{Credentials, Error, Plan, Session};
use ttrest_sandbox::{Faults, Sandbox};

fn session(sb: &Sandbox) -> Session {
    Session::builder()
        .root_url(sb.base_url())
        .credentials(Credentials::new(sb.app_key(), sb.app_secret()).unwrap())
        .plan(Plan::Unlimited)
        // The client's own cap is far away: the sandbox's decides.
        .daily_limit(1_000_000)
        .daily_count(Arc::new(MemoryCount::new()))
        .build()
        .unwrap()
}

async fn health(s: &Session) -> Result<(), Error> {
    s.ttid()
        .get_healthcheckstatus()
        .send()
        .await
        .map(|_| ())
        .map_err(Error::from)
}

#[tokio::test]
async fn past_the_daily_cap_tt_says_limit_exceeded_and_the_session_stops() {
    let sb = Sandbox::builder()
        .faults(Faults::none().daily_cap(5))
        .start()
        .await
        .unwrap();
    let s = session(&sb);
    for _ in 0..4 {
        health(&s).await.unwrap(); // the token and 4 calls: 5
    }
    let before = sb.counters().requests;
    let err = health(&s).await.unwrap_err();
    assert!(
        matches!(err, Error::QuotaExhausted { by_tt: true, .. }),
        "{err:?}"
    );
    assert_eq!(sb.counters().requests, before + 1, "not retried");
    // The session now refuses by itself.
    let err = health(&s).await.unwrap_err();
    assert!(
        matches!(err, Error::QuotaExhausted { by_tt: false, .. }),
        "{err:?}"
    );
    assert_eq!(sb.counters().requests, before + 1, "nothing sent");
}

#[tokio::test(start_paused = true)]
async fn the_cap_resets_at_utc_midnight_and_keyusage_tells_the_count() {
    // 23:00 UTC.
    let day = 86_400;
    let start = UNIX_EPOCH + Duration::from_secs(20_000 * day + day - 3600);
    let sb = Sandbox::builder()
        .faults(Faults::none().daily_cap(3))
        .utc_start(start)
        .start()
        .await
        .unwrap();
    let http = ttrest::http_client_builder().unwrap().build().unwrap();
    let get = |path: &str| {
        http.get(format!("{}/ttid/ext_uat_cert{path}", sb.base_url()))
            .header("x-api-key", sb.app_key())
            .send()
    };
    let usage = "/keyusage?appKey=KEY&userId=1&startDate=d&endDate=d".replace("KEY", sb.app_key());
    // /keyusage needs a token like any call, so: the token is not asked for
    // here; an unauthenticated call still passes the key check and counts.
    for expected in [1, 2, 3] {
        let r = get(&usage).await.unwrap();
        assert_eq!(r.status(), 401, "{expected}");
    }
    let r = get(&usage).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.text().await.unwrap(), r#"{"message":"Limit Exceeded"}"#);
    tokio::time::advance(Duration::from_secs(3601)).await;
    let r = get(&usage).await.unwrap();
    assert_eq!(r.status(), 401, "a new UTC day");
}

#[tokio::test]
async fn keyusage_answers_the_sandbox_count_and_the_session_takes_the_larger() {
    let sb = Sandbox::builder()
        .faults(Faults::none().daily_cap(1000))
        .start()
        .await
        .unwrap();
    // Another client spends 7 requests on the key.
    let other = session(&sb);
    for _ in 0..6 {
        health(&other).await.unwrap();
    }
    let s = session(&sb);
    assert_eq!(s.read_tt_usage(None).await.unwrap(), None, "needs a userId");
    let tt = s.read_tt_usage(Some("1")).await.unwrap();
    // The other's 7, this session's token and the /keyusage call itself.
    assert_eq!(tt, Some(9));
    assert_eq!(s.daily_usage().await.unwrap().used, 9);
}
