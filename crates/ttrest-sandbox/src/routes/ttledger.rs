//! ttledger: fills (paged by timestamp), working orders and order enumerations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{id_list, not_found, number, to_json, Params, Refusal, Shared, Q};
use crate::counters::bump;
use crate::data::{derived_uuid, spread_id, Fill, Order, World, MARKETS};
use crate::envelope;
use ttrest::scalar::{Code, Timestamp, TtBool, TtId};
use ttrest::ttledger::types as ledger;

routes! {
    get "/ttledger/{env}/fills" => fills,
    get "/ttledger/{env}/tradingaccountfills" => fills,
    get "/ttledger/{env}/tcrfills" => tcr_fills,
    get "/ttledger/{env}/orders" => orders,
    get "/ttledger/{env}/orders/{orderId}" => order,
    get "/ttledger/{env}/orderdata" => order_data,
    get "/ttledger/{env}/positionmodifications" => position_modifications,
}

/// Uuid kind tags, so order ids, exec ids and record ids never collide.
const ORDER_ID: u64 = 1;
const EXEC_ID: u64 = 2;
const RECORD_ID: u64 = 3;
/// TT's order limits on `/orders` (no paging).
const MAX_ACCOUNTS: usize = 50;
const MAX_ORDERS: usize = 1000;

/// Which fills a request asks for.
struct FillQuery {
    min: u64,
    max: u64,
    account: Option<u64>,
    order: Option<String>,
    product: Option<String>,
}

fn fill_query(query: &Params) -> Result<FillQuery, Refusal> {
    let bound = |name: &str, default: u64| query.get(name).map_or(Ok(default), |v| number(name, v));
    Ok(FillQuery {
        min: bound("minTimestamp", 0)?,
        max: bound("maxTimestamp", u64::MAX)?,
        account: query
            .get("accountId")
            .map(|v| number("accountId", v))
            .transpose()?,
        order: query.get("orderId").cloned(),
        product: query.get("productId").cloned(),
    })
}

impl FillQuery {
    fn matches(&self, world: &World, f: &Fill) -> bool {
        self.account
            .is_none_or(|a| u64::from(world.accounts[usize::from(f.account)].id) == a)
            && self
                .order
                .as_ref()
                .is_none_or(|o| order_id(world, f.order) == *o)
            && self
                .product
                .as_ref()
                .is_none_or(|p| world.product_of(f.instrument).id.to_string() == *p)
    }
}

/// `/fills`: at most one page (500) of fills with `minTimestamp <= timeStamp <=
/// maxTimestamp`, oldest first. Like TT, `lastPage` is always "true": clients page by
/// advancing `minTimestamp` and stop on a short page.
async fn fills(State(state): Shared, query: Q) -> Response {
    serve_fills(&state, &query, |_| true)
}

/// `/tcrfills`: trade-capture (manually entered) fills only.
async fn tcr_fills(State(state): Shared, query: Q) -> Response {
    serve_fills(&state, &query, |f| f.flags & Fill::MANUAL != 0)
}

fn serve_fills(state: &super::State, query: &Params, keep: impl Fn(&Fill) -> bool) -> Response {
    let q = match fill_query(query) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    if let Some(status) = state.schedule.fills_timeout(q.min, q.max) {
        bump(&state.counters.timeouts);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::REQUEST_TIMEOUT);
        return envelope::gateway(status, "Endpoint request timed out");
    }
    let world = state.store.read();
    let start = world.fills.partition_point(|f| f.ts < q.min);
    let page: Vec<Value> = world.fills[start..]
        .iter()
        .take_while(|f| f.ts <= q.max)
        .filter(|f| keep(f) && q.matches(&world, f))
        .take(state.fills_page_size)
        .map(|f| fill_json(&world, f))
        .collect();
    envelope::ok_one("fills", Value::Array(page))
}

/// `/orders?accounts=1,2`: working orders, at most 50 accounts and 1000 orders.
async fn orders(State(state): Shared, query: Q) -> Response {
    let accounts = match id_list("accounts", query.get("accounts")) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    if accounts.len() > MAX_ACCOUNTS {
        return envelope::failed(StatusCode::BAD_REQUEST, "At most 50 accounts per request");
    }
    let world = state.store.read();
    let items = world
        .orders
        .iter()
        .filter(|o| {
            accounts.is_empty()
                || accounts.contains(&u64::from(world.accounts[usize::from(o.account)].id))
        })
        .take(MAX_ORDERS)
        .map(|o| order_json(&world, o));
    envelope::ok_one("orders", items.collect())
}

async fn order(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match world.orders.iter().find(|o| order_id(&world, o.seq) == id) {
        Some(o) => envelope::ok_one("orders", json!([order_json(&world, o)])),
        None => not_found("order", &id),
    }
}

async fn order_data() -> Response {
    let data = json!({
        "side": { "1": "BUY", "2": "SELL" },
        "orderStatus": { "0": "NEW", "1": "PARTIALLY_FILLED", "2": "FILLED", "4": "CANCELED", "8": "REJECTED" },
        "orderType": { "1": "MARKET", "2": "LIMIT", "3": "STOP", "4": "STOP_LIMIT" },
        "timeInForce": { "0": "DAY", "1": "GTC", "3": "IOC", "4": "FOK" },
        "executionType": { "0": "NEW", "F": "TRADE", "4": "CANCELED" },
        "algoType": { "0": "ALGO_TYPE_NONE", "1": "ALGO_TYPE_ADL" },
        "syntheticType": { "0": "NONE" },
        "syntheticStatus": { "0": "NONE" },
        "tradeType": { "0": "REGULAR", "1": "BLOCK" },
        "execInst": { "6": "EXEC_INST_PARTICIPATE_DO_NOT_INITIATE" },
        "contingencyType": { "1": "CONTINGENCY_TYPE_ONE_CANCELS_THE_OTHER" },
        "orderCrossPreventionType": { "0": "NONE" },
        "positionEffect": { "O": "OPEN", "C": "CLOSE" },
        "fillType": { "0": "OUTRIGHT", "3": "POSITION_TRANSFER_FILL" },
        "orderOrigination": { "5": "ORDER_ORIGINATION_FROM_DIRECT_ACCESS_OR_SPONSORED_ACCESS_CUSTOMER" },
        "orderCapacity": { "A": "ORDER_CAPACITY_AGENCY", "P": "ORDER_CAPACITY_PRINCIPAL", "R": "ORDER_CAPACITY_RISKLESS_PRINCIPAL" },
    });
    envelope::ok_one("orderData", data)
}

/// `/positionmodifications`: SOD records and manual fills, oldest first
/// (`reverse=1`: newest first), at most `count`.
async fn position_modifications(State(state): Shared, query: Q) -> Response {
    let q = match fill_query(&query) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let accounts = match id_list("accountIds", query.get("accountIds")) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let world = state.store.read();
    let wanted = |account: u16| {
        accounts.is_empty()
            || accounts.contains(&u64::from(world.accounts[usize::from(account)].id))
    };
    let mut items: Vec<(u64, Value)> = world
        .sods
        .iter()
        .filter(|s| wanted(s.account) && q.min == 0)
        .map(|s| (0, json!({ "modificationType": "SOD", "accountId": world.accounts[usize::from(s.account)].id, "instrumentId": world.instruments[s.instrument as usize].id.to_string(), "netPosition": s.net, "price": s.price })))
        .collect();
    items.extend(
        world
            .fills
            .iter()
            .filter(|f| {
                f.flags & Fill::MANUAL != 0 && wanted(f.account) && (q.min..=q.max).contains(&f.ts)
            })
            .map(|f| {
                (
                    f.ts,
                    json!({ "modificationType": "MANUAL_FILL", "fill": fill_json(&world, f) }),
                )
            }),
    );
    if query.get("reverse").map(String::as_str) == Some("1") {
        items.reverse();
    }
    let count = query
        .get("count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(usize::MAX);
    envelope::ok_one(
        "positionModifications",
        items.into_iter().take(count).map(|(_, v)| v).collect(),
    )
}

/// The uuid of order number `n`.
pub(crate) fn order_id(world: &World, n: u32) -> String {
    derived_uuid(world.seed, ORDER_ID, u64::from(n)).to_string()
}

/// One fill as TT's `fills[]` item, built from the generated `Fill`, with the
/// keys and code forms of real 2026 records (`docs/tt-rest-facts-2.md` §3):
/// enumeration codes as JSON numbers, `tradeDate` as the day's midnight in ns,
/// and spread fills as a parent (`multiLegReportingType` 3, alphanumeric
/// `execId` equal to `uniqueExecId`) followed by legs (2, with `parentInstrumentId`).
pub(crate) fn fill_json(world: &World, f: &Fill) -> Value {
    let instrument = &world.instruments[f.instrument as usize];
    let product = &world.products[instrument.product];
    let account = &world.accounts[usize::from(f.account)];
    let user = i64::from(world.users[usize::from(f.user)].id);
    let party = |role: i64, id: String| -> ledger::FillParty {
        let party = ledger::FillParty::builder()
            .extra(serde_json::Map::new())
            .role(role)
            .id(id)
            .id_source(19);
        party
            .try_into()
            .expect("a party with all fields set is valid")
    };
    let unique_exec_id = derived_uuid(world.seed, EXEC_ID, u64::from(f.seq))
        .simple()
        .to_string();
    let spread = f
        .spread_near_leg()
        .map(|near| spread_id(world.seed, world.instruments[near as usize].id));
    let parent = f.flags & Fill::SPREAD_PARENT != 0;
    let (instrument_id, security_desc, exec_id, leg_type) = match spread {
        Some(id) if parent => (
            id,
            format!("{}/+1", super::ttpds::alias_of(world, instrument)),
            unique_exec_id.clone(),
            3,
        ),
        Some(_) => (
            instrument.id,
            super::ttpds::alias_of(world, instrument),
            exec_id(f),
            2,
        ),
        None => (
            instrument.id,
            super::ttpds::alias_of(world, instrument),
            exec_id(f),
            1,
        ),
    };
    let mut fill = ledger::Fill::builder()
        .extra(serde_json::Map::new())
        .time_stamp(ns(f.ts))
        .transact_time(ns(f.ts.saturating_sub(800_000)))
        .time_sent_client(ns(f.ts.saturating_sub(17_000_000)))
        .time_sent_tt(ns(f.ts.saturating_sub(16_700_000)))
        .trade_date(ns(f.ts - f.ts % NS_PER_DAY))
        .account_id(i64::from(account.id))
        .account(account.name.clone())
        .instrument_id(TtId::from(instrument_id))
        .market_id(i64::from(MARKETS[product.market].0))
        .security_desc(security_desc)
        .order_id(order_id(world, f.order))
        .parent_order_id(String::new())
        .secondary_order_id((u64::from(f.order) + 9_000_000_000).to_string())
        .secondary_cl_ord_id((u64::from(f.order) + 1_788_217_926_000).to_string())
        .secondary_exec_id(format!("{:08X}:{:08X}", f.order, f.seq))
        .exec_id(exec_id)
        .unique_exec_id(unique_exec_id)
        .record_id(derived_uuid(world.seed, RECORD_ID, u64::from(f.seq)).to_string())
        .trade_match_id(TtId::from(trade_match_id(world.seed, f.seq)))
        .side(Code::from(i64::from(f.side)))
        .last_qty(f64::from(f.qty))
        .last_px(f.price)
        .avg_px(f.price)
        .cum_qty(f64::from(f.qty))
        .delta_qty(-f64::from(f.qty))
        .exch_leaves_qty(0.0)
        .ord_status(Code::from(if f.flags & Fill::COMPLETES != 0 {
            2
        } else {
            1
        }))
        .ord_type(Code::from(2))
        .exec_type(Code::from(if f.flags & Fill::COMPLETES != 0 {
            14
        } else {
            15
        }))
        .exec_inst(Code::from(0))
        .time_in_force(Code::from(0))
        .message_type(Code::from(4))
        .multi_leg_reporting_type(Code::from(leg_type))
        .position_effect(Code::from(3))
        .source(Code::from(17))
        .synthetic_type(Code::from(0))
        .externally_created(TtBool::from(false))
        .manual_order_indicator(TtBool::from(f.flags & Fill::MANUAL != 0))
        .user_id(user)
        .curr_user_id(user)
        .broker_id(0)
        .aggressor_indicator(TtBool::from(f.flags & Fill::AGGRESSOR != 0))
        .manual_fill(TtBool::from(f.flags & Fill::MANUAL != 0))
        .connection_id(format!("conn-{}", MARKETS[product.market].1))
        .exch_order_assoc(format!("conn-{}", MARKETS[product.market].1))
        .sender_location_id("US".to_string())
        .text_a(String::new())
        .text_tt(String::new())
        .parties(vec![
            party(85, account.name.clone()),
            party(4, user.to_string()),
        ]);
    if let (Some(id), false) = (spread, parent) {
        fill = fill.parent_instrument_id(TtId::from(id));
    }
    to_json::<ledger::Fill, _>(fill)
}

/// Nanoseconds in a day (`tradeDate` is the fill's day at 00:00 UTC).
const NS_PER_DAY: u64 = 86_400_000_000_000;

/// A numeric exchange execution id (outrights and spread legs).
fn exec_id(f: &Fill) -> String {
    (u64::from(f.seq) + 70_000_000_000).to_string()
}

/// A stable u64 above 2^53 for fill number `seq` (`tradeMatchId`).
fn trade_match_id(seed: u64, seq: u32) -> u64 {
    derived_uuid(seed, RECORD_ID, u64::from(seq))
        .as_u64_pair()
        .0
        | 1 << 62
}

/// Epoch nanoseconds as the generated timestamp type (all sandbox times fit i64).
pub(crate) fn ns(nanos: u64) -> Timestamp {
    Timestamp::from_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
}

/// One working order as TT's `orders[]` item, built from the generated `Order`.
fn order_json(world: &World, o: &Order) -> Value {
    let instrument = &world.instruments[o.instrument as usize];
    let product = &world.products[instrument.product];
    let account = &world.accounts[usize::from(o.account)];
    let user = world.users[usize::from(o.user)].id;
    to_json::<ledger::Order, _>(
        ledger::Order::builder()
            .extra(serde_json::Map::new())
            .order_id(order_id(world, o.seq))
            .parent_order_id(String::new())
            .account_id(i64::from(account.id))
            .account_name(account.name.clone())
            .broker_id(0)
            .user_id(user.to_string())
            .curr_user_id(i64::from(user))
            .market_id(i64::from(MARKETS[product.market].0))
            .instrument_id(TtId::from(instrument.id))
            .security_description(super::ttpds::alias_of(world, instrument))
            .side(Code::from(o.side.to_string()))
            .order_status(Code::from(if o.filled > 0 { "1" } else { "0" }))
            .order_type(Code::from("2"))
            .time_in_force(Code::from("0"))
            .execution_type(Code::from("0"))
            .synthetic_type(Code::from("0"))
            .algo_type(Code::from(0))
            .synthetic_status(Code::from(0))
            .order_qty(f64::from(o.qty))
            .leaves_quantity(f64::from(o.qty - o.filled))
            .cumulated_quantity(f64::from(o.filled))
            .price(o.price)
            .stop_price(0.0)
            .date_time(ns(o.ts))
            .trade_date(20261120)
            .manual_order_indicator(TtBool::from(false))
            .unique_exec_id(
                derived_uuid(world.seed, EXEC_ID, u64::from(o.seq) | 1 << 40).to_string(),
            ),
    )
}
