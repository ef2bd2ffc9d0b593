//! [`FillKey`]: what makes a fill unique, without an allocation in the common case.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fill's identity: `r:` + its `recordId`, else `u:` + its `uniqueExecId`
/// (never `execId`, which TT leaves out of some fills and reuses across
/// others), else `h:` + 32 hex digits: a 128-bit FNV-1a hash of the record's
/// [canonical form](canonical_json) (keys sorted, no whitespace, numbers in
/// one spelling), so the same fill sent with its keys in another order or
/// stored as PostgreSQL `jsonb` keeps its key. See [`FillKey::of_json`] and
/// [`dedup_key`](super::dedup_key). The paginator and `ttrest-store` use this
/// one identity.
///
/// The key is the text; [`Display`](fmt::Display) writes it and
/// [`FromStr`] reads it back, and a [`FillsCursor`](super::FillsCursor)
/// serializes its keys as that text. Ids that are hyphenated UUIDs (all lower
/// or all upper case, TT's `recordId` and `uniqueExecId`) are held as 128 bits
/// instead, so the paginator keys a page of fills without a string per fill;
/// any other id keeps its text. Equality, hashing and ordering are those of the
/// text.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FillKey(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// `kind` is `b'r'` or `b'u'`; every id that parses as a UUID takes this form,
    /// so equal texts always have equal representations.
    Uuid { kind: u8, upper: bool, bits: u128 },
    /// Any other key, prefix included.
    Text(Box<str>),
}

impl FillKey {
    /// The key of a fill with this `recordId`.
    pub fn record_id(id: &str) -> Self {
        Self::id(b'r', id)
    }

    /// The key of a fill with this `uniqueExecId` (and no `recordId`).
    pub fn unique_exec_id(id: &str) -> Self {
        Self::id(b'u', id)
    }

    /// The key of a fill with neither id: `h:` and the hash of the canonical
    /// form of its JSON text (of the text itself if it is not JSON).
    pub fn hashed(json: &str) -> Self {
        let hash = match canonical_json(json) {
            Ok(canonical) => fnv1a_128(canonical.as_bytes()),
            Err(_) => fnv1a_128(json.as_bytes()),
        };
        Self(Repr::Text(format!("h:{hash:032x}").into_boxed_str()))
    }

    /// The identity of one fill given as JSON text (an object), read in one
    /// pass: `recordId`, else `uniqueExecId` (a non-empty string, or a number
    /// as its digits), else the [hash](Self::hashed) of the whole record.
    pub fn of_json(json: &str) -> Result<Self, serde_json::Error> {
        if !json.trim_start().starts_with('{') {
            return Err(serde::de::Error::custom("a fill is a JSON object"));
        }
        let ids: Ids<'_> = serde_json::from_str(json)?;
        Ok(ids.key(json))
    }

    pub(crate) fn id(kind: u8, id: &str) -> Self {
        match parse_uuid(id) {
            Some((bits, upper)) => Self(Repr::Uuid { kind, upper, bits }),
            None => Self(Repr::Text(
                format!("{}:{id}", char::from(kind)).into_boxed_str(),
            )),
        }
    }
}

/// A hyphenated UUID's 128 bits, and whether its hex digits are upper case;
/// `None` for anything else, mixed case included (it could not be written back).
fn parse_uuid(s: &str) -> Option<(u128, bool)> {
    let bytes = s.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let (mut bits, mut lower, mut upper) = (0u128, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => {
                lower = true;
                b - b'a' + 10
            }
            b'A'..=b'F' => {
                upper = true;
                b - b'A' + 10
            }
            _ => return None,
        };
        bits = bits << 4 | u128::from(digit);
    }
    (!(lower && upper)).then_some((bits, upper))
}

fn write_uuid(f: &mut fmt::Formatter<'_>, bits: u128, upper: bool) -> fmt::Result {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    for nibble in 0..32 {
        if matches!(nibble, 8 | 12 | 16 | 20) {
            f.write_char('-')?;
        }
        let d = (bits >> (124 - 4 * nibble)) & 0xf;
        f.write_char(char::from(digits[d as usize]))?;
    }
    Ok(())
}

/// An id field as the identity reads it: a string, or a number's digits.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum IdText<'a> {
    /// A JSON string (borrowed unless it has escapes).
    Text(#[serde(borrow)] std::borrow::Cow<'a, str>),
    /// A JSON integer.
    Unsigned(u64),
    /// A negative JSON integer.
    Signed(i64),
    /// Anything else (not an id).
    Other(serde::de::IgnoredAny),
}

impl IdText<'_> {
    /// The id's text, if it is one and not empty.
    pub(crate) fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            IdText::Text(s) if !s.is_empty() => Some(Cow::Borrowed(s)),
            IdText::Unsigned(n) => Some(Cow::Owned(n.to_string())),
            IdText::Signed(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
}

/// The two ids of a fill; every other field is skipped unread.
#[derive(Deserialize)]
struct Ids<'a> {
    #[serde(rename = "recordId", borrow, default)]
    record_id: Option<IdText<'a>>,
    #[serde(rename = "uniqueExecId", borrow, default)]
    unique_exec_id: Option<IdText<'a>>,
}

impl Ids<'_> {
    fn key(&self, json: &str) -> FillKey {
        let record = self.record_id.as_ref().and_then(IdText::text);
        let exec = self.unique_exec_id.as_ref().and_then(IdText::text);
        super::fills::dedup_key(record.as_deref(), exec.as_deref(), || json.to_string())
    }
}

/// 128-bit FNV-1a.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// The canonical form of a JSON text: no whitespace, the keys of every object
/// sorted (by their UTF-8 bytes; of a key given twice, the last), strings
/// escaped as `serde_json` writes them, and each number in one spelling: an
/// integer literal in `i64`/`u64` range as its digits; any other number as the
/// shortest text of its `f64`, written as an integer when it is a whole
/// number below 2^53 (`1e2`, `100.0` and `100` are all `100`; `1.50` is `1.5`).
///
/// Two texts of the same record (TT's, and the same record after a trip
/// through PostgreSQL `jsonb`, which reorders keys) have the same form.
///
/// ```
/// use ttrest::paginate::canonical_json;
///
/// let a = canonical_json(r#"{"b": [1.50, 1e2], "a": "\u0041"}"#).unwrap();
/// assert_eq!(a, r#"{"a":"A","b":[1.5,100]}"#);
/// assert_eq!(canonical_json(r#"{"a":"A","b":[1.5,100.0]}"#).unwrap(), a);
/// ```
pub fn canonical_json(json: &str) -> Result<String, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len());
    write_canonical(&mut out, &value);
    Ok(out)
}

fn write_canonical(out: &mut String, value: &serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                let _ = write!(out, "{i}");
            } else if let Some(u) = n.as_u64() {
                let _ = write!(out, "{u}");
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
                    let _ = write!(out, "{}", f as i64);
                } else {
                    out.push_str(
                        &serde_json::Number::from_f64(f).map_or("null".into(), |n| n.to_string()),
                    );
                }
            }
        }
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_canonical(out, v);
            }
            out.push('}');
        }
    }
}

impl fmt::Display for FillKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Uuid { kind, upper, bits } => {
                f.write_char(char::from(*kind))?;
                f.write_char(':')?;
                write_uuid(f, *bits, *upper)
            }
            Repr::Text(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for FillKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl FromStr for FillKey {
    type Err = std::convert::Infallible;

    /// Reads a key's text (as [`Display`](fmt::Display) writes it); never fails.
    ///
    /// A `j:` key (the whole record as JSON, which cursors saved by earlier
    /// versions hold) is read as the [`h:` key](Self::hashed) of that JSON,
    /// so a saved cursor still recognizes the fills it yielded.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.split_at_checked(2) {
            Some(("r:", id)) => Self::record_id(id),
            Some(("u:", id)) => Self::unique_exec_id(id),
            Some(("j:", json)) if canonical_json(json).is_ok() => Self::hashed(json),
            _ => Self(Repr::Text(text.into())),
        })
    }
}

impl From<&str> for FillKey {
    fn from(text: &str) -> Self {
        match text.parse() {
            Ok(key) => key,
            Err(never) => match never {},
        }
    }
}

// Comparing with a text parses it into a key: a UUID key needs no allocation,
// and only a non-UUID text is copied, which is how keys are stored anyway.
#[allow(clippy::cmp_owned)]
impl PartialEq<str> for FillKey {
    fn eq(&self, other: &str) -> bool {
        *self == FillKey::from(other)
    }
}

#[allow(clippy::cmp_owned)]
impl PartialEq<&str> for FillKey {
    fn eq(&self, other: &&str) -> bool {
        *self == FillKey::from(*other)
    }
}

impl Ord for FillKey {
    /// The order of the texts.
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            // Same prefix and case: fixed-width hex in the order of its bits.
            (
                Repr::Uuid { kind, upper, bits },
                Repr::Uuid {
                    kind: k2,
                    upper: u2,
                    bits: b2,
                },
            ) if kind == k2 && upper == u2 => bits.cmp(b2),
            (Repr::Text(a), Repr::Text(b)) => a.cmp(b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

impl PartialOrd for FillKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for FillKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FillKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(FillKey::from(&*text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "9f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f4a5b";

    #[test]
    fn texts_round_trip_exactly() {
        let upper = UUID.to_uppercase();
        let mixed = format!("A{}", &UUID[1..]);
        for text in [
            format!("r:{UUID}"),
            format!("u:{upper}"),
            format!("r:{mixed}"),
            "r:00000000-0000-0000-0000-000000000000".to_string(),
            "r:12345".to_string(),
            "u:".to_string(),
            format!("h:{:032x}", 7u128),
            "x".to_string(),
        ] {
            let key = FillKey::from(text.as_str());
            assert_eq!(key.to_string(), text);
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(serde_json::from_str::<FillKey>(&json).unwrap(), key);
        }
    }

    #[test]
    fn uuids_take_no_text_and_equal_their_text() {
        let key = FillKey::record_id(UUID);
        assert!(matches!(key.0, Repr::Uuid { .. }));
        assert_eq!(key, FillKey::from(format!("r:{UUID}").as_str()));
        assert_ne!(key, FillKey::unique_exec_id(UUID));
        assert_ne!(key, FillKey::record_id(&UUID.to_uppercase()));
        assert!(matches!(FillKey::record_id("not-a-uuid").0, Repr::Text(_)));
    }

    #[test]
    fn order_is_the_order_of_the_texts() {
        let keys = [
            FillKey::record_id(UUID),
            FillKey::record_id("9f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f4a5c"),
            FillKey::record_id(&UUID.to_uppercase()),
            FillKey::record_id("zzz"),
            FillKey::record_id("0"),
            FillKey::unique_exec_id(UUID),
            FillKey::hashed("{}"),
        ];
        for a in &keys {
            for b in &keys {
                assert_eq!(a.cmp(b), a.to_string().cmp(&b.to_string()), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn the_identity_prefers_record_id_then_unique_exec_id_never_exec_id() {
        let key = |json: &str| FillKey::of_json(json).unwrap().to_string();
        assert_eq!(key(r#"{"recordId":"a","uniqueExecId":"b"}"#), "r:a");
        assert_eq!(key(r#"{"recordId":"","uniqueExecId":"b"}"#), "u:b");
        assert_eq!(key(r#"{"recordId":null,"uniqueExecId":12}"#), "u:12");
        assert_eq!(key(r#"{"recordId":7}"#), "r:7");
        let one = key(r#"{"execId":"7","lastPx":1.5}"#);
        let two = key(r#"{"execId":"7","lastPx":1.75}"#);
        assert!(one.starts_with("h:") && one.len() == 34, "{one}");
        assert_ne!(one, two, "a reused execId does not merge two fills");
        assert!(FillKey::of_json("[1]").is_err());
    }

    #[test]
    fn the_hash_ignores_whitespace_key_order_and_number_spelling() {
        let a = FillKey::hashed(r#"{"execId":"7","lastPx":1.5,"x":{"b":1,"a":[100]}}"#);
        let b = FillKey::hashed(
            "{ \"x\" : {\"a\":[1e2], \"b\":1.0},\n \"lastPx\":1.50, \"execId\":\"\\u0037\"}",
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            FillKey::hashed(r#"{"execId":"7","lastPx":1.5,"x":{"b":2,"a":[100]}}"#)
        );
        assert_eq!(
            canonical_json(r#"{"z":18446744073709551615,"y":-3,"x":0.1,"w":1e300}"#).unwrap(),
            r#"{"w":1e+300,"x":0.1,"y":-3,"z":18446744073709551615}"#
        );
    }

    #[test]
    fn a_legacy_whole_record_key_reads_as_its_hash() {
        let json = r#"{"lastPx":1.5,"execId":"7"}"#;
        assert_eq!(
            FillKey::from(format!("j:{json}").as_str()),
            FillKey::hashed(json)
        );
        assert_eq!(FillKey::from("j:not json").to_string(), "j:not json");
    }
}
