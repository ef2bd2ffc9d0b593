//! SQLite: one file, WAL mode, one `BEGIN IMMEDIATE` transaction per page.

use std::path::Path;
use std::time::Duration;

use std::collections::HashMap;

use rusqlite::types::{ToSqlOutput, Value as Sql, ValueRef};
use rusqlite::{
    params, params_from_iter, Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction,
};
use ttrest::columns::{Cell, Column, ColumnKind};

use super::error::{advice, ErrorKind, StoreError};
use super::lease::{self, LeaseHolder};
use super::record::{self, fill_columns, order_columns, rfc3339_ns, Page, SnapshotRows};
use super::schema::{self, names, Dialect, SCHEMA_VERSION};
use super::url::DatabaseUrl;
use super::{PageOutcome, StateKey, SyncState};

pub(crate) struct Db {
    conn: Connection,
    url: DatabaseUrl,
    path: std::path::PathBuf,
    /// The side files whose locks are this store's leases.
    leases: Vec<(std::path::PathBuf, std::fs::File)>,
}

impl Db {
    pub(crate) fn open(path: &Path, url: &DatabaseUrl) -> Result<Db, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| error(url, &e))?;
        let mut db = Db {
            conn,
            url: url.clone(),
            path: path.to_path_buf(),
            leases: Vec::new(),
        };
        db.setup().map_err(|e| db.error(&e))?;
        db.migrate()?;
        Ok(db)
    }

    fn setup(&mut self) -> rusqlite::Result<()> {
        self.conn.busy_timeout(Duration::from_secs(10))?;
        // WAL: readers (analysts) do not block the sync, and a killed process
        // leaves the last committed transaction intact.
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
                Some(format!("journal mode stays {mode}")),
            ));
        }
        Ok(())
    }

    fn error(&self, e: &rusqlite::Error) -> StoreError {
        error(&self.url, e)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| error(&url, &e))?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS ttrest_schema (version INTEGER NOT NULL)")
            .map_err(|e| error(&url, &e))?;
        let found: Option<i64> = tx
            .query_row("SELECT max(version) FROM ttrest_schema", [], |r| r.get(0))
            .map_err(|e| error(&url, &e))?;
        let found = found.unwrap_or(0);
        schema::check_version(found)
            .map_err(|m| StoreError::new(&url, ErrorKind::SchemaNewer, m))?;
        if found == SCHEMA_VERSION {
            // Nothing to write: end the transaction without touching the file.
            return tx.rollback().map_err(|e| error(&url, &e));
        }
        for v in found + 1..=SCHEMA_VERSION {
            let sql = schema::migration(Dialect::Sqlite, v).unwrap_or_default();
            tx.execute_batch(&sql).map_err(|e| error(&url, &e))?;
            if v == 3 {
                rebuild_v3(&tx).map_err(|e| error(&url, &e))?;
            }
        }
        tx.execute("DELETE FROM ttrest_schema", [])
            .and_then(|_| {
                tx.execute(
                    "INSERT INTO ttrest_schema (version) VALUES (?1)",
                    [SCHEMA_VERSION],
                )
            })
            .map_err(|e| error(&url, &e))?;
        tx.commit().map_err(|e| error(&url, &e))
    }

    pub(crate) fn try_lease(&mut self, key: &StateKey) -> Result<Option<LeaseHolder>, StoreError> {
        let side = lease::side_file(&self.path, &key.key, &key.environment, &key.stream);
        if self.leases.iter().any(|(p, _)| *p == side) {
            return Ok(None);
        }
        match lease::lock_file(&side) {
            Ok(Ok(file)) => {
                self.leases.push((side, file));
                Ok(None)
            }
            Ok(Err(holder)) => Ok(Some(holder)),
            Err(e) => Err(StoreError::new(
                &self.url,
                ErrorKind::ReadOnly,
                format!(
                    "cannot take the {} stream's lease: cannot write {} ({e}); make the \
                     database's folder writable or pass another --db",
                    key.stream,
                    side.display()
                ),
            )),
        }
    }

    pub(crate) fn state(&mut self, key: &StateKey) -> Result<Option<SyncState>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT cursor, last_fill_ns, last_fill_key, rows FROM sync_state \
                 WHERE key = ?1 AND environment = ?2 AND stream = ?3",
                params![key.key, key.environment, key.stream],
                |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.error(&e))?;
        row.map(|(cursor, last_fill_ns, last_fill_key, rows)| {
            Ok(SyncState {
                cursor: parse_cursor(&self.url, cursor.as_deref())?,
                last_fill_ns,
                last_fill_key,
                rows,
            })
        })
        .transpose()
    }

    pub(crate) fn commit_fills(&mut self, page: &Page<'_>) -> Result<PageOutcome, StoreError> {
        let url = self.url.clone();
        let mut run = || -> rusqlite::Result<PageOutcome> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut outcome = PageOutcome::default();
            {
                let mut insert = tx.prepare_cached(&fills_insert("fills"))?;
                let env = text(&page.key.environment);
                let (app_key, company) = (
                    text(&page.key.key),
                    page.key.company.as_deref().map_or(NULL, text),
                );
                let mut values = Vec::new();
                for row in page.rows {
                    values.clear();
                    values.extend([env.clone(), text(&row.key)]);
                    cells(fill_columns(), &row.cells, &mut values);
                    values.extend([text(&row.record), app_key.clone(), company.clone()]);
                    match insert.execute(params_from_iter(values.iter()))? {
                        0 => outcome.duplicates += 1,
                        _ => outcome.added += 1,
                    }
                }
            }
            if let Some(cursor) = page.cursor {
                let last = page.rows.iter().rev().find_map(|r| Some((r.ts?, &r.key)));
                tx.execute(
                    "INSERT INTO sync_state (key, environment, stream, cursor, last_fill_ns, \
                     last_fill_key, rows, updated_at, company) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, \
                     ?8, ?9) ON CONFLICT (key, environment, stream) DO UPDATE SET \
                     cursor = excluded.cursor, company = excluded.company, \
                     last_fill_ns = coalesce(excluded.last_fill_ns, sync_state.last_fill_ns), \
                     last_fill_key = coalesce(excluded.last_fill_key, sync_state.last_fill_key), \
                     rows = sync_state.rows + excluded.rows, updated_at = excluded.updated_at",
                    params![
                        page.key.key,
                        page.key.environment,
                        page.key.stream,
                        cursor,
                        last.map(|l| l.0),
                        last.map(|l| l.1),
                        outcome.added as i64,
                        rfc3339_ns(now_ns()),
                        page.key.company,
                    ],
                )?;
            }
            if let Some(hook) = page.before_commit {
                hook(page.rows.len());
            }
            tx.commit()?;
            Ok(outcome)
        };
        run().map_err(|e| error(&url, &e))
    }

    pub(crate) fn snapshot(&mut self, snap: &SnapshotRows<'_>) -> Result<u64, StoreError> {
        let url = self.url.clone();
        let mut run = || -> rusqlite::Result<u64> {
            let tx = self
                .conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut columns = vec![
                    "environment".to_string(),
                    "as_of_ns".into(),
                    "as_of".into(),
                    "seq".into(),
                ];
                columns.extend(names(snap.columns));
                columns.extend(["record".into(), "app_key".into(), "company".into()]);
                let marks = (1..=columns.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES ({marks})",
                    snap.table,
                    columns.join(", ")
                );
                let mut insert = tx.prepare_cached(&sql)?;
                let as_of = rfc3339_ns(snap.as_of_ns);
                let mut values = Vec::new();
                for (seq, row) in snap.rows.iter().enumerate() {
                    values.clear();
                    values.extend([
                        text(&snap.key.environment),
                        ToSqlOutput::Owned(Sql::Integer(snap.as_of_ns)),
                        text(&as_of),
                        ToSqlOutput::Owned(Sql::Integer(seq as i64)),
                    ]);
                    cells(snap.columns, &row.cells, &mut values);
                    values.extend([
                        text(&row.record),
                        text(&snap.key.key),
                        snap.key.company.as_deref().map_or(NULL, text),
                    ]);
                    insert.execute(params_from_iter(values.iter()))?;
                }
            }
            tx.execute(
                "INSERT INTO sync_state (key, environment, stream, last_as_of_ns, rows, updated_at, \
                 company) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (key, environment, stream) \
                 DO UPDATE SET last_as_of_ns = excluded.last_as_of_ns, \
                 rows = sync_state.rows + excluded.rows, updated_at = excluded.updated_at, \
                 company = excluded.company",
                params![
                    snap.key.key,
                    snap.key.environment,
                    snap.key.stream,
                    snap.as_of_ns,
                    snap.rows.len() as i64,
                    rfc3339_ns(now_ns()),
                    snap.key.company,
                ],
            )?;
            tx.commit()?;
            Ok(snap.rows.len() as u64)
        };
        run().map_err(|e| error(&url, &e))
    }
}

/// `INSERT INTO <table>` of every column of `fills`, in insert order:
/// environment, key, typed columns, record, app key, company.
fn fills_insert(table: &str) -> String {
    let mut columns = vec!["environment".to_string(), "fill_key".to_string()];
    columns.extend(names(fill_columns()));
    columns.extend(["record".into(), "app_key".into(), "company".into()]);
    let marks = (1..=columns.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({marks}) ON CONFLICT DO NOTHING",
        columns.join(", ")
    )
}

const NULL: ToSqlOutput<'static> = ToSqlOutput::Owned(Sql::Null);

/// Borrowed text.
fn text(s: &str) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

/// A row's typed values in table order, appended to `out` (a timestamp
/// gives `_ns` and its text; an id its decimal text; a flag 0 or 1; a code
/// that is not an integer, NULL: the record keeps it).
fn cells<'a>(columns: &[Column], cells: &'a [Cell<'a>], out: &mut Vec<ToSqlOutput<'a>>) {
    for (col, cell) in columns.iter().zip(cells) {
        let int = |i: i64| ToSqlOutput::Owned(Sql::Integer(i));
        match (col.kind, cell) {
            (ColumnKind::Timestamp, Cell::Timestamp(ns)) => {
                out.extend([int(*ns), ToSqlOutput::Owned(Sql::Text(rfc3339_ns(*ns)))]);
            }
            (ColumnKind::Timestamp, _) => out.extend([NULL, NULL]),
            (_, Cell::Int(i)) => out.push(int(*i)),
            (_, Cell::Id(n)) => out.push(ToSqlOutput::Owned(Sql::Text(n.to_string()))),
            (_, Cell::Float(f)) => out.push(ToSqlOutput::Owned(Sql::Real(*f))),
            (_, Cell::Bool(b)) => out.push(int(i64::from(*b))),
            (ColumnKind::Text | ColumnKind::Json, Cell::Text(t)) => out.push(text(t)),
            (_, Cell::Json(j)) => out.push(text(j)),
            _ => out.push(NULL),
        }
    }
}

/// Version 3's copy: every row of `fills` into `fills_v3` under its new key
/// (of rows sharing one, the first in old-key order is kept) and every row of
/// `orders` into `orders_v3`, typed columns read again from `record`; then
/// `sync_state`'s last keys and cursors follow (see `schema::v3_create`).
fn rebuild_v3(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut changed: HashMap<(String, String), String> = HashMap::new();
    {
        let mut insert = tx.prepare(&fills_insert("fills_v3"))?;
        let mut select = tx.prepare(
            "SELECT environment, fill_key, record, app_key, company FROM fills \
             ORDER BY environment, fill_key",
        )?;
        let mut rows = select.query([])?;
        while let Some(r) = rows.next()? {
            let mut values = Vec::new();
            let (env, old, rec): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (app_key, company): (Option<String>, Option<String>) = (r.get(3)?, r.get(4)?);
            let key = schema::key_v3(&rec, &old);
            let row_cells = record::cells(fill_columns(), &rec);
            values.extend([text(&env), text(&key)]);
            cells(fill_columns(), &row_cells, &mut values);
            values.extend([
                text(&rec),
                app_key.as_deref().map_or(NULL, text),
                company.as_deref().map_or(NULL, text),
            ]);
            insert.execute(params_from_iter(values.iter()))?;
            if key != old {
                changed.insert((env, old), key);
            }
        }
    }
    {
        let mut columns = vec![
            "environment".to_string(),
            "as_of_ns".into(),
            "as_of".into(),
            "seq".into(),
        ];
        columns.extend(names(order_columns()));
        columns.extend(["record".into(), "app_key".into(), "company".into()]);
        let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO orders_v3 ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        ))?;
        let mut select = tx.prepare(
            "SELECT environment, as_of_ns, as_of, seq, record, app_key, company FROM orders",
        )?;
        let mut rows = select.query([])?;
        while let Some(r) = rows.next()? {
            let mut values = Vec::new();
            let env: String = r.get(0)?;
            let (as_of_ns, as_of, seq): (i64, String, i64) = (r.get(1)?, r.get(2)?, r.get(3)?);
            let rec: String = r.get(4)?;
            let (app_key, company): (Option<String>, Option<String>) = (r.get(5)?, r.get(6)?);
            let row_cells = record::cells(order_columns(), &rec);
            values.extend([
                text(&env),
                ToSqlOutput::Owned(Sql::Integer(as_of_ns)),
                text(&as_of),
                ToSqlOutput::Owned(Sql::Integer(seq)),
            ]);
            cells(order_columns(), &row_cells, &mut values);
            values.extend([
                text(&rec),
                app_key.as_deref().map_or(NULL, text),
                company.as_deref().map_or(NULL, text),
            ]);
            insert.execute(params_from_iter(values.iter()))?;
        }
    }
    tx.execute_batch(schema::v3_finish())?;
    // (key, environment, stream, cursor, last_fill_key)
    type State = (String, String, String, Option<String>, Option<String>);
    let states: Vec<State> = tx
        .prepare("SELECT key, environment, stream, cursor, last_fill_key FROM sync_state")?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    for (key, env, stream, cursor, last) in states {
        let last = last.and_then(|l| changed.get(&(env.clone(), l)).cloned());
        let cursor = cursor.as_deref().and_then(schema::cursor_v3);
        if last.is_some() || cursor.is_some() {
            tx.execute(
                "UPDATE sync_state SET last_fill_key = coalesce(?1, last_fill_key), \
                 cursor = coalesce(?2, cursor) WHERE key = ?3 AND environment = ?4 AND stream = ?5",
                params![last, cursor, key, env, stream],
            )?;
        }
    }
    Ok(())
}

pub(crate) fn parse_cursor(
    url: &DatabaseUrl,
    text: Option<&str>,
) -> Result<Option<ttrest::paginate::FillsCursor>, StoreError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| {
            StoreError::new(
                url,
                ErrorKind::Other,
                format!(
                    "sync_state holds a cursor this ttrest cannot read ({e}); \
                     delete that sync_state row to sync again from --since"
                ),
            )
        })
    })
    .transpose()
}

pub(crate) fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// An SQLite error as a store error with its kind and advice.
fn error(url: &DatabaseUrl, e: &rusqlite::Error) -> StoreError {
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => ErrorKind::ReadOnly,
        Some(ErrorCode::DiskFull) => ErrorKind::Full,
        Some(ErrorCode::CannotOpen | ErrorCode::NotADatabase | ErrorCode::PermissionDenied) => {
            ErrorKind::Connect
        }
        Some(ErrorCode::SystemIoFailure) => ErrorKind::Full,
        _ => ErrorKind::Other,
    };
    let what = match kind {
        ErrorKind::ReadOnly => format!("cannot write: the database is read-only ({e})"),
        ErrorKind::Full => format!("a write failed: the disk or a file size limit is full ({e})"),
        ErrorKind::Connect => format!("cannot open it as an SQLite database ({e})"),
        _ => e.to_string(),
    };
    let hint = match kind {
        ErrorKind::Connect => {
            "; check the path (its folder must exist and be writable) and that it is an SQLite file"
        }
        other => advice(other),
    };
    StoreError::new(url, kind, format!("{what}{hint}"))
}
