//! An in-memory TT-like fills endpoint for the unit tests.

use std::sync::{Arc, Mutex};

use futures::future::{self, Ready};
use serde_json::{json, Value};

use super::error::FetchStatus;
use super::fills::FillsWindow;

/// A failed fake request: its HTTP status.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {0}")]
pub(crate) struct Status(pub(crate) u16);

impl FetchStatus for Status {
    fn status_code(&self) -> Option<u16> {
        Some(self.0)
    }
}

/// A fill with a record id, account and product.
pub(crate) fn fill(id: usize, ts: i64, account: u64, product: u64) -> Value {
    json!({"recordId": format!("f{id}"), "timeStamp": ts, "accountId": account, "productId": product})
}

/// Serves `/fills` like TT: at most `page_size` fills in the window, oldest first.
#[derive(Clone)]
pub(crate) struct FakeLedger {
    pub(crate) fills: Arc<Mutex<Vec<Value>>>,
    pub(crate) page_size: usize,
    /// Windows wider than this (or open-ended) answer 504.
    pub(crate) timeout_wider_than: Option<i64>,
    pub(crate) requests: Arc<Mutex<Vec<FillsWindow>>>,
}

impl FakeLedger {
    pub(crate) fn new(fills: Vec<Value>) -> Self {
        Self {
            fills: Arc::new(Mutex::new(fills)),
            page_size: 500,
            timeout_wider_than: None,
            requests: Arc::default(),
        }
    }

    pub(crate) fn add(&self, more: impl IntoIterator<Item = Value>) {
        self.fills.lock().unwrap().extend(more);
    }

    pub(crate) fn fetch(&self, window: FillsWindow) -> Ready<Result<Vec<Value>, Status>> {
        self.requests.lock().unwrap().push(window.clone());
        if let Some(limit) = self.timeout_wider_than {
            if window.max_ts.is_none_or(|max| max - window.min_ts > limit) {
                return future::ready(Err(Status(504)));
            }
        }
        let matches = |f: &&Value| {
            let ts = f["timeStamp"].as_i64().unwrap();
            ts >= window.min_ts
                && window.max_ts.is_none_or(|max| ts <= max)
                && window.filter.account_id.is_none_or(|a| f["accountId"] == a)
                && window.filter.product_id.is_none_or(|p| f["productId"] == p)
        };
        let mut page: Vec<Value> = self
            .fills
            .lock()
            .unwrap()
            .iter()
            .filter(matches)
            .cloned()
            .collect();
        page.sort_by_key(|f| f["timeStamp"].as_i64());
        page.truncate(self.page_size);
        future::ready(Ok(page))
    }
}
