//! `ttrest fills -o fills.parquet`: 100,000 sandbox fills written as Parquet
//! and read back with the parquet crate, schema and every value checked.

#![cfg(unix)]

use crate::cli_support;

use cli_support::{ok, run, text, Setup};
use parquet::basic::{LogicalType, TimeUnit, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use serde_json::Value;
use ttrest_sandbox::Sandbox;

const FILLS: usize = 100_000;

#[tokio::test(flavor = "multi_thread")]
async fn one_hundred_thousand_fills_read_back_equal() {
    let setup = Setup::start(Sandbox::builder().seed(21).fills(FILLS)).await;
    let want: Vec<Value> = ok(&run(setup.ttrest(&["fills", "--format", "jsonl"])).await)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(want.len(), FILLS);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fills.parquet");
    ok(&run(setup.ttrest(&["fills", "-o", path.to_str().unwrap()])).await);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names, ["fills.parquet"], "no temporary file left");

    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows() as usize, FILLS);
    assert!(meta.num_row_groups() > 1, "row groups are streamed");
    let schema = meta.file_metadata().schema_descr();
    let column = |name: &str| {
        (0..schema.num_columns())
            .map(|i| schema.column(i))
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let ts = column("timeStamp");
    assert_eq!(ts.physical_type(), Physical::INT64);
    assert_eq!(
        ts.logical_type_ref(),
        Some(&LogicalType::timestamp(true, TimeUnit::NANOS))
    );
    // Types are the spec's: `accountId` is an integer, `instrumentId` a
    // `TtId`, `side` a `Code`, `manualOrderIndicator` a `TtBool`.
    assert_eq!(column("accountId").physical_type(), Physical::INT64);
    assert_eq!(column("accountId").logical_type_ref(), None);
    assert_eq!(column("side").physical_type(), Physical::INT64);
    assert_eq!(
        column("manualOrderIndicator").physical_type(),
        Physical::BOOLEAN
    );
    assert_eq!(
        column("instrumentId").logical_type_ref(),
        Some(&LogicalType::integer(64, false))
    );
    assert_eq!(column("lastPx").physical_type(), Physical::DOUBLE);
    assert_eq!(
        column("recordId").logical_type_ref(),
        Some(&LogicalType::String)
    );
    assert_eq!(
        column("extra").logical_type_ref(),
        Some(&LogicalType::String)
    );

    // Headers that differ from their field (see `ttrest fills --help`).
    fn field_of(header: &str) -> Vec<&str> {
        match header {
            "ordType" => vec!["ordType", "orderType"],
            "tradeType" => vec!["tradeType", "trdType"],
            "connectionId" => vec!["connectionId", "exchOrderAssoc"],
            "execId" => vec!["execId", "execID"],
            other => vec![other],
        }
    }
    let mut rows = 0;
    for (row, fill) in reader.get_row_iter(None).unwrap().zip(&want) {
        let row = row.unwrap();
        let mut covered: Vec<String> = Vec::new();
        let mut extra = serde_json::Map::new();
        for (name, value) in row.get_column_iter() {
            if name == "extra" {
                if let Field::Str(json) = value {
                    extra = serde_json::from_str(json).unwrap();
                }
                continue;
            }
            let field = field_of(name)
                .into_iter()
                .find(|f| fill.get(*f).is_some())
                .unwrap_or(name.as_str());
            let want_text = text(fill, field);
            let got = match value {
                Field::Null => String::new(),
                Field::Long(n) => n.to_string(),
                Field::ULong(n) => n.to_string(),
                Field::Double(x) => {
                    assert_eq!(Some(*x), want_text.parse::<f64>().ok(), "{name}");
                    want_text.clone()
                }
                Field::Bool(b) => {
                    let sent = want_text.to_ascii_lowercase();
                    assert_eq!(sent == "true" || sent == "1", *b, "{name}: {want_text}");
                    want_text.clone()
                }
                Field::Str(s) => s.clone(),
                other => panic!("{name}: unexpected {other:?}"),
            };
            if !matches!(value, Field::Null) {
                covered.push(field.to_string());
                assert_eq!(got, want_text, "{name} of {}", text(fill, "recordId"));
            }
        }
        // Every other field is in `extra`, unchanged.
        let obj = fill.as_object().unwrap();
        for (k, v) in obj {
            if !covered.contains(k) {
                assert_eq!(extra.get(k), Some(v), "{k} kept in extra");
            }
        }
        assert_eq!(
            covered.len() + extra.len(),
            obj.len(),
            "no field twice, none lost"
        );
        rows += 1;
    }
    assert_eq!(rows, FILLS);
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_needs_a_file_and_other_lists_write_it_too() {
    let setup = Setup::start(Sandbox::builder().seed(2).fills(50)).await;
    let out = run(setup.ttrest(&["fills", "--format", "parquet"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o FILE.parquet"));
    let dir = tempfile::tempdir().unwrap();
    for list in ["positions", "orders", "accounts"] {
        let path = dir.path().join(format!("{list}.parquet"));
        ok(&run(setup.ttrest(&[list, "-o", path.to_str().unwrap()])).await);
        let jsonl = ok(&run(setup.ttrest(&[list, "--format", "jsonl"])).await);
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(
            reader.metadata().file_metadata().num_rows() as usize,
            jsonl.lines().count(),
            "{list}"
        );
    }
}
