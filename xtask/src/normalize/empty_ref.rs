//! Rule 2: an empty `$ref` (`{"$ref": ""}`) becomes the free-form schema `{}`.
//!
//! TT's page answers `/token` and `/keyusage` with `"schema": {"$ref": ""}`:
//! the shape is undocumented, so any JSON is accepted and the schema says so.

use serde_json::{Map, Value};

use super::{walk, Ctx};

/// What a replaced schema says about itself.
pub const UNKNOWN: &str =
    "Shape not documented by TT (the published spec has an empty `$ref`); any JSON value.";

/// Replaces every schema that is an empty (or blank) `$ref` with a documented `{}`.
pub fn empty_ref(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, _| {
        if schema
            .get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| r.trim().is_empty())
        {
            *schema = Map::from_iter([("description".to_string(), Value::from(UNKNOWN))]);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn empty_refs_become_free_form_and_real_refs_stay() {
        let mut spec = json!({"paths": {"/a": {"get": {"responses": {
            "200": {"content": {"application/json": {"schema": {"$ref": ""}}}},
            "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}},
        }}}}});
        empty_ref(&mut spec, &Ctx { service: "ttid" }).unwrap();
        let r = &spec["paths"]["/a"]["get"]["responses"];
        assert_eq!(
            r["200"]["content"]["application/json"]["schema"],
            json!({"description": UNKNOWN})
        );
        assert_eq!(
            r["201"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/X"})
        );
    }
}
