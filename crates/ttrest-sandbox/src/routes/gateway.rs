//! What API Gateway does before a TT service sees a request, plus fault injection.

use std::sync::Arc;
use tokio::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::State;
use crate::auth::BearerError;
use crate::counters::bump;
use crate::envelope;
use crate::faults::{Injected, Redirect};
use crate::request_id::{check_format, Rejection};
use crate::ENVIRONMENTS;
use ttrest::SERVICES;

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The sandbox itself: full TT rules.
    Main,
    /// The cross-origin redirect target: records credential headers, checks nothing.
    Other,
}

/// Query parameter marking the second leg of an injected redirect, so it is not
/// redirected again nor counted as a reused `requestId`.
pub(crate) const REDIRECT_MARK: &str = "sandboxRedirect";

/// Outermost layer: counts every request and adds TT's security headers.
pub(crate) async fn outer(
    Extract(state): Extract<Arc<State>>,
    req: Request,
    next: Next,
) -> Response {
    bump(&state.counters.requests);
    if req.headers().contains_key("traceparent") {
        bump(&state.counters.traceparent);
    }
    let mut response = json_rejection(next.run(req).await).await;
    envelope::add_security_headers(&mut response);
    response
}

/// axum's own rejections (a body that is not JSON, a bad path segment) are
/// `text/plain`; TT's services answer JSON, so they become the service's
/// `{"status":"Failed","status_message": ...}` with the same status.
async fn json_rejection(response: Response) -> Response {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !plain || !(response.status().is_client_error() || response.status().is_server_error()) {
        return response;
    }
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    envelope::failed(status, text.trim())
}

/// No route: API Gateway answers 403 for unknown resources, and for a service
/// segment in the wrong case (`/TTLEDGER/...`), as TT documents.
pub(crate) async fn not_found(uri: Uri) -> Response {
    let first = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    if SERVICES.contains(&first.to_ascii_lowercase().as_str()) && !SERVICES.contains(&first) {
        return envelope::gateway(StatusCode::FORBIDDEN, "Forbidden");
    }
    missing_token()
}

fn missing_token() -> Response {
    envelope::gateway(StatusCode::FORBIDDEN, "Missing Authentication Token")
}

/// `(service, env, rest)` of `/service/env/rest`.
fn split(path: &str) -> (&str, &str, &str) {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let service = parts.next().unwrap_or("");
    let env = parts.next().unwrap_or("");
    (service, env, parts.next().unwrap_or(""))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url_pairs(query).find(|(k, _)| k == name).map(|(_, v)| v)
}

pub(crate) fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        Some((decode(k)?, decode(v)?))
    })
}

fn decode(text: &str) -> Option<String> {
    let text = text.replace('+', " ");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The gateway: environment, key, rate, bearer, `requestId`, then faults.
pub(crate) async fn gateway(
    Extract((state, origin)): Extract<(Arc<State>, Origin)>,
    req: Request,
    next: Next,
) -> Response {
    let (service, env, rest) = split(req.uri().path());
    let sim_only = service == "ttbacktest" && env != "ext_prod_sim";
    if !ENVIRONMENTS.contains(&env) || sim_only {
        return missing_token();
    }
    if origin == Origin::Other {
        record_cross_origin(&state, req.headers());
        return next.run(req).await;
    }
    if let Some(latency) = state.schedule.faults().latency {
        tokio::time::sleep(latency).await;
    }
    let is_token = service == "ttid" && rest == "token";
    if let Err(response) = admit(&state, &req, is_token) {
        return *response;
    }
    if is_token {
        return next.run(req).await;
    }
    serve_with_faults(&state, req, next).await
}

/// Key, rate limit, bearer and `requestId` checks, in API Gateway's order.
/// Refusals are boxed: a `Response` is too large for a lean `Result`.
fn admit(state: &State, req: &Request, is_token: bool) -> Result<(), Box<Response>> {
    let key = header(req.headers(), "x-api-key")
        .filter(|k| state.tokens.is_app_key(k))
        .ok_or_else(|| Box::new(envelope::gateway(StatusCode::FORBIDDEN, "Forbidden")))?;
    // The usage plan's quota first: a spent day refuses everything.
    state.days.admit(key).map_err(|()| {
        bump(&state.counters.throttled);
        Box::new(envelope::gateway(
            StatusCode::TOO_MANY_REQUESTS,
            "Limit Exceeded",
        ))
    })?;
    if let Some(rate) = &state.rate {
        rate.acquire(key, Instant::now()).map_err(|secs| {
            bump(&state.counters.throttled);
            Box::new(envelope::too_many_requests(secs))
        })?;
    }
    let request_id = query_param(req.uri(), "requestId");
    if is_token {
        // QC and SKY send no requestId on /token; check it only when present.
        return match request_id {
            Some(id) => check_request_id(state, Some(&id), false).map_err(|m| {
                Box::new(envelope::ttid_fail(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &m,
                ))
            }),
            None => Ok(()),
        };
    }
    state
        .tokens
        .authorize(header(req.headers(), "authorization"))
        .map_err(|e| {
            bump(&state.counters.unauthorized);
            let message = match e {
                BearerError::Expired => "The incoming token has expired",
                BearerError::Missing | BearerError::Unknown => "Unauthorized",
            };
            Box::new(envelope::gateway(StatusCode::UNAUTHORIZED, message))
        })?;
    let redirected = query_param(req.uri(), REDIRECT_MARK).is_some();
    check_request_id(state, request_id.as_deref(), redirected)
        .map_err(|m| Box::new(envelope::failed(StatusCode::BAD_REQUEST, &m)))
}

/// Checks (and records, unless this is a redirect's second leg) a `requestId`.
fn check_request_id(state: &State, id: Option<&str>, redirected: bool) -> Result<(), String> {
    let checked = match (redirected, id) {
        (true, Some(id)) => check_format(id),
        _ => state.request_ids.admit(id),
    };
    checked.map_err(|rejection| {
        match rejection {
            Rejection::Malformed(_) => bump(&state.counters.request_id_malformed),
            Rejection::Reused => bump(&state.counters.request_id_reused),
        }
        rejection.message()
    })
}

async fn serve_with_faults(state: &State, req: Request, next: Next) -> Response {
    if query_param(req.uri(), REDIRECT_MARK).is_some() {
        return next.run(req).await;
    }
    let (injected, truncate) = state.schedule.next(req.method() == Method::GET);
    match injected {
        Some(Injected::Throttle) => {
            bump(&state.counters.throttled);
            envelope::too_many_requests(state.schedule.retry_after_secs())
        }
        Some(Injected::ServerError(status)) => {
            bump(&state.counters.server_errors);
            server_error(status)
        }
        Some(Injected::Redirect(to)) => {
            bump(&state.counters.redirects);
            redirect(state, &req, to)
        }
        None if truncate => truncated(state, next.run(req).await).await,
        None => next.run(req).await,
    }
}

fn server_error(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let message = match status.as_u16() {
        500 => "Internal server error",
        502 => "Bad Gateway",
        504 => "Endpoint request timed out",
        _ => "Service Unavailable",
    };
    envelope::gateway(status, message)
}

fn redirect(state: &State, req: &Request, to: Redirect) -> Response {
    let origin = match to {
        Redirect::CrossOrigin => state.other_origin.clone(),
        Redirect::SameOrigin => {
            let host = header(req.headers(), "host").unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    let path = req.uri().path();
    let location = match req.uri().query() {
        Some(q) => format!("{origin}{path}?{q}&{REDIRECT_MARK}=1"),
        None => format!("{origin}{path}?{REDIRECT_MARK}=1"),
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// Cuts a successful JSON body in half: the status says OK, the JSON is broken.
async fn truncated(state: &State, response: Response) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "body lost").into_response();
    };
    bump(&state.counters.truncated);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

fn record_cross_origin(state: &State, headers: &HeaderMap) {
    bump(&state.counters.cross_origin_requests);
    if headers.contains_key(header::AUTHORIZATION) {
        bump(&state.counters.cross_origin_authorization);
    }
    if headers.contains_key("x-api-key") {
        bump(&state.counters.cross_origin_api_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths_and_decodes_queries() {
        assert_eq!(
            split("/ttledger/ext_uat_cert/fills"),
            ("ttledger", "ext_uat_cert", "fills")
        );
        assert_eq!(
            split("/ttid/ext_prod_live/token"),
            ("ttid", "ext_prod_live", "token")
        );
        let uri: Uri = "/x?requestId=a-b--c%2Dd&k=1+2".parse().unwrap();
        assert_eq!(query_param(&uri, "requestId").as_deref(), Some("a-b--c-d"));
        assert_eq!(query_param(&uri, "k").as_deref(), Some("1 2"));
        assert_eq!(query_param(&uri, "missing"), None);
    }
}
