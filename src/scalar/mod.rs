//! Lenient scalar types for the values TT sends in more than one JSON form.
//!
//! TT REST 2.0 is inconsistent about a few scalars (see `docs/tt-rest-facts.md`
//! §4.6 and §5 item 20):
//!
//! - ids above `i64::MAX` arrive as JSON strings, smaller ones sometimes as numbers: [`TtId`];
//! - epoch-nanosecond timestamps arrive as 19-digit JSON numbers (beyond the 2^53
//!   that an `f64` holds exactly) or as numeric strings: [`Timestamp`];
//! - flags arrive as `true`, `"true"`, `"True"`, `"TRUE"` or `"0"`/`"1"`: [`TtBool`];
//! - enumeration codes (`ordStatus`, `side`, `timeInForce`...) arrive as JSON numbers
//!   or strings, with values added over time: [`Code`], which decodes any JSON value.
//!
//! The generated clients use these types wherever a spec marks a property with
//! `"format": "tt-id" | "tt-timestamp-ns" | "tt-bool" | "tt-code"` (the normalizer turns the
//! format into an `x-rust-type` extension naming the type here).
//!
//! [`Secret`] is not lenient but private: fields marked `"format": "tt-secret"`
//! (the app secret in the token request, the token in its response) hold one, so
//! `Debug` never prints them.
//!
//! [`TtId`], [`Timestamp`], [`TtBool`] and [`Code`] follow the same rules:
//!
//! - **No lossy path**: deserialization never goes through `f64`; anything that cannot be
//!   represented exactly is rejected with an error saying what was expected.
//! - **Exact round trip**: each value remembers the JSON form it was read in
//!   (number or string, and the spelling of a flag), so decoding a TT response and
//!   encoding it again yields the same JSON. Values built in Rust use TT's usual form.
//! - **Comparison by value**: `PartialEq`, `Eq`, `Hash` and `Ord` ignore the remembered
//!   form, so `TtId` read from `"42"` equals `TtId` read from `42`.
//!
//! Numbers TT sends sometimes as integers and sometimes as floats (`displayFactor`
//! `1` vs `1.0`) stay plain `f64` in the specs: both forms denote the same value and
//! `f64` holds every such value exactly, only the textual form `1` becomes `1.0`.

mod boolean;
mod code;
mod id;
mod secret;
mod timestamp;

pub use boolean::TtBool;
pub use code::Code;
pub use id::TtId;
pub use secret::Secret;
pub use timestamp::{OutOfRange, Timestamp};

use std::fmt;

/// Longest part of a rejected input quoted back in an error message.
const MAX_QUOTED: usize = 64;

/// Why a string could not be parsed as one of the [`scalar`](self) types.
///
/// The message quotes the input (shortened if long) and says what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseScalarError {
    what: &'static str,
    input: String,
    reason: &'static str,
}

impl ParseScalarError {
    fn new(what: &'static str, input: &str, reason: &'static str) -> Self {
        let input = match input.char_indices().nth(MAX_QUOTED) {
            Some((cut, _)) => format!("{}...", &input[..cut]),
            None => input.to_string(),
        };
        Self {
            what,
            input,
            reason,
        }
    }
}

impl fmt::Display for ParseScalarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: {}", self.what, self.input, self.reason)
    }
}

impl std::error::Error for ParseScalarError {}

/// Whether a scalar was (or will be) written as a JSON number or a JSON string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumForm {
    Number,
    String,
}

/// Parses an unsigned decimal made of ASCII digits only (no sign, no spaces).
///
/// One pass: ids and timestamps are read from every fill of a page.
fn parse_digits(what: &'static str, s: &str) -> Result<u64, ParseScalarError> {
    if s.is_empty() {
        return Err(ParseScalarError::new(what, s, "empty string"));
    }
    let mut value: Option<u64> = Some(0);
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            let reason = if s.starts_with('-') {
                "must not be negative"
            } else {
                "expected decimal digits only (no sign, spaces or decimal point)"
            };
            return Err(ParseScalarError::new(what, s, reason));
        }
        value = value
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(u64::from(b - b'0')));
    }
    value.ok_or_else(|| ParseScalarError::new(what, s, "larger than u64::MAX"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_quote_the_input_and_shorten_long_inputs() {
        let err = parse_digits("TT id", "12a").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid TT id \"12a\": expected decimal digits only (no sign, spaces or decimal point)"
        );
        let long = "x".repeat(500);
        let shown = parse_digits("TT id", &long).unwrap_err().to_string();
        assert!(shown.contains(&format!("\"{}...\"", "x".repeat(MAX_QUOTED))));
        assert!(shown.len() < 200, "{shown}");
    }

    #[test]
    fn digits_reject_empty_negative_and_overflow() {
        assert!(parse_digits("x", "")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(parse_digits("x", "-1")
            .unwrap_err()
            .to_string()
            .contains("negative"));
        assert!(parse_digits("x", "18446744073709551616")
            .unwrap_err()
            .to_string()
            .contains("u64::MAX"));
        assert_eq!(parse_digits("x", "18446744073709551615"), Ok(u64::MAX));
    }
}
