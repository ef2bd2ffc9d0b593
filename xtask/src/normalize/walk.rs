//! Structural walks over an OpenAPI 3.0 document held as a `serde_json::Value`.
//!
//! Rules use these instead of blind recursive searches so that, for example, a
//! property *named* `metadata` is never mistaken for the `metadata` keyword.
//! Parts that do not have the expected shape are skipped: `openapiv3` reports
//! them at the end of normalization.

use serde_json::{Map, Value};

/// The operation keys of a path item, as OpenAPI 3.0 lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A visitor of JSON objects found at some JSON-pointer location.
pub type Visit<'a> = dyn FnMut(&mut Map<String, Value>, &str) -> anyhow::Result<()> + 'a;

/// Escapes one JSON-pointer token (RFC 6901).
pub fn esc(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Calls `f(path, method, operation)` for every operation object.
pub fn operations_mut(
    spec: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in METHODS {
            if let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) {
                f(path, method, op)?;
            }
        }
    }
    Ok(())
}

/// Calls `f(pointer, list)` for every `parameters` list (path items and operations).
pub fn parameter_lists_mut(
    spec: &mut Value,
    mut f: impl FnMut(&str, &mut Vec<Value>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let base = format!("/paths/{}", esc(path));
        if let Some(list) = item.get_mut("parameters").and_then(Value::as_array_mut) {
            f(&format!("{base}/parameters"), list)?;
        }
        for method in METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(list) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                f(&format!("{base}/{method}/parameters"), list)?;
            }
        }
    }
    Ok(())
}

/// Calls `f` on every parameter object: in `parameters` lists and in `components/parameters`.
pub fn parameters_mut(spec: &mut Value, f: &mut Visit) -> anyhow::Result<()> {
    parameter_lists_mut(spec, |ptr, list| {
        for (i, p) in list.iter_mut().enumerate() {
            if let Some(p) = p.as_object_mut() {
                f(p, &format!("{ptr}/{i}"))?;
            }
        }
        Ok(())
    })?;
    for (name, p) in component_mut(spec, "parameters") {
        if let Some(p) = p.as_object_mut() {
            f(p, &format!("/components/parameters/{}", esc(name)))?;
        }
    }
    Ok(())
}

/// The entries of `components/<kind>` (empty when absent or malformed).
pub fn component_mut<'a>(
    spec: &'a mut Value,
    kind: &str,
) -> impl Iterator<Item = (&'a String, &'a mut Value)> {
    spec.get_mut("components")
        .and_then(|c| c.get_mut(kind))
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|m| m.iter_mut())
}

/// Calls `f` on every response object (operations and `components/responses`).
pub fn responses_mut(spec: &mut Value, f: &mut Visit) -> anyhow::Result<()> {
    operations_mut(spec, |path, method, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        for (code, r) in responses.iter_mut() {
            if let Some(r) = r.as_object_mut() {
                f(
                    r,
                    &format!("/paths/{}/{method}/responses/{code}", esc(path)),
                )?;
            }
        }
        Ok(())
    })?;
    for (name, r) in component_mut(spec, "responses") {
        if let Some(r) = r.as_object_mut() {
            f(r, &format!("/components/responses/{}", esc(name)))?;
        }
    }
    Ok(())
}

/// Calls `f` on every media-type object (`content/<type>`) of request bodies,
/// responses, parameters and headers.
pub fn media_types_mut(spec: &mut Value, f: &mut Visit) -> anyhow::Result<()> {
    content_holders_mut(spec, &mut |holder, ptr| {
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        for (media, mt) in content.iter_mut() {
            if let Some(mt) = mt.as_object_mut() {
                f(mt, &format!("{ptr}/content/{}", esc(media)))?;
            }
        }
        Ok(())
    })
}

/// Calls `f` on every object that may hold `content` or `schema`: parameters,
/// request bodies, responses and headers, inline or in `components`.
pub fn content_holders_mut(spec: &mut Value, f: &mut Visit) -> anyhow::Result<()> {
    parameters_mut(spec, f)?;
    operations_mut(spec, |path, method, op| {
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            f(body, &format!("/paths/{}/{method}/requestBody", esc(path)))?;
        }
        Ok(())
    })?;
    for kind in ["requestBodies", "headers"] {
        for (name, v) in component_mut(spec, kind) {
            if let Some(v) = v.as_object_mut() {
                f(v, &format!("/components/{kind}/{}", esc(name)))?;
            }
        }
    }
    responses_mut(spec, &mut |r, ptr| {
        f(r, ptr)?;
        let Some(headers) = r.get_mut("headers").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        for (name, h) in headers.iter_mut() {
            if let Some(h) = h.as_object_mut() {
                f(h, &format!("{ptr}/headers/{}", esc(name)))?;
            }
        }
        Ok(())
    })
}

/// Calls `f` on every schema object, parents before children: component schemas
/// and the schemas of parameters, headers and media types, then recursively
/// `properties`, `items`, `additionalProperties`, `not`, `allOf`, `anyOf`, `oneOf`.
pub fn schemas_mut(spec: &mut Value, f: &mut Visit) -> anyhow::Result<()> {
    content_holders_mut(spec, &mut |holder, ptr| {
        if let Some(s) = holder.get_mut("schema") {
            visit_schema(s, &format!("{ptr}/schema"), f)?;
        }
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            return Ok(());
        };
        for (media, mt) in content.iter_mut() {
            if let Some(s) = mt.get_mut("schema") {
                visit_schema(s, &format!("{ptr}/content/{}/schema", esc(media)), f)?;
            }
        }
        Ok(())
    })?;
    for (name, s) in component_mut(spec, "schemas") {
        visit_schema(s, &format!("/components/schemas/{}", esc(name)), f)?;
    }
    Ok(())
}

/// Visits one schema and its subschemas (see [`schemas_mut`]).
pub fn visit_schema(schema: &mut Value, ptr: &str, f: &mut Visit) -> anyhow::Result<()> {
    let Some(obj) = schema.as_object_mut() else {
        return Ok(());
    };
    f(obj, ptr)?;
    if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
        for (name, s) in props.iter_mut() {
            visit_schema(s, &format!("{ptr}/properties/{}", esc(name)), f)?;
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(s) = obj.get_mut(key) {
            visit_schema(s, &format!("{ptr}/{key}"), f)?;
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            for (i, s) in list.iter_mut().enumerate() {
                visit_schema(s, &format!("{ptr}/{key}/{i}"), f)?;
            }
        }
    }
    Ok(())
}

/// The parameter a `{"$ref": "#/components/parameters/<name>"}` points to, or the
/// parameter itself when it is inline.
pub fn resolve_parameter<'a>(spec: &'a Value, param: &'a Value) -> Option<&'a Value> {
    match param.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/components/parameters/")?;
            spec.pointer(&format!("/components/parameters/{name}"))
        }
        None => Some(param),
    }
}

/// Removes, from every `parameters` list, the parameters (inline or `$ref`'d
/// to `components/parameters`) for which `drop(in, name)` is true.
pub fn remove_parameters(
    spec: &mut Value,
    drop: impl Fn(&str, &str) -> bool,
) -> anyhow::Result<()> {
    let components = spec.get("components").cloned();
    let lookup = serde_json::json!({ "components": components });
    parameter_lists_mut(spec, |_, list| {
        list.retain(|p| {
            let Some(p) = resolve_parameter(&lookup, p) else {
                return true;
            };
            let location = p.get("in").and_then(Value::as_str).unwrap_or_default();
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            !drop(location, name)
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schemas_are_walked_structurally() {
        let mut spec = json!({
            "paths": {"/a": {"get": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"metadata": {"type": "string"}},
                }}}}},
            }}},
            "components": {"schemas": {"S": {"allOf": [{"items": {"type": "integer"}}]}}},
        });
        let mut seen = Vec::new();
        schemas_mut(&mut spec, &mut |_, ptr| {
            seen.push(ptr.to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "/paths/~1a/get/parameters/0/schema",
                "/paths/~1a/get/responses/200/content/application~1json/schema",
                "/paths/~1a/get/responses/200/content/application~1json/schema/properties/metadata",
                "/components/schemas/S",
                "/components/schemas/S/allOf/0",
                "/components/schemas/S/allOf/0/items",
            ]
        );
    }

    #[test]
    fn parameter_refs_resolve_to_components() {
        let spec = json!({"components": {"parameters": {"R": {"name": "requestId"}}}});
        let r = json!({"$ref": "#/components/parameters/R"});
        assert_eq!(
            resolve_parameter(&spec, &r),
            Some(&json!({"name": "requestId"}))
        );
        assert_eq!(resolve_parameter(&spec, &json!({"$ref": "#/x"})), None);
    }
}
