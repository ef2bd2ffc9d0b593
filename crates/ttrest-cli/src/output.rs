//! Output formats (CSV, JSON lines, JSON) and safe file writing.
//!
//! `-o FILE` is written to a temporary file in FILE's directory and renamed
//! onto FILE only when everything was written, so an interrupted or failed run
//! never leaves a partial file at the target (a dropped temporary file deletes
//! itself). New files are private (0600); an existing file keeps its mode.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::Value;
use ttrest::scalar::Timestamp;

use crate::exit::CliError;

mod parquet;

/// How records are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header row (columns: see the command's help).
    Csv,
    /// One JSON object per line, written as records arrive.
    Jsonl,
    /// One JSON array.
    Json,
    /// Apache Parquet (needs -o FILE): typed columns, see `output/parquet.rs`.
    Parquet,
}

impl Format {
    /// The explicit format, else the one `-o`'s extension names, else CSV.
    pub fn resolve(explicit: Option<Format>, path: Option<&Path>) -> Format {
        if let Some(f) = explicit {
            return f;
        }
        let ext = path
            .and_then(Path::extension)
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json") => Format::Json,
            Some("jsonl" | "ndjson") => Format::Jsonl,
            Some("parquet") => Format::Parquet,
            _ => Format::Csv,
        }
    }
}

/// One CSV column: a header and where its text comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    header: String,
    /// Field paths tried in order (`a.b` looks inside objects).
    fields: Vec<String>,
    /// Render an epoch-ns field as RFC 3339 (UTC, nanoseconds kept).
    as_time: bool,
}

impl Column {
    /// Parses `header`, `header:field|other` or `header:@field` (RFC 3339 of
    /// an epoch-ns field).
    pub fn parse(spec: &str) -> Column {
        let (header, source) = spec.split_once(':').unwrap_or((spec, spec));
        let (as_time, source) = match source.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        Column {
            header: header.trim().to_string(),
            fields: source.split('|').map(|f| f.trim().to_string()).collect(),
            as_time,
        }
    }

    /// Parses a list of column specs.
    pub fn list(specs: &[&str]) -> Vec<Column> {
        specs.iter().map(|s| Column::parse(s)).collect()
    }

    /// This column's text for `record`: ids and integers exactly as sent,
    /// nested values as compact JSON, missing values empty.
    pub fn cell(&self, record: &Value) -> String {
        let value = self.fields.iter().find_map(|f| lookup(record, f));
        match value {
            None | Some(Value::Null) => String::new(),
            Some(v) if self.as_time => rfc3339(v).unwrap_or_else(|| text(v)),
            Some(v) => text(v),
        }
    }
}

fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An epoch-ns value (number or numeric string) as RFC 3339.
pub fn rfc3339(v: &Value) -> Option<String> {
    let ns = match v {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Some(Timestamp::from_nanos(ns).to_rfc3339())
}

/// Where bytes go: stdout, or a temporary file renamed onto the target at the end.
enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Sink {
    fn open(path: Option<&Path>) -> Result<Sink, CliError> {
        let Some(path) = path else {
            return Ok(Sink::Stdout(BufWriter::new(io::stdout())));
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::usage(format!("-o {}: not a file name", path.display())))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(&dir)
            .map_err(|e| {
                CliError::io("write to", &dir, &e)
                    .hint("check that the directory exists and is writable")
            })?;
        Ok(Sink::File {
            tmp: BufWriter::new(tmp),
            path: path.to_path_buf(),
        })
    }

    /// Flushes, and for a file: syncs and renames it onto the target.
    fn commit(self) -> Result<(), CliError> {
        match self {
            Sink::Stdout(mut out) => out.flush().map_err(stdout_error),
            Sink::File { tmp, path } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| CliError::io("write", &path, e.error()))?;
                tmp.as_file()
                    .sync_all()
                    .map_err(|e| CliError::io("write", &path, &e))?;
                if let Ok(meta) = std::fs::metadata(&path) {
                    let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
                }
                tmp.persist(&path)
                    .map_err(|e| CliError::io("write", &path, &e.error))?;
                Ok(())
            }
        }
    }

    fn error(&self, err: io::Error) -> CliError {
        match self {
            Sink::Stdout(_) => stdout_error(err),
            Sink::File { path, .. } => CliError::io("write", path, &err),
        }
    }

    fn is_stdout(&self) -> bool {
        matches!(self, Sink::Stdout(_))
    }
}

/// A closed pipe (`ttrest fills | head`) ends the run quietly.
fn stdout_error(err: io::Error) -> CliError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        CliError::broken_pipe()
    } else {
        CliError::io("write", Path::new("<stdout>"), &err)
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(out) => out.write(buf),
            Sink::File { tmp, .. } => tmp.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File { tmp, .. } => tmp.flush(),
        }
    }
}

enum Encoder {
    // Boxed: the CSV writer carries its own buffer.
    Csv(Box<csv::Writer<Sink>>, Vec<Column>),
    Jsonl(Sink),
    Json(Sink, bool),
    Parquet(Box<parquet::Encoder>),
}

/// Writes records in one format to stdout or (atomically) to a file.
pub struct Writer {
    encoder: Encoder,
    /// The target, for error messages.
    path: Option<PathBuf>,
    count: u64,
    /// Flush after every record (JSON lines on stdout, `--follow`).
    stream: bool,
}

impl Writer {
    /// Opens the target; nothing appears at `path` until [`Writer::finish`].
    pub fn create(
        format: Format,
        columns: Vec<Column>,
        path: Option<&Path>,
        follow: bool,
    ) -> Result<Writer, CliError> {
        let sink = Sink::open(path)?;
        let stream = follow || (format == Format::Jsonl && sink.is_stdout());
        let encoder = match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(sink);
                let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
                csv.write_record(&headers)
                    .map_err(|e| write_error(path, csv_io(e)))?;
                Encoder::Csv(Box::new(csv), columns)
            }
            Format::Jsonl => Encoder::Jsonl(sink),
            Format::Json => Encoder::Json(sink, true),
            Format::Parquet => Encoder::Parquet(Box::new(parquet::Encoder::new(sink, &columns)?)),
        };
        Ok(Writer {
            encoder,
            path: path.map(Path::to_path_buf),
            count: 0,
            stream,
        })
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Value) -> Result<(), CliError> {
        match &mut self.encoder {
            Encoder::Csv(csv, columns) => {
                let row: Vec<String> = columns.iter().map(|c| c.cell(record)).collect();
                let path = self.path.as_deref();
                csv.write_record(&row)
                    .map_err(|e| write_error(path, csv_io(e)))?;
                if self.stream {
                    csv.flush().map_err(|e| write_error(path, e))?;
                }
            }
            Encoder::Jsonl(sink) => {
                let line = serde_json::to_string(record).unwrap_or_default();
                let r = writeln!(sink, "{line}").and_then(|_| match self.stream {
                    true => sink.flush(),
                    false => Ok(()),
                });
                r.map_err(|e| sink.error(e))?;
            }
            Encoder::Json(sink, first) => {
                let lead = if *first { "[\n" } else { ",\n" };
                *first = false;
                let item = serde_json::to_string(record).unwrap_or_default();
                let r = write!(sink, "{lead}{item}").and_then(|_| match self.stream {
                    true => sink.flush(),
                    false => Ok(()),
                });
                r.map_err(|e| sink.error(e))?;
            }
            Encoder::Parquet(parquet) => parquet.write(record)?,
        }
        self.count += 1;
        Ok(())
    }

    /// Ends the document and moves the file into place; returns the record count.
    pub fn finish(self) -> Result<u64, CliError> {
        let sink = match self.encoder {
            Encoder::Csv(csv, _) => {
                let stdout = csv.get_ref().is_stdout();
                match csv.into_inner() {
                    Ok(sink) => sink,
                    Err(e) => {
                        let err = io::Error::new(e.error().kind(), e.error().to_string());
                        let path = if stdout { None } else { self.path.as_deref() };
                        return Err(write_error(path, err));
                    }
                }
            }
            Encoder::Jsonl(sink) => sink,
            Encoder::Json(mut sink, first) => {
                let end = if first { "[]\n" } else { "\n]\n" };
                sink.write_all(end.as_bytes()).map_err(|e| sink.error(e))?;
                sink
            }
            Encoder::Parquet(parquet) => parquet.finish()?,
        };
        sink.commit()?;
        Ok(self.count)
    }
}

/// A CSV failure as the I/O error it is (the CSV writer only fails on I/O here).
fn csv_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A write failure on `path`, or on stdout when `None`.
fn write_error(path: Option<&Path>, err: io::Error) -> CliError {
    match path {
        Some(path) => CliError::io("write", path, &err),
        None => stdout_error(err),
    }
}

/// Writes one JSON document (pretty-printed) to stdout or atomically to `path`.
pub fn write_document(value: &Value, path: Option<&Path>) -> Result<(), CliError> {
    let mut sink = Sink::open(path)?;
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    writeln!(sink, "{text}").map_err(|e| sink.error(e))?;
    sink.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_follow_the_extension_unless_given() {
        let p = |s: &str| Some(PathBuf::from(s));
        assert_eq!(Format::resolve(None, p("a.json").as_deref()), Format::Json);
        assert_eq!(
            Format::resolve(None, p("a.NDJSON").as_deref()),
            Format::Jsonl
        );
        assert_eq!(Format::resolve(None, p("a.csv").as_deref()), Format::Csv);
        assert_eq!(Format::resolve(None, None), Format::Csv);
        assert_eq!(
            Format::resolve(Some(Format::Jsonl), p("a.csv").as_deref()),
            Format::Jsonl
        );
    }

    #[test]
    fn cells_keep_ids_and_timestamps_exact() {
        let fill = json!({
            "timeStamp": 1795185000123456789u64,
            "instrumentId": "18261353047579511153",
            "execID": "x1",
            "lastPx": 4512.25,
            "parties": [{"role": 85}],
            "company": {"name": "SBX"},
        });
        let cell = |spec: &str| Column::parse(spec).cell(&fill);
        assert_eq!(cell("timeStamp"), "1795185000123456789");
        assert_eq!(cell("time:@timeStamp"), "2026-11-20T14:30:00.123456789Z");
        assert_eq!(cell("instrumentId"), "18261353047579511153");
        assert_eq!(cell("execId:execId|execID"), "x1");
        assert_eq!(cell("lastPx"), "4512.25");
        assert_eq!(cell("parties"), r#"[{"role":85}]"#);
        assert_eq!(cell("company.name"), "SBX");
        assert_eq!(cell("missing"), "");
    }

    #[test]
    fn a_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let mut w =
            Writer::create(Format::Csv, Column::list(&["a", "b"]), Some(&target), false).unwrap();
        w.write(&json!({"a": 1, "b": "x,y"})).unwrap();
        assert!(!target.exists());
        assert_eq!(w.finish().unwrap(), 1);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "a,b\n1,\"x,y\"\n"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_dropped_writer_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let mut w = Writer::create(Format::Json, Vec::new(), Some(&target), false).unwrap();
        w.write(&json!({"a": 1})).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn json_output_is_one_valid_array() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 2] {
            let target = dir.path().join(format!("{n}.json"));
            let mut w = Writer::create(Format::Json, Vec::new(), Some(&target), false).unwrap();
            for i in 0..n {
                w.write(&json!({"i": i})).unwrap();
            }
            w.finish().unwrap();
            let back: Vec<Value> =
                serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
            assert_eq!(back.len(), n);
        }
    }
}
