//! TT's several error shapes, folded into one [`TtMessage`].
//!
//! - ttid `/token` 4xx/5xx: `{"status":"StatusFail","status_message","status_desc","statusCode"}`
//! - ttid `/token` with HTTP 200: `{"status":"Fail","status_message"}`
//! - Lambda-backed endpoints: `{"status","status_message","statusCode"}`
//! - API Gateway defaults: `{"message": "..."}`

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
    /// `message`: the API gateway's error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Longest TT message kept, so a huge error page cannot flood logs.
const MAX_TEXT: usize = 500;

impl TtMessage {
    /// Parses an error body; anything that is not one of TT's shapes gives an
    /// empty message (the HTTP status still tells what happened).
    pub(crate) fn parse(body: &[u8]) -> TtMessage {
        let mut m: TtMessage = serde_json::from_slice(body).unwrap_or_default();
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
    fn non_json_and_huge_bodies_are_safe() {
        assert_eq!(TtMessage::parse(b"<html>502</html>"), TtMessage::default());
        let long = format!(r#"{{"message":"{}"}}"#, "é".repeat(2000));
        let m = TtMessage::parse(long.as_bytes());
        assert!(m.message.unwrap().len() <= MAX_TEXT + '…'.len_utf8());
    }
}
