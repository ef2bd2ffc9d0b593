//! The schema and its migrations, applied on open.
//!
//! `ttrest_schema` holds one row: the schema version. Opening applies every
//! migration above it in one transaction; a version above [`SCHEMA_VERSION`]
//! was written by a newer ttrest and is refused, untouched.
//!
//! Each version's tables are fixed when it is released: version 1 keeps its
//! own column list below, and version 3's (the library's generated column
//! types) is pinned by a test of `record.rs`, so a spec change that would
//! change a stored type needs a new version.

use ttrest::columns::{Column, ColumnKind};

use super::record::{fill_columns, order_columns};

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i64 = 3;

/// SQL dialect differences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The SQL type of a column of `kind` (a timestamp's `<name>` half).
    pub(crate) fn ty(self, kind: ColumnKind) -> &'static str {
        use ColumnKind::*;
        match (self, kind) {
            (Dialect::Sqlite, Int | Code | Bool) => "INTEGER",
            (Dialect::Sqlite, Float) => "REAL",
            (Dialect::Sqlite, Id | Text | Json | Timestamp) => "TEXT",
            (Dialect::Postgres, Int | Code) => "BIGINT",
            (Dialect::Postgres, Float) => "DOUBLE PRECISION",
            (Dialect::Postgres, Id) => "NUMERIC(20, 0)",
            (Dialect::Postgres, Text) => "TEXT",
            (Dialect::Postgres, Json) => "JSONB",
            (Dialect::Postgres, Timestamp) => "TIMESTAMPTZ",
            (Dialect::Postgres, Bool) => "BOOLEAN",
        }
    }

    fn int(self) -> &'static str {
        self.ty(ColumnKind::Int)
    }

    fn json(self) -> &'static str {
        self.ty(ColumnKind::Json)
    }

    fn time(self) -> &'static str {
        self.ty(ColumnKind::Timestamp)
    }
}

/// Column definitions of `columns` (a timestamp is `<name>_ns` plus `<name>`).
fn typed(dialect: Dialect, columns: &[Column]) -> String {
    let mut out = String::new();
    for c in columns {
        if c.kind == ColumnKind::Timestamp {
            out.push_str(&format!("    {}_ns {},\n", c.name, dialect.int()));
        }
        out.push_str(&format!("    {} {},\n", c.name, dialect.ty(c.kind)));
    }
    out
}

/// The column names of `columns`, in table order.
pub(crate) fn names(columns: &[Column]) -> Vec<String> {
    let mut out = Vec::new();
    for c in columns {
        if c.kind == ColumnKind::Timestamp {
            out.push(format!("{}_ns", c.name));
        }
        out.push(c.name.to_string());
    }
    out
}

/// Version 1's column types, as they were.
#[derive(Clone, Copy)]
enum V1 {
    Int,
    U64,
    Float,
    Text,
    Time,
}

const V1_FILLS: &[(&str, V1)] = &[
    ("time_stamp", V1::Time),
    ("transact_time", V1::Time),
    ("record_id", V1::Text),
    ("unique_exec_id", V1::Text),
    ("exec_id", V1::Text),
    ("order_id", V1::Text),
    ("account_id", V1::Int),
    ("account", V1::Text),
    ("instrument_id", V1::U64),
    ("security_desc", V1::Text),
    ("market_id", V1::Int),
    ("side", V1::Int),
    ("last_qty", V1::Float),
    ("last_px", V1::Float),
    ("ord_status", V1::Text),
    ("exec_type", V1::Text),
    ("multi_leg_reporting_type", V1::Text),
    ("parent_instrument_id", V1::U64),
    ("trade_date", V1::Text),
];

const V1_POSITIONS: &[(&str, V1)] = &[
    ("account_id", V1::Int),
    ("instrument_id", V1::U64),
    ("net_position", V1::Float),
    ("buy_fill_qty", V1::Float),
    ("sell_fill_qty", V1::Float),
    ("buy_working_qty", V1::Float),
    ("sell_working_qty", V1::Float),
    ("avg_buy", V1::Float),
    ("avg_sell", V1::Float),
    ("open_avg_price", V1::Float),
    ("pnl", V1::Float),
    ("realized_pnl", V1::Float),
    ("sod_net_pos", V1::Float),
    ("sod_price", V1::Float),
];

const V1_ORDERS: &[(&str, V1)] = &[
    ("order_id", V1::Text),
    ("date_time", V1::Time),
    ("account_id", V1::Int),
    ("user_id", V1::Int),
    ("instrument_id", V1::U64),
    ("security_description", V1::Text),
    ("side", V1::Text),
    ("order_type", V1::Text),
    ("order_status", V1::Text),
    ("time_in_force", V1::Text),
    ("order_qty", V1::Float),
    ("price", V1::Float),
    ("stop_price", V1::Float),
    ("cumulated_quantity", V1::Float),
    ("leaves_quantity", V1::Float),
    ("parent_order_id", V1::Text),
];

/// Version 1's column definitions.
fn typed_v1(d: Dialect, columns: &[(&str, V1)]) -> String {
    let mut out = String::new();
    for (name, kind) in columns {
        let kind = match kind {
            V1::Int => ColumnKind::Int,
            V1::U64 => ColumnKind::Id,
            V1::Float => ColumnKind::Float,
            V1::Text => ColumnKind::Text,
            V1::Time => {
                out.push_str(&format!("    {name}_ns {},\n", d.int()));
                ColumnKind::Timestamp
            }
        };
        out.push_str(&format!("    {name} {},\n", d.ty(kind)));
    }
    out
}

/// Version 1: `fills`, `sync_state`, `positions`, `orders`.
fn v1(d: Dialect) -> String {
    let (int, json, time) = (d.int(), d.json(), d.time());
    let snapshot = |table: &str, columns: &[(&str, V1)]| {
        format!(
            "CREATE TABLE {table} (\n    environment TEXT NOT NULL,\n    as_of_ns {int} NOT NULL,\n    \
             as_of {time} NOT NULL,\n    seq {int} NOT NULL,\n{}    record {json} NOT NULL,\n    \
             PRIMARY KEY (environment, as_of_ns, seq)\n);\n",
            typed_v1(d, columns)
        )
    };
    format!(
        "CREATE TABLE fills (\n    environment TEXT NOT NULL,\n    fill_key TEXT NOT NULL,\n{}    \
         record {json} NOT NULL,\n    PRIMARY KEY (environment, fill_key)\n);\n\
         CREATE INDEX fills_by_time ON fills (environment, time_stamp_ns);\n\
         CREATE TABLE sync_state (\n    key TEXT NOT NULL,\n    environment TEXT NOT NULL,\n    \
         stream TEXT NOT NULL,\n    cursor TEXT,\n    last_fill_ns {int},\n    last_fill_key TEXT,\n    \
         last_as_of_ns {int},\n    rows {int} NOT NULL DEFAULT 0,\n    updated_at {time} NOT NULL,\n    \
         PRIMARY KEY (key, environment, stream)\n);\n{}{}",
        typed_v1(d, V1_FILLS),
        snapshot("positions", V1_POSITIONS),
        snapshot("orders", V1_ORDERS),
    )
}

/// Version 2: provenance and the PostgreSQL lease.
///
/// - `fills`, `positions` and `orders` gain `app_key` (the app key's id,
///   never its secret) and `company`; `sync_state` gains `company` (its `key`
///   is the app key's id). Rows stored before keep NULL in them.
/// - PostgreSQL gains `ttrest_lease`: who holds each stream's lease (the lease
///   itself is a session-level advisory lock; SQLite's is a locked side file),
///   and `ttrest_daily_count`: each app key's requests per UTC day
///   ([`crate::PostgresCount`]).
fn v2(d: Dialect) -> String {
    let mut sql = String::new();
    for table in ["fills", "positions", "orders"] {
        sql.push_str(&format!(
            "ALTER TABLE {table} ADD COLUMN app_key TEXT;
ALTER TABLE {table} ADD COLUMN company TEXT;
"
        ));
    }
    sql.push_str(
        "ALTER TABLE sync_state ADD COLUMN company TEXT;
",
    );
    if d == Dialect::Postgres {
        sql.push_str(
            "CREATE TABLE ttrest_lease (\n    key TEXT NOT NULL,\n    environment TEXT NOT NULL,\n    \
             stream TEXT NOT NULL,\n    host TEXT NOT NULL,\n    pid BIGINT NOT NULL,\n    \
             since TIMESTAMPTZ NOT NULL,\n    PRIMARY KEY (key, environment, stream)\n);\n\
             CREATE TABLE ttrest_daily_count (\n    app_key TEXT NOT NULL,\n    \
             environment TEXT NOT NULL,\n    day DATE NOT NULL,\n    used BIGINT NOT NULL,\n    \
             spent BOOLEAN NOT NULL,\n    PRIMARY KEY (app_key, environment, day)\n);\n",
        );
    }
    sql
}

/// Version 3: one fill identity and the spec's column types.
///
/// - Every fill's key is the library's identity (`ttrest::paginate::FillKey`):
///   `r:<recordId>`, else `u:<uniqueExecId>`, else `h:` and a hash of the
///   record's canonical JSON, which no longer depends on key order (a record
///   read back from `jsonb` keeps its key). Keys are recomputed from each
///   row's `record`. Rows whose records now share a key (the same fill stored
///   twice under two older hashes) become one row: of those, the row whose old
///   key sorts first (byte order) is kept, the others are dropped. No other
///   row is dropped or added.
/// - `fills` and `orders` take the column types of the spec
///   (`ttrest::columns`): codes (`side`, `ord_status`, `exec_type`,
///   `multi_leg_reporting_type`; `side`, `order_type`, `order_status`,
///   `time_in_force` of orders) are integers, `trade_date` is a timestamp
///   (`trade_date_ns` and `trade_date`), an order's `user_id` is text. Both
///   tables are rebuilt with every typed column read again from `record`.
/// - `sync_state`: `last_fill_key` follows its row's new key, and saved
///   cursors are rewritten with the new keys.
///
/// This is the SQL before the rows are copied ([`v3_create`]) and after
/// ([`v3_finish`]); the copy itself is Rust (each backend's `rebuild_v3`).
pub(crate) fn v3_create(d: Dialect) -> String {
    let (int, json, time) = (d.int(), d.json(), d.time());
    format!(
        "CREATE TABLE fills_v3 (\n    environment TEXT NOT NULL,\n    fill_key TEXT NOT NULL,\n{}    \
         record {json} NOT NULL,\n    app_key TEXT,\n    company TEXT,\n    \
         PRIMARY KEY (environment, fill_key)\n);\n\
         CREATE TABLE orders_v3 (\n    environment TEXT NOT NULL,\n    as_of_ns {int} NOT NULL,\n    \
         as_of {time} NOT NULL,\n    seq {int} NOT NULL,\n{}    record {json} NOT NULL,\n    \
         app_key TEXT,\n    company TEXT,\n    PRIMARY KEY (environment, as_of_ns, seq)\n);\n",
        typed(d, fill_columns()),
        typed(d, order_columns()),
    )
}

/// Version 3 once the rows are copied: the new tables replace the old.
pub(crate) fn v3_finish() -> &'static str {
    "DROP TABLE fills;\nALTER TABLE fills_v3 RENAME TO fills;\n\
     CREATE INDEX fills_by_time ON fills (environment, time_stamp_ns);\n\
     DROP TABLE orders;\nALTER TABLE orders_v3 RENAME TO orders;\n"
}

/// The SQL that takes a database from `version - 1` to `version` (for
/// version 3, the SQL before its rows are copied).
pub(crate) fn migration(dialect: Dialect, version: i64) -> Option<String> {
    match version {
        1 => Some(v1(dialect)),
        2 => Some(v2(dialect)),
        3 => Some(v3_create(dialect)),
        _ => None,
    }
}

/// A fill's key at version 3, from its stored record; a record that is not
/// a JSON object keeps its old key.
pub(crate) fn key_v3(record: &str, old: &str) -> String {
    match ttrest::paginate::FillKey::of_json(record) {
        Ok(key) => key.to_string(),
        Err(_) => old.to_string(),
    }
}

/// A saved cursor with its keys as version 3 writes them (older `j:` keys
/// read as their hashes); `None` when it is unreadable or unchanged.
pub(crate) fn cursor_v3(text: &str) -> Option<String> {
    let cursor: ttrest::paginate::FillsCursor = serde_json::from_str(text).ok()?;
    serde_json::to_string(&cursor).ok().filter(|t| t != text)
}

/// Why a stored version cannot be used, if it cannot.
pub(crate) fn check_version(found: i64) -> Result<(), String> {
    match found > SCHEMA_VERSION {
        true => Err(format!(
            "its schema is version {found}, newer than this ttrest's ({SCHEMA_VERSION}); \
             upgrade ttrest to use it, or pass another --db (the database was left untouched)"
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_up_to_the_current_has_a_migration() {
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            for v in 1..=SCHEMA_VERSION {
                assert!(migration(d, v).is_some(), "{d:?} {v}");
            }
            assert!(migration(d, SCHEMA_VERSION + 1).is_none());
        }
        assert!(v1(Dialect::Postgres).contains("record JSONB NOT NULL"));
        assert!(v1(Dialect::Sqlite).contains("time_stamp_ns INTEGER,\n    time_stamp TEXT"));
        assert!(v1(Dialect::Postgres).contains("    side BIGINT,\n    last_qty"));
        assert!(v1(Dialect::Postgres).contains("    trade_date TEXT,\n"));
        let v3 = v3_create(Dialect::Postgres);
        assert!(v3.contains("    side BIGINT,\n    last_qty"), "{v3}");
        assert!(v3.contains("    ord_status BIGINT,\n"), "{v3}");
        assert!(
            v3.contains("    trade_date_ns BIGINT,\n    trade_date TIMESTAMPTZ,\n"),
            "{v3}"
        );
        assert!(v3.contains("    user_id TEXT,\n"), "{v3}");
    }

    #[test]
    fn a_newer_schema_is_refused_with_advice() {
        assert!(check_version(SCHEMA_VERSION).is_ok());
        let e = check_version(SCHEMA_VERSION + 1).unwrap_err();
        assert!(
            e.contains("newer than this ttrest") && e.contains("upgrade ttrest"),
            "{e}"
        );
    }

    #[test]
    fn positions_keep_their_version_1_columns() {
        use super::super::record::position_columns;
        for d in [Dialect::Sqlite, Dialect::Postgres] {
            assert_eq!(typed(d, position_columns()), typed_v1(d, V1_POSITIONS));
        }
    }

    #[test]
    fn cursors_are_rewritten_with_version_3_keys() {
        let old = r#"{"since":1,"position":5,"seen":{"5":["r:a","j:{\"lastPx\":1.5}"]}}"#;
        let new = cursor_v3(old).unwrap();
        let hash = ttrest::paginate::FillKey::hashed(r#"{"lastPx":1.5}"#).to_string();
        assert!(new.contains(&hash) && new.contains("r:a"), "{new}");
        assert_eq!(cursor_v3(&new), None, "unchanged");
        assert_eq!(cursor_v3("not a cursor"), None);
        assert_eq!(key_v3(r#"{"uniqueExecId":"u"}"#, "h:0"), "u:u");
        assert_eq!(key_v3("[]", "h:0"), "h:0");
    }
}
