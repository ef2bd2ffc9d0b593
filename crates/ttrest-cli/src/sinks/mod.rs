//! Sinks: where a dataset's records go, one module per destination, all
//! behind [`Sink`].
//!
//! | module | destination |
//! |---|---|
//! | [`csv`] | CSV with a header row, columns read from the record's text |
//! | [`jsonl`] | one JSON object per line, a fill's text copied as sent |
//! | [`json`] | one JSON array |
//! | [`parquet`] | Apache Parquet, typed columns plus `extra` |
//! | [`store`] | a `ttrest-store` database (SQLite or PostgreSQL) |
//!
//! The file formats share [`file::Out`] (atomic rename, devices and FIFOs,
//! `--follow` appends) and are listed in [`output::FORMATS`], which
//! `--format` and `-o`'s extension choose from: a new format is a new module
//! with a [`Format`] constant, named once in that list.

pub mod csv;
pub mod file;
pub mod json;
pub mod jsonl;
pub mod output;
pub mod parquet;
pub mod row;
pub mod store;

use std::fmt;

use futures::future::LocalBoxFuture;

use crate::columns::Column;
use crate::exit::CliError;
use crate::record::Record;
use file::Out;

/// A destination of records: write each, flush between batches, finish once.
pub trait Sink {
    /// Writes (or buffers) one record.
    fn write(&mut self, record: &Record) -> Result<(), CliError>;

    /// Hands what the records so far hold to the destination, in whole
    /// records (`--follow` calls this after each batch).
    fn flush(&mut self) -> Result<(), CliError>;

    /// Ends the output: a file's trailer and its rename into place, a
    /// database's commit. A sink dropped unfinished leaves nothing behind.
    fn finish(self: Box<Self>) -> LocalBoxFuture<'static, Result<(), CliError>>;
}

/// A file format: its name for `--format`, the extensions that imply it,
/// and how to open a sink of it over an [`Out`].
pub struct Format {
    /// The `--format` value.
    pub name: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    /// File extensions (lowercase, no dot) that choose it.
    pub extensions: &'static [&'static str],
    /// Why it cannot be appended batch by batch (`--follow`), with a hint;
    /// `None` if it can.
    pub no_follow: Option<(&'static str, &'static str)>,
    /// Opens a sink of this format writing `columns` (where it has columns) to `out`.
    pub open: OpenSink,
}

/// How a [`Format`] opens its sink over an [`Out`], given its columns.
pub type OpenSink = fn(Out, Vec<Column>) -> Result<Box<dyn Sink>, CliError>;

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

impl Format {
    /// Whether records can be appended one batch at a time (`--follow`).
    pub fn streams(&self) -> Result<(), CliError> {
        match self.no_follow {
            None => Ok(()),
            Some((why, hint)) => Err(CliError::usage(format!(
                "--follow cannot write {}: {why}",
                self.name
            ))
            .hint(hint)),
        }
    }
}
