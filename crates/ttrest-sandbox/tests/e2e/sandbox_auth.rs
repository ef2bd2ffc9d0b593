//! The sandbox's gateway rules: credentials, tokens, headers, requestId, paths.

use crate::sandbox_support;

use std::time::Duration;

use reqwest::StatusCode;
use sandbox_support::*;
use ttrest_sandbox::{Faults, Sandbox, DEFAULT_APP_KEY, DEFAULT_APP_SECRET};

#[tokio::test]
async fn documented_defaults_get_a_tt_shaped_token() {
    let sb = Sandbox::start().await.unwrap();
    assert_eq!(
        (sb.app_key(), sb.app_secret()),
        (DEFAULT_APP_KEY, DEFAULT_APP_SECRET)
    );
    let field = format!("{DEFAULT_APP_KEY}:{DEFAULT_APP_SECRET}");
    let (status, body) = token_response(&sb, DEFAULT_APP_KEY, &field).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "Ok");
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["seconds_until_expiry"], 43200);
    assert!(body["access_token"].as_str().unwrap().len() >= 32);
    assert_eq!(sb.counters().tokens_issued, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn custom_credentials_replace_the_defaults() {
    let sb = Sandbox::builder()
        .credentials("my-key", "my-secret")
        .start()
        .await
        .unwrap();
    let (status, _) = token_response(&sb, "my-key", "my-key:my-secret").await;
    assert_eq!(status, StatusCode::OK);
    let field = format!("{DEFAULT_APP_KEY}:{DEFAULT_APP_SECRET}");
    let (status, body) = token_response(&sb, DEFAULT_APP_KEY, &field).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "unknown x-api-key: {body}");
}

#[tokio::test]
async fn bad_key_is_a_gateway_403_with_message() {
    let sb = Sandbox::start().await.unwrap();
    let field = format!("{DEFAULT_APP_KEY}:{DEFAULT_APP_SECRET}");
    let (status, body) = token_response(&sb, "not-the-key", &field).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, serde_json::json!({ "message": "Forbidden" }));
}

#[tokio::test]
async fn bad_secret_forms_are_ttid_status_fail() {
    let sb = Sandbox::start().await.unwrap();
    for field in [
        format!("{DEFAULT_APP_KEY}:wrong-secret"),
        DEFAULT_APP_KEY.to_string(),
        format!("{DEFAULT_APP_SECRET}:{DEFAULT_APP_KEY}"),
    ] {
        let (status, body) = token_response(&sb, DEFAULT_APP_KEY, &field).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert_eq!(body["status"], "StatusFail");
        assert_eq!(body["statusCode"], 400);
        assert!(body["status_message"].is_string() && body["status_desc"].is_string());
    }
    assert_eq!(sb.counters().tokens_issued, 0);
}

#[tokio::test]
async fn json_token_body_is_refused() {
    let sb = Sandbox::start().await.unwrap();
    let response = http()
        .post(format!("{}/token", sb.service_url("ttid", UAT)))
        .header("x-api-key", sb.app_key())
        .json(&serde_json::json!({ "grant_type": "user_app", "app_key": format!("{}:{}", sb.app_key(), sb.app_secret()) }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["status_desc"]
            .as_str()
            .unwrap()
            .contains("form-encoded"),
        "{body}"
    );
}

#[tokio::test]
async fn service_calls_need_key_bearer_and_request_id() {
    let sb = Sandbox::start().await.unwrap();
    let token = token(&sb).await;
    let url = format!("{}/markets", sb.service_url("ttpds", UAT));
    let send = |key: Option<&str>, bearer: Option<&str>, rid: Option<String>| {
        let mut req = http().get(&url);
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        if let Some(r) = rid {
            req = req.query(&[("requestId", r)]);
        }
        req.send()
    };
    let key = Some(sb.app_key());
    assert_eq!(
        send(None, Some(&token), Some(rid()))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let missing = send(key, None, Some(rid())).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        missing.json::<serde_json::Value>().await.unwrap()["message"],
        "Unauthorized"
    );
    assert_eq!(
        send(key, Some("forged"), Some(rid()))
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let no_rid = send(key, Some(&token), None).await.unwrap();
    assert_eq!(no_rid.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        no_rid.json::<serde_json::Value>().await.unwrap()["status"],
        "Failed"
    );
    assert_eq!(
        send(key, Some(&token), Some(rid())).await.unwrap().status(),
        StatusCode::OK
    );
    let c = sb.counters();
    assert_eq!((c.unauthorized, c.request_id_malformed), (2, 1));
}

#[tokio::test]
async fn malformed_and_reused_request_ids_are_refused_and_counted() {
    let sb = Sandbox::start().await.unwrap();
    let token = token(&sb).await;
    let url = format!("{}/markets", sb.service_url("ttpds", UAT));
    let call = |id: String| {
        http()
            .get(&url)
            .header("x-api-key", sb.app_key())
            .bearer_auth(&token)
            .query(&[("requestId", id)])
            .send()
    };
    let id = rid();
    assert_eq!(call(id.clone()).await.unwrap().status(), StatusCode::OK);
    let reused = call(id).await.unwrap();
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = reused.json().await.unwrap();
    assert!(
        body["status_message"]
            .as_str()
            .unwrap()
            .contains("Duplicate"),
        "{body}"
    );
    for bad in [
        "just-a-string",
        "app--0f8fad5b-d9cb-469f-a165-70867728950e",
        "my app-co--0f8fad5b-d9cb-469f-a165-70867728950e",
    ] {
        assert_eq!(
            call(bad.to_string()).await.unwrap().status(),
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    let c = sb.counters();
    assert_eq!((c.request_id_reused, c.request_id_malformed), (1, 3));
}

// Paused clock: the sandbox's token lifetimes run on tokio's clock, so the
// 300 ms pass only when the test sleeps past them.
#[tokio::test(start_paused = true)]
async fn tokens_expire_after_their_lifetime() {
    let sb = Sandbox::builder()
        .token_lifetime(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let token = token(&sb).await;
    assert_eq!(
        get(&sb, &token, "ttpds", "/markets", &[]).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(299)).await;
    assert_eq!(
        get(&sb, &token, "ttpds", "/markets", &[]).await.0,
        StatusCode::OK,
        "still valid just before its lifetime ends"
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
    let (status, body) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "The incoming token has expired");
}

#[tokio::test]
async fn tokens_can_be_revoked_mid_run() {
    let sb = Sandbox::builder()
        .faults(Faults::none().token_expiry_after(3))
        .start()
        .await
        .unwrap();
    let first = token(&sb).await;
    for _ in 0..3 {
        assert_eq!(
            get(&sb, &first, "ttpds", "/markets", &[]).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(
        get(&sb, &first, "ttpds", "/markets", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    let second = token(&sb).await;
    assert_eq!(
        get(&sb, &second, "ttpds", "/markets", &[]).await.0,
        StatusCode::OK,
        "a new token works"
    );
}

#[tokio::test]
async fn paths_follow_tt_rules() {
    let sb = Sandbox::start().await.unwrap();
    let token = token(&sb).await;
    for env in ["ext_uat_cert", "ext_prod_live", "ext_prod_sim"] {
        let url = format!("{}/ttpds/{env}/markets?requestId={}", sb.base_url(), rid());
        let r = http()
            .get(url)
            .header("x-api-key", sb.app_key())
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{env}");
    }
    let upper = http()
        .get(format!("{}/TTPDS/{UAT}/markets", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(upper.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        upper.json::<serde_json::Value>().await.unwrap()["message"],
        "Forbidden"
    );
    for path in [
        "/ttpds/ext_nowhere/markets",
        "/ttpds/ext_uat_cert/nothing",
        "/ttbacktest/ext_uat_cert/algobacktest",
    ] {
        let r = http()
            .get(format!("{}{path}", sb.base_url()))
            .header("x-api-key", sb.app_key())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap()["message"],
            "Missing Authentication Token"
        );
    }
}

#[tokio::test]
async fn security_headers_and_debug_hide_the_secret() {
    let sb = Sandbox::start().await.unwrap();
    let r = http()
        .get(format!("{}/nothing", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    assert_eq!(r.headers()["x-frame-options"], "deny");
    assert!(!format!("{sb:?}").contains(DEFAULT_APP_SECRET));
}

#[tokio::test]
async fn a_secret_given_as_key_colon_secret_or_bare_is_accepted_both_ways() {
    for given in ["K:S", "S"] {
        let sb = Sandbox::builder()
            .credentials("K", given)
            .start()
            .await
            .unwrap();
        assert_eq!(
            sb.app_secret(),
            "S",
            "{given}: the banner's value works when exported"
        );
        let (status, body) = token_response(&sb, "K", "K:S").await;
        assert_eq!(status, StatusCode::OK, "{given}: {body}");
        let session = ttrest::Session::builder()
            .root_url(sb.base_url())
            .credentials(ttrest::Credentials::new("K", given).unwrap())
            .build()
            .unwrap();
        session.authenticate().await.unwrap();
        sb.shutdown().await;
    }
}
