//! A TT-like `/fills` endpoint on 127.0.0.1 with seeded faults, and a client fetch
//! function for `ttrest::paginate::fills_stream`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use ttrest::paginate::{FetchStatus, FillsWindow};

/// One fill on the server.
#[derive(Clone, Debug)]
pub struct ServerFill {
    pub id: u64,
    pub ts: i64,
    pub account: u64,
}

impl ServerFill {
    fn to_json(&self) -> Value {
        // Half the fills send timeStamp as a string, as TT sometimes does.
        let ts = if self.id.is_multiple_of(2) {
            json!(self.ts)
        } else {
            json!(self.ts.to_string())
        };
        json!({
            "recordId": format!("rec-{}", self.id),
            "timeStamp": ts,
            "accountId": self.account,
            "lastPx": 101.25,
            "lastQty": 1,
            "side": 1,
        })
    }
}

/// Seeded faults: time-outs on wide windows and 429s.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    pub seed: u64,
    /// Probability (per mille) of a 408/504 on a window wider than `timeout_wider_than`.
    pub timeout_permille: u64,
    pub timeout_wider_than: i64,
    /// Probability (per mille) of a 429.
    pub throttle_permille: u64,
}

#[derive(Default)]
pub struct Ledger {
    /// Sorted by `ts`.
    pub fills: Mutex<Vec<ServerFill>>,
    pub faults: Mutex<Faults>,
    pub page_size: AtomicU64,
    pub requests: AtomicU64,
}

pub struct Server {
    pub url: String,
    pub ledger: Arc<Ledger>,
}

impl Server {
    pub async fn start() -> Server {
        let ledger = Arc::new(Ledger::default());
        ledger.page_size.store(500, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/fills", axum::routing::get(fills))
            .with_state(Arc::clone(&ledger));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Server { url, ledger }
    }

    pub fn set(&self, mut fills: Vec<ServerFill>, faults: Faults) {
        fills.sort_by_key(|f| f.ts);
        *self.ledger.fills.lock().unwrap() = fills;
        *self.ledger.faults.lock().unwrap() = faults;
    }
}

/// splitmix64: a deterministic per-request random number.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

async fn fills(
    State(ledger): State<Arc<Ledger>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let n = ledger.requests.fetch_add(1, Ordering::SeqCst);
    let int = |name: &str| q.get(name).map(|v| v.parse::<i64>().unwrap());
    let (min, max, account) = (
        int("minTimestamp").unwrap_or(0),
        int("maxTimestamp"),
        int("accountId"),
    );
    let faults = *ledger.faults.lock().unwrap();
    let roll = mix(faults.seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    if roll % 1000 < faults.throttle_permille {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"message": "Too Many Requests"})),
        )
            .into_response();
    }
    let wide = max.is_none_or(|max| max.saturating_sub(min) > faults.timeout_wider_than);
    if wide && (roll >> 20) % 1000 < faults.timeout_permille {
        let status = if roll.is_multiple_of(2) {
            StatusCode::REQUEST_TIMEOUT
        } else {
            StatusCode::GATEWAY_TIMEOUT
        };
        return (
            status,
            Json(json!({"message": "Endpoint request timed out"})),
        )
            .into_response();
    }
    let page_size = ledger.page_size.load(Ordering::SeqCst) as usize;
    let page: Vec<Value> = ledger
        .fills
        .lock()
        .unwrap()
        .iter()
        .filter(|f| f.ts >= min && max.is_none_or(|max| f.ts <= max))
        .filter(|f| account.is_none_or(|a| f.account as i64 == a))
        .take(page_size)
        .map(ServerFill::to_json)
        .collect();
    Json(json!({"status": "Ok", "lastPage": "true", "fills": page})).into_response()
}

/// A failed request as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HTTP {0}")]
    Status(u16),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
}

impl FetchStatus for ClientError {
    fn status_code(&self) -> Option<u16> {
        match self {
            Self::Status(code) => Some(*code),
            Self::Http(e) => e.status().map(|s| s.as_u16()),
        }
    }
}

/// One `/fills` request; retries 429 (the session layer's job in the real client).
pub async fn fetch(
    http: reqwest::Client,
    url: String,
    window: FillsWindow,
) -> Result<Vec<Value>, ClientError> {
    let mut query = vec![("minTimestamp", window.min_ts.to_string())];
    if let Some(max) = window.max_ts {
        query.push(("maxTimestamp", max.to_string()));
    }
    if let Some(account) = window.filter.account_id {
        query.push(("accountId", account.to_string()));
    }
    for _ in 0..50 {
        let response = http
            .get(format!("{url}/fills"))
            .query(&query)
            .send()
            .await?;
        match response.status().as_u16() {
            200 => {
                let body: Value = response.json().await?;
                return Ok(serde_json::from_value(body["fills"].clone()).unwrap());
            }
            429 => continue,
            code => return Err(ClientError::Status(code)),
        }
    }
    Err(ClientError::Status(429))
}

/// TT's own recipe (TT_Samples fill_download.py): after a page, ask again from
/// the last timeStamp + 1 ns; stop at a page shorter than 500.
pub async fn naive_fills(
    http: &reqwest::Client,
    url: &str,
    min_ts: i64,
    max_ts: Option<i64>,
) -> Vec<Value> {
    let mut all = Vec::new();
    let mut min = min_ts;
    loop {
        let window = FillsWindow {
            min_ts: min,
            max_ts,
            filter: Default::default(),
        };
        let page = fetch(http.clone(), url.to_string(), window).await.unwrap();
        let len = page.len();
        let last = page.last().map(ts_of);
        all.extend(page);
        match last {
            Some(last) if len >= 500 => min = last + 1,
            _ => return all,
        }
    }
}

pub fn ts_of(fill: &Value) -> i64 {
    match &fill["timeStamp"] {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_i64().unwrap(),
    }
}

pub fn id_of(fill: &Value) -> String {
    fill["recordId"].as_str().unwrap().to_string()
}
