//! [`TtId`]: a TT id that may exceed `i64::MAX`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{parse_digits, NumForm, ParseScalarError};

const WHAT: &str = "TT id";

/// A TT id (instrument, product, product family, algo...): an unsigned 64-bit integer.
///
/// Such ids go beyond `i64::MAX` (e.g. `10628608476345732679`), so TT REST 2.0 sends
/// them as JSON strings; smaller ids sometimes come as JSON numbers. Both forms are
/// accepted and the form read is written back. Ids built in Rust are written as
/// strings, TT 2.0's form.
///
/// Equality, hashing and ordering use the numeric value only.
///
/// ```
/// use ttrest::scalar::TtId;
///
/// let id: TtId = serde_json::from_str(r#""18261353047579511153""#).unwrap();
/// assert_eq!(id.get(), 18261353047579511153);
/// assert_eq!(serde_json::to_string(&id).unwrap(), r#""18261353047579511153""#);
/// assert_eq!(serde_json::from_str::<TtId>("7").unwrap(), TtId::new(7));
/// ```
#[derive(Clone, Copy)]
pub struct TtId {
    value: u64,
    form: NumForm,
}

impl TtId {
    /// An id with this value, written as a JSON string.
    pub const fn new(value: u64) -> Self {
        Self {
            value,
            form: NumForm::String,
        }
    }

    /// The numeric value.
    pub const fn get(self) -> u64 {
        self.value
    }
}

impl From<u64> for TtId {
    fn from(value: u64) -> Self {
        Self::new(value)
    }
}

impl From<TtId> for u64 {
    fn from(id: TtId) -> Self {
        id.value
    }
}

impl FromStr for TtId {
    type Err = ParseScalarError;

    /// Parses decimal digits (no sign, no spaces), up to `u64::MAX`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_digits(WHAT, s).map(Self::new)
    }
}

impl fmt::Display for TtId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for TtId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TtId({})", self.value)
    }
}

impl PartialEq for TtId {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for TtId {}

impl Hash for TtId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialOrd for TtId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TtId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl Serialize for TtId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.form {
            NumForm::Number => serializer.serialize_u64(self.value),
            NumForm::String => serializer.collect_str(&self.value),
        }
    }
}

impl<'de> Deserialize<'de> for TtId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = TtId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TT id: an unsigned 64-bit integer as a JSON number or decimal string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TtId, E> {
        Ok(TtId {
            value: v,
            form: NumForm::Number,
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TtId, E> {
        u64::try_from(v)
            .map(|v| self.visit_u64::<E>(v))
            .map_err(|_| E::invalid_value(Unexpected::Signed(v), &"a non-negative TT id"))?
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<TtId, E> {
        // A float id has already lost digits (or never was an id): refuse it.
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TtId, E> {
        v.parse::<TtId>().map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(text: &str) -> Result<TtId, serde_json::Error> {
        serde_json::from_str(text)
    }

    fn round_trip(text: &str) -> String {
        serde_json::to_string(&decode(text).unwrap()).unwrap()
    }

    #[test]
    fn twenty_digit_string_ids_round_trip_exactly() {
        for text in [
            r#""10628608476345732679""#,
            r#""16143309052651006928""#,
            r#""18261353047579511153""#,
            r#""18446744073709551615""#,
            r#""0""#,
        ] {
            assert_eq!(round_trip(text), text);
        }
        assert_eq!(decode(r#""18446744073709551615""#).unwrap().get(), u64::MAX);
    }

    #[test]
    fn number_ids_round_trip_as_numbers() {
        for text in ["7", "1234567", "18446744073709551615"] {
            assert_eq!(round_trip(text), text);
        }
    }

    #[test]
    fn equality_hash_and_order_ignore_the_form() {
        let s = decode(r#""42""#).unwrap();
        let n = decode("42").unwrap();
        assert_eq!(s, n);
        let set: std::collections::HashSet<TtId> = [s, n].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(TtId::new(9) < TtId::new(10_628_608_476_345_732_679));
    }

    #[test]
    fn ids_built_in_rust_serialize_as_strings() {
        assert_eq!(json!(TtId::from(5)), json!("5"));
        assert_eq!(json!(TtId::new(u64::MAX)), json!("18446744073709551615"));
    }

    #[test]
    fn decodes_inside_values_and_maps() {
        // serde_json::Value keeps 20-digit numbers as u64: no f64 on the way.
        let value = json!({"id": 18261353047579511153u64});
        let id = TtId::deserialize(&value["id"]).unwrap();
        assert_eq!(id.get(), 18_261_353_047_579_511_153);
    }

    #[test]
    fn rejects_negative_float_overflow_and_garbage_with_clear_messages() {
        let cases = [
            ("-1", "non-negative TT id"),
            (r#""-1""#, "must not be negative"),
            ("1.5", "expected a TT id"),
            ("1e3", "expected a TT id"),
            (r#""18446744073709551616""#, "larger than u64::MAX"),
            ("18446744073709551616", "expected a TT id"),
            (r#""12ab""#, "decimal digits only"),
            (r#"" 12""#, "decimal digits only"),
            (r#""""#, "empty"),
            ("true", "expected a TT id"),
            ("null", "expected a TT id"),
        ];
        for (text, needle) in cases {
            let err = decode(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn from_str_display_and_debug() {
        let id: TtId = "10628608476345732679".parse().unwrap();
        assert_eq!(id.to_string(), "10628608476345732679");
        assert_eq!(format!("{id:?}"), "TtId(10628608476345732679)");
        assert_eq!(u64::from(id), 10_628_608_476_345_732_679);
        assert!("+5".parse::<TtId>().is_err());
    }
}
