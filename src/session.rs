//! [`Session`]: one set of credentials, many services.
//!
//! A session owns what all its generated clients share: the transport (one
//! reqwest connection pool, one rate limiter, one retry budget) and the token
//! cache that authenticates it. It is an `Arc` inside, so cloning it is cheap;
//! every accessor (`.ttid()`, `.ledger()`...) returns a generated client wired
//! to that shared state, and [`Session::call`] sends any prepared request
//! through the same pipeline.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Request, Response};

use crate::credentials::{self, Credentials};
use crate::env::{Environment, Root};
use crate::error::{CallInfo, Error, TtMessage};
use crate::rate_limit::{Plan, RateLimiter};
use crate::request_id::{self, RequestIdPrefix};
use crate::retry::{self, RetryPolicy};
use crate::token::{TokenCache, TokenSource};
use crate::transport::exchange::Exchange;
use crate::transport::{CallOptions, CallSpec, Outcome, Transport};

/// What every client of one session shares.
pub(crate) struct Shared {
    credentials: Credentials,
    environment: Environment,
    root: Root,
    plan: Plan,
    /// The reqwest client generated clients are built with (the transport
    /// sends through its own handle on it, or through a test exchange).
    http: reqwest::Client,
    transport: Transport,
    tokens: TokenCache,
}

impl Shared {
    /// The reqwest client generated clients are built with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends `request` for `service`'s `operation` through the pipeline.
    ///
    /// A success comes back with [`crate::REQUEST_ID_HEADER`] and the
    /// [`CallInfo`] as a response extension; anything else as the typed
    /// error, TT's message read from the body.
    pub(crate) async fn call(
        &self,
        service: &str,
        operation: &str,
        request: Request,
        options: CallOptions,
    ) -> Result<Response, Error> {
        let spec = CallSpec {
            service,
            operation,
            idempotent: retry::is_idempotent(request.method()),
            options,
        };
        let call = |id: String| CallInfo::new(service, operation, Some(id));
        match self.transport.send(request, &spec, &self.tokens).await {
            Outcome::Response {
                mut response,
                request_id,
            } if response.status().is_success() => {
                request_id::set_on_headers(response.headers_mut(), &request_id);
                response.extensions_mut().insert(call(request_id));
                Ok(response)
            }
            Outcome::Response {
                response,
                request_id,
            } => Err(failed(call(request_id), response).await),
            Outcome::Transport { error, request_id } => {
                Err(Error::from_transport(call(request_id), error))
            }
            Outcome::Failed(error) => Err(error),
        }
    }
}

/// The typed error of a response TT answered with a failure status.
async fn failed(call: CallInfo, response: Response) -> Error {
    let status = response.status();
    let retry_after = retry::retry_after(response.headers());
    match response.bytes().await {
        Ok(body) => Error::from_status(call, status, retry_after, TtMessage::parse(&body)),
        Err(e) => Error::from_transport(call, e),
    }
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
    /// The state every client of this session shares.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

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
        let token = self.shared.tokens.get(&self.shared.transport).await?;
        Ok(token.expires_at)
    }

    /// Like [`Session::authenticate`], and says whether TT was asked: a token
    /// of the session or of the token cache file is used without asking
    /// unless `fresh`, which always fetches a new one from TT (and caches it).
    pub async fn check_token(&self, fresh: bool) -> Result<TokenCheck, Error> {
        let (token, origin) = self
            .shared
            .tokens
            .get_checked(&self.shared.transport, fresh)
            .await?;
        Ok(TokenCheck {
            expires_at: token.expires_at,
            checked_with_tt: origin == crate::token::Origin::Fetched,
        })
    }

    /// Sends a prepared request as `service`'s `operation` through the full
    /// pipeline: token, requestId, rate limit, redirects, retries.
    ///
    /// For requests the generated clients do not cover (the `ttrest call`
    /// command, endpoints missing from the specs). Build the URL from
    /// [`Session::base_url`]. A success comes back as TT sent it, plus the
    /// [`crate::REQUEST_ID_HEADER`]; a failure status as the typed
    /// [`Error`] with TT's message and the requestId.
    ///
    /// ```no_run
    /// # async fn f(session: ttrest::Session) -> Result<(), ttrest::Error> {
    /// let url = format!("{}/healthcheckstatus", session.base_url("ttid"));
    /// let request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
    /// let response = session.call("ttid", "get_healthcheckstatus", request).await?;
    /// println!("{}", response.text().await.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn call(
        &self,
        service: &str,
        operation: &str,
        request: Request,
    ) -> Result<Response, Error> {
        self.shared
            .call(service, operation, request, CallOptions::default())
            .await
    }

    /// [`Session::call`] with per-call options (tests).
    #[cfg(test)]
    pub(crate) async fn call_with(
        &self,
        service: &str,
        operation: &str,
        request: Request,
        options: CallOptions,
    ) -> Result<Response, Error> {
        self.shared.call(service, operation, request, options).await
    }
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
    #[cfg(test)]
    exchange: Option<TestExchange>,
}

/// A scripted exchange standing in for the network in unit tests.
#[cfg(test)]
#[derive(Clone)]
struct TestExchange(Arc<dyn Exchange>);

#[cfg(test)]
impl fmt::Debug for TestExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TestExchange")
    }
}

/// Default app and company parts of the requestId.
const DEFAULT_APP: &str = "ttrest";
const DEFAULT_COMPANY: &str = "unknown";
/// What [`Session::check_token`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenCheck {
    /// When the token expires, as TT said.
    pub expires_at: std::time::SystemTime,
    /// Whether TT issued it during this check (so TT accepted the credentials
    /// just now); `false` for a token reused from the session or the cache file.
    pub checked_with_tt: bool,
}

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

    /// Sends through `exchange` instead of the network (tests).
    #[cfg(test)]
    pub(crate) fn exchange(mut self, exchange: Arc<dyn Exchange>) -> Self {
        self.exchange = Some(TestExchange(exchange));
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
        )
        .map_err(Error::invalid_argument)?;
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
        let exchange: Arc<dyn Exchange> = Arc::new(http.clone());
        #[cfg(test)]
        let exchange = self.exchange.map_or(exchange, |e| e.0);
        let tokens = TokenCache::new(
            TokenSource {
                url: format!("{}/token", root.service_url("ttid", environment)),
                app_key: credentials.app_key().to_string(),
                token_app_key: credentials.token_app_key(),
            },
            self.token_cache,
        );
        let transport = Transport::new(
            exchange,
            RateLimiter::new(plan),
            retry,
            request_ids,
            timeout,
            credentials.app_key(),
        );
        Ok(Session {
            shared: Arc::new(Shared {
                credentials,
                environment,
                root,
                plan,
                http,
                transport,
                tokens,
            }),
        })
    }
}

/// The session's own reqwest client: no automatic redirects (see
/// `transport::redirect`), gzip on (TT answers 413 to large uncompressed bodies).
fn default_http_client(connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    crate::tls::http_client_builder()?
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .connect_timeout(connect_timeout)
        .user_agent(concat!("ttrest/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
}
