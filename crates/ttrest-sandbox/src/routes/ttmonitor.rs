//! ttmonitor: positions computed from fills and SOD records, SODs, credit, and
//! admin fills (which later reads of fills and positions reflect).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{id_list, not_found, number, to_json, Refusal, Shared, Q};
use crate::data::{Fill, World};
use crate::envelope;
use crate::store::NewFill;
use ttrest::scalar::TtId;
use ttrest::ttmonitor::types as monitor;

routes! {
    get "/ttmonitor/{env}/position" => positions,
    get "/ttmonitor/{env}/position/{accountId}" => account_positions,
    get "/ttmonitor/{env}/productposition" => product_positions,
    get "/ttmonitor/{env}/productposition/{accountId}" => account_product_positions,
    get "/ttmonitor/{env}/productfamilyposition" => family_positions,
    get "/ttmonitor/{env}/productfamilyposition/{accountId}" => account_family_positions,
    get "/ttmonitor/{env}/sod/{accountId}" => sod,
    get "/ttmonitor/{env}/creditutilization" => credit_utilization,
    post "/ttmonitor/{env}/adminfill" => admin_fill,
    post "/ttmonitor/{env}/sod/upload" => sod_upload,
    get "/ttmonitor/{env}/sod/upload/{batchId}" => sod_upload_status,
}

/// TT's limit on list POSTs.
const MAX_POST_ITEMS: usize = 20;

/// One account's holding in one instrument.
#[derive(Debug, Default)]
struct Holding {
    buy_qty: f64,
    sell_qty: f64,
    buy_value: f64,
    sell_value: f64,
    sod_net: f64,
    sod_price: f64,
    buy_working: f64,
    sell_working: f64,
}

impl Holding {
    fn net(&self) -> f64 {
        self.sod_net + self.buy_qty - self.sell_qty
    }
    fn avg(value: f64, qty: f64) -> f64 {
        if qty > 0.0 {
            (value / qty * 1e6).round() / 1e6
        } else {
            0.0
        }
    }
    /// Realized on the matched quantity, plus open quantity marked at `mark`, in
    /// instrument currency (price points times point value).
    fn pnl(&self, mark: f64, point_value: f64) -> (f64, f64) {
        let matched = self.buy_qty.min(self.sell_qty);
        let realized = matched
            * (Self::avg(self.sell_value, self.sell_qty) - Self::avg(self.buy_value, self.buy_qty));
        let sod = self.sod_net * (mark - self.sod_price);
        let open = (self.buy_qty - matched) * (mark - Self::avg(self.buy_value, self.buy_qty))
            + (self.sell_qty - matched) * (Self::avg(self.sell_value, self.sell_qty) - mark);
        let round = |x: f64| (x * point_value * 100.0).round() / 100.0;
        (round(realized), round(realized + sod + open))
    }
}

/// Holdings of the chosen accounts (all when empty), ordered by account then instrument.
fn holdings(world: &World, accounts: &[u64]) -> BTreeMap<(u16, u32), Holding> {
    let wanted = |a: u16| {
        accounts.is_empty() || accounts.contains(&u64::from(world.accounts[usize::from(a)].id))
    };
    let mut out: BTreeMap<(u16, u32), Holding> = BTreeMap::new();
    // A spread's position is in its legs; the parent fill would count it twice.
    let counted = |f: &&Fill| wanted(f.account) && f.flags & Fill::SPREAD_PARENT == 0;
    for f in world.fills.iter().filter(counted) {
        let h = out.entry((f.account, f.instrument)).or_default();
        let (qty, value) = (f64::from(f.qty), f64::from(f.qty) * f.price);
        if f.side == 1 {
            h.buy_qty += qty;
            h.buy_value += value;
        } else {
            h.sell_qty += qty;
            h.sell_value += value;
        }
    }
    for s in world.sods.iter().filter(|s| wanted(s.account)) {
        let h = out.entry((s.account, s.instrument)).or_default();
        h.sod_net = s.net as f64;
        h.sod_price = s.price;
    }
    for o in world.orders.iter().filter(|o| wanted(o.account)) {
        let h = out.entry((o.account, o.instrument)).or_default();
        let leaves = f64::from(o.qty - o.filled);
        if o.side == 1 {
            h.buy_working += leaves;
        } else {
            h.sell_working += leaves;
        }
    }
    out
}

fn position_json(world: &World, (account, instrument): (u16, u32), h: &Holding) -> Value {
    let mark = world.instruments[instrument as usize].price;
    let (realized, pnl) = h.pnl(mark, world.product_of(instrument).point_value);
    let net = h.net();
    let open_avg = if net >= 0.0 {
        Holding::avg(h.buy_value, h.buy_qty)
    } else {
        Holding::avg(h.sell_value, h.sell_qty)
    };
    let position = monitor::Position::builder()
        .extra(serde_json::Map::new())
        .account_id(i64::from(world.accounts[usize::from(account)].id))
        .instrument_id(TtId::from(world.instruments[instrument as usize].id))
        .net_position(net)
        .buy_fill_qty(h.buy_qty)
        .sell_fill_qty(h.sell_qty)
        .buy_working_qty(h.buy_working)
        .sell_working_qty(h.sell_working)
        .avg_buy(Holding::avg(h.buy_value, h.buy_qty))
        .avg_sell(Holding::avg(h.sell_value, h.sell_qty))
        .open_avg_price(open_avg)
        .pnl(pnl)
        .pnl_price(mark)
        .pnl_price_type("MIDPOINT".to_string())
        .realized_pnl(realized)
        .sod_net_pos(h.sod_net)
        .sod_price(h.sod_price)
        .sod_price_type("SETTLE".to_string());
    to_json::<monitor::Position, _>(position)
}

fn serve_positions(state: &super::State, accounts: &[u64], query: &super::Params) -> Response {
    let world = state.store.read();
    let rows: Vec<_> = holdings(&world, accounts).into_iter().collect();
    state.paged("positions", &rows, query, |(key, h)| {
        position_json(&world, *key, h)
    })
}

/// `/position` answers every account's rows whatever account filter it is
/// given, as a production pipeline observed of TT (`docs/tt-rest-facts-3.md`
/// §3): `accountIds` and `accountId` are ignored. `/position/{accountId}`
/// is the way to one account's positions.
async fn positions(State(state): Shared, query: Q) -> Response {
    serve_positions(&state, &[], &query)
}

async fn account_positions(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
    query: Q,
) -> Response {
    match account_id(&state, &id) {
        Ok(account) => serve_positions(&state, &[account], &query),
        Err(e) => e.into_response(),
    }
}

/// Parses a path account id and checks the world has it.
fn account_id(state: &super::State, id: &str) -> Result<u64, Refusal> {
    let account = number("accountId", id)?;
    match state.store.read().account_index(account) {
        Some(_) => Ok(account),
        None => Err(Refusal::missing("account", id)),
    }
}

/// Positions summed per account and product (`family = false`) or product family.
fn grouped(state: &super::State, accounts: &[u64], family: bool) -> Response {
    let world = state.store.read();
    let mut sums: BTreeMap<(u16, usize), (f64, f64, f64)> = BTreeMap::new();
    for ((account, instrument), h) in holdings(&world, accounts) {
        let product = world.instruments[instrument as usize].product;
        let s = sums.entry((account, product)).or_default();
        s.0 += h.net();
        s.1 += h.buy_qty;
        s.2 += h.sell_qty;
    }
    let (key, id_key) = if family {
        ("productFamilyPositions", "productFamilyId")
    } else {
        ("productPositions", "productId")
    };
    let items = sums.into_iter().map(|((account, product), (net, buys, sells))| {
        let p = &world.products[product];
        let id = if family { p.family_id } else { p.id };
        json!({ "accountId": world.accounts[usize::from(account)].id, id_key: id.to_string(), "netPosition": net, "buyFillQty": buys, "sellFillQty": sells })
    });
    envelope::ok_one(key, items.collect())
}

async fn product_positions(State(state): Shared, query: Q) -> Response {
    id_list("accountIds", query.get("accountIds"))
        .map_or_else(IntoResponse::into_response, |a| grouped(&state, &a, false))
}

async fn account_product_positions(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
) -> Response {
    account_id(&state, &id).map_or_else(IntoResponse::into_response, |a| {
        grouped(&state, &[a], false)
    })
}

async fn family_positions(State(state): Shared, query: Q) -> Response {
    id_list("accountIds", query.get("accountIds"))
        .map_or_else(IntoResponse::into_response, |a| grouped(&state, &a, true))
}

async fn account_family_positions(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
) -> Response {
    account_id(&state, &id)
        .map_or_else(IntoResponse::into_response, |a| grouped(&state, &[a], true))
}

async fn sod(State(state): Shared, Path((_env, id)): Path<(String, String)>, query: Q) -> Response {
    let account = match account_id(&state, &id) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let world = state.store.read();
    let index = world.account_index(account);
    let rows: Vec<_> = world
        .sods
        .iter()
        .filter(|s| Some(s.account) == index)
        .collect();
    state.paged("sod", &rows, &query, |s| {
        json!({ "accountId": account, "instrumentId": world.instruments[s.instrument as usize].id.to_string(), "netPosition": s.net, "price": s.price, "positionType": "SOD" })
    })
}

async fn credit_utilization(State(state): Shared, query: Q) -> Response {
    let Some(id) = query.get("accountId") else {
        return envelope::failed(StatusCode::BAD_REQUEST, "accountId is required");
    };
    let account = match account_id(&state, id) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let world = state.store.read();
    let used: f64 = holdings(&world, &[account])
        .iter()
        .map(|((_, i), h)| {
            h.net().abs()
                * world.instruments[*i as usize].price
                * world.product_of(*i).point_value
                * 0.05
        })
        .sum();
    let row = json!({ "accountId": account, "currencyId": crate::data::USD, "creditLimit": 5_000_000.0, "creditUsed": (used * 100.0).round() / 100.0 });
    state.paged("creditUtilization", &[row], &query, Value::clone)
}

/// `POST /adminfill`: one fill object, or `{"fills": [...]}` with at most 20.
async fn admin_fill(State(state): Shared, Json(body): Json<Value>) -> Response {
    let items = match body.get("fills") {
        Some(Value::Array(list)) => list.clone(),
        Some(_) => return envelope::failed(StatusCode::BAD_REQUEST, "fills must be an array"),
        None => vec![body],
    };
    if items.is_empty() || items.len() > MAX_POST_ITEMS {
        return envelope::failed(StatusCode::BAD_REQUEST, "Send 1 to 20 fills per request");
    }
    let parsed: Result<Vec<NewFill>, String> = items
        .iter()
        .enumerate()
        .map(|(i, v)| parse_fill(v).map_err(|e| format!("fills[{i}]: {e}")))
        .collect();
    let new = match parsed {
        Ok(new) => new,
        Err(e) => return envelope::failed(StatusCode::BAD_REQUEST, &e),
    };
    let mut added = Vec::new();
    for (i, fill) in new.into_iter().enumerate() {
        match state.store.add_fill(fill) {
            Ok(f) => added.push(f),
            Err(e) => {
                return envelope::failed(StatusCode::BAD_REQUEST, &format!("fills[{i}]: {e}"))
            }
        }
    }
    let world = state.store.read();
    envelope::ok_one(
        "fills",
        added
            .iter()
            .map(|f: &Fill| super::ttledger::fill_json(&world, f))
            .collect(),
    )
}

/// Reads a fill from JSON, accepting TT's number-or-string forms.
fn parse_fill(v: &Value) -> Result<NewFill, String> {
    let int = |names: &[&str]| -> Result<Option<u64>, String> {
        for name in names {
            match v.get(*name) {
                Some(Value::Number(n)) => {
                    return n
                        .as_u64()
                        .map(Some)
                        .ok_or(format!("{name} must be an unsigned integer"))
                }
                Some(Value::String(s)) => {
                    return s
                        .parse()
                        .map(Some)
                        .map_err(|_| format!("{name} must be an unsigned integer"))
                }
                Some(_) => return Err(format!("{name} must be an unsigned integer")),
                None => {}
            }
        }
        Ok(None)
    };
    let float = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| v.get(*n))
            .and_then(|x| x.as_f64().or_else(|| x.as_str()?.parse().ok()))
    };
    let side = match v.get("side") {
        Some(Value::String(s)) if s.eq_ignore_ascii_case("buy") => 1,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("sell") => 2,
        _ => int(&["side"])?.ok_or("side is required (1 buy, 2 sell)")? as u8,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    Ok(NewFill {
        account_id: int(&["accountId"])?.ok_or("accountId is required")?,
        instrument_id: int(&["instrumentId"])?.ok_or("instrumentId is required")?,
        side,
        qty: u32::try_from(int(&["qty", "lastQty", "quantity"])?.ok_or("qty is required")?)
            .map_err(|_| "qty is too large")?,
        price: float(&["price", "lastPx"]).ok_or("price is required")?,
        ts: int(&["timeStamp"])?.unwrap_or(now),
    })
}

/// `POST /sod/upload`: hands out a batch id and an upload URL.
async fn sod_upload(State(state): Shared) -> Response {
    let batch = uuid::Uuid::new_v4();
    envelope::ok(serde_json::Map::from_iter([
        ("batchId".to_string(), json!(batch.to_string())),
        (
            "url".to_string(),
            json!(format!("{}/sod-uploads/{batch}", state.other_origin)),
        ),
    ]))
}

async fn sod_upload_status(Path((_env, batch)): Path<(String, String)>) -> Response {
    match uuid::Uuid::try_parse(&batch) {
        Ok(_) => envelope::ok(serde_json::Map::from_iter([
            ("batchId".to_string(), json!(batch)),
            ("batchStatus".to_string(), json!("COMPLETED")),
        ])),
        Err(_) => not_found("batch", &batch),
    }
}
