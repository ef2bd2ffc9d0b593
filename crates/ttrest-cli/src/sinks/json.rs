//! JSON: one array of every record (`[]` for none), and [`write_document`]
//! for a single JSON answer (`ttrest call`).

use std::io::Write;
use std::path::Path;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde_json::Value;

use super::file::Out;
use super::{Format, Sink};
use crate::columns::Column;
use crate::exit::CliError;
use crate::record::Record;

/// `--format json`.
pub const FORMAT: Format = Format {
    name: "json",
    help: "One JSON array",
    extensions: &["json"],
    no_follow: Some((
        "a JSON array needs an end, which a follow never reaches",
        "use --format jsonl (one JSON object per line) or csv",
    )),
    open: JsonSink::open,
};

/// Writes one JSON array to an [`Out`], a record per line.
pub struct JsonSink {
    out: Out,
    /// No record written yet.
    first: bool,
}

impl JsonSink {
    /// A JSON array has no columns.
    fn open(out: Out, _columns: Vec<Column>) -> Result<Box<dyn Sink>, CliError> {
        Ok(Box::new(JsonSink { out, first: true }))
    }
}

impl Sink for JsonSink {
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        let lead = if self.first { "[\n" } else { ",\n" };
        self.first = false;
        let item = record.one_line();
        write!(self.out, "{lead}{item}").map_err(|e| self.out.error(e))
    }

    fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(|e| self.out.error(e))
    }

    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>> {
        let JsonSink { mut out, first } = *self;
        let end = if first { "[]\n" } else { "\n]\n" };
        let done = match out.write_all(end.as_bytes()) {
            Ok(()) => out.commit(),
            Err(e) => Err(out.error(e)),
        };
        async move { done }.boxed_local()
    }
}

/// Writes one JSON document (pretty-printed) to stdout or atomically to `path`.
pub fn write_document(value: &Value, path: Option<&Path>) -> Result<(), CliError> {
    let mut out = Out::open(path, false)?;
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    writeln!(out, "{text}").map_err(|e| out.error(e))?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn json_output_is_one_valid_array() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0, 2] {
            let target = dir.path().join(format!("{n}.json"));
            let mut w =
                crate::sinks::output::open(&FORMAT, Vec::new(), Some(&target), false).unwrap();
            for i in 0..n {
                w.write(&json!({"i": i}).into()).unwrap();
            }
            w.finish().await.unwrap();
            let back: Vec<Value> =
                serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
            assert_eq!(back.len(), n);
        }
    }

    #[test]
    fn a_dropped_sink_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        let mut w = crate::sinks::output::open(&FORMAT, Vec::new(), Some(&target), false).unwrap();
        w.write(&json!({"a": 1}).into()).unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
