//! Test doubles for the session's network seam (feature `test-util`), as
//! aws-smithy's `StaticReplayClient`: run your own code against scripted
//! answers or a recording of real traffic, with no network.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use ttrest::test_util::{Reply, Scripted};
//! use ttrest::{Credentials, Session};
//!
//! let script = Scripted::new(|request| match request.is_token() {
//!     true => Reply::token("tok", 3600),
//!     false => Reply::json(200, r#"{"status":"Ok","systemStatus":"Operational"}"#),
//! });
//! let session = Session::builder()
//!     .credentials(Credentials::new("key", "secret").unwrap())
//!     .exchange(script.clone())
//!     .build()
//!     .unwrap();
//! let health = session.ttid().get_healthcheckstatus().send().await.unwrap();
//! assert_eq!(script.seen().len(), 2); // the token, then the call
//! # let _ = health; }
//! ```
//!
//! [`Replay`] answers from a directory written by
//! [`SessionBuilder::record`](crate::SessionBuilder::record) (or the CLI's
//! `--record DIR`): record a real problem once, replay it in a test.

pub use crate::recording::{Recorder, Replay};
pub use crate::transport::exchange::Exchange;
pub use crate::transport::scripted::{Reply, Scripted, Seen};
