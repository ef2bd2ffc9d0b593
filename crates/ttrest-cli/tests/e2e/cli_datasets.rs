//! Every dataset × every sink against one sandbox, from a table: each pair's
//! record count against an oracle read another way (`ttrest call`, the
//! sandbox's own count), and each output parsed as its format says (CSV
//! rows under the default header, one JSON array, JSON lines, Parquet via
//! the `parquet` crate, store rows via rusqlite). A pair the store has no
//! table for is refused as a usage error.

#![cfg(unix)]

use crate::cli_support;

use std::path::Path;

use cli_support::{ok, run, text, Setup};
use parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::Value;
use ttrest_sandbox::Sandbox;

/// One dataset: its command line and how many records it must yield.
struct Case {
    /// The command and its arguments, before the sink's.
    args: Vec<String>,
    /// The store table `ttrest sync <args>` fills, if the store keeps it.
    table: Option<&'static str>,
    /// The headers of its default CSV columns, first few.
    header: &'static str,
    expected: usize,
}

/// `ttrest call SERVICE OPERATION PARAMS... --all-pages`, parsed.
async fn call(setup: &Setup, args: &[&str]) -> Value {
    let mut all = vec!["call"];
    all.extend(args);
    serde_json::from_str(&ok(&run(setup.ttrest(&all)).await)).unwrap()
}

fn len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

/// The table: every dataset, its expected count read with `ttrest call`
/// (a path that shares none of the datasets' code).
async fn cases(setup: &Setup) -> Vec<Case> {
    let accounts = call(setup, &["ttaccount", "get_accounts", "--all-pages"]).await;
    let ids: Vec<String> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| text(a, "id"))
        .collect();
    assert!(ids.len() >= 3 && ids.len() <= 50, "one /orders request");
    let users = call(setup, &["ttuser", "get_users", "--all-pages"]).await;
    let markets = call(setup, &["ttpds", "get_markets"]).await;
    let market = text(&markets["markets"][0], "id");
    let market_param = format!("marketId={market}");
    let products = call(
        setup,
        &["ttpds", "get_products", "-p", &market_param, "--all-pages"],
    )
    .await;
    let product = text(&products["products"][0], "id");
    let product_param = format!("productId={product}");
    let instruments = call(
        setup,
        &[
            "ttpds",
            "get_instruments",
            "-p",
            &product_param,
            "--all-pages",
        ],
    )
    .await;
    let positions = call(setup, &["ttmonitor", "get_position", "--all-pages"]).await;
    let (a, b) = (&ids[0], &ids[2]);
    let mut of_two = 0;
    for account in [a, b] {
        let path = format!("accountId={account}");
        let own = call(
            setup,
            &[
                "ttmonitor",
                "get_position_by_account_id",
                "-p",
                &path,
                "--all-pages",
            ],
        )
        .await;
        of_two += len(&own, "positions");
    }
    let accounts_param = format!("accounts={}", ids.join(","));
    let orders = call(setup, &["ttledger", "get_orders", "-p", &accounts_param]).await;
    let orderdata = call(setup, &["ttledger", "get_orderdata"]).await;
    let codes: usize = orderdata["orderData"]
        .as_object()
        .unwrap()
        .values()
        .map(|codes| codes.as_object().map_or(1, |c| c.len()))
        .sum();
    let s = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let case = |args: Vec<String>, table, header, expected| Case {
        args,
        table,
        header,
        expected,
    };
    vec![
        case(
            s(&["fills"]),
            Some("fills"),
            "timeStamp,time,tradeDate,recordId",
            setup.sandbox.fill_count(),
        ),
        case(
            s(&["orders"]),
            Some("orders"),
            "orderId,dateTime,time,accountId",
            len(&orders, "orders"),
        ),
        case(
            s(&["positions"]),
            Some("positions"),
            "accountId,instrumentId,netPosition",
            len(&positions, "positions"),
        ),
        case(
            s(&["positions", "--account", a, "--account", b]),
            Some("positions"),
            "accountId,instrumentId,netPosition",
            of_two,
        ),
        case(
            s(&["accounts"]),
            None,
            "id,name,accountType",
            len(&accounts, "accounts"),
        ),
        case(s(&["users"]), None, "id,alias,email", len(&users, "users")),
        case(s(&["markets"]), None, "id,name", len(&markets, "markets")),
        case(
            s(&["products", "--market", &market]),
            None,
            "id,symbol,name",
            len(&products, "products"),
        ),
        case(
            s(&["instruments", "--product", &product]),
            None,
            "id,alias,name",
            len(&instruments, "instruments"),
        ),
        case(s(&["orderdata"]), None, "enum,code,label", codes),
    ]
}

/// The sinks: a file extension each, and the store.
const FILE_SINKS: &[&str] = &["csv", "json", "jsonl", "parquet"];

/// The records of one output, parsed as its format says.
fn read_back(format: &str, path: &Path, header: &str) -> Result<Vec<Option<Value>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).unwrap_or_default();
    match format {
        "csv" => {
            let mut reader = csv::Reader::from_path(path).map_err(|e| e.to_string())?;
            let headers = reader.headers().map_err(|e| e.to_string())?.clone();
            let joined: Vec<&str> = headers.iter().collect();
            if !joined.join(",").starts_with(header) {
                return Err(format!("header {joined:?} does not start with {header}"));
            }
            let mut rows = Vec::new();
            for row in reader.records() {
                let row = row.map_err(|e| e.to_string())?;
                if row.len() != headers.len() {
                    return Err(format!("a row of {} cells", row.len()));
                }
                rows.push(None);
            }
            Ok(rows)
        }
        "json" => {
            let all: Vec<Value> = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            Ok(all.into_iter().map(Some).collect())
        }
        "jsonl" => text
            .lines()
            .map(|l| match serde_json::from_str::<Value>(l) {
                Ok(v) if v.is_object() => Ok(Some(v)),
                Ok(v) => Err(format!("not an object: {v}")),
                Err(e) => Err(format!("{e}: {l}")),
            })
            .collect(),
        "parquet" => {
            let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
            let reader = SerializedFileReader::new(file).map_err(|e| e.to_string())?;
            let rows = reader.metadata().file_metadata().num_rows() as usize;
            let read = reader
                .get_row_iter(None)
                .map_err(|e| e.to_string())?
                .count();
            if read != rows {
                return Err(format!("{read} rows read of {rows}"));
            }
            Ok(vec![None; rows])
        }
        other => Err(format!("no reader for {other}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_dataset_into_every_sink() {
    let setup = Setup::start(
        Sandbox::builder()
            .seed(23)
            .fills(1_200)
            .page_size(4)
            .accounts(6)
            .orders(30),
    )
    .await;
    let cases = cases(&setup).await;
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        let name = case.args.join(" ");
        assert!(case.expected > 0, "{name}: the sandbox has records for it");
        let mut seen: Option<Vec<Value>> = None;
        for format in FILE_SINKS {
            let path = dir.path().join(format!("{n}.{format}"));
            let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
            args.extend(["-o", path.to_str().unwrap()]);
            let out = run(setup.ttrest(&args)).await;
            if !out.status.success() {
                failures.push(format!(
                    "{name} → {format}: exit {:?}: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            match read_back(format, &path, case.header) {
                Ok(records) if records.len() != case.expected => failures.push(format!(
                    "{name} → {format}: {} records, {} expected",
                    records.len(),
                    case.expected
                )),
                Ok(records) => {
                    // JSON and JSON lines hold the same records in the same order.
                    let values: Vec<Value> = records.into_iter().flatten().collect();
                    if !values.is_empty() {
                        match &seen {
                            Some(before) if *before != values => failures.push(format!(
                                "{name} → {format}: other records than the other JSON format's"
                            )),
                            Some(_) => {}
                            None => seen = Some(values),
                        }
                    }
                }
                Err(e) => failures.push(format!("{name} → {format}: does not parse: {e}")),
            }
        }
        // The store.
        let db = dir.path().join(format!("{n}.db"));
        let db_arg = format!("sqlite:{}", db.display());
        let mut args = vec!["sync"];
        args.extend(case.args.iter().map(String::as_str));
        args.extend(["--db", &db_arg]);
        let out = run(setup.ttrest(&args)).await;
        match case.table {
            Some(table) if out.status.success() => {
                let conn = rusqlite::Connection::open(&db).unwrap();
                let rows: i64 = conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                    .unwrap();
                if rows as usize != case.expected {
                    failures.push(format!(
                        "{name} → store: {rows} rows, {} expected",
                        case.expected
                    ));
                }
            }
            Some(_) => failures.push(format!(
                "{name} → store: exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )),
            // No table: refused before anything is written.
            None if out.status.code() != Some(2) || db.exists() => failures.push(format!(
                "{name} → store: exit {:?}, not a usage error",
                out.status.code()
            )),
            None => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Positions of given accounts are theirs only, in `ttrest positions` and
/// `ttrest sync positions` alike, although the sandbox's `/position`, like
/// TT's, ignores an account filter.
#[tokio::test(flavor = "multi_thread")]
async fn positions_of_given_accounts_are_theirs_only() {
    let setup = Setup::start(Sandbox::builder().seed(5).fills(1_500).accounts(5)).await;
    let all: Vec<Value> = ok(&run(setup.ttrest(&["positions", "--format", "jsonl"])).await)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut accounts: Vec<String> = all.iter().map(|p| text(p, "accountId")).collect();
    accounts.dedup();
    assert!(accounts.len() >= 3, "several accounts hold positions");
    let asked = [accounts[2].as_str(), accounts[0].as_str()];
    let args = ["positions", "--account", asked[0], "--account", asked[1]];
    let mine: Vec<Value> =
        ok(&run(setup.ttrest(&[&args[..], &["--format", "jsonl"]].concat())).await)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    // In the order the accounts were given, each account's rows as /position has them.
    let want: Vec<&Value> = asked
        .iter()
        .flat_map(|a| all.iter().filter(move |p| text(p, "accountId") == *a))
        .collect();
    assert_eq!(mine.iter().collect::<Vec<_>>(), want);

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let db_arg = format!("sqlite:{}", db.display());
    let sync = [
        "sync",
        "positions",
        "--account",
        asked[0],
        "--account",
        asked[1],
        "--db",
        &db_arg,
    ];
    ok(&run(setup.ttrest(&sync)).await);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT DISTINCT CAST(account_id AS TEXT) FROM positions ORDER BY 1")
        .unwrap();
    let stored: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut expected: Vec<String> = asked.iter().map(|a| a.to_string()).collect();
    expected.sort();
    assert_eq!(stored, expected);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM positions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows as usize, want.len());
}
