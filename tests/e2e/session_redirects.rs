//! Redirects: same-origin hops keep credentials, cross-origin hops drop them.

use crate::session_util;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use session_util::{Reply, Server, HEALTH, HEALTH_JSON, KEY};

const LANDING: &str = "/ttid/ext_uat_cert/landing";
/// Redirects ttrest follows per attempt (`redirect::MAX_HOPS`, crate-private).
const MAX_HOPS: usize = 10;

#[tokio::test]
async fn a_303_to_another_origin_carries_neither_authorization_nor_api_key() {
    let tt = Server::start().await;
    let elsewhere = Server::start().await;
    let session = tt.session().build().unwrap();
    tt.script(
        HEALTH,
        [Reply::new(303, "").header("location", &format!("{}{LANDING}", elsewhere.url))],
    );
    elsewhere.script(LANDING, [Reply::new(200, HEALTH_JSON)]);
    let health = session.ttid().get_healthcheckstatus().send().await.unwrap();
    assert_eq!(health.system_status.as_deref(), Some("Operational"));

    let first = &tt.seen(HEALTH)[0];
    assert!(first.authorization.is_some() && first.api_key.as_deref() == Some(KEY));
    let landed = elsewhere.seen(LANDING);
    assert_eq!(landed.len(), 1);
    assert_eq!(landed[0].authorization, None);
    assert_eq!(landed[0].api_key, None);
}

#[tokio::test]
async fn a_same_origin_303_keeps_credentials_and_becomes_a_get() {
    const ORDER: &str = "/ttid/ext_uat_cert/order";
    let tt = Server::start().await;
    let session = tt.session().build().unwrap();
    tt.script(ORDER, [Reply::new(303, "").header("location", LANDING)]);
    tt.script(LANDING, [Reply::new(200, HEALTH_JSON)]);
    // A POST with a body, through the hook path of a generated client.
    let client = session.ttid();
    let request = client
        .client()
        .post(format!("{}/order", client.baseurl()))
        .body(r#"{"order":1}"#)
        .build()
        .unwrap();
    let response = client
        .exec(
            request,
            &OperationInfo {
                operation_id: "post_order",
            },
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let posted = tt.seen(ORDER);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].method, axum::http::Method::POST);
    assert_eq!(posted[0].body, r#"{"order":1}"#);
    let landed = tt.seen(LANDING);
    assert_eq!(landed.len(), 1);
    assert_eq!(landed[0].method, axum::http::Method::GET);
    assert_eq!(landed[0].body, "", "a 303 drops the body");
    assert!(landed[0]
        .authorization
        .as_deref()
        .unwrap()
        .starts_with("Bearer tok-"));
    assert_eq!(landed[0].api_key.as_deref(), Some(KEY));
}

#[tokio::test]
async fn a_redirect_loop_ends_with_an_error_not_a_hang() {
    let tt = Server::start().await;
    let session = tt.session().build().unwrap();
    tt.script(
        HEALTH,
        (0..50).map(|_| Reply::new(303, "").header("location", HEALTH)),
    );
    let err = ttrest::IntoTt::into_tt(session.ttid().get_healthcheckstatus().send())
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(303));
    assert_eq!(tt.seen(HEALTH).len(), MAX_HOPS + 1);
}
