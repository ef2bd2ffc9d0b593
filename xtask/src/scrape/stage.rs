//! All-or-nothing writes into a specs directory.
//!
//! Everything is first built in a staging directory *inside* the specs directory
//! (same filesystem, so the final moves are renames). The staging directory is a
//! [`tempfile::TempDir`], removed when the [`Stage`] is dropped, on every path.

use std::path::{Path, PathBuf};

use crate::layout::SpecsDir;

/// Why staging or committing failed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {action}: {source}")]
pub struct StageError {
    /// The file or directory.
    pub path: PathBuf,
    /// What was being done.
    pub action: &'static str,
    /// The I/O error.
    pub source: std::io::Error,
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> StageError {
    let path = path.to_path_buf();
    move |source| StageError {
        path,
        action,
        source,
    }
}

/// What happened to one file on commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The file did not exist.
    Created,
    /// The file existed with other content.
    Updated,
    /// The file already held exactly this content (left untouched).
    Unchanged,
}

/// A staged copy of a specs directory's inputs.
#[derive(Debug)]
pub struct Stage {
    dir: tempfile::TempDir,
    staged: SpecsDir,
    target: SpecsDir,
}

impl Stage {
    /// Creates `.scrape-staging-*` in `target` and copies the normalizer's inputs
    /// (`scraped/`, `reconstructed/`, `overlays/`) into it.
    pub fn new(target: &SpecsDir) -> Result<Self, StageError> {
        let root = target.root();
        let dir = tempfile::Builder::new()
            .prefix(".scrape-staging-")
            .tempdir_in(root)
            .map_err(io(root, "cannot create a staging directory"))?;
        let staged = SpecsDir::new(dir.path());
        for (from, to) in [
            (target.scraped_dir(), staged.scraped_dir()),
            (target.reconstructed_dir(), staged.reconstructed_dir()),
            (target.overlays_dir(), staged.overlays_dir()),
        ] {
            copy_tree(&from, &to)?;
        }
        Ok(Self {
            dir,
            staged,
            target: target.clone(),
        })
    }

    /// The staged specs directory (give it to the normalizer).
    pub fn specs(&self) -> &SpecsDir {
        &self.staged
    }

    /// Writes `content` at `path` (a path under the staged root).
    pub fn write(&self, path: &Path, content: &str) -> Result<(), StageError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent, "cannot create"))?;
        }
        std::fs::write(path, content).map_err(io(path, "cannot write"))
    }

    /// Moves every listed staged file (paths under the staged root) to the same
    /// place in the target, skipping files whose content is already there.
    /// Returns each target path with what happened to it.
    pub fn commit(self, staged_files: &[PathBuf]) -> Result<Vec<(PathBuf, Change)>, StageError> {
        let mut plan = Vec::new();
        for staged in staged_files {
            let relative = staged
                .strip_prefix(self.dir.path())
                .map_err(|_| StageError {
                    path: staged.clone(),
                    action: "not inside the staging directory",
                    source: std::io::ErrorKind::InvalidInput.into(),
                })?;
            let target = self.target.root().join(relative);
            let new = std::fs::read(staged).map_err(io(staged, "cannot read"))?;
            let change = match std::fs::read(&target) {
                Ok(old) if old == new => Change::Unchanged,
                Ok(_) => Change::Updated,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Change::Created,
                Err(e) => return Err(io(&target, "cannot read")(e)),
            };
            plan.push((staged.clone(), target, change));
        }
        // Every check passed: only renames from here on.
        for (staged, target, change) in &plan {
            if *change == Change::Unchanged {
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent, "cannot create"))?;
            }
            std::fs::rename(staged, target).map_err(io(target, "cannot move into place"))?;
        }
        Ok(plan.into_iter().map(|(_, t, c)| (t, c)).collect())
    }
}

/// Copies the files of `from` (recursively) to `to`; a missing `from` is empty.
fn copy_tree(from: &Path, to: &Path) -> Result<(), StageError> {
    let entries = match std::fs::read_dir(from) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(from, "cannot list")(e)),
    };
    std::fs::create_dir_all(to).map_err(io(to, "cannot create"))?;
    for entry in entries {
        let entry = entry.map_err(io(from, "cannot list"))?;
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest).map_err(io(&path, "cannot copy"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_moves_changed_files_and_the_stage_disappears() {
        let root = tempfile::tempdir().unwrap();
        let target = SpecsDir::new(root.path());
        std::fs::create_dir_all(target.reconstructed_dir()).unwrap();
        std::fs::write(target.reconstructed("ttpds"), "{}").unwrap();
        std::fs::write(target.sources(), "same").unwrap();

        let stage = Stage::new(&target).unwrap();
        let staged_root = stage.specs().root().to_path_buf();
        assert!(
            stage.specs().reconstructed("ttpds").is_file(),
            "inputs are copied"
        );
        let scraped = stage.specs().scraped("ttid");
        stage.write(&scraped, "new").unwrap();
        let sources = stage.specs().sources();
        stage.write(&sources, "same").unwrap();
        let changes = stage.commit(&[scraped, sources]).unwrap();

        assert_eq!(changes[0], (target.scraped("ttid"), Change::Created));
        assert_eq!(changes[1], (target.sources(), Change::Unchanged));
        assert_eq!(
            std::fs::read_to_string(target.scraped("ttid")).unwrap(),
            "new"
        );
        assert!(!staged_root.exists());
    }

    #[test]
    fn dropping_a_stage_leaves_the_target_untouched() {
        let root = tempfile::tempdir().unwrap();
        let target = SpecsDir::new(root.path());
        let stage = Stage::new(&target).unwrap();
        stage.write(&stage.specs().scraped("ttid"), "x").unwrap();
        drop(stage);
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }
}
