//! Typed [`httpmock`] helpers for unit tests of code that uses ttrest
//! (feature `mock`).
//!
//! For each enabled service, `ttrest::mock::<service>` holds what progenitor
//! generates from the same spec as the client: a `MockServerExt` trait that
//! adds one method per operation to [`httpmock::MockServer`], named like the
//! client's method (`get_fills`, `get_markets`...). Its closure gets a typed
//! `when` (the operation's method and path are already matched; one method per
//! parameter narrows it further) and a typed `then` (one method per documented
//! response, taking the service's own types). `into_inner()` on either gives
//! the raw httpmock builder, to deviate from the spec on purpose.
//!
//! A [`Session`](crate::Session) first fetches a token from
//! `POST <root>/ttid/<env>/token`, so mock that too (with `ttid`'s
//! `post_token`, or a raw `server.mock(...)`), then point the session at the
//! server with [`SessionBuilder::root_url`](crate::SessionBuilder::root_url):
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use httpmock::MockServer;
//! use ttrest::mock::{ttid::MockServerExt as _, ttledger::MockServerExt as _};
//! use ttrest::{ttid::types::TokenResponse, ttledger::types::GetFillsResponse};
//!
//! let server = MockServer::start_async().await;
//! let token: TokenResponse = TokenResponse::builder()
//!     .access_token(ttrest::scalar::Secret::from("t"))
//!     .seconds_until_expiry(3600)
//!     .extra(serde_json::Map::new())
//!     .try_into()?;
//! server.post_token(|_, then| {
//!     then.ok(&token);
//! });
//! let page: GetFillsResponse = GetFillsResponse::builder()
//!     .fills(vec![])
//!     .extra(serde_json::Map::new())
//!     .try_into()?;
//! let fills = server.get_fills(|when, then| {
//!     when.account_id(42);
//!     then.ok(&page);
//! });
//!
//! let session = ttrest::Session::builder()
//!     .app_name("test")
//!     .company("test")
//!     .root_url(server.base_url())
//!     .credentials(ttrest::Credentials::new("key", "secret")?)
//!     .build()?;
//! let got = session.ledger().get_fills().account_id(42).send().await?;
//! fills.assert_async().await;
//! assert_eq!(got.into_inner(), page);
//! # Ok(()) }
//! ```
//!
//! Each mock matches the path a `Session` requests,
//! `/<service>/<environment>/<path>`, for any environment. Enable the feature
//! for tests only: `[dev-dependencies] ttrest = { version = "...", features = ["mock"] }`.
//!
//! Limits (of progenitor's generator): a `when.body(...)` matcher compares
//! JSON, so it never matches form-encoded bodies such as `ttid`'s token
//! request; match those with `into_inner()` and httpmock's own `form_urlencoded_tuple`.

// One module per enabled service (`ttrest::mock::ttledger`...), generated into
// the service table by build.rs.
pub use crate::mock_services::*;
