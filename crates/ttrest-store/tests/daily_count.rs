//! The day's request count in a real throwaway PostgreSQL: two connections
//! (as two processes would hold) share one count, admit exactly up to the
//! ceiling between them, and never lower it.

#[path = "support/postgres.rs"]
mod postgres;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use postgres::Postgres;
use ttrest::quota::{Admission, DailyCount, DayUsage, QuotaKey};
use ttrest::Environment;
use ttrest_store::PostgresCount;

#[tokio::test]
async fn two_connections_share_one_count_up_to_the_ceiling() {
    let pg = Postgres::start();
    pg.create_db("t");
    let a: Arc<dyn DailyCount> = Arc::new(PostgresCount::connect(&pg.url("t")).await.unwrap());
    let b: Arc<dyn DailyCount> = Arc::new(PostgresCount::connect(&pg.url("t")).await.unwrap());
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
    let key = QuotaKey::new("key-a", Environment::Uat, now);

    assert_eq!(a.get(&key).await.unwrap(), DayUsage::default());
    // 60 attempts, half through each connection, at once, against a ceiling
    // of 40: exactly 40 are admitted between them.
    let tries = (0..60).map(|i| {
        let count = if i % 2 == 0 { a.clone() } else { b.clone() };
        let key = key.clone();
        tokio::spawn(async move { count.try_add(&key, 1, 40).await.unwrap() })
    });
    let mut admitted = 0;
    for t in tries {
        if let Admission::Admitted(_) = t.await.unwrap() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 40);
    assert_eq!(b.get(&key).await.unwrap().used, 40);
    assert_eq!(
        a.try_add(&key, 1, 40).await.unwrap(),
        Admission::Refused(DayUsage {
            used: 40,
            spent: false
        })
    );
    // A first attempt larger than the ceiling on a new day adds nothing.
    let other = QuotaKey::new("key-b", Environment::Uat, now);
    assert_eq!(
        a.try_add(&other, 5, 4).await.unwrap(),
        Admission::Refused(DayUsage::default())
    );
    assert_eq!(a.get(&other).await.unwrap(), DayUsage::default());

    // raise never lowers; spent refuses everything until the day ends.
    assert_eq!(a.raise(&key, 10, false).await.unwrap().used, 40);
    let spent = b.raise(&key, 45, true).await.unwrap();
    assert_eq!(
        spent,
        DayUsage {
            used: 45,
            spent: true
        }
    );
    assert!(matches!(
        a.try_add(&key, 1, u64::MAX).await.unwrap(),
        Admission::Refused(_)
    ));
    // The next day, and another environment, start at 0.
    let tomorrow = QuotaKey::new("key-a", Environment::Uat, now + chrono::Duration::days(1));
    assert!(matches!(
        a.try_add(&tomorrow, 1, u64::MAX).await.unwrap(),
        Admission::Admitted(DayUsage {
            used: 1,
            spent: false
        })
    ));
    let live = QuotaKey::new("key-a", Environment::Live, now);
    assert_eq!(a.get(&live).await.unwrap(), DayUsage::default());
    assert_eq!(
        pg.psql(
            "t",
            "SELECT app_key, environment, day, used, spent FROM ttrest_daily_count ORDER BY day"
        ),
        "key-a|ext_uat_cert|2026-12-05|45|t\nkey-a|ext_uat_cert|2026-12-06|1|f\n"
    );
}
