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

    /// Every service with an input spec (scraped or reconstructed) or an entry
    /// in `sources.toml`, sorted. This is the list of services: nothing else
    /// names them.
    pub fn services(&self) -> Vec<String> {
        let mut names: Vec<String> = [self.scraped_dir(), self.reconstructed_dir()]
            .iter()
            .filter_map(|dir| std::fs::read_dir(dir).ok())
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "json")
                    .then(|| path.file_stem()?.to_str().map(String::from))?
            })
            .collect();
        if let Ok(sources) = crate::sources::Sources::load(&self.sources()) {
            names.extend(sources.services.into_keys());
        }
        names.sort();
        names.dedup();
        names
    }

    /// The input spec of a service: the scraped one wins over the reconstructed one.
    pub fn input(&self, service: &str) -> Option<PathBuf> {
        [self.scraped(service), self.reconstructed(service)]
            .into_iter()
            .find(|p| p.is_file())
    }
}

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}
