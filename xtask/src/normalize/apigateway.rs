//! Rule 8: `x-amazon-apigateway-*` extensions are removed.
//!
//! They describe TT's AWS deployment: Velocity request/response templates
//! (which rename the backend's `expires_in` to `seconds_until_expiry`, shape
//! errors as `{status, status_message, statusCode}` and forward `requestId` as
//! `request_id`), Lambda ARNs, CORS header values and gateway default
//! responses (`{"message": ...}`). Those facts are recorded in
//! `docs/tt-rest-facts.md` §4 and modelled by the handwritten layer; nothing
//! is extracted from them here.

use serde_json::{Map, Value};

use super::Ctx;

const PREFIX: &str = "x-amazon-apigateway-";

/// Removes the extensions from the document root, path items, operations and security schemes.
pub fn apigateway(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let Some(root) = spec.as_object_mut() else {
        return Ok(());
    };
    strip(root);
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            strip(item);
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                strip(op);
            }
        }
    }
    let schemes = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
        .and_then(Value::as_object_mut);
    for scheme in schemes.into_iter().flat_map(|s| s.values_mut()) {
        if let Some(scheme) = scheme.as_object_mut() {
            strip(scheme);
        }
    }
    Ok(())
}

fn strip(object: &mut Map<String, Value>) {
    object.retain(|k, _| !k.starts_with(PREFIX));
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_the_extensions_everywhere_they_appear() {
        let mut spec = json!({
            "x-amazon-apigateway-gateway-responses": {},
            "x-other": 1,
            "paths": {"/a": {
                "x-amazon-apigateway-any-method": {},
                "get": {"x-amazon-apigateway-integration": {"type": "http"}, "summary": "s"},
            }},
            "components": {"securitySchemes": {"k": {"type": "apiKey", "x-amazon-apigateway-authtype": "x"}}},
        });
        apigateway(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(
            spec,
            json!({
                "x-other": 1,
                "paths": {"/a": {"get": {"summary": "s"}}},
                "components": {"securitySchemes": {"k": {"type": "apiKey"}}},
            })
        );
    }
}
