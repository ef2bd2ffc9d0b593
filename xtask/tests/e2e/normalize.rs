//! The normalizer on the one real TT page, on every spec in `specs/`, and on
//! arbitrary input.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{json, Value};
use xtask::layout::{repo_root, SpecsDir};
use xtask::normalize::{normalize_all, normalize_spec, plan, to_pretty_json};

/// The OpenAPI spec embedded in the saved ttid page (`data-swagger-config`).
fn ttid_raw() -> Value {
    let page = repo_root().join("tests/fixtures/pages/ttid-documentation.wp.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(page).unwrap()).unwrap();
    let html = doc["content"]["rendered"].as_str().unwrap();
    let start = html.find("data-swagger-config=\"").unwrap() + "data-swagger-config=\"".len();
    let end = start + html[start..].find('"').unwrap();
    let config = html_escape::decode_html_entities(&html[start..end]);
    let config: Value = serde_json::from_str(&config).unwrap();
    config["spec"].clone()
}

fn ttid_overlay() -> PathBuf {
    repo_root().join("specs/overlays/ttid.yaml")
}

fn ttid() -> Value {
    normalize_spec("ttid", &ttid_raw(), Some(&ttid_overlay())).unwrap()
}

fn operation_ids(spec: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.insert(op["operationId"].as_str().unwrap().to_string());
        }
    }
    ids
}

#[test]
fn real_ttid_page_normalizes_to_its_three_operations() {
    let spec = ttid();
    let want: BTreeSet<String> = ["get_healthcheckstatus", "get_keyusage", "post_token"]
        .map(String::from)
        .into();
    assert_eq!(operation_ids(&spec), want);
    let text = to_pretty_json(&spec);
    for gone in [
        "x-amazon-apigateway",
        "requestId",
        "x-api-key",
        "securitySchemes",
        "_generated_",
        "\"cast\"",
        "<code>",
        "{basePath}",
    ] {
        assert!(!text.contains(gone), "{gone} survived normalization");
    }
    assert_eq!(spec["servers"][0]["url"], "https://ttrestapi.trade.tt");
    assert_eq!(
        spec["servers"][0]["x-ttrest-base-path"],
        "ttid/ext_uat_cert"
    );
}

#[test]
fn real_ttid_page_generates_with_progenitor() {
    let code = ttrest_codegen::generate_str("ttid", &to_pretty_json(&ttid())).unwrap();
    let compact: String = code.split_whitespace().collect();
    // The overlay's typed token exchange.
    assert!(compact.contains("pubstructTokenRequest"), "{code}");
    assert!(compact.contains("pubseconds_until_expiry:::std::option::Option<i64>"));
    assert!(compact.contains("form_urlencoded"));
    // Unknown fields are kept (rule 16) in the healthcheck response.
    assert!(compact.contains("#[serde(flatten)]pubextra:"));
    // requestId is the session's job, not an argument.
    assert!(!code.contains("request_id"));
}

#[test]
fn normalizing_twice_changes_nothing_for_every_spec() {
    let once = ttid();
    // ttid's overlay is written to be re-applicable, so even that is a no-op.
    let twice = normalize_spec("ttid", &once, Some(&ttid_overlay())).unwrap();
    assert_eq!(to_pretty_json(&once), to_pretty_json(&twice));

    let specs = SpecsDir::new(repo_root().join("specs"));
    let read = |path: &Path| -> Option<Value> {
        let text = std::fs::read_to_string(path).ok()?;
        Some(serde_json::from_str(&text).unwrap())
    };
    for service in &specs.services().unwrap() {
        for input in [specs.scraped(service), specs.reconstructed(service)] {
            let Some(raw) = read(&input) else { continue };
            let once = normalize_spec(service, &raw, Some(&specs.overlay(service)))
                .unwrap_or_else(|e| panic!("{}: {e:#}", input.display()));
            // Overlays apply to inputs once (a `remove` finds nothing the second
            // time); the rules must find nothing left to do.
            let twice = normalize_spec(service, &once, None).unwrap();
            assert_eq!(
                to_pretty_json(&once),
                to_pretty_json(&twice),
                "{}",
                input.display()
            );
        }
        let output = specs.normalized(service);
        if let Some(normalized) = read(&output) {
            let again = normalize_spec(service, &normalized, None)
                .unwrap_or_else(|e| panic!("{}: {e:#}", output.display()));
            assert_eq!(
                to_pretty_json(&again),
                to_pretty_json(&normalized),
                "{}",
                output.display()
            );
        }
    }
}

#[test]
fn operation_id_collisions_name_both_paths() {
    let raw = json!({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {
        "/sod/upload": {"post": {"responses": {}}},
        "/sod_upload": {"post": {"responses": {}}},
    }});
    let err = format!("{:#}", normalize_spec("ttmonitor", &raw, None).unwrap_err());
    assert!(
        err.contains("POST /sod/upload") && err.contains("POST /sod_upload"),
        "{err}"
    );
    assert!(
        err.contains("ttmonitor") && err.contains("operation_ids"),
        "{err}"
    );
}

/// A temporary specs directory holding `files` (relative path → text).
fn specs_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, SpecsDir) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let specs = SpecsDir::new(dir.path());
    (dir, specs)
}

fn minimal(title: &str) -> String {
    json!({"openapi": "3.0.1", "info": {"title": title, "version": "1"}, "paths": {
        "/fills": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"fills": {"type": "array", "items": {}}}}}}}}}},
    }})
    .to_string()
}

#[test]
fn overlays_update_and_remove_through_normalize_spec() {
    let (_dir, specs) = specs_dir(&[(
        "overlays/ttledger.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
         - target: $.paths['/fills'].get\n  update: {summary: Fills since a time}\n\
         - target: $.paths['/fills'].get.responses['200'].content['application/json'].schema.properties.fills\n  remove: true\n",
    )]);
    let raw: Value = serde_json::from_str(&minimal("ttledger")).unwrap();
    let spec = normalize_spec("ttledger", &raw, Some(&specs.overlay("ttledger"))).unwrap();
    let op = &spec["paths"]["/fills"]["get"];
    assert_eq!(op["summary"], "Fills since a time");
    assert_eq!(op["operationId"], "get_fills");
    let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["properties"], json!({}));
    // A missing overlay file is no overlay.
    assert!(normalize_spec("ttledger", &raw, Some(Path::new("/nonexistent.yaml"))).is_ok());
}

#[test]
fn overlay_target_matching_nothing_is_an_error_naming_file_index_and_target() {
    let (_dir, specs) = specs_dir(&[(
        "overlays/ttledger.yaml",
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
         - target: $.info\n  update: {description: d}\n\
         - target: $.paths['/orders'].get\n  remove: true\n",
    )]);
    let raw: Value = serde_json::from_str(&minimal("ttledger")).unwrap();
    let err = format!(
        "{:#}",
        normalize_spec("ttledger", &raw, Some(&specs.overlay("ttledger"))).unwrap_err()
    );
    assert!(err.contains("overlays/ttledger.yaml"), "{err}");
    assert!(
        err.contains("action 1") && err.contains("$.paths['/orders'].get"),
        "{err}"
    );
}

#[test]
fn plan_prefers_scraped_and_normalize_all_writes_only_changes() {
    let (_dir, specs) = specs_dir(&[
        ("scraped/ttledger.json", &minimal("scraped")),
        ("reconstructed/ttledger.json", &minimal("reconstructed")),
        ("reconstructed/ttpds.json", &minimal("ttpds")),
    ]);
    let planned = plan(&specs).unwrap();
    let paths: Vec<_> = planned.iter().map(|(p, _)| p.clone()).collect();
    // By name: the services are whatever the specs directory holds.
    assert_eq!(
        paths,
        [specs.normalized("ttledger"), specs.normalized("ttpds")]
    );
    assert!(planned[0].1.contains("\"title\": \"scraped\""));
    assert!(planned.iter().all(|(_, text)| text.ends_with("}\n")));

    assert_eq!(normalize_all(&specs).unwrap(), paths);
    assert!(normalize_all(&specs).unwrap().is_empty());
    assert!(xtask::generate::stale_files(&plan(&specs).unwrap()).is_empty());
    std::fs::write(specs.normalized("ttpds"), "{}\n").unwrap();
    let stale = xtask::generate::stale_files(&plan(&specs).unwrap());
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0].diff.contains("+  \"openapi\": \"3.0.1\""),
        "{}",
        stale[0].diff
    );
}

#[test]
fn a_bad_input_fails_the_whole_plan_and_writes_nothing() {
    let (_dir, specs) = specs_dir(&[
        ("reconstructed/ttpds.json", &minimal("ttpds")),
        ("reconstructed/ttledger.json", "{not json"),
    ]);
    let err = format!("{:#}", normalize_all(&specs).unwrap_err());
    assert!(err.contains("reconstructed/ttledger.json"), "{err}");
    assert!(!specs.normalized("ttpds").exists());
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("true".to_string()),
            Just("".to_string()),
            Just("<b>x</b> &amp; <key>".to_string()),
            Just("{basePath}".to_string()),
            Just("#/components/schemas/healthcheckstatus_GET".to_string()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            Just("paths".to_string()),
            Just("get".to_string()),
            Just("parameters".to_string()),
            Just("schema".to_string()),
            Just("$ref".to_string()),
            Just("properties".to_string()),
            Just("required".to_string()),
            Just("servers".to_string()),
            Just("url".to_string()),
            Just("/a/{b}".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer of `value`, the root excluded.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (token, child) in children {
        let ptr = format!("{at}/{token}");
        out.push(ptr.clone());
        pointers(child, ptr, out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        let _ = normalize_spec("ttx", &value, None);
    }
}

/// Replaces or deletes up to three random places of the real ttid spec, then
/// normalizes it (with and without its overlay): either it normalizes, and
/// again to the same text, or it fails with an error naming the service. Both
/// outcomes are counted, so a run where nearly everything errors (and the
/// idempotence check barely runs) fails instead of passing silently. The
/// cases come from a fixed seed, so a failure replays.
#[test]
fn mutated_real_spec_errors_clearly_or_normalizes_idempotently() {
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    use std::cell::Cell;

    const CASES: u32 = 256;
    let normalized = Cell::new(0u32);
    let refused = Cell::new(0u32);
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig {
            cases: CASES,
            ..ProptestConfig::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let picks = prop::collection::vec(
        (any::<prop::sample::Index>(), arb_json(), any::<bool>()),
        1..4,
    );
    runner
        .run(&picks, |picks| {
            let mut spec = ttid_raw();
            for (index, replacement, delete) in picks {
                let mut all = Vec::new();
                pointers(&spec, String::new(), &mut all);
                if all.is_empty() {
                    break;
                }
                let ptr = index.get(&all).clone();
                let (parent, last) = ptr.rsplit_once('/').unwrap();
                let key = last.replace("~1", "/").replace("~0", "~");
                match spec.pointer_mut(parent).unwrap() {
                    Value::Object(m) if delete => {
                        m.remove(&key);
                    }
                    Value::Array(a) if delete => {
                        a.remove(key.parse::<usize>().unwrap());
                    }
                    _ => *spec.pointer_mut(&ptr).unwrap() = replacement,
                }
            }
            for overlay in [None, Some(ttid_overlay())] {
                match normalize_spec("ttid", &spec, overlay.as_deref()) {
                    Ok(once) => {
                        let twice = normalize_spec("ttid", &once, None)
                            .expect("a normalized spec normalizes again");
                        prop_assert_eq!(to_pretty_json(&once), to_pretty_json(&twice));
                        normalized.set(normalized.get() + 1);
                    }
                    Err(e) => {
                        let text = format!("{e:#}");
                        prop_assert!(
                            text.starts_with("ttid: "),
                            "an error not naming ttid: {}",
                            text
                        );
                        refused.set(refused.get() + 1);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    let (ok, err) = (normalized.get(), refused.get());
    eprintln!("{ok} normalized, {err} refused");
    assert_eq!(ok + err, 2 * CASES);
    assert!(
        ok >= CASES / 4 && err > 0,
        "{ok} normalized and {err} refused of {} runs: the cases test too little",
        2 * CASES
    );
}
