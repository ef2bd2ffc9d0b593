//! Rule 9: `Content-Type` (and `Accept`) declared as header parameters are removed.
//!
//! OpenAPI says such declarations "SHALL be ignored": the body's media type sets
//! `Content-Type`, and progenitor sets `Accept` itself. TT declares
//! `Content-Type` on `/token`; keeping it would add a pointless argument.

use serde_json::Value;

use super::{walk, Ctx};

/// Removes header parameters named `Content-Type` or `Accept` (any case).
pub fn content_type_header(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::remove_parameters(spec, |location, name| {
        location == "header"
            && (name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("accept"))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_content_type_and_accept_headers_only() {
        let mut spec = json!({
            "paths": {"/a": {"post": {"parameters": [
                {"name": "Content-Type", "in": "header"},
                {"name": "accept", "in": "header"},
                {"name": "Content-Type", "in": "query"},
                {"$ref": "#/components/parameters/CT"},
                {"name": "x-other", "in": "header"},
            ]}}},
            "components": {"parameters": {"CT": {"name": "content-type", "in": "header"}}},
        });
        content_type_header(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(
            spec["paths"]["/a"]["post"]["parameters"],
            json!([{"name": "Content-Type", "in": "query"}, {"name": "x-other", "in": "header"}])
        );
    }
}
