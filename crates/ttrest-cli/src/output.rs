//! Output formats (CSV, JSON lines, JSON) and safe file writing.
//!
//! `-o FILE` is written to a temporary file in FILE's directory and renamed
//! onto FILE only when everything was written, so an interrupted or failed run
//! never leaves a partial file at the target (a dropped temporary file deletes
//! itself). New files are private (0600); an existing file keeps its mode.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use serde_json::Value;
use ttrest::scalar::Timestamp;

use crate::exit::CliError;
use crate::raw::{Fields, RawFill};

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
    /// The explicit format, else the one `-o`'s extension names; CSV for
    /// stdout and names without an extension. An extension ttrest does not
    /// write is an error unless `--format` is given.
    pub fn resolve(explicit: Option<Format>, path: Option<&Path>) -> Result<Format, CliError> {
        if let Some(f) = explicit {
            return Ok(f);
        }
        let Some(ext) = path.and_then(Path::extension) else {
            return Ok(Format::Csv);
        };
        match ext.to_string_lossy().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            other => Err(CliError::usage(format!(
                "-o {}: ttrest does not write .{other} files",
                path.unwrap_or(Path::new("")).display()
            ))
            .hint("name a .csv, .json, .jsonl/.ndjson or .parquet file, or say which format to write with --format")),
        }
    }

    /// Whether records can be appended one batch at a time (`--follow`).
    pub fn streams(self) -> Result<(), CliError> {
        match self {
            Format::Csv | Format::Jsonl => Ok(()),
            Format::Json => Err(CliError::usage(
                "--follow cannot write json: a JSON array needs an end, which a follow never reaches",
            )
            .hint("use --format jsonl (one JSON object per line) or csv")),
            Format::Parquet => Err(CliError::usage(
                "--follow cannot write parquet: a Parquet file is readable only once its footer is written at the end",
            )
            .hint("use --format jsonl or csv, or export a closed range (--since/--until) to Parquet")),
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
    /// One of the command's default columns (Parquet drops a default that
    /// repeats another's field; a column the user asked for is kept).
    default: bool,
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
            default: false,
        }
    }

    /// Parses a command's default columns.
    pub fn list(specs: &[&str]) -> Vec<Column> {
        specs
            .iter()
            .map(|s| Column {
                default: true,
                ..Column::parse(s)
            })
            .collect()
    }

    /// The header.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The field paths, in the order they are tried.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// This column's text for `record`: ids and integers exactly as sent,
    /// nested values as compact JSON, missing values empty.
    pub fn cell(&self, record: &Value) -> String {
        let value = self.fields.iter().find_map(|f| lookup(record, f));
        match value {
            None | Some(Value::Null) => String::new(),
            Some(v) => self.value_cell(v),
        }
    }

    fn value_cell(&self, v: &Value) -> String {
        match self.as_time {
            true => rfc3339(v).unwrap_or_else(|| text(v)),
            false => text(v),
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

/// Where bytes go.
enum Sink {
    /// Standard output (no `-o`, or `-o -`).
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file renamed onto `path` (a regular file, or where none is) at the end.
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        /// The mode of the file being replaced, kept; new files get the umask.
        mode: Option<std::fs::Permissions>,
    },
    /// Written in place as it comes: a device, FIFO, socket or `/dev/fd/N`
    /// (never renamed over), or the file itself with `--follow`. Bytes are
    /// held until [`Write::flush`], which writes them in one go, so the
    /// target only ever receives complete records.
    Stream {
        file: std::fs::File,
        pending: Vec<u8>,
        path: PathBuf,
        /// Write only on flush (`--follow`); otherwise also whenever 64 KiB are held.
        whole_records: bool,
    },
}

/// What `-o PATH` names, after following symlinks.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A regular file, existing or not: written atomically.
    File(PathBuf),
    /// A device, FIFO, socket or `/dev/fd/N`: written in place.
    Stream(PathBuf),
}

impl Target {
    /// Classifies `-o PATH`: `-` is stdout; a symlink is followed to what it
    /// points at (even if that does not exist yet); anything that is not a
    /// regular file, and `/dev/fd/N`, `/dev/stdout`, `/proc/self/fd/N`, is a stream.
    pub fn of(path: Option<&Path>) -> Result<Target, CliError> {
        let Some(path) = path else {
            return Ok(Target::Stdout);
        };
        if path.as_os_str() == "-" {
            return Ok(Target::Stdout);
        }
        let descriptor = ["/dev/fd/", "/proc/self/fd/", "/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|p| path.starts_with(p));
        if descriptor {
            return Ok(Target::Stream(path.to_path_buf()));
        }
        let resolved = follow_links(path)?;
        match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_file() => Ok(Target::File(resolved)),
            Ok(meta) if meta.is_dir() => Err(CliError::usage(format!(
                "-o {}: is a directory",
                path.display()
            ))
            .hint("give a file name inside it")),
            Ok(_) => Ok(Target::Stream(resolved)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::File(resolved)),
            Err(e) => Err(CliError::io("write", path, &e)),
        }
    }

    /// The file name whose extension names the format (none for stdout).
    pub fn name(&self) -> Option<&Path> {
        match self {
            Target::Stdout => None,
            Target::File(p) | Target::Stream(p) => Some(p),
        }
    }
}

/// `path` with its symlinks followed, link by link, to the file that would be
/// written (which may not exist yet); a loop is an error.
fn follow_links(path: &Path) -> Result<PathBuf, CliError> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)
                    .map_err(|e| CliError::io("read the symlink", &current, &e))?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(CliError::usage(format!(
        "-o {}: too many levels of symbolic links",
        path.display()
    )))
}

impl Sink {
    /// Opens `-o`'s target; `append_in_place` (for `--follow`) writes a regular
    /// file directly, truncated first, instead of through a temporary file.
    fn open(path: Option<&Path>, append_in_place: bool) -> Result<Sink, CliError> {
        let path = match Target::of(path)? {
            Target::Stdout => return Ok(Sink::Stdout(BufWriter::new(io::stdout()))),
            Target::Stream(path) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| CliError::io("write to", &path, &e))?;
                return Ok(Sink::stream(file, path, append_in_place));
            }
            Target::File(path) if append_in_place => {
                // Created with the umask, as `>` would.
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .map_err(|e| {
                        CliError::io("write to", &path, &e)
                            .hint("check that the directory exists and is writable")
                    })?;
                return Ok(Sink::stream(file, path, true));
            }
            Target::File(path) => path,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::usage(format!("-o {}: not a file name", path.display())))?;
        let mode = std::fs::metadata(&path).ok().map(|m| m.permissions());
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // The kernel applies the umask to this, as for any new file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(|e| {
            CliError::io("write to", &dir, &e)
                .hint("check that the directory exists and is writable")
        })?;
        Ok(Sink::File {
            tmp: BufWriter::new(tmp),
            path,
            mode,
        })
    }

    fn stream(file: std::fs::File, path: PathBuf, whole_records: bool) -> Sink {
        Sink::Stream {
            file,
            pending: Vec::new(),
            path,
            whole_records,
        }
    }

    /// Flushes, and for a file: syncs and renames it onto the target.
    fn commit(self) -> Result<(), CliError> {
        match self {
            Sink::Stdout(mut out) => out.flush().map_err(stdout_error),
            Sink::Stream {
                mut file,
                pending,
                path,
                ..
            } => file
                .write_all(&pending)
                .and_then(|_| file.flush())
                .map_err(|e| CliError::io("write", &path, &e)),
            Sink::File { tmp, path, mode } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| CliError::io("write", &path, e.error()))?;
                tmp.as_file()
                    .sync_all()
                    .map_err(|e| CliError::io("write", &path, &e))?;
                if let Some(mode) = mode {
                    let _ = std::fs::set_permissions(tmp.path(), mode);
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
            Sink::File { path, .. } | Sink::Stream { path, .. } => {
                CliError::io("write", path, &err)
            }
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
            Sink::Stream {
                file,
                pending,
                whole_records,
                ..
            } => {
                pending.extend_from_slice(buf);
                if !*whole_records && pending.len() >= 1 << 16 {
                    file.write_all(pending)?;
                    pending.clear();
                }
                Ok(buf.len())
            }
        }
    }

    /// Callers flush only between records, so a stream gets whole records.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(out) => out.flush(),
            Sink::File { tmp, .. } => tmp.flush(),
            Sink::Stream { file, pending, .. } => {
                file.write_all(pending)?;
                pending.clear();
                file.flush()
            }
        }
    }
}

enum Encoder {
    // Boxed: the CSV writer carries its own buffer.
    Csv(Box<csv::Writer<Sink>>, Vec<Column>, RawIndex),
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
    /// Flush after every record (JSON lines on stdout).
    stream: bool,
}

impl Writer {
    /// Opens the target (see [`Target::of`]). A regular file appears at `path`
    /// only at [`Writer::finish`]; with `follow` it is written in place
    /// instead, one batch at a time (see [`Writer::flush`]).
    pub fn create(
        format: Format,
        columns: Vec<Column>,
        path: Option<&Path>,
        follow: bool,
    ) -> Result<Writer, CliError> {
        if follow {
            format.streams()?;
        }
        let sink = Sink::open(path, follow)?;
        let stream = format == Format::Jsonl && sink.is_stdout();
        let encoder = match format {
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(sink);
                let headers: Vec<&str> = columns.iter().map(|c| c.header.as_str()).collect();
                csv.write_record(&headers)
                    .map_err(|e| write_error(path, csv_io(e)))?;
                let index = RawIndex::new(&columns);
                Encoder::Csv(Box::new(csv), columns, index)
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
            Encoder::Csv(csv, columns, _) => {
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

    /// Writes one fill kept as TT's JSON text: JSON formats copy the text,
    /// CSV reads the columns from it without building a `Value`.
    pub fn write_raw(&mut self, fill: &RawFill) -> Result<(), CliError> {
        let json = fill.json();
        let path = self.path.as_deref();
        match &mut self.encoder {
            Encoder::Csv(csv, columns, index) => {
                let fields = Fields::of(json).map_err(|e| {
                    CliError::tt(format!("a fill is not a JSON object ({e}): {json:.200}"))
                })?;
                let row = index.row(columns, &fields);
                csv.write_record(row.iter().map(|c| c.as_bytes()))
                    .map_err(|e| write_error(path, csv_io(e)))?;
                if self.stream {
                    csv.flush().map_err(|e| write_error(path, e))?;
                }
            }
            Encoder::Jsonl(sink) => {
                let line = one_line(json);
                let r = writeln!(sink, "{line}").and_then(|_| match self.stream {
                    true => sink.flush(),
                    false => Ok(()),
                });
                r.map_err(|e| sink.error(e))?;
            }
            Encoder::Json(sink, first) => {
                let lead = if *first { "[\n" } else { ",\n" };
                *first = false;
                let item = one_line(json);
                let r = write!(sink, "{lead}{item}").and_then(|_| match self.stream {
                    true => sink.flush(),
                    false => Ok(()),
                });
                r.map_err(|e| sink.error(e))?;
            }
            // Typed columns: each value is read into its column's type.
            Encoder::Parquet(parquet) => parquet.write(&fill.to_value())?,
        }
        self.count += 1;
        Ok(())
    }

    /// Writes what the records so far hold to the target, in whole records
    /// (`--follow` calls this after each batch).
    pub fn flush(&mut self) -> Result<(), CliError> {
        let path = self.path.as_deref();
        match &mut self.encoder {
            Encoder::Csv(csv, _, _) => csv.flush().map_err(|e| write_error(path, e)),
            Encoder::Jsonl(sink) | Encoder::Json(sink, _) => {
                sink.flush().map_err(|e| sink.error(e))
            }
            Encoder::Parquet(_) => Ok(()),
        }
    }

    /// Ends the document and moves the file into place; returns the record count.
    pub fn finish(self) -> Result<u64, CliError> {
        let sink = match self.encoder {
            Encoder::Csv(csv, _, _) => {
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

/// JSON text on one line: as is, or compacted if TT sent it across lines.
fn one_line(json: &str) -> Cow<'_, str> {
    if json.contains(['\n', '\r']) {
        let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        Cow::Owned(value.to_string())
    } else {
        Cow::Borrowed(json)
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
    lookup(&value, path).cloned()
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

/// A write failure on `path`, or on stdout when `None`.
fn write_error(path: Option<&Path>, err: io::Error) -> CliError {
    match path {
        Some(path) => CliError::io("write", path, &err),
        None => stdout_error(err),
    }
}

/// Writes one JSON document (pretty-printed) to stdout or atomically to `path`.
pub fn write_document(value: &Value, path: Option<&Path>) -> Result<(), CliError> {
    let mut sink = Sink::open(path, false)?;
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
        let f = |e: Option<Format>, s: &str| Format::resolve(e, p(s).as_deref()).unwrap();
        assert_eq!(f(None, "a.json"), Format::Json);
        assert_eq!(f(None, "a.NDJSON"), Format::Jsonl);
        assert_eq!(f(None, "a.csv"), Format::Csv);
        assert_eq!(f(None, "/dev/null"), Format::Csv);
        assert_eq!(Format::resolve(None, None).unwrap(), Format::Csv);
        assert_eq!(f(Some(Format::Jsonl), "a.csv"), Format::Jsonl);
        assert_eq!(f(Some(Format::Csv), "a.xlsx"), Format::Csv);
        let err = Format::resolve(None, p("a.xlsx").as_deref()).unwrap_err();
        assert_eq!(err.code, crate::exit::USAGE);
        assert!(err.message.contains(".xlsx"));
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

    #[test]
    fn raw_fills_are_written_as_sent_on_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut w = Writer::create(Format::Jsonl, Vec::new(), Some(&target), false).unwrap();
        w.write_raw(&RawFill::from_json(r#"{"timeStamp":1,"a":"x"}"#).unwrap())
            .unwrap();
        w.write_raw(&RawFill::from_json("{\"timeStamp\":2,\n \"b\": [1, 2]}").unwrap())
            .unwrap();
        w.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "{\"timeStamp\":1,\"a\":\"x\"}\n{\"timeStamp\":2,\"b\":[1,2]}\n"
        );
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
