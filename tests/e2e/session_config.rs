//! Building sessions: validation, profiles, environment variables, URLs, pacing.

use crate::session_util;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use session_util::{Server, KEY, SECRET};
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

/// A GET of `<service base>/echo` through the hook path of a generated client.
macro_rules! get_echo {
    ($client:expr) => {{
        let client = $client;
        let request = client
            .client()
            .get(format!("{}/echo", client.baseurl()))
            .build()
            .unwrap();
        let response = client
            .exec(
                request,
                &OperationInfo {
                    operation_id: "get_echo",
                },
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }};
}

// On tokio's paused clock (the server runs in this runtime too): the
// limiter's waits advance it exactly, so the spacing is exact.
#[tokio::test(start_paused = true)]
async fn the_rate_limit_spaces_all_calls_of_a_session_across_services() {
    let server = Server::start().await;
    let session = server
        .session()
        .plan(Plan::PerSecond(20.0))
        .build()
        .unwrap();
    let spacing = Plan::PerSecond(20.0).spacing().unwrap();
    // Three calls to ttid and three to ttledger at once: a limiter per
    // service would send one of each at the same instant.
    let calls: Vec<_> = ["ttid", "ttledger"]
        .iter()
        .cycle()
        .take(6)
        .map(|service| {
            let session = session.clone();
            tokio::spawn(async move {
                match *service {
                    "ttid" => get_echo!(session.ttid()),
                    _ => get_echo!(session.ledger()),
                }
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap();
    }
    let ttid = server.seen("/ttid/ext_uat_cert/echo");
    let ledger = server.seen("/ttledger/ext_uat_cert/echo");
    assert_eq!((ttid.len(), ledger.len()), (3, 3));
    let mut times: Vec<_> = ttid.iter().chain(&ledger).map(|s| s.at).collect();
    times.extend(server.seen("/ttid/ext_uat_cert/token").iter().map(|s| s.at));
    times.sort();
    assert_eq!(times.len(), 7, "six calls and the token request");
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= spacing,
            "{:?} apart, less than {spacing:?}: {times:?}",
            pair[1] - pair[0]
        );
    }
}
