//! Columns: the default columns of each dataset (stable, shown in `--help`),
//! the `--columns` check, and [`Column`], which every sink reads fields by.
//! This module is the one place the column lists live.
//!
//! A column is `field`, `header:field|alternative` (TT spells a few fields two
//! ways) or `header:@field` (an epoch-ns field as RFC 3339 UTC). Ids and
//! epoch-ns timestamps are written exactly as TT sent them.

use std::collections::BTreeSet;

use serde_json::Value;
use ttrest::scalar::Timestamp;

use crate::exit::CliError;

/// `ttrest fills`: one row per fill. The fields real 2026 records carry
/// (`docs/tt-rest-facts-2.md` §3), including what tells a spread's parent
/// (`multiLegReportingType` 3) from its legs (2, with `parentInstrumentId`).
pub const FILLS: &[&str] = &[
    "timeStamp",
    "time:@timeStamp",
    "tradeDate",
    "recordId",
    "uniqueExecId",
    "execId:execId|execID",
    "orderId",
    "parentOrderId",
    "secondaryOrderId",
    "accountId",
    "account",
    "currUserId",
    "marketId",
    "instrumentId",
    "securityDesc",
    "multiLegReportingType",
    "parentInstrumentId",
    "side",
    "lastQty",
    "lastPx",
    "ordStatus",
    "ordType:ordType|orderType",
    "transactTime",
    "manualOrderIndicator",
    "connectionId:connectionId|exchOrderAssoc",
    "textA",
];

/// `ttrest orders`.
pub const ORDERS: &[&str] = &[
    "orderId",
    "dateTime",
    "time:@dateTime",
    "accountId",
    "userId",
    "instrumentId",
    "securityDescription",
    "side",
    "orderType",
    "orderStatus",
    "timeInForce",
    "orderQty",
    "price",
    "stopPrice",
    "cumulatedQuantity",
    "leavesQuantity",
    "parentOrderId",
];

/// `ttrest positions`.
pub const POSITIONS: &[&str] = &[
    "accountId",
    "instrumentId",
    "netPosition",
    "buyFillQty",
    "sellFillQty",
    "buyWorkingQty",
    "sellWorkingQty",
    "avgBuy",
    "avgSell",
    "openAvgPrice",
    "pnl",
    "pnlPrice",
    "pnlPriceType",
    "realizedPnl",
    "sodNetPos",
    "sodPrice",
    "sodPriceType",
];

/// `ttrest accounts`.
pub const ACCOUNTS: &[&str] = &[
    "id",
    "name",
    "accountType",
    "companyId",
    "parentAccountId",
    "parentId",
    "brokerName",
    "revision",
];

/// `ttrest users`.
pub const USERS: &[&str] = &[
    "id",
    "alias",
    "email",
    "firstname",
    "lastname",
    "companyId:company.id",
    "company:company.name",
];

/// `ttrest markets`.
pub const MARKETS: &[&str] = &["id", "name"];

/// `ttrest products`.
pub const PRODUCTS: &[&str] = &[
    "id",
    "symbol",
    "name",
    "familyId",
    "productTypeId",
    "marketId",
    "state",
    "isInterProduct",
];

/// `ttrest instruments`.
pub const INSTRUMENTS: &[&str] = &[
    "id",
    "alias",
    "name",
    "productId",
    "productSymbol",
    "marketId",
    "productTypeId",
    "term",
    "expirationDate",
    "lastTradeDate",
    "tickSize",
    "tickValue",
    "pointValue",
    "displayFactor",
    "securityId",
];

/// `ttrest orderdata`: one row per code of each enumeration.
pub const ORDERDATA: &[&str] = &["enum", "code", "label"];

/// The record schema (service, name in the spec) behind each list's columns.
fn schema_of(defaults: &[&str]) -> Option<(&'static str, &'static str)> {
    let tables: [(&[&str], &str, &str); 8] = [
        (FILLS, "ttledger", "Fill"),
        (ORDERS, "ttledger", "Order"),
        (POSITIONS, "ttmonitor", "Position"),
        (ACCOUNTS, "ttaccount", "Account"),
        (USERS, "ttuser", "User"),
        (MARKETS, "ttpds", "Market"),
        (PRODUCTS, "ttpds", "Product"),
        (INSTRUMENTS, "ttpds", "Instrument"),
    ];
    tables
        .into_iter()
        .find(|(table, _, _)| std::ptr::eq(*table, defaults))
        .map(|(_, service, schema)| (service, schema))
}

/// The field names a `--columns` spec may use with these defaults: the
/// fields of the record's schema in the built-in spec, plus those the
/// defaults read.
pub fn known_fields(defaults: &[&str]) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = defaults
        .iter()
        .flat_map(|spec| {
            let source = spec.split_once(':').map_or(*spec, |(_, s)| s);
            source.trim_start_matches('@').split('|').map(top_level)
        })
        .map(str::to_string)
        .collect();
    if let Some((service, schema)) = schema_of(defaults) {
        let spec = ttrest::service::enabled()
            .iter()
            .find(|s| s.name == service)
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s.spec_json).ok());
        let properties = spec
            .as_ref()
            .and_then(|v| v.pointer(&format!("/components/schemas/{schema}/properties")))
            .and_then(|p| p.as_object());
        known.extend(properties.into_iter().flat_map(|p| p.keys().cloned()));
    }
    known
}

/// `a` of a nested path `a.b`.
fn top_level(field: &str) -> &str {
    field.split('.').next().unwrap_or(field).trim()
}

/// Checks `--columns`: no empty names, no header twice, and every field one
/// the record has (see [`known_fields`]); the error lists the names that exist.
pub fn check(specs: &[String], defaults: &[&str]) -> Result<(), CliError> {
    if specs.is_empty() || specs.iter().all(|s| s.trim().is_empty()) {
        return Err(CliError::usage("--columns: the list is empty")
            .hint("name at least one column, e.g. --columns timeStamp,lastQty,lastPx"));
    }
    let known = known_fields(defaults);
    let mut headers = BTreeSet::new();
    for (n, spec) in specs.iter().enumerate() {
        let column = Column::parse(spec);
        if spec.trim().is_empty() || column.header().is_empty() {
            return Err(CliError::usage(format!(
                "--columns: column {} is empty (two commas, or a trailing one?)",
                n + 1
            )));
        }
        if !headers.insert(column.header().to_string()) {
            return Err(CliError::usage(format!(
                "--columns: the header `{}` appears twice",
                column.header()
            ))
            .hint("rename one with `header:field`, e.g. t:@timeStamp"));
        }
        for field in column.fields() {
            let top = top_level(field);
            if top.is_empty() || !known.contains(top) {
                let close: Vec<&String> = known
                    .iter()
                    .filter(|k| k.eq_ignore_ascii_case(top))
                    .collect();
                let hint = match close.first() {
                    Some(k) => format!("did you mean `{k}`? Names are case-sensitive"),
                    None => format!(
                        "fields: {}",
                        known
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                return Err(CliError::usage(format!(
                    "--columns: no field `{top}` in these records"
                ))
                .hint(hint));
            }
        }
    }
    Ok(())
}

/// The `--help` text listing `columns`.
pub fn help(columns: &[&str]) -> String {
    let mut text = String::from("CSV columns (override with --columns):\n");
    for spec in columns {
        let (header, source) = spec.split_once(':').unwrap_or((spec, ""));
        let note = match source.strip_prefix('@') {
            Some(field) => format!("  ({field} as RFC 3339 UTC)"),
            None if source.contains('|') => format!("  (first of {})", source.replace('|', ", ")),
            None if !source.is_empty() => format!("  (from {source})"),
            None => String::new(),
        };
        text.push_str(&format!("  {header}{note}\n"));
    }
    text.push_str(
        "Ids and epoch-ns timestamps are written exactly as TT sent them; nested \
         values as compact JSON; missing fields as empty cells.\n\
         JSON formats keep every field TT sends.",
    );
    text
}

/// One CSV column: a header and where its text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub(crate) header: String,
    /// Field paths tried in order (`a.b` looks inside objects).
    pub(crate) fields: Vec<String>,
    /// Render an epoch-ns field as RFC 3339 (UTC, nanoseconds kept).
    pub(crate) as_time: bool,
    /// One of the command's default columns (Parquet drops a default that
    /// repeats another's field; a column the user asked for is kept).
    pub(crate) default: bool,
}

impl Column {
    /// Parses `header`, `header:field|other` or `header:@field` (RFC 3339 of
    /// an epoch-ns field).
    pub fn parse(spec: &str) -> Column {
        let (header, source) = spec.split_once(':').unwrap_or((spec, spec));
        let (as_time, source) = match source.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        Column {
            header: header.trim().to_string(),
            fields: source.split('|').map(|f| f.trim().to_string()).collect(),
            as_time,
            default: false,
        }
    }

    /// Parses a command's default columns.
    pub fn list(specs: &[&str]) -> Vec<Column> {
        specs
            .iter()
            .map(|s| Column {
                default: true,
                ..Column::parse(s)
            })
            .collect()
    }

    /// The header.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The field paths, in the order they are tried.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// This column's text for `record`: ids and integers exactly as sent,
    /// nested values as compact JSON, missing values empty.
    pub fn cell(&self, record: &Value) -> String {
        let value = self.fields.iter().find_map(|f| lookup(record, f));
        match value {
            None | Some(Value::Null) => String::new(),
            Some(v) => self.value_cell(v),
        }
    }

    /// The cell of a value found for this column.
    pub fn value_cell(&self, v: &Value) -> String {
        match self.as_time {
            true => rfc3339(v).unwrap_or_else(|| text(v)),
            false => text(v),
        }
    }
}

/// The value at `path` (`a.b` looks inside objects).
pub fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An epoch-ns value (number or numeric string) as RFC 3339.
pub fn rfc3339(v: &Value) -> Option<String> {
    let ns = match v {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Timestamp::from_nanos(ns).to_rfc3339())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_column_once() {
        let text = help(FILLS);
        for spec in FILLS {
            let header = spec.split(':').next().unwrap();
            assert!(text.contains(&format!("\n  {header}")), "{header} missing");
        }
        assert!(text.contains("time  (timeStamp as RFC 3339 UTC)"));
        assert!(text.contains("execId  (first of execId, execID)"));
    }

    #[test]
    fn columns_are_checked_against_the_spec_and_the_defaults() {
        let list = |s: &[&str]| s.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert!(check(
            &list(&["timeStamp", "t:@timeStamp", "execId:execID"]),
            FILLS
        )
        .is_ok());
        assert!(check(&list(&["tradeMatchId", "company.name"]), FILLS).is_err());
        assert!(check(&list(&["companyId:company.id"]), USERS).is_ok());
        let typo = check(&list(&["lastpx"]), FILLS).unwrap_err();
        assert!(typo.hint.unwrap().contains("lastPx"));
        let unknown = check(&list(&["bogus"]), POSITIONS).unwrap_err();
        assert!(unknown.hint.unwrap().contains("pnlPriceType"));
        assert!(check(&list(&[""]), FILLS).is_err());
        assert!(check(&list(&["timeStamp", ""]), FILLS).is_err());
        assert!(check(&list(&["a:timeStamp", "a:lastPx"]), FILLS).is_err());
        for defaults in [
            FILLS,
            ORDERS,
            POSITIONS,
            ACCOUNTS,
            USERS,
            MARKETS,
            PRODUCTS,
            INSTRUMENTS,
            ORDERDATA,
        ] {
            let own: Vec<String> = defaults.iter().map(|c| c.to_string()).collect();
            assert!(check(&own, defaults).is_ok(), "{defaults:?}");
        }
    }

    #[test]
    fn cells_keep_ids_and_timestamps_exact() {
        let fill = serde_json::json!({
            "timeStamp": 1795185000123456789u64,
            "instrumentId": "18261353047579511153",
            "execID": "x1",
            "lastPx": 4512.25,
            "parties": [{"role": 85}],
            "company": {"name": "SBX"},
        });
        let cell = |spec: &str| Column::parse(spec).cell(&fill);
        assert_eq!(cell("timeStamp"), "1795185000123456789");
        assert_eq!(cell("time:@timeStamp"), "2026-11-20T14:30:00.123456789Z");
        assert_eq!(cell("instrumentId"), "18261353047579511153");
        assert_eq!(cell("execId:execId|execID"), "x1");
        assert_eq!(cell("lastPx"), "4512.25");
        assert_eq!(cell("parties"), r#"[{"role":85}]"#);
        assert_eq!(cell("company.name"), "SBX");
        assert_eq!(cell("missing"), "");
    }
}
