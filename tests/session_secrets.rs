//! The app secret and tokens never appear in Debug, Display, errors or logs.
//!
//! Its own test binary: it installs a tracing subscriber, and tracing caches
//! which callsites are enabled process-wide, so other tests hitting the same
//! spans on other threads at the same moment can hide them from it.

// The e2e binary's scripted server; this test uses part of it.
#[allow(dead_code)]
#[path = "e2e/session_util.rs"]
mod session_util;

use std::io::Write;
use std::sync::{Arc, Mutex};

use session_util::{Reply, Server, HEALTH, KEY, SECRET};
use ttrest::IntoTt;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str, tokens: &[String]) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    for t in tokens {
        assert!(!text.contains(t.as_str()), "token leaked: {text}");
    }
}

#[tokio::test]
async fn no_public_type_error_or_log_line_shows_the_secret_or_a_token() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start().await;
    let builder = server.session();
    let mut shown = vec![format!("{builder:?}")];
    let session = builder.build().unwrap();
    let ttid = session.ttid();
    let health = ttid.get_healthcheckstatus().send().await.unwrap();
    shown.push(format!(
        "{session:?} {ttid:?} {health:?} {:?}",
        health.headers()
    ));
    let creds = ttrest::Credentials::new(KEY, format!("{KEY}:{SECRET}")).unwrap();
    shown.push(format!("{creds:?} {creds}"));

    // A spread of errors: TT error, 401, decode, rate limit, bad credentials.
    server.script(
        HEALTH,
        [
            Reply::new(500, r#"{"status":"Fail","status_message":"boom"}"#),
            Reply::new(500, "{}"),
            Reply::new(500, "{}"),
            Reply::new(401, "{}"),
            Reply::new(401, "{}"),
            Reply::new(200, r#"{"groups":3}"#),
            Reply::new(429, "{}").header("retry-after", "999"),
        ],
    );
    let mut errors = Vec::new();
    for _ in 0..4 {
        errors.push(
            ttid.get_healthcheckstatus()
                .send()
                .into_tt()
                .await
                .unwrap_err(),
        );
    }
    let bad = server
        .session()
        .credentials(ttrest::Credentials::new(KEY, "nope").unwrap())
        .build()
        .unwrap();
    errors.push(
        bad.ttid()
            .get_healthcheckstatus()
            .send()
            .into_tt()
            .await
            .unwrap_err(),
    );
    let raw = bad.ttid().get_healthcheckstatus().send().await.unwrap_err();
    shown.push(format!("{raw:?} {raw}"));
    errors.push(raw.into());
    assert_eq!(errors.len(), 6);
    for e in &errors {
        shown.push(format!("{e:?} {e} {e:#}"));
        assert!(e.request_id().is_some(), "{e:?}");
    }

    let tokens = server.issued_tokens();
    assert!(tokens.len() >= 2, "tokens were issued and used");
    for text in &shown {
        assert_clean(text, &tokens);
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("ttrest.call") && logs.contains("ttrest.attempt"),
        "spans were captured: {logs}"
    );
    assert!(logs.contains("get_healthcheckstatus"));
    assert_clean(&logs, &tokens);
}
