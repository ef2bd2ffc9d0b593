//! Order enumeration labels (ttledger `/orderdata`): one `{enum, code,
//! label}` row per code of each enumeration.

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use ttrest::ttledger;

use super::{after, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::record::Record;
use crate::request::Args;

/// `ttrest orderdata`.
pub struct OrderData;

impl Dataset for OrderData {
    fn name(&self) -> &'static str {
        "orderdata"
    }

    fn noun(&self) -> &'static str {
        "labels"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::ORDERDATA
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        after(async move {
            let op = &ttledger::ops::GET_ORDERDATA;
            let answer = ctx
                .api
                .send(op, &Args::default())
                .await
                .map_err(|e| e.into_cli(ctx.env))?;
            let rows = enum_rows(answer.get("orderData").unwrap_or(&Value::Null));
            ctx.progress().records_done(rows.len() as u64);
            let records = rows.into_iter().map(|r| Ok(Record::Json(r)));
            Ok(stream::iter(records).boxed_local())
        })
    }
}

/// One `{enum, code, label}` row per code. TT sends each enumeration as an
/// object of code → label; a list of `{id, name}` is read too.
fn enum_rows(data: &Value) -> Vec<Value> {
    let Some(enums) = data.as_object() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (name, codes) in enums {
        match codes {
            Value::Object(map) => rows.extend(
                map.iter()
                    .map(|(code, label)| json!({"enum": name, "code": code, "label": label})),
            ),
            Value::Array(items) => rows.extend(items.iter().map(|item| {
                let code = item.get("id").or_else(|| item.get("code")).cloned();
                let label = item.get("name").or_else(|| item.get("label")).cloned();
                json!({"enum": name, "code": code, "label": label})
            })),
            other => rows.push(json!({"enum": name, "code": null, "label": other})),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_become_rows() {
        let data = json!({
            "side": {"1": "BUY", "2": "SELL"},
            "tif": [{"id": 0, "name": "DAY"}],
        });
        let rows = enum_rows(&data);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            json!({"enum": "side", "code": "1", "label": "BUY"})
        );
        assert_eq!(rows[2], json!({"enum": "tif", "code": 0, "label": "DAY"}));
        assert!(enum_rows(&Value::Null).is_empty());
    }
}
