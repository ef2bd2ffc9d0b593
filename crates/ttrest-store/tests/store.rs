//! The store's library API against the sandbox, in SQLite and in a real
//! PostgreSQL: a pass stores every fill once, a stopped pass keeps what it
//! committed, the next pass resumes from the cursor.

mod support;

use std::future::ready;

use futures::future::pending;
use ttrest::paginate::FillKey;
use ttrest_store::{sync_fills, StateKey, Store, SyncOptions};

const FILLS: usize = 3_000;

/// A pass that stops after its first committed page, then one that resumes:
/// the `fills` table holds exactly the sandbox's fills, each once. `keys`
/// reads the table's `fill_key`s.
async fn exactly_once(url: &str, keys: impl Fn() -> Vec<String>) {
    let (sandbox, session) = support::sandbox::start(9, FILLS).await;
    let source: Vec<String> = sandbox
        .fill_records()
        .iter()
        .map(|f| FillKey::of_json(&f.to_string()).unwrap().to_string())
        .collect();
    assert_eq!(source.len(), FILLS);
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
    assert_eq!(keys(), Vec::<String>::new());

    // Stopped by its own page callback once the first page is committed:
    // that page is kept with its cursor, nothing more.
    let (first_page, stop) = tokio::sync::oneshot::channel::<()>();
    let mut first_page = Some(first_page);
    let stopped = sync_fills(
        &mut store,
        &key,
        &options,
        fetch.clone(),
        None,
        |_, _| {
            if let Some(tx) = first_page.take() {
                tx.send(()).unwrap();
            }
        },
        async {
            stop.await.unwrap();
        },
    )
    .await
    .unwrap();
    assert!(
        stopped.interrupted
            && stopped.pages == 1
            && 0 < stopped.added
            && stopped.added < FILLS as u64,
        "stopped mid-way: {stopped:?}"
    );
    let state = store.state(&key).await.unwrap().unwrap();
    assert_eq!(state.rows as u64, stopped.added);
    let added = stopped.added as usize;
    same_keys(keys(), &source[..added], "after the first page");

    // The next pass resumes from the saved cursor: no fill twice, none lost.
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
        (rest.added, rest.duplicates),
        ((FILLS - added) as u64, 0),
        "{rest:?}"
    );
    assert_eq!(rest.pages, pages);
    same_keys(keys(), &source, "after resuming");
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
    same_keys(keys(), &source, "after a pass with nothing new");
}

/// The table's keys are `want`'s, each once: compared as sorted lists, and
/// on a difference the first keys missing and extra are named.
fn same_keys(mut got: Vec<String>, want: &[String], when: &str) {
    let mut want = want.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    if got != want {
        let missing: Vec<_> = want
            .iter()
            .filter(|k| got.binary_search(k).is_err())
            .collect();
        let extra: Vec<_> = got
            .iter()
            .filter(|k| want.binary_search(k).is_err())
            .collect();
        panic!(
            "{when}: the fills table holds {} keys, the sandbox {}; {} missing (first {:?}), \
             {} extra or repeated (first {:?})",
            got.len(),
            want.len(),
            missing.len(),
            missing.first(),
            got.len() + missing.len() - want.len(),
            extra
                .first()
                .copied()
                .or_else(|| got.windows(2).find(|w| w[0] == w[1]).map(|w| &w[0])),
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_stores_every_fill_once_across_stopped_passes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db");
    let keys = || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn.prepare("SELECT fill_key FROM fills").unwrap();
        let keys = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<Vec<String>, _>>()
            .unwrap();
        keys
    };
    exactly_once(&format!("sqlite:{}", path.display()), keys).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_stores_every_fill_once_across_stopped_passes() {
    let pg = support::postgres::Postgres::start();
    pg.create_db("store");
    let keys = || {
        pg.psql("store", "SELECT fill_key FROM fills")
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    exactly_once(&pg.url("store"), keys).await;
}
