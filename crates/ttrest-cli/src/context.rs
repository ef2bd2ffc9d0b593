//! From the global options to a ready [`Api`]: session, sandbox, token cache.

use std::path::PathBuf;
use std::sync::Arc;

use ttrest::{credentials, Credentials, Environment, Plan, Session, SessionBuilder};
use ttrest_sandbox::Sandbox;

use crate::args::Global;
use crate::exit::CliError;
use crate::progress::Progress;
use crate::request::Api;

/// The company part of requestIds when neither `--company` nor the profile names one.
const DEFAULT_COMPANY: &str = "cli";

/// A session ready to call TT (or the in-process sandbox).
pub struct Context {
    pub api: Api,
    /// The `--env` short name, for hints.
    pub env: &'static str,
    pub quiet: bool,
    /// Kept alive for the run when `--sandbox` is given.
    _sandbox: Option<Sandbox>,
}

impl Context {
    /// Builds the session from the global options.
    pub async fn connect(global: &Global) -> Result<Context, CliError> {
        let progress = Arc::new(Progress::new(!global.quiet));
        let sandbox = match global.sandbox {
            true => Some(start_sandbox(global.quiet).await?),
            false => None,
        };
        let mut builder = Session::builder();
        let environment = global.env.map(Environment::from);
        if let Some(env) = environment {
            builder = builder.environment(env);
        }
        builder = match &sandbox {
            Some(s) => sandbox_settings(builder, s, global)?,
            None => tt_settings(builder, global),
        };
        if let Some(name) = &global.app_name {
            builder = builder.app_name(name);
        }
        if let Some(timeout) = global.timeout {
            builder = builder.timeout(timeout);
        }
        let session = builder
            .build()
            .map_err(|e| CliError::from_tt(e, env_name(environment)))?;
        let env = env_name(Some(session.environment()));
        Ok(Context {
            api: Api::new(session, progress),
            env,
            quiet: global.quiet,
            _sandbox: sandbox,
        })
    }

    pub fn progress(&self) -> &Progress {
        self.api.progress()
    }
}

fn env_name(env: Option<Environment>) -> &'static str {
    match env {
        Some(Environment::Live) => "live",
        Some(Environment::Sim) => "sim",
        _ => "uat",
    }
}

async fn start_sandbox(quiet: bool) -> Result<Sandbox, CliError> {
    let sandbox = Sandbox::builder().start().await.map_err(|e| {
        CliError::io(
            "start",
            std::path::Path::new("the sandbox"),
            &std::io::Error::other(e.to_string()),
        )
    })?;
    if !quiet {
        eprintln!(
            "ttrest: using a local TT sandbox at {} ({} fills)",
            sandbox.base_url(),
            sandbox.fill_count()
        );
    }
    Ok(sandbox)
}

/// `--sandbox`: its root and credentials, no client-side pacing unless
/// `--plan`, and no token cache (its tokens die with it).
fn sandbox_settings(
    builder: SessionBuilder,
    sandbox: &Sandbox,
    global: &Global,
) -> Result<SessionBuilder, CliError> {
    let credentials = Credentials::new(sandbox.app_key(), sandbox.app_secret())
        .map_err(|e| CliError::from_tt(e, "uat"))?;
    Ok(builder
        .root_url(sandbox.base_url())
        .credentials(credentials)
        .plan(global.plan.unwrap_or(Plan::Unlimited))
        .company(global.company.as_deref().unwrap_or(DEFAULT_COMPANY)))
}

/// Real TT (or `--base-url`): profile, plan, company and the token cache.
fn tt_settings(mut builder: SessionBuilder, global: &Global) -> SessionBuilder {
    let mut profile_company = None;
    if let Some(name) = &global.profile {
        builder = builder.profile(name);
        if let Some(path) = credentials::default_config_path() {
            // The builder reports a broken profile; here it only supplies the company.
            profile_company = credentials::load_profile(&path, name)
                .ok()
                .and_then(|p| p.company);
        }
    }
    if let Some(url) = &global.base_url {
        builder = builder.root_url(url);
    }
    if let Some(plan) = global.plan {
        builder = builder.plan(plan);
    }
    let company = global.company.clone().or(profile_company);
    builder = builder.company(company.as_deref().unwrap_or(DEFAULT_COMPANY));
    if let Some(path) = (!global.no_token_cache).then(token_cache_path).flatten() {
        builder = builder.token_cache_file(path);
    }
    builder
}

/// `$XDG_CACHE_HOME/ttrest/tokens.json`, else `~/.cache/ttrest/tokens.json`.
pub fn token_cache_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("ttrest").join("tokens.json"))
}
