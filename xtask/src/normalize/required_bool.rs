//! Rule 1: `"required": "true"` / `"false"` strings become booleans.
//!
//! TT writes `"required": "true"` on `requestId` while other parameters use a
//! real boolean; `openapiv3` rejects the string.

use anyhow::bail;
use serde_json::Value;

use super::{walk, Ctx};

/// Turns string `required` flags of parameters, request bodies and headers into booleans.
pub fn required_bool(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::content_holders_mut(spec, &mut |holder, ptr| {
        let Some(Value::String(text)) = holder.get("required") else {
            return Ok(());
        };
        let flag = match text.trim().to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => bail!("{ptr}/required is {text:?}; expected true or false"),
        };
        holder.insert("required".into(), Value::Bool(flag));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CTX: Ctx = Ctx { service: "ttid" };

    #[test]
    fn strings_become_booleans_everywhere_a_flag_is_expected() {
        let mut spec = json!({
            "paths": {"/a": {"post": {
                "parameters": [
                    {"name": "a", "in": "query", "required": "true"},
                    {"name": "b", "in": "query", "required": " False "},
                    {"name": "c", "in": "query", "required": true},
                ],
                "requestBody": {"required": "TRUE", "content": {}},
            }}},
            "components": {"headers": {"H": {"required": "false"}}},
        });
        required_bool(&mut spec, &CTX).unwrap();
        let params = &spec["paths"]["/a"]["post"]["parameters"];
        assert_eq!(params[0]["required"], json!(true));
        assert_eq!(params[1]["required"], json!(false));
        assert_eq!(params[2]["required"], json!(true));
        assert_eq!(
            spec["paths"]["/a"]["post"]["requestBody"]["required"],
            json!(true)
        );
        assert_eq!(spec["components"]["headers"]["H"]["required"], json!(false));
    }

    #[test]
    fn schema_required_lists_are_left_alone() {
        let mut spec = json!({"components": {"schemas": {"S": {"required": ["a"]}}}});
        let before = spec.clone();
        required_bool(&mut spec, &CTX).unwrap();
        assert_eq!(spec, before);
    }

    #[test]
    fn other_strings_are_errors_naming_the_location() {
        let mut spec = json!({"paths": {"/a": {"get": {
            "parameters": [{"name": "a", "in": "query", "required": "yes"}]}}}});
        let err = required_bool(&mut spec, &CTX).unwrap_err().to_string();
        assert!(
            err.contains("/paths/~1a/get/parameters/0/required"),
            "{err}"
        );
    }
}
