//! `ttrest sandbox`: a local TT REST 2.0 server until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use ttrest_sandbox::{Faults, Sandbox};

use crate::exit::CliError;
use crate::stop::Stop;

/// `ttrest sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 [default: a free one].
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// How many fills to generate.
    #[arg(long, default_value_t = 10_000)]
    pub fills: usize,
    /// The seed all data derives from.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// App key to accept [default: the sandbox's].
    #[arg(long, requires = "app_secret")]
    pub app_key: Option<String>,
    /// App secret to accept.
    #[arg(long, requires = "app_key")]
    pub app_secret: Option<String>,
    /// Faults to inject, e.g. `429-every=5,latency-ms=20,timeout-window-ns=3600000000000`.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Keep added fills in this SQLite file across restarts.
    #[arg(long, value_name = "FILE")]
    pub sqlite: Option<PathBuf>,
}

/// Runs `ttrest sandbox` until `stop`.
pub async fn run(args: &SandboxArgs, stop: &Stop) -> Result<(), CliError> {
    let mut builder = Sandbox::builder()
        .addr(SocketAddr::from(([127, 0, 0, 1], args.port)))
        .fills(args.fills)
        .seed(args.seed);
    if let (Some(key), Some(secret)) = (&args.app_key, &args.app_secret) {
        builder = builder.credentials(key, secret);
    }
    if let Some(spec) = &args.faults {
        let faults: Faults = spec
            .parse()
            .map_err(|e| CliError::usage(format!("--faults: {e}")))?;
        builder = builder.faults(faults);
    }
    if let Some(path) = &args.sqlite {
        builder = builder.sqlite(path);
    }
    let sandbox = builder.start().await.map_err(|e| {
        CliError::io(
            "start",
            std::path::Path::new("the sandbox"),
            &std::io::Error::other(e.to_string()),
        )
        .hint("pick another --port, or 0 for a free one")
    })?;
    // Not println!: a reader that goes away must not stop the server.
    let _ = writeln!(std::io::stdout(), "{}", banner(&sandbox));
    stop.stopped().await;
    sandbox.shutdown().await;
    Ok(())
}

fn banner(s: &Sandbox) -> String {
    let faults = match s.faults() {
        f if f.is_empty() => "none".to_string(),
        f => f,
    };
    format!(
        "ttrest sandbox listening on {url}\n\
         \x20 TT_APP_KEY={key}\n\
         \x20 TT_APP_SECRET={secret}\n\
         \x20 fills: {fills}, faults: {faults}; environments: uat, live, sim\n\
         Try, in another shell:\n\
         \x20 export TT_APP_KEY={key} TT_APP_SECRET={secret}\n\
         \x20 ttrest --base-url {url} --plan unlimited fills -o fills.csv\n\
         Ctrl-C stops it.",
        url = s.base_url(),
        key = s.app_key(),
        secret = s.app_secret(),
        fills = s.fill_count(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_banner_prints_a_secret_that_works_when_exported() {
        let sandbox = Sandbox::builder()
            .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
            .credentials("K", "K:S")
            .start()
            .await
            .unwrap();
        let text = banner(&sandbox);
        assert!(text.contains("TT_APP_KEY=K\n"), "{text}");
        assert!(text.contains("TT_APP_SECRET=S\n"), "{text}");
        sandbox.shutdown().await;
    }
}
