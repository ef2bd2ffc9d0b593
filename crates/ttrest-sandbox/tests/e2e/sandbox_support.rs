//! Helpers shared by the `sandbox_*` tests: a plain reqwest client speaking TT's
//! protocol by hand (deliberately not ttrest's session layer).

use reqwest::StatusCode;
use serde_json::Value;
use ttrest_sandbox::Sandbox;

pub const UAT: &str = "ext_uat_cert";

/// A fresh `requestId` in TT's `<app>-<company>--<uuid>` shape.
pub fn rid() -> String {
    format!("sbxtest-acme--{}", uuid::Uuid::new_v4())
}

pub fn http() -> reqwest::Client {
    ttrest::http_client_builder().unwrap().build().unwrap()
}

/// `POST /ttid/<env>/token` with TT's form body; returns the whole answer.
pub async fn token_response(sb: &Sandbox, key: &str, app_key_field: &str) -> (StatusCode, Value) {
    let url = format!("{}/token?requestId={}", sb.service_url("ttid", UAT), rid());
    let response = http()
        .post(url)
        .header("x-api-key", key)
        .form(&[("grant_type", "user_app"), ("app_key", app_key_field)])
        .send()
        .await
        .expect("token request");
    let status = response.status();
    (status, response.json().await.expect("token JSON"))
}

/// A valid bearer token for the sandbox's own credentials.
pub async fn token(sb: &Sandbox) -> String {
    let field = format!("{}:{}", sb.app_key(), sb.app_secret());
    let (status, body) = token_response(sb, sb.app_key(), &field).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// A GET with TT's headers and a fresh `requestId`; returns status and raw text.
pub async fn get_text(
    sb: &Sandbox,
    token: &str,
    service: &str,
    path: &str,
    query: &[(&str, String)],
) -> (StatusCode, String) {
    let mut params: Vec<(&str, String)> = vec![("requestId", rid())];
    params.extend(query.iter().cloned());
    let response = http()
        .get(format!("{}{path}", sb.service_url(service, UAT)))
        .header("x-api-key", sb.app_key())
        .bearer_auth(token)
        .query(&params)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

/// [`get_text`], parsed as JSON.
pub async fn get(
    sb: &Sandbox,
    token: &str,
    service: &str,
    path: &str,
    query: &[(&str, String)],
) -> (StatusCode, Value) {
    let (status, text) = get_text(sb, token, service, path, query).await;
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{service}{path}: {e}: {text}"));
    (status, body)
}

/// Fills' `timeStamp` values of one answer.
pub fn timestamps(body: &Value) -> Vec<u64> {
    body["fills"]
        .as_array()
        .expect("fills array")
        .iter()
        .map(|f| {
            f["timeStamp"]
                .as_u64()
                .expect("timeStamp as a JSON integer")
        })
        .collect()
}
