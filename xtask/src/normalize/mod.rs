//! `cargo xtask normalize`: turns TT's OpenAPI dialect (scraped or reconstructed)
//! into a spec that `openapiv3` parses and progenitor generates from.
//!
//! [`normalize_spec`] runs [`RULES`] in their fixed order, then applies the service's
//! OpenAPI Overlay (`specs/overlays/<service>.yaml`, see [`overlay`]), then what
//! `cargo xtask learn --write` learned (`specs/overlays/<service>.learned.yaml`), and finally
//! checks that `openapiv3` accepts the result. Every rule is generic over TT's
//! dialect; service-specific fixes live in overlays. Normalizing an already
//! normalized spec changes nothing: the rules are idempotent and overlays write
//! normalized content. (An overlay is meant for the raw input: re-applying one
//! with a `remove` action fails, since its target is gone.)

pub mod apigateway;
pub mod common_inputs;
pub mod content_type_header;
pub mod cors_options;
pub mod dedup_params;
pub mod empty_ref;
pub mod error_responses;
pub mod extra_fields;
pub mod field_collisions;
pub mod html;
pub mod operation_ids;
pub mod optional_arrays;
pub mod overlay;
pub mod progenitor_compat;
pub mod required_bool;
pub mod response_defaults;
pub mod response_description;
pub mod scalar_formats;
pub mod schema_keys;
pub mod servers;
pub mod stray_media_type;
pub mod walk;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde_json::Value;

use crate::layout::SpecsDir;

/// What a rule knows besides the document it rewrites.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// The TT service (`ttid`, `ttledger`, ...) the spec describes.
    pub service: &'a str,
}

/// One normalization rule: rewrites the document in place, or explains why it cannot.
pub type Rule = fn(&mut Value, &Ctx) -> anyhow::Result<()>;

/// The rules, by name, in the order they run.
///
/// The order matters where one rule's output is another's input: CORS mocks are
/// recognised by their API Gateway integration, so they go before the
/// `x-amazon-apigateway-*` extensions; parameters are deduplicated and the
/// common inputs removed before operation ids are derived; schemas are cleaned
/// before the formats and `additionalProperties` are added; the last three
/// shape generated fields and need to know which schemas are request-only and
/// which keep unknown fields in `extra`.
pub const RULES: &[(&str, Rule)] = &[
    ("required_bool", required_bool::required_bool),
    ("empty_ref", empty_ref::empty_ref),
    ("dedup_params", dedup_params::dedup_params),
    (
        "response_description",
        response_description::response_description,
    ),
    ("stray_media_type", stray_media_type::stray_media_type),
    ("operation_ids", operation_ids::operation_ids),
    ("cors_options", cors_options::cors_options),
    ("apigateway", apigateway::apigateway),
    (
        "content_type_header",
        content_type_header::content_type_header,
    ),
    ("schema_keys", schema_keys::schema_keys),
    ("servers", servers::servers),
    ("html", html::html),
    ("common_inputs", common_inputs::common_inputs),
    ("scalar_formats", scalar_formats::scalar_formats),
    ("extra_fields", extra_fields::extra_fields),
    ("progenitor_compat", progenitor_compat::progenitor_compat),
    ("optional_arrays", optional_arrays::optional_arrays),
    ("response_defaults", response_defaults::response_defaults),
    ("field_collisions", field_collisions::field_collisions),
    ("error_responses", error_responses::error_responses),
];

/// Normalizes one service's raw spec (scraped or reconstructed, TT dialect) and then applies
/// its overlay file if `overlay` is Some and the file exists. Errors name the service and rule.
pub fn normalize_spec(service: &str, raw: &Value, overlay: Option<&Path>) -> anyhow::Result<Value> {
    if !raw.is_object() {
        bail!("{service}: the spec is not a JSON object");
    }
    let mut spec = raw.clone();
    let ctx = Ctx { service };
    for (name, rule) in RULES {
        rule(&mut spec, &ctx).with_context(|| format!("{service}: normalizer rule `{name}`"))?;
    }
    if let Some(path) = overlay.filter(|p| p.is_file()) {
        let doc = overlay::Overlay::load(path)?;
        doc.apply(&mut spec, path)
            .with_context(|| format!("{service}: overlay {}", path.display()))?;
    }
    // What `cargo xtask learn --write` learned from recorded answers comes last.
    let learned = overlay.map(|p| p.with_file_name(format!("{service}.learned.yaml")));
    if let Some(path) = learned.filter(|p| p.is_file()) {
        let doc = overlay::Overlay::load(&path)?;
        doc.apply(&mut spec, &path)
            .with_context(|| format!("{service}: learned overlay {}", path.display()))?;
    }
    // Fail here, naming the service, rather than later in build.rs.
    serde_json::from_value::<openapiv3::OpenAPI>(spec.clone()).with_context(|| {
        format!("{service}: the normalized spec is not an OpenAPI 3.0 document openapiv3 accepts")
    })?;
    Ok(spec)
}

/// The normalized text (see `to_pretty_json`) of every service that has an input in `specs`
/// (scraped wins over reconstructed, via `SpecsDir::input`), keyed by its `normalized/<service>.json` path. Writes nothing.
///
/// The services are whatever `specs` holds ([`SpecsDir::services`]), so a service
/// TT adds is normalized as soon as a scrape brings its spec.
pub fn plan(specs: &SpecsDir) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let services = specs
        .services()
        .with_context(|| format!("cannot list the specs in {}", specs.root().display()))?;
    for service in &services {
        let Some(input) = specs.input(service) else {
            continue;
        };
        let text = std::fs::read_to_string(&input)
            .with_context(|| format!("cannot read {}", input.display()))?;
        let raw: Value = serde_json::from_str(&text)
            .with_context(|| format!("{}: not valid JSON", input.display()))?;
        let spec = normalize_spec(service, &raw, Some(&specs.overlay(service)))
            .with_context(|| format!("normalizing {}", input.display()))?;
        out.push((specs.normalized(service), to_pretty_json(&spec)));
    }
    Ok(out)
}

/// Runs `plan` and writes the files that changed; returns the paths.
pub fn normalize_all(specs: &SpecsDir) -> anyhow::Result<Vec<PathBuf>> {
    // Plan everything first so one bad spec leaves no file half-updated.
    let planned = plan(specs)?;
    let dir = specs.normalized_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (path, text) in planned {
        if std::fs::read_to_string(&path).is_ok_and(|have| have == text) {
            continue;
        }
        crate::generate::write_if_changed(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}

/// Pretty JSON with object keys sorted recursively and a trailing newline (used for scraped/ and normalized/ files).
pub fn to_pretty_json(value: &Value) -> String {
    let mut text =
        serde_json::to_string_pretty(&sorted(value)).expect("a JSON value always serializes");
    text.push('\n');
    text
}

/// A copy of `value` whose objects list their keys in byte order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pretty_json_sorts_keys_recursively_and_ends_with_newline() {
        let text = to_pretty_json(&json!({"b": 1, "a": {"d": [{"z": 1, "y": 2}], "c": 3}}));
        assert_eq!(
            text,
            "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": [\n      {\n        \"y\": 2,\n        \"z\": 1\n      }\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }

    #[test]
    fn non_object_spec_is_an_error_naming_the_service() {
        let err = normalize_spec("ttfoo", &json!([1]), None).unwrap_err();
        assert!(format!("{err:#}").contains("ttfoo"), "{err:#}");
    }

    #[test]
    fn rule_errors_name_service_and_rule() {
        let raw = json!({"openapi": "3.0.1", "paths": {"/a": {"get": {
            "parameters": [{"name": "x", "in": "query", "required": "maybe"}]}}}});
        let err = format!("{:#}", normalize_spec("ttfoo", &raw, None).unwrap_err());
        assert!(
            err.contains("ttfoo") && err.contains("required_bool"),
            "{err}"
        );
    }
}
