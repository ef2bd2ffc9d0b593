//! PostgreSQL through tokio-postgres: one transaction per page, each page one
//! `INSERT ... SELECT FROM UNNEST(arrays)` (one round trip for 500 fills).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

use super::error::{advice, ErrorKind, StoreError};
use super::lease::{self, LeaseHolder};
use super::pgconn;
use super::record::{Cell, Col, Kind, Page, Row, SnapshotRows, FILL_COLUMNS};
use super::schema::{self, names, Dialect, SCHEMA_VERSION};
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

type Param = Box<dyn ToSql + Sync + Send>;

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
            insert_fills: insert_sql("fills", FILL_COLUMNS, true),
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
        let mut params: Vec<Param> = vec![Box::new(page.key.environment.clone())];
        params.push(Box::new(
            page.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
        ));
        params.extend(arrays(FILL_COLUMNS, page.rows));
        params.push(Box::new(
            page.rows
                .iter()
                .map(|r| r.record.clone())
                .collect::<Vec<_>>(),
        ));
        params.push(Box::new(page.key.key.clone()));
        params.push(Box::new(page.key.company.clone()));
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
        let mut params: Vec<Param> = vec![
            Box::new(snap.key.environment.clone()),
            Box::new(snap.as_of_ns),
            Box::new(time(snap.as_of_ns)),
            Box::new((0..n as i64).collect::<Vec<i64>>()),
        ];
        params.extend(arrays(snap.columns, snap.rows));
        params.push(Box::new(
            snap.rows
                .iter()
                .map(|r| r.record.clone())
                .collect::<Vec<_>>(),
        ));
        params.push(Box::new(snap.key.key.clone()));
        params.push(Box::new(snap.key.company.clone()));
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as _).collect();
        tx.execute(&insert_sql(snap.table, snap.columns, false), &refs)
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

/// `INSERT INTO table (...) SELECT ... FROM UNNEST(...)`: `$1` is the
/// environment; fills then take the keys array, snapshots `as_of_ns`, `as_of`
/// and the `seq` array; then one array per typed column, the records, and
/// last the `app_key` and `company` scalars.
fn insert_sql(table: &str, columns: &[Col], fills: bool) -> String {
    let mut targets = vec!["environment".to_string()];
    let mut select = vec!["$1".to_string()];
    // The SQL types of the array parameters, in order.
    let mut arrays: Vec<&str> = Vec::new();
    // How each array's element is cast in the SELECT ("" for none).
    let mut casts: Vec<&str> = Vec::new();
    let first = match fills {
        true => {
            targets.push("fill_key".into());
            arrays.push("text");
            casts.push("");
            2
        }
        false => {
            targets.extend(["as_of_ns".to_string(), "as_of".into(), "seq".into()]);
            select.extend(["$2".to_string(), "$3".into()]);
            arrays.push("bigint");
            casts.push("");
            4
        }
    };
    for c in columns {
        if c.kind == Kind::Time {
            arrays.push("bigint");
            casts.push("");
        }
        arrays.push(match c.kind {
            Kind::Int => "bigint",
            Kind::Float => "float8",
            Kind::Text | Kind::U64 => "text",
            Kind::Time => "timestamptz",
        });
        casts.push(if c.kind == Kind::U64 { "::numeric" } else { "" });
    }
    arrays.push("text");
    casts.push("::jsonb");
    targets.extend(names(columns));
    targets.extend(["record".into(), "app_key".into(), "company".into()]);
    let count = arrays.len();
    select.extend(
        casts
            .iter()
            .enumerate()
            .map(|(i, cast)| format!("u.c{}{cast}", i + 1)),
    );
    // The provenance scalars follow the arrays.
    select.extend([
        format!("${}::text", first + count),
        format!("${}::text", first + count + 1),
    ]);
    let params: Vec<String> = arrays
        .iter()
        .enumerate()
        .map(|(i, ty)| format!("${}::{ty}[]", first + i))
        .collect();
    let aliases: Vec<String> = (1..=count).map(|i| format!("c{i}")).collect();
    let conflict = if fills { " ON CONFLICT DO NOTHING" } else { "" };
    format!(
        "INSERT INTO {table} ({}) SELECT {} FROM UNNEST({}) AS u({}){conflict}",
        targets.join(", "),
        select.join(", "),
        params.join(", "),
        aliases.join(", ")
    )
}

/// One array parameter per column (two for a time: `_ns` and `timestamptz`).
fn arrays(columns: &[Col], rows: &[Row]) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let cells = rows.iter().map(|r| &r.cells[i]);
        match c.kind {
            Kind::Int => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Int(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            Kind::Float => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Float(x) => Some(*x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            Kind::Text | Kind::U64 => out.push(Box::new(
                cells
                    .map(|v| match v {
                        Cell::Text(x) => Some(x.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )),
            Kind::Time => {
                let ns: Vec<Option<i64>> = cells
                    .map(|v| match v {
                        Cell::Time(x) => Some(*x),
                        _ => None,
                    })
                    .collect();
                out.push(Box::new(ns.iter().map(|n| n.map(time)).collect::<Vec<_>>()));
                out.push(Box::new(ns));
                let len = out.len();
                out.swap(len - 1, len - 2);
            }
        }
    }
    out
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
        let sql = insert_sql("fills", FILL_COLUMNS, true);
        assert!(
            sql.starts_with("INSERT INTO fills (environment, fill_key, time_stamp_ns, time_stamp,")
        );
        assert!(
            sql.contains("$2::text[], $3::bigint[], $4::timestamptz[]"),
            "{sql}"
        );
        assert!(sql.ends_with("ON CONFLICT DO NOTHING"));
        let arrays = FILL_COLUMNS.len() + 2 + 2; // keys, record, a second array per time
        assert!(sql.contains(&format!("${}::text[])", arrays + 1)), "{sql}");
        assert!(sql.contains(&format!("u.c{arrays}::jsonb")), "{sql}");
    }

    #[test]
    fn snapshots_take_as_of_then_seq() {
        let sql = insert_sql("positions", super::super::POSITION_COLUMNS, false);
        assert!(sql.contains("SELECT $1, $2, $3, u.c1,"), "{sql}");
        assert!(sql.contains("UNNEST($4::bigint[], $5::bigint[]"), "{sql}");
    }
}
