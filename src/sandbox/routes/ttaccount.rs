//! ttaccount: accounts, their limits, users and children.

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use super::{not_found, number, Shared, Q};
use crate::sandbox::data::{Account, World, MARKETS};
use crate::sandbox::envelope;

routes! {
    get "/ttaccount/{env}/accounts" => accounts,
    get "/ttaccount/{env}/account/{accountId}" => account,
    get "/ttaccount/{env}/account/{accountId}/limits" => limits,
    get "/ttaccount/{env}/account/{accountId}/users" => users,
    get "/ttaccount/{env}/account/{accountId}/children" => children,
    get "/ttaccount/{env}/account/{accountId}/algosettings" => algo_settings,
    get "/ttaccount/{env}/accountuser" => account_user,
    get "/ttaccount/{env}/accountusers" => account_user,
}

/// The company every sandbox account and user belongs to.
pub(crate) const COMPANY_ID: u64 = 4_242;

/// `/accounts`: paged, with `requestVersion` as TT adds. `mineOnly` is accepted;
/// the sandbox key may trade every account.
async fn accounts(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let extra = serde_json::Map::from_iter([("requestVersion".to_string(), json!(1))]);
    state.paged_with("accounts", &world.accounts, &query, extra, |a| account_json(a, None))
}

fn find<'w>(world: &'w World, id: &str) -> Result<&'w Account, Response> {
    let wanted = number("accountId", id)?;
    world
        .accounts
        .iter()
        .find(|a| u64::from(a.id) == wanted)
        .ok_or_else(|| not_found("account", id))
}

/// `/account/{id}` wraps the account in a one-element array, as TT does.
async fn account(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one("account", json!([account_json(a, Some(&world))])),
        Err(e) => e,
    }
}

async fn limits(State(state): Shared, Path((_env, id)): Path<(String, String)>, query: Q) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => {
            let row = json!({ "accountId": a.id, "riskLimitSettings": { "applyPositionLimits": true, "preventOrdersBasedOnPriceRanges": true }, "riskLimits": risk_limits(&world) });
            state.paged("accountLimits", &[row], &query, Value::clone)
        }
        Err(e) => e,
    }
}

async fn users(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    let index = match find(&world, &id) {
        Ok(a) => world.accounts.iter().position(|x| x.id == a.id).unwrap_or(0),
        Err(e) => return e,
    };
    let user = &world.users[index % world.users.len()];
    envelope::ok_one("users", json!([{ "id": user.id, "alias": format!("{}.{}", user.first, user.last).to_lowercase() }]))
}

async fn children(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    let parent = match find(&world, &id) {
        Ok(a) => a.id,
        Err(e) => return e,
    };
    let kids = world.accounts.iter().filter(|a| a.parent == Some(parent)).map(|a| account_json(a, None));
    envelope::ok_one("accounts", kids.collect())
}

async fn algo_settings(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match find(&world, &id) {
        Ok(a) => envelope::ok_one("algoSettings", json!({ "accountId": a.id, "maxCancelsPerMillisecond": 5, "autospreaderEnabled": true, "ttOrderTypesEnabled": true })),
        Err(e) => e,
    }
}

/// `/accountuser(s)`: account-to-user links (the real shape is undocumented).
async fn account_user(State(state): Shared) -> Response {
    let world = state.store.read();
    let links = world.accounts.iter().enumerate().map(|(i, a)| json!({ "accountId": a.id, "userId": world.users[i % world.users.len()].id }));
    envelope::ok_one("accountUsers", links.collect())
}

pub(crate) fn account_json(a: &Account, with_limits: Option<&World>) -> Value {
    let mut v = json!({
        "id": a.id,
        "name": a.name,
        "accountType": 1,
        "companyId": COMPANY_ID,
        "revision": 3,
        "brokerName": "Sandbox Clearing",
    });
    if let Some(parent) = a.parent {
        v["parentAccountId"] = json!(parent);
        v["parentId"] = json!(parent);
    }
    if let Some(world) = with_limits {
        v["riskLimits"] = risk_limits(world);
    }
    v
}

/// Per-product position limits on the first few products.
pub(crate) fn risk_limits(world: &World) -> Value {
    let products = world.products.iter().take(4).map(|p| {
        json!({ "marketId": MARKETS[p.market].0, "productId": p.id.to_string(), "productTypeId": 34, "maxPos": 100.0, "maxLongPos": 100.0, "maxShortPos": 100.0 })
    });
    json!({ "productLimits": products.collect::<Vec<_>>(), "contractLimits": [], "interProductLimits": [] })
}
