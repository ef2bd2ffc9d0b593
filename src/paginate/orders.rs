//! `/orders` for more accounts than one request takes.
//!
//! TT's `/orders` is not paged: it answers at most 1000 working orders for at
//! most 50 accounts (facts §2.3, §4.4). [`orders_for_accounts`] splits a longer
//! account list into chunks, halves a chunk whose answer hits the order cap (it may
//! be truncated), and merges the answers, dropping repeated `orderId`s.
//! [`orders_stream`] asks for several chunks at once (see
//! [`items_concurrent`](super::items_concurrent) for the rules) and yields
//! the orders in chunk order, so the result is the same as one chunk after
//! another.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::stream::{self, Stream, StreamExt};

use super::concurrent::{CallStream, Concurrency, Concurrent, ConcurrentOptions};
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

/// Working orders of all `accounts`, at most `limits.max_accounts` per request,
/// collected (see [`orders_stream`]).
pub async fn orders_for_accounts<O, E, F, Fut>(
    operation: &'static str,
    accounts: &[u64],
    limits: OrdersLimits,
    options: ConcurrentOptions,
    fetch: F,
) -> Result<Vec<O>, PaginationError<E>>
where
    O: OrderRecord + Send,
    E: Send,
    F: FnMut(Vec<u64>) -> Fut + Send,
    Fut: Future<Output = Result<Vec<O>, E>> + Send,
{
    let mut orders = std::pin::pin!(orders_stream(operation, accounts, limits, options, fetch));
    let mut merged = Vec::new();
    while let Some(order) = orders.next().await {
        merged.push(order?);
    }
    Ok(merged)
}

/// Working orders of all `accounts`, at most `limits.max_accounts` per
/// request, the chunks asked for concurrently (`options`, e.g.
/// `ConcurrentOptions::for_plan(session.plan())`, sizes it).
///
/// `fetch` gets one chunk of accounts and returns its orders; give it the
/// session's rate limiter and retries. Orders come in chunk order, each chunk's
/// in answer order, each `orderId` once (its first appearance): the same as
/// fetching the chunks one after another. A chunk whose answer reaches
/// `limits.max_orders` is asked again in halves, in place. The first error
/// (in chunk order) ends the stream; errors name `operation`.
pub fn orders_stream<'a, O, E, F, Fut>(
    operation: &'static str,
    accounts: &[u64],
    limits: OrdersLimits,
    options: ConcurrentOptions,
    fetch: F,
) -> impl Stream<Item = Result<O, PaginationError<E>>> + Send + 'a
where
    O: OrderRecord + Send + 'a,
    E: Send + 'a,
    F: FnMut(Vec<u64>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<O>, E>> + Send + 'a,
{
    let concurrency = Arc::new(Concurrency::new(&options));
    // Calls only make the request future, never wait under the lock.
    let fetch = Arc::new(Mutex::new(fetch));
    let chunks: Vec<Vec<u64>> = accounts
        .chunks(limits.max_accounts.max(1))
        .map(<[u64]>::to_vec)
        .collect();
    let timer = Arc::clone(&concurrency);
    let calls = chunks.into_iter().map(move |chunk| {
        chunk_orders(
            operation,
            chunk,
            limits,
            Arc::clone(&fetch),
            Arc::clone(&timer),
        )
    });
    let mut ids = HashSet::new();
    Concurrent::new(calls, concurrency).filter(move |order| {
        let repeated = order
            .as_ref()
            .is_ok_and(|o| o.order_id().is_some_and(|id| !ids.insert(id)));
        std::future::ready(!repeated)
    })
}

/// The orders of one chunk: one request, or, for an answer at the cap, the
/// halves of the chunk one after another (depth first, so in account order).
fn chunk_orders<'a, O, E, F, Fut>(
    operation: &'static str,
    chunk: Vec<u64>,
    limits: OrdersLimits,
    fetch: Arc<Mutex<F>>,
    concurrency: Arc<Concurrency>,
) -> CallStream<'a, O, PaginationError<E>>
where
    O: Send + 'a,
    E: Send + 'a,
    F: FnMut(Vec<u64>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Vec<O>, E>> + Send + 'a,
{
    let answers = stream::unfold(vec![chunk], move |mut pending| {
        let (fetch, concurrency) = (Arc::clone(&fetch), Arc::clone(&concurrency));
        async move {
            loop {
                let chunk = pending.pop()?;
                let request = {
                    let mut fetch = fetch.lock().unwrap_or_else(|p| p.into_inner());
                    (*fetch)(chunk.clone())
                };
                let orders = match concurrency.timed(request).await {
                    Ok(orders) => orders,
                    Err(source) => {
                        pending.clear();
                        return Some((Err(PaginationError::Fetch { operation, source }), pending));
                    }
                };
                if limits.max_orders.is_none_or(|cap| orders.len() < cap) {
                    return Some((Ok(orders), pending));
                }
                if let [account] = chunk[..] {
                    pending.clear();
                    let capped = PaginationError::OrdersCapped {
                        operation,
                        account,
                        count: orders.len(),
                    };
                    return Some((Err(capped), pending));
                }
                // Possibly truncated: ask again for each half, left first.
                let (left, right) = chunk.split_at(chunk.len() / 2);
                pending.push(right.to_vec());
                pending.push(left.to_vec());
            }
        }
    });
    answers
        .flat_map(|answer| match answer {
            Ok(orders) => stream::iter(orders.into_iter().map(Ok)).left_stream(),
            Err(e) => stream::once(async { Err(e) }).right_stream(),
        })
        .boxed()
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
            ConcurrentOptions::default(),
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
            ConcurrentOptions::default(),
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
        let err = block_on(orders_for_accounts(
            "get_orders",
            &[7],
            limits,
            ConcurrentOptions::default(),
            |_| async { Ok::<_, String>(vec![order("a", 7), order("b", 7)]) },
        ))
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
