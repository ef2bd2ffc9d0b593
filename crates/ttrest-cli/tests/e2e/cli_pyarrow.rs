//! A Parquet file the CLI wrote from the sandbox, read by pyarrow: ids are
//! unsigned 64-bit integers and timestamps `TIMESTAMP(NANOS, UTC)`, and every
//! id and timestamp equals the sandbox's own record, exactly.
//!
//! pyarrow is installed into a venv under the target directory
//! (`target/tmp/pyarrow-venv`, made once), as `cargo xtask bench --only peer`
//! installs `requests`. Python 3 with `venv` and pip is required: without it
//! the test fails and says what to install.

#![cfg(unix)]

use crate::cli_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{ok, run, Setup};
use serde_json::Value;
use ttrest_sandbox::Sandbox;

const FILLS: usize = 3_000;

/// Reads the file with pyarrow; prints its schema's types, then one JSON
/// line per row with the columns as Python values (ids as ints, timestamps
/// as epoch ns), so nothing is rounded on the way.
const SCRIPT: &str = r#"
import json, sys
import pyarrow as pa, pyarrow.parquet as pq

table = pq.read_table(sys.argv[1])
print(json.dumps({f.name: str(f.type) for f in table.schema}))
ids = ["instrumentId", "parentInstrumentId"]
times = ["timeStamp", "tradeDate", "transactTime"]
cols = {c: table.column(c) for c in ids + ["recordId", "accountId", "side"]}
for c in times:
    cols[c] = table.column(c).cast(pa.int64())
pylists = {c: v.to_pylist() for c, v in cols.items()}
for i in range(table.num_rows):
    print(json.dumps({c: pylists[c][i] for c in pylists}))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn pyarrow_reads_exact_ids_and_nanosecond_timestamps() {
    let python = venv_with_pyarrow();
    let setup = Setup::start(Sandbox::builder().seed(23).fills(FILLS)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fills.parquet");
    ok(&run(setup.ttrest(&["fills", "-o", path.to_str().unwrap()])).await);

    let out = Command::new(&python)
        .args(["-c", SCRIPT])
        .arg(&path)
        .output()
        .expect("run the venv's python");
    assert!(
        out.status.success(),
        "pyarrow could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let schema: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    for id in ["instrumentId", "parentInstrumentId"] {
        assert_eq!(schema[id], "uint64", "{id}: {schema}");
    }
    for time in ["timeStamp", "tradeDate", "transactTime"] {
        assert_eq!(schema[time], "timestamp[ns, tz=UTC]", "{time}: {schema}");
    }
    assert_eq!(schema["accountId"], "int64");
    assert_eq!(schema["side"], "int64", "a code, as the spec types it");
    assert_eq!(schema["extra"], "string");

    let rows: Vec<Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut want = setup.sandbox.fill_records();
    assert_eq!(rows.len(), want.len());
    assert_eq!(rows.len(), FILLS);
    // The file is in the CLI's order; the sandbox's, by recordId.
    want.sort_by(|a, b| text_of(&a["recordId"]).cmp(&text_of(&b["recordId"])));
    let mut got = rows;
    got.sort_by(|a, b| text_of(&a["recordId"]).cmp(&text_of(&b["recordId"])));
    let mut large_ids = 0;
    for (got, want) in got.iter().zip(&want) {
        assert_eq!(got["recordId"], want["recordId"]);
        for field in [
            "instrumentId",
            "parentInstrumentId",
            "timeStamp",
            "tradeDate",
            "transactTime",
            "accountId",
            "side",
        ] {
            let sent = integer(&want[field]);
            let read = got[field].as_number().and_then(serde_json::Number::as_i128);
            assert_eq!(read, sent, "{field} of {}", want["recordId"]);
        }
        // Ids above 2^53 would lose digits as doubles.
        if got["instrumentId"].as_u64().is_some_and(|n| n > 1 << 53) {
            large_ids += 1;
        }
    }
    assert!(large_ids > 0, "no instrument id above 2^53 was checked");
}

/// A JSON value as text: a string's content, anything else as JSON.
fn text_of(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// An integer TT sent as a number or a digit string (`None` if absent).
fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n.as_i128(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The venv's python with pyarrow, made (once) under the target directory.
fn venv_with_pyarrow() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyarrow-venv");
    let python = dir.join("bin/python");
    if !python.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status();
        match made {
            Ok(s) if s.success() => {}
            Ok(s) => panic!(
                "`python3 -m venv {}` failed ({s}): this test reads a Parquet file with \
                 pyarrow; install Python 3 with venv (e.g. apt-get install python3-venv)",
                dir.display()
            ),
            Err(e) => panic!(
                "cannot run python3 ({e}): this test reads a Parquet file with pyarrow; \
                 install Python 3 with venv and pip"
            ),
        }
    }
    let has = |python: &Path| {
        Command::new(python)
            .args(["-c", "import pyarrow"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has(&python) {
        let out = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "pyarrow"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run pip in {} ({e})", dir.display()));
        assert!(
            out.status.success(),
            "`pip install pyarrow` into {} failed: {}; this test needs pyarrow from PyPI \
             (install pip, e.g. apt-get install python3-pip, and check network access)",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    python
}
