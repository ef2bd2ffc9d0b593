//! Rule 18: optional arrays in responses keep the difference between `[]` and absent.
//!
//! typify generates an optional array property as
//! `#[serde(default, skip_serializing_if = "Vec::is_empty")] Vec<T>`, so a
//! response's `"fills": []` is written back without its `fills` key. Marking
//! such a property `nullable: true` makes typify generate `Option<Vec<T>>`
//! (skipped only when `None`): `[]` reads as `Some(vec![])` and is written back,
//! a missing key reads as `None` and stays missing.
//!
//! Only response-side schemas change (as in rule 16): in a request the client
//! decides what it sends, and an empty `Vec` is the simpler thing to build.
//! Required arrays are already kept as they are; arrays reached through a
//! `$ref` cannot carry `nullable` and are left alone.

use serde_json::{Map, Value};

use super::extra_fields::{in_request_body, request_only_components};
use super::{walk, Ctx};

/// Adds `nullable: true` to every optional array property of response-side schemas.
pub fn optional_arrays(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let request_only = request_only_components(spec);
    walk::schemas_mut(spec, &mut |schema, ptr| {
        if !in_request_body(ptr, &request_only) {
            mark_optional_arrays(schema);
        }
        Ok(())
    })
}

/// Marks the optional array properties of one object schema.
fn mark_optional_arrays(schema: &mut Map<String, Value>) {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, prop) in props.iter_mut() {
        let Some(prop) = prop.as_object_mut() else {
            continue;
        };
        let is_array = prop.get("type").and_then(Value::as_str) == Some("array");
        if is_array && !required.contains(name) {
            prop.insert("nullable".into(), Value::Bool(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(mut spec: Value) -> Value {
        optional_arrays(
            &mut spec,
            &Ctx {
                service: "ttledger",
            },
        )
        .unwrap();
        spec
    }

    #[test]
    fn optional_response_arrays_become_nullable() {
        let array = json!({"type": "array", "items": {"type": "string"}});
        let spec = run(json!({
            "paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Page"}}}}}}}},
            "components": {"schemas": {"Page": {
                "type": "object",
                "required": ["must"],
                "properties": {
                    "fills": array,
                    "must": array,
                    "name": {"type": "string"},
                    "inner": {"type": "object", "properties": {"tags": array}},
                },
            }}},
        }));
        let p = &spec["components"]["schemas"]["Page"]["properties"];
        assert_eq!(p["fills"]["nullable"], true);
        assert_eq!(p["inner"]["properties"]["tags"]["nullable"], true);
        assert!(p["must"].get("nullable").is_none(), "required stays a Vec");
        assert!(p["name"].get("nullable").is_none(), "not an array");
        assert_eq!(run(spec.clone()), spec, "idempotent");
    }

    #[test]
    fn request_bodies_are_left_alone() {
        let spec = run(json!({
            "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Req"}}}}}}},
            "components": {"schemas": {"Req": {"type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}},
            }}}},
        }));
        assert!(spec["components"]["schemas"]["Req"]["properties"]["ids"]
            .get("nullable")
            .is_none());
    }
}
