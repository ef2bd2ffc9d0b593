//! ttsetup: company-level setup. Little is public (path names, TT's SDK, REST 1.0
//! shapes), so answers are small plausible objects; the order-tag defaults and
//! fields, whose shapes are known, are built through the generated types.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::ttaccount::COMPANY_ID;
use super::{number, to_json, Refusal, Shared, Q};
use crate::data::{World, MARKETS};
use crate::envelope;
use ttrest::scalar::{Code, TtBool, TtId};
use ttrest::ttsetup::types as setup;

routes! {
    get "/ttsetup/{env}/commondata" => common_data,
    get "/ttsetup/{env}/ttcommondata" => common_data,
    get "/ttsetup/{env}/company" => company,
    get "/ttsetup/{env}/ordertagdefaults" => order_tag_defaults,
    get "/ttsetup/{env}/ordertagdefaults/{orderTagDefaultId}" => order_tag_default,
    get "/ttsetup/{env}/ordertagdefaults/algos" => order_tag_algos,
    get "/ttsetup/{env}/ordertagdefaults/commondata" => order_tag_common_data,
    get "/ttsetup/{env}/ordertagdefaults/companyexchangeproductgroups" => company_exchange_product_groups,
    get "/ttsetup/{env}/ordertagdefaults/exchangeproductgroups" => exchange_product_groups,
    get "/ttsetup/{env}/ordertagdefaults/fields" => order_tag_fields,
    get "/ttsetup/{env}/ordertagdefaults/profiles" => order_tag_profiles,
    get "/ttsetup/{env}/company/productmargin/{companyId}" => product_margins,
    get "/ttsetup/{env}/organizations" => organizations,
    get "/ttsetup/{env}/report" => report,
    get "/ttsetup/{env}/connections" => connections,
}

async fn common_data() -> Response {
    envelope::ok_one(
        "commonData",
        json!({ "timeZones": ["America/Chicago", "Europe/London", "Asia/Singapore"] }),
    )
}

async fn company() -> Response {
    envelope::ok_one(
        "company",
        json!({ "id": COMPANY_ID, "name": "Sandbox Trading LLC", "abbrevName": "SBX" }),
    )
}

/// One order-tag field: id, name and allowed `(code, label)` values (none: free text).
type Field = (i64, &'static str, &'static [(i64, &'static str)]);

/// The order-tag fields: an operator id (free text) and an order capacity (an enum).
const FIELDS: &[Field] = &[
    (1, "Operator ID", &[]),
    (2, "Order Capacity", &[(1, "Agency"), (2, "Principal")]),
];

/// `/ordertagdefaults`: one default per user and field, paged (REST 1.0 shape).
async fn order_tag_defaults(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let rows = tag_defaults(&world);
    state.paged("orderTagDefaults", &rows, &query, Value::clone)
}

fn tag_defaults(world: &World) -> Vec<Value> {
    let mut rows = Vec::new();
    for user in &world.users {
        for &(field, _, enums) in FIELDS {
            let value = match enums.first() {
                Some(&(code, _)) => json!(code),
                None => json!(format!("SBX{:06}", user.id)),
            };
            let row = setup::OrderTagDefault::builder()
                .extra(serde_json::Map::new())
                .user_id(i64::from(user.id))
                .field_id(TtId::from(field as u64))
                .value(value);
            rows.push(to_json::<setup::OrderTagDefault, _>(row));
        }
    }
    rows
}

/// `/ordertagdefaults/{id}`: the default numbered `id` (shape unknown: the list's item).
async fn order_tag_default(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
) -> Response {
    let world = state.store.read();
    let found = number("orderTagDefaultId", &id).and_then(|n| {
        usize::try_from(n)
            .ok()
            .and_then(|n| tag_defaults(&world).into_iter().nth(n))
            .ok_or_else(|| Refusal::missing("order-tag default", &id))
    });
    match found {
        Ok(row) => envelope::ok_one("orderTagDefault", json!([row])),
        Err(e) => e.into_response(),
    }
}

/// `/ordertagdefaults/fields`: the fields, with their allowed values (REST 1.0 shape).
async fn order_tag_fields(State(state): Shared, query: Q) -> Response {
    let rows: Vec<Value> = FIELDS
        .iter()
        .map(|&(id, name, enums)| {
            let enums = enums
                .iter()
                .map(|&(code, label)| {
                    setup::OrderTagDefaultFieldEnum::builder()
                        .extra(serde_json::Map::new())
                        .value_enum_id(Code::from(code))
                        .value_enum_name(label.to_string())
                        .try_into()
                        .expect("an allowed value with both fields is valid")
                })
                .collect::<Vec<_>>();
            let field = setup::OrderTagDefaultField::builder()
                .extra(serde_json::Map::new())
                .field_id(TtId::from(id as u64))
                .name(name.to_string())
                .is_required(TtBool::from(id == 1))
                .market_id(i64::from(MARKETS[0].0))
                .value_type_id(Code::from(if enums.is_empty() { 1 } else { 2 }))
                .category(json!("Compliance"))
                .enums(enums);
            to_json::<setup::OrderTagDefaultField, _>(field)
        })
        .collect();
    state.paged("fields", &rows, &query, Value::clone)
}

async fn order_tag_algos(query: Q) -> Response {
    match query
        .get("companyId")
        .map(|c| number("companyId", c))
        .transpose()
    {
        Ok(_) => envelope::ok_one(
            "algos",
            json!([{ "companyId": COMPANY_ID, "algoName": "TT Iceberg", "enabled": true }]),
        ),
        Err(e) => e.into_response(),
    }
}

async fn order_tag_common_data() -> Response {
    envelope::ok_one(
        "commonData",
        json!({ "valueTypes": [{ "id": 1, "name": "String" }, { "id": 2, "name": "Enum" }] }),
    )
}

/// Exchange-product groups: one per sandbox market.
fn product_groups(company: bool) -> Vec<Value> {
    MARKETS
        .iter()
        .enumerate()
        .map(|(i, &(market, name, _))| {
            let mut group =
                json!({ "id": i + 1, "marketId": market, "name": format!("{name} futures") });
            if company {
                group["companyId"] = json!(COMPANY_ID);
            }
            group
        })
        .collect()
}

async fn company_exchange_product_groups(State(state): Shared, query: Q) -> Response {
    state.paged(
        "companyExchangeProductGroups",
        &product_groups(true),
        &query,
        Value::clone,
    )
}

async fn exchange_product_groups(State(state): Shared, query: Q) -> Response {
    state.paged(
        "exchangeProductGroups",
        &product_groups(false),
        &query,
        Value::clone,
    )
}

async fn order_tag_profiles(State(state): Shared, query: Q) -> Response {
    let rows = [json!({ "id": 1, "name": "Default", "companyId": COMPANY_ID })];
    state.paged("profiles", &rows, &query, Value::clone)
}

/// `/company/productmargin/{companyId}`: a margin per product, for the sandbox company only.
async fn product_margins(
    State(state): Shared,
    Path((_env, company)): Path<(String, String)>,
    query: Q,
) -> Response {
    match number("companyId", &company) {
        Ok(id) if id == COMPANY_ID as u64 => {}
        Ok(_) => return Refusal::missing("company", &company).into_response(),
        Err(e) => return e.into_response(),
    }
    let world = state.store.read();
    let rows: Vec<Value> = world
        .products
        .iter()
        .map(|p| json!({ "productId": p.id.to_string(), "marketId": MARKETS[p.market].0, "initialMargin": p.point_value * 120.0, "maintenanceMargin": p.point_value * 100.0 }))
        .collect();
    state.paged("productMargins", &rows, &query, Value::clone)
}

async fn organizations() -> Response {
    envelope::ok_one(
        "organizations",
        json!([{ "id": 1, "name": "Sandbox Trading LLC", "companyId": COMPANY_ID }]),
    )
}

async fn report() -> Response {
    envelope::ok_one("reports", json!([]))
}

async fn connections() -> Response {
    envelope::ok_one(
        "connections",
        json!([{ "id": 1, "name": "CME-SBX-1", "marketId": 7 }, { "id": 2, "name": "ICE-SBX-1", "marketId": 32 }]),
    )
}
