//! Rule 21: every operation's error responses decode into ttrest's error body.
//!
//! TT documents 400 and 500 without content, so progenitor would hand back
//! an empty error value and drop whatever TT said. This rule gives every 4xx
//! and 5xx response (documented codes and the `4XX`/`5XX` ranges, added when
//! missing) a schema that `x-rust-type` maps to `ttrest::error::ErrorBody`.
//! The schema is inline, not a component: typify wraps a component in a
//! newtype per service, while an inline `x-rust-type` is used as is, so every
//! operation of every service shares one error type. The session's hook answers every failed call
//! with that canonical body (TT's message, status, service, operation and
//! requestId), so the generated code decodes it into the error value itself:
//! nothing about a failure lives outside the `Result` the caller holds.

use serde_json::{json, Map, Value};

use super::Ctx;

/// The Rust type every error response decodes into.
pub const ERROR_BODY: &str = "ttrest::error::ErrorBody";

/// The ranges added to every operation, so any 4xx/5xx status decodes.
const RANGES: [&str; 2] = ["4XX", "5XX"];

/// Gives every error response the schema of [`ERROR_BODY`].
pub fn error_responses(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            typed_errors(responses);
        }
    }
    Ok(())
}

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn typed_errors(responses: &mut Map<String, Value>) {
    for range in RANGES {
        let description = format!("{} response", range);
        responses
            .entry(range)
            .or_insert_with(|| json!({ "description": description }));
    }
    for (code, response) in responses.iter_mut() {
        if !is_error_status(code) {
            continue;
        }
        if let Some(response) = response.as_object_mut() {
            response.insert(
                "content".into(),
                json!({"application/json": {"schema": schema()}}),
            );
        }
    }
}

fn schema() -> Value {
    json!({
        "description": "A failed call as ttrest reports it: TT's message, the status, and the call it belongs to.",
        "type": "object",
        "x-rust-type": {"crate": "ttrest", "version": "*", "path": ERROR_BODY}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_responses_refer_to_the_error_body_and_ranges_are_added() {
        let mut spec = json!({"paths": {"/a": {"get": {"responses": {
            "200": {"description": "ok"},
            "400": {"description": "400 response", "content": {}},
            "500": {"description": "500 response"}
        }}}}});
        error_responses(&mut spec, &Ctx { service: "ttx" }).unwrap();
        let r = &spec["paths"]["/a"]["get"]["responses"];
        for code in ["400", "500", "4XX", "5XX"] {
            assert_eq!(
                r[code]["content"]["application/json"]["schema"]["x-rust-type"]["path"],
                "ttrest::error::ErrorBody",
                "{code}"
            );
        }
        assert!(r["200"].get("content").is_none());
        assert!(spec.get("components").is_none(), "no per-service component");
    }

    #[test]
    fn it_is_idempotent() {
        let mut spec =
            json!({"paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}});
        error_responses(&mut spec, &Ctx { service: "ttx" }).unwrap();
        let once = spec.clone();
        error_responses(&mut spec, &Ctx { service: "ttx" }).unwrap();
        assert_eq!(spec, once);
    }
}
