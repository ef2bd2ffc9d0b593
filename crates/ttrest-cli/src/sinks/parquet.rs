//! Parquet output (`--format parquet`, `-o FILE.parquet`).
//!
//! One typed column per output column: epoch-ns times as `TIMESTAMP(NANOS,
//! UTC)`, numeric TT ids as unsigned 64-bit integers, prices and quantities as
//! doubles, other fields as UTF-8 strings (nested values as JSON). The `extra`
//! column holds, as a JSON object, every field of the record that no column
//! holds (or whose value does not fit its column's type), so nothing TT sends
//! is lost. Rows are buffered [`ROW_GROUP`] at a time and written as one row
//! group, so memory stays flat whatever the record count.

use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use serde_json::{Map, Value};

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::file::Out;
use super::{Format, Sink};
use crate::columns::{lookup, Column};
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

/// How a column stores its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Epoch ns, as a timestamp.
    Time,
    /// A numeric id, unsigned.
    U64,
    /// A small signed integer (e.g. `side`).
    I64,
    /// A double.
    F64,
    /// UTF-8 text.
    Str,
}

/// Fields that end in `Id` but are not numbers at TT (uuids, exchange ids).
const TEXT_IDS: &[&str] = &[
    "recordId",
    "uniqueExecId",
    "execId",
    "execID",
    "orderId",
    "parentOrderId",
    "secondaryOrderId",
    "connectionId",
    "omaParentOrderId",
    "clOrdId",
    "secondaryClOrdId",
    "secondaryClOrderId",
    "tradeReportId",
    "crossId",
    "requestId",
    // Exchange security ids are not always numbers.
    "securityId",
];

/// Numbers whose names carry no other hint (instrument tick and size fields).
const DOUBLES: &[&str] = &[
    "tickSize",
    "tickValue",
    "pointValue",
    "displayFactor",
    "tickSizeNumerator",
    "tickSizeDenominator",
    "roundLotQty",
];

/// Integers that are not ids (`expirationDate` is YYYYMMDDhhmmss as a number).
const INTEGERS: &[&str] = &[
    "side",
    "expirationDate",
    "lastTradeDate",
    "displayType",
    "seriesTermId",
    "securityExchange",
];

const TIMES: &[&str] = &[
    "timeStamp",
    "tradeDate",
    "transactTime",
    "dateTime",
    "timeSentClient",
    "timeSentTT",
];

const NUMBER_HINTS: &[&str] = &[
    "Px", "Qty", "Price", "price", "Pnl", "pnl", "Position", "NetPos", "avg", "Quantity", "Limit",
    "Used", "Amount",
];

/// The kind of a column from its field's name (`@field` columns are times).
pub fn kind_of(field: &str, as_time: bool) -> Kind {
    if as_time || TIMES.contains(&field) {
        return Kind::Time;
    }
    if INTEGERS.contains(&field) {
        return Kind::I64;
    }
    if DOUBLES.contains(&field) {
        return Kind::F64;
    }
    // Enumeration codes (`pnlPriceType` is "MIDPOINT"), kept as sent.
    if field.ends_with("Type") {
        return Kind::Str;
    }
    if (field == "id" || field.ends_with("Id")) && !TEXT_IDS.contains(&field) {
        return Kind::U64;
    }
    if NUMBER_HINTS.iter().any(|h| field.contains(h)) {
        return Kind::F64;
    }
    Kind::Str
}

/// One output column.
struct Col {
    name: String,
    fields: Vec<String>,
    kind: Kind,
    buf: Buf,
}

/// A column's buffered values and definition levels (0: null, 1: present).
enum Buf {
    Int(Vec<i64>, Vec<i16>),
    Double(Vec<f64>, Vec<i16>),
    Bytes(Vec<ByteArray>, Vec<i16>),
}

/// Writes records as Parquet into an [`Out`], a row group at a time.
pub struct Encoder {
    writer: SerializedFileWriter<Out>,
    cols: Vec<Col>,
    extra: Buf,
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
        let mut cols: Vec<Col> = Vec::new();
        for c in columns {
            let Some(first) = c.fields.first() else {
                continue;
            };
            // A default column repeating another's field (`time` next to
            // `timeStamp`, both timestamps here) is left out.
            let taken = |col: &Col| {
                col.name == c.header || (c.default && col.fields.first() == Some(first))
            };
            if c.header == EXTRA || cols.iter().any(taken) {
                continue;
            }
            let kind = kind_of(first, c.as_time);
            cols.push(Col {
                name: c.header.clone(),
                fields: c.fields.clone(),
                kind,
                buf: Buf::new(kind),
            });
        }
        let mut fields: Vec<Arc<Type>> = cols
            .iter()
            .map(|c| field(&c.name, c.kind).map(Arc::new))
            .collect::<Result<_, _>>()
            .map_err(|e| parquet_error(&sink, e))?;
        fields.push(Arc::new(
            field(EXTRA, Kind::Str).map_err(|e| parquet_error(&sink, e))?,
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
            extra: Buf::new(Kind::Str),
            rows: 0,
        })
    }

    /// Buffers one record; writes a row group when [`ROW_GROUP`] are buffered.
    pub fn write_value(&mut self, record: &Value) -> Result<(), CliError> {
        let mut extra: Map<String, Value> = match record {
            Value::Object(map) => map.clone(),
            other => {
                let mut m = Map::new();
                m.insert("value".into(), other.clone());
                m
            }
        };
        for col in &mut self.cols {
            let found = col
                .fields
                .iter()
                .find_map(|f| lookup(record, f).map(|v| (f, v)));
            let fitted = match found {
                None | Some((_, Value::Null)) => col.buf.push_null(),
                Some((name, v)) => {
                    let ok = col.buf.push(col.kind, v);
                    if ok && !name.contains('.') {
                        extra.remove(name.as_str());
                    }
                    ok
                }
            };
            if !fitted {
                col.buf.push_null();
            }
        }
        match extra.is_empty() {
            true => self.extra.push_null(),
            false => self
                .extra
                .push(Kind::Str, &Value::String(Value::Object(extra).to_string())),
        };
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

impl Sink for Encoder {
    /// Typed columns: each value is read into its column's type.
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        self.write_value(&record.value())
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
    fn new(kind: Kind) -> Buf {
        match kind {
            Kind::Time | Kind::U64 | Kind::I64 => Buf::Int(Vec::new(), Vec::new()),
            Kind::F64 => Buf::Double(Vec::new(), Vec::new()),
            Kind::Str => Buf::Bytes(Vec::new(), Vec::new()),
        }
    }

    /// Always true: a null fits every column.
    fn push_null(&mut self) -> bool {
        match self {
            Buf::Int(_, d) | Buf::Double(_, d) | Buf::Bytes(_, d) => d.push(0),
        }
        true
    }

    /// Adds `v` if it fits `kind`; false (nothing added) if not.
    fn push(&mut self, kind: Kind, v: &Value) -> bool {
        let int = |v: &Value| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match (self, kind) {
            (Buf::Int(vals, defs), Kind::U64) => {
                let n = match v {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                };
                // Parquet stores an unsigned 64-bit integer in INT64's bits.
                n.map(|n| {
                    vals.push(n as i64);
                    defs.push(1);
                })
                .is_some()
            }
            (Buf::Int(vals, defs), _) => int(v)
                .map(|n| {
                    vals.push(n);
                    defs.push(1);
                })
                .is_some(),
            (Buf::Double(vals, defs), _) => match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
            .map(|x| {
                vals.push(x);
                defs.push(1);
            })
            .is_some(),
            (Buf::Bytes(vals, defs), _) => {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                vals.push(ByteArray::from(text.into_bytes()));
                defs.push(1);
                true
            }
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
            (Buf::Bytes(v, d), ColumnWriter::ByteArrayColumnWriter(w)) => {
                w.write_batch(v, Some(d), None)?;
                v.clear();
                d.clear();
            }
            _ => return Err(ParquetError::General("column type mismatch".into())),
        }
        Ok(())
    }
}

/// The schema field of one column (all optional: TT omits fields freely).
fn field(name: &str, kind: Kind) -> Result<Type, ParquetError> {
    let (physical, logical) = match kind {
        Kind::Time => (
            Physical::INT64,
            Some(LogicalType::timestamp(true, TimeUnit::NANOS)),
        ),
        Kind::U64 => (Physical::INT64, Some(LogicalType::integer(64, false))),
        Kind::I64 => (Physical::INT64, None),
        Kind::F64 => (Physical::DOUBLE, None),
        Kind::Str => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
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
    fn kinds_follow_tt_field_names() {
        assert_eq!(kind_of("timeStamp", false), Kind::Time);
        assert_eq!(kind_of("dateTime", false), Kind::Time);
        assert_eq!(kind_of("anything", true), Kind::Time);
        assert_eq!(kind_of("accountId", false), Kind::U64);
        assert_eq!(kind_of("id", false), Kind::U64);
        assert_eq!(kind_of("recordId", false), Kind::Str);
        assert_eq!(kind_of("orderId", false), Kind::Str);
        assert_eq!(kind_of("lastPx", false), Kind::F64);
        assert_eq!(kind_of("netPosition", false), Kind::F64);
        assert_eq!(kind_of("side", false), Kind::I64);
        assert_eq!(kind_of("securityDesc", false), Kind::Str);
    }

    #[test]
    fn a_value_that_does_not_fit_is_refused() {
        let mut buf = Buf::new(Kind::U64);
        assert!(buf.push(Kind::U64, &serde_json::json!("123")));
        assert!(!buf.push(Kind::U64, &serde_json::json!("abc")));
        assert!(!buf.push(Kind::U64, &serde_json::json!(-1)));
        let Buf::Int(v, d) = buf else { panic!() };
        assert_eq!((v, d), (vec![123], vec![1]));
    }
}
