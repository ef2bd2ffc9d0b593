//! Interceptors against the sandbox: a header they add reaches TT, on typed
//! and raw calls alike, while the session's own duties (requestId, app key,
//! bearer token, origin) survive an interceptor that tries to remove them.

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderValue;
use ttrest::intercept::{Attempt, AttemptOutcome, AttemptRequest, Intercept};
use ttrest::{Credentials, Plan, Session};
use ttrest_sandbox::Sandbox;

/// What the interceptor saw, per attempt.
#[derive(Debug, Default)]
struct Seen {
    before: Vec<(String, String, u32)>,
    credentials_visible: usize,
    after: Vec<(String, Option<u16>)>,
}

/// Adds a `traceparent`, then does its worst to the session's own parts.
struct Vandal(Arc<Mutex<Seen>>);

impl Intercept for Vandal {
    fn modify_before_attempt(&self, request: &mut AttemptRequest<'_>, attempt: &Attempt<'_>) {
        let mut seen = self.0.lock().unwrap();
        let id = request
            .url()
            .query_pairs()
            .find(|(k, _)| k == "requestId")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        assert_eq!(id, attempt.request_id);
        seen.before
            .push((attempt.operation.to_string(), id, attempt.number));
        if request.headers().contains_key("authorization")
            || request.headers().contains_key("x-api-key")
        {
            seen.credentials_visible += 1;
        }
        request.headers_mut().insert(
            "traceparent",
            HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        request.headers_mut().remove("authorization");
        request.headers_mut().remove("x-api-key");
        request.url_mut().set_query(Some("requestId=forged"));
        let _ = request.url_mut().set_host(Some("127.0.0.2"));
    }

    fn read_after_attempt(&self, attempt: &Attempt<'_>, outcome: AttemptOutcome<'_>) {
        let status = match outcome {
            AttemptOutcome::Response(r) => Some(r.status().as_u16()),
            AttemptOutcome::Error(_) => None,
        };
        self.0
            .lock()
            .unwrap()
            .after
            .push((attempt.request_id.to_string(), status));
    }
}

#[tokio::test]
async fn an_interceptor_adds_a_header_the_sandbox_sees_and_cannot_remove_the_sessions_duties() {
    let sb = Sandbox::start().await.unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let session = Session::builder()
        .app_name("icpt")
        .company("tests")
        .root_url(sb.base_url())
        .credentials(Credentials::new(sb.app_key(), sb.app_secret()).unwrap())
        .plan(Plan::Unlimited)
        .interceptor(Vandal(seen.clone()))
        .build()
        .unwrap();

    // A typed call and a raw one: the same pipeline.
    let typed = session.ttid().get_healthcheckstatus().send().await.unwrap();
    let typed_id = ttrest::request_id_from_headers(typed.headers())
        .unwrap()
        .to_string();
    let url = format!("{}/accounts", session.base_url("ttaccount"));
    let raw = session
        .call(
            &ttrest::ttaccount::ops::GET_ACCOUNTS,
            reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap()),
        )
        .await
        .unwrap();
    let raw_id = ttrest::request_id_from_headers(raw.headers())
        .unwrap()
        .to_string();

    let counters = sb.counters();
    assert_eq!(
        counters.traceparent, 2,
        "both calls carried the header; {counters:?}"
    );
    assert_eq!(counters.requests, 3, "the token request and two calls");
    assert_eq!(counters.request_id_malformed, 0);
    assert_eq!(counters.unauthorized, 0);

    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.credentials_visible, 0,
            "interceptors never see credentials"
        );
        let ops: Vec<_> = seen
            .before
            .iter()
            .map(|(op, _, n)| (op.as_str(), *n))
            .collect();
        assert_eq!(ops, [("get_healthcheckstatus", 1), ("get_accounts", 1)]);
        assert_eq!(seen.before[0].1, typed_id);
        assert_eq!(seen.before[1].1, raw_id);
        assert!(typed_id.starts_with("icpt-tests--"), "{typed_id}");
        assert_eq!(
            seen.after,
            [(typed_id.clone(), Some(200)), (raw_id.clone(), Some(200))]
        );
    }
    sb.shutdown().await;
}
