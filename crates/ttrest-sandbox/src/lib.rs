//! A local TT REST 2.0 server for offline development, tests and demos.
//!
//! [`Sandbox`] is a real HTTP server (axum on tokio) that answers like
//! `https://ttrestapi.trade.tt`: the same paths (`/<service>/<env>/...` for
//! `ext_uat_cert`, `ext_prod_live` and `ext_prod_sim`), the same token exchange,
//! headers, `requestId` rules, paging, envelopes and error dialects, over
//! deterministic data generated from a seed. Faults (429s, 5xx, time-outs,
//! redirects, truncated JSON, expiring tokens, rate limits) can be injected, and
//! [`counters`](Sandbox::counters) tell a test what the server saw.
//! Token lifetimes, rate buckets and injected latency run on tokio's clock, so
//! a test on a paused clock (`#[tokio::test(start_paused = true)]`) decides
//! when they pass.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ttrest_sandbox::SandboxError> {
//! use ttrest_sandbox::{Faults, Sandbox};
//! let sandbox = Sandbox::builder()
//!     .seed(7)
//!     .fills(10_000)
//!     .faults(Faults::none().every_429(5))
//!     .start()
//!     .await?;
//! let ledger = format!("{}/ttledger/ext_uat_cert", sandbox.base_url());
//! # let _ = ledger;
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Defaults: app key [`DEFAULT_APP_KEY`], secret [`DEFAULT_APP_SECRET`], 12 h
//! tokens, seed 0, 10,000 fills, 500 records per page, no faults, memory only.

mod auth;
mod counters;
mod data;
mod envelope;
mod faults;
mod paging;
mod quota;
mod rate;
mod request_id;
mod routes;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::{DEFAULT_APP_KEY, DEFAULT_APP_SECRET, DEFAULT_TOKEN_LIFETIME};
pub use counters::CounterSnapshot;
pub use faults::{Faults, ParseFaultsError, RatePlan, Redirect};
pub use store::StoreError;

use auth::{Credentials, Tokens};
use data::{Size, World};
use routes::{Origin, State};

/// The TT environments a sandbox serves, as they appear in URLs.
pub const ENVIRONMENTS: &[&str] = &["ext_uat_cert", "ext_prod_live", "ext_prod_sim"];

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A listener could not be bound.
    #[error("sandbox: cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SQLite store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Configures and starts a [`Sandbox`]. Every setting has a documented default.
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    addr: SocketAddr,
    seed: u64,
    size: Size,
    page_size: usize,
    fills_page_size: usize,
    credentials: Credentials,
    more_keys: Vec<Credentials>,
    token_lifetime: Duration,
    faults: Faults,
    sqlite: Option<PathBuf>,
    utc_start: Option<SystemTime>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 0,
            size: Size {
                fills: 10_000,
                accounts: 25,
                users: 8,
                orders: 200,
            },
            page_size: 500,
            fills_page_size: 500,
            credentials: Credentials::default(),
            more_keys: Vec::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            faults: Faults::none(),
            sqlite: None,
            utc_start: None,
        }
    }
}

impl SandboxBuilder {
    /// Where to listen; `127.0.0.1:0` (a free port) by default.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }
    /// The seed all data derives from; 0 by default.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// How many fills to generate; 10,000 by default (a million is fine).
    pub fn fills(mut self, count: usize) -> Self {
        self.size.fills = count;
        self
    }
    /// How many accounts to generate (1 to 65535); 25 by default.
    pub fn accounts(mut self, count: usize) -> Self {
        self.size.accounts = count;
        self
    }
    /// How many users to generate (1 to 65535); 8 by default.
    pub fn users(mut self, count: usize) -> Self {
        self.size.users = count;
        self
    }
    /// How many working orders to generate; 200 by default.
    pub fn orders(mut self, count: usize) -> Self {
        self.size.orders = count;
        self
    }
    /// Records per page of `nextPageKey`-paged lists; 500 ("around 500") by default.
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }
    /// Fills per `/fills` answer; TT's 500 by default.
    pub fn fills_page_size(mut self, size: usize) -> Self {
        self.fills_page_size = size.max(1);
        self
    }
    /// The app key and secret to accept instead of the defaults. The secret
    /// may be bare or in TT's `<key>:<secret>` form, as everywhere else.
    pub fn credentials(
        mut self,
        app_key: impl Into<String>,
        app_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Credentials::new(app_key.into(), app_secret.into());
        self
    }
    /// Another app key (and its secret) to accept besides the sandbox's own,
    /// e.g. to see that a usage plan's rate limit is kept per key.
    pub fn also_accept(
        mut self,
        app_key: impl Into<String>,
        app_secret: impl Into<String>,
    ) -> Self {
        self.more_keys
            .push(Credentials::new(app_key.into(), app_secret.into()));
        self
    }
    /// How long issued tokens live; 12 hours by default.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }
    /// The sandbox's UTC time at start (default: the system clock's). Its
    /// clock then runs on tokio's time, so a test on tokio's paused clock
    /// crosses UTC midnight (and the daily cap's reset) by advancing it.
    pub fn utc_start(mut self, at: SystemTime) -> Self {
        self.utc_start = Some(at);
        self
    }

    /// Faults to inject; none by default.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }
    /// Persist added fills in this SQLite file (created if missing); memory only by default.
    pub fn sqlite(mut self, path: impl Into<PathBuf>) -> Self {
        self.sqlite = Some(path.into());
        self
    }

    /// A short description of the generated world, stored in SQLite files.
    fn fingerprint(&self) -> String {
        let s = &self.size;
        format!(
            "seed={},fills={},accounts={},users={},orders={}",
            self.seed, s.fills, s.accounts, s.users, s.orders
        )
    }

    /// Generates the data, binds both listeners and starts serving in the background.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let main = bind(self.addr).await?;
        let other = bind(SocketAddr::new(self.addr.ip(), 0)).await?;
        let base_url = url_of(&main, self.addr)?;
        let other_url = url_of(&other, self.addr)?;
        let world = World::generate(self.seed, self.size);
        let store = match &self.sqlite {
            Some(path) => store::Store::sqlite(world, path, &self.fingerprint())?,
            None => store::Store::memory(world),
        };
        let tokens = self.more_keys.iter().cloned().fold(
            Tokens::new(
                self.credentials.clone(),
                self.token_lifetime,
                self.faults.token_expiry_after,
            ),
            Tokens::also_accept,
        );
        let state = Arc::new(State::new(
            tokens,
            store,
            self.faults.clone(),
            self.page_size,
            self.fills_page_size,
            other_url.clone(),
            self.utc_start.unwrap_or_else(SystemTime::now),
        ));
        let (stop_main, main_task) = serve(main, routes::router(state.clone(), Origin::Main));
        let (stop_other, other_task) = serve(other, routes::router(state.clone(), Origin::Other));
        Ok(Sandbox {
            base_url,
            other_url,
            credentials: self.credentials,
            state,
            stops: vec![stop_main, stop_other],
            tasks: vec![main_task, other_task],
        })
    }

    /// Starts on `addr` and serves until Ctrl-C (what `ttrest sandbox` runs).
    pub async fn run(self, addr: SocketAddr) -> Result<(), SandboxError> {
        self.addr(addr).start().await?.wait_for_ctrl_c().await;
        Ok(())
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SandboxError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind { addr, source })
}

fn url_of(listener: &TcpListener, asked: SocketAddr) -> Result<String, SandboxError> {
    let local = listener.local_addr().map_err(|source| SandboxError::Bind {
        addr: asked,
        source,
    })?;
    Ok(format!("http://{local}"))
}

fn serve(listener: TcpListener, router: axum::Router) -> (oneshot::Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            // Stop on an explicit signal or when the handle is dropped.
            let _ = stopped.await;
        };
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await;
    });
    (stop, task)
}

/// A running sandbox. Dropping it stops the server; [`shutdown`](Self::shutdown)
/// also waits until it has stopped.
pub struct Sandbox {
    base_url: String,
    other_url: String,
    credentials: Credentials,
    state: Arc<State>,
    stops: Vec<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("other_origin_url", &self.other_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder with the defaults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with every default (see [`SandboxBuilder`]).
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::builder().start().await
    }

    /// The root `<service>/<env>` is appended to, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The base URL of one service in one environment, e.g. `.../ttledger/ext_uat_cert`.
    pub fn service_url(&self, service: &str, environment: &str) -> String {
        format!("{}/{service}/{environment}", self.base_url)
    }

    /// The second listener, target of cross-origin redirects.
    pub fn other_origin_url(&self) -> &str {
        &self.other_url
    }

    /// The app key the sandbox accepts.
    pub fn app_key(&self) -> &str {
        &self.credentials.key
    }

    /// The app secret the sandbox accepts (for tests and the CLI banner only).
    pub fn app_secret(&self) -> &str {
        &self.credentials.secret
    }

    /// The faults in force, as a `--faults` string.
    pub fn faults(&self) -> String {
        self.state.schedule.faults().to_string()
    }

    /// What the sandbox has seen and done so far.
    pub fn counters(&self) -> CounterSnapshot {
        self.state.counters.snapshot()
    }

    /// How many fills the sandbox holds now (generated plus added).
    pub fn fill_count(&self) -> usize {
        self.state.store.read().fills.len()
    }

    /// Every fill timestamp in serving order (epoch ns), so tests can find clusters
    /// that straddle a page boundary and check what a client collected.
    pub fn fill_timestamps(&self) -> Vec<u64> {
        self.state.store.read().fills.iter().map(|f| f.ts).collect()
    }

    /// Every bearer token the sandbox has issued, so tests can check that a
    /// client never shows one.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.tokens.issued()
    }

    /// Every account's id, as `/accounts` serves them.
    pub fn account_ids(&self) -> Vec<u64> {
        let world = self.state.store.read();
        world.accounts.iter().map(|a| u64::from(a.id)).collect()
    }

    /// Every working order's `orderId`, as `/orders` serves them.
    pub fn order_ids(&self) -> Vec<String> {
        let world = self.state.store.read();
        world
            .orders
            .iter()
            .map(|o| routes::ttledger::order_id(&world, o.seq))
            .collect()
    }

    /// Every fill as `/fills` serves it (TT's JSON), in serving order, so tests
    /// can compare what a client stored with the source, id by id.
    pub fn fill_records(&self) -> Vec<serde_json::Value> {
        let world = self.state.store.read();
        world
            .fills
            .iter()
            .map(|f| routes::ttledger::fill_json(&world, f))
            .collect()
    }

    /// Stops both listeners and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }

    /// Serves until Ctrl-C, then shuts down.
    pub async fn wait_for_ctrl_c(self) {
        let _ = tokio::signal::ctrl_c().await;
        self.shutdown().await;
    }
}

/// Runs a default sandbox on `addr` until Ctrl-C.
pub async fn run(addr: SocketAddr) -> Result<(), SandboxError> {
    SandboxBuilder::default().run(addr).await
}
