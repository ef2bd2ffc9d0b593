//! Every record kind TT sends, decoded into the generated types and encoded again.
//!
//! Each fixture under `tests/fixtures/records/` is a whole response body written
//! from `docs/tt-rest-facts.md` §3 in the odd forms TT really uses: ids above
//! `i64::MAX` as strings, 19-digit nanosecond timestamps as numbers or strings,
//! `lastPage` as `"True"`/`"false"`/`true`, one-element arrays for single-object
//! GETs, both spellings of renamed fields, and fields no spec knows. A round trip
//! must give back the same JSON (unknown fields included, via `extra`), and a few
//! typed reads per record check that values landed in typed fields, not just in
//! `extra`.

use std::any::type_name;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Number, Value};
#[allow(unused_imports)]
use ttrest::scalar::{Code, Timestamp, TtBool, TtId};

/// An id beyond `i64::MAX` that the fixtures use.
#[allow(dead_code)]
const BIG_ID: u64 = 18_261_353_047_579_511_153;
/// A 19-digit nanosecond timestamp (beyond 2^53) that the fixtures use.
#[allow(dead_code)]
const NANOS: i64 = 1_705_415_400_123_456_789;

/// Reads `tests/fixtures/records/<name>.json`.
fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/records")
        .join(format!("{name}.json"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

/// Decodes fixture `name` into `T`, encodes it again and requires the same JSON.
///
/// Nothing may be lost: an empty array stays `[]` (optional arrays are
/// `Option<Vec<T>>`) and a missing `lastPage` stays missing (response properties
/// have no default to invent).
#[allow(dead_code)]
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> T {
    let text = fixture(name);
    let original: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"));
    let decoded: T = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "fixture {name} does not decode into {}: {e}; the spec for this record is wrong",
            type_name::<T>()
        )
    });
    let again = serde_json::to_value(&decoded).expect("generated types always serialize");
    if let Some(diff) = first_difference(&original, &again, "") {
        panic!(
            "fixture {name}: round trip through {} changed {diff}",
            type_name::<T>()
        );
    }
    decoded
}

/// The elements of an optional array field the fixture sends.
#[allow(dead_code)]
#[track_caller]
fn items<T>(list: &Option<Vec<T>>) -> &[T] {
    list.as_deref().expect("the fixture sends this list")
}

/// The keys a record kept in `extra`, sorted: the fields no spec names. A
/// spec that lost a typed field would show it here, so tests list exactly
/// the unknown ones.
#[allow(dead_code)]
fn extra_keys(extra: &serde_json::Map<String, Value>) -> Vec<&str> {
    let mut keys: Vec<&str> = extra.keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// The fixture's record `list[i]`, for free-form records (a spec that knows
/// none of their fields keeps the whole object).
#[allow(dead_code)]
fn fixture_record(name: &str, list: &str, i: usize) -> serde_json::Map<String, Value> {
    let page: Value = serde_json::from_str(&fixture(name)).unwrap();
    page[list][i].as_object().expect("an object").clone()
}

/// Where `again` differs from `original`, as a JSON pointer and the two values.
///
/// Objects compare by key (their order is the struct's, not TT's). Numbers must be
/// identical, except that an integral number may come back as the same float:
/// `f64` fields (`displayFactor: 1`) cannot remember that `1` was not `1.0`. This
/// leniency stops at 2^53, so a big id or timestamp that went through `f64` fails.
fn first_difference(original: &Value, again: &Value, at: &str) -> Option<String> {
    match (original, again) {
        (Value::Object(a), Value::Object(b)) => {
            if let Some(key) = a.keys().find(|k| !b.contains_key(*k)) {
                return Some(format!("{at}/{key}: dropped"));
            }
            if let Some(key) = b.keys().find(|k| !a.contains_key(*k)) {
                return Some(format!("{at}/{key}: added as {}", b[key.as_str()]));
            }
            a.iter()
                .find_map(|(k, v)| first_difference(v, &b[k], &format!("{at}/{k}")))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}/{i}"))),
        (Value::Number(a), Value::Number(b)) if same_number(a, b) => None,
        _ if original == again => None,
        _ => Some(format!("{at}: {original} became {again}")),
    }
}

/// Whether two JSON numbers denote the same value without any precision lost.
fn same_number(a: &Number, b: &Number) -> bool {
    const EXACT_IN_F64: i128 = 1 << 53;
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b), a.as_f64(), b.as_f64()) {
        (Some(x), Some(y), _, _) => x == y,
        (Some(i), None, _, Some(f)) | (None, Some(i), Some(f), _) => {
            i.abs() <= EXACT_IN_F64 && f == i as f64
        }
        _ => a == b,
    }
}

#[test]
fn comparison_catches_lost_digits_dropped_and_added_fields() {
    let diff = |a: &str, b: &str| {
        first_difference(
            &serde_json::from_str(a).unwrap(),
            &serde_json::from_str(b).unwrap(),
            "",
        )
    };
    assert_eq!(
        diff(r#"{"a":1,"b":[1.5,"x"]}"#, r#"{"b":[1.5,"x"],"a":1.0}"#),
        None
    );
    assert_eq!(
        diff(
            r#"{"t":1705415400123456789}"#,
            r#"{"t":1.7054154001234568e18}"#
        ),
        Some("/t: 1705415400123456789 became 1.7054154001234568e+18".into())
    );
    assert_eq!(
        diff(r#"{"id":"1"}"#, r#"{"id":1}"#),
        Some(r#"/id: "1" became 1"#.into())
    );
    assert_eq!(
        diff(r#"{"a":[{"x":1}]}"#, r#"{"a":[{}]}"#),
        Some("/a/0/x: dropped".into())
    );
    assert_eq!(
        diff(r#"{}"#, r#"{"lastPage":"true"}"#),
        Some(r#"/lastPage: added as "true""#.into())
    );
    assert!(diff("[1,2]", "[1]").is_some());
}

/// The fixture names; every file in the directory must be listed (and so be tested).
const FIXTURES: &[&str] = &[
    "account",
    "account_limits",
    "accounts",
    "algo",
    "algo_user_parameter",
    "algodata",
    "backtest",
    "credit_utilization",
    "currency_rate",
    "currency_rate_pair",
    "fill",
    "fill_empty_page",
    "fill_real_numbers",
    "fill_real_strings",
    "instrument",
    "instrument_real",
    "instrumentdata",
    "market",
    "mic",
    "order",
    "orderdata",
    "position",
    "position_real",
    "product",
    "product_family",
    "productdata",
    "sod",
    "user",
    "user_accounts",
    "user_detail",
    "user_limits",
    "users",
];

#[test]
fn every_fixture_file_is_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/records");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    assert_eq!(found, FIXTURES);
}

#[cfg(feature = "ttledger")]
mod ttledger {
    use super::*;
    use ttrest::ttledger::types::{
        Fill, GetFillsResponse, GetOrderdataResponse, GetOrdersResponse,
    };

    #[test]
    fn fills_in_both_sample_spellings() {
        let page: GetFillsResponse = round_trip("fill");
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let [py, cs] = items(&page.fills) else {
            panic!("two fills expected")
        };
        assert_eq!(py.instrument_id, Some(TtId::new(BIG_ID)));
        assert_eq!(py.time_stamp, Some(Timestamp::from_nanos(NANOS)));
        assert_eq!(py.transact_time, Some(Timestamp::from_nanos(NANOS)));
        assert_eq!(py.manual_fill, Some(TtBool::new(false)));
        assert_eq!(py.aggressor_indicator, Some(TtBool::new(true)));
        assert_eq!(py.algo_id, Some(TtId::new(10_628_608_476_345_732_679)));
        assert_eq!(py.secondary_cl_order_id.as_deref(), Some("0A1B2C3D"));
        assert_eq!(items(&py.parties).len(), 3);
        assert!(py.extra.contains_key("futureField"));
        // Python-sample spelling: not in the spec, kept verbatim.
        assert_eq!(py.extra["execID"], "61238:M:1234567TN0012345");
        assert_eq!(py.exec_id_any(), Some("61238:M:1234567TN0012345"));
        assert_eq!(py.ord_type, Some(Code::from(2)));
        assert!(py.ord_type.as_ref().is_some_and(Code::is_number));
        assert_eq!(cs.exec_id.as_deref(), Some("61238:M:1234567TN0012346"));
        assert_eq!(cs.exec_id_any(), Some("61238:M:1234567TN0012346"));
        assert_eq!(cs.order_type, Some(Code::from("2")));
        assert!(cs.order_type.as_ref().is_some_and(|c| !c.is_number()));
        assert_eq!(cs.secondary_cl_ord_id.as_deref(), Some("0A1B2C3E"));
        assert_eq!(
            cs.time_stamp.map(Timestamp::as_nanos),
            Some(1_705_415_400_987_654_321)
        );
        assert_eq!(cs.manual_fill, Some(TtBool::new(false)));
        assert_eq!(items(&cs.fills_group).len(), 1);
    }

    /// The two real 2026 fill rows of `docs/tt-rest-facts-2.md` §5 (a spread parent
    /// and its first leg), with ids, times and codes as numbers or as strings.
    fn real_spread_pair(name: &str) -> [Fill; 2] {
        let page: GetFillsResponse = round_trip(name);
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let [parent, leg] = items(&page.fills) else {
            panic!("{name}: two fills expected")
        };
        for f in [parent, leg] {
            assert!(f.extra.is_empty(), "{name}: untyped keys {:?}", f.extra);
            assert_eq!(
                f.trade_date,
                Some(Timestamp::from_nanos(1_788_192_000_000_000_000))
            );
            assert_eq!(
                f.time_sent_client,
                Some(Timestamp::from_nanos(1_788_224_301_385_532_601))
            );
            assert_eq!(
                f.time_sent_tt,
                Some(Timestamp::from_nanos(1_788_224_301_385_815_451))
            );
            assert_eq!(f.algo_id, Some(TtId::new(8_061_805_251_027_279_536)));
            assert_eq!(f.ord_status.as_ref().and_then(Code::as_i64), Some(2));
            assert_eq!(f.exec_type.as_ref().and_then(Code::as_i64), Some(14));
            assert_eq!(f.time_in_force.as_ref().and_then(Code::as_i64), Some(15));
            assert_eq!(f.message_type.as_ref().and_then(Code::as_i64), Some(4));
            assert_eq!(f.manual_order_indicator, Some(TtBool::new(false)));
            assert_eq!(f.externally_created, Some(TtBool::new(false)));
            assert_eq!(f.secondary_exec_id.as_deref(), Some("21"));
            assert_eq!(f.sender_location_id.as_deref(), Some("IN"));
        }
        assert_ne!(parent.time_stamp, parent.transact_time);
        assert_eq!(parent.multi_leg_reporting_type, Some(Code::from(3)));
        assert_eq!(parent.exec_id, parent.unique_exec_id);
        assert_eq!(parent.parent_instrument_id, None);
        assert_eq!(leg.multi_leg_reporting_type, Some(Code::from(2)));
        assert_eq!(leg.parent_instrument_id, parent.instrument_id);
        assert_eq!(leg.exec_id.as_deref(), Some("2689087"));
        assert_eq!(
            leg.instrument_id,
            Some(TtId::new(15_482_573_662_811_159_283))
        );
        assert_eq!(
            leg.trade_match_id,
            Some(TtId::new(8_192_298_711_485_776_175))
        );
        [parent.clone(), leg.clone()]
    }

    #[test]
    fn real_fills_with_numbers_decode_and_round_trip() {
        let [parent, _] = real_spread_pair("fill_real_numbers");
        assert!(parent.ord_status.as_ref().is_some_and(Code::is_number));
    }

    #[test]
    fn real_fills_with_strings_decode_and_round_trip() {
        let [parent, _] = real_spread_pair("fill_real_strings");
        assert!(parent.ord_status.as_ref().is_some_and(|c| !c.is_number()));
    }

    #[test]
    fn an_enum_code_tt_adds_later_decodes_and_round_trips() {
        let text = r#"{"ordStatus":"PENDING_REPLAY","execType":99,"timeInForce":{"code":7}}"#;
        let fill: Fill = serde_json::from_str(text).unwrap();
        assert_eq!(
            fill.ord_status
                .as_ref()
                .map(|c| c.text().into_owned())
                .as_deref(),
            Some("PENDING_REPLAY")
        );
        assert_eq!(fill.exec_type.as_ref().and_then(Code::as_i64), Some(99));
        let again = serde_json::to_value(&fill).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn empty_fills_page_keeps_its_empty_array() {
        let page: GetFillsResponse = round_trip("fill_empty_page");
        assert_eq!(page.fills, Some(vec![]));
    }

    #[test]
    fn working_orders_with_19_digit_times_and_user_parameters() {
        let page: GetOrdersResponse = round_trip("order");
        assert_eq!(page.last_page, Some(TtBool::new(false)));
        let [algo, plain] = items(&page.orders) else {
            panic!("two orders expected")
        };
        assert_eq!(algo.date_time, Some(Timestamp::from_nanos(NANOS)));
        assert_eq!(algo.algo_instrument_id, Some(TtId::new(BIG_ID)));
        assert_eq!(algo.user_id.as_deref(), Some("98765"));
        assert_eq!(algo.manual_order_indicator, Some(TtBool::new(false)));
        assert!(algo.extra.contains_key("orderEcho"));
        assert_eq!(plain.manual_order_indicator, Some(TtBool::new(true)));
        assert_eq!(plain.trade_date, Some(20_240_116));
    }

    #[test]
    fn order_enumerations() {
        let data: GetOrderdataResponse = round_trip("orderdata");
        let json = serde_json::to_value(&data.order_data).unwrap();
        assert_eq!(json["side"]["1"], "SIDE_BUY");
    }
}

#[cfg(feature = "ttmonitor")]
mod ttmonitor {
    use super::*;
    use ttrest::ttmonitor::types::{
        GetCreditutilizationResponse, GetPositionResponse, GetSodByAccountIdResponse,
    };

    #[test]
    fn real_positions_without_sod_price() {
        let page: GetPositionResponse = round_trip("position_real");
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let positions = items(&page.positions);
        assert_eq!(positions.len(), 2);
        for p in positions {
            assert!(p.extra.is_empty(), "{:?}", p.extra);
            assert_eq!(p.sod_price, None);
            assert_eq!(p.sod_price_type.as_deref(), Some("NONE"));
            assert_eq!(p.account_id, Some(1_256_396));
        }
        assert_eq!(positions[0].pnl, Some(-170.0000025331974));
        assert_eq!(
            positions[1].instrument_id,
            Some(TtId::new(17_126_231_917_098_338_340))
        );
    }

    #[test]
    fn positions_page_with_next_key() {
        let page: GetPositionResponse = round_trip("position");
        assert_eq!(page.last_page, Some(TtBool::new(false)));
        assert_eq!(
            page.next_page_key.as_deref(),
            Some("eyJhY2NvdW50SWQiOjEyMzQ1Njd9")
        );
        let first = &items(&page.positions)[0];
        assert_eq!(
            first.instrument_id,
            Some(TtId::new(4_877_721_789_746_411_490))
        );
        assert_eq!(first.net_position, Some(-3.0));
        assert_eq!(first.pnl_price_type.as_deref(), Some("MIDPOINT"));
        assert!(first.extra.contains_key("positionKey"));
    }

    #[test]
    fn sod_records() {
        let page: GetSodByAccountIdResponse = round_trip("sod");
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let [sod] = items(&page.sod) else {
            panic!("one record expected")
        };
        // Free-form (no spec names its fields): the whole record is kept.
        assert_eq!(sod.0, fixture_record("sod", "sod", 0));
        assert_eq!(sod["priceType"], "SETTLE");
    }

    #[test]
    fn credit_utilization_with_a_json_boolean_last_page() {
        let page: GetCreditutilizationResponse = round_trip("credit_utilization");
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let [credit] = items(&page.credit_utilization) else {
            panic!("one record expected")
        };
        // Free-form (no spec names its fields): the whole record is kept.
        assert_eq!(
            credit.0,
            fixture_record("credit_utilization", "creditUtilization", 0)
        );
    }
}

#[cfg(feature = "ttpds")]
mod ttpds {
    use super::*;
    use ttrest::ttpds::types::{
        GetAlgodataResponse, GetAlgosByAlgoIdUserparametersResponse, GetAlgosResponse,
        GetCurrencyratesResponse, GetInstrumentByInstrumentIdResponse, GetInstrumentdataResponse,
        GetMarketsResponse, GetMicsResponse, GetProductdataResponse, GetProductfamiliesResponse,
        GetProductsResponse,
    };

    #[test]
    fn real_instrument_with_fractional_tick_value() {
        let answer: GetInstrumentByInstrumentIdResponse = round_trip("instrument_real");
        let [instrument] = items(&answer.instrument) else {
            panic!("one instrument expected")
        };
        assert!(instrument.extra.is_empty(), "{:?}", instrument.extra);
        assert_eq!(instrument.id, Some(TtId::new(6_867_822_116_513_465_051)));
        assert_eq!(instrument.expiration_date, Some(20_271_209_235_959));
        assert_eq!(instrument.tick_value, Some(24.15));
        assert_eq!(instrument.security_id.as_deref(), Some("271377"));
    }

    #[test]
    fn single_instrument_as_a_one_element_array() {
        let answer: GetInstrumentByInstrumentIdResponse = round_trip("instrument");
        let [instrument] = items(&answer.instrument) else {
            panic!("one instrument expected")
        };
        assert_eq!(instrument.id, Some(TtId::new(4_877_721_789_746_411_490)));
        assert_eq!(
            instrument.product_family_id,
            Some(TtId::new(10_628_608_476_345_732_679))
        );
        assert_eq!(instrument.display_factor, Some(1.0));
        assert_eq!(instrument.expiration_date, Some(20_250_618_120_100));
        assert!(instrument
            .metadata
            .as_deref()
            .unwrap()
            .starts_with("{\"cdd\""));
        assert!(instrument.extra.contains_key("syntheticDetails"));
    }

    #[test]
    fn products_with_optional_name_and_inter_product_flag() {
        let page: GetProductsResponse = round_trip("product");
        let products = items(&page.products);
        let symbols: Vec<_> = products.iter().map(|p| p.symbol.as_deref()).collect();
        assert_eq!(symbols, [Some("ZN"), Some("HO|CL"), Some("XX")]);
        assert_eq!(products[0].currency_id, Some(151));
        assert_eq!(
            products[0].family_id,
            Some(TtId::new(10_628_608_476_345_732_679))
        );
        assert_eq!(products[0].product_type_id, Some(34));
        assert_eq!(products[0].state, Some(4));
        let extras: Vec<_> = products.iter().map(|p| extra_keys(&p.extra)).collect();
        assert_eq!(extras, [vec![], vec![], vec!["exchangeGroup"]]);
        assert_eq!(products[1].is_inter_product, Some(true));
        assert_eq!(products[1].name, None);
        assert_eq!(products[2].id, Some(TtId::new(7)));
    }

    #[test]
    fn product_families() {
        let page: GetProductfamiliesResponse = round_trip("product_family");
        let [family] = items(&page.product_families) else {
            panic!("one family expected")
        };
        // Free-form (no spec names its fields): the whole record is kept.
        assert_eq!(
            family.0,
            fixture_record("product_family", "productFamilies", 0)
        );
    }

    #[test]
    fn markets_with_numeric_and_string_ids() {
        let page: GetMarketsResponse = round_trip("market");
        let ids: Vec<_> = items(&page.markets).iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            [
                Some(TtId::new(7)),
                Some(TtId::new(32)),
                Some(TtId::new(183))
            ]
        );
    }

    #[test]
    fn mics_under_the_markets_key() {
        let page: GetMicsResponse = round_trip("mic");
        let mics = items(&page.markets);
        assert_eq!(mics[0].desc.as_deref(), Some("XCME"));
        assert_eq!(mics[1].market_id, Some(TtId::new(92)));
    }

    #[test]
    fn currency_rates_all_pairs_and_one_pair() {
        let all: GetCurrencyratesResponse = round_trip("currency_rate");
        assert_eq!(items(&all.currency_rates)[0].rate, Some(0.9213));
        let one: GetCurrencyratesResponse = round_trip("currency_rate_pair");
        assert_eq!(one.currency_rate.unwrap().rate, Some(147.85));
    }

    #[test]
    fn algos_and_their_user_parameters() {
        let page: GetAlgosResponse = round_trip("algo");
        assert_eq!(items(&page.algos)[1].id, Some(TtId::new(BIG_ID)));
        let params: GetAlgosByAlgoIdUserparametersResponse = round_trip("algo_user_parameter");
        assert_eq!(
            items(&params.user_parameters)[0].value.as_deref(),
            Some("stringValue")
        );
    }

    #[test]
    fn enumerations() {
        let products: GetProductdataResponse = round_trip("productdata");
        assert_eq!(items(&products.currencies)[0].id, Some(151));
        let instruments: GetInstrumentdataResponse = round_trip("instrumentdata");
        let codes: Vec<_> = items(&instruments.option_codes)
            .iter()
            .map(|c| (c.id, c.name.as_deref(), extra_keys(&c.extra)))
            .collect();
        assert_eq!(
            codes,
            [
                (Some(0), Some("CALL"), vec![]),
                (Some(1), Some("PUT"), vec![])
            ]
        );
        let _: GetAlgodataResponse = round_trip("algodata");
    }
}

#[cfg(feature = "ttaccount")]
mod ttaccount {
    use super::*;
    use ttrest::ttaccount::types::{
        GetAccountByAccountIdLimitsResponse, GetAccountByAccountIdResponse, GetAccountsResponse,
    };

    #[test]
    fn single_account_as_a_one_element_array() {
        let answer: GetAccountByAccountIdResponse = round_trip("account");
        let [account] = items(&answer.account) else {
            panic!("one account expected")
        };
        assert_eq!(account.id, Some(1_234_567));
        assert_eq!(account.name.as_deref(), Some("&GIVEUP-01"));
        let limits = account.risk_limits.as_ref().unwrap();
        assert_eq!(
            items(&limits.product_limits)[0].product_id,
            Some(TtId::new(16_143_309_052_651_006_928))
        );
        assert!(account.extra.contains_key("clearingFirm"));
    }

    #[test]
    fn accounts_page() {
        let page: GetAccountsResponse = round_trip("accounts");
        assert_eq!(page.last_page, Some(TtBool::new(false)));
        assert_eq!(page.request_version, Some(3));
        let accounts = items(&page.accounts);
        let typed: Vec<_> = accounts
            .iter()
            .map(|a| {
                (
                    a.id,
                    a.name.as_deref(),
                    a.company_id,
                    a.parent_account_id,
                    a.revision,
                )
            })
            .collect();
        assert_eq!(
            typed,
            [
                (
                    Some(1_234_567),
                    Some("ZN-TRADER-01"),
                    Some(4242),
                    Some(0),
                    Some(5)
                ),
                (
                    Some(1_234_568),
                    Some("ES-TRADER-02"),
                    Some(4242),
                    Some(1_234_567),
                    Some(1)
                ),
            ]
        );
        let extras: Vec<_> = accounts.iter().map(|a| extra_keys(&a.extra)).collect();
        assert_eq!(extras, [vec![], vec!["giveupOnly"]]);
    }

    #[test]
    fn account_limits() {
        let page: GetAccountByAccountIdLimitsResponse = round_trip("account_limits");
        assert_eq!(items(&page.account_limits)[0].account_id, Some(1_234_567));
    }
}

#[cfg(feature = "ttuser")]
mod ttuser {
    use super::*;
    use ttrest::ttuser::types::{
        GetUserByUserIdAccountsResponse, GetUserByUserIdLimitsResponse, GetUserByUserIdResponse,
        GetUsersResponse,
    };

    #[test]
    fn single_user_as_a_one_element_array() {
        let answer: GetUserByUserIdResponse = round_trip("user");
        let [user] = items(&answer.user) else {
            panic!("one user expected")
        };
        assert_eq!(user.id, Some(98_765));
        assert_eq!(
            user.company.as_ref().unwrap().abbrev_name.as_deref(),
            Some("EXCO")
        );
        assert!(user.extra.contains_key("status"));
    }

    #[test]
    fn single_user_in_the_detail_spelling() {
        let answer: GetUserByUserIdResponse = round_trip("user_detail");
        let [user] = items(&answer.user) else {
            panic!("one user expected")
        };
        assert!(user.extra.is_empty(), "{:?}", user.extra);
        assert_eq!(user.first_name_any(), Some("Alex"));
        assert_eq!(user.last_name_any(), Some("Smith"));
        let settings = user.settings.as_ref().unwrap();
        assert_eq!(settings.full_admin, Some(TtBool::new(true)));
        assert_eq!(settings.disable_trading, Some(TtBool::new(false)));
        assert_eq!(user.user_active, Some(TtBool::new(true)));
        assert_eq!(user.person_id, Some(TtId::new(BIG_ID)));
        assert_eq!(user.trade_mode.as_ref().and_then(Code::as_i64), Some(3));
        let address = user.address.as_ref().unwrap();
        assert_eq!(
            address.country_id.as_ref().and_then(Code::as_i64),
            Some(226)
        );
    }

    #[test]
    fn list_spelling_of_names_reads_the_same() {
        let page: GetUsersResponse = round_trip("users");
        assert_eq!(items(&page.users)[0].first_name_any(), Some("Jane"));
        assert_eq!(items(&page.users)[0].last_name_any(), Some("Doe"));
    }

    #[test]
    fn users_page_with_upper_case_last_page() {
        let page: GetUsersResponse = round_trip("users");
        assert_eq!(page.last_page, Some(TtBool::new(true)));
        let users = items(&page.users);
        let typed: Vec<_> = users
            .iter()
            .map(|u| (u.id, u.alias.as_deref(), u.email.as_deref()))
            .collect();
        assert_eq!(
            typed,
            [
                (Some(98_765), Some("jdoe"), Some("jdoe@example.com")),
                (Some(98_766), Some("rroe"), Some("rroe@example.com")),
            ]
        );
        let extras: Vec<_> = users.iter().map(|u| extra_keys(&u.extra)).collect();
        assert_eq!(extras, [vec![], vec!["phone"]]);
    }

    #[test]
    fn user_accounts_with_permissions() {
        let page: GetUserByUserIdAccountsResponse = round_trip("user_accounts");
        assert_eq!(page.user_id, Some(98_765));
        assert_eq!(
            items(&page.accounts)[0].account_name.as_deref(),
            Some("ZN-TRADER-01")
        );
    }

    #[test]
    fn user_limits() {
        let page: GetUserByUserIdLimitsResponse = round_trip("user_limits");
        assert_eq!(items(&page.user_limits)[0].user_id, Some(98_765));
    }
}

#[cfg(feature = "ttbacktest")]
mod ttbacktest {
    use super::*;
    use ttrest::ttbacktest::types::GetAlgobacktestByBacktestIdResponse;

    #[test]
    fn backtest_status() {
        let answer: GetAlgobacktestByBacktestIdResponse = round_trip("backtest");
        let backtest = answer.backtest.unwrap();
        assert_eq!(backtest.backtest_status.as_deref(), Some("RUNNING"));
        assert!(backtest.extra.contains_key("progress"));
    }
}
