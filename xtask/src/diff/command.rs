//! The `cargo xtask diff` command line: which two snapshots, which services,
//! which format, and when to fail.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;

use super::render::{render, Format};
use super::{compare, Report, Snapshot};

/// When `cargo xtask diff` exits non-zero although it ran fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any breaking spec or Rust API change.
    Breaking,
    /// Any change at all (spec, Rust API or provenance).
    Any,
}

/// Arguments of `cargo xtask diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Git revision whose committed specs are the old side; the working tree is
    /// the new side. Default: HEAD.
    #[arg(long, value_name = "GIT_REV", conflicts_with_all = ["old", "new"])]
    pub base: Option<String>,
    /// Old side: a directory laid out like specs/ (normalized/, sources.toml).
    #[arg(long, value_name = "DIR", requires = "new")]
    pub old: Option<PathBuf>,
    /// New side: a directory laid out like specs/.
    #[arg(long, value_name = "DIR", requires = "old")]
    pub new: Option<PathBuf>,
    /// Only this service (repeatable). Default: every service on either side.
    #[arg(long = "service", value_name = "NAME")]
    pub services: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit with status 1 when there are breaking changes, or any change.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
    /// Git repository whose history and working tree are compared (default: this one).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

/// Runs the command; relative paths are taken from `root` (the repository root).
pub fn run(args: &DiffArgs, root: &Path) -> anyhow::Result<ExitCode> {
    let (mut old, mut new) = snapshots(args, root)?;
    check_services(&args.services, &old, &new)?;
    old.retain_services(&args.services);
    new.retain_services(&args.services);
    let report = compare(&old, &new);
    print!("{}", render(&report, args.format));
    Ok(exit_code(&report, args.fail_on))
}

fn snapshots(args: &DiffArgs, root: &Path) -> anyhow::Result<(Snapshot, Snapshot)> {
    if let (Some(old), Some(new)) = (&args.old, &args.new) {
        return Ok((
            Snapshot::from_dir(&root.join(old))?,
            Snapshot::from_dir(&root.join(new))?,
        ));
    }
    let repo = args
        .repo
        .as_ref()
        .map_or_else(|| root.to_path_buf(), |r| root.join(r));
    let rev = args.base.as_deref().unwrap_or("HEAD");
    let old = Snapshot::from_git(&repo, rev)?;
    let new = Snapshot::from_dir(&repo.join("specs"))?.with_label("working tree");
    Ok((old, new))
}

/// A typo in `--service` would otherwise look like "no changes".
fn check_services(names: &[String], old: &Snapshot, new: &Snapshot) -> anyhow::Result<()> {
    for name in names {
        let known = |s: &Snapshot| s.service_names().any(|n| n == name);
        if !known(old) && !known(new) {
            let mut all: Vec<&str> = old.service_names().chain(new.service_names()).collect();
            all.sort_unstable();
            all.dedup();
            bail!(
                "--service {name}: no such service on either side (known: {})",
                all.join(", ")
            );
        }
    }
    Ok(())
}

/// 0, or 1 when `fail_on` is met (as oasdiff's `--fail-on`).
pub fn exit_code(report: &Report, fail_on: Option<FailOn>) -> ExitCode {
    let fail = match fail_on {
        None => false,
        Some(FailOn::Breaking) => report.has_breaking(),
        Some(FailOn::Any) => !report.is_empty(),
    };
    if fail {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// For `cargo xtask scrape`: the text report of what changed in `specs_dir` since
/// `before` was taken (with [`Snapshot::from_dir_generating`]).
pub fn changes_since(before: &Snapshot, specs_dir: &Path) -> anyhow::Result<String> {
    let after = Snapshot::from_dir_generating(specs_dir)?.with_label("after");
    let mut report = compare(before, &after);
    // Both sides are the same directory: name them by time instead.
    report.old = "before".to_string();
    Ok(render(&report, Format::Text))
}

/// The scrape hook: prints [`changes_since`], or a warning when it cannot be computed
/// (the scrape itself already succeeded, so this never fails it).
pub fn print_changes_since(before: Option<&Snapshot>, specs_dir: &Path) {
    let Some(before) = before else {
        eprintln!("warning: no API summary: the specs before the scrape could not be read");
        return;
    };
    match changes_since(before, specs_dir) {
        Ok(text) => print!("{text}"),
        Err(e) => eprintln!("warning: no API summary: {e:#}"),
    }
}
