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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use serde_json::{json, Value};

    fn order(id: &str, account: u64) -> Value {
        json!({"orderId": id, "accountId": account})
    }

    #[test]
    fn splits_120_accounts_into_three_requests_and_merges() {
        let accounts: Vec<u64> = (1..=120).collect();
        let mut calls = Vec::new();
        let orders = block_on(orders_for_accounts(
            "get_orders",
            &accounts,
            OrdersLimits::default(),
            |chunk: Vec<u64>| {
                calls.push(chunk.clone());
                // Every account has one order; account 50's order also shows up with 51's.
                let mut page: Vec<Value> =
                    chunk.iter().map(|a| order(&format!("o{a}"), *a)).collect();
                if chunk.contains(&51) {
                    page.push(order("o50", 50));
                }
                async move { Ok::<_, String>(page) }
            },
        ))
        .unwrap();
        assert_eq!(calls.len(), 3);
        assert!(calls.iter().all(|c| c.len() <= MAX_ORDER_ACCOUNTS));
        assert_eq!(
            calls.concat(),
            accounts,
            "every account asked once, in order"
        );
        assert_eq!(orders.len(), 120, "o50 is kept once");
        assert_eq!(orders[0]["orderId"], "o1");
    }

    #[test]
    fn a_capped_answer_is_split_until_it_fits() {
        let accounts: Vec<u64> = (1..=4).collect();
        let limits = OrdersLimits {
            max_accounts: 50,
            max_orders: Some(5),
        };
        let mut calls = 0;
        let orders = block_on(orders_for_accounts(
            "get_orders",
            &accounts,
            limits,
            |chunk: Vec<u64>| {
                calls += 1;
                // Two orders per account, truncated at the cap like the server would.
                let page: Vec<Value> = chunk
                    .iter()
                    .flat_map(|a| [order(&format!("{a}a"), *a), order(&format!("{a}b"), *a)])
                    .take(5)
                    .collect();
                async move { Ok::<_, String>(page) }
            },
        ))
        .unwrap();
        assert_eq!(orders.len(), 8);
        assert_eq!(calls, 3, "4 accounts capped, then 2 + 2");
    }

    #[test]
    fn one_account_at_the_cap_is_an_error() {
        let limits = OrdersLimits {
            max_accounts: 50,
            max_orders: Some(2),
        };
        let err = block_on(orders_for_accounts("get_orders", &[7], limits, |_| async {
            Ok::<_, String>(vec![order("a", 7), order("b", 7)])
        }))
        .unwrap_err();
        assert!(matches!(
            err,
            PaginationError::OrdersCapped {
                account: 7,
                count: 2,
                ..
            }
        ));
    }

    #[test]
    fn joins_ids_with_commas() {
        assert_eq!(join_ids(&[1, 22, 333]), "1,22,333");
        assert_eq!(join_ids(&[]), "");
    }
}
