//! The day's request count in PostgreSQL: one `ttrest_daily_count` row per
//! app key, environment and UTC day, so syncs of one key on several hosts
//! share one count.

use std::sync::Arc;

use tokio_postgres::Client;
use ttrest::quota::{Admission, CountError, CountFuture, DailyCount, DayUsage, QuotaKey};

use super::url::DatabaseUrl;
use super::StoreError;

/// A [`DailyCount`] kept in a PostgreSQL table, `ttrest_daily_count`
/// (`app_key`, `environment`, `day`, `used`, `spent`), on a connection of its
/// own. Each attempt is one statement that checks and adds atomically (the
/// row is locked by `INSERT … ON CONFLICT DO UPDATE … WHERE`), so every
/// process on every host writing to the database shares the key's day.
///
/// The count is committed when the attempt is admitted, before the request
/// is sent, not with the page it fetches: a crash between the two leaves the
/// count high, never low, as the trait asks.
#[derive(Clone)]
pub struct PostgresCount {
    client: Arc<Client>,
    url: DatabaseUrl,
}

impl std::fmt::Debug for PostgresCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresCount")
            .field("url", &self.url)
            .finish()
    }
}

impl PostgresCount {
    /// Connects to the PostgreSQL database at `url` (as [`crate::Store::open`]
    /// does: TLS, `PG*` variables, migrations).
    pub async fn connect(url: &str) -> Result<PostgresCount, StoreError> {
        let parsed = DatabaseUrl::parse(url)?;
        if !matches!(parsed, DatabaseUrl::Postgres { .. }) {
            return Err(StoreError::new(
                &parsed,
                super::ErrorKind::Url,
                "the day's count is kept in PostgreSQL only; pass a postgres:// URL",
            ));
        }
        let db = super::postgres::Db::open(&parsed).await?;
        Ok(PostgresCount {
            client: Arc::new(db.into_client()),
            url: parsed,
        })
    }

    fn fail(&self, what: &str, e: tokio_postgres::Error) -> CountError {
        let detail = e
            .as_db_error()
            .map_or_else(|| e.to_string(), |d| d.message().to_string());
        CountError::new(format!(
            "database {}: cannot {what} the day's request count ({detail})",
            self.url
        ))
    }

    async fn row(&self, key: &QuotaKey) -> Result<DayUsage, CountError> {
        let row = self
            .client
            .query_opt(
                "SELECT used, spent FROM ttrest_daily_count \
                 WHERE app_key = $1 AND environment = $2 AND day = CAST($3::text AS date)",
                &[
                    &key.app_key,
                    &key.environment.segment(),
                    &key.day.to_string(),
                ],
            )
            .await
            .map_err(|e| self.fail("read", e))?;
        Ok(row.map_or_else(DayUsage::default, |r| usage(r.get(0), r.get(1))))
    }
}

fn usage(used: i64, spent: bool) -> DayUsage {
    DayUsage {
        used: u64::try_from(used).unwrap_or(0),
        spent,
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl DailyCount for PostgresCount {
    fn try_add<'a>(
        &'a self,
        key: &'a QuotaKey,
        n: u64,
        ceiling: u64,
    ) -> CountFuture<'a, Admission> {
        Box::pin(async move {
            let env = key.environment.segment();
            let day = key.day.to_string();
            // A new day's row is inserted with `n` only if `n` fits; an
            // existing row is raised only if not spent and the sum fits.
            let added = self
                .client
                .query_opt(
                    "INSERT INTO ttrest_daily_count AS c (app_key, environment, day, used, spent) \
                     SELECT $1::text, $2::text, CAST($3::text AS date), $4::bigint, false WHERE $4::bigint <= $5::bigint \
                     ON CONFLICT (app_key, environment, day) DO UPDATE \
                     SET used = c.used + excluded.used \
                     WHERE NOT c.spent AND c.used + excluded.used <= $5::bigint \
                     RETURNING used, spent",
                    &[&key.app_key, &env, &day, &clamp(n), &clamp(ceiling)],
                )
                .await
                .map_err(|e| self.fail("add to", e))?;
            match added {
                Some(r) => Ok(Admission::Admitted(usage(r.get(0), r.get(1)))),
                None => Ok(Admission::Refused(self.row(key).await?)),
            }
        })
    }

    fn raise<'a>(&'a self, key: &'a QuotaKey, used: u64, spent: bool) -> CountFuture<'a, DayUsage> {
        Box::pin(async move {
            let row = self
                .client
                .query_one(
                    "INSERT INTO ttrest_daily_count AS c (app_key, environment, day, used, spent) \
                     VALUES ($1, $2, CAST($3::text AS date), $4, $5) \
                     ON CONFLICT (app_key, environment, day) DO UPDATE \
                     SET used = greatest(c.used, excluded.used), spent = c.spent OR excluded.spent \
                     RETURNING used, spent",
                    &[
                        &key.app_key,
                        &key.environment.segment(),
                        &key.day.to_string(),
                        &clamp(used),
                        &spent,
                    ],
                )
                .await
                .map_err(|e| self.fail("raise", e))?;
            Ok(usage(row.get(0), row.get(1)))
        })
    }

    fn get<'a>(&'a self, key: &'a QuotaKey) -> CountFuture<'a, DayUsage> {
        Box::pin(self.row(key))
    }
}
