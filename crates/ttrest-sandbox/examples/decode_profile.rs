//! Decodes one 500-fill sandbox `/fills` page many times: a fixed workload
//! for instruction-counting profilers. Modes:
//!
//! - `typed`: into `GetFillsResponse`; `value`: into one `serde_json::Value`;
//! - `raw`: cut into `ttrest::paginate::RawFill`s (page, time and identity);
//! - `cells`: `raw`, then every fill's typed cells of `ttrest::columns::FILL`
//!   read from its text (what a store or Parquet sink does per fill);
//! - `value-per-fill`: `raw`, then a `Value` per fill written back as text
//!   (what the store did per fill before it read cells from the text).
//!
//! Run under callgrind, counting only the decode loop:
//!
//! ```text
//! cargo build --release -p ttrest-sandbox --example decode_profile
//! valgrind --tool=callgrind --toggle-collect='decode_profile::decode_*' \
//!     target/release/examples/decode_profile typed 20   # or value, raw, cells, value-per-fill
//! ```
//!
//! The page comes from the same sandbox answer as `benches/decode.rs`.

use std::hint::black_box;
use ttrest::ttledger::types::GetFillsResponse;
use ttrest_sandbox::Sandbox;

/// Fills per page, TT's page size for `/fills`.
const PAGE: usize = 500;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "typed".into());
    let rounds: usize = args
        .next()
        .map_or(20, |n| n.parse().expect("rounds: a number"));
    let page = sandbox_page();
    match mode.as_str() {
        "typed" => decode_typed(&page, rounds),
        "value" => decode_value(&page, rounds),
        "raw" => decode_raw(&page, rounds),
        "cells" => decode_cells(&page, rounds),
        "value-per-fill" => decode_value_per_fill(&page, rounds),
        other => panic!("mode {other:?}: expected typed, value, raw, cells or value-per-fill"),
    }
    println!(
        "{mode}: {rounds} x {} bytes, a Fill is {} bytes",
        page.len(),
        std::mem::size_of::<ttrest::ttledger::types::Fill>()
    );
}

#[inline(never)]
fn decode_typed(page: &[u8], rounds: usize) {
    for _ in 0..rounds {
        let typed: GetFillsResponse = ttrest::json::from_slice(black_box(page)).expect("typed");
        assert_eq!(typed.fills.map(|f| f.len()), Some(PAGE));
    }
}

#[inline(never)]
fn decode_value(page: &[u8], rounds: usize) {
    for _ in 0..rounds {
        let value: serde_json::Value = ttrest::json::from_slice(black_box(page)).expect("value");
        black_box(value);
    }
}

#[inline(never)]
fn decode_raw(page: &[u8], rounds: usize) {
    let page = bytes::Bytes::copy_from_slice(page);
    for _ in 0..rounds {
        let fills = ttrest::paginate::fills_page(black_box(page.clone())).expect("raw");
        assert_eq!(fills.len(), PAGE);
    }
}

#[inline(never)]
fn decode_cells(page: &[u8], rounds: usize) {
    let page = bytes::Bytes::copy_from_slice(page);
    let columns = ttrest::columns::FILL;
    let reader = ttrest::columns::CellReader::new(columns);
    for _ in 0..rounds {
        let fills = ttrest::paginate::fills_page(black_box(page.clone())).expect("raw");
        let mut cells = vec![ttrest::columns::Cell::Null; columns.len()];
        for fill in &fills {
            reader.read_into(fill.json(), &mut cells).expect("cells");
            black_box(&cells);
        }
    }
}

#[inline(never)]
fn decode_value_per_fill(page: &[u8], rounds: usize) {
    let page = bytes::Bytes::copy_from_slice(page);
    for _ in 0..rounds {
        let fills = ttrest::paginate::fills_page(black_box(page.clone())).expect("raw");
        for fill in &fills {
            let value = fill.to_value();
            black_box(value.to_string());
        }
    }
}

/// One `/fills` answer of `PAGE` fills, as the sandbox sends it.
fn sandbox_page() -> Vec<u8> {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::builder()
            .fills(PAGE * 2)
            .start()
            .await
            .expect("sandbox");
        let http = ttrest::http_client_builder().unwrap().build().unwrap();
        let rid = || format!("bench-ttrest--{}", uuid::Uuid::new_v4());
        let token: serde_json::Value = http
            .post(format!(
                "{}/token",
                sandbox.service_url("ttid", "ext_uat_cert")
            ))
            .query(&[("requestId", rid())])
            .header("x-api-key", sandbox.app_key())
            .form(&[
                ("grant_type", "user_app".to_string()),
                (
                    "app_key",
                    format!("{}:{}", sandbox.app_key(), sandbox.app_secret()),
                ),
            ])
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        let page = http
            .get(format!(
                "{}/fills",
                sandbox.service_url("ttledger", "ext_uat_cert")
            ))
            .query(&[("requestId", rid()), ("minTimestamp", "0".to_string())])
            .header("x-api-key", sandbox.app_key())
            .bearer_auth(token["access_token"].as_str().expect("access_token"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("fills request")
            .bytes()
            .await
            .expect("fills body");
        sandbox.shutdown().await;
        page.to_vec()
    })
}
