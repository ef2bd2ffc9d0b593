//! Rule 20: properties whose Rust field names collide keep one spelling.
//!
//! TT spells some fields two ways in one object (`execID` and `execId` on a
//! fill). typify names both `exec_id`, and a struct cannot declare a field twice.
//! Of each colliding group the property spelled as the lowerCamelCase of its Rust
//! name (`execId`) stays typed; the others are removed from the schema, and the
//! kept one's description says so and its `x-ttrest-also` lists them (the
//! column tables of `ttrest::columns` read a field under either spelling). In a
//! response the removed spellings still arrive, in the `extra` map of rule 16.

use std::collections::BTreeMap;

use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::{Map, Value};
use unicode_ident::{is_xid_continue, is_xid_start};

use super::{walk, Ctx};

/// Drops all but one property of every group that maps to one Rust field name.
pub fn field_collisions(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, _| {
        resolve(schema);
        Ok(())
    })
}

/// Resolves the collisions among one object schema's properties.
fn resolve(schema: &mut Map<String, Value>) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in props.keys() {
        groups
            .entry(rust_field_name(name))
            .or_default()
            .push(name.clone());
    }
    let keeps_extra = schema
        .get("additionalProperties")
        .is_some_and(|a| a != &Value::Bool(false));
    for (field, mut names) in groups.into_iter().filter(|(_, n)| n.len() > 1) {
        names.sort_by_key(|name| preference(name, &field));
        let (kept, dropped) = names.split_first().expect("a group has two names or more");
        for name in dropped {
            remove_property(schema, name);
        }
        if let Some(kept) = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut(kept))
            .and_then(Value::as_object_mut)
            .filter(|p| !p.contains_key("$ref"))
        {
            describe(kept, dropped, keeps_extra);
        }
    }
}

/// Sort key: the lowerCamelCase spelling first, then fewer capitals, then by name.
fn preference(name: &str, field: &str) -> (bool, usize, String) {
    let camel = field.trim_end_matches('_').to_lower_camel_case();
    let capitals = name.chars().filter(|c| c.is_uppercase()).count();
    (name != camel, capitals, name.to_string())
}

fn remove_property(schema: &mut Map<String, Value>, name: &str) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.shift_remove(name);
    }
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| r.as_str() != Some(name));
    }
}

/// Appends to the kept property's description where the other spellings go.
fn describe(kept: &mut Map<String, Value>, dropped: &[String], keeps_extra: bool) {
    let spellings: Vec<String> = dropped.iter().map(|n| format!("`{n}`")).collect();
    let fate = match (dropped.len() > 1, keeps_extra) {
        (false, true) => "that spelling arrives in `extra`",
        (true, true) => "those spellings arrive in `extra`",
        (false, false) => "that spelling is not a typed field",
        (true, false) => "those spellings are not typed fields",
    };
    let note = format!(
        "TT also sends this field as {}; {fate}.",
        spellings.join(" and ")
    );
    let text = match kept.get("description").and_then(Value::as_str) {
        Some(old) if !old.trim().is_empty() => format!("{}\n\n{note}", old.trim_end()),
        _ => note,
    };
    kept.insert("description".into(), Value::String(text));
    kept.insert(
        "x-ttrest-also".into(),
        Value::Array(dropped.iter().cloned().map(Value::String).collect()),
    );
}

/// The Rust field name typify 0.8 gives a property (`typify_impl::util::sanitize`
/// with `Case::Snake`, which is crate-private and so mirrored here).
pub fn rust_field_name(name: &str) -> String {
    let out = match name {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => name
            .replace('\'', "")
            .replace(|c| !is_xid_continue(c), "-")
            .to_snake_case(),
    };
    let out = match out.chars().next() {
        None => "x".to_string(),
        Some(c) if is_xid_start(c) => out,
        Some(_) => format!("x{out}"),
    };
    if RESERVED.contains(&out.as_str()) {
        format!("{out}_")
    } else {
        out
    }
}

/// Names typify suffixes with `_` (`typify_impl::util::accept_as_ident`).
const RESERVED: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "Self", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(mut spec: Value) -> Value {
        field_collisions(
            &mut spec,
            &Ctx {
                service: "ttledger",
            },
        )
        .unwrap();
        spec
    }

    #[test]
    fn rust_names_match_typify() {
        for (name, want) in [
            ("execID", "exec_id"),
            ("execId", "exec_id"),
            ("exec_id", "exec_id"),
            ("lastPage", "last_page"),
            ("type", "type_"),
            ("+1", "plus1"),
            ("1st", "x1st"),
            ("won't", "wont"),
            ("a.b", "a_b"),
            ("", "x"),
        ] {
            assert_eq!(rust_field_name(name), want, "{name:?}");
        }
    }

    #[test]
    fn keeps_the_camel_case_spelling_and_says_where_the_other_goes() {
        let spec = run(json!({"components": {"schemas": {"Fill": {
            "type": "object",
            "required": ["execID"],
            "properties": {
                "execID": {"type": "string", "description": "Execution id."},
                "execId": {"type": "string", "description": "Execution id."},
                "price": {"type": "number"},
            },
            "additionalProperties": {},
        }}}}));
        let fill = &spec["components"]["schemas"]["Fill"];
        let props = fill["properties"].as_object().unwrap();
        assert_eq!(props.keys().collect::<Vec<_>>(), ["execId", "price"]);
        assert_eq!(
            props["execId"]["description"],
            "Execution id.\n\nTT also sends this field as `execID`; that spelling arrives in `extra`."
        );
        assert_eq!(props["execId"]["x-ttrest-also"], json!(["execID"]));
        assert_eq!(fill["required"], json!([]));
        assert_eq!(run(spec.clone()), spec, "idempotent");
    }

    #[test]
    fn three_spellings_without_extra_and_without_a_camel_case_one() {
        let spec = run(json!({"components": {"schemas": {"Req": {"properties": {
            "ORDER_ID": {"type": "string"},
            "Order_Id": {"type": "string"},
            "order__id": {"type": "string"},
        }}}}}));
        let props = spec["components"]["schemas"]["Req"]["properties"]
            .as_object()
            .unwrap();
        assert_eq!(props.keys().collect::<Vec<_>>(), ["order__id"]);
        assert_eq!(
            props["order__id"]["description"],
            "TT also sends this field as `Order_Id` and `ORDER_ID`; those spellings are not typed fields."
        );
    }
}
