//! `ttrest sync` end to end: the sandbox's fills into SQLite and into a real
//! PostgreSQL, exactly once, across SIGKILLs, with `--follow` and late fills,
//! and every bad database input (exit 5, the database unchanged).

#![cfg(unix)]

use crate::cli_support;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::{ok, run, text, Setup};
use serde_json::{json, Value};
use ttrest_sandbox::{Faults, Sandbox};

#[path = "../../../ttrest-store/tests/support/postgres.rs"]
mod postgres;
use postgres::Postgres;

/// The typed columns of `fills` and the field each comes from, written out
/// here rather than taken from the store, so a wrong mapping there fails.
const TYPED: &[(&str, &str, char)] = &[
    ("record_id", "recordId", 's'),
    ("unique_exec_id", "uniqueExecId", 's'),
    ("exec_id", "execId", 's'),
    ("order_id", "orderId", 's'),
    ("account_id", "accountId", 'i'),
    ("account", "account", 's'),
    ("instrument_id", "instrumentId", 'i'),
    ("security_desc", "securityDesc", 's'),
    ("market_id", "marketId", 'i'),
    ("side", "side", 'i'),
    ("last_qty", "lastQty", 'f'),
    ("last_px", "lastPx", 'f'),
    ("ord_status", "ordStatus", 'i'),
    ("exec_type", "execType", 'i'),
    ("multi_leg_reporting_type", "multiLegReportingType", 'i'),
    ("parent_instrument_id", "parentInstrumentId", 'i'),
    ("trade_date_ns", "tradeDate", 'i'),
    ("transact_time_ns", "transactTime", 'i'),
    ("time_stamp_ns", "timeStamp", 'i'),
];

/// Every fill of the sandbox as the CLI's raw JSON, in stream order.
async fn oracle(setup: &Setup) -> Vec<Value> {
    let out = ok(&run(setup.ttrest(&["fills", "--format", "jsonl"])).await);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn identity(fill: &Value) -> String {
    format!("r:{}", text(fill, "recordId"))
}

/// One stored fill: identity, typed columns as text, the record's JSON.
#[derive(Debug)]
struct Stored {
    key: String,
    typed: Vec<Option<String>>,
    time_text: Option<String>,
    record: Value,
}

fn select_list(cast: fn(&str) -> String) -> String {
    let mut cols: Vec<String> = vec!["fill_key".into()];
    cols.extend(TYPED.iter().map(|(c, _, _)| cast(c)));
    cols.push(cast("time_stamp"));
    cols.push(cast("record"));
    cols.join(", ")
}

fn sqlite_rows(path: &Path) -> Vec<Stored> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let sql = format!(
        "SELECT {} FROM fills ORDER BY time_stamp_ns, fill_key",
        select_list(|c| format!("CAST({c} AS TEXT)"))
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let n = TYPED.len();
    stmt.query_map([], |r| {
        Ok(Stored {
            key: r.get(0)?,
            typed: (1..=n).map(|i| r.get(i)).collect::<Result<_, _>>()?,
            time_text: r.get(n + 1)?,
            record: serde_json::from_str(&r.get::<_, String>(n + 2)?).unwrap(),
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn pg_rows(pg: &Postgres, db: &str) -> Vec<Stored> {
    // `time_stamp` as epoch microseconds: timestamptz keeps microseconds.
    let sql = format!(
        "SELECT {} FROM fills ORDER BY time_stamp_ns, fill_key",
        select_list(|c| match c {
            "time_stamp" => "(extract(epoch from time_stamp) * 1000000)::bigint::text".into(),
            "record" => "record::text".into(),
            other => format!("{other}::text"),
        })
    );
    // One row per line, fields separated by a unit separator.
    let out = pg.psql_sep(db, &sql, "\u{1f}");
    let n = TYPED.len();
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\u{1f}').collect();
            let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
            Stored {
                key: f[0].to_string(),
                typed: (1..=n).map(|i| opt(f[i])).collect(),
                time_text: opt(f[n + 1]),
                record: serde_json::from_str(f[n + 2]).unwrap(),
            }
        })
        .collect()
}

/// What a typed column must hold for `fill`, as text.
fn expected(fill: &Value, field: &str, kind: char) -> Option<String> {
    let v = fill.get(field)?;
    match (kind, v) {
        (_, Value::Null) => None,
        ('i', Value::String(s)) => Some(s.clone()),
        ('f', v) => Some(format!(
            "{}",
            v.as_f64().or_else(|| v.as_str()?.parse().ok())?
        )),
        (_, Value::String(s)) => Some(s.clone()),
        (_, other) => Some(other.to_string()),
    }
}

/// The table equals `oracle` exactly: count, identities, every typed column
/// and the JSON of each record. `time` checks the `time_stamp` column's text.
fn assert_table_equals(rows: &[Stored], oracle: &[Value], time: fn(i64) -> String) {
    assert_eq!(rows.len(), oracle.len(), "row count");
    let mut want: Vec<&Value> = oracle.iter().collect();
    want.sort_by_key(|f| (text(f, "timeStamp").parse::<i64>().unwrap(), identity(f)));
    for (row, fill) in rows.iter().zip(want) {
        assert_eq!(row.key, identity(fill));
        for (i, (col, field, kind)) in TYPED.iter().enumerate() {
            let got = row.typed[i].as_ref().map(|s| match kind {
                'f' => format!("{}", s.parse::<f64>().unwrap()),
                _ => s.clone(),
            });
            assert_eq!(got, expected(fill, field, *kind), "{col} of {}", row.key);
        }
        let ns: i64 = text(fill, "timeStamp").parse().unwrap();
        assert_eq!(
            row.time_text.as_deref(),
            Some(time(ns).as_str()),
            "time_stamp of {}",
            row.key
        );
        assert_eq!(&row.record, fill, "record of {}", row.key);
    }
}

fn sqlite_time(ns: i64) -> String {
    let t = ttrest::scalar::Timestamp::from_nanos(ns).to_datetime();
    t.format("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

fn pg_time(ns: i64) -> String {
    ns.div_euclid(1000).to_string()
}

fn sync_state(path: &Path) -> (Option<i64>, Option<String>, i64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(
        "SELECT last_fill_ns, last_fill_key, rows FROM sync_state WHERE stream = 'fills'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// `N fills added, M duplicates skipped, L late fills` of the summary line.
fn counts(stdout: &str) -> (u64, u64, u64) {
    let line = stdout.lines().last().unwrap_or_default();
    let num = |label: &str| -> u64 {
        let before = line.split(label).next().unwrap_or_default();
        before
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no `{label}` in {line:?}"))
    };
    (
        num(" fills added"),
        num(" duplicates skipped"),
        num(" late fills"),
    )
}

fn db_arg(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

async fn big_sandbox(faults: Option<Faults>) -> Setup {
    let mut builder = Sandbox::builder().seed(16).fills(20_000);
    if let Some(f) = faults {
        builder = builder.faults(f);
    }
    Setup::start(builder).await
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_fills_into_sqlite_exactly_once_and_idempotent() {
    let setup = big_sandbox(None).await;
    let want = oracle(&setup).await;
    assert_eq!(want.len(), 20_000);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fills.db");
    let first = ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)])).await);
    assert_eq!(counts(&first), (20_000, 0, 0), "{first}");
    assert_table_equals(&sqlite_rows(&db), &want, sqlite_time);
    let (last_ns, last_key, rows) = sync_state(&db);
    let last = want.last().unwrap();
    assert_eq!(last_ns, Some(text(last, "timeStamp").parse().unwrap()));
    assert_eq!(last_key, Some(identity(last)));
    assert_eq!(rows, 20_000);

    let again = ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)])).await);
    assert_eq!(
        counts(&again),
        (0, 0, 0),
        "resumed from the cursor: {again}"
    );
    let restart =
        ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db), "--since", "0"])).await);
    assert_eq!(
        counts(&restart),
        (0, 20_000, 0),
        "re-read, all skipped: {restart}"
    );
    assert_table_equals(&sqlite_rows(&db), &want, sqlite_time);
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_fills_into_postgres_exactly_once_and_idempotent() {
    let pg = Postgres::start();
    pg.create_db("fills");
    let setup = big_sandbox(None).await;
    let want = oracle(&setup).await;
    let url = pg.url("fills");
    let first = ok(&run(setup.ttrest(&["sync", "fills", "--db", &url])).await);
    assert_eq!(counts(&first), (20_000, 0, 0), "{first}");
    assert_table_equals(&pg_rows(&pg, "fills"), &want, pg_time);
    let state = pg.psql(
        "fills",
        "SELECT last_fill_ns, last_fill_key, rows FROM sync_state",
    );
    let last = want.last().unwrap();
    assert_eq!(
        state.trim(),
        format!("{}|{}|20000", text(last, "timeStamp"), identity(last))
    );
    assert_eq!(
        pg.psql("fills", "SELECT data_type FROM information_schema.columns WHERE table_name = 'fills' AND column_name = 'record'").trim(),
        "jsonb"
    );
    let again = ok(&run(setup.ttrest(&["sync", "fills", "--db", &url])).await);
    assert_eq!(counts(&again), (0, 0, 0), "{again}");
    let restart = ok(&run(setup.ttrest(&["sync", "fills", "--db", &url, "--since", "0"])).await);
    assert_eq!(counts(&restart), (0, 20_000, 0), "{restart}");

    // A schema newer than this ttrest: refused, exit 5, nothing changed.
    pg.psql("fills", "UPDATE ttrest_schema SET version = 99");
    let before = pg.psql("fills", "SELECT count(*), max(rows) FROM fills, sync_state");
    let out = run(setup.ttrest(&["sync", "fills", "--db", &url, "--since", "0"])).await;
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&url) && err.contains("newer than this ttrest"),
        "{err}"
    );
    assert_eq!(
        pg.psql("fills", "SELECT count(*), max(rows) FROM fills, sync_state"),
        before
    );
    assert_eq!(
        pg.psql("fills", "SELECT version FROM ttrest_schema").trim(),
        "99"
    );

    // A database that does not exist, and a server that is not there.
    let out = run(setup.ttrest(&["sync", "fills", "--db", &pg.url("nosuchdb")])).await;
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nosuchdb") && err.contains("cannot connect"),
        "{err}"
    );
}

/// The database of a crash test, read directly; any read error fails the test.
enum CrashDb<'a> {
    Sqlite(std::path::PathBuf),
    Postgres(&'a Postgres, &'static str),
}

impl CrashDb<'_> {
    fn arg(&self) -> String {
        match self {
            CrashDb::Sqlite(path) => db_arg(path),
            CrashDb::Postgres(pg, db) => pg.url(db),
        }
    }

    /// Rows in `fills` (committed ones: the test's own connection).
    fn committed(&self) -> i64 {
        match self {
            CrashDb::Sqlite(path) => count_rows(path),
            CrashDb::Postgres(pg, db) => {
                let out = pg.psql(db, "SELECT count(*) FROM fills");
                out.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("count of fills {out:?}: {e}"))
            }
        }
    }

    /// `rows` of the fills stream's `sync_state`.
    fn state_rows(&self) -> i64 {
        match self {
            CrashDb::Sqlite(path) => sync_state(path).2,
            CrashDb::Postgres(pg, db) => {
                let out = pg.psql(db, "SELECT rows FROM sync_state WHERE stream = 'fills'");
                out.trim()
                    .parse()
                    .unwrap_or_else(|e| panic!("sync_state rows {out:?}: {e}"))
            }
        }
    }

    fn assert_equals(&self, want: &[Value]) {
        match self {
            CrashDb::Sqlite(path) => assert_table_equals(&sqlite_rows(path), want, sqlite_time),
            CrashDb::Postgres(pg, db) => assert_table_equals(&pg_rows(pg, db), want, pg_time),
        }
    }
}

/// The seed of the crash tests' random points: `$TTREST_CRASH_SEED` replays one.
fn crash_seed() -> u64 {
    let seed = match std::env::var("TTREST_CRASH_SEED") {
        Ok(s) => s
            .parse()
            .unwrap_or_else(|_| panic!("TTREST_CRASH_SEED={s:?} is not a u64")),
        Err(_) => fastrand::u64(..),
    };
    eprintln!("crash test seed: {seed} (replay with TTREST_CRASH_SEED={seed})");
    seed
}

/// Ten points (committed row counts), one per tenth of 1..=18 500, so they
/// are spread and at least 1 850 apart every other point.
fn crash_points(rng: &mut fastrand::Rng) -> Vec<i64> {
    const TOP: i64 = 18_500;
    (0..10)
        .map(|i| rng.i64(i * TOP / 10 + 1..=(i + 1) * TOP / 10))
        .collect()
}

/// `debug: holding a transaction open: W fills written in it, A added by this run before it`.
fn held(line: &str) -> (u64, u64) {
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    match nums[..] {
        [written, added] => (written, added),
        _ => panic!("not a hold line: {line:?}"),
    }
}

/// How one crash point went.
struct Kill {
    point: i64,
    /// Killed while holding a page's transaction open (rows written, not committed).
    in_transaction: bool,
    /// A race kill that found the child at its guard hold (also mid-transaction).
    at_guard: bool,
    before: i64,
    after: i64,
}

/// Kills `ttrest sync fills` with SIGKILL at ten seeded random points, then
/// checks one more run loses and repeats nothing. Each child runs with
/// `--debug-hold-commit-after`, so it cannot finish by itself: at a "hold"
/// point it is killed once it says it holds a transaction open (rows written,
/// uncommitted); at a "race" point as soon as the table reaches the point
/// (mid-fetch or mid-commit, wherever it is), its hold 1 000 fills further on
/// stopping it from ending first. Every child must die of SIGKILL, the
/// committed count must rise with each kill and match `sync_state`, and a
/// held page must leave nothing behind.
async fn sigkill_at_random_points(setup: &Setup, want: &[Value], db: &CrashDb<'_>) {
    let mut rng = fastrand::Rng::with_seed(crash_seed());
    let points = crash_points(&mut rng);
    let mut kills: Vec<Kill> = Vec::new();
    // Nothing exists before the first child; it always holds (so the schema
    // is there for every later read).
    let mut before = 0;
    for (i, point) in points.iter().copied().enumerate() {
        if before >= point {
            eprintln!("point {point}: reached already ({before} rows), skipped");
            continue;
        }
        let in_transaction = i == 0 || rng.bool();
        let hold_after = match in_transaction {
            true => point - before,
            false => point - before + 1_000,
        };
        let mut child = setup
            .ttrest(&[
                "sync",
                "fills",
                "--db",
                &db.arg(),
                "--debug-hold-commit-after",
                &hold_after.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // stderr, line by line, from a thread (a blocking read).
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let line = line.unwrap();
                let _ = tx.send(line);
            }
        });
        let mut hold_line = None;
        if in_transaction {
            // Either the hold line comes or stderr ends (the child exited).
            for line in rx.iter() {
                if line.starts_with("debug: holding") {
                    hold_line = Some(line);
                    break;
                }
                eprintln!("child: {line}");
            }
            assert!(
                hold_line.is_some(),
                "point {point}: the child ended without holding a transaction: {:?}",
                child.wait()
            );
        } else {
            while db.committed() < point {
                if let Some(status) = child.try_wait().unwrap() {
                    let err: Vec<String> = rx.try_iter().collect();
                    panic!("point {point}: the child ended by itself ({status}): {err:?}");
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        // SIGKILL: no handler runs, nothing is flushed or committed on the way out.
        child.kill().expect("SIGKILL sent");
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "point {point}: the child died of SIGKILL, not {status}"
        );
        reader.join().unwrap();
        let at_guard =
            hold_line.is_none() && rx.try_iter().any(|l| l.starts_with("debug: holding"));
        let after = db.committed();
        assert!(
            after > before,
            "point {point}: the committed count rose ({before} -> {after})"
        );
        assert!(after >= point, "point {point}: reached ({after} rows)");
        assert_eq!(
            db.state_rows(),
            after,
            "point {point}: sync_state counts exactly the committed rows"
        );
        if let Some(line) = &hold_line {
            let (written, added) = held(line);
            assert!(written > 0, "the held transaction had rows: {line}");
            assert_eq!(
                after - before,
                added as i64,
                "nothing of the held page was kept: {line}"
            );
        }
        kills.push(Kill {
            point,
            in_transaction,
            at_guard,
            before,
            after,
        });
        before = after;
    }
    for k in &kills {
        let how = match (k.in_transaction, k.at_guard) {
            (true, _) => "inside a held transaction",
            (false, true) => "racing, found holding its guard transaction",
            (false, false) => "racing",
        };
        eprintln!(
            "point {}: killed {how}, rows {} -> {}",
            k.point, k.before, k.after
        );
    }
    assert!(
        kills.len() >= 5 && kills.iter().any(|k| k.in_transaction),
        "at least five kills, one inside a transaction"
    );
    let last = ok(&run(setup.ttrest(&["sync", "fills", "--db", &db.arg()])).await);
    let (added, duplicates, _) = counts(&last);
    assert_eq!(
        added + before as u64,
        20_000,
        "the final run adds exactly what was missing: {last}"
    );
    assert_eq!(duplicates, 0, "resumed from the committed cursor: {last}");
    db.assert_equals(want);
    assert_eq!(db.state_rows(), 20_000, "sync_state counted each row once");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_ten_random_points_then_one_run_loses_and_repeats_nothing() {
    // A little latency per request, so race kills land mid-fetch too.
    let setup = big_sandbox(Some("latency-ms=3".parse().unwrap())).await;
    let want = oracle(&setup).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    sigkill_at_random_points(&setup, &want, &CrashDb::Sqlite(path.clone())).await;
    let (last_ns, last_key, _) = sync_state(&path);
    let last_fill = want.last().unwrap();
    assert_eq!(last_ns, Some(text(last_fill, "timeStamp").parse().unwrap()));
    assert_eq!(last_key, Some(identity(last_fill)));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_ten_random_points_into_postgres_loses_and_repeats_nothing() {
    let pg = Postgres::start();
    pg.create_db("crash");
    let setup = big_sandbox(Some("latency-ms=3".parse().unwrap())).await;
    let want = oracle(&setup).await;
    sigkill_at_random_points(&setup, &want, &CrashDb::Postgres(&pg, "crash")).await;
}

/// Posts one admin fill at `ts` (epoch ns) like `sample`'s account and instrument.
async fn admin_fill(setup: &Setup, sample: &Value, ts: i64, price: f64) {
    let body = json!({
        "accountId": text(sample, "accountId"),
        "instrumentId": text(sample, "instrumentId"),
        "side": 1, "qty": 3, "price": price, "timeStamp": ts.to_string(),
    });
    ok(&run(setup.ttrest(&[
        "call",
        "ttmonitor",
        "post_adminfill",
        "--body",
        &body.to_string(),
    ]))
    .await);
}

/// Rows in `fills`, read from a database that exists; errors fail the test.
fn count_rows(db: &Path) -> i64 {
    try_count_rows(db).unwrap_or_else(|e| panic!("reading {}: {e}", db.display()))
}

fn try_count_rows(db: &Path) -> rusqlite::Result<i64> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.query_row("SELECT count(*) FROM fills", [], |r| r.get(0))
}

/// Waits for `n` rows in a database a child is creating: only "not created
/// yet" (no file, no table) counts as zero; any other error, or the child
/// ending, fails the test.
async fn wait_for_rows(db: &Path, n: i64, child: &mut std::process::Child) {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("ttrest sync ended ({status}) before {n} rows were stored");
        }
        let rows = match try_count_rows(db) {
            Ok(rows) => rows,
            Err(e) if !db.exists() || e.to_string().contains("no such table") => 0,
            Err(e) => panic!("reading {}: {e}", db.display()),
        };
        if rows >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now_ns() -> i64 {
    ttrest::scalar::Timestamp::now().unwrap().as_nanos()
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_stores_new_fills_once_and_late_fills_inside_the_rescan_window() {
    // (`--max-interval 0.2`: a quiet stream's pauses stay short for the test.)
    let setup = Setup::start(Sandbox::builder().seed(5).fills(600)).await;
    let sample = oracle(&setup).await.remove(0);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("follow.db");
    let mut child = setup
        .ttrest(&[
            "sync",
            "fills",
            "--db",
            &db_arg(&db),
            "--follow",
            "--interval",
            "0.1",
            "--max-interval",
            "0.2",
            "--rescan",
            "5s",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_rows(&db, 600, &mut child).await;

    // New fills while it runs: each stored once.
    for i in 0..3 {
        admin_fill(&setup, &sample, now_ns(), 100.0 + f64::from(i)).await;
    }
    wait_for_rows(&db, 603, &mut child).await;
    // A late fill: its time is 3 s behind the cursor, inside the 5 s rescan
    // (re-read, 10 s deep, once every 5 s).
    admin_fill(&setup, &sample, now_ns() - 3_000_000_000, 99.0).await;
    wait_for_rows(&db, 604, &mut child).await;
    // Later than the rescan window (2 h behind): not found, as documented.
    admin_fill(&setup, &sample, now_ns() - 7_200_000_000_000, 98.0).await;
    // Six more requests (a poll here makes two: the rescan and new fills, one
    // page each): a poll asks only after the one before it committed, so by
    // then a whole poll that began after the fill was added has committed.
    let served = setup.sandbox.counters().requests;
    while setup.sandbox.counters().requests < served + 6 {
        assert!(child.try_wait().unwrap().is_none(), "ttrest sync ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        count_rows(&db),
        604,
        "a fill later than the rescan window is not found"
    );

    // Ctrl-C: commits and exits 130.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(counts(&stdout), (604, 0, 1), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("1 fills added, 0 duplicates skipped, 1 late fills")),
        "{stdout}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let prices: Vec<f64> = conn
        .prepare("SELECT last_px FROM fills WHERE last_px BETWEEN 97 AND 103 AND last_qty = 3 ORDER BY last_px")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        prices,
        [99.0, 100.0, 101.0, 102.0],
        "every new fill once, the late one too"
    );
}

/// Runs `cmd` and checks: exit 5, stderr names `db` and contains `what`.
async fn fails_with(cmd: Command, db: &str, what: &str) {
    let out = run(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains(db), "names the database: {err}");
    assert!(err.contains(what), "says `{what}`: {err}");
}

fn table_snapshot(db: &Path) -> (i64, String, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .query_row("SELECT count(*) FROM fills", [], |r| r.get(0))
        .unwrap();
    let state = conn
        .query_row("SELECT cursor || '|' || rows FROM sync_state", [], |r| {
            r.get(0)
        })
        .unwrap();
    let version = conn
        .query_row("SELECT CAST(version AS TEXT) FROM ttrest_schema", [], |r| {
            r.get(0)
        })
        .unwrap();
    (n, state, version)
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_database_input_exits_5_naming_it_and_leaves_it_unchanged() {
    let setup = Setup::start(Sandbox::builder().seed(3).fills(1_000)).await;
    let dir = tempfile::tempdir().unwrap();

    let mysql = "mysql://me:hunter2@db/fills";
    let out = run(setup.ttrest(&["sync", "fills", "--db", mysql])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("mysql://me:***@db/fills") && err.contains("sqlite:PATH"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "no password in messages: {err}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("postgres://me:hunter2@127.0.0.1:{port}/fills");
    let shown = format!("postgres://me:***@127.0.0.1:{port}/fills");
    fails_with(
        setup.ttrest(&["sync", "fills", "--db", &down]),
        &shown,
        "cannot connect",
    )
    .await;

    let missing = dir.path().join("no/such/dir/f.db");
    fails_with(
        setup.ttrest(&["sync", "fills", "--db", &db_arg(&missing)]),
        &db_arg(&missing),
        "check the path",
    )
    .await;

    // A newer schema.
    let db = dir.path().join("newer.db");
    ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)])).await);
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("UPDATE ttrest_schema SET version = 42", [])
        .unwrap();
    let before = table_snapshot(&db);
    fails_with(
        setup.ttrest(&["sync", "fills", "--db", &db_arg(&db), "--since", "0"]),
        &db_arg(&db),
        "newer than this ttrest",
    )
    .await;
    assert_eq!(table_snapshot(&db), before);

    // A read-only file (as root, which writes anything, the CLI runs as `nobody`).
    let db = dir.path().join("readonly.db");
    ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)])).await);
    let before = table_snapshot(&db);
    set_mode(dir.path(), 0o777);
    set_mode(setup.home.path(), 0o755);
    set_mode(&db, 0o444);
    let mut cmd = setup.ttrest(&["sync", "fills", "--db", &db_arg(&db), "--since", "0"]);
    if unsafe { libc::geteuid() } == 0 {
        // The day's count goes where `nobody` may write (HOME is root's).
        let state = dir.path().join("state");
        std::fs::create_dir(&state).unwrap();
        set_mode(&state, 0o777);
        cmd.env("XDG_STATE_HOME", &state);
        cmd = as_nobody(cmd);
    }
    fails_with(cmd, &db_arg(&db), "read-only").await;
    set_mode(&db, 0o644);
    assert_eq!(table_snapshot(&db), before);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The same command run by `nobody` through runuser.
fn as_nobody(cmd: Command) -> Command {
    let mut wrapped = Command::new("runuser");
    wrapped
        .args(["-u", "nobody", "--"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    wrapped.stdin(Stdio::null());
    wrapped
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_mid_sync_keeps_the_last_committed_page_and_the_next_run_completes() {
    let setup = Setup::start(Sandbox::builder().seed(8).fills(6_000)).await;
    let want = oracle(&setup).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.db");
    let mut cmd = setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)]);
    // The process may write no file past 4 MB (a few pages of fills with the
    // real-data keys): SQLite's write fails as on a full disk.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 4 << 20,
                rlim_max: 4 << 20,
            };
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    fails_with(cmd, &db_arg(&db), "free disk space").await;
    // What is there is exactly the first N fills of the stream, and the cursor agrees.
    let stored: Vec<String> = sqlite_rows(&db).into_iter().map(|r| r.key).collect();
    assert!(
        !stored.is_empty() && stored.len() < want.len(),
        "{} rows",
        stored.len()
    );
    let mut prefix: Vec<String> = want[..stored.len()].iter().map(identity).collect();
    let mut got = stored.clone();
    prefix.sort();
    got.sort();
    assert_eq!(
        got, prefix,
        "the committed pages, nothing of the failed one"
    );
    let (_, last_key, rows) = sync_state(&db);
    assert_eq!(rows as usize, stored.len());
    assert_eq!(last_key, Some(identity(&want[stored.len() - 1])));

    let rest = ok(&run(setup.ttrest(&["sync", "fills", "--db", &db_arg(&db)])).await);
    assert_eq!(
        counts(&rest),
        ((want.len() - stored.len()) as u64, 0, 0),
        "{rest}"
    );
    assert_table_equals(&sqlite_rows(&db), &want, sqlite_time);
}

#[tokio::test(flavor = "multi_thread")]
async fn positions_and_orders_snapshots_with_their_as_of_time() {
    let setup = Setup::start(Sandbox::builder().seed(4).fills(800).orders(40)).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("snap.db");
    let positions: Vec<Value> = ok(&run(setup.ttrest(&["positions", "--format", "jsonl"])).await)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let orders = ok(&run(setup.ttrest(&["orders", "--format", "jsonl"])).await)
        .lines()
        .count();
    assert!(!positions.is_empty() && orders > 0);
    for _ in 0..2 {
        let out = ok(&run(setup.ttrest(&["sync", "positions", "--db", &db_arg(&db)])).await);
        assert!(
            out.contains(&format!("{} positions as of ", positions.len())),
            "{out}"
        );
    }
    let out = ok(&run(setup.ttrest(&["sync", "orders", "--db", &db_arg(&db)])).await);
    assert!(out.contains(&format!("{orders} orders as of ")), "{out}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (snapshots, rows): (i64, i64) = conn
        .query_row(
            "SELECT count(DISTINCT as_of_ns), count(*) FROM positions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((snapshots, rows as usize), (2, 2 * positions.len()));
    let first: (i64, String, String) = conn
        .query_row(
            "SELECT account_id, CAST(net_position AS TEXT), record FROM positions ORDER BY as_of_ns, seq LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(first.0.to_string(), text(&positions[0], "accountId"));
    assert_eq!(
        serde_json::from_str::<Value>(&first.2).unwrap(),
        positions[0]
    );
    let n: i64 = conn
        .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n as usize, orders);
    let streams: i64 = conn
        .query_row(
            "SELECT count(*) FROM sync_state WHERE last_as_of_ns IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(streams, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_works_with_the_in_process_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("s.db");
    let mut cmd = cli_support::bare(&home);
    cmd.args([
        "--sandbox",
        "--quiet",
        "sync",
        "fills",
        "--db",
        &db_arg(&db),
    ]);
    let out = ok(&run(cmd).await);
    let (added, _, _) = counts(&out);
    assert!(added > 0, "{out}");
    assert_eq!(count_rows(&db), added as i64);
}
