//! TT's `requestId`: `<app>-<company>--<uuid v4>`, fresh for every attempt.
//!
//! TT asks for it on every call and uses it to trace support cases, so ttrest
//! also hands it back on every response (header [`REQUEST_ID_HEADER`]) and on
//! every error ([`crate::Error::request_id`]).

use progenitor_client::ResponseValue;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Url;

/// The response header in which ttrest reports the requestId it sent.
///
/// TT does not echo the id; ttrest inserts this header into every response it
/// returns so `ResponseValue::headers()` carries it.
pub const REQUEST_ID_HEADER: &str = "x-ttrest-request-id";

/// The query parameter TT reads.
pub(crate) const QUERY_PARAM: &str = "requestId";

/// Characters TT's docs say to avoid in the app and company parts.
const FORBIDDEN: &str = "$&+,/:;=?@\"<>#%{}|\\^~[]`";

/// The validated `<app>-<company>` part of every requestId.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestIdPrefix(String);

impl RequestIdPrefix {
    /// Validates the app and company names; the error names the offending
    /// character and what to use instead.
    pub(crate) fn new(app: &str, company: &str) -> Result<Self, String> {
        validate("app name", app)?;
        validate("company name", company)?;
        Ok(RequestIdPrefix(format!("{app}-{company}")))
    }

    /// A fresh id for one attempt.
    pub(crate) fn generate(&self) -> String {
        format!("{}--{}", self.0, uuid::Uuid::new_v4())
    }
}

fn validate(what: &str, value: &str) -> Result<(), String> {
    let bad = |why: String| {
        Err(format!(
            "{what} `{value}` cannot be used in TT's requestId: {why}; \
             use letters, digits, `-`, `_` or `.` (SessionBuilder::app_name / company)"
        ))
    };
    if value.is_empty() {
        return bad("it is empty".into());
    }
    if let Some(c) = value.chars().find(|c| c.is_whitespace()) {
        return bad(format!("it contains whitespace ({c:?})"));
    }
    if let Some(c) = value.chars().find(|c| FORBIDDEN.contains(*c)) {
        return bad(format!("it contains `{c}`, which TT forbids"));
    }
    if let Some(c) = value.chars().find(|c| !c.is_ascii_graphic()) {
        return bad(format!(
            "it contains the non-ASCII or control character {c:?}"
        ));
    }
    Ok(())
}

/// Replaces any `requestId` in the URL by `id`.
pub(crate) fn set_on_url(url: &mut Url, id: &str) {
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != QUERY_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(others)
        .append_pair(QUERY_PARAM, id);
}

/// Adds [`REQUEST_ID_HEADER`] to a response's headers.
pub(crate) fn set_on_headers(headers: &mut HeaderMap, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
}

/// The requestId ttrest recorded in these response headers.
pub fn request_id_from_headers(headers: &HeaderMap) -> Option<&str> {
    headers.get(REQUEST_ID_HEADER)?.to_str().ok()
}

/// The requestId in a request URL.
pub(crate) fn request_id_from_url(url: &Url) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == QUERY_PARAM)
        .map(|(_, v)| v.into_owned())
}

/// The requestId ttrest sent for the call that produced this response.
///
/// ```no_run
/// # async fn f(session: ttrest::Session) -> Result<(), ttrest::Error> {
/// let health = session.ttid().get_healthcheckstatus().send().await?;
/// println!("requestId: {}", ttrest::request_id(&health).unwrap_or("?"));
/// # Ok(()) }
/// ```
pub fn request_id<T>(response: &ResponseValue<T>) -> Option<&str> {
    request_id_from_headers(response.headers())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_tt_format_and_are_fresh() {
        let p = RequestIdPrefix::new("myApp", "myCompany").unwrap();
        let (a, b) = (p.generate(), p.generate());
        assert_ne!(a, b);
        let (prefix, uuid) = a.split_once("--").unwrap();
        assert_eq!(prefix, "myApp-myCompany");
        assert_eq!(uuid::Uuid::parse_str(uuid).unwrap().get_version_num(), 4);
    }

    #[test]
    fn forbidden_characters_are_named() {
        for (app, shown) in [
            ("my app", "whitespace"),
            ("a/b", "`/`"),
            ("a`b", "``"),
            ("", "empty"),
            ("café", "non-ASCII"),
        ] {
            let err = RequestIdPrefix::new(app, "co").unwrap_err();
            assert!(err.contains(shown), "{app}: {err}");
            assert!(err.contains("app name"), "{err}");
        }
        let err = RequestIdPrefix::new("app", "a&b").unwrap_err();
        assert!(err.contains("company name") && err.contains("`&`"), "{err}");
    }

    #[test]
    fn set_on_url_replaces_an_existing_id_and_keeps_other_params() {
        let mut url = Url::parse("http://h/ttid/x/keyusage?appKey=k&requestId=old").unwrap();
        set_on_url(&mut url, "a-b--1");
        assert_eq!(url.query(), Some("appKey=k&requestId=a-b--1"));
        assert_eq!(request_id_from_url(&url).as_deref(), Some("a-b--1"));
    }
}
