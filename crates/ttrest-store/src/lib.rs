//! # ttrest-store
//!
//! Keeps what ttrest reads from TT in a database: every fill exactly once, even
//! across crashes, and snapshots of positions and working orders.
//!
//! - [`Store::open`] takes `sqlite:PATH` (embedded, WAL mode) or
//!   `postgres://user@host/db` and applies the schema's migrations; a database
//!   whose schema is newer than this crate is refused.
//! - [`Store::commit_fills`] writes one page of fills **and** the stream's
//!   [`FillsCursor`] in one transaction: a crash at any point leaves the rows
//!   and the cursor consistent, and the next run resumes from the cursor.
//! - [`sync_fills`] drives a fills stream into the store, page by page, and
//!   re-reads a trailing window behind the cursor for fills TT delivered late.
//!
//! - [`Store::lease`] makes the run the stream's only writer: a second run of
//!   the same (app key, environment, stream) is refused, saying who holds it,
//!   or waits. A killed holder leaves nothing behind (a PostgreSQL
//!   session-level advisory lock; an `flock`ed side file for SQLite).
//!
//! - [`PostgresCount`] keeps a key's day of requests (the library's
//!   [`DailyCount`](ttrest::quota::DailyCount)) in PostgreSQL, shared by every
//!   process and host syncing into the database.
//!
//! Fills are keyed by the library's fill identity
//! ([`FillKey`](ttrest::paginate::FillKey)), the one the paginator uses:
//! `r:<recordId>`, else `u:<uniqueExecId>`, else `h:` and a hash of the
//! record's canonical JSON (never `execId`, which TT reuses). The typed
//! columns of each table are the fields of [`FILL_FIELDS`],
//! [`POSITION_FIELDS`] and [`ORDER_FIELDS`], named and typed by the spec's
//! column tables (`ttrest::columns`, see [`fill_columns`]): a timestamp is
//! `<name>_ns` (exact epoch ns) plus `<name>` (RFC 3339 text in SQLite,
//! `timestamptz` in PostgreSQL); an id is exact decimal text in SQLite,
//! `NUMERIC(20,0)` in PostgreSQL; an integer or an enumeration code (`side`)
//! is an integer (a code TT sends as a non-numeric string is NULL); a
//! number is a double; a flag an integer 0/1 in SQLite, `boolean` in
//! PostgreSQL. The cells are read from each record's JSON text in one pass.
//! The whole record is kept as JSON (`jsonb` in PostgreSQL) in the `record`
//! column, so no field TT sends is lost.

#![warn(missing_docs)]

mod count;
mod error;
mod lease;
mod pgconn;
mod postgres;
mod record;
mod schema;
mod sqlite;
mod sync;
mod tls;
mod url;

#[cfg(test)]
mod migrate_tests;

use ttrest::columns::Column;
use ttrest::paginate::{FillsCursor, RawFill};

pub use self::count::PostgresCount;
pub use self::error::{ErrorKind, StoreError};
pub use self::lease::LeaseHolder;
pub use self::record::{
    fill_columns, order_columns, position_columns, RecordJson, FILL_FIELDS, ORDER_FIELDS,
    POSITION_FIELDS,
};
pub use self::schema::SCHEMA_VERSION;
pub use self::sync::{sync_fills, SyncError, SyncOptions, SyncReport};
pub use self::url::DatabaseUrl;

/// Whose data a `sync_state` row tracks: the app key (its public id, never the
/// secret), the TT environment and the stream (`fills`, `positions`, `orders`).
/// The key's id and company are also written into every row it stores
/// (columns `app_key` and `company`), so one database fed by several keys can
/// be filtered by key or company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateKey {
    /// The app key id.
    pub key: String,
    /// The TT environment, e.g. `ext_uat_cert`.
    pub environment: String,
    /// The stream's name.
    pub stream: String,
    /// The company the key belongs to, recorded with each row (provenance).
    pub company: Option<String>,
}

impl StateKey {
    /// The state of `stream` for `key` in `environment`.
    pub fn new(key: impl Into<String>, environment: impl Into<String>, stream: &str) -> Self {
        Self {
            key: key.into(),
            environment: environment.into(),
            stream: stream.to_string(),
            company: None,
        }
    }

    /// The same key, recording `company` with the rows it writes.
    pub fn with_company(mut self, company: impl Into<String>) -> Self {
        self.company = Some(company.into());
        self
    }
}

/// A `sync_state` row.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncState {
    /// The fills stream's cursor after the last committed page.
    pub cursor: Option<FillsCursor>,
    /// `timeStamp` (epoch ns) of the last fill the stream committed.
    pub last_fill_ns: Option<i64>,
    /// Identity key of that fill (see [`FillKey`](ttrest::paginate::FillKey)).
    pub last_fill_key: Option<String>,
    /// Rows this stream added, over all runs.
    pub rows: i64,
}

/// What one committed page did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// Rows inserted.
    pub added: u64,
    /// Rows skipped because a row with the same identity was there.
    pub duplicates: u64,
}

/// A hook [`Store::commit_fills`] calls inside each transaction, after the
/// page's rows are written and before it commits, with the number of rows
/// written. It exists for fault injection: a test (or `ttrest sync fills
/// --debug-hold-commit-after`) holds a transaction open there to kill the
/// process inside it and show that nothing of the page was kept.
pub type BeforeCommit = dyn Fn(usize) + Send + Sync;

/// Which snapshot table [`Store::snapshot`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Snapshot {
    /// `positions`: one row per account and instrument.
    Positions,
    /// `orders`: the working orders.
    Orders,
}

impl Snapshot {
    /// The stream name in `sync_state` and the table's name.
    pub fn name(self) -> &'static str {
        match self {
            Snapshot::Positions => "positions",
            Snapshot::Orders => "orders",
        }
    }

    fn columns(self) -> &'static [Column] {
        match self {
            Snapshot::Positions => position_columns(),
            Snapshot::Orders => order_columns(),
        }
    }
}

enum Backend {
    Sqlite(self::sqlite::Db),
    Postgres(self::postgres::Db),
}

/// An open database with the current schema.
pub struct Store {
    backend: Backend,
    url: DatabaseUrl,
    before_commit: Option<Box<BeforeCommit>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish()
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let backend = match &url {
            DatabaseUrl::Sqlite(path) => Backend::Sqlite(self::sqlite::Db::open(path, &url)?),
            DatabaseUrl::Postgres { .. } => {
                Backend::Postgres(self::postgres::Db::open(&url).await?)
            }
        };
        Ok(Store {
            backend,
            url,
            before_commit: None,
        })
    }

    /// Sets (or clears) the hook called inside each fills transaction before
    /// it commits; see [`BeforeCommit`].
    pub fn set_before_commit(&mut self, hook: Option<Box<BeforeCommit>>) {
        self.before_commit = hook;
    }

    /// The database, as messages name it (a password shown as `***`).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Tries to take `key`'s lease (one writer per app key, environment and
    /// stream) for as long as this store is open: `None` when taken (or
    /// already held by this store), else who holds it.
    pub async fn try_lease(&mut self, key: &StateKey) -> Result<Option<LeaseHolder>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(db) => db.try_lease(key),
            Backend::Postgres(db) => db.try_lease(key).await,
        }
    }

    /// Takes `key`'s lease for as long as this store is open. When another
    /// process holds it: without `wait`, an [`ErrorKind::Busy`] error naming
    /// the holder's host, pid and since when; with `wait`, calls `waiting`
    /// once and retries every half second until the lease is free.
    pub async fn lease(
        &mut self,
        key: &StateKey,
        wait: bool,
        mut waiting: impl FnMut(&LeaseHolder),
    ) -> Result<(), StoreError> {
        let mut told = false;
        loop {
            let holder = match self.try_lease(key).await? {
                None => return Ok(()),
                Some(h) => h,
            };
            if !wait {
                return Err(StoreError::new(
                    &self.url,
                    ErrorKind::Busy,
                    format!(
                        "the {} stream of app key {} in {} is being synced by {holder}; \
                         let that run finish (or stop it), or pass --wait to wait for it",
                        key.stream, key.key, key.environment
                    ),
                ));
            }
            if !told {
                waiting(&holder);
                told = true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// The `sync_state` row of `key`, if a run committed one.
    pub async fn state(&mut self, key: &StateKey) -> Result<Option<SyncState>, StoreError> {
        match &mut self.backend {
            Backend::Sqlite(db) => db.state(key),
            Backend::Postgres(db) => db.state(key).await,
        }
    }

    /// Inserts `fills` (skipping those already stored, by identity) and,
    /// when `cursor` is given, saves it as `key`'s state, all in one
    /// transaction. Without a cursor (a rescan) only rows are added. Each
    /// fill's text is stored as sent and its typed columns are read from it.
    pub async fn commit_fills(
        &mut self,
        key: &StateKey,
        fills: &[RawFill],
        cursor: Option<&FillsCursor>,
    ) -> Result<PageOutcome, StoreError> {
        let rows = self::record::fill_rows(fills);
        let cursor = match cursor {
            Some(c) => Some(serde_json::to_string(c).map_err(|e| {
                StoreError::new(&self.url, ErrorKind::Other, format!("cursor: {e}"))
            })?),
            None => None,
        };
        let page = self::record::Page {
            key,
            rows: &rows,
            cursor: cursor.as_deref(),
            before_commit: self.before_commit.as_deref(),
        };
        match &mut self.backend {
            Backend::Sqlite(db) => db.commit_fills(&page),
            Backend::Postgres(db) => db.commit_fills(&page).await,
        }
    }

    /// Writes one snapshot of `records` (JSON objects: `serde_json::Value`s,
    /// texts, [`RawFill`]s) taken at `as_of_ns` (epoch ns) in one
    /// transaction, and records it in `key`'s state; returns the rows written.
    pub async fn snapshot<R: RecordJson>(
        &mut self,
        key: &StateKey,
        what: Snapshot,
        as_of_ns: i64,
        records: &[R],
    ) -> Result<u64, StoreError> {
        let rows = self::record::rows(what.columns(), records);
        let snap = self::record::SnapshotRows {
            key,
            table: what.name(),
            columns: what.columns(),
            as_of_ns,
            rows: &rows,
        };
        match &mut self.backend {
            Backend::Sqlite(db) => db.snapshot(&snap),
            Backend::Postgres(db) => db.snapshot(&snap).await,
        }
    }
}
