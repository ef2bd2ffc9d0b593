//! [`RawFill`]: fills kept as the JSON text TT sent, borrowed from the page buffer.
//!
//! A sink writes each fill once and never edits it, so building a
//! `serde_json::Value` per fill (a map of ~40 allocated strings) is wasted
//! work. [`fills_page`] reads a page once into borrowed spans; each
//! [`RawFill`] holds the page (reference-counted) and its own span, plus the
//! time and identity the paginator needs. A JSON sink copies the text as is;
//! columns are read from it with [`crate::columns::read_cells`].

use std::fmt;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::fills::{dedup_key, FillRecord};
use super::key::{FillKey, IdText};
use crate::TtMessage;

/// One fill: its JSON text inside a page buffer, its `timeStamp` and its identity.
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

    /// The fill as a `serde_json::Value`, for code that needs one; sinks
    /// read columns from [`json`](Self::json) instead.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.json()).unwrap_or_default()
    }

    /// The fill's identity (see [`FillKey`]).
    pub fn key(&self) -> &FillKey {
        &self.key
    }

    /// A fill from its JSON text alone (a record from elsewhere, tests).
    pub fn from_json(json: &str) -> Result<RawFill, serde_json::Error> {
        let page = Bytes::copy_from_slice(json.trim().as_bytes());
        let raw: &RawValue = serde_json::from_slice(&page)?;
        RawFill::new(&page, raw)
    }

    /// `raw` borrows from `page`.
    fn new(page: &Bytes, raw: &RawValue) -> Result<RawFill, serde_json::Error> {
        let json = raw.get();
        if !json.starts_with('{') {
            return Err(serde::de::Error::custom("a fill is a JSON object"));
        }
        let start = json.as_ptr() as usize - page.as_ptr() as usize;
        let keys: Keys = serde_json::from_str(json)?;
        let ts = keys.time_stamp.and_then(|t| t.nanos());
        let record = keys.record_id.as_ref().and_then(IdText::text);
        let exec = keys.unique_exec_id.as_ref().and_then(IdText::text);
        let key = dedup_key(record.as_deref(), exec.as_deref(), || json.to_string());
        let span = |n: usize| {
            u32::try_from(n).map_err(|_| {
                serde::de::Error::custom("a page of fills over 4 GiB cannot be held as spans")
            })
        };
        Ok(RawFill {
            page: page.clone(),
            start: span(start)?,
            end: span(start + json.len())?,
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
    #[serde(rename = "timeStamp", borrow, default)]
    time_stamp: Option<IdText<'a>>,
    #[serde(rename = "recordId", borrow, default)]
    record_id: Option<IdText<'a>>,
    #[serde(rename = "uniqueExecId", borrow, default)]
    unique_exec_id: Option<IdText<'a>>,
}

impl IdText<'_> {
    /// An epoch-ns value: a number or a numeric string.
    fn nanos(&self) -> Option<i64> {
        match self {
            IdText::Text(s) => s.trim().parse().ok(),
            IdText::Unsigned(n) => i64::try_from(*n).ok(),
            IdText::Signed(n) => Some(*n),
            IdText::Other(_) => None,
        }
    }
}

/// Why a `/fills` answer gave no fills.
#[derive(Debug)]
pub enum FillsPageError {
    /// The body is not the JSON of a fills page.
    NotJson(serde_json::Error),
    /// TT's envelope reports a failure (`status` other than `"Ok"`).
    Failed(TtMessage),
}

impl fmt::Display for FillsPageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FillsPageError::NotJson(e) => write!(f, "the fills page is not JSON: {e}"),
            FillsPageError::Failed(tt) => {
                write!(f, "TT reports a failure")?;
                tt.fmt_suffix(f)
            }
        }
    }
}

impl std::error::Error for FillsPageError {}

/// A fills page: the fills' texts and TT's envelope status.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    fills: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    status: Option<&'a RawValue>,
}

/// The fills of one `/fills` (or `/tradingaccountfills`, `/tcrfills`) answer
/// body, each a [`RawFill`] sharing `body`; or the failure TT's envelope reports.
pub fn fills_page(body: Bytes) -> Result<Vec<RawFill>, FillsPageError> {
    let page: Page = serde_json::from_slice(&body).map_err(FillsPageError::NotJson)?;
    if page.status.is_some_and(|s| s.get() != r#""Ok""#) {
        // Not the usual `"Ok"`: read the envelope in full.
        let tt: TtMessage = serde_json::from_slice(&body).unwrap_or_default();
        if tt.is_failure() {
            return Err(FillsPageError::Failed(tt));
        }
    }
    page.fills
        .unwrap_or_default()
        .into_iter()
        .map(|raw| RawFill::new(&body, raw).map_err(FillsPageError::NotJson))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_into_fills_with_time_and_key() {
        let body = br#"{"status":"Ok","fills":[{"recordId":"r1","timeStamp":"17","x":[1,2]},
            {"uniqueExecId":"u\"2","timeStamp":18}, {"timeStamp":19, "lastPx": 1.5}]}"#;
        let fills = fills_page(Bytes::from_static(body)).unwrap();
        assert_eq!(fills.len(), 3);
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
        assert_eq!(
            fills[2].key(),
            &FillKey::of_json(r#"{"lastPx":1.5,"timeStamp":19}"#).unwrap()
        );
        assert_eq!(
            RawFill::from_json(fills[2].json()).unwrap().key(),
            fills[2].key()
        );
    }

    #[test]
    fn a_failed_envelope_is_an_error_and_bad_json_says_so() {
        let failed = br#"{"status":"Fail","status_message":"nope"}"#;
        let err = fills_page(Bytes::from_static(failed)).unwrap_err();
        assert!(
            matches!(&err, FillsPageError::Failed(_)) && format!("{err}").contains("nope"),
            "{err:?}"
        );
        let err = fills_page(Bytes::from_static(b"<html>")).unwrap_err();
        assert!(matches!(err, FillsPageError::NotJson(_)), "{err:?}");
    }
}
