//! Rule 3: parameters declared twice (same `name` and `in`) are kept once.
//!
//! TT's `/healthcheckstatus` declares `requestId` twice; progenitor would emit
//! two arguments of the same name. Header names compare case-insensitively, as
//! HTTP does; the first declaration wins.

use std::collections::HashSet;

use serde_json::Value;

use super::{walk, Ctx};

/// Drops repeated parameters from every `parameters` list.
pub fn dedup_params(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::parameter_lists_mut(spec, |_, list| {
        let mut seen = HashSet::new();
        list.retain(|p| key(p).is_none_or(|k| seen.insert(k)));
        Ok(())
    })
}

/// `(in, name)`, header names lowercased; None for references and malformed entries.
fn key(param: &Value) -> Option<(String, String)> {
    let location = param.get("in")?.as_str()?;
    let name = param.get("name")?.as_str()?;
    let name = if location == "header" {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    };
    Some((location.to_string(), name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_the_first_of_each_name_and_location() {
        let mut spec = json!({"paths": {"/a": {"get": {"parameters": [
            {"name": "requestId", "in": "query", "description": "first"},
            {"name": "requestId", "in": "query", "description": "second"},
            {"name": "requestId", "in": "header"},
            {"name": "X-Key", "in": "header"},
            {"name": "x-key", "in": "header"},
            {"$ref": "#/components/parameters/P"},
            {"$ref": "#/components/parameters/P"},
        ]}}}});
        dedup_params(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(
            spec["paths"]["/a"]["get"]["parameters"],
            json!([
                {"name": "requestId", "in": "query", "description": "first"},
                {"name": "requestId", "in": "header"},
                {"name": "X-Key", "in": "header"},
                {"$ref": "#/components/parameters/P"},
                {"$ref": "#/components/parameters/P"},
            ])
        );
    }
}
