//! The store's library API against the sandbox, in SQLite and in a real
//! PostgreSQL: a pass stores every fill once, a stopped pass keeps what it
//! committed, the next pass resumes from the cursor.

mod support;

use std::future::ready;

use futures::future::pending;
use ttrest_store::{sync_fills, StateKey, Store, SyncOptions};

const FILLS: usize = 3_000;

async fn exactly_once(url: &str) {
    let (_sandbox, session) = support::sandbox::start(9, FILLS).await;
    let mut store = Store::open(url).await.unwrap();
    let key = StateKey::new(
        session.app_key(),
        session.environment().to_string(),
        "fills",
    );
    let options = SyncOptions::new("get_fills", 0);
    let fetch = support::sandbox::fetch(&session);

    // Stopped before it starts: nothing is written.
    let none = sync_fills(
        &mut store,
        &key,
        &options,
        fetch.clone(),
        None,
        |_, _| {},
        ready(()),
    )
    .await
    .unwrap();
    assert!(
        none.interrupted && none.added == 0 && none.pages == 0,
        "{none:?}"
    );
    assert_eq!(store.state(&key).await.unwrap(), None);

    // Stopped mid-way: what it read is committed with its cursor.
    let stop = tokio::time::sleep(std::time::Duration::from_millis(40));
    let stopped = sync_fills(
        &mut store,
        &key,
        &options,
        fetch.clone(),
        None,
        |_, _| {},
        stop,
    )
    .await
    .unwrap();
    let state = store.state(&key).await.unwrap();
    assert_eq!(state.map_or(0, |s| s.rows as u64), stopped.added);

    let mut pages = 0;
    let rest = sync_fills(
        &mut store,
        &key,
        &options,
        fetch.clone(),
        None,
        |_, _| pages += 1,
        pending(),
    )
    .await
    .unwrap();
    assert_eq!(
        (stopped.added + rest.added, rest.duplicates),
        (FILLS as u64, 0),
        "{rest:?}"
    );
    assert_eq!(rest.pages, pages);
    let again = sync_fills(
        &mut store,
        &key,
        &options,
        fetch,
        None,
        |_, _| {},
        pending(),
    )
    .await
    .unwrap();
    assert_eq!(
        (again.added, again.duplicates, again.late),
        (0, 0, 0),
        "{again:?}"
    );
    let state = store.state(&key).await.unwrap().unwrap();
    assert_eq!(state.rows, FILLS as i64);
    assert!(state.cursor.unwrap().position() >= state.last_fill_ns.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_stores_every_fill_once_across_stopped_passes() {
    let dir = tempfile::tempdir().unwrap();
    exactly_once(&format!("sqlite:{}", dir.path().join("f.db").display())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_stores_every_fill_once_across_stopped_passes() {
    let pg = support::postgres::Postgres::start();
    pg.create_db("store");
    exactly_once(&pg.url("store")).await;
}
