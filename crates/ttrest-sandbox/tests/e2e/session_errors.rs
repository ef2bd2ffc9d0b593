//! Errors in the value, against the sandbox: every failed call, alone or among
//! a thousand, and every typed stream converts to `ttrest::Error` with TT's
//! message, status and its own requestId.

use futures::{StreamExt, TryStreamExt};
use ttrest::paginate::{
    join_ids, orders_for_accounts, ConcurrentOptions, FetchError, FillsQuery, OrdersLimits,
    PaginatedExt, TimePagedExt,
};
use ttrest::{Credentials, Error, Plan, RetryPolicy, Session};
use ttrest_sandbox::{Faults, Sandbox};

fn session(sb: &Sandbox, app: &str, retry: RetryPolicy) -> Session {
    Session::builder()
        .app_name(app)
        .company("tests")
        .root_url(sb.base_url())
        .credentials(Credentials::new(sb.app_key(), sb.app_secret()).unwrap())
        .plan(Plan::Unlimited)
        .retry_policy(retry)
        .build()
        .unwrap()
}

/// A retry budget an outage exhausts at once, and two attempts while
/// throttled (429 retries spend no budget; they have their own limit).
fn small_budget() -> RetryPolicy {
    RetryPolicy {
        budget: 5,
        retry_cost: 5,
        max_retry_after: std::time::Duration::from_secs(5),
        max_throttled_attempts: 2,
        ..RetryPolicy::default()
    }
}

const TOO_MANY_ACCOUNTS: &str = "At most 50 accounts per request";

/// `n` concurrent `/orders` calls naming 51 accounts (TT answers 400), each
/// converted after all complete: how many kept TT's message and their own,
/// distinct requestId from this session.
async fn failing_orders(session: &Session, n: usize) -> (usize, Vec<String>) {
    let accounts = join_ids(&(1..=51).collect::<Vec<u64>>());
    let client = session.ledger();
    let calls = (0..n).map(|_| client.get_orders().accounts(accounts.clone()).send());
    let results = futures::future::join_all(calls).await;
    let mut kept = 0;
    let mut ids = Vec::new();
    for result in results {
        let err = Error::from(result.unwrap_err());
        let message = err.tt_message().and_then(|m| m.text()).map(str::to_string);
        if message.as_deref() == Some(TOO_MANY_ACCOUNTS)
            && err.call().and_then(|c| c.operation.as_deref()) == Some("get_orders")
            && err.status().map(|s| s.as_u16()) == Some(400)
        {
            kept += 1;
        }
        ids.extend(err.request_id().map(str::to_string));
    }
    (kept, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_failures_all_keep_tt_message_and_their_request_id() {
    let sb = Sandbox::builder().accounts(60).start().await.unwrap();
    let session = session(&sb, "thousand", RetryPolicy::default());
    let (kept, ids) = failing_orders(&session, 1000).await;
    println!("{kept} of 1000 keep TT's message");
    assert_eq!(kept, 1000);
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 1000, "each error has its own requestId");
    assert!(ids.iter().all(|id| id.starts_with("thousand-tests--")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_of_two_sessions_at_once_do_not_mix() {
    let sb = Sandbox::builder().accounts(60).start().await.unwrap();
    let (a, b) = (
        session(&sb, "alpha", RetryPolicy::default()),
        session(&sb, "beta", RetryPolicy::default()),
    );
    let ((kept_a, ids_a), (kept_b, ids_b)) =
        tokio::join!(failing_orders(&a, 300), failing_orders(&b, 300));
    assert_eq!((kept_a, kept_b), (300, 300));
    assert!(ids_a.iter().all(|id| id.starts_with("alpha-tests--")));
    assert!(ids_b.iter().all(|id| id.starts_with("beta-tests--")));
}

#[tokio::test]
async fn the_same_error_from_question_mark_and_into_tt() {
    use ttrest::IntoTt;
    let sb = Sandbox::builder().accounts(60).start().await.unwrap();
    let session = session(&sb, "same", RetryPolicy::default());
    let accounts = join_ids(&(1..=51).collect::<Vec<u64>>());
    let plain = Error::from(
        session
            .ledger()
            .get_orders()
            .accounts(accounts.clone())
            .send()
            .await
            .unwrap_err(),
    );
    let into = session
        .ledger()
        .get_orders()
        .accounts(accounts)
        .send()
        .into_tt()
        .await
        .unwrap_err();
    for e in [&plain, &into] {
        assert!(matches!(e, Error::Tt { .. }), "{e:?}");
        assert_eq!(e.tt_message().unwrap().text(), Some(TOO_MANY_ACCOUNTS));
        assert_eq!(e.call().unwrap().service.as_deref(), Some("ttledger"));
    }
    assert_ne!(plain.request_id(), into.request_id());
}

fn is_rate_limited_with_id(e: &Error) -> bool {
    matches!(e, Error::RateLimited { .. }) && e.request_id().is_some_and(|id| id.contains("--"))
}

#[tokio::test]
async fn streams_in_a_429_storm_end_rate_limited_with_a_request_id() {
    let faults: Faults = "429-every=1,retry-after=1".parse().unwrap();
    let sb = Sandbox::builder()
        .fills(10)
        .accounts(3)
        .faults(faults)
        .start()
        .await;
    let sb = sb.unwrap();
    // The token request is throttled too: let its retries through first.
    let s = session(
        &sb,
        "storm",
        RetryPolicy {
            max_throttled_attempts: 3,
            ..RetryPolicy::default()
        },
    );

    let fills = s.ledger();
    let err = fills.get_fills().fills(0).try_collect::<Vec<_>>().await;
    let err = Error::from(err.unwrap_err());
    assert!(is_rate_limited_with_id(&err), "fills: {err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));

    let s = session(&sb, "storm", small_budget());
    let err =
        ttrest::paginate::orders_of_accounts(&s.ledger(), &[1, 2, 3], ConcurrentOptions::default())
            .await
            .unwrap_err();
    let err = Error::from(err);
    assert!(is_rate_limited_with_id(&err), "orders: {err:?}");

    let account = s.account();
    let mut items = std::pin::pin!(account.get_accounts().items());
    let err = Error::from(items.next().await.unwrap().unwrap_err());
    assert!(
        is_rate_limited_with_id(&err),
        "generated paginator: {err:?}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn stream_failures_tt_answered_400_keep_tt_message() {
    let sb = Sandbox::builder()
        .fills(10)
        .accounts(60)
        .start()
        .await
        .unwrap();
    let s = session(&sb, "bad", RetryPolicy::default());
    let ledger = s.ledger();
    let err = ledger.get_fills().fills(-5).try_collect::<Vec<_>>().await;
    let err = Error::from(err.unwrap_err());
    assert!(matches!(err, Error::Tt { .. }), "fills: {err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.tt_message()
            .unwrap()
            .text()
            .unwrap()
            .contains("minTimestamp"),
        "{err}"
    );
    assert!(err.request_id().unwrap().starts_with("bad-tests--"));

    let accounts: Vec<u64> = (1..=60).collect();
    let limits = OrdersLimits {
        max_accounts: 60,
        ..OrdersLimits::default()
    };
    let options = ConcurrentOptions::default();
    let err = orders_for_accounts("get_orders", &accounts, limits, options, |chunk| {
        let ledger = &ledger;
        async move {
            let page = ledger
                .get_orders()
                .accounts(join_ids(&chunk))
                .send()
                .await
                .map_err(FetchError::from)?;
            Ok::<_, FetchError>(page.into_inner().orders.unwrap_or_default())
        }
    })
    .await
    .unwrap_err();
    let err = Error::from(err);
    assert!(matches!(err, Error::Tt { .. }), "orders: {err:?}");
    assert_eq!(err.tt_message().unwrap().text(), Some(TOO_MANY_ACCOUNTS));
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn the_fills_stream_halves_windows_that_time_out() {
    let probe = Sandbox::builder().fills(50).start().await.unwrap();
    let ts = probe.fill_timestamps();
    let (first, last) = (ts[0] as i64, *ts.last().unwrap() as i64);
    probe.shutdown().await;
    for status in [408, 504] {
        // Windows wider than a third of the span time out until halved.
        let spec = format!(
            "timeout-window-ns={},timeout-status={status}",
            (last - first) / 3
        );
        let sb = Sandbox::builder()
            .fills(50)
            .faults(spec.parse().unwrap())
            .start()
            .await
            .unwrap();
        let s = session(&sb, "halve", RetryPolicy::default());
        let query = FillsQuery::new("get_fills", first).max_ts(last);
        let fills: Vec<_> = s
            .ledger()
            .get_fills()
            .fills_query(query)
            .try_collect()
            .await
            .unwrap();
        // Each fill once: sorted ids against the sandbox's own fills.
        let mut got: Vec<String> = fills
            .iter()
            .map(|f| f.record_id.clone().expect("a recordId"))
            .collect();
        got.sort_unstable();
        let mut want: Vec<String> = sb
            .fill_records()
            .iter()
            .map(|f| f["recordId"].as_str().unwrap().to_string())
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "{status}");
        // (That a window's 408/504 is not retried is tested in
        // `session_retries` and on the paused clock in `transport::tests`.)
        assert!(
            sb.counters().timeouts > 0,
            "{status}: some windows timed out"
        );
    }
}
