//! Rule 15: TT's lenient scalar formats map to ttrest's scalar types.
//!
//! Reconstructed specs mark lenient scalars with `format: tt-id`,
//! `tt-timestamp-ns`, `tt-bool` or `tt-code` (enumeration codes sent as numbers
//! or strings; see `specs/README.md`), and overlays mark
//! secrets (the token request's app secret, the token) with `tt-secret`, whose
//! type never shows its value in `Debug`; this rule adds the
//! `x-rust-type` extension typify uses to reference `ttrest::scalar::*`
//! instead of generating a type.

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

/// Adds `x-rust-type` to every schema with one of [`FORMATS`].
pub fn scalar_formats(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    walk::schemas_mut(spec, &mut |schema, _| {
        let format = schema.get("format").and_then(Value::as_str);
        if let Some((_, path)) = FORMATS.iter().find(|(f, _)| Some(*f) == format) {
            let ext = json!({"crate": "ttrest", "version": "*", "path": path});
            schema.insert("x-rust-type".into(), ext);
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
    }
}
