//! Choosing a file sink: `--format`, `-o` and `--columns` ([`OutputArgs`]),
//! from the formats of [`FORMATS`].

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use super::file::{Out, Target};
use super::{csv, json, jsonl, parquet, Format, Sink};
use crate::columns::{self, Column};
use crate::exit::CliError;

/// Every file format, the default (CSV) first.
pub const FORMATS: &[&Format] = &[
    &csv::FORMAT,
    &json::FORMAT,
    &jsonl::FORMAT,
    &parquet::FORMAT,
];

impl Format {
    /// The format called `name`.
    pub fn named(name: &str) -> Option<&'static Format> {
        FORMATS.iter().copied().find(|f| f.name == name)
    }

    /// The explicit format, else the one `-o`'s extension names; CSV for
    /// stdout and names without an extension. An extension ttrest does not
    /// write is an error unless `--format` is given.
    pub fn resolve(
        explicit: Option<&'static Format>,
        path: Option<&Path>,
    ) -> Result<&'static Format, CliError> {
        if let Some(f) = explicit {
            return Ok(f);
        }
        let Some(ext) = path.and_then(Path::extension) else {
            return Ok(FORMATS[0]);
        };
        let ext = ext.to_string_lossy().to_ascii_lowercase();
        if let Some(f) = FORMATS
            .iter()
            .find(|f| f.extensions.contains(&ext.as_str()))
        {
            return Ok(f);
        }
        let names: Vec<String> = FORMATS
            .iter()
            .map(|f| {
                let dotted: Vec<String> = f.extensions.iter().map(|e| format!(".{e}")).collect();
                dotted.join("/")
            })
            .collect();
        Err(CliError::usage(format!(
            "-o {}: ttrest does not write .{ext} files",
            path.unwrap_or(Path::new("")).display()
        ))
        .hint(format!(
            "name a {} file, or say which format to write with --format",
            or_list(&names)
        )))
    }
}

/// `a, b, c or d`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// `--format`'s parser: the names of [`FORMATS`], each with its help.
pub fn format_parser() -> impl TypedValueParser<Value = &'static Format> {
    PossibleValuesParser::new(
        FORMATS
            .iter()
            .map(|f| PossibleValue::new(f.name).help(f.help)),
    )
    .map(|name| Format::named(&name).unwrap_or(FORMATS[0]))
}

/// Where and how an export's records are written.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Output format [default: from -o's extension (.csv, .json, .jsonl/.ndjson,
    /// .parquet; another extension is an error), else csv].
    #[arg(long, value_parser = format_parser())]
    pub format: Option<&'static Format>,
    /// Write to FILE instead of stdout (`-` is stdout). A regular file is
    /// written atomically (it appears only once complete; a symlink's target is
    /// written); a device, FIFO or /dev/fd/N is written in place; with --follow
    /// the file itself gets each batch of lines as it comes.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV columns instead of the defaults: field names, `a.b` for nested
    /// fields, `header:field`, `header:@field` for an epoch-ns field as RFC 3339.
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Option<Vec<String>>,
}

impl OutputArgs {
    /// The file sink these options name, for records whose default columns
    /// are `defaults`; `follow` writes a regular file in place, batch by batch.
    pub fn open(&self, defaults: &[&str], follow: bool) -> Result<Box<dyn Sink>, CliError> {
        let path = self.output.as_deref();
        let format = Format::resolve(self.format, Target::of(path)?.name())?;
        let columns = match &self.columns {
            Some(list) => {
                columns::check(list, defaults)?;
                list.iter()
                    .map(|c| Column::parse(c, columns::table_of(defaults)))
                    .collect()
            }
            None => Column::list(defaults),
        };
        open(format, columns, path, follow)
    }
}

/// A sink of `format` writing `columns` to `path` (stdout when `None`).
/// A regular file appears at `path` only when the sink finishes; with
/// `follow` it is written in place instead, one batch at a time.
pub fn open(
    format: &Format,
    columns: Vec<Column>,
    path: Option<&Path>,
    follow: bool,
) -> Result<Box<dyn Sink>, CliError> {
    if follow {
        format.streams()?;
    }
    (format.open)(Out::open(path, follow)?, columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension_unless_given() {
        let named = |n: &str| Format::named(n).unwrap();
        let p = |s: &str| Some(PathBuf::from(s));
        let f =
            |e: Option<&'static Format>, s: &str| Format::resolve(e, p(s).as_deref()).unwrap().name;
        assert_eq!(f(None, "a.json"), "json");
        assert_eq!(f(None, "a.NDJSON"), "jsonl");
        assert_eq!(f(None, "a.csv"), "csv");
        assert_eq!(f(None, "a.parquet"), "parquet");
        assert_eq!(f(None, "/dev/null"), "csv");
        assert_eq!(Format::resolve(None, None).unwrap().name, "csv");
        assert_eq!(f(Some(named("jsonl")), "a.csv"), "jsonl");
        assert_eq!(f(Some(named("csv")), "a.xlsx"), "csv");
        let err = Format::resolve(None, p("a.xlsx").as_deref()).unwrap_err();
        assert_eq!(err.code, crate::exit::USAGE);
        assert!(err.message.contains(".xlsx"));
        let hint = err.hint.unwrap();
        assert!(
            hint.contains(".csv, .json, .jsonl/.ndjson or .parquet"),
            "{hint}"
        );
    }

    #[test]
    fn only_line_formats_follow() {
        for f in FORMATS {
            let follows = f.streams().is_ok();
            assert_eq!(follows, ["csv", "jsonl"].contains(&f.name), "{f:?}");
        }
        let err = Format::named("json").unwrap().streams().unwrap_err();
        assert!(err.message.contains("--follow cannot write json"));
    }
}
