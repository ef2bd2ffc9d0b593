//! Rule 4: responses without a `description` get one (`"200 response"`).
//!
//! OpenAPI requires it and `openapiv3` refuses responses without it; TT's page
//! leaves it out on the 200s of `/token` and `/keyusage`.

use serde_json::Value;

use super::{walk, Ctx};

/// Adds `"<code> response"` to every response that lacks a string description.
pub fn response_description(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::responses_mut(spec, &mut |response, ptr| {
        if !response.get("description").is_some_and(Value::is_string) {
            let code = ptr.rsplit('/').next().unwrap_or_default();
            response.insert("description".into(), format!("{code} response").into());
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn adds_missing_descriptions_only() {
        let mut spec = json!({"paths": {"/a": {"get": {"responses": {
            "200": {"content": {}},
            "400": {"description": "bad"},
            "default": {},
        }}}}});
        response_description(&mut spec, &Ctx { service: "ttid" }).unwrap();
        let r = &spec["paths"]["/a"]["get"]["responses"];
        assert_eq!(r["200"]["description"], "200 response");
        assert_eq!(r["400"]["description"], "bad");
        assert_eq!(r["default"]["description"], "default response");
    }
}
