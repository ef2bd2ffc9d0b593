//! What a user's unit test looks like with the `mock` feature: an httpmock
//! server, typed mocks for the token and the call under test, and a real
//! `Session` pointed at the server.

#![cfg(all(feature = "mock", feature = "ttid", feature = "ttledger"))]

use httpmock::MockServer;
use ttrest::mock::ttid::MockServerExt as _;
use ttrest::mock::ttledger::MockServerExt as _;
use ttrest::ttid::types::TokenResponse;
use ttrest::ttledger::types::{Fill, GetFillsResponse};
use ttrest::{Credentials, Session};

/// Mocks the token every session fetches first, and builds a session on `server`.
fn session_on(server: &MockServer) -> Session {
    server.post_token(|_, then| {
        let token: TokenResponse = TokenResponse::builder()
            .status("Ok".to_string())
            .access_token(ttrest::scalar::Secret::from("mock-token"))
            .seconds_until_expiry(3600)
            .extra(serde_json::Map::new())
            .try_into()
            .unwrap();
        then.ok(&token);
    });
    Session::builder()
        .app_name("mock-test")
        .company("mock-co")
        .root_url(server.base_url())
        .credentials(Credentials::new("key", "secret").unwrap())
        .build()
        .unwrap()
}

fn fill(order_id: &str, qty: f64) -> Fill {
    Fill::builder()
        .account_id(42)
        .order_id(order_id.to_string())
        .last_qty(qty)
        .extra(serde_json::Map::new())
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn a_typed_fills_mock_answers_the_sessions_get_fills() {
    let server = MockServer::start_async().await;
    let session = session_on(&server);
    let page: GetFillsResponse = GetFillsResponse::builder()
        .status("Ok".to_string())
        .fills(vec![fill("o-1", 2.0), fill("o-2", 3.0)])
        .last_page(ttrest::scalar::TtBool::from(true))
        .extra(serde_json::Map::new())
        .try_into()
        .unwrap();
    let fills = server.get_fills(|when, then| {
        when.account_id(42);
        then.ok(&page);
    });

    let got = session
        .ledger()
        .get_fills()
        .account_id(42)
        .send()
        .await
        .unwrap()
        .into_inner();

    fills.assert_async().await;
    assert_eq!(got, page);
    let orders: Vec<_> = got.fills.unwrap().into_iter().map(|f| f.order_id).collect();
    assert_eq!(orders, [Some("o-1".to_string()), Some("o-2".to_string())]);
}

#[tokio::test]
async fn the_typed_when_only_matches_the_parameters_it_names() {
    let server = MockServer::start_async().await;
    let session = session_on(&server);
    let fills = server.get_fills(|when, then| {
        when.account_id(42);
        let empty = GetFillsResponse::builder().extra(serde_json::Map::new());
        then.ok(&empty.try_into().unwrap());
    });

    let err = session
        .ledger()
        .get_fills()
        .account_id(7)
        .send()
        .await
        .unwrap_err();

    fills.assert_calls_async(0).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
}
