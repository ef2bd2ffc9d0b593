//! CSV: a header row, then one row per record. A fill's cells are read from
//! its JSON text in one borrowed pass (no `Value` per fill); a JSON record's
//! from its value. Ids and epoch-ns timestamps are written exactly as sent.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde_json::Value;
use ttrest::scalar::Timestamp;

use super::file::{write_error, Out};
use super::{Format, Sink};
use crate::columns::{self, Column};
use crate::exit::CliError;
use crate::raw::Fields;
use crate::record::Record;

/// `--format csv`.
pub const FORMAT: Format = Format {
    name: "csv",
    help: "Comma-separated values with a header row (columns: see the command's help)",
    extensions: &["csv"],
    no_follow: None,
    open: CsvSink::open,
};

/// Writes CSV rows to an [`Out`].
pub struct CsvSink {
    // Boxed: the CSV writer carries its own buffer.
    csv: Box<csv::Writer<Out>>,
    columns: Vec<Column>,
    index: RawIndex,
    /// The target, for error messages (`None`: stdout).
    path: Option<std::path::PathBuf>,
}

impl CsvSink {
    /// Writes the header row of `columns`.
    fn open(out: Out, columns: Vec<Column>) -> Result<Box<dyn Sink>, CliError> {
        let path = (!out.is_stdout()).then(|| out.path());
        let mut csv = csv::Writer::from_writer(out);
        let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
        csv.write_record(&headers)
            .map_err(|e| write_error(path.as_deref(), csv_io(e)))?;
        let index = RawIndex::new(&columns);
        Ok(Box::new(CsvSink {
            csv: Box::new(csv),
            columns,
            index,
            path,
        }))
    }
}

impl Sink for CsvSink {
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        let path = self.path.as_deref();
        let written = match record {
            Record::Text(fill) => {
                let json = fill.json();
                let fields = Fields::of(json).map_err(|e| {
                    CliError::tt(format!("a fill is not a JSON object ({e}): {json:.200}"))
                })?;
                let row = self.index.row(&self.columns, &fields);
                self.csv.write_record(row.iter().map(|c| c.as_bytes()))
            }
            Record::Json(value) => {
                let row: Vec<String> = self.columns.iter().map(|c| c.cell(value)).collect();
                self.csv.write_record(&row)
            }
        };
        written.map_err(|e| write_error(path, csv_io(e)))
    }

    fn flush(&mut self) -> Result<(), CliError> {
        self.csv
            .flush()
            .map_err(|e| write_error(self.path.as_deref(), e))
    }

    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>> {
        let CsvSink { csv, path, .. } = *self;
        let done = match csv.into_inner() {
            Ok(out) => out.commit(),
            Err(e) => {
                let err = io::Error::new(e.error().kind(), e.error().to_string());
                Err(write_error(path.as_deref(), err))
            }
        };
        async move { done }.boxed_local()
    }
}

/// Which columns each top-level field feeds, for reading borrowed fields.
struct RawIndex {
    /// Field name -> (column, rank among the column's alternatives, nested path).
    by_name: HashMap<String, Vec<(usize, usize, Option<String>)>>,
}

impl RawIndex {
    fn new(columns: &[Column]) -> RawIndex {
        let mut by_name: HashMap<String, Vec<_>> = HashMap::new();
        for (column, c) in columns.iter().enumerate() {
            for (rank, field) in c.fields.iter().enumerate() {
                let (top, rest) = match field.split_once('.') {
                    Some((top, rest)) => (top, Some(rest.to_string())),
                    None => (field.as_str(), None),
                };
                by_name
                    .entry(top.to_string())
                    .or_default()
                    .push((column, rank, rest));
            }
        }
        RawIndex { by_name }
    }

    /// The cells of one record, in column order.
    fn row<'a>(&self, columns: &[Column], fields: &Fields<'a>) -> Vec<Cow<'a, str>> {
        let mut chosen: Vec<Option<(usize, &'a str, Option<&str>)>> = vec![None; columns.len()];
        for (name, raw) in &fields.0 {
            let Some(slots) = self.by_name.get(name.as_ref()) else {
                continue;
            };
            for (column, rank, rest) in slots {
                let better = chosen[*column].is_none_or(|(r, _, _)| *rank < r);
                // A nested path counts only if it leads somewhere.
                let found = rest
                    .as_deref()
                    .is_none_or(|path| nested(raw.get(), path).is_some());
                if better && found && raw.get() != "null" {
                    chosen[*column] = Some((*rank, raw.get(), rest.as_deref()));
                }
            }
        }
        chosen
            .into_iter()
            .zip(columns)
            .map(|(pick, column)| match pick {
                None => Cow::Borrowed(""),
                Some((_, raw, None)) => raw_cell(raw, column.as_time),
                Some((_, raw, Some(path))) => match nested(raw, path) {
                    Some(v) => Cow::Owned(column.value_cell(&v)),
                    None => Cow::Borrowed(""),
                },
            })
            .collect()
    }
}

/// The value at `path` (`a.b`) inside the JSON text `raw`.
fn nested(raw: &str, path: &str) -> Option<Value> {
    let value: Value = serde_json::from_str(raw).ok()?;
    columns::lookup(&value, path).cloned()
}

/// A cell from a value's JSON text: strings unquoted, numbers exactly as sent,
/// nested values as compact JSON, `null` empty.
fn raw_cell(raw: &str, as_time: bool) -> Cow<'_, str> {
    let string = raw.starts_with('"');
    if as_time {
        let digits = if string { &raw[1..raw.len() - 1] } else { raw };
        if let Ok(ns) = digits.trim().parse::<i64>() {
            return Cow::Owned(Timestamp::from_nanos(ns).to_rfc3339());
        }
    }
    match raw.as_bytes().first() {
        Some(b'"') if !raw.contains('\\') => Cow::Borrowed(&raw[1..raw.len() - 1]),
        Some(b'"') => Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default()),
        Some(b'{' | b'[') => {
            let value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
            Cow::Owned(value.to_string())
        }
        _ if raw == "null" => Cow::Borrowed(""),
        _ => Cow::Borrowed(raw),
    }
}

/// A CSV failure as the I/O error it is (the CSV writer only fails on I/O here).
fn csv_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::RawFill;
    use serde_json::json;

    #[test]
    fn raw_fills_give_the_same_cells_as_values() {
        let json = r#"{"timeStamp":"1795185000123456789","instrumentId":"18261353047579511153","execID":"x1","textTT":null,"lastPx":4512.25,"parties":[{"role": 85}],"company":{"name":"SBX"},"textA":"a\"b,c"}"#;
        let value: Value = serde_json::from_str(json).unwrap();
        let specs = [
            "timeStamp",
            "time:@timeStamp",
            "instrumentId",
            "execId:execId|execID",
            "lastPx",
            "parties",
            "company.name",
            "company.none",
            "textA",
            "textTT",
            "missing",
        ];
        let columns = Column::list(&specs);
        let fields = Fields::of(json).unwrap();
        let raw: Vec<String> = RawIndex::new(&columns)
            .row(&columns, &fields)
            .into_iter()
            .map(Cow::into_owned)
            .collect();
        let typed: Vec<String> = columns.iter().map(|c| c.cell(&value)).collect();
        assert_eq!(raw, typed);
    }

    #[tokio::test]
    async fn a_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let mut w =
            crate::sinks::output::open(&FORMAT, Column::list(&["a", "b"]), Some(&target), false)
                .unwrap();
        w.write(&json!({"a": 1, "b": "x,y"}).into()).unwrap();
        w.write(&RawFill::from_json(r#"{"b":"z","a":2}"#).unwrap().into())
            .unwrap();
        assert!(!target.exists());
        w.finish().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "a,b\n1,\"x,y\"\n2,z\n"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
