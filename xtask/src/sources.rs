//! `specs/sources.toml`: where each service's spec came from.
//!
//! ```toml
//! [services.ttid]
//! provenance = "scraped"
//! url = "https://library.tradingtechnologies.com/..."
//! fetched_at = "2026-11-21T10:00:00Z"
//! sha256 = "<hex of the page bytes>"
//!
//! [services.ttledger]
//! provenance = "reconstructed"
//! facts = ["ISAAC", "TTS-PY"]
//! notes = "..."
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// How a spec was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Scraped from TT's documentation page.
    Scraped,
    /// Written by hand from public facts (`docs/tt-rest-facts.md`).
    Reconstructed,
}

/// One service's entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Scraped or reconstructed.
    pub provenance: Provenance,
    /// The page the spec was scraped from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the page was fetched (UTC, RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// sha256 of the page bytes, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Fact source keys a reconstructed spec rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
    /// Free text: what is known, what is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    /// Entries by service name.
    #[serde(default)]
    pub services: BTreeMap<String, Source>,
    /// Overlay actions `cargo xtask learn --write` added to
    /// `overlays/<service>.learned.yaml`, by service, with the recordings they came from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub learned: BTreeMap<String, Vec<LearnedAction>>,
}

/// Provenance of one learned overlay action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnedAction {
    /// The action's JSONPath target.
    pub target: String,
    /// Where it was seen: `file:line` of recorded exchanges (up to three).
    pub recording: Vec<String>,
    /// What was found.
    pub finding: String,
}

impl Sources {
    /// Reads `sources.toml`; a missing file is an empty list.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("{}: invalid sources file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The file's text (deterministic: services sorted by name).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("sources serialize to TOML")
    }
}
