//! The seam between the transport and the network: one request in, one
//! response out, no redirects followed.
//!
//! Sessions use their reqwest client, or a [`crate::recording::Replay`];
//! [`crate::recording::Recorder`] wraps either. Tests plug in a scripted
//! exchange (`transport::scripted`) and run the whole pipeline on tokio's
//! paused clock. With the `test-util` feature the seam is public as
//! `ttrest::test_util::Exchange`.

use futures::future::BoxFuture;
use reqwest::{Request, Response};

/// Sends one request and returns TT's answer as is: the session's network
/// seam. Everything above it (requestId, credentials, rate limit, redirects,
/// retries, error decoding) runs unchanged whatever the exchange is.
pub trait Exchange: Send + Sync + 'static {
    /// Sends `request` (one hop: redirects come back as responses).
    fn execute(&self, request: Request) -> BoxFuture<'static, reqwest::Result<Response>>;
}

impl Exchange for reqwest::Client {
    fn execute(&self, request: Request) -> BoxFuture<'static, reqwest::Result<Response>> {
        Box::pin(reqwest::Client::execute(self, request))
    }
}
