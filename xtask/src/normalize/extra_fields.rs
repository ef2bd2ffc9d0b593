//! Rule 16: object schemas keep the fields they do not declare.
//!
//! TT adds fields without notice and its docs omit many, so every schema with
//! `properties` and no `additionalProperties` gets `"additionalProperties": {}`.
//! typify turns that into a `#[serde(flatten)] extra: Map<String, Value>` field
//! (it ignores the equivalent `true` or a missing key), so unknown fields survive
//! a round trip instead of being dropped silently.
//!
//! Request bodies are left alone: the client writes them, so there is nothing
//! unknown to keep, and typify's builders would demand an `extra` map on every
//! call. That covers inline request-body schemas and component schemas used
//! only by request bodies.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::{walk, Ctx};

/// Adds `"additionalProperties": {}` where it is missing on schemas with properties.
pub fn extra_fields(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let request_only = request_only_components(spec);
    walk::schemas_mut(spec, &mut |schema, ptr| {
        if in_request_body(ptr, &request_only) {
            return Ok(());
        }
        if schema.get("properties").is_some_and(Value::is_object)
            && !schema.contains_key("additionalProperties")
        {
            schema.insert("additionalProperties".into(), json!({}));
        }
        Ok(())
    })
}

/// Whether the schema at `ptr` belongs to a request body.
pub(super) fn in_request_body(ptr: &str, request_only: &HashSet<String>) -> bool {
    if ptr.contains("/requestBody/") || ptr.starts_with("/components/requestBodies/") {
        return true;
    }
    ptr.strip_prefix("/components/schemas/")
        .and_then(|rest| rest.split('/').next())
        .is_some_and(|name| request_only.contains(&name.replace("~1", "/").replace("~0", "~")))
}

/// Component schemas reachable from request bodies and from nothing else.
pub(super) fn request_only_components(spec: &Value) -> HashSet<String> {
    let schemas = spec
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    let mut requests = Vec::new();
    let mut rest = spec.clone();
    if let Some(c) = rest.get_mut("components").and_then(Value::as_object_mut) {
        c.remove("schemas");
        requests.extend(c.remove("requestBodies"));
    }
    let _ = walk::operations_mut(&mut rest, |_, _, op| {
        requests.extend(op.remove("requestBody"));
        Ok(())
    });
    let used_by_requests = closure(&Value::Array(requests), &schemas);
    let used_elsewhere = closure(&rest, &schemas);
    used_by_requests
        .difference(&used_elsewhere)
        .cloned()
        .collect()
}

/// Names of the component schemas `root` references, directly or through other schemas.
fn closure(root: &Value, schemas: &Value) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut todo = vec![root];
    while let Some(v) = todo.pop() {
        let mut names = Vec::new();
        refs(v, &mut names);
        for name in names {
            if found.insert(name.clone()) {
                todo.extend(schemas.get(&name));
            }
        }
    }
    found
}

/// Schema names of every `#/components/schemas/<name>` reference in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = m
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.replace("~1", "/").replace("~0", "~"));
            }
            m.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_permissive_additional_properties_where_missing() {
        let mut spec = json!({"components": {"schemas": {
            "Open": {"type": "object", "properties": {"a": {"type": "object", "properties": {}}}},
            "Closed": {"type": "object", "properties": {}, "additionalProperties": false},
            "Map": {"type": "object", "additionalProperties": {"type": "string"}},
            "Scalar": {"type": "string"},
        }}});
        extra_fields(&mut spec, &Ctx { service: "ttid" }).unwrap();
        let s = &spec["components"]["schemas"];
        assert_eq!(s["Open"]["additionalProperties"], json!({}));
        assert_eq!(
            s["Open"]["properties"]["a"]["additionalProperties"],
            json!({})
        );
        assert_eq!(s["Closed"]["additionalProperties"], json!(false));
        assert_eq!(s["Map"]["additionalProperties"], json!({"type": "string"}));
        assert!(s["Scalar"].get("additionalProperties").is_none());
    }

    #[test]
    fn request_bodies_are_left_alone() {
        let obj = json!({"type": "object", "properties": {}});
        let body = |r: &str| json!({"content": {"application/json": {"schema": {"$ref": r}}}});
        let mut spec = json!({
            "paths": {"/a": {"post": {
                "requestBody": {"content": {"application/json": {"schema": obj}}},
                "responses": {"200": body("#/components/schemas/Both")},
            }, "put": {"requestBody": body("#/components/schemas/Req")}}},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {"n": {"$ref": "#/components/schemas/Nested"}}},
                "Nested": obj,
                "Both": obj,
            }},
        });
        spec["paths"]["/a"]["put"]["responses"] = json!({});
        spec["components"]["requestBodies"] = json!({"B": body("#/components/schemas/Both")});
        extra_fields(&mut spec, &Ctx { service: "ttid" }).unwrap();
        let s = &spec["components"]["schemas"];
        assert!(s["Req"].get("additionalProperties").is_none());
        assert!(s["Nested"].get("additionalProperties").is_none());
        assert_eq!(s["Both"]["additionalProperties"], json!({}));
        let inline = &spec["paths"]["/a"]["post"]["requestBody"]["content"]["application/json"];
        assert!(inline["schema"].get("additionalProperties").is_none());
    }
}
