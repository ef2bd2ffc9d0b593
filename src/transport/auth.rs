//! How the transport authenticates an attempt, without knowing about tokens.
//!
//! The session's token cache implements [`Authenticate`]; its own token
//! request goes through the same transport with [`Anonymous`], so fetching a
//! token is an ordinary call (rate-limited, redirected, retried), and the two
//! futures are different types: no recursion, nothing to box.

use std::future::Future;

use reqwest::header::HeaderValue;

use super::Transport;
use crate::error::Error;

/// The `Authorization` value for one attempt and which credential it is.
#[derive(Clone, Debug)]
pub(crate) struct Authorization {
    /// The header value, marked sensitive.
    pub(crate) header: HeaderValue,
    /// Which credential this is, so a 401 invalidates exactly it.
    pub(crate) generation: u64,
}

/// Supplies credentials to the transport.
pub(crate) trait Authenticate: Send + Sync {
    /// The credential for the next attempt (`None`: send without one).
    fn authorize(
        &self,
        transport: &Transport,
    ) -> impl Future<Output = Result<Option<Authorization>, Error>> + Send;

    /// TT answered 401 to `generation`: forget it, so the next
    /// [`Authenticate::authorize`] fetches a new one.
    fn refused(&self, generation: u64);

    /// Whether the session's interceptors see these calls (not the token
    /// request, whose body holds the app secret).
    fn intercepted(&self) -> bool {
        true
    }
}

/// No credentials: the token request itself.
pub(crate) struct Anonymous;

impl Authenticate for Anonymous {
    async fn authorize(&self, _: &Transport) -> Result<Option<Authorization>, Error> {
        Ok(None)
    }

    fn refused(&self, _: u64) {}

    fn intercepted(&self) -> bool {
        false
    }
}
