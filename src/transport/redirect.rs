//! Following TT's redirects without leaking credentials.
//!
//! TT requires clients to follow 303. reqwest's own policy strips only
//! `Authorization` when a redirect leaves the origin, which would hand the
//! `x-api-key` to whatever host TT (or a proxy) points at. So the session's
//! reqwest client never follows redirects itself (`Policy::none()`) and this
//! module does: same-origin hops keep the credentials, cross-origin hops drop
//! `Authorization`, `x-api-key` and cookies, and 301/302/303 turn a request
//! with a body into a GET without one, as browsers and reqwest do.

use reqwest::header::{
    HeaderMap, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, LOCATION,
    PROXY_AUTHORIZATION,
};
use reqwest::{Method, Request, Response, StatusCode, Url};

use super::exchange::Exchange;
use crate::error::Error;
use crate::quota::guard::DayGuard;
use crate::rate_limit::RateLimiter;

/// The header carrying the app key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";

/// Most redirects followed for one attempt.
pub(crate) const MAX_HOPS: usize = 10;

/// Sends `request`, following redirects; every hop is counted in the key's
/// day and waits for a rate-limit slot.
///
/// After [`MAX_HOPS`] hops, or when a 307/308 needs a body that cannot be
/// replayed, the redirect response itself is returned. The outer error is a
/// hop the day's count refused ([`Error::QuotaExhausted`]), never sent.
pub(crate) async fn send(
    exchange: &dyn Exchange,
    limiter: &RateLimiter,
    day: &DayGuard,
    mut request: Request,
) -> Result<reqwest::Result<Response>, Error> {
    for _ in 0..MAX_HOPS {
        let replay = request.try_clone();
        let url = request.url().clone();
        day.admit().await?;
        limiter.acquire().await;
        let response = match exchange.execute(request).await {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        let next = replay.and_then(|r| next_request(r, &url, &response));
        match next {
            Some(next) => {
                tracing::debug!(status = response.status().as_u16(), to = %redacted(next.url()), "following redirect");
                request = next;
            }
            None => return Ok(Ok(response)),
        }
    }
    day.admit().await?;
    limiter.acquire().await;
    Ok(exchange.execute(request).await)
}

/// The request to send after `response`, or `None` if it is not a redirect
/// ttrest follows.
pub(crate) fn next_request(mut prev: Request, from: &Url, response: &Response) -> Option<Request> {
    let status = response.status();
    let target = location(from, response.headers())?;
    match status {
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER => {
            let keep_method = prev.method() == Method::HEAD
                || (status != StatusCode::SEE_OTHER && prev.method() == Method::GET);
            if !keep_method {
                *prev.method_mut() = Method::GET;
            }
            if prev.method() == Method::GET || prev.method() == Method::HEAD {
                *prev.body_mut() = None;
                for h in [CONTENT_TYPE, CONTENT_LENGTH, CONTENT_ENCODING] {
                    prev.headers_mut().remove(h);
                }
            }
        }
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => {}
        _ => return None,
    }
    if !same_origin(from, &target) {
        strip_credentials(prev.headers_mut());
    }
    *prev.url_mut() = target;
    Some(prev)
}

fn location(from: &Url, headers: &HeaderMap) -> Option<Url> {
    let text = headers.get(LOCATION)?.to_str().ok()?;
    let url = from.join(text).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// Same scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn strip_credentials(headers: &mut HeaderMap) {
    headers.remove(AUTHORIZATION);
    headers.remove(API_KEY_HEADER);
    headers.remove(COOKIE);
    headers.remove(PROXY_AUTHORIZATION);
}

/// A URL for logs: origin and path only (queries may hold caller data).
fn redacted(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn request(method: Method, url: &str) -> Request {
        let mut r = Request::new(method, Url::parse(url).unwrap());
        r.headers_mut()
            .insert(AUTHORIZATION, HeaderValue::from_static("Bearer t"));
        r.headers_mut()
            .insert(API_KEY_HEADER, HeaderValue::from_static("k"));
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *r.body_mut() = Some("{}".into());
        r
    }

    fn redirect(status: u16, to: &str) -> Response {
        http::Response::builder()
            .status(status)
            .header(LOCATION, to)
            .body("")
            .unwrap()
            .into()
    }

    #[test]
    fn see_other_becomes_get_without_body_and_keeps_credentials_on_same_origin() {
        let from = Url::parse("https://tt.example/ttledger/env/orders").unwrap();
        let prev = request(Method::POST, from.as_str());
        let next = next_request(prev, &from, &redirect(303, "/ttledger/env/result?x=1")).unwrap();
        assert_eq!(next.method(), Method::GET);
        assert!(next.body().is_none());
        assert!(next.headers().get(CONTENT_TYPE).is_none());
        assert_eq!(
            next.url().as_str(),
            "https://tt.example/ttledger/env/result?x=1"
        );
        assert!(next.headers().contains_key(AUTHORIZATION));
        assert!(next.headers().contains_key(API_KEY_HEADER));
    }

    #[test]
    fn cross_origin_hops_drop_authorization_and_api_key() {
        let from = Url::parse("https://tt.example/a").unwrap();
        for to in [
            "https://other.example/b",
            "http://tt.example/b",
            "https://tt.example:8443/b",
        ] {
            let next = next_request(
                request(Method::GET, from.as_str()),
                &from,
                &redirect(303, to),
            )
            .unwrap();
            assert!(!next.headers().contains_key(AUTHORIZATION), "{to}");
            assert!(!next.headers().contains_key(API_KEY_HEADER), "{to}");
        }
    }

    #[test]
    fn temporary_redirect_keeps_method_and_body() {
        let from = Url::parse("https://tt.example/a").unwrap();
        let next = next_request(
            request(Method::PUT, from.as_str()),
            &from,
            &redirect(307, "/b"),
        )
        .unwrap();
        assert_eq!(next.method(), Method::PUT);
        assert!(next.body().is_some());
    }

    #[test]
    fn non_redirects_and_bad_locations_are_not_followed() {
        let from = Url::parse("https://tt.example/a").unwrap();
        assert!(next_request(
            request(Method::GET, from.as_str()),
            &from,
            &redirect(200, "/b")
        )
        .is_none());
        assert!(next_request(
            request(Method::GET, from.as_str()),
            &from,
            &redirect(304, "/b")
        )
        .is_none());
        assert!(next_request(
            request(Method::GET, from.as_str()),
            &from,
            &redirect(303, "ftp://x/y")
        )
        .is_none());
    }
}
