//! CSV: a header row, then one row per record. Each record's cells are read
//! from its JSON text in one borrowed pass ([`RowReader`]; no `Value` per
//! record), and written as TT sent them: strings unquoted, numbers (ids,
//! epoch-ns timestamps, codes, prices) exactly as sent, nested values as
//! compact JSON; an `@field` column as RFC 3339.

use std::borrow::Cow;
use std::io;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde_json::Value;
use ttrest::columns::{Cell, ColumnKind};
use ttrest::scalar::Timestamp;

use super::file::{write_error, Out};
use super::row::RowReader;
use super::{Format, Sink};
use crate::columns::Column;
use crate::exit::CliError;
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
    /// Whether each column is an `@field` (RFC 3339) column.
    as_time: Vec<bool>,
    /// Reads every column as the JSON text of its value.
    row: RowReader,
    /// The cells' allocation, kept empty between records.
    spare: Vec<Cell<'static>>,
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
        Ok(Box::new(CsvSink {
            csv: Box::new(csv),
            as_time: columns.iter().map(|c| c.as_time).collect(),
            row: RowReader::new(&columns, |_| ColumnKind::Json),
            spare: Vec::new(),
            path,
        }))
    }
}

impl Sink for CsvSink {
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        let path = self.path.as_deref();
        let json = record.json();
        let mut cells = recycle(std::mem::take(&mut self.spare));
        cells.resize(self.row.len(), Cell::Null);
        self.row.read(&json, &mut cells, None).map_err(|e| {
            CliError::tt(format!("a record is not a JSON object ({e}): {json:.200}"))
        })?;
        let mut written = Ok(());
        for (cell, as_time) in cells.iter().zip(&self.as_time) {
            written = self.csv.write_field(csv_cell(cell, *as_time).as_bytes());
            if written.is_err() {
                break;
            }
        }
        if written.is_ok() {
            written = self.csv.write_record(None::<&[u8]>);
        }
        self.spare = recycle(cells);
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

/// An empty vector of cells of any lifetime, reusing `cells`' allocation
/// (so a sink keeps one allocation across records whose texts it borrows).
pub(crate) fn recycle<'b>(mut cells: Vec<Cell<'_>>) -> Vec<Cell<'b>> {
    cells.clear();
    // Nothing to map: an empty vector collected in place keeps its buffer.
    cells.into_iter().map(|_| Cell::Null).collect()
}

/// A cell's CSV text from its value's JSON text: strings unquoted, numbers
/// exactly as sent, nested values as compact JSON, `null` empty; an epoch-ns
/// value of an `@field` column as RFC 3339.
fn csv_cell<'a>(cell: &'a Cell<'_>, as_time: bool) -> Cow<'a, str> {
    let raw: &str = match cell {
        Cell::Json(raw) => raw,
        _ => return Cow::Borrowed(""),
    };
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
        Some(b'{' | b'[') if raw.contains([' ', '\n', '\r', '\t']) => {
            let value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
            Cow::Owned(value.to_string())
        }
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

    /// The CSV of `records` under `specs` (columns typed as fills').
    async fn csv_of(specs: &[&str], records: Vec<Record>) -> String {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let table = crate::columns::table_of(crate::columns::FILLS);
        let columns = specs.iter().map(|s| Column::parse(s, table)).collect();
        let mut w = crate::sinks::output::open(&FORMAT, columns, Some(&target), false).unwrap();
        for r in &records {
            w.write(r).unwrap();
        }
        w.finish().await.unwrap();
        std::fs::read_to_string(&target).unwrap()
    }

    #[tokio::test]
    async fn text_and_value_records_give_the_same_cells() {
        let json = r#"{"timeStamp":"1795185000123456789","instrumentId":"18261353047579511153","execID":"x1","textTT":null,"lastPx":4512.25,"parties":[{"role": 85}],"company":{"name":"SBX"},"textA":"a\"b,c","side":"1"}"#;
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
            "side",
        ];
        let text = csv_of(&specs, vec![RawFill::from_json(json).unwrap().into()]).await;
        let from_value = csv_of(&specs, vec![value.into()]).await;
        assert_eq!(text, from_value);
        let row = text.lines().nth(1).unwrap();
        assert_eq!(
            row,
            r#"1795185000123456789,2026-11-20T14:30:00.123456789Z,18261353047579511153,x1,4512.25,"[{""role"":85}]",SBX,,"a""b,c",,,1"#
        );
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
