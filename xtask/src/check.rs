//! `cargo xtask check`: fails when `specs/normalized/` or `generated/` is stale,
//! or when a normalized service cannot be enabled because `Cargo.toml` has no
//! feature for it (a service TT added, brought in by a scrape).
//!
//! Every finding says exactly what to run or write to fix it.

use std::fmt;
use std::path::Path;

use anyhow::Context;

use crate::generate::{self, Stale};
use crate::layout::SpecsDir;
use crate::normalize;

/// What `check` found; empty when everything is up to date.
#[derive(Debug, Default)]
pub struct Findings {
    /// `specs/normalized/` files that differ from the normalizer's output.
    pub stale_normalized: Vec<Stale>,
    /// `generated/` files that differ from the codegen's output (or are missing).
    pub stale_generated: Vec<Stale>,
    /// Normalized services without a cargo feature of their name.
    pub missing_features: Vec<String>,
    /// Service features left out of `all-services`, or listed there without a spec.
    pub feature_list: Vec<crate::features::Mismatch>,
}

impl Findings {
    /// Whether nothing needs fixing.
    pub fn is_empty(&self) -> bool {
        self.stale_normalized.is_empty()
            && self.stale_generated.is_empty()
            && self.missing_features.is_empty()
            && self.feature_list.is_empty()
    }
}

impl fmt::Display for Findings {
    /// Each stale file with its diff and the command that refreshes it, then
    /// each service without a feature with the line to add.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (stale, fix) in [
            (&self.stale_normalized, "cargo xtask normalize"),
            (&self.stale_generated, "cargo xtask generate"),
        ] {
            for s in stale {
                writeln!(f, "{} is stale; run `{fix}`\n{}", s.path.display(), s.diff)?;
            }
        }
        for service in &self.missing_features {
            writeln!(f, "{}", feature_fix(service))?;
        }
        for mismatch in &self.feature_list {
            writeln!(f, "{}", mismatch.0)?;
        }
        Ok(())
    }
}

/// The message for a normalized service that `Cargo.toml` has no feature for.
pub fn feature_fix(service: &str) -> String {
    format!(
        "service `{service}` (specs/normalized/{service}.json) has no cargo feature, so \
         `ttrest::{service}` cannot be built; run `cargo xtask generate`, then add the line \
         `{service} = []` under [features] in Cargo.toml (and \"{service}\" to `all-services` \
         to build it by default)"
    )
}

/// Runs every check of the workspace at `root` (its `Cargo.toml`) on `specs`
/// and `generated_dir`. Writes nothing.
pub fn check(root: &Path, specs: &SpecsDir, generated_dir: &Path) -> anyhow::Result<Findings> {
    let stale_normalized = generate::stale_files(&normalize::plan(specs)?);
    let stale_generated = generate::stale_files(&generate::expected(specs, generated_dir)?);
    // The services the normalizer would write, so a new one is reported before
    // `cargo xtask normalize` has run as well as after.
    let mut services = specs
        .normalized_services()
        .with_context(|| format!("cannot list {}", specs.normalized_dir().display()))?;
    services.extend(specs.services()?);
    services.sort();
    services.dedup();
    let missing_features = missing_features(&root.join("Cargo.toml"), &services)?;
    let normalized = specs
        .normalized_services()
        .with_context(|| format!("cannot list {}", specs.normalized_dir().display()))?;
    let feature_list = crate::features::check(&root.join("Cargo.toml"), &normalized)?;
    Ok(Findings {
        stale_normalized,
        stale_generated,
        missing_features,
        feature_list,
    })
}

/// The `services` that the manifest's `[features]` table does not name.
pub fn missing_features(manifest: &Path, services: &[String]) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not valid TOML", manifest.display()))?;
    let features = doc.get("features").and_then(toml::Value::as_table);
    Ok(services
        .iter()
        .filter(|s| features.is_none_or(|f| !f.contains_key(s.as_str())))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_without_a_feature_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(
            &manifest,
            "[package]\nname = \"x\"\n\n[features]\nttid = []\nttpds = []\n",
        )
        .unwrap();
        let services = ["ttid".to_string(), "ttnew".into(), "ttpds".into()];
        assert_eq!(missing_features(&manifest, &services).unwrap(), ["ttnew"]);
        std::fs::write(&manifest, "[package]\nname = \"x\"\n").unwrap();
        assert_eq!(missing_features(&manifest, &services).unwrap().len(), 3);
    }

    #[test]
    fn the_fix_names_both_steps() {
        let fix = feature_fix("ttnew");
        assert!(fix.contains("`cargo xtask generate`"), "{fix}");
        assert!(
            fix.contains("`ttnew = []` under [features] in Cargo.toml"),
            "{fix}"
        );
    }
}
