//! The schema and its migrations, applied on open.
//!
//! `ttrest_schema` holds one row: the schema version. Opening applies every
//! migration above it in one transaction; a version above [`SCHEMA_VERSION`]
//! was written by a newer ttrest and is refused, untouched.

use super::record::{Col, Kind, FILL_COLUMNS, ORDER_COLUMNS, POSITION_COLUMNS};

/// The schema version this crate writes.
pub const SCHEMA_VERSION: i64 = 2;

/// SQL dialect differences.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn ty(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (Dialect::Sqlite, Kind::Int) => "INTEGER",
            (Dialect::Sqlite, Kind::Float) => "REAL",
            (Dialect::Sqlite, Kind::Text | Kind::Time | Kind::U64) => "TEXT",
            (Dialect::Postgres, Kind::Int) => "BIGINT",
            (Dialect::Postgres, Kind::Float) => "DOUBLE PRECISION",
            (Dialect::Postgres, Kind::U64) => "NUMERIC(20, 0)",
            (Dialect::Postgres, Kind::Text) => "TEXT",
            (Dialect::Postgres, Kind::Time) => "TIMESTAMPTZ",
        }
    }

    fn int(self) -> &'static str {
        self.ty(Kind::Int)
    }

    fn json(self) -> &'static str {
        match self {
            Dialect::Sqlite => "TEXT",
            Dialect::Postgres => "JSONB",
        }
    }

    fn time(self) -> &'static str {
        self.ty(Kind::Time)
    }
}

/// Column definitions of `columns` (a time column is `<name>_ns` plus `<name>`).
fn typed(dialect: Dialect, columns: &[Col]) -> String {
    let mut out = String::new();
    for c in columns {
        if c.kind == Kind::Time {
            out.push_str(&format!("    {}_ns {},\n", c.name, dialect.int()));
        }
        out.push_str(&format!("    {} {},\n", c.name, dialect.ty(c.kind)));
    }
    out
}

/// The column names of `columns`, in table order.
pub(crate) fn names(columns: &[Col]) -> Vec<String> {
    let mut out = Vec::new();
    for c in columns {
        if c.kind == Kind::Time {
            out.push(format!("{}_ns", c.name));
        }
        out.push(c.name.to_string());
    }
    out
}

/// Version 1. Its tables are built from the column lists as they are at
/// version 1; a column added to a list later needs a migration of its own.
fn v1(d: Dialect) -> String {
    let (int, json, time) = (d.int(), d.json(), d.time());
    let snapshot = |table: &str, columns: &[Col]| {
        format!(
            "CREATE TABLE {table} (\n    environment TEXT NOT NULL,\n    as_of_ns {int} NOT NULL,\n    \
             as_of {time} NOT NULL,\n    seq {int} NOT NULL,\n{}    record {json} NOT NULL,\n    \
             PRIMARY KEY (environment, as_of_ns, seq)\n);\n",
            typed(d, columns)
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
        typed(d, FILL_COLUMNS),
        snapshot("positions", POSITION_COLUMNS),
        snapshot("orders", ORDER_COLUMNS),
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

/// The SQL that takes a database from `version - 1` to `version`.
pub(crate) fn migration(dialect: Dialect, version: i64) -> Option<String> {
    match version {
        1 => Some(v1(dialect)),
        2 => Some(v2(dialect)),
        _ => None,
    }
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
}
