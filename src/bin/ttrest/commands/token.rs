//! `ttrest token`: fetch a token to check the credentials; print its expiry.
//!
//! The session never hands its token out, and that is right. The expiry is
//! read back from a private token-cache file in a temporary directory: only
//! the `expires_at` field is parsed, so the token itself is never held here.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::args::Global;
use crate::context::Context;
use crate::exit::CliError;

/// The part of a token-cache entry read here.
#[derive(Deserialize)]
struct Expiry {
    expires_at: u64,
}

/// Runs `ttrest token`.
pub async fn run(global: &Global) -> Result<(), CliError> {
    let dir = tempfile::tempdir().map_err(|e| CliError::io("create", &std::env::temp_dir(), &e))?;
    let file = dir.path().join("tokens.json");
    let ctx = Context::connect(global, Some(file.clone())).await?;
    let session = ctx.api.session();
    session
        .authenticate()
        .await
        .map_err(|e| CliError::from_tt(e, ctx.env))?;
    ctx.progress().clear();
    let key = format!("{} {}/token", session.app_key(), session.base_url("ttid"));
    let expires = read_expiry(&file, &key);
    let when = match expires {
        Some(at) => format!("expires {}", describe(at, SystemTime::now())),
        None => "expiry unknown".to_string(),
    };
    println!(
        "ok: TT accepted app key {} in {}; token {when}",
        session.app_key(),
        session.environment()
    );
    Ok(())
}

fn read_expiry(file: &Path, key: &str) -> Option<SystemTime> {
    let text = std::fs::read(file).ok()?;
    let entries: BTreeMap<String, Expiry> = serde_json::from_slice(&text).ok()?;
    let secs = entries.get(key)?.expires_at;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
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

    #[test]
    fn expiry_is_read_without_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("tokens.json");
        std::fs::write(
            &file,
            r#"{"k http://x/ttid/ext_uat_cert/token": {"access_token": "SECRET", "issued_at": 1, "expires_at": 1795185000}}"#,
        )
        .unwrap();
        let at = read_expiry(&file, "k http://x/ttid/ext_uat_cert/token").unwrap();
        let now = UNIX_EPOCH + Duration::from_secs(1795185000 - 3600 * 12);
        assert_eq!(describe(at, now), "2026-11-20T14:30:00Z (in 12h 00m)");
        assert!(read_expiry(&file, "other").is_none());
    }
}
