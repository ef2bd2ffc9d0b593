//! A scripted in-memory exchange for tests: TT's answers come from a
//! function of the request, optionally after a delay on tokio's clock, so
//! whole call pipelines run under `tokio::time::pause` in milliseconds
//! (public as `ttrest::test_util::Scripted` with the `test-util` feature).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response, ResponseBuilderExt, Url};
use tokio::time::Instant;

use super::exchange::Exchange;

/// One answer of the script.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

impl Reply {
    /// `status` with a JSON `body`.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    /// A successful token answer for a token of `seconds`.
    pub fn token(secret: &str, seconds: u64) -> Self {
        Reply::json(
            200,
            format!(
                r#"{{"status":"Ok","access_token":"{secret}","token_type":"bearer","seconds_until_expiry":{seconds}}}"#
            ),
        )
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Answers after `delay` (on tokio's clock).
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A request as the script saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The method.
    pub method: Method,
    /// The URL, requestId included.
    pub url: Url,
    /// The headers (credentials included: a script may check them).
    pub headers: HeaderMap,
    /// The body, if it is in memory (every body ttrest itself builds is).
    pub body: Option<Vec<u8>>,
    /// When it arrived, on tokio's clock.
    pub at: Instant,
}

impl Seen {
    /// Whether this is the token request.
    pub fn is_token(&self) -> bool {
        self.url.path().ends_with("/token")
    }
}

type Script = dyn Fn(&Seen) -> Reply + Send + Sync;

/// Answers every request with `script(request)` and records it.
pub struct Scripted {
    script: Box<Script>,
    seen: Mutex<Vec<Seen>>,
}

impl Scripted {
    /// An exchange answering every request with `script(request)`.
    pub fn new(script: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Scripted {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
        })
    }

    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many token requests were made.
    pub fn token_requests(&self) -> usize {
        self.seen().iter().filter(|s| s.is_token()).count()
    }
}

impl Exchange for Scripted {
    fn execute(&self, request: Request) -> BoxFuture<'static, reqwest::Result<Response>> {
        let seen = Seen {
            method: request.method().clone(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .map(<[u8]>::to_vec),
            at: Instant::now(),
        };
        let reply = (self.script)(&seen);
        self.seen.lock().unwrap().push(seen.clone());
        Box::pin(async move {
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            let mut builder = http::Response::builder().status(reply.status).url(seen.url);
            for (name, value) in &reply.headers {
                builder = builder.header(*name, value);
            }
            let response = builder
                .body(reply.body)
                .expect("a scripted reply is a valid response");
            Ok(Response::from(response))
        })
    }
}
