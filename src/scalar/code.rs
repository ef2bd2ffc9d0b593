//! [`Code`]: an enumeration code TT sends as a JSON number or as a string.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

/// The JSON a code arrived as.
#[derive(Clone, Debug)]
enum Raw {
    /// `2`
    Number(Number),
    /// `"2"`, `"NONE"`
    String(String),
    /// Anything else TT may send one day (`true`, an object...), kept as is.
    Other(Value),
}

/// An enumeration code such as `ordStatus`, `ordType`, `execType`, `side` or
/// `timeInForce`.
///
/// TT's public samples disagree on whether these are JSON numbers (`2`) or
/// strings (`"2"`), and TT adds values without notice. A `Code` decodes from
/// any JSON value, so one odd field never fails a whole page, and writes back
/// exactly what it read. Codes built in Rust from an integer are written as a
/// number, from a string as a string.
///
/// Equality and hashing compare the code's text ([`Code::text`]), so `2` equals
/// `"2"`. Labels for the codes come from ttledger `GET /orderdata`.
///
/// ```
/// use ttrest::scalar::Code;
///
/// let number: Code = serde_json::from_str("2").unwrap();
/// let string: Code = serde_json::from_str(r#""2""#).unwrap();
/// assert_eq!(number, string);
/// assert_eq!(number.as_i64(), Some(2));
/// assert_eq!(serde_json::to_string(&string).unwrap(), r#""2""#);
/// let unknown: Code = serde_json::from_str(r#""NEW_VALUE""#).unwrap();
/// assert_eq!(unknown.as_i64(), None);
/// assert_eq!(unknown.text(), "NEW_VALUE");
/// ```
#[derive(Clone)]
pub struct Code(Raw);

impl Code {
    /// The code as an integer: a JSON integer, or a string of decimal digits
    /// (with an optional leading `-`). `None` for anything else.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Raw::Number(n) => n.as_i64(),
            Raw::String(s) => s.parse().ok(),
            Raw::Other(_) => None,
        }
    }

    /// The code as text: a number's digits, a string's content, or other
    /// JSON as JSON text.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Raw::Number(n) => Cow::Owned(n.to_string()),
            Raw::String(s) => Cow::Borrowed(s),
            Raw::Other(v) => Cow::Owned(v.to_string()),
        }
    }

    /// Whether TT sent the code as a JSON number.
    pub fn is_number(&self) -> bool {
        matches!(self.0, Raw::Number(_))
    }

    /// The JSON value exactly as it was read (or will be written).
    pub fn to_json(&self) -> Value {
        match &self.0 {
            Raw::Number(n) => Value::Number(n.clone()),
            Raw::String(s) => Value::String(s.clone()),
            Raw::Other(v) => v.clone(),
        }
    }
}

impl From<i64> for Code {
    /// Written as a JSON number.
    fn from(code: i64) -> Self {
        Self(Raw::Number(code.into()))
    }
}

impl From<&str> for Code {
    /// Written as a JSON string.
    fn from(code: &str) -> Self {
        Self(Raw::String(code.to_string()))
    }
}

impl From<String> for Code {
    /// Written as a JSON string.
    fn from(code: String) -> Self {
        Self(Raw::String(code))
    }
}

impl From<Value> for Code {
    /// Keeps the value as it is (a number, a string or anything else).
    fn from(value: Value) -> Self {
        Self(match value {
            Value::Number(n) => Raw::Number(n),
            Value::String(s) => Raw::String(s),
            other => Raw::Other(other),
        })
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Code {}

impl Hash for Code {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text().hash(state);
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Raw::Number(n) => write!(f, "Code({n})"),
            Raw::String(s) => write!(f, "Code({s:?})"),
            Raw::Other(v) => write!(f, "Code({v})"),
        }
    }
}

impl fmt::Display for Code {
    /// The code's [`text`](Code::text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Raw::Number(n) => n.serialize(serializer),
            Raw::String(s) => serializer.serialize_str(s),
            Raw::Other(v) => v.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Code::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Code {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_strings_decode_and_keep_their_form() {
        for json in [
            "2",
            r#""2""#,
            "-1",
            "18446744073709551615",
            "1.5",
            r#""NONE""#,
        ] {
            assert_eq!(serde_json::to_string(&read(json)).unwrap(), json);
        }
        assert!(read("2").is_number());
        assert!(!read(r#""2""#).is_number());
    }

    #[test]
    fn values_tt_may_add_later_decode_and_round_trip() {
        for json in ["true", r#"{"a":1}"#, "[1,2]"] {
            let code = read(json);
            assert_eq!(serde_json::to_string(&code).unwrap(), json);
            assert_eq!(code.as_i64(), None);
        }
    }

    #[test]
    fn equality_and_hash_ignore_the_form() {
        use std::collections::HashSet;
        assert_eq!(read("2"), read(r#""2""#));
        assert_ne!(read("2"), read(r#""02""#));
        let set: HashSet<Code> = [read("3"), read(r#""3""#)].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn integers_read_from_either_form() {
        assert_eq!(read("14").as_i64(), Some(14));
        assert_eq!(read(r#""14""#).as_i64(), Some(14));
        assert_eq!(read(r#""-3""#).as_i64(), Some(-3));
        assert_eq!(read(r#""1a""#).as_i64(), None);
        assert_eq!(read("1.5").as_i64(), None);
    }

    #[test]
    fn built_codes_use_the_form_of_their_rust_value() {
        assert_eq!(serde_json::to_string(&Code::from(2)).unwrap(), "2");
        assert_eq!(serde_json::to_string(&Code::from("2")).unwrap(), r#""2""#);
        assert_eq!(Code::from(2).to_string(), "2");
        assert_eq!(format!("{:?}", Code::from("x")), r#"Code("x")"#);
    }

    #[test]
    fn a_typed_record_with_a_numeric_code_decodes() {
        #[derive(Deserialize, Serialize)]
        struct Fill {
            #[serde(rename = "ordStatus")]
            ord_status: Option<Code>,
        }
        let fill: Fill = serde_json::from_str(r#"{"ordStatus":2}"#).unwrap();
        assert_eq!(fill.ord_status.as_ref().and_then(Code::as_i64), Some(2));
        assert_eq!(serde_json::to_string(&fill).unwrap(), r#"{"ordStatus":2}"#);
    }
}
