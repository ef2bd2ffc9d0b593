//! Rule 13: inputs the handwritten layer supplies on every call are removed.
//!
//! TT declares a `requestId` query parameter and the `x-api-key` and
//! `Authorization` headers on every operation, and models the two headers as
//! `apiKey` security schemes. ttrest's session adds all three itself (fresh
//! request ids, the app key, the bearer token), so generated methods must not
//! ask for them. Security schemes that only model these headers, and the
//! requirements naming them, go too.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{walk, Ctx};

/// Removes `requestId`, `x-api-key`, `Authorization` and the schemes modelling them.
pub fn common_inputs(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::remove_parameters(spec, |location, name| match location {
        "query" => name == "requestId",
        "header" => is_session_header(name),
        _ => false,
    })?;
    let modelled = session_schemes(spec);
    if modelled.is_empty() {
        return Ok(());
    }
    if let Some(root) = spec.as_object_mut() {
        prune_security(root, &modelled);
    }
    walk::operations_mut(spec, |_, _, op| {
        prune_security(op, &modelled);
        Ok(())
    })?;
    if let Some(components) = spec.get_mut("components").and_then(Value::as_object_mut) {
        if let Some(schemes) = components
            .get_mut("securitySchemes")
            .and_then(Value::as_object_mut)
        {
            schemes.retain(|name, _| !modelled.contains(name));
            if schemes.is_empty() {
                components.remove("securitySchemes");
            }
        }
    }
    Ok(())
}

fn is_session_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("x-api-key") || name.eq_ignore_ascii_case("authorization")
}

/// Names of the security schemes that are an `x-api-key`/`Authorization`
/// header or HTTP bearer auth.
fn session_schemes(spec: &Value) -> HashSet<String> {
    let Some(schemes) = spec
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return HashSet::new();
    };
    schemes
        .iter()
        .filter(|(_, s)| {
            let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default();
            let header_key = field("type") == "apiKey"
                && field("in") == "header"
                && is_session_header(field("name"));
            let bearer = field("type") == "http" && field("scheme").eq_ignore_ascii_case("bearer");
            header_key || bearer
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Drops the modelled schemes from `security`, then empty requirements, then an empty list.
fn prune_security(holder: &mut Map<String, Value>, modelled: &HashSet<String>) {
    let Some(list) = holder.get_mut("security").and_then(Value::as_array_mut) else {
        return;
    };
    for req in list.iter_mut().filter_map(Value::as_object_mut) {
        req.retain(|name, _| !modelled.contains(name));
    }
    list.retain(|req| req.as_object().is_none_or(|r| !r.is_empty()));
    if list.is_empty() {
        holder.remove("security");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_common_inputs_and_their_security() {
        let mut spec = json!({
            "security": [{"api_key": []}],
            "paths": {"/a": {"get": {
                "parameters": [
                    {"name": "requestId", "in": "query", "required": true},
                    {"name": "X-Api-Key", "in": "header"},
                    {"name": "Authorization", "in": "header"},
                    {"name": "requestId", "in": "path"},
                    {"name": "appKey", "in": "query"},
                ],
                "security": [{"api_key": [], "Token": []}, {"oauth": ["r"], "Token": []}],
            }}},
            "components": {"securitySchemes": {
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                "Token": {"type": "apiKey", "name": "Authorization", "in": "header"},
                "oauth": {"type": "oauth2", "flows": {}},
            }},
        });
        common_inputs(&mut spec, &Ctx { service: "ttid" }).unwrap();
        let op = &spec["paths"]["/a"]["get"];
        assert_eq!(
            op["parameters"],
            json!([{"name": "requestId", "in": "path"}, {"name": "appKey", "in": "query"}])
        );
        assert_eq!(op["security"], json!([{"oauth": ["r"]}]));
        assert!(spec.get("security").is_none());
        assert_eq!(
            spec["components"]["securitySchemes"],
            json!({"oauth": {"type": "oauth2", "flows": {}}})
        );
    }

    #[test]
    fn empty_scheme_map_is_removed() {
        let mut spec = json!({"components": {"securitySchemes": {
            "b": {"type": "http", "scheme": "Bearer"}}}});
        common_inputs(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(spec, json!({"components": {}}));
    }
}
