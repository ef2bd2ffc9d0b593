//! From TT's JSON records to typed column values.

use serde_json::Value;

use super::{BeforeCommit, StateKey};

/// How a typed column holds its JSON field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A signed 64-bit integer (account and market ids, enums); a number or a
    /// numeric string.
    Int,
    /// An unsigned 64-bit id (TT's instrument ids use all 64 bits): exact
    /// decimal text in SQLite (compare with quoted literals), `NUMERIC(20,0)`
    /// in PostgreSQL.
    U64,
    /// A double (prices, quantities).
    Float,
    /// Text; a number or boolean is kept as its JSON text.
    Text,
    /// An epoch-ns time: a `<name>_ns` integer column (exact) plus `<name>`,
    /// RFC 3339 text with 9 fractional digits in SQLite, `timestamptz`
    /// (microseconds) in PostgreSQL.
    Time,
}

/// A typed column: its name and the JSON field(s) it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Col {
    /// The column's name.
    pub name: &'static str,
    /// The JSON fields, first present wins (TT spells a few two ways).
    pub fields: &'static [&'static str],
    /// Its type.
    pub kind: Kind,
}

const fn col(name: &'static str, fields: &'static [&'static str], kind: Kind) -> Col {
    Col { name, fields, kind }
}

/// The typed columns of `fills` (besides `environment`, `fill_key`, `record`).
pub const FILL_COLUMNS: &[Col] = &[
    col("time_stamp", &["timeStamp"], Kind::Time),
    col("transact_time", &["transactTime"], Kind::Time),
    col("record_id", &["recordId"], Kind::Text),
    col("unique_exec_id", &["uniqueExecId"], Kind::Text),
    col("exec_id", &["execId", "execID"], Kind::Text),
    col("order_id", &["orderId"], Kind::Text),
    col("account_id", &["accountId"], Kind::Int),
    col("account", &["account"], Kind::Text),
    col("instrument_id", &["instrumentId"], Kind::U64),
    col("security_desc", &["securityDesc"], Kind::Text),
    col("market_id", &["marketId"], Kind::Int),
    col("side", &["side"], Kind::Int),
    col("last_qty", &["lastQty"], Kind::Float),
    col("last_px", &["lastPx"], Kind::Float),
    col("ord_status", &["ordStatus"], Kind::Text),
    col("exec_type", &["execType"], Kind::Text),
    col(
        "multi_leg_reporting_type",
        &["multiLegReportingType"],
        Kind::Text,
    ),
    col("parent_instrument_id", &["parentInstrumentId"], Kind::U64),
    col("trade_date", &["tradeDate"], Kind::Text),
];

/// The typed columns of `positions` (besides `environment`, `as_of`, `seq`, `record`).
pub const POSITION_COLUMNS: &[Col] = &[
    col("account_id", &["accountId"], Kind::Int),
    col("instrument_id", &["instrumentId"], Kind::U64),
    col("net_position", &["netPosition"], Kind::Float),
    col("buy_fill_qty", &["buyFillQty"], Kind::Float),
    col("sell_fill_qty", &["sellFillQty"], Kind::Float),
    col("buy_working_qty", &["buyWorkingQty"], Kind::Float),
    col("sell_working_qty", &["sellWorkingQty"], Kind::Float),
    col("avg_buy", &["avgBuy"], Kind::Float),
    col("avg_sell", &["avgSell"], Kind::Float),
    col("open_avg_price", &["openAvgPrice"], Kind::Float),
    col("pnl", &["pnl"], Kind::Float),
    col("realized_pnl", &["realizedPnl"], Kind::Float),
    col("sod_net_pos", &["sodNetPos"], Kind::Float),
    col("sod_price", &["sodPrice"], Kind::Float),
];

/// The typed columns of `orders` (besides `environment`, `as_of`, `seq`, `record`).
pub const ORDER_COLUMNS: &[Col] = &[
    col("order_id", &["orderId"], Kind::Text),
    col("date_time", &["dateTime"], Kind::Time),
    col("account_id", &["accountId"], Kind::Int),
    col("user_id", &["userId"], Kind::Int),
    col("instrument_id", &["instrumentId"], Kind::U64),
    col("security_description", &["securityDescription"], Kind::Text),
    col("side", &["side"], Kind::Text),
    col("order_type", &["orderType"], Kind::Text),
    col("order_status", &["orderStatus"], Kind::Text),
    col("time_in_force", &["timeInForce"], Kind::Text),
    col("order_qty", &["orderQty"], Kind::Float),
    col("price", &["price"], Kind::Float),
    col("stop_price", &["stopPrice"], Kind::Float),
    col("cumulated_quantity", &["cumulatedQuantity"], Kind::Float),
    col("leaves_quantity", &["leavesQuantity"], Kind::Float),
    col("parent_order_id", &["parentOrderId"], Kind::Text),
];

/// One typed value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    /// Epoch ns.
    Time(i64),
}

/// One record as the tables hold it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    /// Identity (fills only): see [`fill_key`].
    pub key: String,
    /// Epoch ns of `timeStamp` (fills only).
    pub ts: Option<i64>,
    pub cells: Vec<Cell>,
    /// The whole record as JSON text.
    pub record: String,
}

/// A page of fills and the cursor to save with it.
pub(crate) struct Page<'a> {
    pub key: &'a StateKey,
    pub rows: &'a [Row],
    pub cursor: Option<&'a str>,
    /// Called inside the transaction, rows written, before it commits.
    pub before_commit: Option<&'a BeforeCommit>,
}

/// A snapshot of positions or orders.
pub(crate) struct SnapshotRows<'a> {
    pub key: &'a StateKey,
    pub table: &'static str,
    pub columns: &'static [Col],
    pub as_of_ns: i64,
    pub rows: &'a [Row],
}

/// A fill's identity: `r:<recordId>`, else `u:<uniqueExecId>`, else `h:` and a
/// 128-bit FNV-1a hash of the record's JSON. Never `execId`, which TT reuses.
pub fn fill_key(fill: &Value) -> String {
    let text = |name: &str| match fill.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(id) = text("recordId") {
        return format!("r:{id}");
    }
    if let Some(id) = text("uniqueExecId") {
        return format!("u:{id}");
    }
    format!("h:{:032x}", fnv1a_128(fill.to_string().as_bytes()))
}

fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// The typed value of `col` in `record`.
pub(crate) fn cell(col: &Col, record: &Value) -> Cell {
    let Some(v) = col.fields.iter().find_map(|f| record.get(*f)) else {
        return Cell::Null;
    };
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let cell = match col.kind {
        Kind::Int => number(v).map(Cell::Int),
        Kind::U64 => match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .map(|n| Cell::Text(n.to_string())),
        Kind::Time => number(v).map(Cell::Time),
        Kind::Float => match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .map(Cell::Float),
        Kind::Text => match v {
            Value::String(s) => Some(Cell::Text(s.clone())),
            Value::Null => None,
            other => Some(Cell::Text(other.to_string())),
        },
    };
    cell.unwrap_or(Cell::Null)
}

/// Rows of `records` for `columns` (no identity).
pub(crate) fn rows(columns: &[Col], records: &[Value]) -> Vec<Row> {
    records
        .iter()
        .map(|r| Row {
            key: String::new(),
            ts: None,
            cells: columns.iter().map(|c| cell(c, r)).collect(),
            record: r.to_string(),
        })
        .collect()
}

/// Rows of fills, with their identity and time.
pub(crate) fn fill_rows(fills: &[Value]) -> Vec<Row> {
    fills
        .iter()
        .map(|f| {
            let cells: Vec<Cell> = FILL_COLUMNS.iter().map(|c| cell(c, f)).collect();
            let ts = match cells[0] {
                Cell::Time(ns) => Some(ns),
                _ => None,
            };
            Row {
                key: fill_key(f),
                ts,
                cells,
                record: f.to_string(),
            }
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
    use serde_json::json;

    #[test]
    fn keys_prefer_record_id_then_unique_exec_id_never_exec_id() {
        assert_eq!(
            fill_key(&json!({"recordId": "a", "uniqueExecId": "b"})),
            "r:a"
        );
        assert_eq!(
            fill_key(&json!({"recordId": "", "uniqueExecId": "b"})),
            "u:b"
        );
        let one = fill_key(&json!({"execId": "7", "lastPx": 1.5}));
        let two = fill_key(&json!({"execId": "7", "lastPx": 1.75}));
        assert!(one.starts_with("h:") && one.len() == 34);
        assert_ne!(one, two, "a reused execId does not merge two fills");
    }

    #[test]
    fn cells_accept_numbers_and_numeric_strings() {
        let f = json!({"timeStamp": "1795185000000000001", "accountId": 7, "instrumentId": "123",
                       "lastPx": "1.25", "side": 1, "execType": 15, "ordStatus": "2",
                       "parentInstrumentId": "18446744073709551615", "marketId": "x"});
        let rows = fill_rows(std::slice::from_ref(&f));
        let get = |name: &str| {
            let i = FILL_COLUMNS.iter().position(|c| c.name == name).unwrap();
            rows[0].cells[i].clone()
        };
        assert_eq!(get("time_stamp"), Cell::Time(1_795_185_000_000_000_001));
        assert_eq!(rows[0].ts, Some(1_795_185_000_000_000_001));
        assert_eq!(get("account_id"), Cell::Int(7));
        assert_eq!(get("instrument_id"), Cell::Text("123".into()));
        assert_eq!(get("last_px"), Cell::Float(1.25));
        assert_eq!(get("exec_type"), Cell::Text("15".into()));
        assert_eq!(
            get("parent_instrument_id"),
            Cell::Text(u64::MAX.to_string())
        );
        assert_eq!(get("transact_time"), Cell::Null);
        assert_eq!(
            get("market_id"),
            Cell::Null,
            "not a number: NULL, kept in record"
        );
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
