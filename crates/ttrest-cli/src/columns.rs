//! Columns: the default columns of each dataset (stable, shown in `--help`),
//! the `--columns` check, and [`Column`], which every sink reads fields by.
//! This module is the one place the export's column lists live.
//!
//! A column is `field`, `header:field|alternative` (TT spells a few fields two
//! ways) or `header:@field` (an epoch-ns field as RFC 3339 UTC). Its type is
//! the spec's: each list names fields of its record type's generated table
//! (`ttrest::columns::FILL`, `ORDER`, `POSITION`, ...), which gives every
//! column its [`ColumnKind`] for CSV, Parquet and the store alike.

use std::collections::BTreeSet;

use serde_json::Value;
use ttrest::columns::{self as table, ColumnKind};

use crate::exit::CliError;

/// `ttrest fills`: one row per fill. The fields real 2026 records carry
/// (`docs/tt-rest-facts-2.md` §3), including what tells a spread's parent
/// (`multiLegReportingType` 3) from its legs (2, with `parentInstrumentId`).
pub static FILLS: &[&str] = &[
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
pub static ORDERS: &[&str] = &[
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
pub static POSITIONS: &[&str] = &[
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
pub static ACCOUNTS: &[&str] = &[
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
pub static USERS: &[&str] = &[
    "id",
    "alias",
    "email",
    "firstname",
    "lastname",
    "companyId:company.id",
    "company:company.name",
];

/// `ttrest markets`.
pub static MARKETS: &[&str] = &["id", "name"];

/// `ttrest products`.
pub static PRODUCTS: &[&str] = &[
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
pub static INSTRUMENTS: &[&str] = &[
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
pub static ORDERDATA: &[&str] = &["enum", "code", "label"];

/// The records `ttrest orderdata` builds: one per code of an enumeration.
pub const ORDERDATA_TABLE: &[table::Column] = &[
    table::Column {
        name: "enum",
        field: "enum",
        also: &[],
        kind: ColumnKind::Text,
    },
    table::Column {
        name: "code",
        field: "code",
        also: &[],
        kind: ColumnKind::Code,
    },
    table::Column {
        name: "label",
        field: "label",
        also: &[],
        kind: ColumnKind::Text,
    },
];

/// The column table of the record type behind a dataset's default columns
/// (the lists are `static`, so each has one address)
/// (`FILLS` → `ttrest::columns::FILL`): every field a `--columns` may name,
/// with the spec's type.
pub fn table_of(defaults: &[&str]) -> &'static [table::Column] {
    let tables: [(&[&str], &'static [table::Column]); 9] = [
        (FILLS, table::FILL),
        (ORDERS, table::ORDER),
        (POSITIONS, table::POSITION),
        (ACCOUNTS, table::ACCOUNT),
        (USERS, table::USER),
        (MARKETS, table::MARKET),
        (PRODUCTS, table::PRODUCT),
        (INSTRUMENTS, table::INSTRUMENT),
        (ORDERDATA, ORDERDATA_TABLE),
    ];
    tables
        .into_iter()
        .find(|(list, _)| std::ptr::eq(*list, defaults))
        .map_or(&[], |(_, t)| t)
}

/// The field names a `--columns` spec may use with these defaults: the
/// fields of the record type's table (each spelling), plus those the
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
    for c in table_of(defaults) {
        known.extend(
            std::iter::once(c.field)
                .chain(c.also.iter().copied())
                .map(str::to_string),
        );
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
        let column = Column::parse(spec, &[]);
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

/// One output column: a header, where its value comes from, and its type.
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
    /// Its type: its first field's in the record type's table, a timestamp
    /// for `@field`, text for a nested path or a field the table lacks.
    pub(crate) kind: ColumnKind,
}

impl Column {
    /// Parses `header`, `header:field|other` or `header:@field` (RFC 3339 of
    /// an epoch-ns field); `table` (see [`table_of`]) types it.
    pub fn parse(spec: &str, table: &[table::Column]) -> Column {
        let (header, source) = spec.split_once(':').unwrap_or((spec, spec));
        let (as_time, source) = match source.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        let fields: Vec<String> = source.split('|').map(|f| f.trim().to_string()).collect();
        let kind = match (as_time, fields.first()) {
            (true, _) => ColumnKind::Timestamp,
            (false, Some(first)) => {
                table::Column::of(table, first).map_or(ColumnKind::Text, |c| c.kind)
            }
            (false, None) => ColumnKind::Text,
        };
        Column {
            header: header.trim().to_string(),
            fields,
            as_time,
            default: false,
            kind,
        }
    }

    /// Parses a command's default columns, typed by their table.
    pub fn list(specs: &[&str]) -> Vec<Column> {
        let table = table_of(specs);
        specs
            .iter()
            .map(|s| Column {
                default: true,
                ..Column::parse(s, table)
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

    /// Its type.
    pub fn kind(&self) -> ColumnKind {
        self.kind
    }
}

/// The value at `path` (`a.b` looks inside objects).
pub fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
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
    fn default_columns_are_fields_of_their_table_typed_by_the_spec() {
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
            let table = table_of(defaults);
            assert!(!table.is_empty(), "{defaults:?} has no table");
            for c in Column::list(defaults) {
                let kinds: Vec<ColumnKind> = c
                    .fields()
                    .iter()
                    .filter(|f| !f.contains('.'))
                    .map(|f| {
                        match table::Column::of(table, f) {
                            Some(c) => c.kind,
                            // The one default field the spec's schema lacks
                            // (TT sends it): read as text.
                            None if std::ptr::eq(defaults, PRODUCTS) && f == "marketId" => {
                                ColumnKind::Text
                            }
                            None => panic!("`{f}` is no field of its table"),
                        }
                    })
                    .collect();
                if !c.as_time && !kinds.is_empty() {
                    assert!(
                        kinds.iter().all(|k| *k == c.kind),
                        "{}: its fields' kinds {kinds:?} differ",
                        c.header
                    );
                }
            }
        }
        let kind = |spec: &str| Column::parse(spec, table_of(FILLS)).kind();
        assert_eq!(kind("side"), ColumnKind::Code);
        assert_eq!(kind("instrumentId"), ColumnKind::Id);
        assert_eq!(kind("timeStamp"), ColumnKind::Timestamp);
        assert_eq!(kind("time:@timeStamp"), ColumnKind::Timestamp);
        assert_eq!(kind("execId:execID"), ColumnKind::Text);
        assert_eq!(kind("lastPx"), ColumnKind::Float);
        assert_eq!(kind("manualOrderIndicator"), ColumnKind::Bool);
        assert_eq!(kind("parties"), ColumnKind::Json);
        let users = Column::parse("companyId:company.id", table_of(USERS));
        assert_eq!(users.kind(), ColumnKind::Text, "a nested path");
        assert_eq!(Column::list(FILLS)[0].header(), "timeStamp");
    }
}
