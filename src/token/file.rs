//! The optional token cache file shared by processes.
//!
//! One JSON object keyed by `<app key> <secret hash> <token URL>` (the token
//! URL holds the root URL and the environment), so keys, secrets, roots and
//! environments never mix; the secret itself is never stored, only a SHA-256
//! of it. Written to a temporary file (mode 0600) in the same directory
//! and renamed over the old one, so a reader never sees half a file. Failures
//! only cost a token request, so they are logged, never returned.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A token as stored on disk (times in Unix seconds).
#[derive(Serialize, Deserialize)]
struct Entry {
    access_token: String,
    issued_at: u64,
    expires_at: u64,
}

/// A token read back from disk.
pub(super) struct Stored {
    pub(super) secret: SecretString,
    pub(super) issued_at: SystemTime,
    pub(super) expires_at: SystemTime,
}

/// The entry of the credentials `app_key` + `token_app_key` (`<key>:<secret>`)
/// at `token_url`: a token is valid only for those.
pub(super) fn cache_key(app_key: &str, token_app_key: &str, token_url: &str) -> String {
    format!("{app_key} {} {token_url}", fingerprint(token_app_key))
}

/// The first 16 bytes of SHA-256 of `text`, in hex: identifies a secret or a
/// token without revealing it.
pub(super) fn fingerprint(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn from_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn read(path: &Path) -> BTreeMap<String, Entry> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            tracing::warn!(path = %path.display(), "token cache file is not valid JSON; ignoring it");
            BTreeMap::new()
        }),
        Err(_) => BTreeMap::new(),
    }
}

/// The stored token for `key`, if any.
pub(super) async fn load(path: PathBuf, key: String) -> Option<Stored> {
    let entry = tokio::task::spawn_blocking(move || read(&path).remove(&key))
        .await
        .ok()??;
    Some(Stored {
        secret: SecretString::from(entry.access_token),
        issued_at: from_unix(entry.issued_at),
        expires_at: from_unix(entry.expires_at),
    })
}

/// Removes the entry of `key` if it still holds the token of `token_fingerprint`
/// (another process may have stored a newer one meanwhile).
pub(super) async fn remove(path: PathBuf, key: String, token_fingerprint: String) {
    let shown = path.display().to_string();
    let result = tokio::task::spawn_blocking(move || {
        let mut all = read(&path);
        let refused = all
            .get(&key)
            .is_some_and(|e| fingerprint(&e.access_token) == token_fingerprint);
        if !refused {
            return Ok(());
        }
        all.remove(&key);
        write_atomic(&path, &serde_json::to_vec_pretty(&all)?)
    })
    .await;
    if let Ok(Err(e)) = result {
        tracing::warn!(path = %shown, error = %e, "cannot drop a refused token from the token cache file");
    }
}

/// Stores a token for `key`, dropping expired entries of other keys.
pub(super) async fn save(
    path: PathBuf,
    key: String,
    secret: &SecretString,
    issued_at: SystemTime,
    lifetime: Duration,
) {
    let entry = Entry {
        access_token: secret.expose_secret().to_string(),
        issued_at: unix(issued_at),
        expires_at: unix(issued_at + lifetime),
    };
    let shown = path.display().to_string();
    let result = tokio::task::spawn_blocking(move || {
        let now = unix(SystemTime::now());
        let mut all = read(&path);
        all.retain(|_, e| e.expires_at > now);
        all.insert(key, entry);
        write_atomic(&path, &serde_json::to_vec_pretty(&all)?)
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(path = %shown, error = %e, "cannot write the token cache file")
        }
        Err(e) => tracing::warn!(path = %shown, error = %e, "token cache task failed"),
    }
}

/// Writes `bytes` to a private temporary file next to `path`, then renames it.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir)?;
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("tokens");
    let tmp = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        fastrand::u64(..)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tokens_round_trip_per_key_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("tokens.json");
        let now = SystemTime::now();
        let life = Duration::from_secs(600);
        save(
            path.clone(),
            cache_key("k1", "k1:s", "u1"),
            &"tok-a".into(),
            now,
            life,
        )
        .await;
        save(
            path.clone(),
            cache_key("k1", "k1:s", "u2"),
            &"tok-b".into(),
            now,
            life,
        )
        .await;
        let a = load(path.clone(), cache_key("k1", "k1:s", "u1"))
            .await
            .unwrap();
        assert_eq!(a.secret.expose_secret(), "tok-a");
        assert_eq!(unix(a.expires_at), unix(now + life));
        let b = load(path.clone(), cache_key("k1", "k1:s", "u2"))
            .await
            .unwrap();
        assert_eq!(b.secret.expose_secret(), "tok-b");
        assert!(load(path.clone(), cache_key("k2", "k2:s", "u1"))
            .await
            .is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }

    #[tokio::test]
    async fn entries_are_keyed_by_the_secret_never_holding_it_and_a_refused_token_goes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        let (now, life) = (SystemTime::now(), Duration::from_secs(600));
        let key = cache_key("k", "k:secret-1", "u");
        save(path.clone(), key.clone(), &"tok".into(), now, life).await;
        assert!(load(path.clone(), cache_key("k", "k:secret-2", "u"))
            .await
            .is_none());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("secret-1"), "{text}");
        // Only the refused token is dropped.
        remove(path.clone(), key.clone(), fingerprint("other")).await;
        assert!(load(path.clone(), key.clone()).await.is_some());
        remove(path.clone(), key.clone(), fingerprint("tok")).await;
        assert!(load(path, key).await.is_none());
    }

    #[tokio::test]
    async fn a_corrupt_file_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.json");
        std::fs::write(&path, "{not json").unwrap();
        assert!(load(path.clone(), cache_key("k", "k:s", "u"))
            .await
            .is_none());
        save(
            path.clone(),
            cache_key("k", "k:s", "u"),
            &"t".into(),
            SystemTime::now(),
            Duration::from_secs(60),
        )
        .await;
        assert!(load(path, cache_key("k", "k:s", "u")).await.is_some());
    }
}
