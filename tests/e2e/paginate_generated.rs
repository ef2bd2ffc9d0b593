//! The generated clients' pagination end to end: a `ttrest::Session` against an
//! in-process TT look-alike on 127.0.0.1 (token exchange, key-paged `/accounts`
//! and `/users`, time-paged `/fills`, `/orders` with a 50-account limit).

#![cfg(all(feature = "ttaccount", feature = "ttuser", feature = "ttledger"))]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use futures::StreamExt;
use serde_json::{json, Value};
use ttrest::paginate::{
    orders_of_accounts, ConcurrentOptions, FillsQuery, PaginatedExt, PaginationError, TimePagedExt,
};

type Params = Query<HashMap<String, String>>;

#[derive(Default)]
struct Seen {
    account_pages: Mutex<Vec<Option<String>>>,
    order_chunks: Mutex<Vec<usize>>,
}

async fn token() -> Json<Value> {
    Json(
        json!({"status": "Ok", "access_token": "tok", "token_type": "bearer", "seconds_until_expiry": 43200}),
    )
}

/// Three pages; `lastPage` spelled three ways.
async fn accounts(State(seen): State<Arc<Seen>>, Query(q): Params) -> Json<Value> {
    let key = q.get("nextPageKey").cloned();
    seen.account_pages.lock().unwrap().push(key.clone());
    Json(match key.as_deref() {
        None => {
            json!({"status": "Ok", "lastPage": "false", "nextPageKey": "p2", "accounts": [{"id": 1}, {"id": 2}]})
        }
        Some("p2") => {
            json!({"status": "Ok", "lastPage": "False", "nextPageKey": "p3", "accounts": [{"id": 3}]})
        }
        _ => json!({"status": "Ok", "lastPage": "True", "accounts": [{"id": 4}]}),
    })
}

/// A server bug: the same key over and over.
async fn users() -> Json<Value> {
    Json(json!({"status": "Ok", "lastPage": "false", "nextPageKey": "again", "users": [{"id": 9}]}))
}

async fn orders(State(seen): State<Arc<Seen>>, Query(q): Params) -> Response {
    let ids: Vec<u64> = q["accounts"]
        .split(',')
        .map(|a| a.parse().unwrap())
        .collect();
    if ids.len() > 50 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "at most 50 accounts"})),
        )
            .into_response();
    }
    seen.order_chunks.lock().unwrap().push(ids.len());
    let orders: Vec<Value> = ids
        .iter()
        .map(|a| json!({"orderId": format!("o-{a}"), "accountId": a}))
        .collect();
    Json(json!({"status": "Ok", "lastPage": "true", "orders": orders})).into_response()
}

/// 1 fill at 100, 600 at 200 (over a page, across the cut), 1 at 300; three accounts.
fn ledger_fills() -> Vec<Value> {
    let mut fills = vec![(0, 100)];
    fills.extend((1..601).map(|i| (i, 200)));
    fills.push((601, 300));
    fills
        .into_iter()
        .map(|(i, ts)| json!({"recordId": format!("r{i}"), "timeStamp": ts.to_string(), "accountId": 1 + i % 3}))
        .collect()
}

async fn fills(Query(q): Params) -> Json<Value> {
    let int = |name: &str| q.get(name).map(|v| v.parse::<i64>().unwrap());
    let (min, max, account) = (
        int("minTimestamp").unwrap(),
        int("maxTimestamp"),
        int("accountId"),
    );
    let ts = |f: &Value| f["timeStamp"].as_str().unwrap().parse::<i64>().unwrap();
    let page: Vec<Value> = ledger_fills()
        .into_iter()
        .filter(|f| ts(f) >= min && max.is_none_or(|m| ts(f) <= m))
        .filter(|f| account.is_none_or(|a| f["accountId"] == a))
        .take(500)
        .collect();
    Json(json!({"status": "Ok", "lastPage": "true", "fills": page}))
}

async fn start() -> (ttrest::Session, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = axum::Router::new()
        .route("/ttid/ext_uat_cert/token", post(token))
        .route("/ttaccount/ext_uat_cert/accounts", get(accounts))
        .route("/ttuser/ext_uat_cert/users", get(users))
        .route("/ttledger/ext_uat_cert/orders", get(orders))
        .route("/ttledger/ext_uat_cert/fills", get(fills))
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let session = ttrest::Session::builder()
        .app_name("paginate")
        .company("tests")
        .root_url(&url)
        .credentials(ttrest::Credentials::new("key-1", "key-1:secret").unwrap())
        .plan(ttrest::Plan::Unlimited)
        .build()
        .unwrap();
    (session, seen)
}

#[tokio::test]
async fn generated_builders_page_by_key() {
    let (session, seen) = start().await;
    let accounts = session
        .account()
        .get_accounts()
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = accounts.iter().map(|a| a.id).collect();
    assert_eq!(ids, [Some(1), Some(2), Some(3), Some(4)]);
    let keys = seen.account_pages.lock().unwrap().clone();
    assert_eq!(keys, [None, Some("p2".into()), Some("p3".into())]);

    let pages: Vec<_> = session.account().get_accounts().pages().collect().await;
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn a_repeated_key_ends_with_an_error_naming_the_operation() {
    let (session, _) = start().await;
    let items: Vec<_> = session.user().get_users().items().collect().await;
    assert_eq!(items.len(), 3, "two users, then the error: {items:?}");
    match &items[2] {
        Err(e @ PaginationError::RepeatedPageKey { .. }) => assert_eq!(e.operation(), "get_users"),
        other => panic!("expected RepeatedPageKey, got {other:?}"),
    }
}

#[tokio::test]
async fn orders_of_120_accounts_take_three_requests() {
    let (session, seen) = start().await;
    let accounts: Vec<u64> = (1..=120).collect();
    let options = ConcurrentOptions::default();
    let orders = orders_of_accounts(&session.ledger(), &accounts, options)
        .await
        .unwrap();
    let mut ids: Vec<String> = orders.iter().map(|o| o.order_id.clone().unwrap()).collect();
    ids.sort_unstable();
    let mut want: Vec<String> = accounts.iter().map(|a| format!("o-{a}")).collect();
    want.sort_unstable();
    assert_eq!(ids, want, "every account's order once");
    // Chunks run concurrently, so they may reach the server in any order.
    let mut chunks = seen.order_chunks.lock().unwrap().clone();
    chunks.sort_unstable();
    assert_eq!(chunks, [20, 50, 50]);
}

#[tokio::test]
async fn fills_over_a_page_at_one_timestamp_need_narrowing() {
    let (session, _) = start().await;
    let ledger = session.ledger();

    let without: Vec<_> = ledger.get_fills().fills(0).collect().await;
    let error = without.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(
            error,
            PaginationError::TimestampCluster { timestamp: 200, .. }
        ),
        "{error}"
    );
    assert!(error.to_string().starts_with("get_fills: "));

    let query = FillsQuery::new("get_fills", 0).narrow_accounts(vec![1, 2, 3]);
    let with: Vec<_> = ledger.get_fills().fills_query(query).collect().await;
    // Every fill of the server once: sorted lists of ids, which a set could not
    // tell from a stream that repeats some.
    let mut ids: Vec<String> = with
        .into_iter()
        .map(|f| f.unwrap().record_id.unwrap())
        .collect();
    ids.sort_unstable();
    let mut want: Vec<String> = ledger_fills()
        .iter()
        .map(|f| f["recordId"].as_str().unwrap().to_string())
        .collect();
    want.sort_unstable();
    assert_eq!(ids, want);
}
