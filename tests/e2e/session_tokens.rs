//! Token handling on a scripted TT (`ttrest::test_util`): single flight,
//! 401 → one refresh, the file cache. Refresh ahead of expiry, `Retry-After`
//! and the budget run on the paused clock in `transport::tests`.

use crate::scripted_tt;

use std::sync::atomic::Ordering;
use std::time::Duration;

use scripted_tt::{request_id, Tt, HEALTH};
use ttrest::test_util::Reply;
use ttrest::{AuthErrorKind, Error, IntoTt};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_calls_on_a_cold_session_make_one_token_request() {
    let server = Tt::new();
    server.state.token_delay_ms.store(200, Ordering::SeqCst);
    let session = server.session().build().unwrap();
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let s = session.clone();
            tokio::spawn(async move { s.ttid().get_healthcheckstatus().send().await })
        })
        .collect();
    for call in calls {
        let health = call.await.unwrap().unwrap();
        assert_eq!(health.system_status.as_deref(), Some("Operational"));
    }
    assert_eq!(server.token_requests(), 1);
    assert_eq!(server.seen(HEALTH).len(), 100);
}

#[tokio::test]
async fn authenticate_reports_when_the_token_expires() {
    let server = Tt::new();
    server
        .state
        .token_lifetime_secs
        .store(600, Ordering::SeqCst);
    let before = std::time::SystemTime::now();
    let expires = server
        .session()
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap();
    let left = expires.duration_since(before).unwrap();
    assert!(
        left > Duration::from_secs(590) && left <= Duration::from_secs(601),
        "{left:?}"
    );
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_once() {
    let server = Tt::new();
    let session = server.session().build().unwrap();
    server.script(HEALTH, [Reply::json(401, r#"{"message":"Unauthorized"}"#)]);
    session.ttid().get_healthcheckstatus().send().await.unwrap();
    assert_eq!(server.token_requests(), 2);
    assert_eq!(server.seen(HEALTH).len(), 2);

    server.script(
        HEALTH,
        [
            Reply::json(401, r#"{"message":"Unauthorized"}"#),
            Reply::json(401, r#"{"message":"Token revoked"}"#),
        ],
    );
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert_eq!(server.token_requests(), 3, "one refresh per call");
    assert_eq!(server.seen(HEALTH).len(), 4, "one retry per call");
    match &err {
        Error::Auth {
            kind: AuthErrorKind::Unauthorized,
            tt,
            call,
            ..
        } => {
            assert_eq!(tt.message.as_deref(), Some("Token revoked"));
            assert_eq!(call.service.as_deref(), Some("ttid"));
            assert_eq!(call.operation.as_deref(), Some("get_healthcheckstatus"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.request_id(),
        request_id(&server.seen(HEALTH)[3]).as_deref()
    );
}

#[tokio::test]
async fn bad_credentials_become_a_typed_auth_error_with_tt_message() {
    let server = Tt::new();
    let session = server
        .session()
        .credentials(ttrest::Credentials::new("key-7f3e", "wrong-secret").unwrap())
        .build()
        .unwrap();
    let err = session.authenticate().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::BadCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("invalid_client"), "{err}");

    // Through a generated client: the same typed error, via `into_tt` and via `?`.
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::BadCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.call().unwrap().operation.as_deref(), Some("token"));
    let err: Error = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .await
        .unwrap_err()
        .into();
    assert!(
        matches!(
            err,
            Error::Auth {
                kind: AuthErrorKind::BadCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.request_id().is_some());
    assert!(
        server.seen(HEALTH).is_empty(),
        "no call is sent without a token"
    );

    // HTTP 200 with a Fail envelope is a failure too.
    *server.state.token_reply.lock().unwrap() = Some(Reply::json(
        200,
        r#"{"status":"Fail","status_message":"Key disabled"}"#,
    ));
    let err = server
        .session()
        .build()
        .unwrap()
        .authenticate()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Key disabled"), "{err}");
}

#[tokio::test]
async fn a_token_cache_file_lets_a_second_session_skip_the_token_request() {
    let server = Tt::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens.json");
    let first = server.session().token_cache_file(&file).build().unwrap();
    first.ttid().get_healthcheckstatus().send().await.unwrap();
    let second = server.session().token_cache_file(&file).build().unwrap();
    second.ttid().get_healthcheckstatus().send().await.unwrap();
    assert_eq!(server.token_requests(), 1);
    let other_env = server
        .session()
        .environment(ttrest::Environment::Sim)
        .token_cache_file(&file)
        .build()
        .unwrap();
    let _ = other_env.authenticate().await;
    assert_eq!(
        server.token_requests(),
        2,
        "tokens are keyed by environment"
    );
}
