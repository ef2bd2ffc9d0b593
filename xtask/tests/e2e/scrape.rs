//! `cargo xtask scrape` end to end, on temporary specs directories.
//!
//! Live mode runs against an HTTP server on 127.0.0.1 serving saved pages;
//! nothing here reaches TT.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use proptest::prelude::*;
use serde_json::{json, Value};
use xtask::check;
use xtask::diff::render::{render, Format};
use xtask::diff::{compare, ChangeKind, Severity, Snapshot};
use xtask::layout::{repo_root, SpecsDir};
use xtask::normalize::{normalize_spec, to_pretty_json};
use xtask::scrape::extract::{extract, is_safe_name};
use xtask::scrape::live::Fetcher;
use xtask::scrape::{self, Args, Page};
use xtask::sources::{Provenance, Sources};

// ---------------------------------------------------------------- fixtures

fn real_page_path() -> PathBuf {
    repo_root().join("tests/fixtures/pages/ttid-documentation.wp.json")
}

fn fixture(name: &str) -> PathBuf {
    repo_root().join("xtask/tests/fixtures").join(name)
}

fn real_doc() -> Value {
    serde_json::from_slice(&std::fs::read(real_page_path()).unwrap()).unwrap()
}

/// The real page's `data-swagger-config`, parsed.
fn real_config() -> Value {
    let found = extract(&std::fs::read(real_page_path()).unwrap()).unwrap();
    json!({"spec": found[0].spec, "docExpansion": "list"})
}

/// A WordPress doc whose content is one swagger block with this raw attribute text.
fn doc_with_attribute(attribute: &str) -> Vec<u8> {
    let escaped = attribute.replace('&', "&amp;").replace('"', "&quot;");
    let html = format!(
        r#"<div class="swagger-ui-container-manual" data-swagger-config="{escaped}"></div>"#
    );
    let mut doc = real_doc();
    doc["content"]["rendered"] = html.into();
    serde_json::to_vec(&doc).unwrap()
}

/// A WordPress doc carrying this spec.
fn doc_with_spec(spec: &Value) -> Vec<u8> {
    doc_with_attribute(&json!({"spec": spec}).to_string())
}

/// The real ttid spec under another service's name.
fn retitled(service: &str) -> Value {
    let mut spec = real_config()["spec"].clone();
    spec["info"]["title"] = service.into();
    spec["servers"][0]["variables"]["basePath"]["default"] =
        format!("{service}/ext_uat_cert/").into();
    spec
}

// ---------------------------------------------------------------- helpers

/// An empty specs directory.
fn temp_specs() -> (tempfile::TempDir, SpecsDir) {
    let dir = tempfile::tempdir().unwrap();
    let specs = SpecsDir::new(dir.path().join("specs"));
    std::fs::create_dir_all(specs.root()).unwrap();
    (dir, specs)
}

/// A specs directory that already holds a scrape of the real page plus another
/// service's sources entry, so "nothing changed" is checked against real content.
fn populated_specs() -> (tempfile::TempDir, SpecsDir) {
    let (dir, specs) = temp_specs();
    std::fs::write(
        specs.sources(),
        "[services.ttpds]\nprovenance = \"reconstructed\"\nnotes = \"kept\"\n",
    )
    .unwrap();
    scrape_files(&specs, &[real_page_path()]).unwrap();
    (dir, specs)
}

fn scrape_files(
    specs: &SpecsDir,
    paths: &[PathBuf],
) -> Result<scrape::Report, scrape::ScrapeError> {
    let pages = paths
        .iter()
        .map(|p| Page::read(p.to_str().unwrap()))
        .collect();
    scrape::scrape(specs, pages)
}

fn scrape_bytes(
    specs: &SpecsDir,
    pages: &[(&str, Vec<u8>)],
) -> Result<scrape::Report, scrape::ScrapeError> {
    let pages = pages
        .iter()
        .map(|(name, bytes)| Ok(Page::new(*name, bytes.clone())))
        .collect();
    scrape::scrape(specs, pages)
}

/// Every file and directory under `root` with its bytes (directories: empty).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                todo.push(path);
            } else {
                out.insert(path.clone(), Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn operation_ids(spec: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

// ---------------------------------------------------------------- the real page

#[test]
fn real_ttid_page_scrapes_and_normalizes() {
    let (_dir, specs) = temp_specs();
    let report = scrape_files(&specs, &[real_page_path()]).unwrap();

    let normalized = read_json(&specs.normalized("ttid"));
    let ids: Vec<_> = operation_ids(&normalized).into_iter().collect();
    assert_eq!(ids, ["get_healthcheckstatus", "get_keyusage", "post_token"]);

    let scraped = std::fs::read_to_string(specs.scraped("ttid")).unwrap();
    assert_eq!(scraped, to_pretty_json(&real_config()["spec"]));
    assert_eq!(
        read_json(&specs.scraped("ttid"))["info"]["version"],
        "2018-10-11T15:26:08Z"
    );

    let sources = Sources::load(&specs.sources()).unwrap();
    let entry = &sources.services["ttid"];
    assert_eq!(entry.provenance, Provenance::Scraped);
    assert_eq!(entry.url.as_deref(), real_page_path().to_str());
    let page = Page::read(real_page_path().to_str().unwrap()).unwrap();
    assert_eq!(entry.sha256.as_deref(), Some(page.sha256().as_str()));
    assert!(entry
        .notes
        .as_deref()
        .unwrap()
        .contains("ttid-documentation-2"));
    chrono::DateTime::parse_from_rfc3339(entry.fetched_at.as_deref().unwrap()).unwrap();

    let shown = report.to_string();
    assert!(shown.contains("scraped ttid from"), "{shown}");
    assert!(shown.contains("created"), "{shown}");
    // The staging directory is gone.
    let names: BTreeSet<_> = std::fs::read_dir(specs.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["normalized".into(), "scraped".into(), "sources.toml".into()])
    );
}

#[test]
fn scraping_again_changes_only_sources() {
    let (_dir, specs) = populated_specs();
    let report = scrape_files(&specs, &[real_page_path()])
        .unwrap()
        .to_string();
    // sources.toml changes only if the second ticked over (fetched_at).
    assert!(!report.contains("ttid.json"), "{report}");
    assert!(report.contains("file(s) unchanged"), "{report}");
    let sources = Sources::load(&specs.sources()).unwrap();
    assert_eq!(sources.services["ttpds"].notes.as_deref(), Some("kept"));
}

#[test]
fn html_and_wordpress_list_wrappers_give_the_identical_spec() {
    let (_a, from_doc) = temp_specs();
    scrape_files(&from_doc, &[real_page_path()]).unwrap();
    let expected = std::fs::read(from_doc.scraped("ttid")).unwrap();
    for name in ["ttid-documentation.html", "ttid-search.wp-list.json"] {
        let (_b, specs) = temp_specs();
        scrape_files(&specs, &[fixture(name)]).unwrap();
        assert_eq!(
            std::fs::read(specs.scraped("ttid")).unwrap(),
            expected,
            "{name}"
        );
        assert_eq!(
            std::fs::read(specs.normalized("ttid")).unwrap(),
            std::fs::read(from_doc.normalized("ttid")).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn several_specs_on_one_page_are_all_scraped() {
    let (_dir, specs) = temp_specs();
    let blocks: String = [retitled("ttid"), retitled("ttpds")]
        .iter()
        .map(|spec| {
            let attr = json!({"spec": spec})
                .to_string()
                .replace('&', "&amp;")
                .replace('"', "&quot;");
            format!(r#"<div data-swagger-config="{attr}"></div>"#)
        })
        .collect();
    let page = format!("<!DOCTYPE html><html><body>{blocks}</body></html>");
    let report = scrape_bytes(&specs, &[("both.html", page.into_bytes())]).unwrap();
    assert_eq!(report.scraped.len(), 2);
    assert!(specs.normalized("ttid").is_file() && specs.normalized("ttpds").is_file());
}

// ---------------------------------------------------------------- all or nothing

/// Runs a failing scrape on a populated specs dir and returns the error text,
/// after checking that no file or directory changed.
fn fails_without_changes(specs: &SpecsDir, pages: &[(&str, Vec<u8>)]) -> String {
    let before = snapshot(specs.root());
    let err = scrape_bytes(specs, pages)
        .expect_err("the scrape must fail")
        .to_string();
    assert_eq!(
        snapshot(specs.root()),
        before,
        "specs/ changed after: {err}"
    );
    err
}

#[test]
fn a_page_without_a_swagger_block_changes_nothing() {
    let (_dir, specs) = populated_specs();
    let page = b"<html><body><h1>Getting started</h1></body></html>".to_vec();
    let err = fails_without_changes(&specs, &[("gs-before.html", page)]);
    assert!(
        err.contains("gs-before.html: no element with a `data-swagger-config`"),
        "{err}"
    );
}

#[test]
fn truncated_config_json_changes_nothing() {
    let (_dir, specs) = populated_specs();
    let full = real_config().to_string();
    let page = doc_with_attribute(&full[..full.len() / 2]);
    let err = fails_without_changes(&specs, &[("ttid.truncated.json", page)]);
    assert!(
        err.contains("ttid.truncated.json: block 1: `data-swagger-config` is not valid JSON"),
        "{err}"
    );
}

#[test]
fn config_without_spec_changes_nothing() {
    let (_dir, specs) = populated_specs();
    let page =
        doc_with_attribute(r#"{"url":"https://example.invalid/ttid.json","docExpansion":"list"}"#);
    let err = fails_without_changes(&specs, &[("nospec.json", page)]);
    assert!(err.contains("nospec.json: block 1: the swagger config has no `spec` object (keys: url, docExpansion)"), "{err}");
}

#[test]
fn colliding_operation_ids_change_nothing() {
    let (_dir, specs) = populated_specs();
    let mut spec = real_config()["spec"].clone();
    let keyusage = spec["paths"]["/keyusage"].clone();
    spec["paths"]["/key-usage"] = keyusage.clone();
    spec["paths"]["/key_usage"] = keyusage;
    let err = fails_without_changes(&specs, &[("collide.json", doc_with_spec(&spec))]);
    assert!(
        err.contains("collide.json (block 1): the `ttid` spec does not normalize"),
        "{err}"
    );
    assert!(err.contains("get_key_usage"), "{err}");
}

#[test]
fn the_same_service_on_two_pages_changes_nothing() {
    let (_dir, specs) = populated_specs();
    let real = std::fs::read(real_page_path()).unwrap();
    let html = std::fs::read(fixture("ttid-documentation.html")).unwrap();
    let err = fails_without_changes(&specs, &[("first.wp.json", real), ("second.html", html)]);
    assert!(
        err.contains("second.html (block 1): service `ttid` is also on first.wp.json (block 1)"),
        "{err}"
    );
}

#[test]
fn an_overlay_that_matches_nothing_changes_nothing() {
    let (_dir, specs) = populated_specs();
    std::fs::create_dir_all(specs.overlays_dir()).unwrap();
    std::fs::write(
        specs.overlay("ttid"),
        "overlay: 1.0.0\ninfo: {title: stale, version: 1.0.0}\nactions:\n  - target: $.paths['/gone'].get\n    update: {summary: x}\n",
    )
    .unwrap();
    let real = std::fs::read(real_page_path()).unwrap();
    let err = fails_without_changes(&specs, &[("ttid.wp.json", real)]);
    assert!(
        err.contains("ttid.wp.json (block 1): the `ttid` spec does not normalize"),
        "{err}"
    );
    assert!(err.contains("matches nothing"), "{err}");
}

#[test]
fn every_failing_page_gets_its_own_line() {
    let (_dir, specs) = populated_specs();
    let good = std::fs::read(real_page_path()).unwrap();
    let err = fails_without_changes(
        &specs,
        &[
            ("good.json", good),
            ("a.html", b"<p>".to_vec()),
            ("b.json", b"[1, 2]".to_vec()),
        ],
    );
    let lines: Vec<_> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with("2 page problem(s); nothing in"),
        "{err}"
    );
    assert!(
        lines[1].trim_start().starts_with("a.html: no element"),
        "{err}"
    );
    assert!(
        lines[2]
            .trim_start()
            .starts_with("b.json: JSON but not a WordPress REST doc"),
        "{err}"
    );
}

#[test]
fn an_unsafe_service_name_is_refused() {
    let (_dir, specs) = populated_specs();
    let mut spec = real_config()["spec"].clone();
    spec["info"]["title"] = "../../etc/passwd".into();
    spec["servers"] =
        json!([{"url": "https://h/{basePath}", "variables": {"basePath": {"default": "../x/"}}}]);
    let err = fails_without_changes(&specs, &[("evil.json", doc_with_spec(&spec))]);
    assert!(
        err.contains("evil.json: block 1: cannot name the service"),
        "{err}"
    );
}

// ---------------------------------------------------------------- provenance switch

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

#[test]
fn a_scraped_spec_replaces_the_reconstructed_one() {
    let dir = tempfile::tempdir().unwrap();
    let specs = SpecsDir::new(dir.path().join("specs"));
    copy_tree(&repo_root().join("specs"), specs.root());
    let before = Sources::load(&specs.sources()).unwrap();

    // The reconstructed spec (so its overlay still applies) or, before one exists,
    // the ttid spec under ttledger's name; marked so its origin is visible.
    let mut spec = match specs.reconstructed("ttledger") {
        p if p.is_file() => read_json(&p),
        _ => retitled("ttledger"),
    };
    spec["info"]["description"] = "scraped from the ttledger reference page".into();
    let overlay = specs.overlay("ttledger");
    let expected = to_pretty_json(&normalize_spec("ttledger", &spec, Some(&overlay)).unwrap());

    scrape_bytes(&specs, &[("ttledger.wp.json", doc_with_spec(&spec))]).unwrap();

    assert_eq!(
        std::fs::read_to_string(specs.normalized("ttledger")).unwrap(),
        expected
    );
    assert_eq!(
        std::fs::read_to_string(specs.scraped("ttledger")).unwrap(),
        to_pretty_json(&spec)
    );
    let after = Sources::load(&specs.sources()).unwrap();
    assert_eq!(after.services["ttledger"].provenance, Provenance::Scraped);
    assert_eq!(
        after.services["ttledger"].url.as_deref(),
        Some("ttledger.wp.json")
    );
    for (service, entry) in &before.services {
        if service != "ttledger" {
            assert_eq!(&after.services[service], entry, "{service} entry kept");
        }
    }
}

// ---------------------------------------------------------------- a service TT adds

/// A copy of the workspace parts a scrape and `check` touch: `specs/`,
/// `generated/` and `Cargo.toml`.
fn workspace_copy() -> (tempfile::TempDir, SpecsDir) {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_root().join("specs"), &dir.path().join("specs"));
    copy_tree(
        &repo_root().join("generated"),
        &dir.path().join("generated"),
    );
    std::fs::copy(
        repo_root().join("Cargo.toml"),
        dir.path().join("Cargo.toml"),
    )
    .unwrap();
    let specs = SpecsDir::new(dir.path().join("specs"));
    (dir, specs)
}

#[test]
fn a_new_service_is_normalized_reported_added_and_checked() {
    let (dir, specs) = workspace_copy();
    let generated = dir.path().join("generated");
    let before = Snapshot::from_dir(specs.root()).unwrap();

    // A WordPress list holding the real ttid doc and an invented `ttnotify`.
    let report = scrape_files(&specs, &[fixture("new-service.wp-list.json")]).unwrap();
    let scraped: Vec<&str> = report.scraped.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(scraped, ["ttid", "ttnotify"]);
    let normalized = read_json(&specs.normalized("ttnotify"));
    assert_eq!(
        operation_ids(&normalized),
        BTreeSet::from([
            "get_notification_by_notification_id".to_string(),
            "get_notifications".to_string()
        ])
    );
    let sources = Sources::load(&specs.sources()).unwrap();
    assert_eq!(sources.services["ttnotify"].provenance, Provenance::Scraped);

    // The diff names it as one non-breaking change with its operation count.
    let diff = compare(&before, &Snapshot::from_dir(specs.root()).unwrap());
    let service = diff
        .services
        .iter()
        .find(|s| s.service == "ttnotify")
        .unwrap();
    assert_eq!(service.changes[0].kind, ChangeKind::ServiceAdded);
    assert_eq!(service.changes[0].severity, Severity::NonBreaking);
    assert!(!diff.has_breaking());
    let text = render(&diff, Format::Text);
    assert!(
        text.contains("service added: ttnotify (2 operations)"),
        "{text}"
    );

    // `check` says what to do: generate, then one feature line.
    let findings = check::check(dir.path(), &specs, &generated).unwrap();
    let stale: Vec<PathBuf> = findings
        .stale_generated
        .iter()
        .map(|s| s.path.clone())
        .collect();
    // The service table gains the module, and the module's own file appears.
    assert_eq!(
        stale,
        [generated.join("services.rs"), generated.join("ttnotify.rs")]
    );
    assert_eq!(findings.missing_features, ["ttnotify"]);
    let shown = findings.to_string();
    assert!(
        shown.contains("ttnotify.rs is stale; run `cargo xtask generate`"),
        "{shown}"
    );
    assert!(
        shown.contains("add the line `ttnotify = []` under [features] in Cargo.toml"),
        "{shown}"
    );

    xtask::generate::generate(&specs, &generated).unwrap();
    let findings = check::check(dir.path(), &specs, &generated).unwrap();
    assert!(findings.stale_generated.is_empty() && findings.stale_normalized.is_empty());
    assert_eq!(findings.missing_features, ["ttnotify"]);

    let manifest = dir.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replacen("ttid = []\n", "ttid = []\nttnotify = []\n", 1);
    std::fs::write(&manifest, &text).unwrap();
    // A feature outside `all-services` is named too: default builds would miss it.
    let findings = check::check(dir.path(), &specs, &generated).unwrap();
    assert!(
        findings
            .to_string()
            .contains("feature `ttnotify` is not in `all-services`"),
        "{findings}"
    );
    let text = text.replacen(
        "all-services = [\"ttid\",",
        "all-services = [\"ttid\", \"ttnotify\",",
        1,
    );
    std::fs::write(&manifest, text).unwrap();
    let findings = check::check(dir.path(), &specs, &generated).unwrap();
    assert!(findings.is_empty(), "{findings}");
}

// ---------------------------------------------------------------- live mode

/// A canned HTTP/1.1 server on 127.0.0.1: exact path+query → (status, body, headers).
/// Unknown paths answer 404. Counts requests per path.
struct Server {
    root: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

type Routes = HashMap<String, (u16, Vec<u8>, Vec<(&'static str, String)>)>;

impl Server {
    fn start(routes: Routes) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let root = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let target = request_line.split(' ').nth(1).unwrap_or("").to_string();
                *counter.lock().unwrap().entry(target.clone()).or_insert(0) += 1;
                let (status, body, headers) =
                    routes
                        .get(&target)
                        .cloned()
                        .unwrap_or((404, b"not found".to_vec(), vec![]));
                let mut head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Self { root, hits }
    }

    fn hits(&self, target: &str) -> usize {
        self.hits.lock().unwrap().get(target).copied().unwrap_or(0)
    }
}

fn ok(body: Vec<u8>) -> (u16, Vec<u8>, Vec<(&'static str, String)>) {
    (200, body, vec![])
}

fn live_args(root: &str, specs: &SpecsDir, extra: &[&str]) -> Args {
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: Args,
    }
    let specs_dir = specs.root().to_str().unwrap();
    let mut argv = vec!["scrape", "--live", "--root", root, "--specs-dir", specs_dir];
    argv.extend_from_slice(extra);
    Wrapper::parse_from(argv).args
}

fn fast_fetcher() -> Fetcher {
    Fetcher::new()
        .unwrap()
        .with_retries(3, Duration::from_millis(5))
}

/// The WordPress API of a documentation site with ttid (doc 7955) on page 1 of the
/// category listing and ttpds (doc 8001) on page 2.
fn wordpress_routes(ttid_doc: (u16, Vec<u8>, Vec<(&'static str, String)>)) -> Routes {
    let fields = "_fields=id,slug,title,link,modified";
    let listing = format!("/wp-json/wp/v2/doc?docs-category=737&per_page=100&{fields}");
    let page1 = json!([
        {"id": 7925, "slug": "gs-token", "title": {"rendered": "Getting a token"}, "modified": "2026-01-01T00:00:00"},
        {"id": 7955, "slug": "ttid-documentation-2", "title": {"rendered": "ttid Documentation"}, "modified": "2026-01-05T13:18:42"},
    ]);
    let page2 = json!([
        {"id": 8001, "slug": "ttpds-documentation", "title": {"rendered": "ttpds Documentation"}, "modified": "2026-01-05T13:18:42"},
    ]);
    let two_pages = vec![("X-WP-TotalPages", "2".to_string())];
    Routes::from([
        (
            "/wp-json/wp/v2/docs-category?slug=api-reference-tt-rest-api-2-0&_fields=id".into(),
            ok(b"[]".to_vec()),
        ),
        (
            "/wp-json/wp/v2/docs-category?slug=api-reference-tt-rest-api-2-0-uat&_fields=id".into(),
            ok(br#"[{"id":737}]"#.to_vec()),
        ),
        (
            listing.clone(),
            (200, page1.to_string().into_bytes(), two_pages.clone()),
        ),
        (
            format!("{listing}&page=2"),
            (200, page2.to_string().into_bytes(), two_pages),
        ),
        ("/wp-json/wp/v2/doc/7955".into(), ttid_doc),
        (
            "/wp-json/wp/v2/doc/8001".into(),
            ok(doc_with_spec(&retitled("ttpds"))),
        ),
    ])
}

#[test]
fn live_discovers_reference_pages_through_wordpress() {
    let server = Server::start(wordpress_routes(ok(
        std::fs::read(real_page_path()).unwrap()
    )));
    // The services to look for are the ones the specs directory knows (ttid
    // scraped, ttpds in sources.toml).
    let (_dir, specs) = populated_specs();
    let args = live_args(&server.root, &specs, &[]);
    let report = scrape::run_with(&args, &specs, &fast_fetcher()).unwrap();

    let shown = report.to_string();
    assert!(
        shown.starts_with(
            "pages found via WordPress docs-category api-reference-tt-rest-api-2-0-uat"
        ),
        "{shown}"
    );
    let url = format!("{}/wp-json/wp/v2/doc/7955", server.root);
    assert!(
        shown.contains(&format!("scraped ttid from {url}")),
        "{shown}"
    );
    let ids = operation_ids(&read_json(&specs.normalized("ttid")));
    assert_eq!(ids.len(), 3);
    assert!(specs.normalized("ttpds").is_file());
    let sources = Sources::load(&specs.sources()).unwrap();
    assert_eq!(sources.services["ttid"].url.as_deref(), Some(url.as_str()));
    assert_eq!(
        server.hits("/wp-json/wp/v2/doc/7925"),
        0,
        "non-reference docs are not fetched"
    );
}

#[test]
fn live_scrapes_a_service_ttrest_does_not_know_from_the_category_listing() {
    let list: Value = read_json(&fixture("new-service.wp-list.json"));
    let invented = list[1].clone();
    let fields = "_fields=id,slug,title,link,modified";
    let listing = format!("/wp-json/wp/v2/doc?docs-category=737&per_page=100&{fields}");
    let mut routes = wordpress_routes(ok(std::fs::read(real_page_path()).unwrap()));
    let page1 = json!([
        {"id": 7955, "slug": "ttid-documentation-2", "title": {"rendered": "ttid Documentation"}, "modified": "2026-01-05T13:18:42"},
        {"id": 9901, "slug": "ttnotify-documentation", "title": {"rendered": "ttnotify Documentation"}, "modified": "2027-01-01T00:00:00"},
    ]);
    routes.insert(listing, ok(page1.to_string().into_bytes()));
    routes.insert(
        "/wp-json/wp/v2/doc/9901".into(),
        ok(serde_json::to_vec(&invented).unwrap()),
    );
    let server = Server::start(routes);
    let (_dir, specs) = temp_specs();
    let report = scrape::run_with(
        &live_args(&server.root, &specs, &[]),
        &specs,
        &fast_fetcher(),
    )
    .unwrap();
    let scraped: Vec<&str> = report.scraped.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(scraped, ["ttid", "ttnotify"]);
    assert_eq!(
        operation_ids(&read_json(&specs.normalized("ttnotify"))).len(),
        2
    );
}

#[test]
fn live_searches_per_service_when_no_category_is_known() {
    let fields = "_fields=id,slug,title,link,modified";
    let hit = json!([{"id": 7955, "slug": "ttid-documentation-2", "title": {"rendered": "ttid Documentation"}}]);
    let real = std::fs::read(real_page_path()).unwrap();
    let server = Server::start(Routes::from([
        (
            "/wp-json/wp/v2/docs-category?slug=api-reference-tt-rest-api-2-0&_fields=id".into(),
            ok(b"[]".to_vec()),
        ),
        (
            "/wp-json/wp/v2/docs-category?slug=api-reference-tt-rest-api-2-0-uat&_fields=id".into(),
            ok(b"[]".to_vec()),
        ),
        (
            format!("/wp-json/wp/v2/doc?search=ttid&per_page=100&{fields}"),
            ok(hit.to_string().into_bytes()),
        ),
        ("/wp-json/wp/v2/doc/7955".into(), ok(real)),
    ]));
    let (_dir, specs) = temp_specs();
    let args = live_args(&server.root, &specs, &["--service", "ttid"]);
    let report = scrape::run_with(&args, &specs, &fast_fetcher())
        .unwrap()
        .to_string();
    assert!(
        report.starts_with("pages found via WordPress search"),
        "{report}"
    );
    assert!(specs.normalized("ttid").is_file());
}

#[test]
fn from_accepts_urls() {
    let html = std::fs::read(fixture("ttid-documentation.html")).unwrap();
    let server = Server::start(Routes::from([("/saved/ttid.html".into(), ok(html))]));
    let (_dir, specs) = temp_specs();
    let url = format!("{}/saved/ttid.html", server.root);
    let args = Args {
        from: vec![url.clone()],
        live: false,
        root: String::new(),
        categories: vec![],
        services: vec![],
        specs_dir: specs.root().to_path_buf(),
    };
    scrape::run_with(&args, &specs, &fast_fetcher()).unwrap();
    let sources = Sources::load(&specs.sources()).unwrap();
    assert_eq!(sources.services["ttid"].url.as_deref(), Some(url.as_str()));
}

#[test]
fn live_refuses_unknown_services() {
    let (_dir, specs) = temp_specs();
    let args = live_args("http://127.0.0.1:9", &specs, &["--service", "../ttid"]);
    let err = scrape::run_with(&args, &specs, &fast_fetcher())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`../ttid` is not a TT REST service name"),
        "{err}"
    );
}

#[test]
fn live_falls_back_to_the_built_in_list_when_wordpress_is_absent() {
    let html = std::fs::read(fixture("ttid-documentation.html")).unwrap();
    let server = Server::start(Routes::from([("/tt-rest/v2/ttid.html".into(), ok(html))]));
    let (_dir, specs) = temp_specs();
    let cli = xtask::cli::Cli::parse_from([
        "xtask",
        "scrape",
        "--live",
        "--root",
        &server.root,
        "--service",
        "ttid",
        "--specs-dir",
        specs.root().to_str().unwrap(),
    ]);
    xtask::cli::run(cli).unwrap();
    assert!(
        server.hits("/wp-json/wp/v2/docs-category?slug=api-reference-tt-rest-api-2-0&_fields=id")
            > 0
    );
    let sources = Sources::load(&specs.sources()).unwrap();
    let url = format!("{}/tt-rest/v2/ttid.html", server.root);
    assert_eq!(sources.services["ttid"].url.as_deref(), Some(url.as_str()));
    assert_eq!(
        operation_ids(&read_json(&specs.normalized("ttid"))).len(),
        3
    );
}

#[test]
fn live_with_a_page_that_always_fails_changes_nothing() {
    let server = Server::start(wordpress_routes((500, b"boom".to_vec(), vec![])));
    let (_dir, specs) = populated_specs();
    let before = snapshot(specs.root());
    let args = live_args(&server.root, &specs, &[]);
    let err = scrape::run_with(&args, &specs, &fast_fetcher())
        .unwrap_err()
        .to_string();
    assert_eq!(snapshot(specs.root()), before, "{err}");
    let url = format!("{}/wp-json/wp/v2/doc/7955", server.root);
    assert!(
        err.contains(&format!(
            "{url}: cannot fetch: HTTP 500 Internal Server Error after 3 attempt(s)"
        )),
        "{err}"
    );
    assert_eq!(server.hits("/wp-json/wp/v2/doc/7955"), 3);
    assert_eq!(
        err.lines().count(),
        2,
        "one line for the one failing page: {err}"
    );
}

#[test]
fn live_fallback_pages_that_404_are_named() {
    let server = Server::start(Routes::new());
    let (_dir, specs) = populated_specs();
    let before = snapshot(specs.root());
    let args = live_args(
        &server.root,
        &specs,
        &["--service", "ttid", "--service", "ttledger"],
    );
    let err = scrape::run_with(&args, &specs, &fast_fetcher())
        .unwrap_err()
        .to_string();
    assert_eq!(snapshot(specs.root()), before);
    for service in ["ttid", "ttledger"] {
        let url = format!("{}/tt-rest/v2/{service}.html", server.root);
        assert!(
            err.contains(&format!(
                "{url}: cannot fetch: HTTP 404 Not Found after 1 attempt(s)"
            )),
            "{err}"
        );
    }
    assert_eq!(
        server.hits("/tt-rest/v2/ttid.html"),
        1,
        "404 is not retried"
    );
}

// ---------------------------------------------------------------- robustness

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(Value::from("ttid")),
        Just(Value::from("ttid/ext_uat_cert/")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("spec".to_string()),
            Just("info".to_string()),
            Just("title".to_string()),
            Just("servers".to_string()),
            Just("content".to_string()),
            Just("rendered".to_string()),
            ".{0,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every successful extraction names a service that is a safe file name.
fn check(bytes: &[u8]) {
    if let Ok(found) = extract(bytes) {
        assert!(!found.is_empty());
        for f in found {
            assert!(is_safe_name(&f.service), "{:?}", f.service);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        check(value.to_string().as_bytes());
        check(json!([value, {"content": {"rendered": value.to_string()}}]).to_string().as_bytes());
    }

    #[test]
    fn arbitrary_attributes_never_panic(raw in ".{0,64}", config in json_value()) {
        check(format!("<div data-swagger-config=\"{raw}\"></div>").as_bytes());
        check(format!("<div data-swagger-config='{raw}'>").as_bytes());
        check(&doc_with_attribute(&raw));
        check(&doc_with_attribute(&config.to_string()));
        check(&doc_with_spec(&config));
    }
}
