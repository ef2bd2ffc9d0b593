//! ttpds: markets, products, instruments, algos and their enumerations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{not_found, number, to_json, Shared, Q};
use crate::data::{self, Instrument, Product, World, CURRENCIES, MARKETS};
use crate::envelope;
use ttrest::scalar::TtId;
use ttrest::ttpds::types as pds;

routes! {
    get "/ttpds/{env}/markets" => markets,
    get "/ttpds/{env}/mics" => mics,
    get "/ttpds/{env}/miccodes" => mic_codes,
    get "/ttpds/{env}/securityexchanges" => security_exchanges,
    get "/ttpds/{env}/productdata" => product_data,
    get "/ttpds/{env}/instrumentdata" => instrument_data,
    get "/ttpds/{env}/algodata" => algo_data,
    get "/ttpds/{env}/products" => products,
    get "/ttpds/{env}/product/{productId}" => product,
    get "/ttpds/{env}/productfamilies" => product_families,
    get "/ttpds/{env}/productfamily" => product_family_query,
    get "/ttpds/{env}/productfamily/{productFamilyId}" => product_family_path,
    get "/ttpds/{env}/instruments" => instruments,
    get "/ttpds/{env}/instrument/{instrumentId}" => instrument,
    get "/ttpds/{env}/syntheticinstruments" => synthetic_instruments,
    get "/ttpds/{env}/currencyrates" => currency_rates,
    get "/ttpds/{env}/algos" => algos,
    get "/ttpds/{env}/algos/{algoId}/userparameters" => algo_user_parameters,
}

const PRODUCT_TYPES: &[(u32, &str, &str)] = &[
    (34, "FUT", "Future"),
    (51, "OPT", "Option"),
    (43, "MLEG", "Multileg"),
    (200, "SYN", "Synthetic"),
];
const ALGOS: &[(&str, &str)] = &[
    ("TT_Bracket", "1.4"),
    ("TT_Iceberg", "2.1"),
    ("ADL_Spreader", "0.9"),
    ("ADL_Scalper", "1.0"),
];

async fn markets() -> Response {
    let items = MARKETS.iter().map(|(id, name, _)| {
        to_json::<pds::Market, _>(
            pds::Market::builder()
                .extra(serde_json::Map::new())
                .id(TtId::from(u64::from(*id)))
                .name(name.to_string()),
        )
    });
    envelope::ok_one("markets", items.collect())
}

/// `/mics` answers under `markets` (sic), as TT does.
async fn mics() -> Response {
    let items = MARKETS.iter().enumerate().map(|(i, (id, _, mic))| {
        let mic = pds::Mic::builder()
            .extra(serde_json::Map::new())
            .id(TtId::from(i as u64 + 1))
            .desc(mic.to_string())
            .market_id(TtId::from(u64::from(*id)));
        to_json::<pds::Mic, _>(mic)
    });
    envelope::ok_one("markets", items.collect())
}

async fn mic_codes() -> Response {
    let items = MARKETS
        .iter()
        .map(|(id, _, mic)| json!({ "micCode": mic, "marketId": id }));
    envelope::ok_one("micCodes", items.collect())
}

async fn security_exchanges() -> Response {
    let items = MARKETS
        .iter()
        .enumerate()
        .map(|(i, (_, name, mic))| json!({ "id": i + 1, "name": name, "mic": mic }));
    envelope::ok_one("securityExchanges", items.collect())
}

async fn product_data() -> Response {
    let currencies = CURRENCIES
        .iter()
        .map(|(id, code)| json!({ "id": id, "name": code, "desc": code }));
    let types = PRODUCT_TYPES
        .iter()
        .map(|(id, name, desc)| json!({ "id": id, "name": name, "desc": desc }));
    envelope::ok(serde_json::Map::from_iter([
        ("currencies".to_string(), currencies.collect()),
        ("productTypes".to_string(), types.collect()),
    ]))
}

async fn instrument_data() -> Response {
    let terms = ["Month", "Quarter", "Week", "Day"]
        .iter()
        .enumerate()
        .map(|(i, n)| json!({ "id": i + 1, "name": n, "desc": n }));
    envelope::ok(serde_json::Map::from_iter([
        (
            "comboTypes".to_string(),
            json!([{ "id": 1, "name": "Calendar", "desc": "Calendar spread" }]),
        ),
        (
            "optionCodes".to_string(),
            json!([{ "id": 0, "name": "Call", "desc": "Call" }, { "id": 1, "name": "Put", "desc": "Put" }]),
        ),
        (
            "optionSchemes".to_string(),
            json!([{ "id": 1, "name": "American", "desc": "American" }, { "id": 2, "name": "European", "desc": "European" }]),
        ),
        ("seriesTerms".to_string(), terms.collect()),
    ]))
}

async fn algo_data() -> Response {
    envelope::ok_one(
        "algoData",
        json!({ "userParameterTypes": { "0": "DOUBLE", "2": "INT32", "6": "BOOL", "7": "STRING" } }),
    )
}

/// `/products?marketId=7`: one market's products, paged by key.
async fn products(State(state): Shared, query: Q) -> Response {
    let Some(market) = query.get("marketId") else {
        return envelope::failed(StatusCode::BAD_REQUEST, "marketId is required");
    };
    let market = match number("marketId", market) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let world = state.store.read();
    let items: Vec<&Product> = world
        .products
        .iter()
        .filter(|p| u64::from(MARKETS[p.market].0) == market)
        .collect();
    state.paged("products", &items, &query, |p| product_json(p))
}

async fn product(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match world.products.iter().find(|p| p.id.to_string() == id) {
        Some(p) => envelope::ok_one("product", product_json(p)),
        None => not_found("product", &id),
    }
}

async fn product_families(State(state): Shared, query: Q) -> Response {
    let markets = match super::id_list("marketId", query.get("marketId")) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let world = state.store.read();
    let items = world
        .products
        .iter()
        .filter(|p| markets.is_empty() || markets.contains(&u64::from(MARKETS[p.market].0)))
        .map(family_json);
    envelope::ok_one("productFamilies", items.collect())
}

async fn product_family_query(State(state): Shared, query: Q) -> Response {
    let Some(id) = query.get("productFamilyId") else {
        return envelope::failed(StatusCode::BAD_REQUEST, "productFamilyId is required");
    };
    let world = state.store.read();
    match world
        .products
        .iter()
        .find(|p| p.family_id.to_string() == *id)
    {
        Some(p) => envelope::ok(serde_json::Map::from_iter([
            ("productFamily".to_string(), family_json(p)),
            ("products".to_string(), json!([product_json(p)])),
        ])),
        None => not_found("productFamily", id),
    }
}

async fn product_family_path(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
) -> Response {
    let world = state.store.read();
    match world
        .products
        .iter()
        .find(|p| p.family_id.to_string() == id)
    {
        Some(p) => envelope::ok_one("productFamily", family_json(p)),
        None => not_found("productFamily", &id),
    }
}

/// `/instruments?productId=...` or `?alias=...`; `productTypeId` alone returns nothing.
async fn instruments(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let product = query.get("productId");
    let alias = query.get("alias");
    let items: Vec<&Instrument> = world
        .instruments
        .iter()
        .filter(|i| {
            let by_product =
                product.is_some_and(|p| world.products[i.product].id.to_string() == *p);
            let by_alias = alias.is_some_and(|a| alias_of(&world, i).eq_ignore_ascii_case(a));
            by_product || by_alias
        })
        .collect();
    state.paged("instruments", &items, &query, |i| {
        instrument_json(&world, i)
    })
}

/// `/instrument/{id}` wraps the one instrument in an array, as TT does.
async fn instrument(State(state): Shared, Path((_env, id)): Path<(String, String)>) -> Response {
    let world = state.store.read();
    match world.instruments.iter().find(|i| i.id.to_string() == id) {
        Some(i) => envelope::ok_one("instrument", json!([instrument_json(&world, i)])),
        None => not_found("instrument", &id),
    }
}

async fn synthetic_instruments(State(state): Shared, query: Q) -> Response {
    let none: [Value; 0] = [];
    state.paged("syntheticInstruments", &none, &query, Value::clone)
}

/// All pairs as `currency_rates`, or one pair (by names or ids) as `currency_rate`.
async fn currency_rates(query: Q) -> Response {
    let rate = |from: u32, to: u32| rate_between(from, to);
    let by_name = |key: &str| {
        query.get(key).and_then(|n| {
            CURRENCIES
                .iter()
                .find(|(_, c)| c.eq_ignore_ascii_case(n))
                .map(|c| c.0)
        })
    };
    let by_id = |key: &str| query.get(key).and_then(|n| n.parse::<u32>().ok());
    let pair = (
        by_name("fromCurrencyName").or(by_id("fromCurrencyId")),
        by_name("toCurrencyName").or(by_id("toCurrencyId")),
    );
    match pair {
        (Some(from), Some(to)) => {
            let extra = serde_json::Map::from_iter([
                ("fromCurrencyId".to_string(), json!(from)),
                ("toCurrencyId".to_string(), json!(to)),
            ]);
            envelope::ok_one(
                "currency_rate",
                to_json::<pds::CurrencyRate, _>(
                    pds::CurrencyRate::builder()
                        .extra(serde_json::Map::new())
                        .rate(rate(from, to))
                        .extra(extra),
                ),
            )
        }
        (None, None) if !query.keys().any(|k| k.contains("Currency")) => {
            let all = CURRENCIES
                .iter()
                .flat_map(|a| CURRENCIES.iter().map(move |b| (a.0, b.0)))
                .filter(|(a, b)| a != b)
                .map(
                    |(a, b)| json!({ "fromCurrencyId": a, "toCurrencyId": b, "rate": rate(a, b) }),
                );
            envelope::ok_one("currency_rates", all.collect())
        }
        _ => envelope::failed(
            StatusCode::BAD_REQUEST,
            "Send fromCurrencyName with toCurrencyName, or fromCurrencyId with toCurrencyId",
        ),
    }
}

fn rate_between(from: u32, to: u32) -> f64 {
    let usd = |c: u32| match c {
        46 => 1.155,
        52 => 1.31,
        125 => 0.77,
        _ => 1.0,
    };
    let rate: f64 = usd(from) / usd(to);
    (rate * 1e6).round() / 1e6
}

async fn algos(State(state): Shared, query: Q) -> Response {
    let world = state.store.read();
    let items: Vec<(u64, &str, &str)> = world
        .algo_ids
        .iter()
        .zip(ALGOS)
        .map(|(id, (n, v))| (*id, *n, *v))
        .collect();
    state.paged("algos", &items, &query, |(id, name, version)| {
        to_json::<pds::Algo, _>(
            pds::Algo::builder()
                .extra(serde_json::Map::new())
                .id(TtId::from(*id))
                .name(name.to_string())
                .version(json!(version)),
        )
    })
}

async fn algo_user_parameters(
    State(state): Shared,
    Path((_env, id)): Path<(String, String)>,
) -> Response {
    if !state
        .store
        .read()
        .algo_ids
        .iter()
        .any(|a| a.to_string() == id)
    {
        return not_found("algo", &id);
    }
    let params = [
        ("Quantity", "qty", 2, "intValue"),
        ("Offset ticks", "offset", 0, "doubleValue"),
        ("Algo version", "_algo_version", 7, "stringValue"),
    ]
    .into_iter()
    .map(|(display, name, kind, value)| {
        let p = pds::AlgoUserParameter::builder()
            .extra(serde_json::Map::new())
            .display_name(display.to_string())
            .name(name.to_string())
            .type_(kind)
            .value(value.to_string());
        to_json::<pds::AlgoUserParameter, _>(p)
    });
    envelope::ok_one("userParameters", params.collect())
}

/// `"ES Dec26"`.
pub(crate) fn alias_of(world: &World, i: &Instrument) -> String {
    format!(
        "{} {}",
        world.products[i.product].symbol,
        data::month(i.month).1
    )
}

fn product_json(p: &Product) -> Value {
    let product = pds::Product::builder()
        .extra(serde_json::Map::new())
        .id(TtId::from(p.id))
        .family_id(TtId::from(p.family_id))
        .symbol(p.symbol.to_string())
        .name(p.name.to_string())
        .product_type_id(34)
        .state(4)
        .currency_id(i64::from(p.currency));
    to_json::<pds::Product, _>(product)
}

fn family_json(p: &Product) -> Value {
    json!({ "id": p.family_id.to_string(), "name": p.name, "symbol": p.symbol, "marketId": MARKETS[p.market].0 })
}

fn instrument_json(world: &World, i: &Instrument) -> Value {
    let p = &world.products[i.product];
    let (yyyymm, term) = data::month(i.month);
    let last_trade = i64::from(yyyymm) * 100 + 18;
    let (numerator, denominator) = tick_fraction(p.tick);
    let instrument = pds::Instrument::builder()
        .extra(serde_json::Map::new())
        .id(TtId::from(i.id))
        .name(format!("{}{}", p.symbol, term))
        .alias(alias_of(world, i))
        .product_id(TtId::from(p.id))
        .product_family_id(TtId::from(p.family_id))
        .product_symbol(p.symbol.to_string())
        .product_type_id(34)
        .market_id(i64::from(MARKETS[p.market].0))
        .security_id((i.id % 1_000_000).to_string())
        .security_exchange(p.market as i64 + 1)
        .term(term.to_string())
        .ric_code(format!("{}{}", p.symbol, &term[..1]))
        .series_term_id(1)
        .expiration_date(last_trade * 1_000_000 + 213_000)
        .last_trade_date(last_trade)
        .tick_size(p.tick)
        .tick_size_numerator(numerator)
        .tick_size_denominator(denominator)
        .tick_value((p.tick * p.point_value * 1e6).round() / 1e6)
        .point_value(p.point_value)
        .display_factor(1.0)
        .display_type(0)
        .round_lot_qty(1)
        .min_lot_size(1)
        .market_depth(10)
        .metadata(format!("{{\"cdd\":\"{}\"}}", p.symbol));
    to_json::<pds::Instrument, _>(instrument)
}

/// A tick size as a fraction with a power-of-ten or power-of-two denominator.
fn tick_fraction(tick: f64) -> (i64, i64) {
    for denominator in [
        1i64, 2, 4, 8, 10, 16, 20, 32, 64, 100, 1_000, 10_000, 100_000,
    ] {
        let numerator = tick * denominator as f64;
        if (numerator - numerator.round()).abs() < 1e-9 {
            return (numerator.round() as i64, denominator);
        }
    }
    (1, 1)
}
