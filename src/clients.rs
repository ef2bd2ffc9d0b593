//! The generated clients of a [`Session`], one accessor per service.
//!
//! Kept apart from `session` so the import graph stays one way:
//! `clients` → `hooks` → `session` → `transport`.

use crate::hooks::Inner;
use crate::session::Session;

macro_rules! accessor {
    ($feature:literal, $fn:ident, $module:ident) => {
        #[cfg(feature = $feature)]
        #[doc = concat!("A `", $feature, "` client sharing this session's token, rate limiter and connections.")]
        pub fn $fn(&self) -> crate::$module::Client {
            crate::$module::Client::new_with_client(
                &self.base_url($feature),
                self.shared().http().clone(),
                Inner::new(self.shared().clone(), $feature),
            )
        }
    };
}

impl Session {
    accessor!("ttid", ttid, ttid);
    accessor!("ttpds", pds, ttpds);
    accessor!("ttledger", ledger, ttledger);
    accessor!("ttmonitor", monitor, ttmonitor);
    accessor!("ttaccount", account, ttaccount);
    accessor!("ttuser", user, ttuser);
    accessor!("ttgroup", group, ttgroup);
    accessor!("ttsetup", setup, ttsetup);
    accessor!("ttbacktest", backtest, ttbacktest);
}
