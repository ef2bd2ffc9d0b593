//! `cargo xtask diff`: fixture pairs for each kind of change, the three output
//! formats, exit codes of the binary, errors, and `--base` on a temporary git repo.
//!
//! Base specs are snapshots in `tests/fixtures/diff/`: `ttid.json` is a copy of the
//! real normalized ttid spec, `ttledger.json` a small spec in the same shape with the
//! features ttid lacks (components, enums, paging, a request body). Each test writes
//! the base and an edited copy into a temporary `old/` and `new/` specs directory.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::{json, Value};
use tempfile::TempDir;
use xtask::diff::render::{render, Format};
use xtask::diff::{compare, Change, ChangeKind, Report, RustApiChangeKind, Severity, Snapshot};

fn fixture(service: &str) -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/diff/{service}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An old/new pair of specs directories in a temporary directory.
struct Case {
    _tmp: TempDir,
    old: PathBuf,
    new: PathBuf,
}

impl Case {
    /// `service`'s fixture on the old side, `edit`ed on the new side.
    fn new(service: &str, edit: impl FnOnce(&mut Value)) -> Self {
        let tmp = TempDir::new().unwrap();
        let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
        let base = fixture(service);
        let mut edited = base.clone();
        edit(&mut edited);
        write_spec(&old, service, &base);
        write_spec(&new, service, &edited);
        Self {
            _tmp: tmp,
            old,
            new,
        }
    }

    fn report(&self) -> Report {
        compare(
            &Snapshot::from_dir(&self.old).unwrap(),
            &Snapshot::from_dir(&self.new).unwrap(),
        )
    }

    fn cmd(&self, extra: &[&str]) -> assert_cmd::assert::Assert {
        let mut cmd = Command::cargo_bin("xtask").unwrap();
        cmd.arg("diff")
            .arg("--old")
            .arg(&self.old)
            .arg("--new")
            .arg(&self.new);
        cmd.args(extra).assert()
    }
}

fn write_spec(dir: &Path, service: &str, spec: &Value) {
    std::fs::create_dir_all(dir.join("normalized")).unwrap();
    let text = serde_json::to_string_pretty(spec).unwrap();
    std::fs::write(dir.join(format!("normalized/{service}.json")), text).unwrap();
}

fn changes(report: &Report) -> Vec<&Change> {
    report.services.iter().flat_map(|s| &s.changes).collect()
}

/// The report's only spec change.
fn only_change(report: &Report) -> Change {
    let all = changes(report);
    assert_eq!(all.len(), 1, "expected one change, got {all:#?}");
    all[0].clone()
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    &mut spec["components"]["schemas"][name]
}

fn push_param(spec: &mut Value, path: &str, method: &str, param: Value) {
    spec["paths"][path][method]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(param);
}

#[test]
fn operation_removed_is_breaking_in_spec_and_rust_api() {
    let case = Case::new("ttid", |s| {
        s["paths"].as_object_mut().unwrap().remove("/keyusage");
    });
    let report = case.report();
    let c = only_change(&report);
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::OperationRemoved, Severity::Breaking)
    );
    assert_eq!(c.operation.as_deref(), Some("get_keyusage"));
    assert_eq!(c.endpoint.as_deref(), Some("GET /keyusage"));
    assert!(c.reason.contains("Client::get_keyusage"), "{}", c.reason);
    let rust = &report.services[0].rust_api;
    let removed = rust
        .iter()
        .find(|r| r.path == "Client::get_keyusage")
        .expect("method reported");
    assert_eq!(
        (removed.kind, removed.severity),
        (RustApiChangeKind::Removed, Severity::Breaking)
    );
    assert!(rust
        .iter()
        .any(|r| r.path == "builder::GetKeyusage::app_key"));
    assert!(report.has_breaking());
}

#[test]
fn required_parameter_added_is_breaking() {
    let case = Case::new("ttid", |s| {
        let p = json!({"name": "accountId", "in": "query", "required": true, "schema": {"type": "string"}});
        push_param(s, "/keyusage", "get", p);
    });
    let c = only_change(&case.report());
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::ParameterAdded, Severity::Breaking)
    );
    assert_eq!(c.path, "query parameter accountId");
    assert_eq!(c.reason, "callers must now set `accountId`");
}

#[test]
fn optional_parameter_added_is_not_breaking_and_sets_exit_codes() {
    let case = Case::new("ttid", |s| {
        let p = json!({"name": "region", "in": "query", "required": false, "schema": {"type": "string"}});
        push_param(s, "/keyusage", "get", p);
    });
    let report = case.report();
    let c = only_change(&report);
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::ParameterAdded, Severity::NonBreaking)
    );
    let added = &report.services[0].rust_api;
    assert!(added
        .iter()
        .any(|r| r.path == "builder::GetKeyusage::region" && r.severity == Severity::NonBreaking));
    assert!(!report.has_breaking());
    case.cmd(&[]).success();
    case.cmd(&["--fail-on", "breaking"]).success();
    case.cmd(&["--fail-on", "any"]).code(1);
}

#[test]
fn nested_response_field_type_change_is_breaking() {
    let case = Case::new("ttid", |s| {
        let services = &mut schema(s, "healthcheckstatus_GET")["properties"]["groups"]["items"]
            ["properties"]["services"];
        services["items"]["properties"]["serviceStatus"] =
            json!({"type": "integer", "format": "int32"});
    });
    let c = only_change(&case.report());
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::ResponseFieldTypeChanged, Severity::Breaking)
    );
    assert_eq!(
        c.path,
        "healthcheckstatus_GET.groups[].services[].serviceStatus"
    );
    assert_eq!(
        (c.old.as_deref(), c.new.as_deref()),
        (Some("string"), Some("integer(int32)"))
    );
    case.cmd(&["--fail-on", "breaking"]).code(1);
}

#[test]
fn response_field_added_is_not_breaking() {
    let case = Case::new("ttid", |s| {
        schema(s, "healthcheckstatus_GET")["properties"]["region"] = json!({"type": "string"});
    });
    let report = case.report();
    let c = only_change(&report);
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::ResponseFieldAdded, Severity::NonBreaking)
    );
    assert_eq!(c.path, "healthcheckstatus_GET.region");
    assert_eq!(c.operation.as_deref(), Some("get_healthcheckstatus"));
    let field = report.services[0]
        .rust_api
        .iter()
        .find(|r| r.path == "types::HealthcheckstatusGet.region");
    assert_eq!(field.unwrap().new.as_deref(), Some("Option<String>"));
}

#[test]
fn response_field_removed_below_a_removed_field_is_reported_once() {
    let case = Case::new("ttid", |s| {
        schema(s, "healthcheckstatus_GET")["properties"]
            .as_object_mut()
            .unwrap()
            .remove("groups");
    });
    let c = only_change(&case.report());
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::ResponseFieldRemoved, Severity::Breaking)
    );
    assert_eq!(c.path, "healthcheckstatus_GET.groups");
    assert!(c.reason.contains("no longer compiles"));
}

#[test]
fn enum_value_removed_is_breaking_wherever_the_enum_is_used() {
    let case = Case::new("ttledger", |s| schema(s, "Side")["enum"] = json!(["Buy"]));
    let report = case.report();
    let all = changes(&report);
    assert_eq!(all.len(), 2, "{all:#?}");
    for c in &all {
        assert_eq!(
            (c.kind, c.severity),
            (ChangeKind::EnumValueRemoved, Severity::Breaking)
        );
        assert_eq!(c.old.as_deref(), Some("Sell"));
    }
    let paths: Vec<&str> = all.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["GetFillsResponse.fills[].side", "NewOrder.side"]);
    let variant = report.services[0]
        .rust_api
        .iter()
        .find(|r| r.path == "types::Side::Sell")
        .unwrap();
    assert_eq!(variant.kind, RustApiChangeKind::Removed);
}

#[test]
fn enum_value_added_is_breaking_because_typify_enums_are_exhaustive() {
    let case = Case::new("ttledger", |s| {
        schema(s, "Side")["enum"] = json!(["Buy", "Sell", "Cross"])
    });
    let report = case.report();
    let c = changes(&report)[0].clone();
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::EnumValueAdded, Severity::Breaking)
    );
    assert_eq!(c.new.as_deref(), Some("Cross"));
    assert!(c.reason.contains("exhaustive"));
    let variant = report.services[0]
        .rust_api
        .iter()
        .find(|r| r.path == "types::Side::Cross")
        .unwrap();
    assert_eq!(variant.severity, Severity::Breaking);
}

#[test]
fn paging_style_change_is_breaking() {
    let case = Case::new("ttledger", |s| {
        s["paths"]["/accounts"]["get"]["parameters"] = json!([{"name": "minTimestamp", "in": "query", "required": false, "schema": {"type": "string"}}]);
    });
    let report = case.report();
    let paging = changes(&report)
        .into_iter()
        .find(|c| c.kind == ChangeKind::PagingChanged)
        .unwrap()
        .clone();
    assert_eq!(paging.severity, Severity::Breaking);
    assert_eq!(paging.operation.as_deref(), Some("get_accounts"));
    assert_eq!(paging.old.as_deref(), Some("NPK (nextPageKey)"));
    assert_eq!(paging.new.as_deref(), Some("TS (minTimestamp)"));
    // The parameter changes behind it are reported too.
    let kinds: Vec<ChangeKind> = changes(&report).iter().map(|c| c.kind).collect();
    assert!(
        kinds.contains(&ChangeKind::ParameterRemoved)
            && kinds.contains(&ChangeKind::ParameterAdded)
    );
}

/// Rewrites every `description` and `summary` in a JSON tree.
fn reword(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match (k.as_str(), child.is_string()) {
                    ("description" | "summary", true) => *child = json!("Reworded by TT."),
                    _ => reword(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(reword),
        _ => {}
    }
}

#[test]
fn description_only_change_is_no_api_change() {
    let case = Case::new("ttid", reword);
    assert_ne!(fixture("ttid"), {
        let mut v = fixture("ttid");
        reword(&mut v);
        v
    });
    let report = case.report();
    assert!(report.is_empty(), "{report:#?}");
    let out = case.cmd(&["--fail-on", "any"]).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("no API changes"), "{stdout}");
}

#[test]
fn request_body_rules() {
    let case = Case::new("ttledger", |s| {
        let order = schema(s, "NewOrder");
        order["properties"]["tif"] = json!({"type": "string"});
        order["required"] = json!(["accountId", "side", "tif"]);
        order["properties"]["note"] = json!({"type": "string"});
    });
    let report = case.report();
    let find = |path: &str| {
        changes(&report)
            .into_iter()
            .find(|c| c.path == path)
            .unwrap()
            .clone()
    };
    let tif = find("NewOrder.tif");
    assert_eq!(
        (tif.kind, tif.severity),
        (ChangeKind::RequestFieldAdded, Severity::Breaking)
    );
    assert_eq!(tif.reason, "callers must now set `NewOrder.tif`");
    assert_eq!(find("NewOrder.note").severity, Severity::NonBreaking);

    let removed = Case::new("ttledger", |s| {
        s["paths"]["/order"]["post"]
            .as_object_mut()
            .unwrap()
            .remove("requestBody");
    });
    let c = only_change(&removed.report());
    assert_eq!(
        (c.kind, c.severity),
        (ChangeKind::RequestBodyRemoved, Severity::Breaking)
    );
}

#[test]
fn response_required_change_breaks_only_when_the_rust_type_changes() {
    let case = Case::new("ttledger", |s| {
        schema(s, "Account")["required"] = json!(["id", "name"]);
        schema(s, "GetAccountsResponse")["required"] = json!(["accounts"]);
    });
    let report = case.report();
    let find = |path: &str| {
        changes(&report)
            .into_iter()
            .find(|c| c.path == path)
            .unwrap()
            .clone()
    };
    let name = find("GetAccountsResponse.accounts[].name");
    assert_eq!(
        (name.kind, name.severity),
        (ChangeKind::ResponseFieldRequiredChanged, Severity::Breaking)
    );
    assert!(
        name.reason.contains("no longer an `Option<_>`"),
        "{}",
        name.reason
    );
    assert_eq!(
        find("GetAccountsResponse.accounts").severity,
        Severity::NonBreaking
    );
}

#[test]
fn service_on_one_side_only_is_all_added() {
    let tmp = TempDir::new().unwrap();
    let (old, new) = (tmp.path().join("old"), tmp.path().join("new"));
    write_spec(&old, "ttid", &fixture("ttid"));
    write_spec(&new, "ttid", &fixture("ttid"));
    write_spec(&new, "ttledger", &fixture("ttledger"));
    let report = compare(
        &Snapshot::from_dir(&old).unwrap(),
        &Snapshot::from_dir(&new).unwrap(),
    );
    assert_eq!(report.services.len(), 1);
    let ledger = &report.services[0];
    assert_eq!(ledger.service, "ttledger");
    let (first, ops) = ledger.changes.split_first().unwrap();
    assert_eq!(first.kind, ChangeKind::ServiceAdded);
    assert_eq!(first.path, "ttledger (3 operations)");
    let added: Vec<&str> = ops
        .iter()
        .map(|c| c.operation.as_deref().unwrap())
        .collect();
    assert_eq!(added, ["get_accounts", "get_fills", "post_order"]);
    assert!(ops.iter().all(|c| c.kind == ChangeKind::OperationAdded));
    assert!(!report.has_breaking());
    let text = render(&report, Format::Text);
    assert!(
        text.contains(
            "ok       service added: ttledger (3 operations): new module `ttrest::ttledger`"
        ),
        "{text}"
    );
    let reverse = compare(
        &Snapshot::from_dir(&new).unwrap(),
        &Snapshot::from_dir(&old).unwrap(),
    );
    assert_eq!(
        reverse.services[0].changes[0].kind,
        ChangeKind::ServiceRemoved
    );
    assert_eq!(reverse.summary.breaking, 4);
}

#[test]
fn provenance_changes_count_as_changes_but_not_breaking() {
    let case = Case::new("ttid", |_| {});
    let entry = |sha: &str, at: &str| {
        format!("[services.ttid]\nprovenance = \"scraped\"\nurl = \"https://example.test/ttid\"\nfetched_at = \"{at}\"\nsha256 = \"{sha}\"\n")
    };
    std::fs::write(
        case.old.join("sources.toml"),
        entry("aa", "2026-01-01T00:00:00Z"),
    )
    .unwrap();
    std::fs::write(
        case.new.join("sources.toml"),
        entry("bb", "2026-02-01T00:00:00Z"),
    )
    .unwrap();
    let report = case.report();
    let prov = &report.services[0].provenance;
    assert_eq!(prov.len(), 1, "fetched_at is not compared: {prov:#?}");
    assert_eq!(
        (
            prov[0].field.as_str(),
            prov[0].old.as_deref(),
            prov[0].new.as_deref()
        ),
        ("sha256", Some("aa"), Some("bb"))
    );
    case.cmd(&["--fail-on", "breaking"]).success();
    case.cmd(&["--fail-on", "any"]).code(1);
}

#[test]
fn sibling_generated_dir_is_preferred_over_generating() {
    let tmp = TempDir::new().unwrap();
    let (old, new) = (tmp.path().join("a/specs"), tmp.path().join("b/specs"));
    write_spec(&old, "ttid", &fixture("ttid"));
    write_spec(&new, "ttid", &fixture("ttid"));
    let code = ttrest_codegen::generate_file(&new.join("normalized/ttid.json")).unwrap();
    std::fs::create_dir_all(tmp.path().join("b/generated")).unwrap();
    let extra = "pub fn hand_added(x: u8) -> u8 { x }\n";
    std::fs::write(
        tmp.path().join("b/generated/ttid.rs"),
        format!("{code}{extra}"),
    )
    .unwrap();
    let report = compare(
        &Snapshot::from_dir(&old).unwrap(),
        &Snapshot::from_dir(&new).unwrap(),
    );
    let rust = &report.services[0].rust_api;
    assert_eq!(rust.len(), 1, "{rust:#?}");
    assert_eq!(rust[0].path, "hand_added");
    assert_eq!(rust[0].new.as_deref(), Some("fn hand_added(x: u8) -> u8"));
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

fn breaking_case() -> Case {
    Case::new("ttid", |s| {
        s["paths"].as_object_mut().unwrap().remove("/keyusage");
        schema(s, "healthcheckstatus_GET")["properties"]["region"] = json!({"type": "string"});
    })
}

#[test]
fn text_output_lists_breaking_first_with_reasons() {
    let case = breaking_case();
    let out = stdout(&case.cmd(&[]).success());
    assert!(
        out.contains("1 service changed: 1 breaking, 1 non-breaking spec changes"),
        "{out}"
    );
    let breaking = out
        .find("BREAKING get_keyusage: operation removed: GET /keyusage")
        .expect(&out);
    let ok = out
        .find("ok       get_healthcheckstatus: response field added: healthcheckstatus_GET.region")
        .expect(&out);
    assert!(breaking < ok, "breaking first:\n{out}");
    assert!(out.contains("Rust API of generated/ttid.rs:"));
}

#[test]
fn markdown_output_has_summary_and_table_rows() {
    let case = breaking_case();
    let out = stdout(&case.cmd(&["--format", "markdown"]).success());
    assert!(out.starts_with("### TT API diff: `"), "{out}");
    assert!(
        out.contains("**Breaking:** 1 service changed: 1 breaking, 1 non-breaking spec changes"),
        "{out}"
    );
    assert!(out.contains("| | Change | Operation | Where | Old | New | Why |"));
    assert!(out.contains(
        "| **breaking** | operation removed | `get_keyusage` | `GET /keyusage` |  |  | code calling `Client::get_keyusage` no longer compiles |"
    ), "{out}");
    assert!(out.contains("| non-breaking | response field added | `get_healthcheckstatus` | `healthcheckstatus_GET.region` |"));
    assert!(out.contains("<details><summary>Rust API of <code>generated/ttid.rs</code>"));
}

#[test]
fn json_output_parses_with_stable_fields() {
    let case = breaking_case();
    let out = stdout(
        &case
            .cmd(&["--format", "json", "--fail-on", "breaking"])
            .code(1),
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["summary"]["breaking"], 1);
    assert_eq!(v["summary"]["non_breaking"], 1);
    let service = &v["services"][0];
    assert_eq!(service["service"], "ttid");
    let first = &service["changes"][0];
    assert_eq!(first["kind"], "operation_removed");
    assert_eq!(first["severity"], "breaking");
    assert_eq!(first["operation"], "get_keyusage");
    assert!(first["reason"]
        .as_str()
        .unwrap()
        .contains("no longer compiles"));
    assert_eq!(service["rust_api"][0]["severity"], "breaking");
    // Round-trips into the library type.
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(report.summary.services, 1);
}

#[test]
fn service_filter_limits_the_report_and_rejects_unknown_names() {
    let case = breaking_case();
    let out = stdout(
        &case
            .cmd(&["--service", "ttid", "--format", "json"])
            .success(),
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["summary"]["services"],
        1
    );
    let err = case.cmd(&["--service", "ttnope"]).code(2);
    let stderr = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("--service ttnope: no such service on either side (known: ttid)"),
        "{stderr}"
    );
}

#[test]
fn invalid_spec_is_one_line_naming_the_file() {
    let case = Case::new("ttid", |_| {});
    let bad = case.new.join("normalized/ttid.json");
    std::fs::write(&bad, "{\"openapi\": ").unwrap();
    let a = case.cmd(&[]).code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}: invalid JSON", bad.display())),
        "{stderr}"
    );

    std::fs::write(&bad, r#"{"openapi": "3.0.1", "paths": []}"#).unwrap();
    let a = case.cmd(&[]).code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("not a valid OpenAPI 3.0 document"),
        "{stderr}"
    );
}

#[test]
fn missing_directory_is_named() {
    let case = Case::new("ttid", |_| {});
    let missing = case.old.with_file_name("nope");
    let mut cmd = Command::cargo_bin("xtask").unwrap();
    let a = cmd
        .args(["diff", "--new"])
        .arg(&case.new)
        .arg("--old")
        .arg(&missing)
        .assert()
        .code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(&format!("{}: not a directory", missing.display())),
        "{stderr}"
    );
}

#[test]
fn real_normalized_specs_compare_equal_to_a_rewritten_copy() {
    // Two snapshots loaded separately: the real specs, and a copy of every
    // normalized spec written back compactly (other bytes, same meaning).
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let tmp = TempDir::new().unwrap();
    let copy = tmp.path().join("specs");
    let mut services = Vec::new();
    for entry in std::fs::read_dir(specs.join("normalized")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let spec: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let service = path.file_stem().unwrap().to_str().unwrap().to_string();
            std::fs::create_dir_all(copy.join("normalized")).unwrap();
            std::fs::write(
                copy.join(format!("normalized/{service}.json")),
                serde_json::to_string(&spec).unwrap(),
            )
            .unwrap();
            services.push(service);
        }
    }
    assert!(services.len() > 1, "{services:?}");
    std::fs::copy(specs.join("sources.toml"), copy.join("sources.toml")).unwrap();
    // The generated code beside it too, so neither side generates (fast).
    let generated = tmp.path().join("generated");
    std::fs::create_dir_all(&generated).unwrap();
    for service in &services {
        let file = format!("{service}.rs");
        std::fs::copy(
            specs.join("../generated").join(&file),
            generated.join(&file),
        )
        .unwrap();
    }
    let real = Snapshot::from_dir(&specs).unwrap();
    let report = compare(&real, &Snapshot::from_dir(&copy).unwrap());
    assert!(report.is_empty(), "{report:#?}");

    // The comparison sees a change in the copy: one operation less.
    let ttid = copy.join("normalized/ttid.json");
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(&ttid).unwrap()).unwrap();
    spec["paths"].as_object_mut().unwrap().remove("/keyusage");
    std::fs::write(&ttid, serde_json::to_string(&spec).unwrap()).unwrap();
    let report = compare(&real, &Snapshot::from_dir(&copy).unwrap());
    assert_eq!(only_change(&report).kind, ChangeKind::OperationRemoved);

    let fixture_dir = Case::new("ttid", |_| {});
    assert!(fixture_dir.report().is_empty());
}

fn git(dir: &Path, args: &[&str]) {
    let status = StdCommand::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn base_rev_against_working_tree_in_a_git_repo() {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q"]);
    let specs = repo.join("specs");
    write_spec(&specs, "ttid", &fixture("ttid"));
    std::fs::write(
        specs.join("sources.toml"),
        "[services.ttid]\nprovenance = \"scraped\"\nsha256 = \"aa\"\n",
    )
    .unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "specs"]);

    let mut edited = fixture("ttid");
    edited["paths"].as_object_mut().unwrap().remove("/keyusage");
    write_spec(&specs, "ttid", &edited);

    let report = compare(
        &Snapshot::from_git(repo, "HEAD").unwrap(),
        &Snapshot::from_dir(&specs).unwrap(),
    );
    assert_eq!(only_change(&report).kind, ChangeKind::OperationRemoved);

    let mut cmd = Command::cargo_bin("xtask").unwrap();
    let a = cmd.args(["diff", "--repo"]).arg(repo).args([
        "--base",
        "HEAD",
        "--format",
        "json",
        "--fail-on",
        "breaking",
    ]);
    let out = stdout(&a.assert().code(1));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["old"], "HEAD");
    assert_eq!(v["new"], "working tree");
    assert_eq!(v["services"][0]["changes"][0]["kind"], "operation_removed");
    // sources.toml only at HEAD: its entry shows as removed provenance.
    std::fs::remove_file(specs.join("sources.toml")).unwrap();
    let report = compare(
        &Snapshot::from_git(repo, "HEAD").unwrap(),
        &Snapshot::from_dir(&specs).unwrap(),
    );
    assert_eq!(report.services[0].provenance[0].field, "entry");

    let mut cmd = Command::cargo_bin("xtask").unwrap();
    let a = cmd
        .args(["diff", "--repo"])
        .arg(repo)
        .args(["--base", "no-such-rev"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("no-such-rev: not a commit in the git repository at"),
        "{stderr}"
    );
}

#[test]
fn scrape_hook_summarizes_changes_in_place() {
    let case = Case::new("ttledger", |_| {});
    let before = Snapshot::from_dir_generating(&case.old).unwrap();
    let mut edited = fixture("ttledger");
    schema(&mut edited, "Fill")["properties"]["qty"] = json!({"type": "string"});
    write_spec(&case.old, "ttledger", &edited);
    let text = xtask::diff::command::changes_since(&before, &case.old).unwrap();
    assert!(
        text.starts_with("API diff before → after: 1 service changed: 1 breaking"),
        "{text}"
    );
    assert!(
        text.contains("GetFillsResponse.fills[].qty (number(double) → string)"),
        "{text}"
    );
}
