//! The normalized specs describe the wire: every answer the sandbox gives to
//! every GET operation of every spec validates against the spec's own schema
//! for that status and content type, checked by an independent JSON Schema
//! validator (the `jsonschema` crate), not by ttrest's code.
//!
//! OpenAPI 3.0 schemas are JSON Schema draft 4 plus `nullable`, which is
//! rewritten as `anyOf [schema, null]`; everything else is validated as written.

use crate::sandbox_spec::{every_spec_get, specs};
use crate::sandbox_support::*;

use serde_json::{json, Map, Value};
use ttrest_sandbox::Sandbox;

/// `nullable: true` → `anyOf [schema, {"type": "null"}]`, everywhere.
fn draft4(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), draft4(v))).collect();
            if out.get("nullable") == Some(&Value::Bool(true)) {
                out.remove("nullable");
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(draft4).collect()),
        other => other.clone(),
    }
}

/// The schema of `op`'s answer with `status` and `media`, rooted so that
/// `#/components/...` references resolve; or why there is none.
fn response_schema(spec: &Value, op: &Value, status: u16, media: &str) -> Result<Value, String> {
    let responses = &op["responses"];
    let response = responses
        .get(status.to_string())
        .or_else(|| responses.get("default"))
        .ok_or_else(|| format!("status {status} is not listed"))?;
    let content = response
        .get("content")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("status {status} lists no content"))?;
    let listed = content.get(media).ok_or_else(|| {
        format!(
            "content type {media} is not listed for {status} (listed: {:?})",
            content.keys().collect::<Vec<_>>()
        )
    })?;
    let mut root = draft4(listed.get("schema").unwrap_or(&json!({})));
    if let Value::Object(map) = &mut root {
        map.insert("components".into(), draft4(&spec["components"]));
    } else {
        root = json!({"allOf": [root], "components": draft4(&spec["components"])});
    }
    Ok(root)
}

#[tokio::test]
async fn every_sandbox_answer_validates_against_its_normalized_spec() {
    let sb = Sandbox::builder().seed(2).fills(800).start().await.unwrap();
    let token = token(&sb).await;
    let mut violations = Vec::new();
    let mut checked = 0;
    for get in every_spec_get(&sb, &token).await {
        let status = get.status.as_u16();
        let at = format!("GET /{}{} ({status})", get.service, get.path);
        let schema = match response_schema(&get.spec, &get.op, status, &get.media) {
            Ok(s) => s,
            Err(why) => {
                violations.push(format!("{at}: {why}"));
                continue;
            }
        };
        let validator = jsonschema::draft4::new(&schema)
            .unwrap_or_else(|e| panic!("{at}: the spec's schema is not draft 4: {e}"));
        for error in validator.iter_errors(&get.body).take(5) {
            let mut shown = error.to_string();
            if shown.len() > 300 {
                let cut = (0..=300)
                    .rev()
                    .find(|i| shown.is_char_boundary(*i))
                    .unwrap_or(0);
                shown = format!("{}... ({} bytes)", &shown[..cut], shown.len());
            }
            violations.push(format!("{at} at {}: {shown}", error.instance_path()));
        }
        checked += 1;
    }
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    assert!(checked >= 50, "only {checked} operations checked");
}

#[tokio::test]
async fn a_malformed_body_is_answered_with_a_listed_content_type() {
    let sb = Sandbox::builder().seed(2).fills(10).start().await.unwrap();
    let token = token(&sb).await;
    let specs = specs();
    let mut checked = 0;
    for (service, spec) in &specs {
        for (path, item) in spec["paths"].as_object().unwrap() {
            let Some(op) = item.get("post") else { continue };
            if path.contains('{') || service == "ttid" || service == "ttbacktest" {
                continue;
            }
            let response = http()
                .post(format!("{}/{service}/{UAT}{path}", sb.base_url()))
                .query(&[("requestId", rid())])
                .header("x-api-key", sb.app_key())
                .header("content-type", "application/json")
                .bearer_auth(&token)
                .body("not json")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let media = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let body = response.text().await.unwrap();
            let at = format!("POST /{service}{path} ({status}, {media})");
            let media = media.split(';').next().unwrap_or_default();
            let schema =
                response_schema(spec, op, status, media).unwrap_or_else(|e| panic!("{at}: {e}"));
            let body: Value =
                serde_json::from_str(&body).unwrap_or_else(|e| panic!("{at}: {e}: {body}"));
            let validator = jsonschema::draft4::new(&schema).unwrap();
            assert!(validator.is_valid(&body), "{at}: {body}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} POSTs checked");
}
