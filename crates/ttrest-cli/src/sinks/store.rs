//! The store: a SQLite or PostgreSQL database kept by `ttrest-store`.
//!
//! Positions and orders are snapshots: [`SnapshotSink`] takes the records
//! and writes them in one transaction with their as-of time when it
//! finishes (dropped unfinished, it writes nothing). Fills are kept exactly
//! once by the store's own engine (`ttrest_store::sync_fills`), which pages
//! the fills dataset itself so that each page and the stream's cursor commit
//! together; it is given each page's fills as TT's text (`RawFill`) and reads
//! their columns from it.

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use ttrest_store::{LeaseHolder, Snapshot, StateKey, Store, StoreError};

use super::Sink;
use crate::context::Context;
use crate::exit::{self, CliError};
use crate::record::Record;
use crate::stop::Stop;

/// Opens the database; a stop while connecting ends the run (exit 130).
pub async fn open(url: &str, stop: &Stop) -> Result<Store, CliError> {
    tokio::select! {
        store = Store::open(url) => store.map_err(db_error),
        () = stop.stopped() => Err(CliError::interrupted()),
    }
}

/// Any database failure: exit 5, the message names the database.
pub fn db_error(e: StoreError) -> CliError {
    CliError {
        code: exit::IO,
        message: e.to_string(),
        hint: None,
    }
}

/// The key of the session's `stream` (app key, environment, company).
pub fn state_key(ctx: &Context, stream: &str) -> StateKey {
    let session = ctx.api.session();
    let key = StateKey::new(session.app_key(), session.environment().to_string(), stream);
    match &ctx.company {
        Some(company) => key.with_company(company),
        None => key,
    }
}

/// Takes the stream's lease for the run (exit 5 naming the holder, or waits
/// when `wait`); a stop while waiting ends the run.
pub async fn lease(
    store: &mut Store,
    key: &StateKey,
    wait: bool,
    label: &str,
    stop: &Stop,
) -> Result<(), CliError> {
    let waiting = |holder: &LeaseHolder| {
        eprintln!(
            "ttrest: {label}waiting for the {} stream's lease, held by {holder}",
            key.stream
        )
    };
    tokio::select! {
        taken = store.lease(key, wait, waiting) => taken.map_err(db_error),
        () = stop.stopped() => Err(CliError::interrupted()),
    }
}

/// The snapshot table that keeps the dataset called `dataset`.
pub fn snapshot_of(dataset: &str) -> Result<Snapshot, CliError> {
    match dataset {
        "positions" => Ok(Snapshot::Positions),
        "orders" => Ok(Snapshot::Orders),
        other => Err(CliError::usage(format!(
            "the store keeps fills, positions and orders; it has no table for {other}"
        ))
        .hint("export it to a file instead: -o FILE.csv, .json, .jsonl or .parquet")),
    }
}

/// A snapshot of positions or orders, written in one transaction at
/// [`Sink::finish`] with its as-of time.
pub struct SnapshotSink {
    store: Store,
    key: StateKey,
    what: Snapshot,
    as_of_ns: i64,
    /// Each record's JSON text, which the store reads its columns from.
    records: Vec<String>,
}

impl SnapshotSink {
    /// A snapshot of `what` as of `as_of_ns` under `key` (its lease taken).
    pub fn new(store: Store, key: StateKey, what: Snapshot, as_of_ns: i64) -> SnapshotSink {
        SnapshotSink {
            store,
            key,
            what,
            as_of_ns,
            records: Vec::new(),
        }
    }
}

impl Sink for SnapshotSink {
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        self.records.push(record.json().into_owned());
        Ok(())
    }

    /// A snapshot is whole or absent: nothing reaches the database before the end.
    fn flush(&mut self) -> Result<(), CliError> {
        Ok(())
    }

    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>> {
        let SnapshotSink {
            mut store,
            key,
            what,
            as_of_ns,
            records,
        } = *self;
        async move {
            store
                .snapshot(&key, what, as_of_ns, &records)
                .await
                .map_err(db_error)?;
            Ok(())
        }
        .boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kept_datasets_have_a_table() {
        assert_eq!(snapshot_of("positions").unwrap(), Snapshot::Positions);
        assert_eq!(snapshot_of("orders").unwrap(), Snapshot::Orders);
        let err = snapshot_of("accounts").unwrap_err();
        assert_eq!(err.code, exit::USAGE);
        assert!(err.message.contains("accounts"), "{}", err.message);
    }

    #[tokio::test]
    async fn a_snapshot_is_written_when_finished_and_not_before() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("s.db").display());
        let stop = Stop::new();
        let store = open(&url, &stop).await.unwrap();
        let key = StateKey::new("k", "ext_uat_cert", "positions");
        let mut sink: Box<dyn Sink> =
            Box::new(SnapshotSink::new(store, key, Snapshot::Positions, 7));
        let row = serde_json::json!({"accountId": 1, "instrumentId": "2", "netPosition": 3});
        sink.write(&row.into()).unwrap();
        sink.flush().unwrap();
        sink.finish().await.unwrap();
        let db = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
        let (n, as_of): (i64, i64) = db
            .query_row("SELECT count(*), max(as_of_ns) FROM positions", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((n, as_of), (1, 7));
    }
}
