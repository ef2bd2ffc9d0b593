//! `ttrest token`: check the credentials; print whether TT was asked and the
//! token's expiry (never the token: the session does not hand it out).

use std::time::SystemTime;

use clap::Args;

use crate::context::{Context, Global};
use crate::exit::CliError;
use crate::stop::Stop;

/// `ttrest token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Always ask TT for a new token (and cache it), even if a cached one is valid.
    #[arg(long)]
    pub fresh: bool,
}

/// Runs `ttrest token`.
pub async fn run(global: &Global, args: &TokenArgs, stop: &Stop) -> Result<(), CliError> {
    let ctx = Context::connect(global, None, stop).await?;
    let session = ctx.api.session();
    let check = session
        .check_token(args.fresh)
        .await
        .map_err(|e| CliError::from_tt(e, ctx.env))?;
    ctx.progress().clear();
    let expires = describe(check.expires_at, SystemTime::now());
    let (key, env) = (session.app_key(), session.environment());
    match check.checked_with_tt {
        true => println!(
            "ok: TT accepted app key {key} in {env} (checked with TT just now); token expires {expires}"
        ),
        false => println!(
            "ok: a cached token for app key {key} in {env}, not checked with TT \
             (--fresh asks TT); token expires {expires}"
        ),
    }
    Ok(())
}

/// `2026-11-20T14:30:00Z (in 11h 59m)`.
fn describe(at: SystemTime, now: SystemTime) -> String {
    let stamp = chrono::DateTime::<chrono::Utc>::from(at)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let left = at.duration_since(now).unwrap_or_default().as_secs();
    format!("{stamp} (in {}h {:02}m)", left / 3600, left % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn expiry_is_shown_in_utc_with_the_time_left() {
        let at = UNIX_EPOCH + Duration::from_secs(1795185000);
        let now = UNIX_EPOCH + Duration::from_secs(1795185000 - 3600 * 12);
        assert_eq!(describe(at, now), "2026-11-20T14:30:00Z (in 12h 00m)");
    }
}
