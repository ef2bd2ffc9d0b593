//! One writer per stream (the lease) and provenance (schema version 2), in
//! SQLite and in a real throwaway PostgreSQL: a second store of the same
//! stream is refused naming the holder; a version-1 database with rows is
//! migrated keeping them; rows record the app key's id and company.

#[path = "support/postgres.rs"]
mod postgres;

use postgres::Postgres;
use serde_json::json;
use ttrest::paginate::RawFill;
use ttrest_store::{ErrorKind, Snapshot, StateKey, Store, SCHEMA_VERSION};

fn key(stream: &str) -> StateKey {
    StateKey::new("key-a", "ext_uat_cert", stream).with_company("Alpha")
}

fn fill(id: u64) -> RawFill {
    let json = json!({"recordId": id.to_string(), "timeStamp": (1_700_000_000_000_000_000u64 + id).to_string(), "lastQty": 1});
    RawFill::from_json(&json.to_string()).unwrap()
}

async fn lease_is_one_writer(url: &str) {
    let mut first = Store::open(url).await.unwrap();
    let mut second = Store::open(url).await.unwrap();
    first
        .lease(&key("fills"), false, |_| {})
        .await
        .expect("free");
    // Taking it again through the same store is fine.
    assert_eq!(first.try_lease(&key("fills")).await.unwrap(), None);
    let holder = second
        .try_lease(&key("fills"))
        .await
        .unwrap()
        .expect("held by the first store");
    assert_eq!(holder.pid, std::process::id());
    let e = second
        .lease(&key("fills"), false, |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    let text = e.to_string();
    assert!(
        text.contains(&format!("pid {}", std::process::id()))
            && text.contains(&holder.host)
            && text.contains("since")
            && text.contains("--wait"),
        "{text}"
    );
    // Another stream or another key is not held.
    assert_eq!(second.try_lease(&key("orders")).await.unwrap(), None);
    let other = StateKey::new("key-b", "ext_uat_cert", "fills");
    assert_eq!(second.try_lease(&other).await.unwrap(), None);
    // Closing the holder frees it; `wait` takes it then.
    let mut told = 0;
    drop(first);
    second
        .lease(&key("fills"), true, |_| told += 1)
        .await
        .expect("taken after the holder closed");
    assert!(told <= 1);
}

#[tokio::test]
async fn sqlite_lease_is_one_writer_per_stream() {
    let dir = tempfile::tempdir().unwrap();
    lease_is_one_writer(&format!("sqlite:{}", dir.path().join("t.db").display())).await;
}

#[tokio::test]
async fn postgres_lease_is_one_writer_per_stream() {
    let pg = Postgres::start();
    pg.create_db("t");
    lease_is_one_writer(&pg.url("t")).await;
    // The lease row says who took it last.
    let row = pg.psql("t", "SELECT key, environment, stream, pid FROM ttrest_lease WHERE stream = 'fills' AND key = 'key-a'");
    assert_eq!(
        row.trim(),
        format!("key-a|ext_uat_cert|fills|{}", std::process::id())
    );
}

/// Writes one page of fills and a positions snapshot with `key("…")`.
async fn write_rows(store: &mut Store) {
    store
        .commit_fills(&key("fills"), &[fill(1), fill(2)], None)
        .await
        .unwrap();
    store
        .snapshot(
            &key("positions"),
            Snapshot::Positions,
            1,
            &[json!({"accountId": 7})],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn sqlite_version_1_with_rows_migrates_keeping_them_and_records_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let url = format!("sqlite:{}", path.display());
    drop(Store::open(&url).await.unwrap());
    // Back to version 1 exactly: version 2 only added these.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut down = String::new();
    for t in ["fills", "positions", "orders"] {
        down.push_str(&format!(
            "ALTER TABLE {t} DROP COLUMN app_key; ALTER TABLE {t} DROP COLUMN company;"
        ));
    }
    down.push_str(
        "ALTER TABLE sync_state DROP COLUMN company; UPDATE ttrest_schema SET version = 1;",
    );
    conn.execute_batch(&down).unwrap();
    conn.execute(
        r#"INSERT INTO fills (environment, fill_key, record) VALUES ('ext_uat_cert', 'r:old', '{"recordId":"old"}')"#,
        [],
    )
    .unwrap();
    drop(conn);

    let mut store = Store::open(&url).await.unwrap();
    write_rows(&mut store).await;
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("SELECT version FROM ttrest_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let rows: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare("SELECT fill_key, app_key, company FROM fills ORDER BY fill_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let a = (Some("key-a".to_string()), Some("Alpha".to_string()));
    assert_eq!(
        rows,
        vec![
            ("r:1".into(), a.0.clone(), a.1.clone()),
            ("r:2".into(), a.0.clone(), a.1.clone()),
            ("r:old".into(), None, None),
        ]
    );
    let pos: (String, String) = conn
        .query_row("SELECT app_key, company FROM positions", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(pos, ("key-a".into(), "Alpha".into()));
    let state: String = conn
        .query_row(
            "SELECT company FROM sync_state WHERE stream = 'positions'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "Alpha");
}

#[tokio::test]
async fn postgres_version_1_with_rows_migrates_keeping_them_and_records_provenance() {
    let pg = Postgres::start();
    pg.create_db("t");
    drop(Store::open(&pg.url("t")).await.unwrap());
    let mut down = String::new();
    for t in ["fills", "positions", "orders"] {
        down.push_str(&format!(
            "ALTER TABLE {t} DROP COLUMN app_key, DROP COLUMN company;"
        ));
    }
    down.push_str(
        "ALTER TABLE sync_state DROP COLUMN company; DROP TABLE ttrest_lease, ttrest_daily_count; \
         UPDATE ttrest_schema SET version = 1; \
         INSERT INTO fills (environment, fill_key, record) VALUES ('ext_uat_cert', 'r:old', '{\"recordId\":\"old\"}');",
    );
    pg.psql("t", &down);

    let mut store = Store::open(&pg.url("t")).await.unwrap();
    write_rows(&mut store).await;
    drop(store);
    assert_eq!(
        pg.psql("t", "SELECT version FROM ttrest_schema").trim(),
        SCHEMA_VERSION.to_string()
    );
    assert_eq!(
        pg.psql(
            "t",
            "SELECT fill_key, coalesce(app_key, '-'), coalesce(company, '-') FROM fills ORDER BY fill_key"
        ),
        "r:1|key-a|Alpha\nr:2|key-a|Alpha\nr:old|-|-\n"
    );
    assert_eq!(
        pg.psql("t", "SELECT app_key, company FROM positions")
            .trim(),
        "key-a|Alpha"
    );
    assert_eq!(
        pg.psql(
            "t",
            "SELECT company FROM sync_state WHERE stream = 'positions'"
        )
        .trim(),
        "Alpha"
    );
}
