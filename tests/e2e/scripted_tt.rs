//! A scripted TT on the session's exchange seam (`ttrest::test_util`): no
//! server, no socket. Used by the session tests that only need scripted answers.
//!
//! - `POST .../token` issues `tok-<n>-<uuid>` tokens valid for the lifetime set,
//!   when the form carries `KEY:SECRET` and `x-api-key` is `KEY`.
//! - Any other path first answers from its queue of replies, then checks the
//!   bearer token (401 if unknown or expired) and answers 200.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use ttrest::test_util::{Reply, Scripted, Seen};

pub const SECRET: &str = "S3CRET-do-not-print-0a1b2c";
pub const KEY: &str = "key-7f3e";
pub const HEALTH: &str = "/ttid/ext_uat_cert/healthcheckstatus";
pub const HEALTH_JSON: &str = r#"{"status":"Ok","lastPage":"true","environment":"ext_uat_cert","systemStatus":"Operational","groups":[]}"#;

/// What the script keeps between requests.
#[derive(Default)]
pub struct State {
    pub token_requests: AtomicUsize,
    pub token_lifetime_secs: AtomicU64,
    pub token_delay_ms: AtomicU64,
    pub token_reply: Mutex<Option<Reply>>,
    issued: Mutex<Vec<(String, Instant)>>,
    queues: Mutex<HashMap<String, VecDeque<Reply>>>,
}

/// The scripted TT and what it has seen.
pub struct Tt {
    pub exchange: Arc<Scripted>,
    pub state: Arc<State>,
}

impl Tt {
    pub fn new() -> Tt {
        let state = Arc::new(State::default());
        state.token_lifetime_secs.store(43200, Ordering::SeqCst);
        let s = state.clone();
        let exchange = Scripted::new(move |seen| answer(&s, seen));
        Tt { exchange, state }
    }

    /// Queues replies for `path` (answered before the default behaviour).
    pub fn script(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut queues = self.state.queues.lock().unwrap();
        queues.entry(path.to_string()).or_default().extend(replies);
    }

    /// The requests to `path` so far.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let all = self.exchange.seen();
        all.into_iter().filter(|s| s.url.path() == path).collect()
    }

    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// A session on this script with a fast retry policy and no rate limit.
    pub fn session(&self) -> ttrest::SessionBuilder {
        ttrest::Session::builder()
            .app_name("myApp")
            .company("myCo")
            .root_url("https://tt.invalid")
            .credentials(ttrest::Credentials::new(KEY, format!("{KEY}:{SECRET}")).unwrap())
            .plan(ttrest::Plan::Unlimited)
            .retry_policy(fast_retries())
            .exchange(self.exchange.clone())
    }
}

pub fn fast_retries() -> ttrest::RetryPolicy {
    ttrest::RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..ttrest::RetryPolicy::default()
    }
}

/// The requestId a request carried.
pub fn request_id(seen: &Seen) -> Option<String> {
    seen.url
        .query_pairs()
        .find(|(k, _)| k == "requestId")
        .map(|(_, v)| v.into_owned())
}

fn header(seen: &Seen, name: &str) -> Option<String> {
    let value = seen.headers.get(name)?;
    value.to_str().ok().map(str::to_string)
}

fn answer(state: &State, seen: &Seen) -> Reply {
    let path = seen.url.path();
    let queued = state
        .queues
        .lock()
        .unwrap()
        .get_mut(path)
        .and_then(VecDeque::pop_front);
    if let Some(reply) = queued {
        return reply;
    }
    if seen.method == reqwest::Method::POST && path.ends_with("/token") {
        return token(state, seen);
    }
    let bearer = header(seen, "authorization");
    let bearer = bearer.as_deref().and_then(|a| a.strip_prefix("Bearer "));
    let valid = bearer.is_some_and(|b| {
        let issued = state.issued.lock().unwrap();
        issued
            .iter()
            .any(|(t, expiry)| t == b && Instant::now() < *expiry)
    });
    if !valid {
        return Reply::json(401, r#"{"message":"Unauthorized"}"#);
    }
    match path == HEALTH {
        true => Reply::json(200, HEALTH_JSON),
        false => Reply::json(200, r#"{"status":"Ok"}"#),
    }
}

fn token(state: &State, seen: &Seen) -> Reply {
    let n = state.token_requests.fetch_add(1, Ordering::SeqCst) + 1;
    let delay = Duration::from_millis(state.token_delay_ms.load(Ordering::SeqCst));
    if let Some(reply) = state.token_reply.lock().unwrap().clone() {
        return reply.after(delay);
    }
    let expected = format!("grant_type=user_app&app_key={KEY}%3A{SECRET}");
    let body = seen.body.as_deref().map(String::from_utf8_lossy);
    if body.as_deref() != Some(expected.as_str())
        || header(seen, "x-api-key").as_deref() != Some(KEY)
    {
        return Reply::json(
            400,
            r#"{"status":"StatusFail","status_message":"invalid_client","status_desc":"Bad app key or secret","statusCode":400}"#,
        );
    }
    let lifetime = state.token_lifetime_secs.load(Ordering::SeqCst);
    let token = format!("tok-{n}-{}", uuid::Uuid::new_v4());
    // The token is valid from when it is issued, after the delay.
    let expiry = Instant::now() + delay + Duration::from_secs(lifetime);
    state.issued.lock().unwrap().push((token.clone(), expiry));
    Reply::token(&token, lifetime).after(delay)
}
