//! [`Code`]: an enumeration code TT sends as a JSON number or as a string.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Longest string code kept inline, without an allocation (TT's are a few bytes).
const INLINE: usize = 22;

/// The JSON a code arrived as.
///
/// 24 bytes: a page of fills holds about twenty codes per fill, and the common
/// forms (an `i64` or a short string) need no allocation.
#[derive(Clone)]
enum Raw {
    /// `2`: a JSON integer in `i64` range.
    Int(i64),
    /// `"2"`, `"NONE"`: a string of at most [`INLINE`] bytes.
    Short { len: u8, bytes: [u8; INLINE] },
    /// A longer string.
    Long(Box<str>),
    /// Anything else, kept as is: integers beyond `i64`, floats, and what TT may
    /// send one day (`true`, an object...).
    Other(Box<Value>),
}

impl Raw {
    fn string(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Raw::Short {
                len: s.len() as u8,
                bytes,
            }
        } else {
            Raw::Long(s.into())
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Raw::Short { len, bytes } => {
                // Copied from a `&str` up to its length: always UTF-8.
                Some(std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default())
            }
            Raw::Long(s) => Some(s),
            Raw::Int(_) | Raw::Other(_) => None,
        }
    }

    fn value(value: Value) -> Self {
        match value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Raw::Int(i),
                None => Raw::Other(Box::new(Value::Number(n))),
            },
            Value::String(s) => Raw::string(&s),
            other => Raw::Other(Box::new(other)),
        }
    }
}

/// An enumeration code such as `ordStatus`, `ordType`, `execType`, `side` or
/// `timeInForce`.
///
/// TT's public samples disagree on whether these are JSON numbers (`2`) or
/// strings (`"2"`), and TT adds values without notice. A `Code` decodes from
/// any JSON value, so one odd field never fails a whole page, and writes back
/// exactly what it read. Codes built in Rust from an integer are written as a
/// number, from a string as a string. Integers and short strings are held
/// inline (24 bytes, no allocation).
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
            Raw::Int(i) => Some(*i),
            Raw::Other(v) => v.as_i64(),
            raw => raw.str().and_then(|s| s.parse().ok()),
        }
    }

    /// The code as text: a number's digits, a string's content, or other
    /// JSON as JSON text.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Raw::Int(i) => Cow::Owned(i.to_string()),
            Raw::Other(v) => match &**v {
                Value::Number(n) => Cow::Owned(n.to_string()),
                other => Cow::Owned(other.to_string()),
            },
            raw => Cow::Borrowed(raw.str().unwrap_or_default()),
        }
    }

    /// Whether TT sent the code as a JSON number.
    pub fn is_number(&self) -> bool {
        match &self.0 {
            Raw::Int(_) => true,
            Raw::Other(v) => v.is_number(),
            Raw::Short { .. } | Raw::Long(_) => false,
        }
    }

    /// The JSON value exactly as it was read (or will be written).
    pub fn to_json(&self) -> Value {
        match &self.0 {
            Raw::Int(i) => Value::from(*i),
            Raw::Other(v) => (**v).clone(),
            raw => Value::String(raw.str().unwrap_or_default().to_string()),
        }
    }
}

impl From<i64> for Code {
    /// Written as a JSON number.
    fn from(code: i64) -> Self {
        Self(Raw::Int(code))
    }
}

impl From<&str> for Code {
    /// Written as a JSON string.
    fn from(code: &str) -> Self {
        Self(Raw::string(code))
    }
}

impl From<String> for Code {
    /// Written as a JSON string.
    fn from(code: String) -> Self {
        Self(Raw::string(&code))
    }
}

impl From<Value> for Code {
    /// Keeps the value as it is (a number, a string or anything else).
    fn from(value: Value) -> Self {
        Self(Raw::value(value))
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Raw::Int(a), Raw::Int(b)) => a == b,
            _ => self.text() == other.text(),
        }
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
            Raw::Int(i) => write!(f, "Code({i})"),
            Raw::Other(v) => write!(f, "Code({v})"),
            raw => write!(f, "Code({:?})", raw.str().unwrap_or_default()),
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
            Raw::Int(i) => serializer.serialize_i64(*i),
            Raw::Other(v) => v.serialize(serializer),
            raw => serializer.serialize_str(raw.str().unwrap_or_default()),
        }
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CodeVisitor)
    }
}

/// Reads the common forms directly; anything else becomes a `Value`.
struct CodeVisitor;

impl<'de> Visitor<'de> for CodeVisitor {
    type Value = Code;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an enumeration code (any JSON value)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Code, E> {
        Ok(Code(Raw::Int(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
        // serde_json reports every non-negative integer here.
        Ok(Code(match i64::try_from(v) {
            Ok(i) => Raw::Int(i),
            Err(_) => Raw::Other(Box::new(Value::from(v))),
        }))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Code, E> {
        Ok(Code(Raw::value(Value::from(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
        Ok(Code(Raw::string(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Code, E> {
        Ok(Code(Raw::value(Value::Bool(v))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Code, E> {
        Ok(Code(Raw::value(Value::Null)))
    }

    fn visit_none<E: de::Error>(self) -> Result<Code, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Code, D::Error> {
        Code::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Code, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Code::from)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Code, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Code::from)
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
    fn long_strings_odd_numbers_and_null_round_trip() {
        let long = format!("\"{}\"", "X".repeat(INLINE + 1));
        for json in [
            long.as_str(),
            r#""0002""#,
            "-9223372036854775808",
            "9223372036854775808",
            "2.0",
            "null",
            r#""""#,
        ] {
            assert_eq!(serde_json::to_string(&read(json)).unwrap(), json);
        }
        assert_eq!(read(&long).text().len(), INLINE + 1);
        assert!(read("9223372036854775808").is_number());
        assert_eq!(read("2.0").as_i64(), None);
    }

    #[test]
    fn holds_common_codes_inline() {
        assert_eq!(std::mem::size_of::<Code>(), 24);
        assert_eq!(std::mem::size_of::<Option<Code>>(), 24);
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
