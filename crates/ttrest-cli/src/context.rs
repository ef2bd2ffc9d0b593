//! The global options and what they build: a ready [`Api`] (session,
//! sandbox, token cache) with the run's [`Stop`] handle, in a [`Context`].

use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgAction, Args, ValueEnum};
use ttrest::quota::{DailyCount, FileCount};
use ttrest::recording::Redaction;
use ttrest::{credentials, Credentials, Environment, Plan, Session, SessionBuilder};
use ttrest_sandbox::Sandbox;

use crate::exit::CliError;
use crate::progress::Progress;
use crate::request::Api;
use crate::stop::Stop;
use crate::telemetry::Monitor;

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// TT environment [default: uat, or the profile's].
    #[arg(long, global = true, value_enum)]
    pub env: Option<EnvArg>,
    /// Root URL that `<service>/<env>` is appended to (a sandbox or proxy).
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Application name in every requestId [default: ttrest].
    #[arg(long, global = true, value_name = "NAME")]
    pub app_name: Option<String>,
    /// Company name in every requestId [default: cli].
    #[arg(long, global = true, value_name = "NAME")]
    pub company: Option<String>,
    /// The key's usage plan, which paces requests and caps the day: free
    /// (3/s, 10,000 a day), low (5/s, 15,000), medium (10/s, 30,000), high
    /// (25/s, 75,000), ps-free (3/s, 3,000), unlimited, or requests per
    /// second (no daily cap unless --daily-limit) [default: free].
    #[arg(long, global = true, value_name = "PLAN", value_parser = parse_plan)]
    pub plan: Option<Plan>,
    /// The key's cap of requests per UTC day, instead of the plan's (free
    /// 10,000, low 15,000, medium 30,000, high 75,000, ps-free 3,000). The
    /// day's count lives in $XDG_STATE_HOME/ttrest/ (else
    /// ~/.local/state/ttrest/), shared by every ttrest on the host.
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub daily_limit: Option<u64>,
    /// The user id of the key's user, with which TT's own count of the day
    /// (ttid /keyusage) can be read; without it the day is counted locally.
    #[arg(long, global = true, value_name = "ID", env = "TT_USER_ID")]
    pub tt_user_id: Option<String>,
    /// A profile of ~/.config/ttrest/config.toml (or $TTREST_CONFIG).
    /// `ttrest sync` takes it more than once: one stream per key, one database.
    #[arg(long, global = true, value_name = "NAME", action = clap::ArgAction::Append)]
    pub profile: Vec<String>,
    /// Start a local TT sandbox in this process and run against it (its own
    /// credentials; no token cache; no pacing unless --plan).
    #[arg(long, global = true, conflicts_with_all = ["base_url", "profile"])]
    pub sandbox: bool,
    /// No progress line and no summary on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Do not reuse or store tokens in ~/.cache/ttrest/tokens.json.
    #[arg(long, global = true)]
    pub no_token_cache: bool,
    /// Append every exchange of the run to DIR/<service>.jsonl (secrets and
    /// tokens redacted; format in docs/recordings.md).
    #[arg(long, global = true, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// With --record, also hide `ids`: account, user and company ids and
    /// names become stand-ins (the same id always the same stand-in).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHAT",
        requires = "record"
    )]
    pub record_redact: Option<RedactArg>,
    /// Answer every request from a recording made with --record: no network,
    /// no credentials, no pacing unless --plan.
    #[arg(long, global = true, value_name = "DIR", conflicts_with_all = ["sandbox", "record", "profile"])]
    pub replay: Option<PathBuf>,
    /// Log to stderr: -v each call (status, requestId, time), -vv each
    /// attempt too. RUST_LOG, if set, chooses instead. Secrets are never logged.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Log lines as text, or as one JSON object per event (for log shippers).
    #[arg(long, global = true, value_enum, default_value_t = crate::telemetry::LogFormat::Text)]
    pub log_format: crate::telemetry::LogFormat,
    /// Seconds to wait for each answer before trying again (retries are
    /// bounded), e.g. 10 or 2.5 [default: 90].
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
}

/// `--record-redact` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RedactArg {
    /// Account, user and company ids and names.
    Ids,
}

/// `--env` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EnvArg {
    /// ext_uat_cert
    Uat,
    /// ext_prod_live
    Live,
    /// ext_prod_sim
    Sim,
}

impl From<EnvArg> for Environment {
    fn from(e: EnvArg) -> Self {
        match e {
            EnvArg::Uat => Environment::Uat,
            EnvArg::Live => Environment::Live,
            EnvArg::Sim => Environment::Sim,
        }
    }
}

/// The slowest `--plan` accepted, in requests per second.
pub const MIN_PLAN_RATE: f64 = 0.1;

fn parse_plan(s: &str) -> Result<Plan, String> {
    let plan = s.parse::<Plan>().map_err(|e| e.to_string())?;
    match plan {
        Plan::PerSecond(rate) if rate < MIN_PLAN_RATE => Err(format!(
            "{rate} requests/s is below the floor of {MIN_PLAN_RATE}/s (one request every \
             10 s); a slower pace would look like a hang. TT's slowest plan, free, is 3/s"
        )),
        plan => Ok(plan),
    }
}

/// `--timeout`: a positive number of seconds.
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 86_400.0 {
        return Err("--timeout must be above 0 and at most 86400 seconds".into());
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

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
    /// Stops the run (Ctrl-C or SIGTERM in `main`; anything else elsewhere).
    pub stop: Stop,
    /// Kept alive for the run when `--sandbox` is given.
    _sandbox: Option<Sandbox>,
}

impl Context {
    /// Builds the session from the global options (at most one `--profile`);
    /// `monitor` sees TT's answers; `stop` ends the run.
    pub async fn connect(
        global: &Global,
        monitor: Option<Monitor>,
        stop: &Stop,
    ) -> Result<Context, CliError> {
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
            stop,
        )
        .await
    }

    /// Builds the session of `profile` (or the environment's credentials
    /// when none), with a progress line when `progress`; `count` keeps the
    /// key's day of requests instead of the host's state file (a database
    /// row shared by every host); `monitor` sees TT's answers; `stop` ends the run.
    pub async fn connect_as(
        global: &Global,
        profile: Option<&str>,
        progress: bool,
        count: Option<Arc<dyn DailyCount>>,
        monitor: Option<Monitor>,
        stop: &Stop,
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
            stop: stop.clone(),
            _sandbox: sandbox,
        })
    }

    /// The progress line.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse_with_a_floor() {
        assert_eq!(parse_plan("HIGH"), Ok(Plan::High));
        assert_eq!(parse_plan("2.5"), Ok(Plan::PerSecond(2.5)));
        assert!(parse_plan("-1").is_err());
        assert!(parse_plan("0.05").unwrap_err().contains("0.1"));
        assert_eq!(parse_plan("0.1"), Ok(Plan::PerSecond(0.1)));
        assert!(parse_timeout("0").is_err());
        assert_eq!(
            parse_timeout("2.5"),
            Ok(std::time::Duration::from_millis(2500))
        );
    }
}
