//! Telling a spent day from throttling in TT's 429 answers.
//!
//! TT's gateway is AWS API Gateway (the ttid spec carries
//! `x-amazon-apigateway-*` extensions). API Gateway answers both with HTTP
//! 429: an exhausted usage-plan quota with the message **"Limit Exceeded"**,
//! throttling (rate or burst) with **"Too Many Requests"**
//! (`docs/tt-rest-facts-3.md` §1, citing AWS's knowledge-center article
//! "How do I troubleshoot 429 Too Many Requests or Limit Exceeded errors for
//! my API Gateway API"). Throttling passes in a second and is retried; a
//! spent quota comes back at the next 00:00 UTC, so retrying it only spends
//! requests. This is the one place that tells the two apart.

use reqwest::{Response, StatusCode};

use crate::error::TtMessage;

/// The message API Gateway sends with a spent usage-plan quota.
pub const LIMIT_EXCEEDED: &str = "Limit Exceeded";

/// Whether a 429 answer's body says the key's day is spent (and not merely
/// throttled).
pub fn is_quota_exhausted(status: StatusCode, body: &[u8]) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        && TtMessage::parse(body)
            .message
            .as_deref()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case(LIMIT_EXCEEDED))
}

/// Reads a 429's body to classify it; gives back an equal response (status,
/// headers, body) to go on with, and whether the day is spent. Other
/// statuses pass untouched.
pub(crate) async fn classify(response: Response) -> (reqwest::Result<Response>, bool) {
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        return (Ok(response), false);
    }
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let bytes = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return (Err(e), false),
    };
    let spent = is_quota_exhausted(status, &bytes);
    let mut rebuilt = http::Response::new(bytes);
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    (Ok(Response::from(rebuilt)), spent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_exceeded_is_a_spent_day_and_too_many_requests_is_throttling() {
        let s = StatusCode::TOO_MANY_REQUESTS;
        assert!(is_quota_exhausted(s, br#"{"message":"Limit Exceeded"}"#));
        assert!(is_quota_exhausted(s, br#"{"message": "limit exceeded"}"#));
        assert!(!is_quota_exhausted(
            s,
            br#"{"message":"Too Many Requests"}"#
        ));
        assert!(!is_quota_exhausted(s, b""));
        assert!(!is_quota_exhausted(
            StatusCode::FORBIDDEN,
            br#"{"message":"Limit Exceeded"}"#
        ));
    }
}
