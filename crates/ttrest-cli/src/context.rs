//! From the global options to a ready [`Api`]: session, sandbox, token cache.

use std::path::PathBuf;
use std::sync::Arc;

use ttrest::quota::{DailyCount, FileCount};
use ttrest::recording::Redaction;
use ttrest::{credentials, Credentials, Environment, Plan, Session, SessionBuilder};
use ttrest_sandbox::Sandbox;

use crate::args::{Global, RedactArg};
use crate::exit::CliError;
use crate::progress::Progress;
use crate::request::Api;
use crate::telemetry::Monitor;

/// The company part of requestIds when neither `--company` nor the profile names one.
const DEFAULT_COMPANY: &str = "cli";

/// A session ready to call TT (or the in-process sandbox).
pub struct Context {
    pub api: Api,
    /// The `--env` short name, for hints.
    pub env: &'static str,
    pub quiet: bool,
    /// `--record` or `--replay`: requests must not depend on timing.
    pub replayable: bool,
    /// `--metrics-addr`'s health and metrics, for `--follow` runs.
    pub monitor: Option<Monitor>,
    /// The company from `--company` or the profile (none when neither names one).
    pub company: Option<String>,
    /// `--tt-user-id`: reads TT's own count of the day.
    pub tt_user_id: Option<String>,
    /// Kept alive for the run when `--sandbox` is given.
    _sandbox: Option<Sandbox>,
}

impl Context {
    /// Builds the session from the global options (at most one `--profile`);
    /// `monitor` sees TT's answers.
    pub async fn connect(global: &Global, monitor: Option<Monitor>) -> Result<Context, CliError> {
        if global.profile.len() > 1 {
            return Err(CliError::usage(format!(
                "--profile is given {} times; only `ttrest sync` takes several (one stream per key)",
                global.profile.len()
            )));
        }
        Self::connect_as(
            global,
            global.profile.first().map(String::as_str),
            !global.quiet,
            None,
            monitor,
        )
        .await
    }

    /// Builds the session of `profile` (or the environment's credentials
    /// when none), with a progress line when `progress`; `count` keeps the
    /// key's day of requests instead of the host's state file (a database
    /// row shared by every host); `monitor` sees TT's answers.
    pub async fn connect_as(
        global: &Global,
        profile: Option<&str>,
        progress: bool,
        count: Option<Arc<dyn DailyCount>>,
        monitor: Option<Monitor>,
    ) -> Result<Context, CliError> {
        let progress = Arc::new(Progress::new(progress));
        let sandbox = match global.sandbox {
            true => Some(start_sandbox(global.quiet).await?),
            false => None,
        };
        let mut builder = Session::builder();
        let environment = global.env.map(Environment::from);
        if let Some(env) = environment {
            builder = builder.environment(env);
        }
        let (mut builder, company) = match (&sandbox, &global.replay) {
            (Some(s), _) => (
                sandbox_settings(builder, s, global)?,
                global.company.clone(),
            ),
            (None, Some(dir)) => (
                replay_settings(builder, dir, global)?,
                global.company.clone(),
            ),
            (None, None) => tt_settings(builder, global, profile),
        };
        if let Some(dir) = &global.record {
            builder = builder.record(dir);
            if global.record_redact == Some(RedactArg::Ids) {
                builder = builder.record_redaction(Redaction::Ids);
            }
        }
        if let Some(name) = &global.app_name {
            builder = builder.app_name(name);
        }
        if let Some(m) = &monitor {
            builder = builder.interceptor(m.interceptor());
        }
        if let Some(limit) = global.daily_limit {
            builder = builder.daily_limit(limit);
        }
        if let Some(count) = count {
            builder = builder.daily_count(count);
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
            replayable: global.record.is_some() || global.replay.is_some(),
            monitor,
            company,
            tt_user_id: global.tt_user_id.clone(),
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

/// `--replay DIR`: answers from the recording; placeholder credentials
/// (a recording holds none), no token cache.
fn replay_settings(
    builder: SessionBuilder,
    dir: &std::path::Path,
    global: &Global,
) -> Result<SessionBuilder, CliError> {
    let credentials =
        Credentials::new("replay", "replay").map_err(|e| CliError::from_tt(e, "uat"))?;
    let mut builder = builder
        .replay(dir)
        .credentials(credentials)
        .company(global.company.as_deref().unwrap_or(DEFAULT_COMPANY));
    if let Some(url) = &global.base_url {
        builder = builder.root_url(url);
    }
    if let Some(plan) = global.plan {
        builder = builder.plan(plan);
    }
    Ok(builder)
}

/// Real TT (or `--base-url`): profile, plan, company and the token cache;
/// also the company named by `--company` or the profile.
fn tt_settings(
    mut builder: SessionBuilder,
    global: &Global,
    profile: Option<&str>,
) -> (SessionBuilder, Option<String>) {
    let mut profile_company = None;
    if let Some(name) = profile {
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
    // The key's day is counted in the file every ttrest on the host shares.
    let builder = match FileCount::in_state_dir() {
        Some(count) => builder.daily_count(Arc::new(count)),
        // Neither XDG_STATE_HOME nor HOME: the count is this process's own.
        None => builder,
    };
    (builder, company)
}

/// `$XDG_CACHE_HOME/ttrest/tokens.json`, else `~/.cache/ttrest/tokens.json`.
pub fn token_cache_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("ttrest").join("tokens.json"))
}
