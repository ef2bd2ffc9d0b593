//! `cargo xtask learn` on a recording of deliberately altered sandbox answers
//! (`tests/fixtures/learn/`: an unknown field seen as two types, a string for
//! an integer, a code the enum lacks, a missing required field, an undocumented
//! status), in a temporary copy of `specs/`: each is reported, and `--write`'s
//! overlay, once normalized, keeps the new field typed and `check` green.

use std::path::Path;

use serde_json::{json, Value};
use xtask::layout::{repo_root, SpecsDir};
use xtask::learn::{learn, write, Kind};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of `specs/` whose ttledger `Fill` requires `recordId` and lists the
/// `side` codes 1 and 2, normalized.
fn specs_copy(dir: &Path) -> SpecsDir {
    copy_dir(&repo_root().join("specs"), dir);
    let raw_path = dir.join("reconstructed/ttledger.json");
    let mut raw: Value =
        serde_json::from_str(&std::fs::read_to_string(&raw_path).unwrap()).unwrap();
    let fill = &mut raw["components"]["schemas"]["Fill"];
    fill["required"] = json!(["recordId"]);
    fill["properties"]["side"]["enum"] = json!([1, 2]);
    std::fs::write(&raw_path, serde_json::to_string_pretty(&raw).unwrap()).unwrap();
    let specs = SpecsDir::new(dir);
    xtask::normalize::normalize_all(&specs).unwrap();
    specs
}

#[test]
fn learn_reports_each_alteration_and_its_overlay_makes_the_client_keep_them() {
    let tmp = tempfile::tempdir().unwrap();
    let specs = specs_copy(&tmp.path().join("specs"));
    let recording = repo_root().join("xtask/tests/fixtures/learn");

    let report = learn(&specs, &recording).unwrap();
    let found = |kind: Kind, field: &str| {
        report
            .findings
            .iter()
            .find(|f| f.kind == kind && f.field == field)
            .unwrap_or_else(|| panic!("no {kind:?} for {field}:\n{}", report.render()))
    };
    let unknown = found(Kind::UnknownField, "newField");
    assert_eq!(unknown.schema, "Fill");
    assert_eq!(
        unknown.seen.iter().collect::<Vec<_>>(),
        ["integer", "string"]
    );
    let wrong = found(Kind::WrongType, "marketId");
    assert_eq!(wrong.expected, "integer");
    assert_eq!(found(Kind::UnknownCode, "side").examples, [json!(3)]);
    found(Kind::MissingRequired, "recordId");
    let status = found(Kind::UndocumentedStatus, "202");
    assert_eq!(status.schema, "get_fills");
    assert_eq!(report.findings.len(), 5, "{}", report.render());
    let text = report.render();
    assert!(
        text.contains("ttledger Fill") && text.contains("ttledger.jsonl:1"),
        "{text}"
    );

    // --write, then normalize: the recording agrees with the specs.
    let written = write(&specs, &report).unwrap();
    let overlay = specs.overlays_dir().join("ttledger.learned.yaml");
    assert!(written.contains(&overlay));
    let sources = std::fs::read_to_string(specs.sources()).unwrap();
    assert!(
        sources.contains("[[learned.ttledger]]") && sources.contains("ttledger.jsonl:1"),
        "{sources}"
    );
    xtask::normalize::normalize_all(&specs).unwrap();
    let again = learn(&specs, &recording).unwrap();
    assert!(again.findings.is_empty(), "{}", again.render());

    // The new field, seen as a string and an integer, is the lenient Code.
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(specs.normalized("ttledger")).unwrap())
            .unwrap();
    let fill = &spec["components"]["schemas"]["Fill"]["properties"];
    assert_eq!(
        fill["newField"]["x-rust-type"]["path"],
        "ttrest::scalar::Code"
    );
    assert_eq!(
        fill["marketId"]["x-rust-type"]["path"],
        "ttrest::scalar::Code"
    );
    let generated = tmp.path().join("generated");
    xtask::generate::generate(&specs, &generated).unwrap();
    let code = std::fs::read_to_string(generated.join("ttledger.rs")).unwrap();
    assert!(
        code.contains("pub new_field: ::std::option::Option<::ttrest::scalar::Code>"),
        "new_field is not typed"
    );
    let findings = xtask::check::check(&repo_root(), &specs, &generated).unwrap();
    assert!(findings.is_empty(), "{findings}");
}
