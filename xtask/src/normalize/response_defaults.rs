//! Rule 19: response properties lose their `default` (kept as `x-tt-default`).
//!
//! A default on a response property documents what the server means when the
//! field is missing (TT gives `lastPage` a `default` of `"true"`); it is not a
//! value a client should invent. typify turns it into a non-optional field
//! filled with the default, so a missing `lastPage` would read as `"true"` and be
//! written back as one. Without it, the field is an `Option` and "missing" stays
//! visible. The value moves to the `x-tt-default` extension, which typify
//! ignores and `ttrest-codegen`'s paging reads: a `lastPage` TT defaults to
//! `"true"` says little, so a page that also carries a `nextPageKey` is followed.
//!
//! Only response-side schemas change (as in rule 16): a request default is what
//! the client sends when the caller says nothing, which is what it is for.

use serde_json::{Map, Value};

use super::extra_fields::{in_request_body, request_only_components};
use super::{walk, Ctx};

/// Moves `default` to `x-tt-default` in the properties of every response-side object schema.
pub fn response_defaults(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let request_only = request_only_components(spec);
    walk::schemas_mut(spec, &mut |schema, ptr| {
        if !in_request_body(ptr, &request_only) {
            drop_property_defaults(schema);
        }
        Ok(())
    })
}

fn drop_property_defaults(schema: &mut Map<String, Value>) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for prop in props.values_mut().filter_map(Value::as_object_mut) {
        if let Some(default) = prop.remove("default") {
            prop.entry("x-tt-default").or_insert(default);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn response_property_defaults_move_to_an_extension_request_defaults_stay() {
        let flag = json!({"type": "string", "default": "true"});
        let mut spec = json!({
            "paths": {"/a": {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"lastPage": flag, "inner": {
                        "type": "object", "properties": {"flag": flag}}},
                }}}}}},
                "post": {"requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Req"}}}}},
            }},
            "components": {"schemas": {"Req": {"type": "object", "properties": {
                "grant_type": {"type": "string", "default": "user_app"},
            }}}},
        });
        response_defaults(
            &mut spec,
            &Ctx {
                service: "ttledger",
            },
        )
        .unwrap();
        let schema = &spec["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        let moved = json!({"type": "string", "x-tt-default": "true"});
        assert_eq!(schema["properties"]["lastPage"], moved);
        assert_eq!(schema["properties"]["inner"]["properties"]["flag"], moved);
        let req = &spec["components"]["schemas"]["Req"]["properties"]["grant_type"];
        assert_eq!(req["default"], "user_app");
        let again = spec.clone();
        response_defaults(
            &mut spec,
            &Ctx {
                service: "ttledger",
            },
        )
        .unwrap();
        assert_eq!(spec, again, "idempotent");
    }
}
