//! ttid: the token exchange, key usage and API health.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::gateway::url_pairs;
use super::{Shared, Q};
use crate::counters::bump;
use crate::envelope;

routes! {
    post "/ttid/{env}/token" => token,
    get "/ttid/{env}/keyusage" => key_usage,
    get "/ttid/{env}/healthcheckstatus" => health,
}

/// `POST /token`: the form body `grant_type=user_app&app_key=<key>:<secret>`.
async fn token(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return envelope::ttid_fail(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send the body form-encoded (Content-Type: application/x-www-form-urlencoded), not JSON",
        );
    }
    let form = url_pairs(std::str::from_utf8(&body).unwrap_or("")).collect();
    match state.tokens.issue(&form) {
        Ok((token, seconds)) => {
            bump(&state.counters.tokens_issued);
            Json(json!({
                "status": "Ok",
                "access_token": token,
                "token_type": "bearer",
                "seconds_until_expiry": seconds,
            }))
            .into_response()
        }
        Err(e) => envelope::ttid_fail(StatusCode::BAD_REQUEST, e.error, e.description),
    }
}

/// `GET /keyusage`: one value per day from the sandbox's own count of the
/// key (see `crate::quota`); the shape is undocumented, so it is small.
async fn key_usage(State(state): Shared, query: Q) -> Response {
    for required in ["appKey", "userId", "startDate", "endDate"] {
        if !query.contains_key(required) {
            return envelope::failed(
                StatusCode::BAD_REQUEST,
                &format!("Missing required parameter {required}"),
            );
        }
    }
    // Today's count of the key, whatever the dates asked (TT lags up to 30
    // minutes; the sandbox answers at once).
    let used = state.days.used(&query["appKey"]);
    let mut day = json!({ "date": query["startDate"], "appKey": query["appKey"], "used": used });
    if let Some(cap) = state.days.cap() {
        day["remaining"] = json!(cap.saturating_sub(used));
    }
    envelope::ok_one("usage", json!([day]))
}

/// `GET /healthcheckstatus`: the status.trade.tt shape, everything up.
async fn health(axum::extract::Path(env): axum::extract::Path<String>) -> Response {
    let component = |name: &str| json!({ "name": name, "componentStatus": "Operational" });
    let service = |name: &str, parts: &[&str]| json!({ "name": name, "serviceStatus": "Operational", "components": parts.iter().map(|p| component(p)).collect::<Vec<_>>() });
    let groups = json!([{
        "name": "TT REST API",
        "services": [
            service("ttid", &["token"]),
            service("ttledger", &["fills", "orders"]),
            service("ttmonitor", &["positions"]),
            service("ttpds", &["instruments"]),
        ],
    }]);
    envelope::ok(serde_json::Map::from_iter([
        ("environment".to_string(), json!(env)),
        ("systemStatus".to_string(), json!("Operational")),
        ("lastUpdatedTime".to_string(), json!("2026-11-20T14:30:00Z")),
        ("groups".to_string(), groups),
    ]))
}
