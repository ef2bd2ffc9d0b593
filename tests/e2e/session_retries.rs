//! Retries, Retry-After, the retry budget, and requestIds across attempts.

use crate::session_util;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use session_util::{Reply, Server, HEALTH};
use ttrest::{Error, IntoTt, RetryPolicy};

const ECHO: &str = "/ttid/ext_uat_cert/echo";

/// A POST sent through the hook path of a generated client.
async fn post_echo(session: &ttrest::Session) -> reqwest::Result<reqwest::Response> {
    let client = session.ttid();
    let request = client
        .client()
        .post(format!("{}/echo", client.baseurl()))
        .body(r#"{"order":1}"#)
        .build()
        .unwrap();
    client
        .exec(
            request,
            &OperationInfo {
                operation_id: "post_echo",
            },
        )
        .await
}

// Paused clock: the server records tokio's time, so the wait is exact.
#[tokio::test(start_paused = true)]
async fn a_429_with_retry_after_is_honoured() {
    let server = Server::start().await;
    let session = server.session().build().unwrap();
    server.script(
        HEALTH,
        [Reply::new(429, r#"{"message":"Too Many Requests"}"#).header("retry-after", "1")],
    );
    session.ttid().get_healthcheckstatus().send().await.unwrap();
    let calls = server.seen(HEALTH);
    assert_eq!(calls.len(), 2);
    assert!(
        calls[1].at - calls[0].at >= Duration::from_secs(1),
        "waited for Retry-After"
    );
}

#[tokio::test]
async fn a_503_is_retried_on_get_with_fresh_request_ids() {
    let server = Server::start().await;
    let session = server.session().build().unwrap();
    server.script(HEALTH, [Reply::new(503, "{}"), Reply::new(503, "{}")]);
    let health = session.ttid().get_healthcheckstatus().send().await.unwrap();
    let calls = server.seen(HEALTH);
    assert_eq!(calls.len(), 3);

    let pattern = regex::Regex::new(
        r"^myApp-myCo--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    )
    .unwrap();
    let ids: Vec<&str> = calls
        .iter()
        .map(|c| c.request_id.as_deref().unwrap())
        .collect();
    for id in &ids {
        assert!(pattern.is_match(id), "{id}");
    }
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        3,
        "a fresh id per attempt"
    );
    assert_eq!(
        ttrest::request_id(&health),
        Some(ids[2]),
        "the response names the last attempt"
    );
    let token_id = server.seen("/ttid/ext_uat_cert/token")[0]
        .request_id
        .clone()
        .unwrap();
    assert!(
        pattern.is_match(&token_id),
        "the token request carries a requestId too"
    );
}

#[tokio::test]
async fn a_direct_fills_call_retries_504_and_a_stream_window_hands_it_back() {
    const FILLS: &str = "/ttledger/ext_uat_cert/fills";
    let server = Server::start().await;
    let session = server.session().build().unwrap();
    // A direct call is retried on 504 like any GET, minTimestamp or not.
    server.script(FILLS, [Reply::new(504, "{}")]);
    session
        .ledger()
        .get_fills()
        .min_timestamp(1)
        .send()
        .await
        .unwrap();
    assert_eq!(server.seen(FILLS).len(), 2);

    // A window of the fills stream comes back at once, for it to halve.
    server.script(
        FILLS,
        [Reply::new(
            504,
            r#"{"message":"Endpoint request timed out"}"#,
        )],
    );
    let err = session
        .ledger()
        .get_fills()
        .min_timestamp(1)
        .send_window()
        .await
        .unwrap_err();
    let err = ttrest::Error::from(err);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(504));
    assert_eq!(
        err.tt_message().and_then(|m| m.text()),
        Some("Endpoint request timed out")
    );
    assert_eq!(server.seen(FILLS).len(), 3);
    assert_eq!(
        err.request_id(),
        server.seen(FILLS)[2].request_id.as_deref()
    );
}

#[tokio::test]
async fn a_503_on_post_is_not_retried_but_a_429_is() {
    let server = Server::start().await;
    let session = server.session().build().unwrap();
    server.script(ECHO, [Reply::new(503, "{}")]);
    let response = post_echo(&session).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(server.seen(ECHO).len(), 1);
    assert!(ttrest::request_id_from_headers(response.headers()).is_some());

    server.script(ECHO, [Reply::new(429, "{}").header("retry-after", "0")]);
    let response = post_echo(&session).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.seen(ECHO).len(), 3);
}

/// A session on `server` whose client counts the connections it opens (each
/// attempt to a refusing port is one).
fn counting_session(server: &Server) -> (ttrest::Session, Arc<AtomicUsize>) {
    let connects = Arc::new(AtomicUsize::new(0));
    let count = connects.clone();
    let client = ttrest::http_client_builder()
        .unwrap()
        .redirect(reqwest::redirect::Policy::none())
        .connector_layer(tower::util::MapRequestLayer::new(move |uri| {
            count.fetch_add(1, Ordering::SeqCst);
            uri
        }))
        .build()
        .unwrap();
    let session = server.session().http_client(client).build().unwrap();
    (session, connects)
}

/// The user's POST, through the hook path of a generated client, to `url`.
async fn post_to(session: &ttrest::Session, url: String) -> reqwest::Result<reqwest::Response> {
    let client = session.ttid();
    let request = client
        .client()
        .post(url)
        .body(r#"{"order":1}"#)
        .build()
        .unwrap();
    client
        .exec(
            request,
            &OperationInfo {
                operation_id: "post_echo",
            },
        )
        .await
}

#[tokio::test]
async fn a_post_to_an_unreachable_host_is_retried() {
    // Bind and drop a listener: its port now refuses connections, so TT
    // provably never saw the POST and it may be sent again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server::start().await;
    let (session, connects) = counting_session(&server);
    session.authenticate().await.unwrap();
    let before = connects.load(Ordering::SeqCst);
    let err = post_to(
        &session,
        format!("http://127.0.0.1:{port}/ttid/ext_uat_cert/echo"),
    )
    .await
    .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        connects.load(Ordering::SeqCst) - before,
        session_util::fast_retries().max_attempts as usize,
        "the refused POST was attempted max_attempts times"
    );
}

#[tokio::test]
async fn a_post_whose_connection_drops_after_it_was_sent_is_not_retried() {
    // A listener that reads each request and closes the connection without
    // answering: TT may have acted on the POST, so it is not sent again.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            seen.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            drop(stream);
        }
    });
    let server = Server::start().await;
    let (session, _) = counting_session(&server);
    session.authenticate().await.unwrap();
    let err = post_to(
        &session,
        format!("http://127.0.0.1:{port}/ttid/ext_uat_cert/echo"),
    )
    .await
    .unwrap_err();
    assert!(!err.is_connect(), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "sent once: {err}");
}

#[tokio::test]
async fn an_exhausted_retry_budget_fails_fast_instead_of_hammering_tt() {
    let server = Server::start().await;
    let policy = RetryPolicy {
        budget: 10,
        retry_cost: 5,
        max_attempts: 5,
        ..session_util::fast_retries()
    };
    let session = server.session().retry_policy(policy).build().unwrap();
    session.authenticate().await.unwrap();
    server.script(
        HEALTH,
        (0..20).map(|_| Reply::new(503, r#"{"status":"Fail","status_message":"maintenance"}"#)),
    );

    let first = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert_eq!(
        server.seen(HEALTH).len(),
        3,
        "two retries spend the budget of 10"
    );
    match &first {
        Error::Tt { status, tt, .. } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(tt.status_message.as_deref(), Some("maintenance"));
        }
        other => panic!("{other:?}"),
    }
    let second = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert_eq!(server.seen(HEALTH).len(), 4, "no retries left");
    assert!(second.is_transient());
    assert_eq!(
        second.request_id(),
        server.seen(HEALTH)[3].request_id.as_deref()
    );
}

#[tokio::test]
async fn persistent_429s_end_as_rate_limited_with_retry_after() {
    let server = Server::start().await;
    let policy = RetryPolicy {
        max_attempts: 2,
        max_throttled_attempts: 2,
        ..session_util::fast_retries()
    };
    let session = server.session().retry_policy(policy).build().unwrap();
    session.authenticate().await.unwrap();
    server.script(
        HEALTH,
        (0..2).map(|_| {
            Reply::new(429, r#"{"message":"Too Many Requests"}"#).header("retry-after", "0")
        }),
    );
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert_eq!(server.seen(HEALTH).len(), 2);
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d.is_zero()),
        "{err:?}"
    );
    assert!(err.to_string().contains("Too Many Requests"), "{err}");

    // A Retry-After beyond the policy's maximum is not waited for.
    server.script(
        HEALTH,
        [Reply::new(429, "{}").header("retry-after", "3600")],
    );
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(server.seen(HEALTH).len(), 3);
}

#[tokio::test]
async fn a_malformed_answer_is_a_decode_error_with_json_path() {
    let server = Server::start().await;
    let session = server.session().build().unwrap();
    server.script(
        HEALTH,
        [Reply::new(
            200,
            r#"{"status":"Ok","groups":[{"name":"a","services":7}]}"#,
        )],
    );
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            path,
            excerpt,
            call,
            ..
        } => {
            assert_eq!(path, "groups[0].services");
            assert!(excerpt.contains("services"));
            assert_eq!(call.operation.as_deref(), Some("get_healthcheckstatus"));
            assert_eq!(
                call.request_id.as_deref(),
                server.seen(HEALTH)[0].request_id.as_deref()
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("groups[0].services"), "{err}");
}
