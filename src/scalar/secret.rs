//! [`Secret`]: a string that `Debug` and `Display` never show.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What `Debug` and `Display` print instead of a secret.
const REDACTED: &str = "[redacted]";

/// A secret string in a generated type: the token request's `app_key`
/// (`<key>:<secret>`) and the token response's `access_token`.
///
/// Specs mark such fields `format: tt-secret`. The value is (de)serialized as the
/// plain JSON or form string TT exchanges, but `Debug` and `Display` print
/// `[redacted]`, so logging a request or response never leaks it. Read it with
/// [`expose_secret`](Self::expose_secret). The memory is zeroed on drop
/// (it is held in a [`SecretString`]).
///
/// ```
/// use ttrest::scalar::Secret;
///
/// let token = Secret::from("eyJhbGciOi...");
/// assert_eq!(format!("{token:?} {token}"), "[redacted] [redacted]");
/// assert_eq!(token.expose_secret(), "eyJhbGciOi...");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The secret itself. Keep it out of logs and error messages.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(SecretString::from(value))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(SecretString::from(value))
    }
}

impl From<SecretString> for Secret {
    fn from(value: SecretString) -> Self {
        Self(value)
    }
}

impl From<Secret> for SecretString {
    fn from(value: Secret) -> Self {
        value.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Generated types derive `PartialEq`. Compares in time independent of where the
/// strings first differ, so equality checks do not leak the secret by timing.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (
            self.expose_secret().as_bytes(),
            other.expose_secret().as_bytes(),
        );
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose_secret())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::from("app-key:s3cr3t");
        let shown = format!("{secret:?} {secret} {secret:#?} {:?}", Some(&secret));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(format!("{secret:?}"), "[redacted]");
    }

    #[test]
    fn round_trips_as_a_plain_string() {
        let secret: Secret = serde_json::from_str(r#""tok-123""#).unwrap();
        assert_eq!(secret.expose_secret(), "tok-123");
        assert_eq!(serde_json::to_string(&secret).unwrap(), r#""tok-123""#);
        assert!(serde_json::from_str::<Secret>("42").is_err());
    }

    #[test]
    fn equality_compares_values() {
        assert_eq!(Secret::from("a"), Secret::from(String::from("a")));
        assert_ne!(Secret::from("a"), Secret::from("b"));
        assert_ne!(Secret::from("a"), Secret::from("ab"));
    }

    #[cfg(feature = "ttid")]
    #[test]
    fn generated_token_types_hide_their_secrets() {
        use crate::ttid::types::{TokenRequest, TokenResponse};

        let body = r#"{"status":"Ok","access_token":"eyJ-token-value","token_type":"bearer","seconds_until_expiry":43199}"#;
        let response: TokenResponse = serde_json::from_str(body).unwrap();
        let shown = format!("{response:?} {response:#?}");
        assert!(!shown.contains("eyJ-token-value"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert_eq!(
            response.access_token.as_ref().map(Secret::expose_secret),
            Some("eyJ-token-value")
        );
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()
        );

        let request = TokenRequest::builder()
            .grant_type(crate::ttid::types::TokenRequestGrantType::UserApp)
            .app_key("app-key:app-s3cr3t");
        let request = TokenRequest::try_from(request).unwrap();
        assert!(!format!("{request:?}").contains("app-s3cr3t"));
        assert_eq!(request.app_key.expose_secret(), "app-key:app-s3cr3t");
    }
}
