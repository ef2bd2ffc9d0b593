//! App credentials and bearer tokens: issuing, checking, expiring, revoking.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

// tokio's clock: the real one, or a test's paused clock.
use tokio::time::Instant;

/// The app key a sandbox accepts unless told otherwise.
pub const DEFAULT_APP_KEY: &str = "00000000-0000-0000-0000-000000000000";
/// The app secret a sandbox accepts unless told otherwise. TT's `app_key` form field
/// is `<key>:<secret>`, i.e. `00000000-0000-0000-0000-000000000000:11111111-1111-1111-1111-111111111111`.
pub const DEFAULT_APP_SECRET: &str = "11111111-1111-1111-1111-111111111111";
/// Token lifetime by default: 12 hours, as TT answers (`seconds_until_expiry` 43200).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The app key and secret the sandbox accepts. The secret never appears in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    pub(crate) key: String,
    pub(crate) secret: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// `app_key` and its secret, given bare or as `<app_key>:<secret>`.
    pub(crate) fn new(app_key: String, app_secret: String) -> Self {
        let secret = match app_secret.split_once(':') {
            Some((key, bare)) if key == app_key => bare.to_string(),
            _ => app_secret,
        };
        Self {
            key: app_key,
            secret,
        }
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Self {
            key: DEFAULT_APP_KEY.into(),
            secret: DEFAULT_APP_SECRET.into(),
        }
    }
}

/// Why a token request was refused: the OAuth error and its description.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TokenError {
    pub(crate) error: &'static str,
    pub(crate) description: &'static str,
}

/// Why a bearer token was refused (all answered with 401).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BearerError {
    Missing,
    Unknown,
    Expired,
}

#[derive(Debug)]
struct Issued {
    expires: Instant,
    calls: u64,
}

/// Issues bearer tokens and checks them on every call.
#[derive(Debug)]
pub(crate) struct Tokens {
    /// The app keys accepted: the sandbox's own first.
    credentials: Vec<Credentials>,
    lifetime: Duration,
    max_calls: Option<u64>,
    issued: Mutex<HashMap<String, Issued>>,
}

impl Tokens {
    pub(crate) fn new(
        credentials: Credentials,
        lifetime: Duration,
        max_calls: Option<u64>,
    ) -> Self {
        Self {
            credentials: vec![credentials],
            lifetime,
            max_calls,
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// Also accepts `credentials` (another app key with its own secret).
    pub(crate) fn also_accept(mut self, credentials: Credentials) -> Self {
        self.credentials.push(credentials);
        self
    }

    /// Whether `x-api-key` names one of this sandbox's app keys.
    pub(crate) fn is_app_key(&self, key: &str) -> bool {
        self.credentials.iter().any(|c| c.key == key)
    }

    /// Validates TT's form body (`grant_type=user_app&app_key=<key>:<secret>`) and
    /// issues a token, returning it with its lifetime in seconds.
    pub(crate) fn issue(
        &self,
        form: &HashMap<String, String>,
    ) -> Result<(String, u64), TokenError> {
        if form.get("grant_type").map(String::as_str) != Some("user_app") {
            return Err(TokenError {
                error: "unsupported_grant_type",
                description: "grant_type must be user_app",
            });
        }
        let app_key = form.get("app_key").ok_or(TokenError {
            error: "invalid_request",
            description: "app_key is missing; send app_key=<key>:<secret>",
        })?;
        let (key, secret) = app_key.split_once(':').ok_or(TokenError {
            error: "invalid_request",
            description: "app_key must be <key>:<secret>",
        })?;
        if !self
            .credentials
            .iter()
            .any(|c| c.key == key && c.secret == secret)
        {
            return Err(TokenError {
                error: "invalid_client",
                description: "Invalid app key or secret",
            });
        }
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let issued = Issued {
            expires: Instant::now() + self.lifetime,
            calls: 0,
        };
        self.issued
            .lock()
            .expect("token map poisoned")
            .insert(token.clone(), issued);
        Ok((token, self.lifetime.as_secs()))
    }

    /// Every token issued so far.
    pub(crate) fn issued(&self) -> Vec<String> {
        let issued = self.issued.lock().expect("token map poisoned");
        issued.keys().cloned().collect()
    }

    /// Checks an `Authorization` header value and counts one call against the token.
    pub(crate) fn authorize(&self, header: Option<&str>) -> Result<(), BearerError> {
        let header = header.ok_or(BearerError::Missing)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or(BearerError::Unknown)?;
        let mut issued = self.issued.lock().expect("token map poisoned");
        let entry = issued.get_mut(token).ok_or(BearerError::Unknown)?;
        let revoked = self.max_calls.is_some_and(|max| entry.calls >= max);
        if revoked || Instant::now() >= entry.expires {
            return Err(BearerError::Expired);
        }
        entry.calls += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good() -> HashMap<String, String> {
        let app_key = format!("{DEFAULT_APP_KEY}:{DEFAULT_APP_SECRET}");
        form(&[("grant_type", "user_app"), ("app_key", &app_key)])
    }

    #[test]
    fn issues_and_authorizes() {
        let tokens = Tokens::new(Credentials::default(), DEFAULT_TOKEN_LIFETIME, None);
        let (token, secs) = tokens.issue(&good()).unwrap();
        assert_eq!(secs, 43200);
        assert_eq!(tokens.authorize(Some(&format!("Bearer {token}"))), Ok(()));
        assert_eq!(tokens.authorize(Some(&token)), Err(BearerError::Unknown));
        assert_eq!(tokens.authorize(None), Err(BearerError::Missing));
    }

    #[test]
    fn refuses_bad_forms() {
        let tokens = Tokens::new(Credentials::default(), DEFAULT_TOKEN_LIFETIME, None);
        let wrong = format!("{DEFAULT_APP_KEY}:nope");
        for bad in [
            form(&[("grant_type", "client_credentials"), ("app_key", "a:b")]),
            form(&[("grant_type", "user_app")]),
            form(&[("grant_type", "user_app"), ("app_key", DEFAULT_APP_KEY)]),
            form(&[("grant_type", "user_app"), ("app_key", &wrong)]),
        ] {
            assert!(tokens.issue(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn revokes_after_n_calls() {
        let tokens = Tokens::new(Credentials::default(), DEFAULT_TOKEN_LIFETIME, Some(2));
        let bearer = format!("Bearer {}", tokens.issue(&good()).unwrap().0);
        assert_eq!(tokens.authorize(Some(&bearer)), Ok(()));
        assert_eq!(tokens.authorize(Some(&bearer)), Ok(()));
        assert_eq!(tokens.authorize(Some(&bearer)), Err(BearerError::Expired));
    }

    #[test]
    fn debug_hides_the_secret() {
        let shown = format!("{:?}", Credentials::default());
        assert!(!shown.contains(DEFAULT_APP_SECRET), "{shown}");
    }
}
