//! The session's bearer token: fetched once, shared, refreshed ahead of expiry.
//!
//! - Single flight: callers that find no fresh token queue on one async mutex;
//!   the first fetches, the rest find its token when they get the lock.
//! - Refresh ahead: a token is replaced after 75–85 % of its lifetime (random
//!   per token, so many processes do not refresh in lockstep); if that refresh
//!   fails while the old token is still valid, the old one is used.
//! - A 401 invalidates exactly the token that was refused (by generation), so
//!   many concurrent 401s cause one refresh; the refused token is also dropped
//!   from the cache file, so the refresh asks TT rather than reading it back.
//! - Optional file cache so separate processes reuse a valid token, keyed by
//!   what makes a token valid: app key, a hash of the secret, environment and
//!   root URL.
//!
//! The token request is a plain request sent through the session's
//! transport as [`Anonymous`] (see [`crate::transport::auth`]), so it is
//! rate-limited, redirected and retried like a GET: it is safe to repeat.

mod file;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::{Method, Request, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;

use crate::error::{AuthErrorKind, CallInfo, Error, TtMessage};
use crate::transport::auth::{Anonymous, Authenticate, Authorization};
use crate::transport::{CallOptions, CallSpec, Outcome, Transport};

/// The operation name the token request is reported under.
pub(crate) const TOKEN_OPERATION: &str = "token";

/// A bearer token and when to replace it.
pub(crate) struct Token {
    secret: SecretString,
    /// When it stops working (minus a safety margin).
    usable_until: Instant,
    /// When TT said it expires (wall clock, for reporting).
    pub(crate) expires_at: SystemTime,
    /// When to fetch a new one.
    refresh_at: Instant,
    /// Which fetch produced it (for precise 401 invalidation).
    pub(crate) generation: u64,
}

impl Token {
    /// The `Authorization` header value, marked sensitive so reqwest never
    /// prints it.
    pub(crate) fn header(&self) -> Option<HeaderValue> {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", self.secret.expose_secret())).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }

    fn is_usable(&self, now: Instant) -> bool {
        now < self.usable_until
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("secret", &"[redacted]")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// Builds a token's schedule from its lifetime left, measured from now.
fn schedule(secret: SecretString, left: Duration, lifetime: Duration, generation: u64) -> Token {
    let now = Instant::now();
    let margin = (lifetime / 10).min(Duration::from_secs(30));
    let refresh_after = lifetime.mul_f64(0.75 + 0.10 * fastrand::f64());
    let elapsed = lifetime.saturating_sub(left);
    Token {
        secret,
        usable_until: now + left.saturating_sub(margin),
        expires_at: SystemTime::now() + left,
        refresh_at: now + refresh_after.saturating_sub(elapsed),
        generation,
    }
}

/// Where and how to ask for a token.
pub(crate) struct TokenSource {
    /// `<root>/ttid/<env>/token`.
    pub(crate) url: String,
    /// The app key, for the file cache's key (with a hash of the secret).
    pub(crate) app_key: String,
    /// `<key>:<secret>`, as TT's token request wants it.
    pub(crate) token_app_key: SecretString,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("url", &self.url)
            .field("app_key", &self.app_key)
            .finish_non_exhaustive()
    }
}

/// The session's token slot.
#[derive(Debug)]
pub(crate) struct TokenCache {
    source: TokenSource,
    current: RwLock<Option<Arc<Token>>>,
    refresh: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    file: Option<PathBuf>,
    /// Fingerprints of tokens TT refused: never read back from the file.
    refused: std::sync::Mutex<Vec<String>>,
}

/// Whether a token came from TT just now or from a cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Fetched from TT by this call: TT accepted the credentials.
    Fetched,
    /// The session's token or the cache file's: TT was not asked.
    Cached,
}

impl Authenticate for TokenCache {
    async fn authorize(&self, transport: &Transport) -> Result<Option<Authorization>, Error> {
        let token = self.get(transport).await?;
        let header = token.header().ok_or_else(|| {
            Error::invalid_argument("TT's token is not a valid header value; fetch a new one")
        })?;
        Ok(Some(Authorization {
            header,
            generation: token.generation,
        }))
    }

    fn refused(&self, generation: u64) {
        self.invalidate(generation);
    }
}

impl TokenCache {
    pub(crate) fn new(source: TokenSource, file: Option<PathBuf>) -> Self {
        TokenCache {
            source,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
            file,
            refused: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn file_key(&self) -> String {
        file::cache_key(
            &self.source.app_key,
            self.source.token_app_key.expose_secret(),
            &self.source.url,
        )
    }

    fn cached(&self) -> Option<Arc<Token>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn store(&self, token: Arc<Token>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token);
    }

    /// A fresh token, fetching one (once, for all waiting callers) if needed.
    pub(crate) async fn get(&self, transport: &Transport) -> Result<Arc<Token>, Error> {
        Ok(self.get_checked(transport, false).await?.0)
    }

    /// A fresh token and where it came from; `fresh` always asks TT (and
    /// replaces the cached token).
    pub(crate) async fn get_checked(
        &self,
        transport: &Transport,
        fresh: bool,
    ) -> Result<(Arc<Token>, Origin), Error> {
        if !fresh {
            if let Some(t) = self.cached().filter(|t| t.is_fresh(Instant::now())) {
                return Ok((t, Origin::Cached));
            }
        }
        let _flight = self.refresh.lock().await;
        let stale = self.cached();
        if !fresh {
            if let Some(t) = stale.as_ref().filter(|t| t.is_fresh(Instant::now())) {
                return Ok((t.clone(), Origin::Cached));
            }
            if let Some(t) = self.load_from_file().await {
                self.store(t.clone());
                return Ok((t, Origin::Cached));
            }
        }
        let fetched = self.fetch(transport).await;
        let reason = if stale.is_some() {
            "refresh"
        } else {
            "initial"
        };
        crate::metrics::token_fetch(reason, fetched.is_ok());
        match fetched {
            Ok(t) => {
                self.store(t.clone());
                Ok((t, Origin::Fetched))
            }
            Err(e) => match stale.filter(|t| !fresh && t.is_usable(Instant::now())) {
                Some(old) => {
                    tracing::warn!(error = %e, "token refresh failed; using the current token until it expires");
                    Ok((old, Origin::Cached))
                }
                None => Err(e),
            },
        }
    }

    /// Forgets the token of `generation` after TT refused it; a newer token
    /// (fetched by a concurrent caller) is kept. The refused token is never
    /// read back from the cache file, and is removed from it before the next fetch.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = current.as_ref().filter(|t| t.generation == generation) {
            let print = file::fingerprint(token.secret.expose_secret());
            self.refused
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(print);
            *current = None;
        }
    }

    fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    async fn load_from_file(&self) -> Option<Arc<Token>> {
        let path = self.file.clone()?;
        let key = self.file_key();
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for print in refused {
            file::remove(path.clone(), key.clone(), print).await;
        }
        let stored = file::load(path, key).await?;
        let print = file::fingerprint(stored.secret.expose_secret());
        if self
            .refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&print)
        {
            return None;
        }
        let left = stored.expires_at.duration_since(SystemTime::now()).ok()?;
        let lifetime = stored
            .expires_at
            .duration_since(stored.issued_at)
            .unwrap_or(left);
        let token = schedule(stored.secret, left, lifetime, self.next_generation());
        token.is_fresh(Instant::now()).then(|| Arc::new(token))
    }

    async fn fetch(&self, transport: &Transport) -> Result<Arc<Token>, Error> {
        let request = token_request(&self.source)?;
        let spec = CallSpec {
            service: "ttid",
            operation: TOKEN_OPERATION,
            idempotent: true,
            options: CallOptions::default(),
        };
        let (response, request_id) = match transport.send(request, &spec, &Anonymous).await {
            Outcome::Response {
                response,
                request_id,
            } => (response, request_id),
            Outcome::Transport { error, request_id } => {
                let call = CallInfo::new("ttid", TOKEN_OPERATION, Some(request_id));
                return Err(Error::from_transport(call, error));
            }
            Outcome::Failed(e) => return Err(e),
        };
        let call = CallInfo::new("ttid", TOKEN_OPERATION, Some(request_id));
        let status = response.status();
        let retry_after = crate::retry::retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::from_transport(call.clone(), e))?;
        let (secret, lifetime) = parse_token_response(call.clone(), status, retry_after, &body)?;
        let issued_at = SystemTime::now();
        if let Some(path) = self.file.clone() {
            file::save(path, self.file_key(), &secret, issued_at, lifetime).await;
        }
        tracing::debug!(
            seconds_until_expiry = lifetime.as_secs(),
            "fetched a TT token"
        );
        Ok(Arc::new(schedule(
            secret,
            lifetime,
            lifetime,
            self.next_generation(),
        )))
    }
}

/// `POST <root>/ttid/<env>/token` with `grant_type=user_app&app_key=<key>:<secret>`.
fn token_request(source: &TokenSource) -> Result<Request, Error> {
    let url = Url::parse(&source.url)
        .map_err(|e| Error::invalid_argument(format!("bad token URL {}: {e}", source.url)))?;
    let mut request = Request::new(Method::POST, url);
    let body = token_body(source.token_app_key.expose_secret());
    request.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    *request.body_mut() = Some(body.into());
    Ok(request)
}

/// TT's form body: `grant_type=user_app&app_key=<key>:<secret>`, form-encoded.
fn token_body(app_key: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "user_app")
        .append_pair("app_key", app_key)
        .finish()
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    access_token: Option<SecretString>,
    #[serde(default)]
    seconds_until_expiry: Option<serde_json::Value>,
}

/// Used when TT leaves out `seconds_until_expiry` (never seen).
const FALLBACK_LIFETIME: Duration = Duration::from_secs(3600);

fn parse_token_response(
    call: CallInfo,
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<(SecretString, Duration), Error> {
    let tt = TtMessage::parse(body);
    let auth = |tt| Error::Auth {
        call: Box::new(call.clone()),
        kind: AuthErrorKind::BadCredentials,
        status: Some(status),
        tt,
    };
    if !status.is_success() {
        return Err(match status.as_u16() {
            429 | 408 | 500..=599 => Error::from_status(call.clone(), status, retry_after, tt),
            // A wrong root URL or environment, not a refused key.
            _ if crate::error::is_wrong_path(status, &tt) => {
                Error::from_status(call.clone(), status, retry_after, tt)
            }
            _ => auth(tt),
        });
    }
    if tt.is_failure() {
        return Err(auth(tt));
    }
    let parsed: TokenResponse = serde_json::from_slice(body).map_err(|e| Error::Decode {
        call: Box::new(call.clone()),
        path: ".".into(),
        message: format!("not a TT token response: {e}"),
        excerpt: crate::error::excerpt(body),
    })?;
    let missing = |what: &str| Error::Decode {
        call: Box::new(call.clone()),
        path: what.to_string(),
        message: format!("the token response has no usable `{what}`"),
        excerpt: crate::error::excerpt(body),
    };
    let secret = parsed
        .access_token
        .filter(|t| !t.expose_secret().trim().is_empty())
        .ok_or_else(|| missing("access_token"))?;
    if parsed
        .status
        .as_deref()
        .is_some_and(|s| !s.eq_ignore_ascii_case("ok"))
    {
        return Err(auth(tt));
    }
    let lifetime = match parsed.seconds_until_expiry {
        None => FALLBACK_LIFETIME,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .map(Duration::from_secs)
            .filter(|d| !d.is_zero())
            .ok_or_else(|| missing("seconds_until_expiry"))?,
    };
    Ok((secret, lifetime))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallInfo {
        CallInfo::new("ttid", TOKEN_OPERATION, Some("a-b--1".into()))
    }

    #[test]
    fn ok_response_gives_token_and_lifetime() {
        let body = br#"{"status":"Ok","access_token":"tok-123","token_type":"bearer","seconds_until_expiry":43199}"#;
        let (secret, life) = parse_token_response(call(), StatusCode::OK, None, body).unwrap();
        assert_eq!(secret.expose_secret(), "tok-123");
        assert_eq!(life, Duration::from_secs(43199));
        let body = br#"{"status":"Ok","access_token":"t","seconds_until_expiry":"60"}"#;
        assert_eq!(
            parse_token_response(call(), StatusCode::OK, None, body)
                .unwrap()
                .1,
            Duration::from_secs(60)
        );
    }

    #[test]
    fn each_tt_failure_shape_is_a_typed_auth_error() {
        let cases: [(u16, &[u8], &str); 3] = [
            (400, br#"{"status":"StatusFail","status_message":"invalid_client","status_desc":"Bad secret","statusCode":400}"#, "invalid_client"),
            (200, br#"{"status":"Fail","status_message":"Unknown application key"}"#, "Unknown application key"),
            (403, br#"{"message":"Forbidden"}"#, "Forbidden"),
        ];
        for (code, body, text) in cases {
            let status = StatusCode::from_u16(code).unwrap();
            let err = parse_token_response(call(), status, None, body).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Auth {
                        kind: AuthErrorKind::BadCredentials,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains(text), "{err}");
            assert_eq!(err.request_id(), Some("a-b--1"));
        }
    }

    #[test]
    fn throttling_and_outages_are_not_reported_as_bad_credentials() {
        let e = parse_token_response(
            call(),
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3)),
            b"{}",
        )
        .unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = parse_token_response(call(), StatusCode::BAD_GATEWAY, None, b"").unwrap_err();
        assert!(matches!(e, Error::Tt { .. }));
    }

    #[test]
    fn api_gateways_missing_token_answer_is_a_wrong_path_not_bad_credentials() {
        let body = br#"{"message":"Missing Authentication Token"}"#;
        let err = parse_token_response(call(), StatusCode::FORBIDDEN, None, body).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Auth {
                    kind: AuthErrorKind::WrongPath,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains("refused"), "{err}");
        assert!(err.hint().unwrap().contains("root URL"));
    }

    #[test]
    fn a_malformed_ok_response_is_a_decode_error_without_the_token() {
        let body = br#"{"status":"Ok","access_token":"tok-secret","seconds_until_expiry":-5}"#;
        let err = parse_token_response(call(), StatusCode::OK, None, body).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }));
        assert!(!format!("{err} {err:?}").contains("tok-secret"));
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_is_scheduled_ahead_of_expiry_with_jitter() {
        // The clock stands still: every schedule is measured from `now`.
        let life = Duration::from_secs(43200);
        let now = Instant::now();
        let after: Vec<Duration> = (0..200)
            .map(|_| schedule(SecretString::from("t"), life, life, 1))
            .map(|t| {
                assert_eq!(t.usable_until, now + life - Duration::from_secs(30));
                assert!(t.refresh_at < t.usable_until);
                t.refresh_at - now
            })
            .collect();
        let (lo, hi) = (life.mul_f64(0.75), life.mul_f64(0.85));
        for a in &after {
            assert!(lo <= *a && *a <= hi, "{a:?} outside 75%..85% of {life:?}");
        }
        // Jitter spreads the refreshes over that band: 200 uniform draws
        // cover more than half of it unless there is no jitter.
        let min = after.iter().min().unwrap();
        let max = after.iter().max().unwrap();
        assert!(*max - *min > (hi - lo) / 2, "spread {min:?}..{max:?}");
        // A token already half spent refreshes that much sooner.
        let t = schedule(SecretString::from("t"), life / 2, life, 1);
        assert!(t.refresh_at - now <= hi - life / 2 && t.refresh_at - now >= lo - life / 2);
    }

    #[test]
    fn form_encoding_escapes_the_colon_and_reserved_bytes() {
        assert_eq!(
            token_body("k1:s/2+ x"),
            "grant_type=user_app&app_key=k1%3As%2F2%2B+x"
        );
    }
}
