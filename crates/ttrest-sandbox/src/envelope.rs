//! TT's response shapes: the paged success envelope and the three error dialects
//! (API Gateway `{"message"}`, ttid `StatusFail`, services `Failed`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// A JSON object body with `status: "Ok"` first and `lastPage: "true"`.
pub(crate) fn ok(fields: Map<String, Value>) -> Response {
    let mut body = Map::new();
    body.insert("status".into(), json!("Ok"));
    body.insert("lastPage".into(), json!("true"));
    body.extend(fields);
    Json(Value::Object(body)).into_response()
}

/// `{"status":"Ok","lastPage":"true", <key>: <value>}`.
pub(crate) fn ok_one(key: &str, value: Value) -> Response {
    ok(Map::from_iter([(key.to_string(), value)]))
}

/// One page of a keyed list: `lastPage` is the string TT sends, and
/// `nextPageKey` is present only when more pages follow.
/// `extra` fields (e.g. `userId`, `requestVersion`) go after `nextPageKey`.
pub(crate) fn page(
    key: &str,
    items: Vec<Value>,
    next_page_key: Option<String>,
    extra: Map<String, Value>,
) -> Response {
    let mut body = Map::new();
    body.insert("status".into(), json!("Ok"));
    let last = if next_page_key.is_some() {
        "false"
    } else {
        "true"
    };
    body.insert("lastPage".into(), json!(last));
    if let Some(next) = next_page_key {
        body.insert("nextPageKey".into(), json!(next));
    }
    body.extend(extra);
    body.insert(key.to_string(), Value::Array(items));
    Json(Value::Object(body)).into_response()
}

/// API Gateway's default error body: `{"message": "..."}`.
pub(crate) fn gateway(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

/// A `429` as API Gateway sends it, plus a `Retry-After` in whole seconds.
pub(crate) fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response = gateway(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    let value = HeaderValue::from(retry_after_secs.max(1));
    response.headers_mut().insert(header::RETRY_AFTER, value);
    response
}

/// ttid's 4xx/5xx template: `{status:"StatusFail", status_message, status_desc, statusCode}`.
pub(crate) fn ttid_fail(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({
        "status": "StatusFail",
        "status_message": error,
        "status_desc": description,
        "statusCode": status.as_u16(),
    });
    (status, Json(body)).into_response()
}

/// A service's own failure: `{"status":"Failed","status_message": "..."}`.
pub(crate) fn failed(status: StatusCode, message: &str) -> Response {
    let body = json!({ "status": "Failed", "status_message": message });
    (status, Json(body)).into_response()
}

/// The security headers TT's gateway puts on every response (SEED).
pub(crate) fn add_security_headers(response: &mut Response) {
    let headers = response.headers_mut();
    let pairs = [
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "deny"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
