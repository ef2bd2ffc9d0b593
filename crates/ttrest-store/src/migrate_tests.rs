//! Version 3's migration from real version-1 and version-2 databases (built
//! with those versions' own SQL) holding rows of every key kind, in SQLite
//! and in a throwaway PostgreSQL: no row lost, none doubled, keys and typed
//! columns as version 3 writes them, sync state following.

#[path = "../tests/support/postgres.rs"]
mod pg;

use ttrest::paginate::{FillKey, RawFill};

use super::schema::{migration, Dialect, SCHEMA_VERSION};
use super::{StateKey, Store};

const ENV: &str = "ext_uat_cert";

/// The same fill as two older hashes saw it (key order differs), a
/// different fill reusing its `execId`, and one of each id kind.
const FILLS: &[(&str, &str, &str)] = &[
    (
        ENV,
        "r:R1",
        r#"{"recordId":"R1","timeStamp":"100","side":"1","ordStatus":2,"tradeDate":"1700000000000000000"}"#,
    ),
    (ENV, "r:42", r#"{"recordId":42,"timeStamp":"100"}"#),
    (
        ENV,
        "u:U1",
        r#"{"uniqueExecId":"U1","timeStamp":101,"execID":"e1","side":"SELL"}"#,
    ),
    (ENV, "u:U2", r#"{"recordId":"","uniqueExecId":"U2"}"#),
    (
        ENV,
        "h:aaaa",
        r#"{"execId":"7","lastPx":1.5,"timeStamp":"102"}"#,
    ),
    (
        ENV,
        "h:bbbb",
        r#"{"timeStamp":"102","lastPx":1.5,"execId":"7"}"#,
    ),
    (
        ENV,
        "h:cccc",
        r#"{"execId":"7","lastPx":1.75,"timeStamp":"102"}"#,
    ),
    ("prod", "r:R1", r#"{"recordId":"R1","timeStamp":"100"}"#),
];

const ORDER: &str =
    r#"{"orderId":"o1","side":"1","userId":"55","orderStatus":"NEW","dateTime":"5"}"#;

/// A cursor as older versions saved it: a `j:` key and the `h:aaaa` fill.
const CURSOR: &str = r#"{"since":0,"position":102,"seen":{"102":["j:{\"execId\":\"7\",\"lastPx\":1.5,\"timeStamp\":\"102\"}"]}}"#;

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A database at `version`, by that version's SQL, with the rows above.
fn old_database(d: Dialect, version: i64) -> String {
    let mut sql = String::from("CREATE TABLE ttrest_schema (version BIGINT NOT NULL);\n");
    for v in 1..=version {
        sql.push_str(&migration(d, v).unwrap());
    }
    sql.push_str(&format!(
        "INSERT INTO ttrest_schema (version) VALUES ({version});\n"
    ));
    let provenance = version >= 2;
    for (env, key, record) in FILLS {
        let (cols, vals) = match provenance {
            true => (", app_key", ", 'key-a'"),
            false => ("", ""),
        };
        sql.push_str(&format!(
            "INSERT INTO fills (environment, fill_key, record{cols}) VALUES ({}, {}, {}{vals});\n",
            quote(env),
            quote(key),
            quote(record)
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO orders (environment, as_of_ns, as_of, seq, record) \
         VALUES ('{ENV}', 9, '1970-01-01T00:00:00.000000009Z', 0, {});\n\
         INSERT INTO positions (environment, as_of_ns, as_of, seq, account_id, record) \
         VALUES ('{ENV}', 9, '1970-01-01T00:00:00.000000009Z', 0, 7, '{{\"accountId\":7}}');\n\
         INSERT INTO sync_state (key, environment, stream, cursor, last_fill_ns, last_fill_key, \
         rows, updated_at) VALUES ('key-a', '{ENV}', 'fills', {}, 102, 'h:bbbb', 8, \
         '1970-01-01T00:00:00.000000009Z');\n",
        quote(ORDER),
        quote(CURSOR),
    ));
    sql
}

fn key_of(record: &str) -> String {
    FillKey::of_json(record).unwrap().to_string()
}

/// The `(environment, fill_key)` pairs version 3 must hold, sorted.
fn want_keys() -> Vec<(String, String)> {
    let mut want: Vec<(String, String)> = FILLS
        .iter()
        .map(|(env, _, record)| (env.to_string(), key_of(record)))
        .collect();
    want.sort();
    want.dedup();
    assert_eq!(want.len(), FILLS.len() - 1, "exactly two rows share a key");
    want
}

/// After the migration, a fill already stored is a duplicate.
async fn duplicate_is_not_added(url: &str) {
    let mut store = Store::open(url).await.unwrap();
    let same =
        RawFill::from_json(r#"{ "lastPx": 1.50, "timeStamp": "102", "execId": "7" }"#).unwrap();
    let outcome = store
        .commit_fills(&StateKey::new("key-a", ENV, "fills"), &[same], None)
        .await
        .unwrap();
    assert_eq!((outcome.added, outcome.duplicates), (0, 1));
}

fn sqlite_migrates_from(version: i64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(&old_database(Dialect::Sqlite, version))
        .unwrap();
    drop(conn);
    let url = format!("sqlite:{}", path.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    drop(rt.block_on(Store::open(&url)).unwrap());

    let conn = rusqlite::Connection::open(&path).unwrap();
    let got: i64 = conn
        .query_row("SELECT version FROM ttrest_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(got, SCHEMA_VERSION);
    let keys: Vec<(String, String)> = conn
        .prepare("SELECT environment, fill_key FROM fills ORDER BY environment, fill_key")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(keys, want_keys(), "from version {version}");
    // Of the two rows of one fill, the one whose old key sorts first.
    let kept: String = conn
        .query_row(
            "SELECT record FROM fills WHERE fill_key = ?1",
            [key_of(FILLS[4].2)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, FILLS[4].2);
    type Typed = (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let typed = |key: &str| -> Typed {
        conn.query_row(
            "SELECT side, ord_status, trade_date_ns, trade_date, exec_id FROM fills \
             WHERE environment = ?1 AND fill_key = ?2",
            [ENV, key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
    };
    assert_eq!(
        typed("r:R1"),
        (
            Some(1),
            Some(2),
            Some(1_700_000_000_000_000_000),
            Some("2023-11-14T22:13:20.000000000Z".into()),
            None
        )
    );
    assert_eq!(typed("u:U1"), (None, None, None, None, Some("e1".into())));
    let app_keys: i64 = conn
        .query_row("SELECT count(app_key) FROM fills", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app_keys, if version >= 2 { 7 } else { 0 });
    let order: (Option<i64>, Option<String>, Option<i64>, i64) = conn
        .query_row(
            "SELECT side, user_id, order_status, date_time_ns FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(order, (Some(1), Some("55".into()), None, 5));
    let positions: i64 = conn
        .query_row("SELECT account_id FROM positions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(positions, 7);
    let (last, cursor): (String, String) = conn
        .query_row("SELECT last_fill_key, cursor FROM sync_state", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let hash = key_of(FILLS[4].2);
    assert_eq!(last, hash, "h:bbbb's row became this key");
    assert!(cursor.contains(&hash) && !cursor.contains("j:"), "{cursor}");
    drop(conn);
    rt.block_on(duplicate_is_not_added(&url));
}

#[test]
fn sqlite_version_2_migrates_to_3_losing_and_doubling_no_row() {
    sqlite_migrates_from(2);
}

#[test]
fn sqlite_version_1_migrates_to_3_losing_and_doubling_no_row() {
    sqlite_migrates_from(1);
}

fn postgres_migrates_from(version: i64) {
    let pg = pg::Postgres::start();
    pg.create_db("old");
    pg.psql("old", &old_database(Dialect::Postgres, version));
    let url = pg.url("old");
    let rt = tokio::runtime::Runtime::new().unwrap();
    drop(rt.block_on(Store::open(&url)).unwrap());

    assert_eq!(
        pg.psql("old", "SELECT version FROM ttrest_schema").trim(),
        SCHEMA_VERSION.to_string()
    );
    let keys: Vec<(String, String)> = pg
        .psql(
            "old",
            "SELECT environment, fill_key FROM fills ORDER BY environment COLLATE \"C\", fill_key COLLATE \"C\"",
        )
        .lines()
        .map(|l| {
            let (e, k) = l.split_once('|').unwrap();
            (e.to_string(), k.to_string())
        })
        .collect();
    assert_eq!(keys, want_keys(), "from version {version}");
    assert_eq!(
        pg.psql(
            "old",
            "SELECT side, ord_status, trade_date_ns, trade_date AT TIME ZONE 'UTC', \
             coalesce(exec_id, '-') FROM fills WHERE environment = 'ext_uat_cert' \
             AND fill_key IN ('r:R1', 'u:U1') ORDER BY fill_key"
        ),
        "1|2|1700000000000000000|2023-11-14 22:13:20|-\n||||e1\n"
    );
    assert_eq!(
        pg.psql("old", "SELECT count(app_key) FROM fills").trim(),
        if version >= 2 { "7" } else { "0" }
    );
    assert_eq!(
        pg.psql(
            "old",
            "SELECT side, user_id, coalesce(order_status::text, '-'), date_time_ns FROM orders"
        )
        .trim(),
        "1|55|-|5"
    );
    assert_eq!(
        pg.psql("old", "SELECT account_id FROM positions").trim(),
        "7"
    );
    let hash = key_of(FILLS[4].2);
    assert_eq!(
        pg.psql("old", "SELECT last_fill_key FROM sync_state")
            .trim(),
        hash
    );
    let cursor = pg.psql("old", "SELECT cursor FROM sync_state");
    assert!(cursor.contains(&hash) && !cursor.contains("j:"), "{cursor}");
    rt.block_on(duplicate_is_not_added(&url));
}

#[test]
fn postgres_version_2_migrates_to_3_losing_and_doubling_no_row() {
    postgres_migrates_from(2);
}

#[test]
fn postgres_version_1_migrates_to_3_losing_and_doubling_no_row() {
    postgres_migrates_from(1);
}
