//! TT's error bodies through the session: the API gateway's 429
//! `{"message": "..."}` and a body that is not JSON (a load balancer's HTML
//! 502 page), by plain `?` as well as `.into_tt()`.

use crate::scripted_tt;

use scripted_tt::{Tt, HEALTH};
use ttrest::test_util::Reply;
use ttrest::{Error, IntoTt, RetryPolicy};

const BAD_GATEWAY: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

fn no_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 1,
        ..scripted_tt::fast_retries()
    }
}

/// The health check's error, converted by `From` (plain `?`).
async fn plain_error(session: &ttrest::Session) -> Error {
    Error::from(
        session
            .ttid()
            .get_healthcheckstatus()
            .send()
            .await
            .unwrap_err(),
    )
}

#[tokio::test]
async fn a_429_message_is_carried_by_rate_limited() {
    let server = Tt::new();
    let session = server.session().retry_policy(no_retries()).build().unwrap();
    session.authenticate().await.unwrap();
    let reply = || [Reply::json(429, r#"{"message": "Too Many Requests"}"#)];
    server.script(HEALTH, reply());
    let by_into_tt = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    server.script(HEALTH, reply());
    for err in [by_into_tt, plain_error(&session).await] {
        match &err {
            Error::RateLimited { tt, .. } => {
                assert_eq!(tt.message.as_deref(), Some("Too Many Requests"));
                assert_eq!(tt.text(), Some("Too Many Requests"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("Too Many Requests"), "{err}");
    }
}

#[tokio::test]
async fn an_html_502_is_a_tt_error_with_a_short_excerpt() {
    let server = Tt::new();
    let session = server.session().retry_policy(no_retries()).build().unwrap();
    session.authenticate().await.unwrap();
    server.script(HEALTH, [Reply::json(502, BAD_GATEWAY)]);
    let err = session
        .ttid()
        .get_healthcheckstatus()
        .send()
        .into_tt()
        .await
        .unwrap_err();
    server.script(HEALTH, [Reply::json(502, BAD_GATEWAY)]);
    for err in [err, plain_error(&session).await] {
        match &err {
            Error::Tt { status, tt, .. } => {
                assert_eq!(status.as_u16(), 502);
                assert_eq!(
                    tt.message.as_deref(),
                    Some(r#"answer is not JSON: "502 Bad Gateway 502 Bad Gateway""#)
                );
            }
            other => panic!("{other:?}"),
        }
        let shown = err.to_string();
        assert!(
            shown.contains(r#"answer is not JSON: "502 Bad Gateway 502 Bad Gateway""#),
            "{shown}"
        );
        assert!(!shown.contains("<html>"), "{shown}");
    }
}
