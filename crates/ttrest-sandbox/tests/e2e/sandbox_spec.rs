//! Every endpoint of every normalized spec answers on the sandbox, and each
//! answer matches its response schema: no undeclared keys where the schema lists
//! properties, and JSON types as declared. The core answers also decode into the
//! generated response types.

use crate::sandbox_support;

use std::collections::HashMap;

use reqwest::StatusCode;
use sandbox_support::*;
use serde_json::{json, Value};
use ttrest_sandbox::Sandbox;

/// Every compiled-in service's normalized spec (ttrest's service table, built
/// from `specs/normalized/`).
pub(crate) fn specs() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = ttrest::service::enabled()
        .iter()
        .map(|s| {
            (
                s.name.to_string(),
                serde_json::from_str(s.spec_json).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => spec
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {pointer}")),
        None => schema,
    }
}

/// Checks `value` against `schema`, pushing one message per mismatch.
fn check(spec: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let ok = match (schema.get("type").and_then(Value::as_str), format) {
        (_, "tt-id" | "tt-timestamp-ns") => {
            value.is_u64()
                || value.is_i64()
                || value.as_str().is_some_and(|s| s.parse::<u64>().is_ok())
        }
        (_, "tt-bool") => value.is_boolean() || value.is_string(),
        (_, "tt-code") => value.is_number() || value.is_string(),
        (Some("string"), _) => value.is_string(),
        (Some("integer"), _) => value.is_i64() || value.is_u64(),
        (Some("number"), _) => value.is_number(),
        (Some("boolean"), _) => value.is_boolean(),
        (Some("array"), _) => value.is_array(),
        (Some("object"), _) => value.is_object(),
        _ => true,
    };
    if !ok {
        errors.push(format!(
            "{at}: {value} is not {}",
            schema.get("type").unwrap_or(&Value::Null)
        ));
        return;
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate().take(50) {
            check(spec, items, item, &format!("{at}[{i}]"), errors);
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    if let (Some(props), Some(object)) = (props.filter(|p| !p.is_empty()), value.as_object()) {
        for (key, v) in object {
            match props.get(key) {
                Some(sub) => check(spec, sub, v, &format!("{at}.{key}"), errors),
                None => errors.push(format!("{at}.{key}: not declared in the spec")),
            }
        }
    }
}

/// Real ids from the sandbox, to fill path and required query parameters.
pub(crate) async fn known_values(sb: &Sandbox, token: &str) -> HashMap<&'static str, String> {
    let (_, accounts) = get(sb, token, "ttaccount", "/accounts", &[]).await;
    let (_, users) = get(sb, token, "ttuser", "/users", &[]).await;
    let (_, products) = get(sb, token, "ttpds", "/products", &[("marketId", "7".into())]).await;
    let product = products["products"][0].clone();
    let (_, instruments) = get(
        sb,
        token,
        "ttpds",
        "/instruments",
        &[("productId", product["id"].as_str().unwrap().into())],
    )
    .await;
    let (_, algos) = get(sb, token, "ttpds", "/algos", &[]).await;
    let (_, orders) = get(sb, token, "ttledger", "/orders", &[]).await;
    let backtest = http()
        .post(format!("{}/algobacktest?requestId={}", sb.service_url("ttbacktest", "ext_prod_sim"), rid()))
        .header("x-api-key", sb.app_key())
        .bearer_auth(token)
        .json(&json!({ "accountId": accounts["accounts"][0]["id"], "algoId": algos["algos"][0]["id"], "startTime": 1_700_000_000u64, "stopTime": 1_700_003_600u64, "replaySpeed": 10.0, "marketId": 7, "replayInstruments": [instruments["instruments"][0]["id"]], "userParameters": [[]] }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    // Poll the backtest to FINISHED so its result link exists.
    let status_url = format!(
        "{}/algobacktest/{}",
        sb.service_url("ttbacktest", "ext_prod_sim"),
        backtest["backtest"]["id"].as_str().unwrap()
    );
    for _ in 0..6 {
        let r = http()
            .get(&status_url)
            .query(&[("requestId", rid())])
            .header("x-api-key", sb.app_key())
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    HashMap::from([
        ("accountId", text(&accounts["accounts"][0]["id"])),
        ("userId", text(&users["users"][0]["id"])),
        ("productId", text(&product["id"])),
        ("productFamilyId", text(&product["familyId"])),
        ("instrumentId", text(&instruments["instruments"][0]["id"])),
        ("algoId", text(&algos["algos"][0]["id"])),
        ("orderId", text(&orders["orders"][0]["orderId"])),
        ("backtestId", text(&backtest["backtest"]["id"])),
        ("batchId", uuid::Uuid::new_v4().to_string()),
        ("marketId", "7".to_string()),
        // The sandbox company (the token's `company_id`) and its first order-tag default.
        ("companyId", "4242".to_string()),
        ("orderTagDefaultId", "0".to_string()),
        ("appKey", sb.app_key().to_string()),
        ("startDate", "2026-11-20".to_string()),
        ("endDate", "2026-11-20".to_string()),
    ])
}

/// One GET operation of a spec, sent to the sandbox, and its answer.
pub(crate) struct SpecGet {
    pub service: String,
    pub spec: std::sync::Arc<Value>,
    pub path: String,
    pub op: Value,
    pub status: StatusCode,
    /// The content type, without parameters.
    pub media: String,
    pub body: Value,
}

/// Sends every GET operation of every spec to `sb`, with its required
/// parameters (and the filters that keep two answers small) from
/// [`known_values`].
pub(crate) async fn every_spec_get(sb: &Sandbox, token: &str) -> Vec<SpecGet> {
    let values = known_values(sb, token).await;
    let mut answers = Vec::new();
    for (service, spec) in specs() {
        let spec = std::sync::Arc::new(spec);
        let env = if service == "ttbacktest" {
            "ext_prod_sim"
        } else {
            UAT
        };
        for (path, item) in spec["paths"].as_object().unwrap() {
            let Some(op) = item.get("get") else { continue };
            let mut url_path = path.clone();
            let mut query = vec![("requestId".to_string(), rid())];
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                let required = p["required"] == json!(true) || p["in"] == "path";
                let wanted = required
                    || (path == "/instruments" && name == "productId")
                    || (path == "/creditutilization" && name == "accountId");
                if !wanted {
                    continue;
                }
                let value = values
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| panic!("{service} {path}: no value for {name}"));
                if p["in"] == "path" {
                    url_path = url_path.replace(&format!("{{{name}}}"), &value);
                } else {
                    query.push((name.to_string(), value));
                }
            }
            let response = http()
                .get(format!("{}/{service}/{env}{url_path}", sb.base_url()))
                .header("x-api-key", sb.app_key())
                .bearer_auth(token)
                .query(&query)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let media = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
                .unwrap_or_default();
            let body: Value = response.json().await.unwrap();
            answers.push(SpecGet {
                service: service.clone(),
                spec: spec.clone(),
                path: path.clone(),
                op: op.clone(),
                status,
                media,
                body,
            });
        }
    }
    answers
}

#[tokio::test]
async fn every_spec_get_answers_with_its_schema() {
    let sb = Sandbox::builder().seed(2).fills(800).start().await.unwrap();
    let token = token(&sb).await;
    let mut errors = Vec::new();
    let mut checked = 0;
    for get in every_spec_get(&sb, &token).await {
        let at = format!("GET {}{}", get.service, get.path);
        if get.status != StatusCode::OK {
            errors.push(format!("{at}: {} {}", get.status, get.body));
            continue;
        }
        assert_eq!(get.body["status"], "Ok", "{at}");
        let schema = get
            .op
            .pointer("/responses/200/content/application~1json/schema")
            .unwrap_or(&Value::Null);
        check(&get.spec, schema, &get.body, &at, &mut errors);
        checked += 1;
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
    assert!(checked >= 50, "only {checked} endpoints checked");
}

/// A response list, whether the generated type holds it as `Vec` or `Option<Vec>`.
fn list<T>(field: impl Into<Option<Vec<T>>>) -> Vec<T> {
    field.into().unwrap_or_default()
}

#[tokio::test]
async fn core_answers_decode_into_the_generated_types() {
    use ttrest::{ttaccount, ttledger, ttmonitor, ttpds, ttuser};
    let sb = Sandbox::builder().seed(4).fills(700).start().await.unwrap();
    let token = token(&sb).await;
    let (_, body) = get(&sb, &token, "ttledger", "/fills", &[]).await;
    let page: ttledger::types::GetFillsResponse = serde_json::from_value(body).unwrap();
    let fills = list(page.fills);
    assert_eq!(fills.len(), 500);
    assert!(fills[0].time_stamp.unwrap().as_nanos() > 1_700_000_000_000_000_000);
    assert!(u64::from(fills[0].instrument_id.unwrap()) > i64::MAX as u64);
    let (_, body) = get(&sb, &token, "ttledger", "/orders", &[]).await;
    let orders: ttledger::types::GetOrdersResponse = serde_json::from_value(body).unwrap();
    assert!(!list(orders.orders).is_empty());
    let (_, body) = get(&sb, &token, "ttmonitor", "/position", &[]).await;
    let positions: ttmonitor::types::GetPositionResponse = serde_json::from_value(body).unwrap();
    assert!(!list(positions.positions).is_empty());
    let (_, body) = get(&sb, &token, "ttaccount", "/accounts", &[]).await;
    let accounts: ttaccount::types::GetAccountsResponse = serde_json::from_value(body).unwrap();
    assert_eq!(list(accounts.accounts).len(), 25);
    let (_, body) = get(&sb, &token, "ttuser", "/users", &[]).await;
    let users: ttuser::types::GetUsersResponse = serde_json::from_value(body).unwrap();
    assert_eq!(list(users.users).len(), 8);
    let (_, body) = get(&sb, &token, "ttpds", "/markets", &[]).await;
    let markets: ttpds::types::GetMarketsResponse = serde_json::from_value(body).unwrap();
    assert!(list(markets.markets)
        .iter()
        .any(|m| m.name.as_deref() == Some("CME")));
}
