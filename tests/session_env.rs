//! Credentials from `TT_APP_KEY` / `TT_APP_SECRET`.
//!
//! Its own test binary: it changes the process environment, which would race
//! with every other test (and the CLI runs they spawn) in a shared binary.

use ttrest::{Error, Session};

const KEY: &str = "app-key-0001";
const SECRET: &str = "app-secret-0001";

#[test]
fn credentials_from_env_explain_what_is_missing() {
    std::env::remove_var("TT_APP_SECRET");
    std::env::remove_var("TT_APP_KEY");
    let err = Session::builder().build().unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("TT_APP_SECRET is not set; export it"),
        "{err}"
    );
    std::env::set_var("TT_APP_SECRET", format!("{KEY}:{SECRET}"));
    let session = Session::builder().credentials_from_env().build().unwrap();
    assert_eq!(session.app_key(), KEY);
    std::env::remove_var("TT_APP_SECRET");
}
