//! [`Session`]: one set of credentials, many services.
//!
//! A session owns what all its generated clients share: one reqwest
//! connection pool, one token, one rate limiter and one retry budget. It is an
//! `Arc` inside, so cloning it is cheap, and every accessor (`.ttid()`,
//! `.ledger()`...) returns a generated client wired to that shared state.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::{self, Credentials};
use crate::env::{Environment, Root};
use crate::error::Error;
use crate::hooks::Inner;
use crate::rate_limit::{Plan, RateLimiter};
use crate::request_id::RequestIdPrefix;
use crate::retry::{RetryBudget, RetryPolicy};
use crate::token::TokenCache;

/// What every client of one session shares.
pub(crate) struct Shared {
    pub(crate) credentials: Credentials,
    pub(crate) environment: Environment,
    pub(crate) root: Root,
    pub(crate) plan: Plan,
    pub(crate) request_ids: RequestIdPrefix,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) http: reqwest::Client,
    pub(crate) limiter: RateLimiter,
    pub(crate) budget: RetryBudget,
    pub(crate) tokens: TokenCache,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("app_key", &self.credentials.app_key())
            .field("environment", &self.environment)
            .field("root", &self.root.as_str())
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

/// A TT session: credentials, environment and the state its clients share.
///
/// ```no_run
/// # async fn f() -> Result<(), ttrest::Error> {
/// use ttrest::{Environment, Plan, Session};
/// let session = Session::builder()
///     .app_name("myApp")
///     .company("myCompany")
///     .environment(Environment::Uat)
///     .plan(Plan::Free)
///     .credentials_from_env()
///     .build()?;
/// let health = session.ttid().get_healthcheckstatus().send().await?;
/// println!("{:?}", health.system_status);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    shared: Arc<Shared>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl Session {
    /// Starts configuring a session.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The environment this session talks to.
    pub fn environment(&self) -> Environment {
        self.shared.environment
    }

    /// The app key this session authenticates with.
    pub fn app_key(&self) -> &str {
        self.shared.credentials.app_key()
    }

    /// The usage plan the session paces itself to.
    pub fn plan(&self) -> Plan {
        self.shared.plan
    }

    /// The base URL of a service: `<root>/<service>/<environment>`.
    pub fn base_url(&self, service: &str) -> String {
        self.shared
            .root
            .service_url(service, self.shared.environment)
    }

    /// Fetches a token now (if none is cached), so bad credentials fail here
    /// rather than on the first call. Returns when the token expires (the
    /// token itself never leaves the session).
    pub async fn authenticate(&self) -> Result<std::time::SystemTime, Error> {
        let token = self.shared.tokens.get(&self.shared).await?;
        Ok(token.expires_at)
    }

    /// The hook state for a generated client of `service`.
    fn inner(&self, service: &'static str) -> Inner {
        Inner::new(self.shared.clone(), service)
    }

    /// The connection pool every client of this session shares.
    pub(crate) fn http_client(&self) -> &reqwest::Client {
        &self.shared.http
    }

    /// The hook state for a generated client of `service` (used by the
    /// generated accessors, `Session::ledger()`...).
    pub(crate) fn hook_state(&self, service: &'static str) -> Inner {
        self.inner(service)
    }

    // One accessor per enabled service (`ttid()`, `ledger()`...) is generated
    // into the service table (see `crate::service`).
}

/// Where the credentials come from.
#[derive(Clone, Debug, Default)]
enum CredentialSource {
    /// Given in code.
    Given(Credentials),
    /// `TT_APP_KEY` / `TT_APP_SECRET`.
    Env,
    /// The profile's, else the environment's.
    #[default]
    Default,
}

/// Configures a [`Session`]. Settings made here win over the profile's.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct SessionBuilder {
    app_name: Option<String>,
    company: Option<String>,
    environment: Option<Environment>,
    root_url: Option<String>,
    credentials: CredentialSource,
    profile: Option<(Option<PathBuf>, String)>,
    plan: Option<Plan>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    token_cache: Option<PathBuf>,
}

/// Default app and company parts of the requestId.
const DEFAULT_APP: &str = "ttrest";
const DEFAULT_COMPANY: &str = "unknown";
/// Default per-attempt timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl SessionBuilder {
    /// Your application's name, the first part of every requestId
    /// (no spaces, none of ``$&+,/:;=?@"<>#%{}|\^~[]` ``). Default `ttrest`.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Your company's name, the second part of every requestId. Default `unknown`.
    pub fn company(mut self, name: impl Into<String>) -> Self {
        self.company = Some(name.into());
        self
    }

    /// The TT environment (default [`Environment::Uat`]).
    pub fn environment(mut self, env: Environment) -> Self {
        self.environment = Some(env);
        self
    }

    /// A custom root URL instead of `https://ttrestapi.trade.tt` (sandbox,
    /// proxy, tests). Services live at `<root>/<service>/<environment>`.
    pub fn root_url(mut self, root: impl Into<String>) -> Self {
        self.root_url = Some(root.into());
        self
    }

    /// Credentials given in code.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = CredentialSource::Given(credentials);
        self
    }

    /// Credentials from `TT_APP_KEY` and `TT_APP_SECRET`, even if a profile is used.
    pub fn credentials_from_env(mut self) -> Self {
        self.credentials = CredentialSource::Env;
        self
    }

    /// Settings from profile `name` of the default config file
    /// (`$TTREST_CONFIG` or `~/.config/ttrest/config.toml`).
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some((None, name.into()));
        self
    }

    /// Settings from profile `name` of the config file at `path`.
    pub fn profile_from(mut self, path: impl Into<PathBuf>, name: impl Into<String>) -> Self {
        self.profile = Some((Some(path.into()), name.into()));
        self
    }

    /// The key's usage plan, which sets the client-side rate limit (default [`Plan::Free`]).
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = Some(plan);
        self
    }

    /// How failed attempts are retried (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Timeout of one attempt, redirects included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Timeout for establishing a connection (default 10 s; ignored with
    /// [`SessionBuilder::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Uses your own reqwest client (proxy, TLS roots...).
    ///
    /// It **must not follow redirects** (build it with
    /// `.redirect(reqwest::redirect::Policy::none())`): ttrest follows TT's
    /// redirects itself so that `x-api-key` never reaches another origin,
    /// while reqwest's own policy would forward it. ttrest cannot inspect a
    /// client's policy; a client that follows redirects is a credential leak.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Shares tokens between processes through a file (mode 0600, written
    /// atomically, keyed by app key and token URL).
    pub fn token_cache_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_cache = Some(path.into());
        self
    }

    /// Validates the settings and builds the session. Makes no request.
    pub fn build(self) -> Result<Session, Error> {
        let profile = match &self.profile {
            Some((path, name)) => {
                let path = match path {
                    Some(p) => p.clone(),
                    None => credentials::default_config_path().ok_or_else(|| {
                        Error::config(
                            "cannot find the ttrest config file: set HOME or TTREST_CONFIG",
                        )
                    })?,
                };
                Some(credentials::load_profile(&path, name)?)
            }
            None => None,
        };
        let p = profile.as_ref();
        let credentials = match self.credentials {
            CredentialSource::Given(c) => c,
            CredentialSource::Env => Credentials::from_env()?,
            CredentialSource::Default => match p {
                Some(profile) => profile.credentials()?,
                None => Credentials::from_env()?,
            },
        };
        let environment = match self.environment {
            Some(e) => e,
            None => p
                .map(|p| p.environment())
                .transpose()?
                .flatten()
                .unwrap_or_default(),
        };
        let root = match self.root_url.or_else(|| p.and_then(|p| p.root_url.clone())) {
            Some(r) => Root::parse(&r)?,
            None => Root::default(),
        };
        let plan = match self.plan {
            Some(plan) => plan,
            None => p
                .map(|p| p.plan())
                .transpose()?
                .flatten()
                .unwrap_or_default(),
        };
        plan.validate()?;
        let app = self.app_name.or_else(|| p.and_then(|p| p.app_name.clone()));
        let company = self.company.or_else(|| p.and_then(|p| p.company.clone()));
        let request_ids = RequestIdPrefix::new(
            app.as_deref().unwrap_or(DEFAULT_APP),
            company.as_deref().unwrap_or(DEFAULT_COMPANY),
        )?;
        let retry = self.retry.unwrap_or_default();
        retry.validate()?;
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::invalid_argument(
                "SessionBuilder::timeout must be above zero",
            ));
        }
        let http = match self.http_client {
            Some(client) => client,
            None => default_http_client(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))?,
        };
        let tokens = TokenCache::new(self.token_cache);
        Ok(Session {
            shared: Arc::new(Shared {
                credentials,
                environment,
                root,
                plan,
                request_ids,
                limiter: RateLimiter::new(plan),
                budget: RetryBudget::new(retry.budget),
                retry,
                timeout,
                http,
                tokens,
            }),
        })
    }
}

/// The session's own reqwest client: no automatic redirects (see
/// [`crate::redirect`]), gzip on (TT answers 413 to large uncompressed bodies).
fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    crate::tls::http_client_builder()?
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .connect_timeout(connect_timeout)
        .user_agent(concat!("ttrest/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}
