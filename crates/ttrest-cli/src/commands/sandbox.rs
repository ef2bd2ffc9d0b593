//! `ttrest sandbox`: a local TT REST 2.0 server until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;

use ttrest_sandbox::{Faults, Sandbox};

use crate::args::SandboxArgs;
use crate::exit::CliError;

/// Runs `ttrest sandbox`.
pub async fn run(args: &SandboxArgs) -> Result<(), CliError> {
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
    crate::interrupted().await;
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
