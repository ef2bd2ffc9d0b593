//! Command-line interface of `cargo xtask`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::diff;
use crate::generate;
use crate::layout::{repo_root, SpecsDir};
use crate::normalize;

/// Developer tasks for ttrest.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
pub struct Cli {
    /// The task to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The tasks.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write `generated/<service>.rs` from `specs/normalized/` (what build.rs compiles).
    Generate {
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "generated")]
        out_dir: PathBuf,
    },
    /// Write `specs/normalized/<service>.json` from `specs/scraped/` or `specs/reconstructed/`
    /// plus `specs/overlays/` (scraped wins).
    Normalize {
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
    },
    /// Scrape TT's reference pages into specs/scraped/, then normalize (all or nothing).
    Scrape(crate::scrape::Args),
    /// Fail, with a unified diff, when specs/normalized/ or generated/ is stale,
    /// or when a normalized service has no cargo feature in Cargo.toml.
    Check {
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
        /// Generated code directory.
        #[arg(long, default_value = "generated")]
        generated_dir: PathBuf,
    },
    /// Show what changed in TT's API (specs, generated Rust API, provenance),
    /// classified breaking or not. Default: specs at HEAD against the working tree.
    Diff(diff::command::DiffArgs),
    /// Check every answer of a recording (`ttrest --record DIR`) against the
    /// normalized specs and report, per schema, what the specs lack; exits 1
    /// when something is found.
    Learn {
        /// The recording directory.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// Write the findings to specs/overlays/SERVICE.learned.yaml, with
        /// provenance in specs/sources.toml (then run `cargo xtask normalize`
        /// and `cargo xtask generate`).
        #[arg(long)]
        write: bool,
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
    },
    /// Print the "TT Rest API" rows of TT's release notes that
    /// specs/release-notes.txt does not list; exits 1 when there are some.
    ReleaseNotes {
        /// A release-notes page or index (URL or saved file); repeatable.
        #[arg(long = "page", value_name = "URL|FILE", required = true)]
        pages: Vec<String>,
        /// The rows already seen.
        #[arg(long, default_value = "specs/release-notes.txt")]
        known: PathBuf,
        /// Print Markdown (for a pull-request body) instead of text.
        #[arg(long)]
        markdown: bool,
        /// Append the new rows to the known list.
        #[arg(long)]
        update: bool,
    },
    /// Measure ttrest's cost (decode, streaming, memory, rate-limit use,
    /// compile time) and print one table, each row with its command.
    Bench(crate::bench::Args),
}

/// Runs one task. Relative paths are taken from the repository root.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = repo_root();
    match cli.command {
        Command::Generate { specs_dir, out_dir } => {
            let specs = SpecsDir::new(root.join(specs_dir));
            for path in generate::generate(&specs, &root.join(out_dir))? {
                println!("generated {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Normalize { specs_dir } => {
            let specs = SpecsDir::new(root.join(specs_dir));
            let written = normalize::normalize_all(&specs)?;
            for path in &written {
                println!("normalized {}", path.display());
            }
            if written.is_empty() {
                println!("specs/normalized/ is up to date");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scrape(args) => {
            let specs = SpecsDir::new(root.join(&args.specs_dir));
            // Taken before anything is staged, to show what the scrape changed.
            let before = diff::Snapshot::from_dir_generating(specs.root()).ok();
            println!("{}", crate::scrape::run(&args, &specs)?);
            diff::command::print_changes_since(before.as_ref(), specs.root());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            specs_dir,
            generated_dir,
        } => {
            let specs = SpecsDir::new(root.join(specs_dir));
            let findings = crate::check::check(&root, &specs, &root.join(generated_dir))?;
            eprint!("{findings}");
            Ok(if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Diff(args) => diff::command::run(&args, &root),
        Command::ReleaseNotes {
            pages,
            known,
            markdown,
            update,
        } => {
            let known_path = root.join(known);
            let known = crate::release_notes::known(&known_path)?;
            let rows = crate::release_notes::collect(&pages)?;
            let new: Vec<String> = rows.into_iter().filter(|r| !known.contains(r)).collect();
            print!("{}", crate::release_notes::render(&new, markdown));
            if update && !new.is_empty() {
                let mut text = std::fs::read_to_string(&known_path).unwrap_or_default();
                for r in &new {
                    text.push_str(r);
                    text.push('\n');
                }
                crate::generate::write_if_changed(&known_path, &text)?;
            }
            Ok(if new.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Learn {
            from,
            write,
            specs_dir,
        } => {
            let specs = SpecsDir::new(root.join(specs_dir));
            let report = crate::learn::learn(&specs, &from)?;
            print!("{}", report.render());
            if write && !report.findings.is_empty() {
                for path in crate::learn::write(&specs, &report)? {
                    println!("wrote {}", path.display());
                }
                println!("next: cargo xtask normalize && cargo xtask generate && cargo xtask diff");
            }
            Ok(if report.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Bench(args) => {
            crate::bench::run(&args, &root)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
