//! [`Timestamp`]: a TT epoch-nanosecond timestamp.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{parse_digits, NumForm, ParseScalarError};

const WHAT: &str = "TT timestamp";

/// An instant as TT sends it: nanoseconds since the Unix epoch, UTC.
///
/// TT writes these as 19-digit JSON numbers (beyond the 2^53 an `f64` holds
/// exactly, so they never go through floating point here) or as numeric strings;
/// both are accepted and the form read is written back. Timestamps built in Rust
/// are written as JSON integers.
///
/// The value is an `i64`, the range chrono uses for nanosecond timestamps
/// (years 1677 to 2262): every `Timestamp` therefore has an RFC 3339 form, and
/// [`Display`](fmt::Display) cannot fail. TT's timestamps are all far inside it.
///
/// Equality, hashing and ordering use the instant only.
///
/// ```
/// use ttrest::scalar::Timestamp;
///
/// let t: Timestamp = serde_json::from_str("1705415400123456789").unwrap();
/// assert_eq!(t.to_string(), "2024-01-16T14:30:00.123456789Z");
/// assert_eq!("2024-01-16T14:30:00.123456789Z".parse::<Timestamp>().unwrap(), t);
/// assert_eq!(serde_json::to_string(&t).unwrap(), "1705415400123456789");
/// ```
#[derive(Clone, Copy)]
pub struct Timestamp {
    nanos: i64,
    form: NumForm,
}

impl Timestamp {
    /// The Unix epoch, 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Self = Self::from_nanos(0);

    /// The instant `nanos` nanoseconds after the Unix epoch (before it if negative).
    pub const fn from_nanos(nanos: i64) -> Self {
        Self {
            nanos,
            form: NumForm::Number,
        }
    }

    /// Nanoseconds since the Unix epoch.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The current time, or `None` if the clock is beyond year 2262.
    pub fn now() -> Option<Self> {
        Self::try_from(SystemTime::now()).ok()
    }

    /// This instant moved by `nanos`, or `None` past the representable range.
    ///
    /// Fill paging asks for `minTimestamp` = last `timeStamp` + 1.
    pub const fn checked_add_nanos(self, nanos: i64) -> Option<Self> {
        match self.nanos.checked_add(nanos) {
            Some(sum) => Some(Self {
                nanos: sum,
                form: self.form,
            }),
            None => None,
        }
    }

    /// This instant as a chrono UTC date-time.
    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.nanos)
    }

    /// This instant in RFC 3339 with as many fractional digits as needed (0, 3, 6 or 9).
    pub fn to_rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// Parses an RFC 3339 date-time with any offset, keeping nanoseconds.
    pub fn parse_rfc3339(s: &str) -> Result<Self, ParseScalarError> {
        let parsed = DateTime::parse_from_rfc3339(s).map_err(|_| {
            ParseScalarError::new(WHAT, s, "expected RFC 3339, e.g. 2024-01-16T14:30:00Z")
        })?;
        Self::try_from(parsed.with_timezone(&Utc))
            .map_err(|_| ParseScalarError::new(WHAT, s, "outside the years 1677 to 2262"))
    }

    /// Parses epoch nanoseconds written as decimal digits with an optional `-`.
    fn parse_nanos(s: &str) -> Result<Self, ParseScalarError> {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let magnitude =
            parse_digits(WHAT, digits).map_err(|e| ParseScalarError::new(WHAT, s, e.reason))?;
        let nanos = if negative {
            0i128 - i128::from(magnitude)
        } else {
            i128::from(magnitude)
        };
        i64::try_from(nanos)
            .map(Self::from_nanos)
            .map_err(|_| ParseScalarError::new(WHAT, s, "outside the years 1677 to 2262"))
    }

    /// Marks this timestamp as read from a JSON string, so it is written back as one.
    const fn quoted(self) -> Self {
        Self {
            nanos: self.nanos,
            form: NumForm::String,
        }
    }
}

impl Default for Timestamp {
    /// The Unix epoch.
    fn default() -> Self {
        Self::UNIX_EPOCH
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.to_datetime()
    }
}

/// Epoch nanoseconds, TT's own unit (`builder.min_timestamp(1_795_185_000_000_000_000)`).
impl From<i64> for Timestamp {
    fn from(nanos: i64) -> Self {
        Timestamp::from_nanos(nanos)
    }
}

impl TryFrom<DateTime<Utc>> for Timestamp {
    type Error = OutOfRange;

    /// Fails outside the years 1677 to 2262.
    fn try_from(t: DateTime<Utc>) -> Result<Self, OutOfRange> {
        t.timestamp_nanos_opt()
            .map(Self::from_nanos)
            .ok_or(OutOfRange)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(t: Timestamp) -> Self {
        let magnitude = Duration::from_nanos(t.nanos.unsigned_abs());
        if t.nanos >= 0 {
            UNIX_EPOCH + magnitude
        } else {
            UNIX_EPOCH - magnitude
        }
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = OutOfRange;

    /// Fails outside the years 1677 to 2262.
    fn try_from(t: SystemTime) -> Result<Self, OutOfRange> {
        // i128 so that i64::MIN (whose magnitude no i64 holds) converts too.
        let nanos = match t.duration_since(UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).ok(),
            Err(before) => i128::try_from(before.duration().as_nanos())
                .ok()
                .map(|n| -n),
        };
        let nanos = nanos.and_then(|n| i64::try_from(n).ok());
        nanos.map(Self::from_nanos).ok_or(OutOfRange)
    }
}

/// An instant outside the years 1677 to 2262, which a [`Timestamp`] cannot hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfRange;

impl fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("instant outside the years 1677 to 2262 that TT timestamps cover")
    }
}

impl std::error::Error for OutOfRange {}

impl FromStr for Timestamp {
    type Err = ParseScalarError;

    /// Accepts epoch nanoseconds (`1705415400123456789`), an RFC 3339 date-time
    /// (`2024-01-16T14:30:00.5+01:00`) or a UTC date (`2024-01-16`, midnight).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let unsigned = s.strip_prefix('-').unwrap_or(s);
        if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return Self::parse_nanos(s);
        }
        if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            let midnight = date.and_time(chrono::NaiveTime::MIN).and_utc();
            return Self::try_from(midnight)
                .map_err(|_| ParseScalarError::new(WHAT, s, "outside the years 1677 to 2262"));
        }
        Self::parse_rfc3339(s).map_err(|_| {
            ParseScalarError::new(
                WHAT,
                s,
                "expected epoch nanoseconds, an RFC 3339 date-time or a YYYY-MM-DD date",
            )
        })
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2024-01-16T14:30:00.123456789Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({} = {})", self.nanos, self.to_rfc3339())
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Timestamp {}

impl Hash for Timestamp {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.form {
            NumForm::Number => serializer.serialize_i64(self.nanos),
            NumForm::String => serializer.collect_str(&self.nanos),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TimestampVisitor)
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a TT timestamp: integer nanoseconds since 1970 as a JSON number or decimal string",
        )
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
        Ok(Timestamp::from_nanos(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
        i64::try_from(v).map(Timestamp::from_nanos).map_err(|_| {
            E::invalid_value(
                Unexpected::Unsigned(v),
                &"a TT timestamp before the year 2262 (at most i64::MAX nanoseconds)",
            )
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
        // 19-digit nanoseconds do not fit an f64 exactly: a float means digits were lost.
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
        Timestamp::parse_nanos(v)
            .map(Timestamp::quoted)
            .map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NANOS: i64 = 1_705_415_400_123_456_789;

    fn decode(text: &str) -> Result<Timestamp, serde_json::Error> {
        serde_json::from_str(text)
    }

    fn round_trip(text: &str) -> String {
        serde_json::to_string(&decode(text).unwrap()).unwrap()
    }

    #[test]
    fn epoch_nanos_convert_into_a_timestamp() {
        let t: Timestamp = NANOS.into();
        assert_eq!(t.as_nanos(), NANOS);
        assert_eq!(serde_json::to_string(&t).unwrap(), NANOS.to_string());
    }

    #[test]
    fn nineteen_digit_numbers_and_strings_round_trip_exactly() {
        // Above 2^53: an f64 anywhere on the way would change the last digits.
        for text in [
            "1705415400123456789",
            r#""1705415400123456789""#,
            "1705415400123456781",
            "9223372036854775807",
            r#""0""#,
            "0",
        ] {
            assert_eq!(round_trip(text), text);
        }
        assert_eq!(decode("1705415400123456789").unwrap().as_nanos(), NANOS);
        assert_eq!(
            decode(r#""1705415400123456789""#).unwrap(),
            Timestamp::from_nanos(NANOS)
        );
    }

    #[test]
    fn rejects_floats_overflow_and_garbage_with_clear_messages() {
        let cases = [
            ("1.705415400123456789e18", "expected a TT timestamp"),
            ("1705415400.5", "expected a TT timestamp"),
            ("9223372036854775808", "before the year 2262"),
            (r#""9223372036854775808""#, "outside the years"),
            (r#""2024-01-16T14:30:00Z""#, "decimal digits only"),
            (r#""17054154001234x""#, "decimal digits only"),
            (r#""""#, "empty"),
            ("true", "expected a TT timestamp"),
        ];
        for (text, needle) in cases {
            let err = decode(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn built_in_rust_serializes_as_integer() {
        assert_eq!(json!(Timestamp::from_nanos(NANOS)), json!(NANOS));
        assert_eq!(json!(Timestamp::default()), json!(0));
    }

    #[test]
    fn rfc3339_with_nanoseconds_both_ways() {
        let t = Timestamp::from_nanos(NANOS);
        assert_eq!(t.to_string(), "2024-01-16T14:30:00.123456789Z");
        assert_eq!(
            Timestamp::from_nanos(1_705_415_400_000_000_000).to_string(),
            "2024-01-16T14:30:00Z"
        );
        assert_eq!(
            Timestamp::parse_rfc3339("2024-01-16T15:30:00.123456789+01:00"),
            Ok(t)
        );
        assert_eq!(
            Timestamp::from_nanos(-1).to_string(),
            "1969-12-31T23:59:59.999999999Z"
        );
    }

    #[test]
    fn from_str_accepts_nanos_rfc3339_and_dates() {
        let t = Timestamp::from_nanos(NANOS);
        assert_eq!("1705415400123456789".parse(), Ok(t));
        assert_eq!("2024-01-16T14:30:00.123456789Z".parse(), Ok(t));
        assert_eq!(
            "2024-01-16".parse(),
            Ok(Timestamp::from_nanos(1_705_363_200_000_000_000))
        );
        assert_eq!("-5".parse(), Ok(Timestamp::from_nanos(-5)));
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "1-2",
            "-",
            "99999999999999999999",
        ] {
            let err = bad.parse::<Timestamp>().unwrap_err().to_string();
            assert!(err.starts_with("invalid TT timestamp"), "{bad}: {err}");
        }
    }

    #[test]
    fn system_time_and_chrono_conversions_are_exact() {
        for nanos in [NANOS, 0, -1_500, i64::MAX, i64::MIN] {
            let t = Timestamp::from_nanos(nanos);
            assert_eq!(Timestamp::try_from(SystemTime::from(t)), Ok(t));
            assert_eq!(Timestamp::try_from(t.to_datetime()), Ok(t));
        }
        let far = UNIX_EPOCH + Duration::from_secs(400 * 365 * 86_400);
        assert_eq!(Timestamp::try_from(far), Err(OutOfRange));
    }

    #[test]
    fn arithmetic_keeps_the_form_and_checks_overflow() {
        let t = decode(r#""1705415400123456789""#).unwrap();
        let next = t.checked_add_nanos(1).unwrap();
        assert_eq!(json!(next), json!("1705415400123456790"));
        assert_eq!(Timestamp::from_nanos(i64::MAX).checked_add_nanos(1), None);
        assert!(t < next);
    }
}
