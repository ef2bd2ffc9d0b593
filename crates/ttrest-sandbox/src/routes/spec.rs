//! Endpoints the compiled-in specs list but no service module serves get an answer
//! shaped by their response schema (`status`, `lastPage`, and each list or object
//! property empty), so every documented path answers and none silently 403s.

use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::State;
use crate::envelope;

/// `(service, normalized spec text)` for each service ttrest was built with.
fn compiled_specs() -> impl Iterator<Item = (&'static str, &'static str)> {
    ttrest::service::enabled()
        .iter()
        .map(|s| (s.name, s.spec_json))
}

/// `/svc/{env}/a/{x}` → `/svc/a/{}`: parameter names do not matter for matching.
fn shape(path: &str) -> String {
    path.split('/')
        .filter(|seg| *seg != "{env}")
        .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// Adds a schema-shaped route for every spec operation not in `served`.
pub(crate) fn add_unserved(
    mut router: Router<Arc<State>>,
    served: &[(&str, &str)],
) -> Router<Arc<State>> {
    let served: Vec<(String, String)> = served
        .iter()
        .map(|(m, p)| (m.to_ascii_uppercase(), shape(p)))
        .collect();
    for (service, text) in compiled_specs() {
        let Ok(spec) = serde_json::from_str::<Value>(text) else {
            continue; // build.rs already refuses specs that do not parse
        };
        for (path, method, body) in operations(&spec) {
            let full = format!("/{service}/{{env}}{path}");
            if served.contains(&(method.to_string(), shape(&full))) {
                continue;
            }
            let Ok(filter) = MethodFilter::try_from(method) else {
                continue;
            };
            router = router.route(&full, on(filter, move || async move { envelope::ok(body) }));
        }
    }
    router
}

/// Every `(path, method, skeleton body)` of a spec.
fn operations(spec: &Value) -> Vec<(String, Method, Map<String, Value>)> {
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (name, op) in item {
            let Ok(method) = name.to_ascii_uppercase().parse::<Method>() else {
                continue;
            };
            if !matches!(
                method,
                Method::GET | Method::POST | Method::PUT | Method::DELETE | Method::PATCH
            ) {
                continue;
            }
            let schema = op
                .pointer("/responses/200/content/application~1json/schema")
                .unwrap_or(&Value::Null);
            out.push((path.clone(), method, skeleton(spec, schema)));
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => spec.pointer(pointer).unwrap_or(&Value::Null),
        None => schema,
    }
}

/// Empty lists and objects for each list or object property of the response.
fn skeleton(spec: &Value, schema: &Value) -> Map<String, Value> {
    let mut body = Map::new();
    let Some(props) = resolve(spec, schema)
        .get("properties")
        .and_then(Value::as_object)
    else {
        return body;
    };
    for (name, prop) in props {
        let prop = resolve(spec, prop);
        match prop.get("type").and_then(Value::as_str) {
            Some("array") => body.insert(name.clone(), json!([])),
            Some("object") => body.insert(name.clone(), json!({})),
            None if prop.get("properties").is_some() => body.insert(name.clone(), json!({})),
            _ => None,
        };
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_ignore_parameter_names() {
        assert_eq!(
            shape("/ttpds/{env}/instrument/{id}"),
            shape("/ttpds/{env}/instrument/{instrumentId}")
        );
        assert_ne!(
            shape("/ttpds/{env}/instrument/{id}"),
            shape("/ttpds/{env}/instruments")
        );
    }

    #[test]
    fn skeleton_follows_refs() {
        let spec = json!({ "components": { "schemas": { "R": { "properties": {
            "status": { "type": "string" }, "items": { "type": "array" }, "one": { "$ref": "#/components/schemas/O" } } },
            "O": { "properties": { "x": { "type": "string" } } } } } });
        let body = skeleton(&spec, &json!({ "$ref": "#/components/schemas/R" }));
        assert_eq!(Value::Object(body), json!({ "items": [], "one": {} }));
    }
}
