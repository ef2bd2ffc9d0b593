//! From TT's JSON records to typed column values.
//!
//! Which fields each table keeps is listed here ([`FILL_FIELDS`],
//! [`ORDER_FIELDS`], [`POSITION_FIELDS`]); their names and types come from
//! the library's column tables (`ttrest::columns`), generated from the spec.
//! Cells are read from each record's JSON text in one pass
//! ([`ttrest::columns::read_cells`]), with no `serde_json::Value`.

use std::borrow::Cow;
use std::sync::LazyLock;

use ttrest::columns::{Cell, CellReader, Column, FILL, ORDER, POSITION};
use ttrest::paginate::{FillRecord, RawFill};

use super::{BeforeCommit, StateKey};

/// The fields `fills` keeps as typed columns (besides `environment`,
/// `fill_key`, `record`, `app_key`, `company`), in table order.
pub const FILL_FIELDS: &[&str] = &[
    "timeStamp",
    "transactTime",
    "recordId",
    "uniqueExecId",
    "execId",
    "orderId",
    "accountId",
    "account",
    "instrumentId",
    "securityDesc",
    "marketId",
    "side",
    "lastQty",
    "lastPx",
    "ordStatus",
    "execType",
    "multiLegReportingType",
    "parentInstrumentId",
    "tradeDate",
];

/// The fields `positions` keeps as typed columns (besides `environment`,
/// `as_of`, `seq`, `record`, `app_key`, `company`).
pub const POSITION_FIELDS: &[&str] = &[
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
    "realizedPnl",
    "sodNetPos",
    "sodPrice",
];

/// The fields `orders` keeps as typed columns (besides `environment`,
/// `as_of`, `seq`, `record`, `app_key`, `company`).
pub const ORDER_FIELDS: &[&str] = &[
    "orderId",
    "dateTime",
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

/// The columns of `fields` in `table` (`what` names it in the panic that a
/// unit test turns into a failed build step: a field the spec lost).
fn pick(table: &'static [Column], what: &str, fields: &[&str]) -> Vec<Column> {
    fields
        .iter()
        .map(|f| {
            *Column::of(table, f).unwrap_or_else(|| {
                panic!(
                    "ttrest::columns::{what} has no field `{f}`: the spec lost it;                      restore it in specs/ or drop it from ttrest-store's {what}_FIELDS                      (with a schema migration)"
                )
            })
        })
        .collect()
}

static FILL_COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| pick(FILL, "FILL", FILL_FIELDS));
static POSITION_COLUMNS: LazyLock<Vec<Column>> =
    LazyLock::new(|| pick(POSITION, "POSITION", POSITION_FIELDS));
static ORDER_COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| pick(ORDER, "ORDER", ORDER_FIELDS));

/// The typed columns of `fills`: [`FILL_FIELDS`] as `ttrest::columns::FILL`
/// names and types them. A timestamp column is stored as `<name>_ns`
/// (exact epoch ns) and `<name>` (RFC 3339 text with 9 fractional digits in
/// SQLite, `timestamptz` in PostgreSQL); see the crate docs for every type.
pub fn fill_columns() -> &'static [Column] {
    &FILL_COLUMNS
}

/// The typed columns of `positions` ([`POSITION_FIELDS`]).
pub fn position_columns() -> &'static [Column] {
    &POSITION_COLUMNS
}

/// The typed columns of `orders` ([`ORDER_FIELDS`]).
pub fn order_columns() -> &'static [Column] {
    &ORDER_COLUMNS
}

/// A record as JSON text: what [`crate::Store::snapshot`] stores and reads
/// its columns from.
pub trait RecordJson {
    /// The record's JSON text (an object).
    fn record_json(&self) -> Cow<'_, str>;
}

impl RecordJson for serde_json::Value {
    fn record_json(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

impl RecordJson for RawFill {
    fn record_json(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.json())
    }
}

impl RecordJson for str {
    fn record_json(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl RecordJson for String {
    fn record_json(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl<T: RecordJson + ?Sized> RecordJson for &T {
    fn record_json(&self) -> Cow<'_, str> {
        (**self).record_json()
    }
}

/// One record as the tables hold it, borrowing from the record's text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row<'a> {
    /// Identity (fills only): see [`ttrest::paginate::FillKey`].
    pub key: String,
    /// Epoch ns of `timeStamp` (fills only).
    pub ts: Option<i64>,
    /// One cell per typed column.
    pub cells: Vec<Cell<'a>>,
    /// The whole record as JSON text.
    pub record: Cow<'a, str>,
}

/// A page of fills and the cursor to save with it.
pub(crate) struct Page<'a> {
    pub key: &'a StateKey,
    pub rows: &'a [Row<'a>],
    pub cursor: Option<&'a str>,
    /// Called inside the transaction, rows written, before it commits.
    pub before_commit: Option<&'a BeforeCommit>,
}

/// A snapshot of positions or orders.
pub(crate) struct SnapshotRows<'a> {
    pub key: &'a StateKey,
    pub table: &'static str,
    pub columns: &'static [Column],
    pub as_of_ns: i64,
    pub rows: &'a [Row<'a>],
}

static FILL_READER: LazyLock<CellReader> = LazyLock::new(|| CellReader::new(fill_columns()));
static POSITION_READER: LazyLock<CellReader> =
    LazyLock::new(|| CellReader::new(position_columns()));
static ORDER_READER: LazyLock<CellReader> = LazyLock::new(|| CellReader::new(order_columns()));

/// The reader of one table's columns.
fn reader(columns: &[Column]) -> &'static CellReader {
    if std::ptr::eq(columns, fill_columns()) {
        &FILL_READER
    } else if std::ptr::eq(columns, order_columns()) {
        &ORDER_READER
    } else {
        &POSITION_READER
    }
}

/// The cells of `columns` (one table's: [`fill_columns`], [`order_columns`]
/// or [`position_columns`]) in `record`; a text that is not a JSON object
/// (which a page of fills cannot hold) gives no cells, its record kept.
pub(crate) fn cells<'a>(columns: &'static [Column], record: &'a str) -> Vec<Cell<'a>> {
    reader(columns)
        .read(record)
        .unwrap_or_else(|_| vec![Cell::Null; columns.len()])
}

/// Rows of `records` for `columns` (no identity).
pub(crate) fn rows<'a, R: RecordJson>(
    columns: &'static [Column],
    records: &'a [R],
) -> Vec<Row<'a>> {
    records
        .iter()
        .map(|r| {
            let record = r.record_json();
            let cells = match &record {
                Cow::Borrowed(text) => cells(columns, text),
                Cow::Owned(text) => cells(columns, text)
                    .into_iter()
                    .map(Cell::into_owned)
                    .collect(),
            };
            Row {
                key: String::new(),
                ts: None,
                cells,
                record,
            }
        })
        .collect()
}

/// Rows of fills, with their identity and time, borrowing their text.
pub(crate) fn fill_rows(fills: &[RawFill]) -> Vec<Row<'_>> {
    fills
        .iter()
        .map(|f| Row {
            key: f.key().to_string(),
            ts: f.timestamp(),
            cells: cells(fill_columns(), f.json()),
            record: Cow::Borrowed(f.json()),
        })
        .collect()
}

/// Epoch ns as RFC 3339 UTC with 9 fractional digits (sorts as text).
pub(crate) fn rfc3339_ns(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ttrest::columns::ColumnKind;

    #[test]
    fn every_kept_field_is_in_the_spec_with_the_kinds_schema_3_stores() {
        use ColumnKind::*;
        let kinds = |cols: &[Column]| -> Vec<(&str, ColumnKind)> {
            cols.iter().map(|c| (c.name, c.kind)).collect()
        };
        // Schema version 3's tables: a change here needs a new version.
        assert_eq!(
            kinds(fill_columns()),
            [
                ("time_stamp", Timestamp),
                ("transact_time", Timestamp),
                ("record_id", Text),
                ("unique_exec_id", Text),
                ("exec_id", Text),
                ("order_id", Text),
                ("account_id", Int),
                ("account", Text),
                ("instrument_id", Id),
                ("security_desc", Text),
                ("market_id", Int),
                ("side", Code),
                ("last_qty", Float),
                ("last_px", Float),
                ("ord_status", Code),
                ("exec_type", Code),
                ("multi_leg_reporting_type", Code),
                ("parent_instrument_id", Id),
                ("trade_date", Timestamp),
            ]
        );
        assert_eq!(
            kinds(order_columns()),
            [
                ("order_id", Text),
                ("date_time", Timestamp),
                ("account_id", Int),
                ("user_id", Text),
                ("instrument_id", Id),
                ("security_description", Text),
                ("side", Code),
                ("order_type", Code),
                ("order_status", Code),
                ("time_in_force", Code),
                ("order_qty", Float),
                ("price", Float),
                ("stop_price", Float),
                ("cumulated_quantity", Float),
                ("leaves_quantity", Float),
                ("parent_order_id", Text),
            ]
        );
        let pos = kinds(position_columns());
        assert_eq!(pos[..2], [("account_id", Int), ("instrument_id", Id)]);
        assert!(pos[2..].iter().all(|(_, k)| *k == Float), "{pos:?}");
        assert_eq!(fill_columns()[4].also, ["execID"]);
    }

    #[test]
    fn cells_accept_numbers_and_numeric_strings() {
        let f = RawFill::from_json(
            r#"{"timeStamp": "1795185000000000001", "accountId": 7, "instrumentId": "123",
                "lastPx": "1.25", "side": "1", "execType": 15, "ordStatus": "2", "execID": "e",
                "parentInstrumentId": "18446744073709551615", "marketId": "x", "recordId": "r"}"#,
        )
        .unwrap();
        let rows = fill_rows(std::slice::from_ref(&f));
        let get = |name: &str| {
            let i = fill_columns().iter().position(|c| c.name == name).unwrap();
            rows[0].cells[i].clone()
        };
        assert_eq!(
            get("time_stamp"),
            Cell::Timestamp(1_795_185_000_000_000_001)
        );
        assert_eq!(
            (rows[0].ts, rows[0].key.as_str()),
            (Some(1_795_185_000_000_000_001), "r:r")
        );
        assert_eq!(get("account_id"), Cell::Int(7));
        assert_eq!(get("instrument_id"), Cell::Id(123));
        assert_eq!(get("last_px"), Cell::Float(1.25));
        assert_eq!(get("side"), Cell::Int(1));
        assert_eq!(get("exec_type"), Cell::Int(15));
        assert_eq!(get("exec_id"), Cell::Text("e".into()));
        assert_eq!(get("parent_instrument_id"), Cell::Id(u64::MAX));
        assert_eq!(get("transact_time"), Cell::Null);
        assert_eq!(
            get("market_id"),
            Cell::Null,
            "not a number: NULL, kept in record"
        );
        assert_eq!(rows[0].record, f.json());
    }

    #[test]
    fn times_print_with_nanoseconds() {
        assert_eq!(
            rfc3339_ns(1_795_185_000_000_000_001),
            "2026-11-20T14:30:00.000000001Z"
        );
        assert_eq!(rfc3339_ns(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            rfc3339_ns(951_782_400_000_000_000),
            "2000-02-29T00:00:00.000000000Z"
        );
    }
}
