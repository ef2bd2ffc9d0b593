//! `/orders` for more accounts than one request takes.
//!
//! TT's `/orders` is not paged: it answers at most 1000 working orders for at
//! most 50 accounts (facts §2.3, §4.4). [`orders_for_accounts`] splits a longer
//! account list into chunks, halves a chunk whose answer hits the order cap (it may
//! be truncated), and merges the answers, dropping repeated `orderId`s.

use std::collections::HashSet;
use std::future::Future;

use super::error::PaginationError;

/// Most accounts one `/orders` request may name.
pub const MAX_ORDER_ACCOUNTS: usize = 50;

/// Most orders one `/orders` answer holds; an answer this long may be truncated.
pub const MAX_ORDERS_PER_REQUEST: usize = 1000;

/// An order as the merger needs it.
pub trait OrderRecord {
    /// `orderId`, if present; orders without one are all kept.
    fn order_id(&self) -> Option<String>;
}

impl OrderRecord for serde_json::Value {
    fn order_id(&self) -> Option<String> {
        match self.get("orderId")? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// Limits of one `/orders` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrdersLimits {
    /// Accounts per request (TT: 50).
    pub max_accounts: usize,
    /// Orders per answer at which it may be truncated (TT: 1000); `None` trusts every answer.
    pub max_orders: Option<usize>,
}

impl Default for OrdersLimits {
    fn default() -> Self {
        Self {
            max_accounts: MAX_ORDER_ACCOUNTS,
            max_orders: Some(MAX_ORDERS_PER_REQUEST),
        }
    }
}

/// The `accounts` query value for a chunk: ids joined by commas.
pub fn join_ids(ids: &[u64]) -> String {
    let mut out = String::with_capacity(ids.len() * 8);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&id.to_string());
    }
    out
}

/// Working orders of all `accounts`, at most `limits.max_accounts` per request.
///
/// `fetch` gets one chunk of accounts and returns its orders. Chunks are fetched
/// one after another (TT paces requests per key). The result keeps the order of
/// first appearance and each `orderId` once. Errors name `operation`.
pub async fn orders_for_accounts<O, E, F, Fut>(
    operation: &'static str,
    accounts: &[u64],
    limits: OrdersLimits,
    mut fetch: F,
) -> Result<Vec<O>, PaginationError<E>>
where
    O: OrderRecord,
    F: FnMut(Vec<u64>) -> Fut,
    Fut: Future<Output = Result<Vec<O>, E>>,
{
    let mut pending: Vec<Vec<u64>> = accounts
        .chunks(limits.max_accounts.max(1))
        .rev()
        .map(<[u64]>::to_vec)
        .collect();
    let mut merged = Vec::new();
    let mut ids = HashSet::new();
    while let Some(chunk) = pending.pop() {
        let orders = fetch(chunk.clone())
            .await
            .map_err(|source| PaginationError::Fetch { operation, source })?;
        if limits.max_orders.is_some_and(|cap| orders.len() >= cap) {
            if let [account] = chunk[..] {
                return Err(PaginationError::OrdersCapped {
                    operation,
                    account,
                    count: orders.len(),
                });
            }
            // Possibly truncated: ask again for each half.
            let (left, right) = chunk.split_at(chunk.len() / 2);
            pending.push(right.to_vec());
            pending.push(left.to_vec());
            continue;
        }
        for order in orders {
            let repeated = order.order_id().is_some_and(|id| !ids.insert(id));
            if !repeated {
                merged.push(order);
            }
        }
    }
    Ok(merged)
}
