//! Parquet output (`--format parquet`, `-o FILE.parquet`).
//!
//! One typed column per output column, its type the spec's
//! (`ttrest::columns`, see [`crate::columns::Column::kind`]): timestamps
//! (and `@field` columns) as `TIMESTAMP(NANOS, UTC)`, ids (`TtId`) as
//! unsigned 64-bit integers, integers and enumeration codes as signed 64-bit
//! integers, numbers as doubles, flags as booleans, text as UTF-8 strings and
//! nested values as their JSON text. Each record's cells are read from its
//! JSON text in one pass ([`RowReader`], no `Value` per record), and in the
//! same pass every field no column holds, or whose value does not fit its
//! column's type (a code sent as text), goes to the `extra` column as one
//! JSON object, so nothing TT sends is lost. Rows are buffered [`ROW_GROUP`]
//! at a time and written as one row group, so memory stays flat whatever the
//! record count.

use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use ttrest::columns::{Cell, ColumnKind};

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::csv::recycle;
use super::file::Out;
use super::row::RowReader;
use super::{Format, Sink};
use crate::columns::Column;
use crate::exit::CliError;
use crate::record::Record;

/// `--format parquet`.
pub const FORMAT: Format = Format {
    name: "parquet",
    help: "Apache Parquet (needs -o FILE): typed columns, see `sinks/parquet.rs`",
    extensions: &["parquet"],
    no_follow: Some((
        "a Parquet file is readable only once its footer is written at the end",
        "use --format jsonl or csv, or export a closed range (--since/--until) to Parquet",
    )),
    open: |out, columns| Ok(Box::new(Encoder::new(out, &columns)?)),
};

/// Rows per row group: small enough to keep a few MB in memory, large enough
/// for good compression and fast scans.
pub const ROW_GROUP: usize = 8192;

/// The name of the column that keeps the fields no other column holds.
pub const EXTRA: &str = "extra";

/// One output column.
struct Col {
    name: String,
    /// Its first field, naming a value that does not fit in `extra`.
    field: String,
    kind: ColumnKind,
    buf: Buf,
}

/// A column's buffered values and definition levels (0: null, 1: present).
enum Buf {
    Int(Vec<i64>, Vec<i16>),
    Double(Vec<f64>, Vec<i16>),
    Bool(Vec<bool>, Vec<i16>),
    /// Text: the row group's strings end to end, and where each ends (one
    /// allocation per column and row group, not one per value).
    Bytes(Vec<u8>, Vec<usize>, Vec<i16>),
}

/// Writes records as Parquet into an [`Out`], a row group at a time.
pub struct Encoder {
    writer: SerializedFileWriter<Out>,
    cols: Vec<Col>,
    /// Reads `cols` (cell `i` is `cols[i]`'s) as their kinds.
    row: RowReader,
    /// The cells' allocation, kept empty between records.
    spare: Vec<Cell<'static>>,
    extra: Buf,
    /// The record's `extra` object, reused across records.
    extra_text: String,
    rows: usize,
}

impl Encoder {
    /// A Parquet file with one column per `columns` (duplicates of a field
    /// dropped) plus [`EXTRA`].
    pub fn new(sink: Out, columns: &[Column]) -> Result<Encoder, CliError> {
        if sink.is_stdout() {
            return Err(CliError::usage(
                "Parquet is written to a file only: add -o FILE.parquet",
            ));
        }
        let mut kept: Vec<&Column> = Vec::new();
        for c in columns {
            let Some(first) = c.fields.first() else {
                continue;
            };
            // A default column repeating another's field (`time` next to
            // `timeStamp`, both timestamps here) is left out.
            let taken = |k: &&Column| {
                k.header == c.header || (c.default && k.fields.first() == Some(first))
            };
            if c.header == EXTRA || kept.iter().any(taken) {
                continue;
            }
            kept.push(c);
        }
        let cols: Vec<Col> = kept
            .iter()
            .map(|c| Col {
                name: c.header.clone(),
                field: c.fields.first().cloned().unwrap_or_default(),
                kind: c.kind,
                buf: Buf::new(c.kind),
            })
            .collect();
        let kept: Vec<Column> = kept.into_iter().cloned().collect();
        let row = RowReader::new(&kept, Column::kind);
        let mut fields: Vec<Arc<Type>> = cols
            .iter()
            .map(|c| field(&c.name, c.kind).map(Arc::new))
            .collect::<Result<_, _>>()
            .map_err(|e| parquet_error(&sink, e))?;
        fields.push(Arc::new(
            field(EXTRA, ColumnKind::Text).map_err(|e| parquet_error(&sink, e))?,
        ));
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(|e| parquet_error(&sink, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("ttrest {}", env!("CARGO_PKG_VERSION")))
            .build();
        let target = sink.path();
        let writer = SerializedFileWriter::new(sink, Arc::new(schema), Arc::new(props))
            .map_err(|e| CliError::io("write", &target, &std::io::Error::other(e.to_string())))?;
        Ok(Encoder {
            writer,
            cols,
            row,
            spare: Vec::new(),
            extra: Buf::new(ColumnKind::Text),
            extra_text: String::new(),
            rows: 0,
        })
    }

    /// Buffers one record (its JSON text); writes a row group when
    /// [`ROW_GROUP`] are buffered.
    pub fn write_json(&mut self, json: &str) -> Result<(), CliError> {
        let mut cells = recycle(std::mem::take(&mut self.spare));
        cells.resize(self.row.len(), Cell::Null);
        let extra = &mut self.extra_text;
        extra.clear();
        extra.push('{');
        if json.trim_start().starts_with('{') {
            let mut rest = |key: &str, raw: &str| entry(extra, key, raw);
            self.row
                .read(json, &mut cells, Some(&mut rest))
                .map_err(|e| CliError::tt(format!("a record is not JSON ({e}): {json:.200}")))?;
        } else {
            // Not an object: kept whole.
            entry(extra, "value", json.trim());
        }
        for (col, cell) in self.cols.iter_mut().zip(&cells) {
            if !col.buf.push(col.kind, cell) {
                col.buf.push_null();
                let text = match cell {
                    Cell::Text(t) => serde_json::to_string(t).unwrap_or_default(),
                    Cell::Json(j) => j.to_string(),
                    _ => String::new(),
                };
                entry(extra, &col.field, &text);
            }
        }
        self.spare = recycle(cells);
        match extra.len() {
            1 => self.extra.push_null(),
            _ => {
                extra.push('}');
                self.extra.push_bytes(extra.as_bytes());
            }
        }
        self.rows += 1;
        if self.rows >= ROW_GROUP {
            self.flush_group()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush_group(&mut self) -> Result<(), CliError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(io_error)?;
        let bufs = self
            .cols
            .iter_mut()
            .map(|c| &mut c.buf)
            .chain([&mut self.extra]);
        for buf in bufs {
            let mut col = group.next_column().map_err(io_error)?.ok_or_else(|| {
                io_error(ParquetError::General("schema has fewer columns".into()))
            })?;
            buf.write(col.untyped()).map_err(io_error)?;
            col.close().map_err(io_error)?;
        }
        group.close().map_err(io_error)?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last row group and the footer; returns the target to commit.
    pub fn close(mut self) -> Result<Out, CliError> {
        self.flush_group()?;
        self.writer.into_inner().map_err(io_error)
    }
}

/// Adds `"key":raw` to the JSON object being written in `extra`.
fn entry(extra: &mut String, key: &str, raw: &str) {
    if extra.len() > 1 {
        extra.push(',');
    }
    if key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        extra.push_str(&serde_json::to_string(key).unwrap_or_default());
    } else {
        extra.push('"');
        extra.push_str(key);
        extra.push('"');
    }
    extra.push(':');
    extra.push_str(raw);
}

impl Sink for Encoder {
    /// Typed columns: each value is read into its column's type.
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        self.write_json(&record.json())
    }

    /// Row groups are written as they fill; the file is whole only at the end.
    fn flush(&mut self) -> Result<(), CliError> {
        Ok(())
    }

    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>> {
        let done = self.close().and_then(Out::commit);
        async move { done }.boxed_local()
    }
}

impl Buf {
    fn new(kind: ColumnKind) -> Buf {
        use ColumnKind::*;
        match kind {
            Id | Int | Code | Timestamp => Buf::Int(Vec::new(), Vec::new()),
            Float => Buf::Double(Vec::new(), Vec::new()),
            Bool => Buf::Bool(Vec::new(), Vec::new()),
            Text | Json => Buf::Bytes(Vec::new(), Vec::new(), Vec::new()),
        }
    }

    fn push_null(&mut self) {
        match self {
            Buf::Int(_, d) | Buf::Double(_, d) | Buf::Bool(_, d) | Buf::Bytes(_, _, d) => d.push(0),
        }
    }

    fn push_bytes(&mut self, text: &[u8]) {
        if let Buf::Bytes(data, ends, defs) = self {
            data.extend_from_slice(text);
            ends.push(data.len());
            defs.push(1);
        }
    }

    /// Adds `cell` if it fits a column of `kind` (a null fits every column);
    /// false (nothing added) if not.
    fn push(&mut self, kind: ColumnKind, cell: &Cell<'_>) -> bool {
        use ColumnKind::*;
        match (self, kind, cell) {
            (buf, _, Cell::Null) => {
                buf.push_null();
                true
            }
            // Parquet stores an unsigned 64-bit integer in INT64's bits.
            (Buf::Int(vals, defs), Id, Cell::Id(n)) => {
                vals.push(*n as i64);
                defs.push(1);
                true
            }
            (Buf::Int(vals, defs), Int | Code, Cell::Int(n))
            | (Buf::Int(vals, defs), Timestamp, Cell::Timestamp(n)) => {
                vals.push(*n);
                defs.push(1);
                true
            }
            (Buf::Double(vals, defs), Float, Cell::Float(x)) => {
                vals.push(*x);
                defs.push(1);
                true
            }
            (Buf::Bool(vals, defs), Bool, Cell::Bool(b)) => {
                vals.push(*b);
                defs.push(1);
                true
            }
            (buf @ Buf::Bytes(..), Text | Json, Cell::Text(t) | Cell::Json(t)) => {
                buf.push_bytes(t.as_bytes());
                true
            }
            _ => false,
        }
    }

    /// Writes and clears the buffer.
    fn write(&mut self, writer: &mut ColumnWriter<'_>) -> Result<(), ParquetError> {
        match (self, writer) {
            (Buf::Int(v, d), ColumnWriter::Int64ColumnWriter(w)) => {
                w.write_batch(v, Some(d), None)?;
                v.clear();
                d.clear();
            }
            (Buf::Double(v, d), ColumnWriter::DoubleColumnWriter(w)) => {
                w.write_batch(v, Some(d), None)?;
                v.clear();
                d.clear();
            }
            (Buf::Bool(v, d), ColumnWriter::BoolColumnWriter(w)) => {
                w.write_batch(v, Some(d), None)?;
                v.clear();
                d.clear();
            }
            (Buf::Bytes(data, ends, d), ColumnWriter::ByteArrayColumnWriter(w)) => {
                // Each value a slice of one shared buffer: no copy.
                let all = bytes::Bytes::from(std::mem::take(data));
                let mut start = 0;
                let values: Vec<ByteArray> = ends
                    .iter()
                    .map(|&end| {
                        let value = ByteArray::from(all.slice(start..end));
                        start = end;
                        value
                    })
                    .collect();
                w.write_batch(&values, Some(d), None)?;
                ends.clear();
                d.clear();
            }
            _ => return Err(ParquetError::General("column type mismatch".into())),
        }
        Ok(())
    }
}

/// The schema field of one column (all optional: TT omits fields freely).
fn field(name: &str, kind: ColumnKind) -> Result<Type, ParquetError> {
    use ColumnKind::*;
    let (physical, logical) = match kind {
        Timestamp => (
            Physical::INT64,
            Some(LogicalType::timestamp(true, TimeUnit::NANOS)),
        ),
        Id => (Physical::INT64, Some(LogicalType::integer(64, false))),
        Int | Code => (Physical::INT64, None),
        Float => (Physical::DOUBLE, None),
        Bool => (Physical::BOOLEAN, None),
        Text | Json => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
    };
    Type::primitive_type_builder(name, physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(logical)
        .build()
}

fn parquet_error(sink: &Out, e: ParquetError) -> CliError {
    sink.error(std::io::Error::other(e.to_string()))
}

fn io_error(e: ParquetError) -> CliError {
    CliError {
        code: crate::exit::IO,
        message: format!("cannot write Parquet: {e}"),
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_written_from_one_buffer() {
        let mut buf = Buf::new(ColumnKind::Text);
        assert!(buf.push(ColumnKind::Text, &Cell::Text("ab".into())));
        assert!(buf.push(ColumnKind::Text, &Cell::Null));
        assert!(buf.push(ColumnKind::Json, &Cell::Json("[1]".into())));
        assert!(!buf.push(ColumnKind::Text, &Cell::Int(1)));
        let Buf::Bytes(data, ends, defs) = buf else {
            panic!()
        };
        assert_eq!(
            (&data[..], &ends[..], &defs[..]),
            (&b"ab[1]"[..], &[2, 5][..], &[1, 0, 1][..])
        );
    }

    #[test]
    fn a_value_that_does_not_fit_is_refused() {
        let mut buf = Buf::new(ColumnKind::Code);
        assert!(buf.push(ColumnKind::Code, &Cell::Int(2)));
        assert!(!buf.push(ColumnKind::Code, &Cell::Text("BUY".into())));
        assert!(buf.push(ColumnKind::Code, &Cell::Null));
        let Buf::Int(v, d) = buf else { panic!() };
        assert_eq!((v, d), (vec![2], vec![1, 0]));
    }
}
