//! Shared helpers of the `ttrest` command-line tests: a sandbox in the test
//! process, and the binary run against it with a private HOME.

use std::process::{Command, Output, Stdio};

use serde_json::Value;
use tempfile::TempDir;
use ttrest::{Credentials, Plan, Session};
use ttrest_sandbox::{Sandbox, SandboxBuilder};

/// A running sandbox and an empty HOME for the CLI (no config, no token cache).
pub struct Setup {
    pub sandbox: Sandbox,
    pub home: TempDir,
}

impl Setup {
    pub async fn start(builder: SandboxBuilder) -> Setup {
        Setup {
            sandbox: builder.start().await.expect("sandbox starts"),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `ttrest --base-url <sandbox> --plan unlimited --quiet ARGS...` with the
    /// sandbox's credentials in the environment.
    pub fn ttrest(&self, args: &[&str]) -> Command {
        let mut cmd = bare(&self.home);
        cmd.env("TT_APP_KEY", self.sandbox.app_key())
            .env("TT_APP_SECRET", self.sandbox.app_secret())
            .args([
                "--base-url",
                self.sandbox.base_url(),
                "--plan",
                "unlimited",
                "--quiet",
            ])
            .args(args);
        cmd
    }

    /// A session on the sandbox, for checking what the CLI wrote.
    pub fn session(&self) -> Session {
        Session::builder()
            .root_url(self.sandbox.base_url())
            .credentials(
                Credentials::new(self.sandbox.app_key(), self.sandbox.app_secret()).unwrap(),
            )
            .plan(Plan::Unlimited)
            .build()
            .unwrap()
    }
}

/// The binary with no credentials, config or cache from the real environment.
pub fn bare(home: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ttrest"));
    for var in [
        "TT_APP_KEY",
        "TT_APP_SECRET",
        "TTREST_CONFIG",
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_STATE_HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home.path()).stdin(Stdio::null());
    cmd
}

/// Runs a command off the async runtime (the sandbox keeps serving meanwhile).
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("ttrest runs"))
        .await
        .unwrap()
}

/// stdout as text, after checking the exit code is 0.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Every fill the sandbox holds, in serving order, from one unpaged request
/// (the sandbox must be built with a fills page larger than its fill count).
pub async fn all_fills(setup: &Setup) -> Vec<Value> {
    let page = setup
        .session()
        .ledger()
        .get_fills()
        .send()
        .await
        .expect("fills")
        .into_inner();
    let fills: Vec<Value> = page
        .fills
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect();
    assert_eq!(
        fills.len(),
        setup.sandbox.fill_count(),
        "the oracle page holds every fill"
    );
    fills
}

/// A field of a JSON record as text (ids and timestamps exactly).
pub fn text(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
