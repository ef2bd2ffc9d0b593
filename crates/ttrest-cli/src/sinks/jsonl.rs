//! JSON lines: one JSON object per line. A fill's text is copied as TT sent
//! it (compacted only if it spans lines); on stdout each line is flushed as
//! it is written, for pipes that read as records arrive.

use std::io::Write;

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::file::Out;
use super::{Format, Sink};
use crate::columns::Column;
use crate::exit::CliError;
use crate::record::Record;

/// `--format jsonl`.
pub const FORMAT: Format = Format {
    name: "jsonl",
    help: "One JSON object per line, written as records arrive",
    extensions: &["jsonl", "ndjson"],
    no_follow: None,
    open: JsonlSink::open,
};

/// Writes one line per record to an [`Out`].
pub struct JsonlSink {
    out: Out,
    /// Flush after every record (stdout).
    each: bool,
}

impl JsonlSink {
    /// JSON lines have no columns.
    fn open(out: Out, _columns: Vec<Column>) -> Result<Box<dyn Sink>, CliError> {
        let each = out.is_stdout();
        Ok(Box::new(JsonlSink { out, each }))
    }
}

impl Sink for JsonlSink {
    fn write(&mut self, record: &Record) -> Result<(), CliError> {
        let line = record.one_line();
        let out = &mut self.out;
        let written = writeln!(out, "{line}").and_then(|_| match self.each {
            true => out.flush(),
            false => Ok(()),
        });
        written.map_err(|e| self.out.error(e))
    }

    fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(|e| self.out.error(e))
    }

    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>> {
        let done = self.out.commit();
        async move { done }.boxed_local()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::RawFill;

    #[tokio::test]
    async fn raw_fills_are_written_as_sent_on_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let mut w = crate::sinks::output::open(&FORMAT, Vec::new(), Some(&target), false).unwrap();
        w.write(
            &RawFill::from_json(r#"{"timeStamp":1,"a":"x"}"#)
                .unwrap()
                .into(),
        )
        .unwrap();
        w.write(
            &RawFill::from_json("{\"timeStamp\":2,\n \"b\": [1, 2]}")
                .unwrap()
                .into(),
        )
        .unwrap();
        w.write(&serde_json::json!({"c": 3}).into()).unwrap();
        w.finish().await.unwrap();
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "{\"timeStamp\":1,\"a\":\"x\"}\n{\"timeStamp\":2,\"b\":[1,2]}\n{\"c\":3}\n"
        );
    }
}
