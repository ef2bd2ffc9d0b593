//! What the generated clients of a [`Session`] are built from.
//!
//! The accessors themselves (`session.ttid()`, `session.ledger()`...) are
//! generated into the service table (see [`crate::service`]); they call the two
//! functions here. Kept apart from `session` so the import graph stays one way:
//! `clients` → `hooks` → `session` → `transport`.

use crate::hooks::Inner;
use crate::session::Session;

impl Session {
    /// The connection pool every client of this session shares.
    pub(crate) fn http_client(&self) -> &reqwest::Client {
        self.shared().http()
    }

    /// The hook state for a generated client of `service`.
    pub(crate) fn hook_state(&self, service: &'static str) -> Inner {
        Inner::new(self.shared().clone(), service)
    }
}
