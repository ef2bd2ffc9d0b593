//! Rule 15: TT's lenient scalar formats map to ttrest's scalar types.
//!
//! Reconstructed specs mark lenient scalars with `format: tt-id`,
//! `tt-timestamp-ns`, `tt-bool` or `tt-code` (enumeration codes sent as numbers
//! or strings; see `specs/README.md`), and overlays mark
//! secrets (the token request's app secret, the token) with `tt-secret`, whose
//! type never shows its value in `Debug`; this rule adds the
//! `x-rust-type` extension typify uses to reference `ttrest::scalar::*`
//! instead of generating a type.
//!
//! The schema itself describes the wire, for validators, gateways and other
//! generators: a lenient scalar loses its single `type` for an `anyOf` of the
//! JSON forms TT sends ([`wire`]): a code is an integer or a string, an id or a
//! nanosecond timestamp an integer or a digit string, a boolean a boolean or a
//! string. Parameters keep their single type (they are written, not read).

use serde_json::{json, Value};

use super::{walk, Ctx};

/// `format` → the Rust path of the type that parses it.
pub const FORMATS: &[(&str, &str)] = &[
    ("tt-id", "ttrest::scalar::TtId"),
    ("tt-timestamp-ns", "ttrest::scalar::Timestamp"),
    ("tt-bool", "ttrest::scalar::TtBool"),
    ("tt-code", "ttrest::scalar::Code"),
    ("tt-secret", "ttrest::scalar::Secret"),
];

/// `format` → the JSON forms TT sends for it (JSON Schema `anyOf` branches).
pub fn wire(format: &str) -> Option<Value> {
    let digits = json!({"type": "string", "pattern": "^[0-9]+$"});
    Some(match format {
        "tt-code" => json!([{"type": "integer"}, {"type": "string"}]),
        "tt-id" | "tt-timestamp-ns" => json!([{"type": "integer", "minimum": 0}, digits]),
        "tt-bool" => json!([{"type": "boolean"}, {"type": "string"}]),
        _ => return None,
    })
}

/// Adds `x-rust-type` to every schema with one of [`FORMATS`], and describes
/// the wire forms of lenient scalars outside parameters (see [`wire`]).
pub fn scalar_formats(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, ptr| {
        let format = schema
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(format) = format else {
            return Ok(());
        };
        if let Some((_, path)) = FORMATS.iter().find(|(f, _)| *f == format) {
            let ext = json!({"crate": "ttrest", "version": "*", "path": path});
            schema.insert("x-rust-type".into(), ext);
        }
        if let Some(forms) = wire(&format).filter(|_| !ptr.contains("/parameters/")) {
            schema.remove("type");
            schema.insert("anyOf".into(), forms);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_formats_get_the_extension() {
        let mut spec = json!({"components": {"schemas": {"S": {"properties": {
            "id": {"type": "string", "format": "tt-id"},
            "t": {"type": "integer", "format": "tt-timestamp-ns"},
            "b": {"type": "string", "format": "tt-bool"},
            "c": {"type": "string", "format": "tt-code"},
            "s": {"type": "string", "format": "tt-secret"},
            "d": {"type": "string", "format": "date"},
        }}}}});
        scalar_formats(
            &mut spec,
            &Ctx {
                service: "ttledger",
            },
        )
        .unwrap();
        let p = &spec["components"]["schemas"]["S"]["properties"];
        let path = |k: &str| p[k]["x-rust-type"]["path"].clone();
        assert_eq!(path("id"), "ttrest::scalar::TtId");
        assert_eq!(path("t"), "ttrest::scalar::Timestamp");
        assert_eq!(path("b"), "ttrest::scalar::TtBool");
        assert_eq!(path("c"), "ttrest::scalar::Code");
        assert_eq!(path("s"), "ttrest::scalar::Secret");
        assert_eq!(p["id"]["x-rust-type"]["crate"], "ttrest");
        assert_eq!(p["id"]["x-rust-type"]["version"], "*");
        assert!(p["d"].get("x-rust-type").is_none());
        assert_eq!(
            p["c"]["anyOf"],
            json!([{"type": "integer"}, {"type": "string"}])
        );
        assert!(p["c"].get("type").is_none(), "the wire, not one type");
        assert_eq!(p["id"]["anyOf"][1]["pattern"], "^[0-9]+$");
        assert_eq!(p["s"]["type"], "string", "secrets are strings");
        assert_eq!(p["d"]["type"], "string");
    }

    #[test]
    fn parameters_keep_their_type_and_the_rule_is_idempotent() {
        let mut spec = json!({"paths": {"/x": {"get": {"parameters": [
            {"name": "a", "in": "query", "schema": {"type": "string", "format": "tt-code"}}
        ], "responses": {}}}}, "components": {"schemas": {"S": {"properties": {
            "c": {"type": "string", "format": "tt-code"}}}}}});
        let ctx = Ctx {
            service: "ttledger",
        };
        scalar_formats(&mut spec, &ctx).unwrap();
        let once = spec.clone();
        scalar_formats(&mut spec, &ctx).unwrap();
        assert_eq!(spec, once);
        assert_eq!(
            spec["paths"]["/x"]["get"]["parameters"][0]["schema"]["type"],
            "string"
        );
    }
}
