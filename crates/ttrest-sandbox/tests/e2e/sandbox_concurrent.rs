//! Independent calls at once against the sandbox: `/orders` chunks and one
//! positions call per account give exactly the records of running them one
//! after another, in the same order, through 429s and 5xx answers; the plan's
//! rate is kept; failures end the stream as `ttrest::Error` with status and
//! requestId.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use ttrest::paginate::{
    items_concurrent, orders_of_accounts, ConcurrentOptions, PaginatedExt, PaginationError,
};
use ttrest::{Credentials, Error, Plan, RetryPolicy, Session};
use ttrest_sandbox::{Faults, RatePlan, Sandbox};

fn session(sb: &Sandbox, plan: Plan, retry: RetryPolicy) -> Session {
    Session::builder()
        .app_name("concurrent")
        .company("tests")
        .root_url(sb.base_url())
        .credentials(Credentials::new(sb.app_key(), sb.app_secret()).unwrap())
        .plan(plan)
        .retry_policy(retry)
        .build()
        .unwrap()
}

async fn sandbox(accounts: usize, faults: Faults) -> Sandbox {
    Sandbox::builder()
        .accounts(accounts)
        .orders(3_000)
        .fills(10)
        .faults(faults)
        .start()
        .await
        .unwrap()
}

async fn account_ids(s: &Session) -> Vec<u64> {
    let accounts = s.account().get_accounts().collect_all().await.unwrap();
    accounts
        .iter()
        .filter_map(|a| a.id.and_then(|id| u64::try_from(id).ok()))
        .collect()
}

/// Retries enough for every injected fault: a call may meet several in a row.
fn patient() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 8,
        initial_backoff: Duration::from_millis(10),
        budget: 100_000,
        ..RetryPolicy::default()
    }
}

fn one_at_a_time() -> ConcurrentOptions {
    ConcurrentOptions {
        max_concurrency: 1,
        ..ConcurrentOptions::default()
    }
}

fn order_ids(orders: &[ttrest::ttledger::types::Order]) -> Vec<String> {
    orders.iter().map(|o| o.order_id.clone().unwrap()).collect()
}

#[tokio::test]
async fn orders_of_500_accounts_at_once_match_one_chunk_after_another_through_faults() {
    // Every 7th request a 429 (retried after 1 s), every 5th a 503.
    let faults: Faults = "429-every=7,5xx-every=5".parse().unwrap();
    let sb = sandbox(500, faults).await;
    let s = session(&sb, Plan::Unlimited, patient());
    let accounts = account_ids(&s).await;
    assert_eq!(accounts.len(), 500);
    let sequential = orders_of_accounts(&s.ledger(), &accounts, one_at_a_time())
        .await
        .unwrap();
    let options = ConcurrentOptions::for_plan(Plan::Unlimited);
    let concurrent = orders_of_accounts(&s.ledger(), &accounts, options)
        .await
        .unwrap();
    assert!(sequential.len() > 1_000, "{}", sequential.len());
    assert_eq!(order_ids(&concurrent), order_ids(&sequential));
    let faults = sb.counters();
    assert!(
        faults.throttled > 0 && faults.server_errors > 0,
        "{faults:?}"
    );
}

#[tokio::test]
async fn orders_at_once_keep_the_plan_rate_and_cause_no_429() {
    let faults = Faults::default()
        .rate_plan(RatePlan::Medium)
        .latency(Duration::from_millis(30));
    let sb = sandbox(500, faults).await;
    let s = session(&sb, Plan::Medium, RetryPolicy::default());
    let accounts = account_ids(&s).await;
    let options = ConcurrentOptions::for_plan(Plan::Medium);
    for _ in 0..3 {
        let orders = orders_of_accounts(&s.ledger(), &accounts, options)
            .await
            .unwrap();
        assert!(!orders.is_empty());
    }
    assert_eq!(
        sb.counters().throttled,
        0,
        "the session's limiter paces all"
    );
}

#[tokio::test]
async fn a_failed_chunk_ends_orders_as_an_error_with_status_and_request_id() {
    let faults: Faults = "5xx-every=4,5xx-status=502".parse().unwrap();
    let sb = sandbox(500, faults).await;
    let s = session(&sb, Plan::Unlimited, RetryPolicy::default());
    let accounts = account_ids(&s).await;
    let never = session(&sb, Plan::Unlimited, RetryPolicy::disabled());
    let options = ConcurrentOptions::for_plan(Plan::Unlimited);
    let err = orders_of_accounts(&never.ledger(), &accounts, options)
        .await
        .unwrap_err();
    let err = Error::from(err);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502), "{err:?}");
    assert_eq!(
        err.call().and_then(|c| c.operation.as_deref()),
        Some("get_orders")
    );
    assert!(err.request_id().unwrap().starts_with("concurrent-tests--"));
}

#[tokio::test]
async fn positions_per_account_at_once_match_each_call_in_turn() {
    let faults: Faults = "429-every=11,5xx-every=7".parse().unwrap();
    let sb = sandbox(40, faults).await;
    let s = session(&sb, Plan::Unlimited, patient());
    let accounts = account_ids(&s).await;
    let monitor = s.monitor();
    let calls = || {
        accounts
            .iter()
            .map(|a| monitor.get_position_by_account_id().account_id(*a as i64))
    };
    let mut sequential = Vec::new();
    for call in calls() {
        sequential.extend(call.collect_all().await.unwrap());
    }
    let options = ConcurrentOptions::for_plan(Plan::Unlimited);
    let concurrent: Vec<_> = items_concurrent(calls().collect::<Vec<_>>(), options)
        .try_collect()
        .await
        .unwrap();
    assert!(!sequential.is_empty());
    let json = |p: &[ttrest::ttmonitor::types::Position]| serde_json::to_string(p).unwrap();
    assert_eq!(json(&concurrent), json(&sequential));
    let faults = sb.counters();
    assert!(
        faults.throttled > 0 && faults.server_errors > 0,
        "{faults:?}"
    );
}

#[tokio::test]
async fn a_failed_positions_call_ends_the_stream_in_order_with_its_request_id() {
    let sb = sandbox(10, Faults::default()).await;
    let s = session(&sb, Plan::Unlimited, RetryPolicy::default());
    let mut accounts = account_ids(&s).await;
    // An account the sandbox does not know, after the first two.
    accounts.insert(2, 1);
    let monitor = s.monitor();
    let calls: Vec<_> = accounts
        .iter()
        .map(|a| monitor.get_position_by_account_id().account_id(*a as i64))
        .collect();
    let mut expected = 0;
    for call in &calls[..2] {
        expected += call.clone().collect_all().await.unwrap().len();
    }
    let items: Vec<_> = items_concurrent(calls, ConcurrentOptions::default())
        .collect()
        .await;
    assert_eq!(
        items.len(),
        expected + 1,
        "the first two calls' items, then the error"
    );
    let err = match items.into_iter().last().unwrap() {
        Err(e @ PaginationError::Fetch { .. }) => Error::from(e),
        other => panic!("expected the failed call, got {other:?}"),
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    assert!(err.request_id().unwrap().starts_with("concurrent-tests--"));
}
