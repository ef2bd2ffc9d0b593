//! [`FillKey`]: what makes a fill unique, without an allocation in the common case.

use std::cmp::Ordering;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A fill's dedup key: `r:` + its `recordId`, else `u:` + its `uniqueExecId`,
/// else `j:` + the whole record as JSON (see [`dedup_key`](super::dedup_key)).
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

    /// The key of a fill with neither id: its JSON text.
    pub fn whole(json: &str) -> Self {
        Self(Repr::Text(format!("j:{json}").into_boxed_str()))
    }

    fn id(kind: u8, id: &str) -> Self {
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
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.split_at_checked(2) {
            Some(("r:", id)) => Self::record_id(id),
            Some(("u:", id)) => Self::unique_exec_id(id),
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
            r#"j:{"lastPx":1.5}"#.to_string(),
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
            FillKey::whole("{}"),
        ];
        for a in &keys {
            for b in &keys {
                assert_eq!(a.cmp(b), a.to_string().cmp(&b.to_string()), "{a} vs {b}");
            }
        }
    }
}
