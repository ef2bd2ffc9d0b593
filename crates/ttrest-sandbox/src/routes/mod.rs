//! The HTTP surface: TT's gateway rules (service case, environments, `x-api-key`,
//! rate limit, bearer, `requestId`, injected faults) in one middleware, then one
//! module of handlers per service.

/// Declares a service module's `ROUTES`: `get "/ttx/{env}/path" => handler, ...`.
macro_rules! routes {
    ($($method:ident $path:literal => $handler:path),* $(,)?) => {
        /// Every endpoint this module serves: `(method, path, adder)`.
        pub(crate) const ROUTES: &[(&str, &str, super::RouteAdder)] = &[
            $((stringify!($method), $path, |r| r.route($path, axum::routing::$method($handler)))),*
        ];
    };
}

mod gateway;
mod spec;
mod ttaccount;
mod ttbacktest;
mod ttid;
pub(crate) mod ttledger;
mod ttmonitor;
mod ttpds;
mod ttsetup;
mod ttuser;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;

use super::auth::Tokens;
use super::counters::Counters;
use super::envelope;
use super::faults::{Faults, Schedule};
use super::paging;
use super::quota::DayCounts;
use super::rate::RateLimiter;
use super::request_id::Seen;
use super::store::Store;

pub(crate) use gateway::Origin;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) tokens: Tokens,
    pub(crate) request_ids: Seen,
    pub(crate) schedule: Schedule,
    pub(crate) rate: Option<RateLimiter>,
    pub(crate) days: DayCounts,
    pub(crate) counters: Counters,
    pub(crate) store: Store,
    pub(crate) page_size: usize,
    pub(crate) fills_page_size: usize,
    pub(crate) other_origin: String,
    pub(crate) backtests: Mutex<Vec<ttbacktest::Backtest>>,
}

impl State {
    pub(crate) fn new(
        tokens: Tokens,
        store: Store,
        faults: Faults,
        page_size: usize,
        fills_page_size: usize,
        other_origin: String,
        utc_start: std::time::SystemTime,
    ) -> Self {
        Self {
            tokens,
            request_ids: Seen::default(),
            days: DayCounts::new(faults.day_cap(), utc_start),
            rate: faults.plan.map(|p| RateLimiter::new(p.per_second())),
            schedule: Schedule::new(faults),
            counters: Counters::default(),
            store,
            page_size,
            fills_page_size,
            other_origin,
            backtests: Mutex::new(Vec::new()),
        }
    }

    /// One `nextPageKey` page of `items` under `key`, as TT's envelope.
    pub(crate) fn paged<T>(
        &self,
        key: &str,
        items: &[T],
        query: &Params,
        to_json: impl Fn(&T) -> serde_json::Value,
    ) -> Response {
        self.paged_with(key, items, query, serde_json::Map::new(), to_json)
    }

    /// [`paged`](Self::paged) with `extra` top-level fields beside the list.
    pub(crate) fn paged_with<T>(
        &self,
        key: &str,
        items: &[T],
        query: &Params,
        extra: serde_json::Map<String, serde_json::Value>,
        to_json: impl Fn(&T) -> serde_json::Value,
    ) -> Response {
        match paging::page(
            items,
            query.get("nextPageKey").map(String::as_str),
            self.page_size,
        ) {
            Ok((slice, next)) => {
                envelope::page(key, slice.iter().map(to_json).collect(), next, extra)
            }
            Err(paging::BadKey) => envelope::failed(
                StatusCode::BAD_REQUEST,
                "Invalid nextPageKey: pass back the nextPageKey of the previous page unchanged",
            ),
        }
    }
}

/// Shared state as handlers receive it.
pub(crate) type Shared = axum::extract::State<Arc<State>>;
/// Query parameters as handlers receive them.
pub(crate) type Params = HashMap<String, String>;
/// The query extractor.
pub(crate) type Q = Query<Params>;

/// Builds the router for one listener. Routes are explicit per service; endpoints
/// in the compiled-in specs that no module serves get a schema-shaped answer.
pub(crate) fn router(state: Arc<State>, origin: Origin) -> Router {
    let mut served = Vec::new();
    let mut router = Router::new();
    for (method, path, add) in all_routes() {
        served.push((method, path));
        router = add(router);
    }
    router = spec::add_unserved(router, &served);
    router
        .route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), origin),
            gateway::gateway,
        ))
        .fallback(gateway::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            gateway::outer,
        ))
        .with_state(state)
}

/// `(method, "/service/{env}/path", adder)` for every explicitly served endpoint.
pub(crate) type RouteAdder = fn(Router<Arc<State>>) -> Router<Arc<State>>;

fn all_routes() -> Vec<(&'static str, &'static str, RouteAdder)> {
    [
        ttid::ROUTES,
        ttpds::ROUTES,
        ttledger::ROUTES,
        ttmonitor::ROUTES,
        ttaccount::ROUTES,
        ttuser::ROUTES,
        ttsetup::ROUTES,
        ttbacktest::ROUTES,
    ]
    .concat()
}

/// Why a handler refuses a request, answered in the services' own dialect.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// A parameter is malformed: 400 `{"status":"Failed", "status_message"}`.
    Invalid(String),
    /// An id names nothing: 404 `{"status":"Fail", "status_message"}`.
    Missing { what: &'static str, id: String },
}

impl Refusal {
    pub(crate) fn missing(what: &'static str, id: &str) -> Self {
        Refusal::Missing {
            what,
            id: id.to_string(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Invalid(message) => envelope::failed(StatusCode::BAD_REQUEST, &message),
            Refusal::Missing { what, id } => not_found(what, &id),
        }
    }
}

/// Parses a numeric query or path value, or explains which one is wrong.
pub(crate) fn number(name: &str, value: &str) -> Result<u64, Refusal> {
    value.trim().parse().map_err(|_| {
        Refusal::Invalid(format!(
            "Invalid {name} `{value}`: expected an unsigned integer"
        ))
    })
}

/// Parses a comma-separated list of ids (`accountIds=1,2`), empty for none.
pub(crate) fn id_list(name: &str, value: Option<&String>) -> Result<Vec<u64>, Refusal> {
    value
        .map(|v| {
            v.split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| number(name, s))
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// The answer for an id that names nothing: TT's `status: "Fail"` (TTR saw it).
pub(crate) fn not_found(what: &str, id: &str) -> Response {
    let body =
        serde_json::json!({ "status": "Fail", "status_message": format!("{what} {id} not found") });
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// Builds a generated (spec-derived) record from its builder and serializes it.
/// A builder the spec's types refuse is a sandbox bug, so it panics loudly.
pub(crate) fn to_json<T, B>(builder: B) -> serde_json::Value
where
    T: TryFrom<B> + serde::Serialize,
    T::Error: std::fmt::Display,
{
    match T::try_from(builder) {
        Ok(record) => serde_json::to_value(record).expect("generated types serialize to JSON"),
        Err(e) => panic!("sandbox built a record the spec refuses: {e}"),
    }
}
