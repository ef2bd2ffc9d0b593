//! Rule 10: non-standard keys inside schemas are removed.
//!
//! TT's generated models carry `_generated_` (a "do not modify" banner),
//! `metadata` (the Lambda's upstream mapping) and `cast: "lower"` on
//! properties. Only keywords of the OpenAPI 3.0 Schema Object and `x-`
//! extensions are kept. Schemas are walked structurally, so a property *named*
//! `metadata` stays (its name is a key of `properties`, not a keyword).

use serde_json::Value;

use super::{walk, Ctx};

/// The OpenAPI 3.0 Schema Object keywords (plus `$ref`).
pub const KEYWORDS: &[&str] = &[
    "$ref",
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

/// Drops every schema key that is neither a keyword nor an `x-` extension.
pub fn schema_keys(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, _| {
        schema.retain(|k, _| k.starts_with("x-") || KEYWORDS.contains(&k.as_str()));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_tt_keys_but_not_properties_named_like_them() {
        let mut spec = json!({"components": {"schemas": {"healthcheckstatus_GET": {
            "_generated_": "do not modify",
            "metadata": {"endpoint": {}},
            "title": "healthcheckstatus_GET",
            "type": "object",
            "x-keep": true,
            "properties": {
                "metadata": {"type": "string", "cast": "lower"},
                "lastPage": {"type": "string", "default": "true", "cast": "lower"},
            },
        }}}});
        schema_keys(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(
            spec["components"]["schemas"]["healthcheckstatus_GET"],
            json!({
                "title": "healthcheckstatus_GET",
                "type": "object",
                "x-keep": true,
                "properties": {
                    "metadata": {"type": "string"},
                    "lastPage": {"type": "string", "default": "true"},
                },
            })
        );
    }
}
