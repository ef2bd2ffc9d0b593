//! Rule 6: operations without an `operationId` get a stable snake_case one
//! derived from method and path, the way swagger-ui names TT's anchors:
//! `GET /fills` → `get_fills`, `GET /instrument/{instrumentId}` →
//! `get_instrument_by_instrument_id`, `POST /sod/upload` → `post_sod_upload`.
//!
//! progenitor names client methods after these ids, so they must be unique:
//! a collision is an error naming both operations (fix it with an overlay
//! that sets an explicit `operationId`). Existing ids are kept as they are.

use std::collections::HashMap;

use anyhow::bail;
use serde_json::Value;

use super::{walk, Ctx};

/// Derives the missing operation ids and rejects duplicates.
pub fn operation_ids(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut claim = |id: String, method: &str, path: &str| {
        let who = format!("{} {path}", method.to_ascii_uppercase());
        match owners.get(&id) {
            Some(other) => bail!(
                "operationId `{id}` of {who} collides with {other}; \
                 give one of them an explicit operationId in specs/overlays/"
            ),
            None => {
                owners.insert(id, who);
                Ok(())
            }
        }
    };
    // Explicit ids first, so a derived id that clashes with one is reported.
    walk::operations_mut(spec, |path, method, op| match op.get("operationId") {
        None => Ok(()),
        Some(Value::String(id)) => claim(id.clone(), method, path),
        Some(other) => bail!("operationId of {method} {path} is {other}, not a string"),
    })?;
    walk::operations_mut(spec, |path, method, op| {
        if op.contains_key("operationId") {
            return Ok(());
        }
        let id = derive(method, path);
        claim(id.clone(), method, path)?;
        op.insert("operationId".into(), id.into());
        Ok(())
    })
}

/// `method_segment_by_param...` in snake_case; `/` alone is `<method>_root`.
pub fn derive(method: &str, path: &str) -> String {
    let mut words = vec![method.to_ascii_lowercase()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let mut rest = segment;
        while !rest.is_empty() {
            match (rest.find('{'), rest.find('}')) {
                (Some(open), Some(close)) if open < close => {
                    words.push(snake(&rest[..open]));
                    words.push(format!("by_{}", snake(&rest[open + 1..close])));
                    rest = &rest[close + 1..];
                }
                _ => {
                    words.push(snake(rest));
                    rest = "";
                }
            }
        }
    }
    words.retain(|w| !w.is_empty() && w != "by_");
    if words.len() == 1 {
        words.push("root".into());
    }
    words.join("_")
}

/// `instrumentId` → `instrument_id`, `HTTPServer` → `http_server`, `a-b.c` → `a_b_c`.
pub fn snake(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            out.push('_');
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const CTX: Ctx = Ctx { service: "ttx" };

    #[test]
    fn derives_ids_from_method_and_path() {
        assert_eq!(derive("get", "/fills"), "get_fills");
        assert_eq!(
            derive("get", "/instrument/{instrumentId}"),
            "get_instrument_by_instrument_id"
        );
        assert_eq!(
            derive("get", "/account/{accountId}/limits"),
            "get_account_by_account_id_limits"
        );
        assert_eq!(derive("post", "/sod/upload"), "post_sod_upload");
        assert_eq!(derive("get", "/user/countryIds"), "get_user_country_ids");
        assert_eq!(derive("get", "/"), "get_root");
        assert_eq!(derive("get", "/file/{name}.json"), "get_file_by_name_json");
        assert_eq!(snake("HTTPServerID2x"), "http_server_id2x");
    }

    #[test]
    fn keeps_existing_ids_and_fills_missing_ones() {
        let mut spec = json!({"paths": {
            "/a": {"get": {"operationId": "listA"}, "post": {}},
            "/b/{bId}": {"delete": {}},
        }});
        operation_ids(&mut spec, &CTX).unwrap();
        assert_eq!(spec["paths"]["/a"]["get"]["operationId"], "listA");
        assert_eq!(spec["paths"]["/a"]["post"]["operationId"], "post_a");
        assert_eq!(
            spec["paths"]["/b/{bId}"]["delete"]["operationId"],
            "delete_b_by_b_id"
        );
    }

    #[test]
    fn collisions_name_both_operations() {
        let mut spec = json!({"paths": {"/sod/upload": {"get": {}}, "/sod_upload": {"get": {}}}});
        let err = operation_ids(&mut spec, &CTX).unwrap_err().to_string();
        assert!(
            err.contains("GET /sod/upload") && err.contains("GET /sod_upload"),
            "{err}"
        );
    }

    #[test]
    fn derived_id_colliding_with_an_explicit_one_is_an_error() {
        let mut spec =
            json!({"paths": {"/x": {"get": {"operationId": "get_y"}}, "/y": {"get": {}}}});
        let err = operation_ids(&mut spec, &CTX).unwrap_err().to_string();
        assert!(err.contains("GET /x") && err.contains("GET /y"), "{err}");
    }
}
