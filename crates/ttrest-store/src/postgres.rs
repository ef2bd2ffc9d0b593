//! PostgreSQL through tokio-postgres: one transaction per page, each page one
//! `INSERT ... SELECT FROM UNNEST(arrays)` (one round trip for 500 fills).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Transaction};
use ttrest::columns::{Cell, Column, ColumnKind};

use super::error::{advice, ErrorKind, StoreError};
use super::lease::{self, LeaseHolder};
use super::pgconn;
use super::record::{self, fill_columns, order_columns, Page, Row, SnapshotRows};
use super::schema::{self, Dialect, SCHEMA_VERSION};
use super::sqlite::parse_cursor;
use super::tls::{self, SslMode, TlsSettings};
use super::url::DatabaseUrl;
use super::{PageOutcome, StateKey, SyncState};

/// Any number, so that two syncs migrating at once take turns.
const MIGRATION_LOCK: i64 = 0x7474_7265_7374;

pub(crate) struct Db {
    client: Client,
    url: DatabaseUrl,
    insert_fills: String,
}

type Param<'a> = Box<dyn ToSql + Sync + Send + 'a>;

/// Rows read per batch when a migration copies a table.
const MIGRATION_BATCH: i64 = 5_000;

impl Db {
    pub(crate) async fn open(url: &DatabaseUrl) -> Result<Db, StoreError> {
        let DatabaseUrl::Postgres { url: text, .. } = url else {
            unreachable!("only PostgreSQL URLs come here");
        };
        let (mut config, tls) = pgconn::resolve(text, &pgconn::Env::process())
            .map_err(|m| StoreError::new(url, ErrorKind::Url, m))?;
        if config.get_connect_timeout().is_none() {
            // An unreachable host should fail in seconds, not after TCP's minutes.
            config.connect_timeout(Duration::from_secs(10));
        }
        let connected = match tls.mode {
            SslMode::Disable => config.connect(NoTls).await.map(|(c, conn)| {
                tokio::spawn(async move {
                    // Failures surface on the next query, with their message.
                    let _ = conn.await;
                });
                c
            }),
            _ => {
                let connector = tls
                    .connector()
                    .map_err(|m| StoreError::new(url, ErrorKind::Tls, m))?;
                config.connect(connector).await.map(|(c, conn)| {
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    c
                })
            }
        };
        let client = connected.map_err(|e| connect_error(url, &e, &config, &tls))?;
        let mut db = Db {
            client,
            url: url.clone(),
            insert_fills: insert_sql("fills", fill_columns(), true, false),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// The connection, for a [`crate::PostgresCount`].
    pub(crate) fn into_client(self) -> Client {
        self.client
    }

    fn error(&self, e: &tokio_postgres::Error) -> StoreError {
        error(&self.url, e)
    }

    async fn migrate(&mut self) -> Result<(), StoreError> {
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| error(&url, &e);
        let tx = self.client.transaction().await.map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(err)?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('ttrest_schema') IS NOT NULL", &[])
            .await
            .map_err(err)?
            .get(0);
        let found: i64 = match exists {
            true => tx
                .query_one(
                    "SELECT coalesce(max(version), 0)::bigint FROM ttrest_schema",
                    &[],
                )
                .await
                .map_err(err)?
                .get(0),
            false => 0,
        };
        schema::check_version(found)
            .map_err(|m| StoreError::new(&url, ErrorKind::SchemaNewer, m))?;
        if found == SCHEMA_VERSION {
            return tx.rollback().await.map_err(err);
        }
        if !exists {
            tx.batch_execute("CREATE TABLE ttrest_schema (version BIGINT NOT NULL)")
                .await
                .map_err(err)?;
        }
        for v in found + 1..=SCHEMA_VERSION {
            let sql = schema::migration(Dialect::Postgres, v).unwrap_or_default();
            tx.batch_execute(&sql).await.map_err(err)?;
            if v == 3 {
                rebuild_v3(&tx).await.map_err(err)?;
            }
        }
        tx.execute("DELETE FROM ttrest_schema", &[])
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO ttrest_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    pub(crate) async fn try_lease(
        &mut self,
        key: &StateKey,
    ) -> Result<Option<LeaseHolder>, StoreError> {
        let id = lease::lock_id(&key.key, &key.environment, &key.stream);
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| error(&url, &e);
        let taken: bool = self
            .client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&id])
            .await
            .map_err(err)?
            .get(0);
        if taken {
            let me = LeaseHolder::me();
            self.client
                .execute(
                    "INSERT INTO ttrest_lease (key, environment, stream, host, pid, since) \
                     VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (key, environment, stream) \
                     DO UPDATE SET host = excluded.host, pid = excluded.pid, since = excluded.since",
                    &[
                        &key.key,
                        &key.environment,
                        &key.stream,
                        &me.host,
                        &i64::from(me.pid),
                    ],
                )
                .await
                .map_err(err)?;
            return Ok(None);
        }
        let row = self
            .client
            .query_opt(
                "SELECT host, pid, to_char(since AT TIME ZONE 'UTC', \
                 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ttrest_lease \
                 WHERE key = $1 AND environment = $2 AND stream = $3",
                &[&key.key, &key.environment, &key.stream],
            )
            .await
            .map_err(err)?;
        Ok(Some(match row {
            Some(r) => LeaseHolder {
                host: r.get(0),
                pid: u32::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                since: r.get(2),
            },
            None => LeaseHolder::unknown(),
        }))
    }

    pub(crate) async fn state(&mut self, key: &StateKey) -> Result<Option<SyncState>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT cursor, last_fill_ns, last_fill_key, rows FROM sync_state \
                 WHERE key = $1 AND environment = $2 AND stream = $3",
                &[&key.key, &key.environment, &key.stream],
            )
            .await
            .map_err(|e| self.error(&e))?;
        row.map(|r| {
            let cursor: Option<String> = r.get(0);
            Ok(SyncState {
                cursor: parse_cursor(&self.url, cursor.as_deref())?,
                last_fill_ns: r.get(1),
                last_fill_key: r.get(2),
                rows: r.get(3),
            })
        })
        .transpose()
    }

    pub(crate) async fn commit_fills(
        &mut self,
        page: &Page<'_>,
    ) -> Result<PageOutcome, StoreError> {
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| error(&url, &e);
        let tx = self.client.transaction().await.map_err(err)?;
        let mut params: Vec<Param<'_>> = vec![Box::new(page.key.environment.as_str())];
        params.push(Box::new(
            page.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        ));
        params.extend(arrays(fill_columns(), page.rows));
        params.push(Box::new(
            page.rows.iter().map(|r| &*r.record).collect::<Vec<_>>(),
        ));
        params.push(Box::new(page.key.key.as_str()));
        params.push(Box::new(page.key.company.as_deref()));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        let added = tx.execute(&self.insert_fills, &refs).await.map_err(err)?;
        let outcome = PageOutcome {
            added,
            duplicates: page.rows.len() as u64 - added,
        };
        if let Some(cursor) = page.cursor {
            let last = page
                .rows
                .iter()
                .rev()
                .find_map(|r| Some((r.ts?, r.key.clone())));
            let (last_ns, last_key) = (last.as_ref().map(|l| l.0), last.map(|l| l.1));
            tx.execute(
                "INSERT INTO sync_state (key, environment, stream, cursor, last_fill_ns, \
                 last_fill_key, rows, updated_at, company) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                 now(), $8) ON CONFLICT (key, environment, stream) DO UPDATE SET \
                 cursor = excluded.cursor, company = excluded.company, \
                 last_fill_ns = coalesce(excluded.last_fill_ns, sync_state.last_fill_ns), \
                 last_fill_key = coalesce(excluded.last_fill_key, sync_state.last_fill_key), \
                 rows = sync_state.rows + excluded.rows, updated_at = excluded.updated_at",
                &[
                    &page.key.key,
                    &page.key.environment,
                    &page.key.stream,
                    &cursor,
                    &last_ns,
                    &last_key,
                    &(added as i64),
                    &page.key.company,
                ],
            )
            .await
            .map_err(err)?;
        }
        if let Some(hook) = page.before_commit {
            hook(page.rows.len());
        }
        tx.commit().await.map_err(err)?;
        Ok(outcome)
    }

    pub(crate) async fn snapshot(&mut self, snap: &SnapshotRows<'_>) -> Result<u64, StoreError> {
        let url = self.url.clone();
        let err = |e: tokio_postgres::Error| error(&url, &e);
        let tx = self.client.transaction().await.map_err(err)?;
        let n = snap.rows.len();
        let mut params: Vec<Param<'_>> = vec![
            Box::new(snap.key.environment.as_str()),
            Box::new(snap.as_of_ns),
            Box::new(time(snap.as_of_ns)),
            Box::new((0..n as i64).collect::<Vec<i64>>()),
        ];
        params.extend(arrays(snap.columns, snap.rows));
        params.push(Box::new(
            snap.rows.iter().map(|r| &*r.record).collect::<Vec<_>>(),
        ));
        params.push(Box::new(snap.key.key.as_str()));
        params.push(Box::new(snap.key.company.as_deref()));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        tx.execute(&insert_sql(snap.table, snap.columns, false, false), &refs)
            .await
            .map_err(err)?;
        tx.execute(
            "INSERT INTO sync_state (key, environment, stream, last_as_of_ns, rows, updated_at, \
             company) VALUES ($1, $2, $3, $4, $5, now(), $6) ON CONFLICT (key, environment, stream) \
             DO UPDATE SET last_as_of_ns = excluded.last_as_of_ns, \
             rows = sync_state.rows + excluded.rows, updated_at = excluded.updated_at, \
             company = excluded.company",
            &[
                &snap.key.key,
                &snap.key.environment,
                &snap.key.stream,
                &snap.as_of_ns,
                &(n as i64),
                &snap.key.company,
            ],
        )
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(n as u64)
    }
}

/// `INSERT INTO table (...) SELECT ... FROM UNNEST(...)`, parameters in
/// table order: `$1` the environment; fills then the keys array, snapshots
/// `as_of_ns`, `as_of` and the `seq` array; one array per typed column (two
/// for a timestamp: `_ns` and `timestamptz`); the records array; last the
/// `app_key` and `company`. With `per_row` (a migration's copy), the
/// environment, `as_of_ns`, `as_of`, `app_key` and `company` are arrays too.
fn insert_sql(table: &str, columns: &[Column], fills: bool, per_row: bool) -> String {
    // (target column, is an array, SQL type, cast in the SELECT)
    let mut entries: Vec<(String, bool, &str, &str)> =
        vec![("environment".into(), per_row, "text", "")];
    match fills {
        true => entries.push(("fill_key".into(), true, "text", "")),
        false => entries.extend([
            ("as_of_ns".into(), per_row, "bigint", ""),
            ("as_of".into(), per_row, "timestamptz", ""),
            ("seq".into(), true, "bigint", ""),
        ]),
    }
    for c in columns {
        if c.kind == ColumnKind::Timestamp {
            entries.push((format!("{}_ns", c.name), true, "bigint", ""));
        }
        let (ty, cast) = match c.kind {
            ColumnKind::Int | ColumnKind::Code => ("bigint", ""),
            ColumnKind::Float => ("float8", ""),
            ColumnKind::Id => ("text", "::numeric"),
            ColumnKind::Text => ("text", ""),
            ColumnKind::Json => ("text", "::jsonb"),
            ColumnKind::Bool => ("bool", ""),
            ColumnKind::Timestamp => ("timestamptz", ""),
        };
        entries.push((c.name.to_string(), true, ty, cast));
    }
    entries.extend([
        ("record".into(), true, "text", "::jsonb"),
        ("app_key".into(), per_row, "text", ""),
        ("company".into(), per_row, "text", ""),
    ]);
    let (mut select, mut params, mut aliases) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (_, array, ty, cast)) in entries.iter().enumerate() {
        let n = i + 1;
        match array {
            true => {
                params.push(format!("${n}::{ty}[]"));
                aliases.push(format!("c{n}"));
                select.push(format!("u.c{n}{cast}"));
            }
            false => select.push(format!("${n}::{ty}")),
        }
    }
    let targets: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let conflict = if fills { " ON CONFLICT DO NOTHING" } else { "" };
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM UNNEST({}) AS u({}){conflict}",
        targets.join(", "),
        select.join(", "),
        params.join(", "),
        aliases.join(", ")
    )
}

/// One array parameter per column (two for a timestamp: `_ns` and
/// `timestamptz`); a code that is not an integer is NULL (the record keeps it).
fn arrays<'a>(columns: &[Column], rows: &'a [Row<'a>]) -> Vec<Param<'a>> {
    let mut out: Vec<Param<'a>> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let cells = rows.iter().map(move |r| &r.cells[i]);
        match c.kind {
            ColumnKind::Int | ColumnKind::Code => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Int(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            ColumnKind::Float => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Float(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            ColumnKind::Id => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Id(x) => Some(x.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            ColumnKind::Text | ColumnKind::Json => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Text(x) => Some(&**x),
                        Cell::Json(x) => Some(&**x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            ColumnKind::Bool => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Bool(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            ColumnKind::Timestamp => {
                let ns: Vec<Option<i64>> = cells
                    .map(|v| match v {
                        Cell::Timestamp(x) => Some(*x),
                        _ => None,
                    })
                    .collect();
                let times: Vec<Option<SystemTime>> = ns.iter().map(|n| n.map(time)).collect();
                out.push(Box::new(ns));
                out.push(Box::new(times));
            }
        }
    }
    out
}

/// Version 3's copy (see `schema::v3_create`), in batches of
/// [`MIGRATION_BATCH`] rows read in key order: every row of `fills` into
/// `fills_v3` under its new key (of rows sharing one, the first in old-key
/// byte order is kept) and every row of `orders` into `orders_v3`, typed
/// columns read again from `record`; then `sync_state` follows.
#[allow(clippy::type_complexity)]
async fn rebuild_v3(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    let mut changed: HashMap<(String, String), String> = HashMap::new();
    let insert = insert_sql("fills_v3", fill_columns(), true, true);
    let mut after: Option<(String, String)> = None;
    loop {
        let rows = match &after {
            None => {
                tx.query(
                    "SELECT environment, fill_key, record::text, app_key, company FROM fills \
                     ORDER BY environment COLLATE \"C\", fill_key COLLATE \"C\" LIMIT $1",
                    &[&MIGRATION_BATCH],
                )
                .await?
            }
            Some((env, key)) => {
                tx.query(
                    "SELECT environment, fill_key, record::text, app_key, company FROM fills \
                     WHERE environment COLLATE \"C\" > $2 \
                     OR (environment = $2 AND fill_key COLLATE \"C\" > $3) \
                     ORDER BY environment COLLATE \"C\", fill_key COLLATE \"C\" LIMIT $1",
                    &[&MIGRATION_BATCH, env, key],
                )
                .await?
            }
        };
        let Some(last) = rows.last() else { break };
        after = Some((last.get(0), last.get(1)));
        let mut seen = HashSet::new();
        // (environment, new key, record, app_key, company)
        let mut kept: Vec<(String, String, String, Option<String>, Option<String>)> = Vec::new();
        for r in &rows {
            let (env, old, rec): (String, String, String) = (r.get(0), r.get(1), r.get(2));
            let key = schema::key_v3(&rec, &old);
            if key != old {
                changed.insert((env.clone(), old), key.clone());
            }
            if seen.insert((env.clone(), key.clone())) {
                kept.push((env, key, rec, r.get(3), r.get(4)));
            }
        }
        let table: Vec<Row<'_>> = kept
            .iter()
            .map(|(_, key, rec, _, _)| Row {
                key: key.clone(),
                ts: None,
                cells: record::cells(fill_columns(), rec),
                record: Cow::Borrowed(rec),
            })
            .collect();
        let mut params: Vec<Param<'_>> = vec![
            Box::new(kept.iter().map(|k| k.0.as_str()).collect::<Vec<_>>()),
            Box::new(kept.iter().map(|k| k.1.as_str()).collect::<Vec<_>>()),
        ];
        params.extend(arrays(fill_columns(), &table));
        params.push(Box::new(
            kept.iter().map(|k| k.2.as_str()).collect::<Vec<_>>(),
        ));
        params.push(Box::new(
            kept.iter().map(|k| k.3.as_deref()).collect::<Vec<_>>(),
        ));
        params.push(Box::new(
            kept.iter().map(|k| k.4.as_deref()).collect::<Vec<_>>(),
        ));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        tx.execute(&insert, &refs).await?;
    }
    let insert = insert_sql("orders_v3", order_columns(), false, true);
    let mut after: Option<(String, i64, i64)> = None;
    loop {
        let rows = match &after {
            None => {
                tx.query(
                    "SELECT environment, as_of_ns, seq, record::text, app_key, company FROM orders \
                     ORDER BY environment COLLATE \"C\", as_of_ns, seq LIMIT $1",
                    &[&MIGRATION_BATCH],
                )
                .await?
            }
            Some((env, as_of, seq)) => {
                tx.query(
                    "SELECT environment, as_of_ns, seq, record::text, app_key, company FROM orders \
                     WHERE environment COLLATE \"C\" > $2 \
                     OR (environment = $2 AND (as_of_ns, seq) > ($3, $4)) \
                     ORDER BY environment COLLATE \"C\", as_of_ns, seq LIMIT $1",
                    &[&MIGRATION_BATCH, env, as_of, seq],
                )
                .await?
            }
        };
        let Some(last) = rows.last() else { break };
        after = Some((last.get(0), last.get(1), last.get(2)));
        let recs: Vec<String> = rows.iter().map(|r| r.get(3)).collect();
        let table: Vec<Row<'_>> = recs
            .iter()
            .map(|rec| Row {
                key: String::new(),
                ts: None,
                cells: record::cells(order_columns(), rec),
                record: Cow::Borrowed(rec),
            })
            .collect();
        let as_of_ns: Vec<i64> = rows.iter().map(|r| r.get(1)).collect();
        let as_of: Vec<SystemTime> = as_of_ns.iter().map(|ns| time(*ns)).collect();
        let mut params: Vec<Param<'_>> = vec![
            Box::new(
                rows.iter()
                    .map(|r| r.get::<_, String>(0))
                    .collect::<Vec<_>>(),
            ),
            Box::new(as_of_ns),
            Box::new(as_of),
            Box::new(rows.iter().map(|r| r.get::<_, i64>(2)).collect::<Vec<_>>()),
        ];
        params.extend(arrays(order_columns(), &table));
        params.push(Box::new(
            recs.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        params.push(Box::new(
            rows.iter()
                .map(|r| r.get::<_, Option<String>>(4))
                .collect::<Vec<_>>(),
        ));
        params.push(Box::new(
            rows.iter()
                .map(|r| r.get::<_, Option<String>>(5))
                .collect::<Vec<_>>(),
        ));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        tx.execute(&insert, &refs).await?;
    }
    tx.batch_execute(schema::v3_finish()).await?;
    let states = tx
        .query(
            "SELECT key, environment, stream, cursor, last_fill_key FROM sync_state",
            &[],
        )
        .await?;
    for r in states {
        let (key, env, stream): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let cursor: Option<String> = r.get(3);
        let last: Option<String> = r.get(4);
        let last = last.and_then(|l| changed.get(&(env.clone(), l)).cloned());
        let cursor = cursor.as_deref().and_then(schema::cursor_v3);
        if last.is_some() || cursor.is_some() {
            tx.execute(
                "UPDATE sync_state SET last_fill_key = coalesce($1, last_fill_key), \
                 cursor = coalesce($2, cursor) WHERE key = $3 AND environment = $4 AND stream = $5",
                &[&last, &cursor, &key, &env, &stream],
            )
            .await?;
        }
    }
    Ok(())
}

/// Epoch ns as a `timestamptz` value (PostgreSQL keeps microseconds).
fn time(ns: i64) -> SystemTime {
    match u64::try_from(ns) {
        Ok(ns) => UNIX_EPOCH + Duration::from_nanos(ns),
        Err(_) => UNIX_EPOCH - Duration::from_nanos(ns.unsigned_abs()),
    }
}

/// A failed connection: TLS problems named as such, with what to do.
fn connect_error(
    url: &DatabaseUrl,
    e: &tokio_postgres::Error,
    config: &tokio_postgres::Config,
    settings: &TlsSettings,
) -> StoreError {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".to_string(),
    };
    if let Some(r) = tls::rustls_error(e) {
        return StoreError::new(
            url,
            ErrorKind::Tls,
            format!("cannot connect: {}", tls::explain(r, &host, settings)),
        );
    }
    let text = e.to_string();
    let detail = std::error::Error::source(e).map_or(String::new(), |s| s.to_string());
    if detail.contains("server does not support TLS") || text.contains("does not support TLS") {
        return StoreError::new(
            url,
            ErrorKind::Tls,
            format!(
                "cannot connect: TLS: the server does not offer TLS, and sslmode={} needs it; \
                 turn on ssl in the server's postgresql.conf, or use sslmode=prefer (or disable) \
                 to connect unencrypted",
                settings.mode.name()
            ),
        );
    }
    if let Some(db) = e.as_db_error() {
        // pg_hba.conf has only `hostssl` lines for this client.
        if db.message().contains("no encryption") {
            return StoreError::new(
                url,
                ErrorKind::Tls,
                format!(
                    "cannot connect: the server requires TLS and refused an unencrypted \
                     connection ({}); remove sslmode=disable (and PGSSLMODE) or use \
                     sslmode=require, or verify-full with sslrootcert=FILE to check the server",
                    db.message()
                ),
            );
        }
    }
    error(url, e)
}

/// A PostgreSQL error as a store error with its kind and advice.
fn error(url: &DatabaseUrl, e: &tokio_postgres::Error) -> StoreError {
    let code = e.code();
    let kind = match code {
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => ErrorKind::ReadOnly,
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => ErrorKind::ReadOnly,
        Some(c) if *c == SqlState::DISK_FULL || *c == SqlState::OUT_OF_MEMORY => ErrorKind::Full,
        Some(c)
            if *c == SqlState::INVALID_CATALOG_NAME
                || *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            ErrorKind::Connect
        }
        Some(_) => ErrorKind::Other,
        None if e.is_closed() => ErrorKind::Connect,
        None => ErrorKind::Connect,
    };
    let detail = match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            if let Some(source) = std::error::Error::source(e) {
                text = format!("{text}: {source}");
            }
            text
        }
    };
    let what = match kind {
        ErrorKind::Connect => format!("cannot connect ({detail})"),
        ErrorKind::ReadOnly => format!("cannot write ({detail})"),
        ErrorKind::Full => format!("a write failed: the server's disk is full ({detail})"),
        _ => detail,
    };
    StoreError::new(url, kind, format!("{what}{}", advice(kind)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fills_insert_numbers_every_array() {
        let sql = insert_sql("fills", fill_columns(), true, false);
        assert!(
            sql.starts_with("INSERT INTO fills (environment, fill_key, time_stamp_ns, time_stamp,")
        );
        assert!(
            sql.contains("$2::text[], $3::bigint[], $4::timestamptz[]"),
            "{sql}"
        );
        assert!(sql.ends_with("ON CONFLICT DO NOTHING"));
        // keys, record, a second array per timestamp (time_stamp, transact_time, trade_date)
        let arrays = fill_columns().len() + 2 + 3;
        assert!(sql.contains(&format!("${}::text[])", arrays + 1)), "{sql}");
        assert!(sql.contains(&format!("u.c{}::jsonb", arrays + 1)), "{sql}");
        assert!(
            sql.contains(&format!(
                "${}::text, ${}::text FROM",
                arrays + 2,
                arrays + 3
            )),
            "{sql}"
        );
        assert!(sql.contains(", u.c13::numeric, "), "instrument_id: {sql}");
    }

    #[test]
    fn snapshots_take_as_of_then_seq() {
        let sql = insert_sql("positions", record::position_columns(), false, false);
        assert!(
            sql.contains("SELECT $1::text, $2::bigint, $3::timestamptz, u.c4,"),
            "{sql}"
        );
        assert!(sql.contains("UNNEST($4::bigint[], $5::bigint[]"), "{sql}");
        let sql = insert_sql("orders_v3", order_columns(), false, true);
        assert!(sql.contains("SELECT u.c1, u.c2, u.c3, u.c4,"), "{sql}");
        assert!(
            sql.contains("UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::bigint[]"),
            "{sql}"
        );
    }
}
