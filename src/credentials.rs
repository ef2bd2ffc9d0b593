//! App key and secret: from code, from the environment, or from a profile.
//!
//! TT hands out the secret as `<key>:<secret>`; both that form and the bare
//! secret are accepted, and the key can be derived from the combined form.
//! The secret lives in a [`SecretString`]: `Debug` and `Display` show
//! `[redacted]`, and it is exposed only to build the token request body.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::env::Environment;
use crate::error::Error;
use crate::rate_limit::Plan;

/// The environment variable holding the app key.
pub const APP_KEY_VAR: &str = "TT_APP_KEY";
/// The environment variable holding the app secret (`<key>:<secret>` or bare).
pub const APP_SECRET_VAR: &str = "TT_APP_SECRET";
/// The environment variable naming the config file (overrides the default path).
pub const CONFIG_VAR: &str = "TTREST_CONFIG";

/// A TT app key and its secret.
#[derive(Clone)]
pub struct Credentials {
    app_key: String,
    app_secret: SecretString,
}

impl Credentials {
    /// Credentials from an app key and a secret given as `<key>:<secret>` or bare.
    ///
    /// A combined secret whose key part differs from `app_key` is refused: the
    /// two were probably copied from different keys.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Result<Self, Error> {
        let app_key = app_key.into().trim().to_string();
        let secret = SecretString::from(app_secret.into());
        check_key(&app_key)?;
        let bare = match secret.expose_secret().trim().split_once(':') {
            Some((key, bare)) if key == app_key => bare.to_string(),
            Some((key, _)) => {
                return Err(Error::config(format!(
                    "the app secret is for key `{key}` but the app key is `{app_key}`; copy both from the same TT app key"
                )))
            }
            None => secret.expose_secret().trim().to_string(),
        };
        if bare.is_empty() {
            return Err(Error::config(format!(
                "the app secret for key `{app_key}` is empty; copy it from TT's app key page"
            )));
        }
        Ok(Credentials {
            app_key,
            app_secret: SecretString::from(bare),
        })
    }

    /// Credentials from TT's combined `<key>:<secret>` form alone.
    pub fn from_combined(secret: impl Into<String>) -> Result<Self, Error> {
        let secret = SecretString::from(secret.into());
        let Some((key, _)) = secret.expose_secret().trim().split_once(':') else {
            return Err(Error::config(
                "the app secret is not in TT's `<key>:<secret>` form; give the app key too",
            ));
        };
        Credentials::new(key.to_string(), secret.expose_secret().to_string())
    }

    /// Credentials from `TT_APP_KEY` and `TT_APP_SECRET`. The key may be left
    /// unset when the secret is in `<key>:<secret>` form.
    pub fn from_env() -> Result<Self, Error> {
        let secret = std::env::var(APP_SECRET_VAR).map_err(|_| {
            Error::config(format!(
                "{APP_SECRET_VAR} is not set; export it (and {APP_KEY_VAR}) or use a profile from {}",
                default_config_path().map_or("the config file".into(), |p| p.display().to_string())
            ))
        })?;
        match std::env::var(APP_KEY_VAR) {
            Ok(key) if !key.trim().is_empty() => Credentials::new(key, secret),
            _ => Credentials::from_combined(secret).map_err(|_| {
                Error::config(format!(
                    "{APP_KEY_VAR} is not set and {APP_SECRET_VAR} is not in `<key>:<secret>` form; export {APP_KEY_VAR}"
                ))
            }),
        }
    }

    /// The app key (sent as `x-api-key`; not a secret).
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// The `app_key` value of the token request: `<key>:<secret>`.
    pub(crate) fn token_app_key(&self) -> SecretString {
        SecretString::from(format!(
            "{}:{}",
            self.app_key,
            self.app_secret.expose_secret()
        ))
    }
}

fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::config(format!(
            "the app key is empty; set {APP_KEY_VAR} or pass it to Credentials::new"
        )));
    }
    if !key.chars().all(|c| c.is_ascii_graphic()) || key.contains(':') {
        return Err(Error::config(format!(
            "the app key `{key}` contains spaces, `:` or non-ASCII characters; copy it from TT's app key page"
        )));
    }
    Ok(())
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("app_key", &self.app_key)
            .field("app_secret", &"[redacted]")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "app key {} (secret [redacted])", self.app_key)
    }
}

/// One `[profiles.<name>]` table of the config file.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The app key (optional when `app_secret` is `<key>:<secret>`).
    #[serde(default)]
    pub app_key: Option<String>,
    app_secret: SecretString,
    /// `uat`, `live`, `sim` or TT's segment name.
    #[serde(default)]
    pub env: Option<String>,
    /// A custom root URL (sandbox, proxy).
    #[serde(default)]
    pub root_url: Option<String>,
    /// `free`, `low`, `medium`, `high`, `ps-free`, `unlimited` or requests per second.
    #[serde(default)]
    pub plan: Option<String>,
    /// The key's cap of requests per UTC day, instead of the plan's.
    #[serde(default)]
    pub daily_limit: Option<u64>,
    /// App name for requestIds.
    #[serde(default)]
    pub app_name: Option<String>,
    /// Company name for requestIds.
    #[serde(default)]
    pub company: Option<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("app_key", &self.app_key)
            .field("app_secret", &"[redacted]")
            .field("env", &self.env)
            .field("root_url", &self.root_url)
            .field("plan", &self.plan)
            .field("daily_limit", &self.daily_limit)
            .field("app_name", &self.app_name)
            .field("company", &self.company)
            .finish()
    }
}

impl Profile {
    /// The profile's credentials.
    pub fn credentials(&self) -> Result<Credentials, Error> {
        let secret = self.app_secret.expose_secret().to_string();
        match &self.app_key {
            Some(key) => Credentials::new(key.clone(), secret),
            None => Credentials::from_combined(secret),
        }
    }

    /// The profile's environment, if it names one.
    pub fn environment(&self) -> Result<Option<Environment>, Error> {
        self.env.as_deref().map(str::parse).transpose()
    }

    /// The profile's plan, if it names one.
    pub fn plan(&self) -> Result<Option<Plan>, Error> {
        self.plan.as_deref().map(Plan::parse).transpose()
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    profiles: std::collections::BTreeMap<String, Profile>,
}

/// `$TTREST_CONFIG`, else `~/.config/ttrest/config.toml` (`$XDG_CONFIG_HOME`
/// is honoured).
pub fn default_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(CONFIG_VAR) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .or_else(|| std::env::var_os("USERPROFILE"))
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("ttrest").join("config.toml"))
}

/// Loads profile `name` from a TOML config file.
pub fn load_profile(path: &Path, name: &str) -> Result<Profile, Error> {
    let file = read_config(path, name)?;
    let shown = path.display();
    let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
    file.profiles.get(name).cloned().ok_or_else(|| {
        Error::config(format!(
            "{shown}: no profile `{name}` (profiles: {}); add a [profiles.{name}] table",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ))
    })
}

/// The names of the profiles in a TOML config file, sorted.
pub fn profile_names(path: &Path) -> Result<Vec<String>, Error> {
    Ok(read_config(path, "NAME")?.profiles.into_keys().collect())
}

/// Reads and parses the config file (`name` only shapes the advice).
fn read_config(path: &Path, name: &str) -> Result<ConfigFile, Error> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!(
            "{shown}: cannot read the ttrest config file ({e}); create it with a [profiles.{name}] table or set {CONFIG_VAR}"
        ))
    })?;
    // toml's message quotes the offending line, which could be the secret:
    // report only where it is.
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(" at line {}", text[..s.start].lines().count().max(1)))
            .unwrap_or_default();
        Error::config(format!(
            "{shown}: not a valid ttrest config{at}; expected [profiles.<name>] tables with app_key, app_secret, env, root_url, plan, daily_limit, app_name, company"
        ))
    })?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-value-123";

    #[test]
    fn combined_and_bare_secrets_give_the_same_credentials() {
        let a = Credentials::new("key1", format!("key1:{SECRET}")).unwrap();
        let b = Credentials::new("key1", SECRET).unwrap();
        let c = Credentials::from_combined(format!("key1:{SECRET}")).unwrap();
        for creds in [a, b, c] {
            assert_eq!(creds.app_key(), "key1");
            assert_eq!(
                creds.token_app_key().expose_secret(),
                format!("key1:{SECRET}")
            );
        }
    }

    #[test]
    fn mismatched_and_empty_inputs_are_refused_clearly() {
        let e = Credentials::new("key1", format!("key2:{SECRET}"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("key2") && e.contains("key1") && !e.contains(SECRET),
            "{e}"
        );
        assert!(Credentials::new("", SECRET).is_err());
        assert!(Credentials::new("key1", "key1:").is_err());
        assert!(Credentials::from_combined(SECRET).is_err());
    }

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let creds = Credentials::new("key1", SECRET).unwrap();
        for text in [format!("{creds:?}"), creds.to_string()] {
            assert!(!text.contains(SECRET), "{text}");
            assert!(text.contains("key1"));
        }
    }

    #[test]
    fn profiles_load_from_toml() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!(
                "[profiles.uat]\napp_secret = \"key9:{SECRET}\"\nenv = \"uat\"\nplan = \"free\"\n\n\
                 [profiles.live]\napp_key = \"key8\"\napp_secret = \"{SECRET}\"\nenv = \"live\"\n"
            ),
        )
        .unwrap();
        let uat = load_profile(&path, "uat").unwrap();
        assert_eq!(uat.credentials().unwrap().app_key(), "key9");
        assert_eq!(uat.environment().unwrap(), Some(Environment::Uat));
        assert!(!format!("{uat:?}").contains(SECRET));
        let live = load_profile(&path, "live").unwrap();
        assert_eq!(live.environment().unwrap(), Some(Environment::Live));
        let e = load_profile(&path, "sim").unwrap_err().to_string();
        assert!(
            e.contains("no profile `sim`") && e.contains("live, uat"),
            "{e}"
        );
        assert_eq!(profile_names(&path).unwrap(), ["live", "uat"]);
        assert!(profile_names(&dir.path().join("none.toml")).is_err());
    }

    #[test]
    fn a_broken_config_file_is_reported_without_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!("[profiles.x]\napp_secret = \"{SECRET}\" junk\n"),
        )
        .unwrap();
        let e = load_profile(&path, "x").unwrap_err().to_string();
        assert!(e.contains("line 2") && !e.contains(SECRET), "{e}");
        let missing = load_profile(&dir.path().join("nope.toml"), "x")
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope.toml"), "{missing}");
    }
}
