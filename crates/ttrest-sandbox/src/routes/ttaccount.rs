//! ttaccount: accounts, their limits, users and children.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{number, to_json, Refusal, Shared, Q};
use crate::data::{Account, World, MARKETS};
use crate::envelope;
use ttrest::scalar::TtId;
use ttrest::ttaccount::types as account;

routes! {
    get "/ttaccount/{env}/accounts" => accounts,
    get "/ttaccount/{env}/account/{accountId}" => account,
    get "/ttaccount/{env}/account/{accountId}/limits" => limits,
    get "/ttaccount/{env}/account/{accountId}/users" => users,
    get "/ttaccount/{env}/account/{accountId}/children" => children,
    get "/ttaccount/{env}/account/{accountId}/algosettings" => algo_settings,
    get "/ttaccount/{env}/account/{accountId}/restrictions" => restrictions,
    get "/ttaccount/{env}/account/{accountId}/risksettings" => risk_settings,
    get "/ttaccount/{env}/account/{accountId}/settings" => settings,
    get "/ttaccount/{env}/accountuser" => account_user,
    get "/ttaccount/{env}/accountusers" => account_user,
}

/// The company every sandbox account and user belongs to.
pub(crate) const COMPANY_ID: i64 = 4_242;

/// `/accounts`: paged, with `requestVersion` as TT adds. `mineOnly` is accepted;
/// the sandbox key may trade every account.
async fn accounts(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let extra = serde_json::Map::from_iter([("requestVersion".to_string(), json!(1))]);
    state.paged_with("accounts", &world.accounts, &query, extra, |a| {
        account_json(a, None)
    })
}

fn find<'w>(world: &'w World, id: &str) -> Result<&'w Account, Refusal> {
    let wanted = number("accountId", id)?;
    world
        .accounts
        .iter()
        .find(|a| u64::from(a.id) == wanted)
        .ok_or_else(|| Refusal::missing("account", id))
}

/// `/account/{id}` wraps the account in a one-element array, as TT does.
async fn account(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one("account", json!([account_json(a, Some(&world))])),
        Err(e) => e.into_response(),
    }
}

async fn limits(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
    query: Q,
) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => {
            let settings =
                json!({ "applyPositionLimits": true, "preventOrdersBasedOnPriceRanges": true });
            let limits = account::AccountLimits::builder()
                .extra(serde_json::Map::new())
                .account_id(i64::from(a.id))
                .risk_limit_settings(settings.as_object().cloned().unwrap_or_default())
                .risk_limits(risk_limits(&world));
            let row = to_json::<account::AccountLimits, _>(limits);
            state.paged("accountLimits", &[row], &query, Value::clone)
        }
        Err(e) => e.into_response(),
    }
}

async fn users(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    let index = match find(&world, &id) {
        Ok(a) => world
            .accounts
            .iter()
            .position(|x| x.id == a.id)
            .unwrap_or(0),
        Err(e) => return e.into_response(),
    };
    let user = &world.users[index % world.users.len()];
    envelope::ok_one(
        "users",
        json!([{ "id": user.id, "alias": format!("{}.{}", user.first, user.last).to_lowercase() }]),
    )
}

/// `/account/{id}/children`: paged by `nextPageKey`, like `/accounts`.
async fn children(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
    query: Q,
) -> Response {
    let world = state.store.read();
    let parent = match find(&world, &id) {
        Ok(a) => a.id,
        Err(e) => return e.into_response(),
    };
    let kids: Vec<&Account> = world
        .accounts
        .iter()
        .filter(|a| a.parent == Some(parent))
        .collect();
    state.paged("accounts", &kids, &query, |a| account_json(a, None))
}

/// `/account/{id}/restrictions` (shape unknown): no restriction but the
/// products the account's limits cover.
async fn restrictions(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one(
            "restrictions",
            json!([{ "accountId": a.id, "tradingDisabled": false, "closeOnly": false }]),
        ),
        Err(e) => e.into_response(),
    }
}

/// `/account/{id}/risksettings` (shape unknown).
async fn risk_settings(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one(
            "riskSettings",
            json!({ "accountId": a.id, "applyPositionLimits": true, "preventOrdersBasedOnPriceRanges": true, "creditLimit": 5_000_000.0 }),
        ),
        Err(e) => e.into_response(),
    }
}

/// `/account/{id}/settings` (shape unknown).
async fn settings(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one(
            "settings",
            json!({ "accountId": a.id, "name": a.name, "companyId": COMPANY_ID, "allowExternalOrders": true }),
        ),
        Err(e) => e.into_response(),
    }
}

async fn algo_settings(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one(
            "algoSettings",
            json!({ "accountId": a.id, "maxCancelsPerMillisecond": 5, "autospreaderEnabled": true, "ttOrderTypesEnabled": true }),
        ),
        Err(e) => e.into_response(),
    }
}

/// `/accountuser(s)`: account-to-user links (the real shape is undocumented),
/// narrowed by the optional `userId` and `accountId`.
async fn account_user(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let wanted = |name: &str| query.get(name).map(|v| number(name, v)).transpose();
    let (user, account) = match (wanted("userId"), wanted("accountId")) {
        (Ok(user), Ok(account)) => (user, account),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let links = world
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (
                u64::from(a.id),
                u64::from(world.users[i % world.users.len()].id),
            )
        })
        .filter(|&(a, u)| account.is_none_or(|x| x == a) && user.is_none_or(|x| x == u))
        .map(|(a, u)| json!({ "accountId": a, "userId": u }));
    envelope::ok_one("accountUsers", links.collect())
}

pub(crate) fn account_json(a: &Account, with_limits: Option<&World>) -> Value {
    let mut builder = account::Account::builder()
        .extra(serde_json::Map::new())
        .id(i64::from(a.id))
        .name(a.name.clone())
        .account_type(1)
        .company_id(COMPANY_ID)
        .revision(3)
        .broker_name("Sandbox Clearing".to_string());
    if let Some(parent) = a.parent {
        builder = builder
            .parent_account_id(i64::from(parent))
            .parent_id(i64::from(parent));
    }
    if let Some(world) = with_limits {
        builder = builder.risk_limits(risk_limits(world));
    }
    to_json::<account::Account, _>(builder)
}

/// `(marketId, productId)` of the products that carry position limits.
pub(crate) fn limited_products(world: &World) -> Vec<(i64, u64)> {
    world
        .products
        .iter()
        .take(4)
        .map(|p| (i64::from(MARKETS[p.market].0), p.id))
        .collect()
}

/// Per-product position limits on the first few products.
fn risk_limits(world: &World) -> account::RiskLimits {
    let limits: Vec<account::ProductLimit> = limited_products(world)
        .into_iter()
        .map(|(market, product)| {
            let limit = account::ProductLimit::builder()
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
    account::RiskLimits::builder()
        .extra(serde_json::Map::new())
        .product_limits(limits)
        .try_into()
        .expect("risk limits with only product limits are valid")
}
