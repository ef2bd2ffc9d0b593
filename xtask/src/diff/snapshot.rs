//! One side of a diff: the normalized specs, generated Rust API and provenance of
//! every service, read from a specs directory or from a git revision.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

use super::rust_api::ApiItems;
use crate::sources::{Source, Sources};

/// Everything compared for one service.
#[derive(Clone, Debug)]
pub struct ServiceSnapshot {
    /// Where the spec was read from (a file, or `REV:specs/normalized/x.json`).
    pub origin: String,
    /// The normalized spec, already checked to be an OpenAPI 3.0 document.
    pub spec: Value,
    /// The public API of the generated module.
    pub rust_api: ApiItems,
}

/// One side of a diff.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    label: String,
    services: BTreeMap<String, ServiceSnapshot>,
    sources: BTreeMap<String, Source>,
}

impl Snapshot {
    /// A snapshot with no service at all (everything on the other side is "added").
    pub fn empty(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            ..Self::default()
        }
    }

    /// Reads a directory laid out like `specs/` (`normalized/<service>.json`,
    /// `sources.toml`). The Rust API comes from a sibling `generated/<service>.rs`
    /// when there is one, else it is generated from the spec on the fly.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        Self::load_dir(dir, true)
    }

    /// Like [`Snapshot::from_dir`], but always generates the Rust API from the specs,
    /// for callers (such as `scrape`) that change specs without regenerating `generated/`.
    pub fn from_dir_generating(dir: &Path) -> anyhow::Result<Self> {
        Self::load_dir(dir, false)
    }

    fn load_dir(dir: &Path, use_generated: bool) -> anyhow::Result<Self> {
        if !dir.is_dir() {
            bail!(
                "{}: not a directory; expected a specs directory with normalized/ and sources.toml",
                dir.display()
            );
        }
        let generated = dir
            .parent()
            .filter(|_| use_generated)
            .map(|p| p.join("generated"));
        let mut services = BTreeMap::new();
        for path in json_files(&dir.join("normalized"))? {
            let name = service_name(&path);
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{origin}: cannot read the spec"))?;
            let rust_file = generated.as_ref().map(|g| g.join(format!("{name}.rs")));
            let rust = match rust_file.filter(|f| f.is_file()) {
                Some(f) => Some((f.display().to_string(), read(&f)?)),
                None => None,
            };
            services.insert(name, load_service(origin, &text, rust)?);
        }
        let sources = Sources::load(&dir.join("sources.toml"))?.services;
        Ok(Self {
            label: dir.display().to_string(),
            services,
            sources,
        })
    }

    /// Reads `specs/` and `generated/` as committed at `rev` in the git repository
    /// at `repo`. Missing generated files are generated from the spec on the fly.
    pub fn from_git(repo: &Path, rev: &str) -> anyhow::Result<Self> {
        let git = Git { repo, rev };
        git.verify()?;
        let generated = git.list("generated/")?;
        let mut services = BTreeMap::new();
        for path in git.list("specs/normalized/")? {
            let Some(name) = path
                .strip_prefix("specs/normalized/")
                .and_then(|f| f.strip_suffix(".json"))
            else {
                continue;
            };
            let rust_path = format!("generated/{name}.rs");
            let rust = match generated.contains(&rust_path) {
                true => Some((git.origin(&rust_path), git.show(&rust_path)?)),
                false => None,
            };
            let text = git.show(&path)?;
            services.insert(
                name.to_string(),
                load_service(git.origin(&path), &text, rust)?,
            );
        }
        Ok(Self {
            label: rev.to_string(),
            services,
            sources: git.sources()?,
        })
    }

    /// What this side is: the directory or the git revision.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Replaces the label (e.g. "before scrape").
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Names of the services with a spec or a provenance entry, sorted.
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.services.keys().map(String::as_str).collect();
        names.extend(self.sources.keys().map(String::as_str));
        names.sort_unstable();
        names.dedup();
        names.into_iter()
    }

    /// One service's spec and Rust API, if this side has its spec.
    pub fn service(&self, name: &str) -> Option<&ServiceSnapshot> {
        self.services.get(name)
    }

    /// The `sources.toml` entries by service.
    pub fn sources(&self) -> &BTreeMap<String, Source> {
        &self.sources
    }

    /// Keeps only the named services (an empty list keeps all).
    pub fn retain_services(&mut self, names: &[String]) {
        if names.is_empty() {
            return;
        }
        self.services.retain(|k, _| names.contains(k));
        self.sources.retain(|k, _| names.contains(k));
    }
}

/// Parses a spec and its generated code (or generates it); every error names the file.
fn load_service(
    origin: String,
    text: &str,
    rust: Option<(String, String)>,
) -> anyhow::Result<ServiceSnapshot> {
    let spec = parse_spec(&origin, text)?;
    let rust_api = match rust {
        Some((rust_origin, code)) => ApiItems::parse(&rust_origin, &code)?,
        None => {
            let code = ttrest_codegen::generate_str(&origin, text)?;
            ApiItems::parse(&format!("code generated from {origin}"), &code)?
        }
    };
    Ok(ServiceSnapshot {
        origin,
        spec,
        rust_api,
    })
}

/// Parses JSON and checks that `openapiv3` accepts it as an OpenAPI 3.0 document.
fn parse_spec(origin: &str, text: &str) -> anyhow::Result<Value> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| anyhow!("{origin}: invalid JSON: {e}"))?;
    serde_json::from_value::<openapiv3::OpenAPI>(value.clone())
        .map_err(|e| anyhow!("{origin}: not a valid OpenAPI 3.0 document: {e}"))?;
    Ok(value)
}

/// The `*.json` files of a directory, sorted; a missing directory has none.
fn json_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("{}: cannot read", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn service_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))
}

/// Read-only access to one revision of a git repository.
struct Git<'a> {
    repo: &'a Path,
    rev: &'a str,
}

impl Git<'_> {
    /// Fails with one clear line unless `rev` names a commit.
    fn verify(&self) -> anyhow::Result<()> {
        let spec = format!("{}^{{commit}}", self.rev);
        self.run(&["rev-parse", "--verify", "--quiet", &spec])
            .map(drop)
            .map_err(|_| {
                anyhow!(
                    "{}: not a commit in the git repository at {}",
                    self.rev,
                    self.repo.display()
                )
            })
    }

    /// Paths (from the repository root) of the files under `dir` (ending in `/`).
    fn list(&self, dir: &str) -> anyhow::Result<Vec<String>> {
        let out = self.run(&["ls-tree", "--full-tree", "--name-only", self.rev, "--", dir])?;
        Ok(out.lines().map(str::to_string).collect())
    }

    fn show(&self, path: &str) -> anyhow::Result<String> {
        self.run(&["show", &format!("{}:{path}", self.rev)])
            .with_context(|| format!("{}: cannot read", self.origin(path)))
    }

    fn origin(&self, path: &str) -> String {
        format!("{}:{path}", self.rev)
    }

    fn sources(&self) -> anyhow::Result<BTreeMap<String, Source>> {
        const PATH: &str = "specs/sources.toml";
        if self.list(PATH)?.is_empty() {
            return Ok(BTreeMap::new());
        }
        let text = self.show(PATH)?;
        let sources: Sources = toml::from_str(&text)
            .map_err(|e| anyhow!("{}: invalid sources file: {e}", self.origin(PATH)))?;
        Ok(sources.services)
    }

    fn run(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(self.repo)
            .args(args)
            .output()
            .context("cannot run git; is it installed?")?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!("git {}: {}", args.join(" "), stderr.trim());
        }
        String::from_utf8(out.stdout).context("git printed non-UTF-8 output")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_spec_names_the_file_on_bad_json() {
        let err = parse_spec("x/normalized/ttid.json", "{not json").unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with("x/normalized/ttid.json: invalid JSON"),
            "{msg}"
        );
    }

    #[test]
    fn parse_spec_rejects_a_non_openapi_document() {
        let err = parse_spec("a.json", r#"{"paths": 3}"#).unwrap_err();
        assert!(format!("{err:#}").contains("a.json: not a valid OpenAPI 3.0 document"));
    }

    #[test]
    fn from_dir_rejects_a_missing_directory() {
        let err = Snapshot::from_dir(Path::new("/nonexistent/specs")).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("/nonexistent/specs: not a directory"));
    }
}
