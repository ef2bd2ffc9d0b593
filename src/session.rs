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
use crate::intercept::{Intercept, Interceptors};
use crate::quota::guard::{DayGuard, UtcClock};
use crate::quota::{DailyCount, DailyUsage, FileCount, MemoryCount, DEFAULT_RESERVE_PERCENT};
use crate::rate_limit::{Plan, RateLimiter};
use crate::recording::{Recorder, Redaction, Replay};
use crate::request_id::{self, RequestIdPrefix};
use crate::retry::{self, RetryPolicy};
use crate::token::{TokenCache, TokenSource};
use crate::transport::exchange::Exchange;
use crate::transport::{CallOptions, CallSpec, Outcome, Transport};
use secrecy::ExposeSecret;

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

    /// The guard over the key's day of requests (TT's own count is read
    /// through ttid).
    #[cfg(feature = "ttid")]
    pub(crate) fn day_guard(&self) -> &DayGuard {
        self.transport.day()
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

    /// The key's cap of requests per UTC day: the one given
    /// ([`SessionBuilder::daily_limit`], a profile's `daily_limit`), else the
    /// plan's ([`Plan::daily_limit`]).
    pub fn daily_limit(&self) -> Option<u64> {
        self.shared.transport.day().limit()
    }

    /// The key's day of requests as the session's count sees it: used,
    /// cap, reserve, remaining and when it resets (reads the shared count;
    /// makes no request to TT).
    pub async fn daily_usage(&self) -> Result<DailyUsage, Error> {
        self.shared.transport.day().usage().await
    }

    /// Raises the day's count to TT's own figure (from `/keyusage`, which
    /// lags up to 30 minutes); never lowers it.
    pub async fn raise_daily_usage(&self, used_by_tt: u64) -> Result<DailyUsage, Error> {
        self.shared.transport.day().raise_to(used_by_tt).await?;
        self.daily_usage().await
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

    /// Sends a prepared request as `operation` through the full pipeline:
    /// token, requestId, the day's count, rate limit, redirects, retries.
    ///
    /// For requests the generated clients do not cover (the `ttrest call`
    /// command, raw windows of a time-paged stream). Name the operation by its
    /// handle (`ttrest::ttid::ops::GET_HEALTHCHECKSTATUS`) or a row of the
    /// [`crate::service`] table; its retry class applies, so a time window's
    /// 408/504 comes back at once, as from the typed `send_window`. Build the
    /// URL from [`Session::base_url`]. A success comes back as TT sent it,
    /// plus the [`crate::REQUEST_ID_HEADER`]; a failure status as the typed
    /// [`Error`] with TT's message and the requestId.
    ///
    /// ```no_run
    /// # async fn f(session: ttrest::Session) -> Result<(), ttrest::Error> {
    /// use ttrest::ttid::ops::GET_HEALTHCHECKSTATUS;
    /// let url = format!("{}/healthcheckstatus", session.base_url("ttid"));
    /// let request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
    /// let response = session.call(&GET_HEALTHCHECKSTATUS, request).await?;
    /// println!("{}", response.text().await.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn call(
        &self,
        operation: &crate::service::Operation,
        request: Request,
    ) -> Result<Response, Error> {
        let options = CallOptions {
            time_window: operation.retry == crate::service::RetryClass::TimeWindow,
        };
        self.shared
            .call(operation.service, operation.id, request, options)
            .await
    }

    /// A call named by strings with the default options (tests).
    #[cfg(test)]
    pub(crate) async fn call_named(
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
    daily_limit: Option<u64>,
    daily_reserve: Option<u8>,
    daily_count: Option<DailyCountChoice>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    token_cache: Option<PathBuf>,
    record: Option<(PathBuf, Redaction)>,
    replay: Option<PathBuf>,
    interceptors: Interceptors,
    #[cfg(any(test, feature = "test-util"))]
    exchange: Option<TestExchange>,
    #[cfg(test)]
    clock: Option<TestClock>,
}

/// Where the session counts its key's day.
#[derive(Clone)]
enum DailyCountChoice {
    /// A given store.
    Store(Arc<dyn DailyCount>),
    /// [`FileCount::in_state_dir`].
    StateDir,
}

impl fmt::Debug for DailyCountChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DailyCountChoice::Store(s) => s.fmt(f),
            DailyCountChoice::StateDir => f.write_str("StateDir"),
        }
    }
}

/// A wall clock standing in for `Utc::now` in unit tests.
#[cfg(test)]
#[derive(Clone)]
struct TestClock(UtcClock);

#[cfg(test)]
impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TestClock")
    }
}

/// An exchange standing in for the network in tests.
#[cfg(any(test, feature = "test-util"))]
#[derive(Clone)]
struct TestExchange(Arc<dyn Exchange>);

#[cfg(any(test, feature = "test-util"))]
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

    /// The key's cap of requests per UTC day, instead of the plan's
    /// ([`Plan::daily_limit`]); also gives [`Plan::PerSecond`] a cap.
    pub fn daily_limit(mut self, requests: u64) -> Self {
        self.daily_limit = Some(requests);
        self
    }

    /// The share of the day's cap (in percent, 0 to 50) the session never
    /// spends, kept for the trader's own tools on the same key (default 5).
    pub fn daily_reserve_percent(mut self, percent: u8) -> Self {
        self.daily_reserve = Some(percent);
        self
    }

    /// Counts the key's day in `count`, shared with every session (and,
    /// for a shared store, every process) holding it. Default: a count of
    /// this session alone ([`MemoryCount`]).
    pub fn daily_count(mut self, count: Arc<dyn DailyCount>) -> Self {
        self.daily_count = Some(DailyCountChoice::Store(count));
        self
    }

    /// Counts the key's day in the file every process on the host shares
    /// ([`FileCount::in_state_dir`]: `$XDG_STATE_HOME/ttrest/`, else
    /// `~/.local/state/ttrest/`).
    pub fn daily_count_in_state_dir(mut self) -> Self {
        self.daily_count = Some(DailyCountChoice::StateDir);
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

    /// Adds an interceptor, run around every attempt of typed and raw calls
    /// after those added before it (see [`crate::intercept`]). The session's
    /// requestId, credentials and pacing are applied after it and cannot be
    /// removed by it.
    pub fn interceptor(mut self, interceptor: impl Intercept) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// Reads the UTC day from `clock` instead of the system clock (tests).
    #[cfg(test)]
    pub(crate) fn utc_clock(mut self, clock: UtcClock) -> Self {
        self.clock = Some(TestClock(clock));
        self
    }

    /// Appends every exchange of the session (each attempt and redirect hop)
    /// to the recording directory `dir`, created if missing: one JSON Lines
    /// file per service, secrets redacted (format: [`crate::recording`],
    /// `docs/recordings.md`). Nothing is recorded unless this is called.
    pub fn record(mut self, dir: impl Into<PathBuf>) -> Self {
        let redaction = self.record.as_ref().map(|r| r.1).unwrap_or_default();
        self.record = Some((dir.into(), redaction));
        self
    }

    /// How much [`SessionBuilder::record`] hides beyond secrets:
    /// [`Redaction::Ids`] also replaces account, user and company ids and
    /// names by consistent stand-ins, for a recording you can share.
    pub fn record_redaction(mut self, redaction: Redaction) -> Self {
        if let Some(r) = &mut self.record {
            r.1 = redaction;
        } else {
            self.record = Some((PathBuf::new(), redaction));
        }
        self
    }

    /// Answers every request from the recording in `dir` (written by
    /// [`SessionBuilder::record`]) instead of the network, matched by
    /// method, path and query (see [`crate::recording::Replay`]). The plan
    /// defaults to [`Plan::Unlimited`]: nothing leaves the process.
    pub fn replay(mut self, dir: impl Into<PathBuf>) -> Self {
        self.replay = Some(dir.into());
        self
    }

    /// Sends through `exchange` instead of the network: a
    /// [`crate::test_util::Scripted`] script, a [`crate::recording::Replay`]
    /// or your own [`crate::test_util::Exchange`].
    #[cfg(any(test, feature = "test-util"))]
    pub fn exchange(mut self, exchange: Arc<dyn Exchange>) -> Self {
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
            None if self.replay.is_some() => Plan::Unlimited,
            None => p
                .map(|p| p.plan())
                .transpose()?
                .flatten()
                .unwrap_or_default(),
        };
        plan.validate()?;
        let daily_limit = self
            .daily_limit
            .or_else(|| p.and_then(|p| p.daily_limit))
            .or(plan.daily_limit());
        if daily_limit == Some(0) {
            return Err(Error::invalid_argument(
                "the daily limit must be above zero requests",
            ));
        }
        let reserve = self.daily_reserve.unwrap_or(DEFAULT_RESERVE_PERCENT);
        if reserve > 50 {
            return Err(Error::invalid_argument(format!(
                "a daily reserve of {reserve} % leaves too little of the day; give 0 to 50"
            )));
        }
        let count: Arc<dyn DailyCount> = match self.daily_count {
            Some(DailyCountChoice::Store(count)) => count,
            Some(DailyCountChoice::StateDir) => Arc::new(FileCount::in_state_dir().ok_or_else(|| {
                Error::config(
                    "cannot find the state directory for the day's request count: set XDG_STATE_HOME or HOME",
                )
            })?),
            None => Arc::new(MemoryCount::new()),
        };
        let clock: UtcClock = Arc::new(chrono::Utc::now);
        #[cfg(test)]
        let clock = self.clock.map_or(clock, |c| c.0);
        let day = Arc::new(DayGuard::new(
            count,
            credentials.app_key(),
            environment,
            daily_limit,
            reserve,
            clock,
        ));
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
        let mut exchange: Arc<dyn Exchange> = match &self.replay {
            Some(dir) => Arc::new(Replay::from_dir(dir)?),
            None => Arc::new(http.clone()),
        };
        #[cfg(any(test, feature = "test-util"))]
        if let Some(e) = self.exchange {
            exchange = e.0;
        }
        if let Some((dir, redaction)) = self.record {
            if dir.as_os_str().is_empty() {
                return Err(Error::invalid_argument(
                    "SessionBuilder::record_redaction needs SessionBuilder::record(dir)",
                ));
            }
            let combined = credentials.token_app_key();
            let combined = combined.expose_secret();
            let mut secrets = vec![combined.to_string(), credentials.app_key().to_string()];
            if let Some((_, secret)) = combined.split_once(':') {
                secrets.push(secret.to_string());
            }
            exchange = Arc::new(Recorder::new(exchange, dir, redaction, secrets)?);
        }
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
            day,
            retry,
            request_ids,
            timeout,
            credentials.app_key(),
        )
        .with_interceptors(self.interceptors);
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
