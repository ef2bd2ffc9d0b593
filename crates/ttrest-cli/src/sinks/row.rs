//! An export's columns read from a record's JSON text in one pass
//! (`ttrest::columns::CellReader`), with no `serde_json::Value` per record:
//! what the CSV and Parquet sinks share.
//!
//! A column's fields are tried in order: top-level fields through the
//! reader (the first spelling the record has), then nested paths (`a.b`),
//! whose top-level field the reader keeps as JSON text and which alone are
//! parsed (only records with such a column pay for it).

use std::borrow::Cow;

use serde_json::Value;
use ttrest::columns::{read_cell, Cell, CellReader, ColumnKind, Rest};

use crate::columns::{lookup, Column};

/// The top-level field of a nested path.
struct Top {
    cell: usize,
    name: String,
    /// Output columns reading the field itself (`company` next to `company.id`).
    readers: Vec<usize>,
}

/// Reads the cells of some columns from records' JSON text.
pub struct RowReader {
    reader: CellReader,
    /// Per output column, its nested paths in order: (cell of the top-level
    /// field, path below it). Empty for most columns.
    nested: Vec<Vec<(usize, String)>>,
    /// Each nested path's top-level field: its cell, its name, and the
    /// output columns that read it as it is.
    tops: Vec<Top>,
    /// The columns' kinds.
    kinds: Vec<ColumnKind>,
}

impl RowReader {
    /// A reader of `columns`, each read as `kind(column)`.
    pub fn new(columns: &[Column], kind: impl Fn(&Column) -> ColumnKind) -> RowReader {
        let width = columns.len();
        let mut tops: Vec<Top> = Vec::new();
        let mut nested = Vec::with_capacity(width);
        let mut spellings: Vec<(Vec<String>, ColumnKind)> = Vec::new();
        for c in columns {
            let mut flat = Vec::new();
            let mut paths = Vec::new();
            for field in &c.fields {
                match field.split_once('.') {
                    None => flat.push(field.clone()),
                    Some((top, path)) => {
                        let cell = match tops.iter().find(|t| t.name == top) {
                            Some(t) => t.cell,
                            None => {
                                let cell = width + tops.len();
                                tops.push(Top {
                                    cell,
                                    name: top.to_string(),
                                    readers: Vec::new(),
                                });
                                cell
                            }
                        };
                        paths.push((cell, path.to_string()));
                    }
                }
            }
            spellings.push((flat, kind(c)));
            nested.push(paths);
        }
        for top in &mut tops {
            top.readers = (0..width)
                .filter(|&c| spellings[c].0.contains(&top.name))
                .collect();
        }
        let kinds: Vec<ColumnKind> = spellings.iter().map(|(_, k)| *k).collect();
        spellings.extend(
            tops.iter()
                .map(|t| (vec![t.name.clone()], ColumnKind::Json)),
        );
        RowReader {
            reader: CellReader::from_fields(spellings),
            nested,
            tops,
            kinds,
        }
    }

    /// How many cells [`read`](Self::read) fills: the columns', then one
    /// per nested path's top-level field.
    pub fn len(&self) -> usize {
        self.reader.len()
    }

    /// Reads `record` (a JSON object) into `cells` ([`len`](Self::len) of them):
    /// cell `i` is column `i`'s, [`Cell::Null`] where the record has none of
    /// its fields or its value does not read as its kind. With `rest`, every
    /// field no column holds is handed to it (name, JSON text), in the same pass.
    pub fn read<'a>(
        &self,
        record: &'a str,
        cells: &mut [Cell<'a>],
        rest: Rest<'_, 'a>,
    ) -> Result<(), serde_json::Error> {
        match rest {
            None => self.reader.read_into(record, cells)?,
            Some(rest) => {
                self.reader.read_with_rest(record, cells, rest)?;
                // A nested path's top-level field is kept whole in the rest,
                // unless a column holds it as it is.
                for top in &self.tops {
                    // A value's JSON text is always borrowed from the record.
                    if let Cell::Json(Cow::Borrowed(text)) = cells[top.cell] {
                        if top.readers.iter().all(|&c| cells[c].is_null()) {
                            rest(&top.name, text);
                        }
                    }
                }
            }
        }
        for (column, paths) in self.nested.iter().enumerate() {
            if !cells[column].is_null() {
                continue;
            }
            for (cell, path) in paths {
                let Cell::Json(text) = &cells[*cell] else {
                    continue;
                };
                let value: Option<Value> = serde_json::from_str(text).ok();
                let found = value.as_ref().and_then(|v| lookup(v, path));
                if let Some(v) = found.filter(|v| !v.is_null()) {
                    let text = v.to_string();
                    cells[column] = read_cell(&text, self.kinds[column]).into_owned();
                    break;
                }
            }
        }
        Ok(())
    }
}
