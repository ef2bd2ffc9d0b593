//! A scripted in-process TT look-alike for the session tests (127.0.0.1 only).
//!
//! - `POST .../token` issues `tok-<n>-<uuid>` tokens valid for `token_lifetime`.
//! - Any other path first answers from its script (a queue of replies), then
//!   checks the bearer token (401 if unknown or expired) and answers 200.
//! - Every request is logged with its requestId and credential headers.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

pub const SECRET: &str = "S3CRET-do-not-print-0a1b2c";
pub const KEY: &str = "key-7f3e";
pub const HEALTH: &str = "/ttid/ext_uat_cert/healthcheckstatus";
pub const HEALTH_JSON: &str = r#"{"status":"Ok","lastPage":"true","environment":"ext_uat_cert","systemStatus":"Operational","groups":[]}"#;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub request_id: Option<String>,
    pub authorization: Option<String>,
    pub api_key: Option<String>,
    pub body: String,
    pub at: Instant,
}

/// One scripted answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

#[derive(Default)]
pub struct ServerState {
    pub log: Mutex<Vec<Seen>>,
    pub token_requests: AtomicUsize,
    pub token_lifetime_secs: AtomicU64,
    pub token_delay_ms: AtomicU64,
    pub token_reply: Mutex<Option<Reply>>,
    pub issued: Mutex<Vec<(String, Instant)>>,
    pub scripts: Mutex<HashMap<String, VecDeque<Reply>>>,
}

pub struct Server {
    pub url: String,
    pub state: Arc<ServerState>,
}

impl Server {
    pub async fn start() -> Server {
        let state = Arc::new(ServerState::default());
        state.token_lifetime_secs.store(43200, Ordering::SeqCst);
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, state }
    }

    /// Queues replies for `path` (answered before the default behaviour).
    pub fn script(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.state
            .scripts
            .lock()
            .unwrap()
            .entry(path.to_string())
            .or_default()
            .extend(replies);
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let log = self.state.log.lock().unwrap();
        log.iter().filter(|s| s.path == path).cloned().collect()
    }

    /// How many tokens were asked for (no test of this binary counts them today).
    #[allow(dead_code)]
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Every token issued so far (used by `tests/session_secrets.rs`).
    #[allow(dead_code)]
    pub fn issued_tokens(&self) -> Vec<String> {
        let issued = self.state.issued.lock().unwrap();
        issued.iter().map(|(t, _)| t.clone()).collect()
    }

    /// A session on this server with a fast retry policy and no rate limit.
    pub fn session(&self) -> ttrest::SessionBuilder {
        ttrest::Session::builder()
            .app_name("myApp")
            .company("myCo")
            .root_url(&self.url)
            .credentials(ttrest::Credentials::new(KEY, format!("{KEY}:{SECRET}")).unwrap())
            .plan(ttrest::Plan::Unlimited)
            .retry_policy(fast_retries())
    }
}

pub fn fast_retries() -> ttrest::RetryPolicy {
    ttrest::RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..ttrest::RetryPolicy::default()
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let request_id = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("requestId=").map(str::to_string))
    });
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_string(),
        request_id,
        authorization: header("authorization"),
        api_key: header("x-api-key"),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    state.log.lock().unwrap().push(seen.clone());

    let scripted = state
        .scripts
        .lock()
        .unwrap()
        .get_mut(uri.path())
        .and_then(VecDeque::pop_front);
    if let Some(reply) = scripted {
        return respond(reply);
    }
    if method == Method::POST && uri.path().ends_with("/token") {
        return token(&state, &seen).await;
    }
    let bearer = seen
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "));
    let valid = bearer.is_some_and(|b| {
        let issued = state.issued.lock().unwrap();
        issued
            .iter()
            .any(|(t, expiry)| t == b && Instant::now() < *expiry)
    });
    if !valid {
        return respond(Reply::new(401, r#"{"message":"Unauthorized"}"#));
    }
    if uri.path() == HEALTH {
        return respond(Reply::new(200, HEALTH_JSON));
    }
    respond(Reply::new(200, r#"{"status":"Ok"}"#))
}

async fn token(state: &ServerState, seen: &Seen) -> Response {
    let n = state.token_requests.fetch_add(1, Ordering::SeqCst) + 1;
    let delay = state.token_delay_ms.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    if let Some(reply) = state.token_reply.lock().unwrap().clone() {
        return respond(reply);
    }
    let expected = format!("grant_type=user_app&app_key={KEY}%3A{SECRET}");
    if seen.body != expected || seen.api_key.as_deref() != Some(KEY) {
        return respond(Reply::new(
            400,
            r#"{"status":"StatusFail","status_message":"invalid_client","status_desc":"Bad app key or secret","statusCode":400}"#,
        ));
    }
    let lifetime = state.token_lifetime_secs.load(Ordering::SeqCst);
    let token = format!("tok-{n}-{}", uuid::Uuid::new_v4());
    state.issued.lock().unwrap().push((
        token.clone(),
        Instant::now() + Duration::from_secs(lifetime),
    ));
    respond(Reply::new(
        200,
        &format!(
            r#"{{"status":"Ok","access_token":"{token}","token_type":"bearer","seconds_until_expiry":{lifetime}}}"#
        ),
    ))
}

fn respond(reply: Reply) -> Response {
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body,
    )
        .into_response();
    for (name, value) in reply.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}
