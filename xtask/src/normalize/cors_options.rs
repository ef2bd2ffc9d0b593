//! Rule 7: OPTIONS operations that only answer CORS preflights are removed.
//!
//! TT's API Gateway export puts a `mock` integration on `options` of every path;
//! they are browser plumbing, not API calls. An `options` operation counts as a
//! CORS mock when its integration is a mock, or when it has no parameters,
//! no response carries content and some response declares
//! `Access-Control-Allow-*` headers. Any other OPTIONS operation is kept.

use serde_json::{Map, Value};

use super::Ctx;

/// Removes CORS-mock `options` operations.
pub fn cors_options(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        if item
            .get("options")
            .and_then(Value::as_object)
            .is_some_and(is_cors_mock)
        {
            item.remove("options");
        }
    }
    Ok(())
}

fn is_cors_mock(op: &Map<String, Value>) -> bool {
    let mock = op
        .get("x-amazon-apigateway-integration")
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("mock"));
    mock || looks_like_preflight(op)
}

fn looks_like_preflight(op: &Map<String, Value>) -> bool {
    let no_params = op
        .get("parameters")
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty);
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return false;
    };
    let no_content = responses.values().all(|r| {
        r.get("content")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
    });
    let cors_headers = responses.values().any(|r| {
        r.get("headers")
            .and_then(Value::as_object)
            .is_some_and(|h| {
                h.keys()
                    .any(|k| k.to_ascii_lowercase().starts_with("access-control-allow-"))
            })
    });
    no_params && no_content && cors_headers
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_mocks_and_preflights_but_keeps_real_options() {
        let mut spec = json!({"paths": {
            "/a": {
                "get": {},
                "options": {"x-amazon-apigateway-integration": {"type": "mock"}},
            },
            "/b": {"options": {"responses": {"200": {
                "headers": {"Access-Control-Allow-Methods": {}}, "content": {}}}}},
            "/c": {"options": {"responses": {"200": {
                "content": {"application/json": {"schema": {}}}}}}},
        }});
        cors_options(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(spec["paths"]["/a"], json!({"get": {}}));
        assert_eq!(spec["paths"]["/b"], json!({}));
        assert!(spec["paths"]["/c"].get("options").is_some());
    }
}
