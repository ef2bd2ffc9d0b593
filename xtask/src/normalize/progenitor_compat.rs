//! Rule 17: shapes that `openapiv3` accepts but progenitor 0.15 rejects or
//! panics on (`todo!`/`assert!` in its generator), fixed generically:
//!
//! - a media type with an `encoding` map (progenitor panics): the map is dropped;
//! - a JSON or form media type without a schema (progenitor panics): `{}`;
//! - a request body with several media types (progenitor panics): one is kept,
//!   JSON first, then form, else the first listed;
//! - path parameters out of step with the path template (progenitor panics or
//!   fails): undeclared `{name}`s are declared as required strings, declared
//!   ones missing from the template are dropped, all are `required: true`;
//! - a schema with `properties` but no `type`: `type: object`.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::{walk, Ctx};

/// Applies every fix listed in the module docs.
pub fn progenitor_compat(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    media_types(spec)?;
    single_body_media_type(spec)?;
    path_parameters(spec);
    object_types(spec)
}

fn is_json_or_form(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence == "application/x-www-form-urlencoded"
        || essence == "application/json"
        || essence.ends_with("+json")
}

/// No `encoding` maps; JSON and form media types always have a schema.
pub fn media_types(spec: &mut Value) -> anyhow::Result<()> {
    walk::media_types_mut(spec, &mut |mt, ptr| {
        mt.remove("encoding");
        let media = ptr
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/");
        if is_json_or_form(&media) && !mt.contains_key("schema") {
            mt.insert("schema".into(), json!({}));
        }
        Ok(())
    })
}

/// Request bodies keep one media type.
pub fn single_body_media_type(spec: &mut Value) -> anyhow::Result<()> {
    let fix = |body: &mut Map<String, Value>| {
        let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        if content.len() <= 1 {
            return;
        }
        let keep = ["application/json", "application/x-www-form-urlencoded"]
            .iter()
            .find_map(|want| content.keys().find(|k| k.starts_with(want)).cloned())
            .or_else(|| content.keys().next().cloned());
        content.retain(|k, _| Some(k) == keep.as_ref());
    };
    walk::operations_mut(spec, |_, _, op| {
        if let Some(body) = op.get_mut("requestBody").and_then(Value::as_object_mut) {
            fix(body);
        }
        Ok(())
    })?;
    for (_, body) in walk::component_mut(spec, "requestBodies") {
        if let Some(body) = body.as_object_mut() {
            fix(body);
        }
    }
    Ok(())
}

/// The `{name}`s of a path template.
fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

/// Path parameters match the template (see the module docs).
pub fn path_parameters(spec: &mut Value) {
    let lookup = json!({ "components": spec.get("components").cloned() });
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let names = template_names(path);
        let shared = declared(&lookup, item.get_mut("parameters"), &names);
        for method in walk::METHODS {
            let Some(op) = item.get_mut(*method).and_then(Value::as_object_mut) else {
                continue;
            };
            let own = declared(&lookup, op.get_mut("parameters"), &names);
            let missing: Vec<_> = names
                .iter()
                .filter(|n| !shared.contains(*n) && !own.contains(*n))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let list = op.entry("parameters").or_insert_with(|| json!([]));
            if let Some(list) = list.as_array_mut() {
                for name in missing {
                    list.push(json!({"name": name, "in": "path", "required": true,
                        "schema": {"type": "string"}}));
                }
            }
        }
    }
}

/// Drops inline path parameters not in `names`, marks the rest required, and
/// returns the names declared (inline or by reference).
fn declared(lookup: &Value, list: Option<&mut Value>, names: &[String]) -> HashSet<String> {
    let mut found = HashSet::new();
    let Some(list) = list.and_then(Value::as_array_mut) else {
        return found;
    };
    list.retain_mut(|p| {
        let Some(resolved) = walk::resolve_parameter(lookup, p) else {
            return true;
        };
        if resolved.get("in").and_then(Value::as_str) != Some("path") {
            return true;
        }
        let Some(name) = resolved.get("name").and_then(Value::as_str) else {
            return true;
        };
        if !names.iter().any(|n| n == name) {
            return false;
        }
        found.insert(name.to_string());
        if let Some(p) = p.as_object_mut().filter(|p| !p.contains_key("$ref")) {
            p.insert("required".into(), Value::Bool(true));
        }
        true
    });
    found
}

/// Schemas with `properties` and no `type` say `type: object`.
pub fn object_types(spec: &mut Value) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, _| {
        if schema.contains_key("properties")
            && !schema.contains_key("type")
            && !schema.contains_key("$ref")
        {
            schema.insert("type".into(), "object".into());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_lose_encoding_and_gain_schemas() {
        let mut spec = json!({"paths": {"/a": {"post": {
            "requestBody": {"content": {"application/x-www-form-urlencoded": {
                "schema": {"type": "object"}, "encoding": {"a": {}}}}},
            "responses": {"200": {"content": {
                "application/json": {},
                "application/octet-stream": {},
            }}},
        }}}});
        media_types(&mut spec).unwrap();
        let op = &spec["paths"]["/a"]["post"];
        assert_eq!(
            op["requestBody"]["content"]["application/x-www-form-urlencoded"],
            json!({"schema": {"type": "object"}})
        );
        let content = &op["responses"]["200"]["content"];
        assert_eq!(content["application/json"], json!({"schema": {}}));
        assert_eq!(content["application/octet-stream"], json!({}));
    }

    #[test]
    fn request_bodies_keep_one_media_type() {
        let mut spec = json!({"paths": {"/a": {"post": {"requestBody": {"content": {
            "text/plain": {}, "application/x-www-form-urlencoded": {}, "application/json": {},
        }}}, "put": {"requestBody": {"content": {"text/plain": {}, "text/csv": {}}}}}}});
        single_body_media_type(&mut spec).unwrap();
        let a = &spec["paths"]["/a"];
        assert_eq!(
            a["post"]["requestBody"]["content"],
            json!({"application/json": {}})
        );
        assert_eq!(
            a["put"]["requestBody"]["content"],
            json!({"text/plain": {}})
        );
    }

    #[test]
    fn path_parameters_follow_the_template() {
        let mut spec = json!({"paths": {
            "/a/{id}/{sub}": {
                "parameters": [{"name": "sub", "in": "path", "schema": {"type": "string"}}],
                "get": {"parameters": [
                    {"name": "gone", "in": "path"},
                    {"name": "q", "in": "query"},
                ]},
            },
        }});
        path_parameters(&mut spec);
        let item = &spec["paths"]["/a/{id}/{sub}"];
        assert_eq!(item["parameters"][0]["required"], json!(true));
        assert_eq!(
            item["get"]["parameters"],
            json!([
                {"name": "q", "in": "query"},
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
            ])
        );
    }

    #[test]
    fn schemas_with_properties_become_objects() {
        let mut spec = json!({"components": {"schemas": {
            "A": {"properties": {}},
            "B": {"type": "string"},
        }}});
        object_types(&mut spec).unwrap();
        assert_eq!(spec["components"]["schemas"]["A"]["type"], "object");
        assert_eq!(spec["components"]["schemas"]["B"]["type"], "string");
    }
}
