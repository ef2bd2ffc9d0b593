//! The column tables of record types (`ttrest::columns::FILL` ...): one row
//! per property of a record's schema, with its output name, its JSON field
//! (and the other spellings the normalizer folded into it, `x-ttrest-also`)
//! and a column kind taken from the schema, never from the field's name:
//!
//! - `x-rust-type` `ttrest::scalar::Timestamp` → `Timestamp`, `TtId` → `Id`,
//!   `Code` → `Code`, `TtBool` → `Bool` (any other is an error: name its kind
//!   here);
//! - else `type`: `integer` → `Int` (`Id` with format `uint64`), `number` →
//!   `Float`, `string` → `Text`, `boolean` → `Bool`;
//! - else (a `$ref`, an array, an object, an untyped field) → `Json`.

use std::collections::BTreeSet;
use std::path::Path;

use heck::ToSnakeCase;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::CodegenError;

/// The tables generated: constant name, service, schema, and what the docs say.
pub const TABLES: &[(&str, &str, &str)] = &[
    ("FILL", "ttledger", "Fill"),
    ("ORDER", "ttledger", "Order"),
    ("POSITION", "ttmonitor", "Position"),
    ("ACCOUNT", "ttaccount", "Account"),
    ("USER", "ttuser", "User"),
    ("MARKET", "ttpds", "Market"),
    ("PRODUCT", "ttpds", "Product"),
    ("INSTRUMENT", "ttpds", "Instrument"),
];

/// Generates `columns.rs` (included by `ttrest::columns`) from the specs in
/// `normalized_dir`; pretty-printed, with the generated-file header.
pub fn generate_columns_file(normalized_dir: &Path) -> Result<String, CodegenError> {
    let mut items = Vec::new();
    for (constant, service, schema) in TABLES {
        let path = normalized_dir.join(format!("{service}.json"));
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| CodegenError::Read {
            path: shown.clone(),
            source,
        })?;
        let spec: Value = serde_json::from_str(&text).map_err(|source| CodegenError::Parse {
            path: shown.clone(),
            source,
        })?;
        let columns = table(&shown, &spec, schema)?;
        let ident = format_ident!("{constant}");
        let doc = format!(
            " The columns of a `{schema}` record ({service}), one per property of its schema, \
             in the spec's order."
        );
        let rows = columns.iter().map(|c| {
            let (name, field, kind) = (&c.name, &c.field, format_ident!("{}", c.kind));
            let also = &c.also;
            quote! {
                Column { name: #name, field: #field, also: &[#(#also),*], kind: ColumnKind::#kind }
            }
        });
        items.push(quote! {
            #[doc = #doc]
            pub const #ident: &[Column] = &[#(#rows),*];
        });
    }
    let file: syn::File =
        syn::parse2(quote! { #(#items)* }).map_err(|e| CodegenError::Generate {
            path: normalized_dir.display().to_string(),
            message: format!("the column tables do not parse as Rust: {e}"),
        })?;
    Ok(format!("{}{}", crate::HEADER, prettyplease::unparse(&file)))
}

/// One generated column.
#[derive(Debug, PartialEq, Eq)]
struct Col {
    name: String,
    field: String,
    also: Vec<String>,
    kind: &'static str,
}

/// The columns of `schema` in `spec` (read from `origin`).
fn table(origin: &str, spec: &Value, schema: &str) -> Result<Vec<Col>, CodegenError> {
    let fail = |message: String| CodegenError::Generate {
        path: origin.to_string(),
        message,
    };
    let properties = spec
        .pointer(&format!("/components/schemas/{schema}/properties"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            fail(format!(
                "no schema `{schema}` with properties, which ttrest::columns needs; \
                 restore it in the spec or drop it from ttrest-codegen's column TABLES"
            ))
        })?;
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (field, property) in properties {
        let kind = kind(property).map_err(|m| fail(format!("`{schema}.{field}`: {m}")))?;
        let name = field.to_snake_case();
        if !names.insert(name.clone()) {
            return Err(fail(format!(
                "`{schema}.{field}`: two properties make the column name `{name}`; \
                 fold one into the other in the normalizer (rule 20)"
            )));
        }
        let also = property
            .get("x-ttrest-also")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        out.push(Col {
            name,
            field: field.clone(),
            also,
            kind,
        });
    }
    Ok(out)
}

/// The column kind of one property's schema (see the module docs).
fn kind(property: &Value) -> Result<&'static str, String> {
    if let Some(path) = property
        .pointer("/x-rust-type/path")
        .and_then(Value::as_str)
    {
        return match path {
            "ttrest::scalar::Timestamp" => Ok("Timestamp"),
            "ttrest::scalar::TtId" => Ok("Id"),
            "ttrest::scalar::Code" => Ok("Code"),
            "ttrest::scalar::TtBool" => Ok("Bool"),
            other => Err(format!(
                "x-rust-type `{other}` has no column kind; give it one in \
                 crates/ttrest-codegen/src/columns.rs"
            )),
        };
    }
    if property.get("$ref").is_some() {
        return Ok("Json");
    }
    let format = property.get("format").and_then(Value::as_str);
    Ok(
        match (property.get("type").and_then(Value::as_str), format) {
            (Some("integer"), Some("uint64")) => "Id",
            (Some("integer"), _) => "Int",
            (Some("number"), _) => "Float",
            (Some("string"), _) => "Text",
            (Some("boolean"), _) => "Bool",
            _ => "Json",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_come_from_the_schema_not_the_name() {
        let spec = json!({"components": {"schemas": {"Fill": {"properties": {
            "timeStamp": {"anyOf": [{"type": "integer"}, {"type": "string"}],
                          "x-rust-type": {"path": "ttrest::scalar::Timestamp"}},
            "side": {"anyOf": [{"type": "integer"}, {"type": "string"}],
                     "x-rust-type": {"path": "ttrest::scalar::Code"}},
            "orderId": {"type": "string"},
            "accountId": {"type": "integer", "format": "int64"},
            "lastPx": {"type": "number"},
            "execId": {"type": "string", "x-ttrest-also": ["execID"]},
            "parties": {"type": "array", "items": {"$ref": "#/components/schemas/P"}},
            "giveUp": {},
        }}}}});
        let cols = table("t.json", &spec, "Fill").unwrap();
        let got: Vec<(&str, &str, &str)> = cols
            .iter()
            .map(|c| (c.name.as_str(), c.field.as_str(), c.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("time_stamp", "timeStamp", "Timestamp"),
                ("side", "side", "Code"),
                ("order_id", "orderId", "Text"),
                ("account_id", "accountId", "Int"),
                ("last_px", "lastPx", "Float"),
                ("exec_id", "execId", "Text"),
                ("parties", "parties", "Json"),
                ("give_up", "giveUp", "Json"),
            ]
        );
        assert_eq!(cols[5].also, ["execID"]);
    }

    #[test]
    fn an_unknown_rust_type_or_a_missing_schema_is_an_error_naming_it() {
        let spec = json!({"components": {"schemas": {"Fill": {"properties": {
            "x": {"x-rust-type": {"path": "other::Thing"}},
        }}}}});
        let e = table("t.json", &spec, "Fill").unwrap_err().to_string();
        assert!(e.contains("Fill.x") && e.contains("other::Thing"), "{e}");
        let e = table("t.json", &spec, "Order").unwrap_err().to_string();
        assert!(e.contains("t.json") && e.contains("`Order`"), "{e}");
    }
}
