//! Command-line interface of `cargo xtask`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::generate;
use crate::layout::{repo_root, SpecsDir};

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
    /// Write generated/<service>.rs from specs/normalized/ (what build.rs compiles).
    Generate {
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "generated")]
        out_dir: PathBuf,
    },
    /// Fail, with a unified diff, when specs/normalized/ or generated/ is stale.
    Check {
        /// Specs directory.
        #[arg(long, default_value = "specs")]
        specs_dir: PathBuf,
        /// Generated code directory.
        #[arg(long, default_value = "generated")]
        generated_dir: PathBuf,
    },
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
        Command::Check {
            specs_dir,
            generated_dir,
        } => {
            let specs = SpecsDir::new(root.join(specs_dir));
            let expected = generate::expected(&specs, &root.join(generated_dir))?;
            let stale = generate::stale_files(&expected);
            for s in &stale {
                eprintln!(
                    "{} is stale; run `cargo xtask generate`\n{}",
                    s.path.display(),
                    s.diff
                );
            }
            Ok(if stale.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
