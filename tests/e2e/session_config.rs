//! Building sessions: validation, profiles, environment variables, URLs, pacing.

use crate::session_util;

use std::time::Duration;

use session_util::{Server, HEALTH, KEY, SECRET};
use ttrest::{Credentials, Environment, Error, Plan, Session};

fn creds() -> Credentials {
    Credentials::new(KEY, SECRET).unwrap()
}

#[test]
fn invalid_app_or_company_names_are_rejected_at_build_time() {
    for (app, company, needle) in [
        ("my app", "co", "whitespace"),
        ("app", "a/b", "`/`"),
        ("app", "x@y", "`@`"),
        ("", "co", "empty"),
    ] {
        let err = Session::builder()
            .app_name(app)
            .company(company)
            .credentials(creds())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn base_urls_follow_tt_layout() {
    let session = Session::builder().credentials(creds()).build().unwrap();
    assert_eq!(session.environment(), Environment::Uat);
    assert_eq!(
        session.base_url("ttid"),
        "https://ttrestapi.trade.tt/ttid/ext_uat_cert"
    );
    let live = Session::builder()
        .credentials(creds())
        .environment(Environment::Live)
        .build()
        .unwrap();
    assert_eq!(
        live.ttid().baseurl(),
        "https://ttrestapi.trade.tt/ttid/ext_prod_live"
    );
    let bad = Session::builder()
        .credentials(creds())
        .root_url("nope")
        .build()
        .unwrap_err();
    assert!(bad.to_string().contains("nope"), "{bad}");
    let bad = Session::builder()
        .credentials(creds())
        .plan(Plan::PerSecond(0.0))
        .build()
        .unwrap_err();
    assert!(bad.to_string().contains("PerSecond"), "{bad}");
}

use progenitor_client::ClientInfo;

#[test]
fn profiles_supply_credentials_environment_and_plan_and_code_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[profiles.sim]\napp_secret = \"{KEY}:{SECRET}\"\nenv = \"sim\"\nplan = \"medium\"\napp_name = \"prof\"\ncompany = \"acme\"\n"
        ),
    )
    .unwrap();
    let session = Session::builder()
        .profile_from(&path, "sim")
        .build()
        .unwrap();
    assert_eq!(session.environment(), Environment::Sim);
    assert_eq!(session.plan(), Plan::Medium);
    assert_eq!(session.app_key(), KEY);
    let overridden = Session::builder()
        .profile_from(&path, "sim")
        .environment(Environment::Uat)
        .build()
        .unwrap();
    assert_eq!(overridden.environment(), Environment::Uat);
    let missing = Session::builder()
        .profile_from(&path, "live")
        .build()
        .unwrap_err();
    assert!(
        missing.to_string().contains("no profile `live`"),
        "{missing}"
    );
}

#[tokio::test]
async fn the_rate_limit_spaces_all_calls_of_a_session_across_services() {
    let server = Server::start().await;
    let session = server
        .session()
        .plan(Plan::PerSecond(20.0))
        .build()
        .unwrap();
    let spacing = Plan::PerSecond(20.0).spacing().unwrap();
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let ttid = session.ttid();
            tokio::spawn(async move { ttid.get_healthcheckstatus().send().await.unwrap() })
        })
        .collect();
    for c in calls {
        c.await.unwrap();
    }
    let mut times: Vec<_> = server.seen(HEALTH).iter().map(|s| s.at).collect();
    times.extend(server.seen("/ttid/ext_uat_cert/token").iter().map(|s| s.at));
    times.sort();
    assert_eq!(times.len(), 7, "six calls and the token request");
    // Each slot is at least `spacing` after the previous one; allow a little
    // transit jitter at the server (this is a lower bound, not a speed test).
    let span = *times.last().unwrap() - times[0];
    assert!(span >= spacing * 6 - Duration::from_millis(20), "{span:?}");
}
