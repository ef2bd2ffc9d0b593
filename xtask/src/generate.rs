//! `cargo xtask generate` and the staleness half of `cargo xtask check`.
//!
//! `generated/<service>.rs` holds exactly what `build.rs` compiles, for review
//! and diffs; `check` fails when it (or `specs/normalized/`) is stale.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::layout::SpecsDir;

/// One file whose expected content differs from what is on disk.
#[derive(Debug)]
pub struct Stale {
    /// The file.
    pub path: PathBuf,
    /// A unified diff from the file on disk to the expected content.
    pub diff: String,
}

/// The expected text of `generated/services.rs` (the service table) and of
/// `generated/<service>.rs` for every service with a normalized spec.
pub fn expected(specs: &SpecsDir, generated_dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let normalized = specs.normalized_dir();
    if !normalized.is_dir() {
        return Ok(Vec::new());
    }
    let table = ttrest_codegen::generate_services_file(&normalized)?;
    let mut out = vec![(generated_dir.join("services.rs"), table)];
    let columns = ttrest_codegen::generate_columns_file(&normalized)?;
    out.push((generated_dir.join("columns.rs"), columns));
    for service in ttrest_codegen::service_names(&normalized)? {
        let code = ttrest_codegen::generate_file(&specs.normalized(&service))?;
        out.push((generated_dir.join(format!("{service}.rs")), code));
    }
    Ok(out)
}

/// Writes `generated/<service>.rs` for every service; returns the paths written.
pub fn generate(specs: &SpecsDir, generated_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(generated_dir)
        .with_context(|| format!("cannot create {}", generated_dir.display()))?;
    let files = expected(specs, generated_dir)?;
    let mut written = Vec::new();
    for (path, code) in files {
        write_if_changed(&path, &code)?;
        written.push(path);
    }
    Ok(written)
}

/// Compares expected files with the disk; returns every stale one with its diff.
pub fn stale_files(expected: &[(PathBuf, String)]) -> Vec<Stale> {
    expected
        .iter()
        .filter_map(|(path, want)| {
            let have = std::fs::read_to_string(path).unwrap_or_default();
            (have != *want).then(|| Stale {
                path: path.clone(),
                diff: unified_diff(path, &have, want),
            })
        })
        .collect()
}

/// A unified diff from `old` (on disk) to `new` (expected), labelled with `path`.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{shown} (on disk)"),
            &format!("{shown} (expected)"),
        )
        .to_string()
}

/// Writes `content` to `path` unless it already holds exactly that (keeps mtimes stable).
pub fn write_if_changed(path: &Path, content: &str) -> anyhow::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|have| have == content) {
        return Ok(());
    }
    std::fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
}
