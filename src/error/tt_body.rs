//! TT's several error shapes, folded into one [`TtMessage`].
//!
//! - ttid `/token` 4xx/5xx: `{"status":"StatusFail","status_message","status_desc","statusCode"}`
//! - ttid `/token` with HTTP 200: `{"status":"Fail","status_message"}`
//! - Lambda-backed endpoints: `{"status","status_message","statusCode"}`
//! - API Gateway defaults, the 429 of the rate limit included: `{"message": "..."}`
//! - no JSON at all (a load balancer's HTML 502 page): a short text excerpt of
//!   the body becomes the `message`, as `answer is not JSON: "<excerpt>"`

use std::fmt;

use serde::{Deserialize, Serialize};

/// TT's explanation of a failure, from whichever error shape it used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TtMessage {
    /// `status` (`"Fail"`, `"StatusFail"`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `status_message`: TT's short error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// `status_desc`: TT's longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_desc: Option<String>,
    /// `message`: the API gateway's error text. For a body that is not JSON (an
    /// HTML error page): `answer is not JSON: "<excerpt>"`, the excerpt being the
    /// page's text (tags dropped, whitespace collapsed, at most 160
    /// characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Longest excerpt kept of a body that is not JSON.
pub(crate) const MAX_EXCERPT: usize = 160;

/// Longest TT message kept, so a huge error page cannot flood logs.
const MAX_TEXT: usize = 500;

impl TtMessage {
    /// Parses an error body; anything that is not one of TT's shapes gives an
    /// empty message (the HTTP status still tells what happened).
    pub(crate) fn parse(body: &[u8]) -> TtMessage {
        let mut m: TtMessage = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value) => serde_json::from_value(value).unwrap_or_default(),
            Err(_) => TtMessage {
                message: excerpt(body).map(|text| format!("answer is not JSON: {text:?}")),
                ..TtMessage::default()
            },
        };
        for text in [
            &mut m.status,
            &mut m.status_message,
            &mut m.status_desc,
            &mut m.message,
        ] {
            if let Some(t) = text {
                if t.trim().is_empty() {
                    *text = None;
                } else if t.len() > MAX_TEXT {
                    let cut = (0..=MAX_TEXT).rev().find(|i| t.is_char_boundary(*i));
                    t.truncate(cut.unwrap_or(0));
                    t.push('…');
                }
            }
        }
        m
    }

    /// Whether the envelope reports failure (`status` other than `Ok`).
    pub fn is_failure(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case("ok"))
    }

    /// The best single line TT gave, if any.
    pub fn text(&self) -> Option<&str> {
        self.status_message
            .as_deref()
            .or(self.message.as_deref())
            .or(self.status_desc.as_deref())
    }

    /// Writes `: <message> (<desc>)` when TT said anything.
    pub(crate) fn fmt_suffix(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = self.text() {
            write!(f, ": {text}")?;
            if let Some(desc) = &self.status_desc {
                if desc != text {
                    write!(f, " ({desc})")?;
                }
            }
        }
        Ok(())
    }
}

/// The visible text at the start of `body`: markup between `<` and `>` dropped,
/// runs of whitespace made one space, cut at [`MAX_EXCERPT`] characters.
/// `None` for a body with no text at all.
fn excerpt(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(16 * 1024)]);
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(MAX_EXCERPT) {
        None if joined.is_empty() => None,
        None => Some(joined),
        Some((cut, _)) => Some(format!("{}…", &joined[..cut])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_tt_shape() {
        let token = TtMessage::parse(
            br#"{"status":"StatusFail","status_message":"invalid_client","status_desc":"bad secret","statusCode":400}"#,
        );
        assert_eq!(token.text(), Some("invalid_client"));
        assert_eq!(token.status_desc.as_deref(), Some("bad secret"));
        assert!(token.is_failure());

        let fail200 = TtMessage::parse(br#"{"status":"Fail","status_message":"Unknown key"}"#);
        assert_eq!(fail200.text(), Some("Unknown key"));

        let gateway = TtMessage::parse(br#"{"message":"Forbidden"}"#);
        assert_eq!(gateway.text(), Some("Forbidden"));
        assert!(!gateway.is_failure());
    }

    #[test]
    fn the_rate_limit_429_body_gives_its_message() {
        let m = TtMessage::parse(br#"{"message": "Too Many Requests"}"#);
        assert_eq!(m.text(), Some("Too Many Requests"));
    }

    #[test]
    fn an_html_error_page_keeps_a_short_text_excerpt() {
        let page = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        let m = TtMessage::parse(page);
        assert_eq!(
            m.text(),
            Some(r#"answer is not JSON: "502 Bad Gateway 502 Bad Gateway""#)
        );
        assert_eq!(m.status, None);
        let long = format!("<p>{}</p>", "word ".repeat(500));
        let cut = excerpt(long.as_bytes()).unwrap();
        assert_eq!(cut.chars().count(), MAX_EXCERPT + 1, "{cut}");
        assert!(cut.ends_with('…'));
        assert_eq!(TtMessage::parse(b"  <br/> "), TtMessage::default());
        assert_eq!(
            excerpt(b"\xff\xfe<b>\x00oops").as_deref(),
            Some("\u{fffd}\u{fffd} oops")
        );
    }

    #[test]
    fn non_json_and_huge_bodies_are_safe() {
        assert_eq!(TtMessage::parse(b"<html></html>"), TtMessage::default());
        let long = format!(r#"{{"message":"{}"}}"#, "é".repeat(2000));
        let m = TtMessage::parse(long.as_bytes());
        assert!(m.message.unwrap().len() <= MAX_TEXT + '…'.len_utf8());
    }
}
