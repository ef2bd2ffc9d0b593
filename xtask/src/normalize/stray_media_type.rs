//! Rule 5: media-type keys sitting directly on an operation are removed.
//!
//! TT's `/token` operation carries `"application/json": {"schema": {"$ref": ""}}`
//! where `requestBody` belongs. It is not a request body (the token request is a
//! form, see `specs/overlays/ttid.yaml`), so it is dropped rather than promoted.

use serde_json::Value;

use super::{walk, Ctx};

/// Removes `type/subtype` keys from every operation object.
pub fn stray_media_type(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::operations_mut(spec, |_, _, op| {
        op.retain(|key, _| !is_media_type(key));
        Ok(())
    })
}

/// `type/subtype[; params]`: no OpenAPI operation field looks like that.
/// Extensions (`x-...`) are never touched.
fn is_media_type(key: &str) -> bool {
    let token = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-*".contains(c))
    };
    let essence = key.split(';').next().unwrap_or_default().trim();
    !key.starts_with("x-")
        && essence
            .split_once('/')
            .is_some_and(|(t, s)| token(t) && token(s))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn removes_media_type_keys_and_keeps_fields() {
        let mut spec = json!({"paths": {"/token": {"post": {
            "application/json": {"schema": {"$ref": ""}},
            "text/plain; charset=utf-8": {},
            "summary": "s",
            "x-ext/ok": 1,
        }}}});
        stray_media_type(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(
            spec["paths"]["/token"]["post"],
            json!({"summary": "s", "x-ext/ok": 1})
        );
    }
}
