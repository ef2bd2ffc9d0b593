//! [`Record`]: what a dataset yields and a sink writes.
//!
//! A record is either a fill kept as the JSON text TT sent (a [`RawFill`],
//! borrowed from its page: zero-copy from the answer to the sink) or a JSON
//! value (lists, whose records are few and small). Sinks read both through
//! the same methods; only a sink that needs a value builds one.

use std::borrow::Cow;

use serde_json::Value;

use crate::raw::RawFill;

/// One record of a dataset.
#[derive(Clone, Debug)]
pub enum Record {
    /// A fill as TT's JSON text inside its page buffer.
    Text(RawFill),
    /// A record as a JSON value.
    Json(Value),
}

impl Record {
    /// The record's JSON text: a fill's as TT sent it, a value serialized.
    pub fn json(&self) -> Cow<'_, str> {
        match self {
            Record::Text(fill) => Cow::Borrowed(fill.json()),
            Record::Json(value) => Cow::Owned(value.to_string()),
        }
    }

    /// The record's JSON text on one line: a fill's text as TT sent it
    /// (compacted only if it spans lines), a value serialized.
    pub fn one_line(&self) -> Cow<'_, str> {
        match self {
            Record::Text(fill) => one_line(fill.json()),
            Record::Json(value) => Cow::Owned(value.to_string()),
        }
    }
}

impl From<RawFill> for Record {
    fn from(fill: RawFill) -> Record {
        Record::Text(fill)
    }
}

impl From<Value> for Record {
    fn from(value: Value) -> Record {
        Record::Json(value)
    }
}

/// JSON text on one line: as is, or compacted if TT sent it across lines.
fn one_line(json: &str) -> Cow<'_, str> {
    if json.contains(['\n', '\r']) {
        let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        Cow::Owned(value.to_string())
    } else {
        Cow::Borrowed(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_value_records_read_alike() {
        let text = Record::from(RawFill::from_json("{\"timeStamp\":2,\n \"b\": [1, 2]}").unwrap());
        let value = Record::from(serde_json::json!({"timeStamp": 2, "b": [1, 2]}));
        assert_eq!(text.one_line(), r#"{"timeStamp":2,"b":[1,2]}"#);
        assert_eq!(text.one_line(), value.one_line());
        assert_eq!(text.json(), "{\"timeStamp\":2,\n \"b\": [1, 2]}", "as sent");
        assert_eq!(value.json(), r#"{"timeStamp":2,"b":[1,2]}"#);
        let plain = Record::from(RawFill::from_json(r#"{"a":"x"}"#).unwrap());
        assert!(matches!(plain.one_line(), Cow::Borrowed(_)), "no copy");
    }
}
