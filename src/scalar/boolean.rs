//! [`TtBool`]: a flag TT sends as a JSON boolean or as a string.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Not};
use std::str::FromStr;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ParseScalarError;

const WHAT: &str = "TT flag";

/// How a flag was written, so it can be written back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BoolForm {
    /// `true` / `false`
    Json,
    /// `1` / `0` as JSON numbers
    Int,
    /// `"true"` / `"false"`: TT's usual form (`lastPage`)
    Lower,
    /// `"True"` / `"False"`
    Title,
    /// `"TRUE"` / `"FALSE"`
    Upper,
    /// `"1"` / `"0"` (`manualOrderIndicator` per the docs)
    Digit,
}

/// A TT flag such as `lastPage`, `aggressorIndicator`, `manualFill` or `mineOnly`.
///
/// TT sends these as JSON booleans, as the strings `"true"`, `"True"` or `"TRUE"`
/// (any letter case is accepted), as `"0"`/`"1"`, or as the numbers `0`/`1`. The
/// spelling read is written back; flags built in Rust are written as the lowercase
/// strings `"true"`/`"false"`, the form TT uses for `lastPage`.
///
/// Derefs to `bool`; equality, hashing and ordering use the truth value only.
///
/// ```
/// use ttrest::scalar::TtBool;
///
/// let last: TtBool = serde_json::from_str(r#""True""#).unwrap();
/// assert!(*last);
/// assert_eq!(serde_json::to_string(&last).unwrap(), r#""True""#);
/// assert_eq!(serde_json::to_string(&TtBool::from(false)).unwrap(), r#""false""#);
/// ```
#[derive(Clone, Copy)]
pub struct TtBool {
    value: bool,
    form: BoolForm,
}

impl TtBool {
    /// A flag with this value, written as `"true"` or `"false"`.
    pub const fn new(value: bool) -> Self {
        Self {
            value,
            form: BoolForm::Lower,
        }
    }

    /// The truth value.
    pub const fn get(self) -> bool {
        self.value
    }

    /// Parses one of the string spellings TT uses.
    fn parse(s: &str) -> Result<Self, ParseScalarError> {
        let (value, form) = match s {
            "true" => (true, BoolForm::Lower),
            "false" => (false, BoolForm::Lower),
            "True" => (true, BoolForm::Title),
            "False" => (false, BoolForm::Title),
            "TRUE" => (true, BoolForm::Upper),
            "FALSE" => (false, BoolForm::Upper),
            "1" => (true, BoolForm::Digit),
            "0" => (false, BoolForm::Digit),
            // Odd casings are accepted but written back in TT's lowercase form.
            _ if s.eq_ignore_ascii_case("true") => (true, BoolForm::Lower),
            _ if s.eq_ignore_ascii_case("false") => (false, BoolForm::Lower),
            _ => {
                return Err(ParseScalarError::new(
                    WHAT,
                    s,
                    "expected \"true\" or \"false\" (any case), \"1\" or \"0\"",
                ))
            }
        };
        Ok(Self { value, form })
    }
}

impl Default for TtBool {
    /// `"false"`.
    fn default() -> Self {
        Self::new(false)
    }
}

impl From<bool> for TtBool {
    fn from(value: bool) -> Self {
        Self::new(value)
    }
}

impl From<TtBool> for bool {
    fn from(flag: TtBool) -> Self {
        flag.value
    }
}

impl Deref for TtBool {
    type Target = bool;

    fn deref(&self) -> &bool {
        &self.value
    }
}

impl Not for TtBool {
    type Output = bool;

    fn not(self) -> bool {
        !self.value
    }
}

impl PartialEq<bool> for TtBool {
    fn eq(&self, other: &bool) -> bool {
        self.value == *other
    }
}

impl FromStr for TtBool {
    type Err = ParseScalarError;

    /// Accepts `true`/`false` in any letter case and `1`/`0`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TtBool {
    /// `true` or `false`, whatever the spelling read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl fmt::Debug for TtBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TtBool({})", self.value)
    }
}

impl PartialEq for TtBool {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for TtBool {}

impl Hash for TtBool {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl PartialOrd for TtBool {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TtBool {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl Serialize for TtBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.value;
        match self.form {
            BoolForm::Json => serializer.serialize_bool(v),
            BoolForm::Int => serializer.serialize_u8(u8::from(v)),
            BoolForm::Lower => serializer.serialize_str(if v { "true" } else { "false" }),
            BoolForm::Title => serializer.serialize_str(if v { "True" } else { "False" }),
            BoolForm::Upper => serializer.serialize_str(if v { "TRUE" } else { "FALSE" }),
            BoolForm::Digit => serializer.serialize_str(if v { "1" } else { "0" }),
        }
    }
}

impl<'de> Deserialize<'de> for TtBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BoolVisitor)
    }
}

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = TtBool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TT flag: a boolean, \"true\"/\"false\" in any case, or 0/1")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<TtBool, E> {
        Ok(TtBool {
            value: v,
            form: BoolForm::Json,
        })
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TtBool, E> {
        match v {
            0 | 1 => Ok(TtBool {
                value: v == 1,
                form: BoolForm::Int,
            }),
            _ => Err(E::invalid_value(Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TtBool, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TtBool, E> {
        TtBool::parse(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(text: &str) -> Result<TtBool, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn every_observed_spelling_decodes_and_round_trips_exactly() {
        let cases = [
            ("true", true),
            ("false", false),
            ("1", true),
            ("0", false),
            (r#""true""#, true),
            (r#""false""#, false),
            (r#""True""#, true),
            (r#""False""#, false),
            (r#""TRUE""#, true),
            (r#""FALSE""#, false),
            (r#""1""#, true),
            (r#""0""#, false),
        ];
        for (text, value) in cases {
            let flag = decode(text).unwrap();
            assert_eq!(flag.get(), value, "{text}");
            assert_eq!(serde_json::to_string(&flag).unwrap(), text);
        }
    }

    #[test]
    fn odd_casings_are_accepted_and_written_in_lowercase() {
        let flag = decode(r#""tRuE""#).unwrap();
        assert!(*flag);
        assert_eq!(json!(flag), json!("true"));
    }

    #[test]
    fn rejects_garbage_with_clear_messages() {
        let cases = [
            (
                r#""yes""#,
                r#"invalid TT flag "yes": expected "true" or "false""#,
            ),
            (r#""""#, r#"invalid TT flag "": expected"#),
            (r#"" true""#, r#"invalid TT flag " true": expected"#),
            ("2", "expected a TT flag"),
            ("-1", "expected a TT flag"),
            ("0.0", "expected a TT flag"),
            ("null", "expected a TT flag"),
        ];
        for (text, needle) in cases {
            let err = decode(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn converts_and_compares_by_value() {
        let title = decode(r#""True""#).unwrap();
        let json = decode("true").unwrap();
        assert_eq!(title, json);
        assert!(title.eq(&true) && !title.eq(&false));
        assert!(bool::from(title));
        assert!(!TtBool::default());
        assert_eq!(json!(TtBool::from(true)), json!("true"));
        assert_eq!(json!(TtBool::default()), json!("false"));
        assert_eq!("FALSE".parse::<TtBool>(), Ok(TtBool::new(false)));
        assert_eq!(title.to_string(), "true");
        assert_eq!(format!("{title:?}"), "TtBool(true)");
    }
}
