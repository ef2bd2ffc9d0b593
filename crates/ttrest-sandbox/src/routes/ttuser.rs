//! ttuser: users, their accounts and limits.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::ttaccount::{limited_products, COMPANY_ID};
use super::{number, to_json, Refusal, Shared, Q};
use crate::data::{User, World};
use crate::envelope;
use ttrest::scalar::TtId;
use ttrest::ttuser::types as user;

routes! {
    get "/ttuser/{env}/users" => users,
    get "/ttuser/{env}/user/countryIds" => countries,
    get "/ttuser/{env}/user/stateIds" => states,
    get "/ttuser/{env}/user/{userId}" => user,
    get "/ttuser/{env}/user/{userId}/accounts" => accounts,
    get "/ttuser/{env}/user/{userId}/limits" => limits,
    post "/ttuser/{env}/user" => create_user,
}

async fn users(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    state.paged("users", &world.users, &query, user_json)
}

fn find(world: &World, id: &str) -> Result<usize, Refusal> {
    let wanted = number("userId", id)?;
    world
        .users
        .iter()
        .position(|u| u64::from(u.id) == wanted)
        .ok_or_else(|| Refusal::missing("user", id))
}

/// `/user/{id}` wraps the user in a one-element array, as TT does.
async fn user(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(i) => envelope::ok_one("user", json!([user_json(&world.users[i])])),
        Err(e) => e.into_response(),
    }
}

/// `/user/{id}/accounts`: the accounts the user trades, with `userId` beside the list.
async fn accounts(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
    query: Q,
) -> Response {
    let world = state.store.read();
    let index = match find(&world, &id) {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let mine: Vec<_> = world
        .accounts
        .iter()
        .enumerate()
        .filter(|(a, _)| a % world.users.len() == index)
        .map(|(_, a)| a)
        .collect();
    let extra = serde_json::Map::from_iter([("userId".to_string(), json!(world.users[index].id))]);
    state.paged_with("accounts", &mine, &query, extra, |a| {
        let object = |v: Value| v.as_object().cloned().unwrap_or_default();
        let link = user::UserAccount::builder()
            .extra(serde_json::Map::new())
            .account_id(i64::from(a.id))
            .account_name(a.name.clone())
            .order_permissions(object(json!({ "canTrade": true, "canView": true })))
            .permissions(object(json!({ "viewAccount": true })));
        to_json::<user::UserAccount, _>(link)
    })
}

async fn limits(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
    query: Q,
) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(i) => {
            let limits = user::UserLimits::builder()
                .extra(serde_json::Map::new())
                .user_id(i64::from(world.users[i].id))
                .risk_limits(risk_limits(&world));
            let row = to_json::<user::UserLimits, _>(limits);
            state.paged("userLimits", &[row], &query, Value::clone)
        }
        Err(e) => e.into_response(),
    }
}

async fn countries() -> Response {
    envelope::ok_one(
        "countries",
        json!([{ "id": 1, "name": "United States" }, { "id": 2, "name": "United Kingdom" }, { "id": 3, "name": "Germany" }]),
    )
}

async fn states() -> Response {
    envelope::ok_one(
        "states",
        json!([{ "id": 14, "name": "Illinois", "countryId": 1 }, { "id": 33, "name": "New York", "countryId": 1 }]),
    )
}

/// `POST /user`: the body is undocumented; echo back an id for what was sent.
async fn create_user(Json(body): Json<Value>) -> Response {
    match body.get("email").and_then(Value::as_str) {
        Some(email) if email.contains('@') => envelope::ok_one(
            "user",
            json!({ "id": 900_000 + email.len(), "email": email }),
        ),
        _ => envelope::failed(StatusCode::BAD_REQUEST, "email is required"),
    }
}

fn user_json(u: &User) -> Value {
    let company = user::UserCompany::builder()
        .extra(serde_json::Map::new())
        .id(COMPANY_ID)
        .abbrev_name("SBX".to_string())
        .name("Sandbox Trading LLC".to_string());
    let record = user::User::builder()
        .extra(serde_json::Map::new())
        .id(i64::from(u.id))
        .firstname(u.first.to_string())
        .lastname(u.last.to_string())
        .alias(format!("{}.{}", u.first, u.last).to_lowercase())
        .email(format!("{}.{}@sandbox.example", u.first, u.last).to_lowercase())
        .company(user::UserCompany::try_from(company).expect("a fully set company is valid"));
    to_json::<user::User, _>(record)
}

/// The same per-product limits accounts carry, as ttuser's own types.
fn risk_limits(world: &World) -> user::RiskLimits {
    let limits: Vec<user::ProductLimit> = limited_products(world)
        .into_iter()
        .map(|(market, product)| {
            let limit = user::ProductLimit::builder()
                .extra(serde_json::Map::new())
                .market_id(market)
                .product_id(TtId::from(product))
                .product_type_id(34)
                .max_pos(100.0)
                .max_long_pos(100.0)
                .max_short_pos(100.0);
            limit
                .try_into()
                .expect("a fully set product limit is valid")
        })
        .collect();
    user::RiskLimits::builder()
        .extra(serde_json::Map::new())
        .product_limits(limits)
        .try_into()
        .expect("risk limits with only product limits are valid")
}
