//! Where things live in a specs directory (`specs/` by default).
//!
//! ```text
//! specs/
//!   scraped/<service>.json        spec exactly as TT publishes it (sorted keys)
//!   reconstructed/<service>.json  spec written from public facts where no page can be read
//!   overlays/<service>.yaml       OpenAPI Overlay 1.0 fixes for one service
//!   normalized/<service>.json     progenitor-ready spec (input of build.rs)
//!   sources.toml                  where each spec came from
//! ```

use std::path::{Path, PathBuf};

/// The layout of one specs directory.
#[derive(Clone, Debug)]
pub struct SpecsDir {
    root: PathBuf,
}

impl SpecsDir {
    /// A specs directory rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `scraped/`
    pub fn scraped_dir(&self) -> PathBuf {
        self.root.join("scraped")
    }

    /// `reconstructed/`
    pub fn reconstructed_dir(&self) -> PathBuf {
        self.root.join("reconstructed")
    }

    /// `normalized/`
    pub fn normalized_dir(&self) -> PathBuf {
        self.root.join("normalized")
    }

    /// `overlays/`
    pub fn overlays_dir(&self) -> PathBuf {
        self.root.join("overlays")
    }

    /// `scraped/<service>.json`
    pub fn scraped(&self, service: &str) -> PathBuf {
        self.scraped_dir().join(format!("{service}.json"))
    }

    /// `reconstructed/<service>.json`
    pub fn reconstructed(&self, service: &str) -> PathBuf {
        self.reconstructed_dir().join(format!("{service}.json"))
    }

    /// `normalized/<service>.json`
    pub fn normalized(&self, service: &str) -> PathBuf {
        self.normalized_dir().join(format!("{service}.json"))
    }

    /// `overlays/<service>.yaml`
    pub fn overlay(&self, service: &str) -> PathBuf {
        self.overlays_dir().join(format!("{service}.yaml"))
    }

    /// `sources.toml`
    pub fn sources(&self) -> PathBuf {
        self.root.join("sources.toml")
    }

    /// The input spec of a service: the scraped one wins over the reconstructed one.
    pub fn input(&self, service: &str) -> Option<PathBuf> {
        [self.scraped(service), self.reconstructed(service)]
            .into_iter()
            .find(|p| p.is_file())
    }
}

impl SpecsDir {
    /// Every service with an input spec (`scraped/` or `reconstructed/`), sorted:
    /// whatever TT publishes, not a fixed list, so a newly scraped service is
    /// normalized like the others.
    pub fn services(&self) -> std::io::Result<Vec<String>> {
        let mut names = json_stems(&self.scraped_dir())?;
        names.extend(json_stems(&self.reconstructed_dir())?);
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Every service with a normalized spec (`normalized/<service>.json`), sorted.
    pub fn normalized_services(&self) -> std::io::Result<Vec<String>> {
        json_stems(&self.normalized_dir())
    }
}

/// The stems of the `*.json` files in `dir` that are safe service names, sorted;
/// a missing directory has none.
fn json_stems(dir: &Path) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            if crate::scrape::extract::is_safe_name(stem) {
                names.push(stem.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_the_input_specs_whatever_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let specs = SpecsDir::new(dir.path());
        assert!(specs.services().unwrap().is_empty());
        for path in [
            specs.scraped("ttid"),
            specs.scraped("ttnew"),
            specs.reconstructed("ttid"),
            specs.reconstructed("ttpds"),
            specs.reconstructed_dir().join("Not A Service.json"),
            specs.reconstructed_dir().join("notes.txt"),
        ] {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "{}").unwrap();
        }
        assert_eq!(specs.services().unwrap(), ["ttid", "ttnew", "ttpds"]);
        assert!(specs.normalized_services().unwrap().is_empty());
    }
}
