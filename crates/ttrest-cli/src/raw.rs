//! Fills kept as the JSON text TT sent, borrowed from the page buffer.
//!
//! An export writes each fill once and never edits it, so building a
//! `serde_json::Value` per fill (a map of ~40 allocated strings) is wasted
//! work. A page is read once into borrowed slices; each [`RawFill`] holds the
//! page (reference-counted) and its own span, plus the time and dedup key the
//! paginator needs. JSON output copies the text as is; CSV reads the fields
//! from it with one borrowed pass.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use ttrest::paginate::{dedup_key, FillKey, FillRecord};
use ttrest::{Error, TtMessage};

use crate::exit::ApiError;
use crate::request::{not_json, Call};

/// One fill: its JSON text inside a page buffer.
#[derive(Clone)]
pub struct RawFill {
    page: Bytes,
    start: u32,
    end: u32,
    ts: Option<i64>,
    key: FillKey,
}

impl RawFill {
    /// The fill's JSON text, exactly as TT sent it.
    pub fn json(&self) -> &str {
        // The span is that of a `&str` serde_json borrowed from this buffer.
        std::str::from_utf8(&self.page[self.start as usize..self.end as usize]).unwrap_or("{}")
    }

    /// The fill as a JSON value, for writers that need one (the database
    /// store, Parquet's typed columns). The text was parsed once already as
    /// part of its page, so it always parses again.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.json()).unwrap_or_default()
    }

    /// A fill from its JSON text alone (tests, `--follow` merges).
    #[cfg(test)]
    pub fn from_json(json: &str) -> RawFill {
        let page = Bytes::copy_from_slice(json.as_bytes());
        let raw: &RawValue = serde_json::from_slice(&page).expect("fill JSON");
        RawFill::new(&page, raw).expect("fill")
    }

    /// `raw` borrows from `page`.
    fn new(page: &Bytes, raw: &RawValue) -> Result<RawFill, serde_json::Error> {
        let json = raw.get();
        let start = json.as_ptr() as usize - page.as_ptr() as usize;
        let keys: Keys = serde_json::from_str(json)?;
        let ts = keys.time_stamp.and_then(|t| t.nanos());
        let key = dedup_key(
            keys.record_id.as_deref(),
            keys.unique_exec_id.as_deref(),
            || json.to_string(),
        );
        Ok(RawFill {
            page: page.clone(),
            start: start as u32,
            end: (start + json.len()) as u32,
            ts,
            key,
        })
    }
}

impl fmt::Debug for RawFill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl FillRecord for RawFill {
    fn timestamp(&self) -> Option<i64> {
        self.ts
    }

    fn dedup_key(&self) -> FillKey {
        self.key.clone()
    }
}

/// What the paginator needs of a fill; every other field is skipped unread.
#[derive(Deserialize)]
struct Keys<'a> {
    #[serde(rename = "timeStamp", default)]
    time_stamp: Option<Nanos<'a>>,
    #[serde(rename = "recordId", borrow, default)]
    record_id: Option<Cow<'a, str>>,
    #[serde(rename = "uniqueExecId", borrow, default)]
    unique_exec_id: Option<Cow<'a, str>>,
}

/// An epoch-ns value: a number or a numeric string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Nanos<'a> {
    Number(i64),
    Text(#[serde(borrow)] Cow<'a, str>),
    Other(serde::de::IgnoredAny),
}

impl Nanos<'_> {
    fn nanos(&self) -> Option<i64> {
        match self {
            Nanos::Number(n) => Some(*n),
            Nanos::Text(s) => s.trim().parse().ok(),
            Nanos::Other(_) => None,
        }
    }
}

/// A fills page: the fills' texts and TT's envelope status.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    fills: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
}

/// The fills of one `/fills` answer, or the failure TT's envelope reports.
pub fn fills_page(body: Bytes, call: &Call) -> Result<Vec<RawFill>, ApiError> {
    let page: Page = serde_json::from_slice(&body).map_err(|e| not_json(call, &body, &e))?;
    if page.status.is_some_and(|s| s.get() != r#""Ok""#) {
        // Not the usual `"Ok"`: read the envelope in full.
        let tt: TtMessage = serde_json::from_slice(&body).unwrap_or_default();
        if tt.is_failure() {
            return Err(ApiError::Tt(Error::Tt {
                call: Box::new(call.info.clone()),
                status: call.status,
                tt,
            }));
        }
    }
    page.fills
        .unwrap_or_default()
        .into_iter()
        .map(|raw| RawFill::new(&body, raw).map_err(|e| not_json(call, &body, &e)))
        .collect()
}

/// The top-level fields of one JSON object, borrowed, in order.
pub struct Fields<'a>(pub Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Fields<'a> {
    /// Reads the fields of `json` (an object).
    pub fn of(json: &'a str) -> Result<Fields<'a>, serde_json::Error> {
        serde_json::from_str(json)
    }
}

impl<'de> Deserialize<'de> for Fields<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<'de>, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(48));
                while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call {
            info: ttrest::CallInfo::default(),
            status: reqwest::StatusCode::OK,
        }
    }

    #[test]
    fn a_page_is_cut_into_fills_with_time_and_key() {
        let body = br#"{"status":"Ok","fills":[{"recordId":"r1","timeStamp":"17","x":[1,2]},
            {"uniqueExecId":"u\"2","timeStamp":18}]}"#;
        let fills = fills_page(Bytes::from_static(body), &call()).unwrap();
        assert_eq!(fills.len(), 2);
        assert_eq!(
            fills[0].json(),
            r#"{"recordId":"r1","timeStamp":"17","x":[1,2]}"#
        );
        assert_eq!(
            (fills[0].timestamp(), fills[0].dedup_key()),
            (Some(17), "r:r1".into())
        );
        assert_eq!(
            (fills[1].timestamp(), fills[1].dedup_key()),
            (Some(18), "u:u\"2".into())
        );
    }

    #[test]
    fn a_failed_envelope_is_an_error_and_bad_json_says_so() {
        let failed = br#"{"status":"Fail","status_message":"nope"}"#;
        let err = fills_page(Bytes::from_static(failed), &call()).unwrap_err();
        assert!(format!("{err:?}").contains("nope"), "{err:?}");
        let err = fills_page(Bytes::from_static(b"<html>"), &call()).unwrap_err();
        assert!(format!("{err:?}").contains("not JSON"), "{err:?}");
    }

    #[test]
    fn fields_are_borrowed_in_order() {
        let f = Fields::of(r#"{"a":1,"b\n":"x","c":{"d":null}}"#).unwrap();
        let names: Vec<&str> = f.0.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(names, ["a", "b\n", "c"]);
        assert_eq!(f.0[2].1.get(), r#"{"d":null}"#);
    }
}
