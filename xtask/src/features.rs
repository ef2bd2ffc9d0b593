//! The feature list of the library's manifest against the service table (the
//! specs in `specs/normalized/`): a service's feature belongs in `all-services`,
//! and `all-services` names no service without a spec. (A service with no
//! feature at all is reported by [`crate::check`].)

use std::path::Path;

use anyhow::Context;

/// One disagreement between the manifest and the service table, with its fix.
#[derive(Debug, PartialEq, Eq)]
pub struct Mismatch(pub String);

/// Compares the `[features]` of `manifest` with `services`.
pub fn check(manifest: &Path, services: &[String]) -> anyhow::Result<Vec<Mismatch>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("cannot read {}", manifest.display()))?;
    let doc: toml::Table =
        toml::from_str(&text).with_context(|| format!("{}: not valid TOML", manifest.display()))?;
    let empty = toml::Table::new();
    let features = doc
        .get("features")
        .and_then(|f| f.as_table())
        .unwrap_or(&empty);
    let all: Vec<&str> = features
        .get("all-services")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let shown = manifest.display();
    let mut out = Vec::new();
    for service in services {
        if features.contains_key(service.as_str()) && !all.contains(&service.as_str()) {
            out.push(Mismatch(format!(
                "{shown}: feature `{service}` is not in `all-services`; add \"{service}\" to it"
            )));
        }
    }
    for feature in &all {
        if !services.iter().any(|s| s == feature) {
            out.push(Mismatch(format!(
                "{shown}: `all-services` lists `{feature}`, which has no spec in specs/normalized/; \
                 remove the feature or add its spec and run `cargo xtask normalize`"
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(manifest: &str, services: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        std::fs::write(&path, manifest).unwrap();
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        check(&path, &services)
            .unwrap()
            .into_iter()
            .map(|m| m.0)
            .collect()
    }

    #[test]
    fn a_matching_feature_list_passes() {
        let manifest = "[features]\nall-services = [\"ttid\", \"ttpds\"]\nttid = []\nttpds = []\n";
        assert!(run(manifest, &["ttid", "ttpds"]).is_empty());
    }

    #[test]
    fn a_service_without_any_feature_is_left_to_the_missing_feature_check() {
        let manifest = "[features]\nall-services = [\"ttid\"]\nttid = []\n";
        assert!(run(manifest, &["ttid", "ttnew"]).is_empty());
    }

    #[test]
    fn a_feature_without_a_spec_and_one_left_out_of_all_services_are_reported() {
        let manifest = "[features]\nall-services = [\"ttid\", \"ttgone\"]\nttid = []\nttpds = []\n";
        let found = run(manifest, &["ttid", "ttpds"]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found
            .iter()
            .any(|m| m.contains("`ttpds` is not in `all-services`")));
        assert!(found.iter().any(|m| m.contains("lists `ttgone`")));
    }
}
