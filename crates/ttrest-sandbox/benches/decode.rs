//! Decoding one 500-fill `/fills` page: into ttrest's typed records vs into
//! `serde_json::Value`.
//!
//! The page is a real answer of the sandbox (its generated fills, every field
//! TT sends), fetched once over loopback before timing starts.
//!
//! Run: `cargo bench -p ttrest-sandbox --bench decode`
//! (`cargo xtask bench --only decode` prints MB/s and µs/page from it.)

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use ttrest::ttledger::types::GetFillsResponse;
use ttrest_sandbox::Sandbox;

/// Fills per page, TT's page size for `/fills`.
const PAGE: usize = 500;

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

fn decode(c: &mut Criterion) {
    let page = sandbox_page();
    let typed: GetFillsResponse = serde_json::from_slice(&page).expect("typed decode");
    assert_eq!(
        typed.fills.as_ref().map(Vec::len),
        Some(PAGE),
        "a full page"
    );

    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("typed", |b| {
        b.iter(|| ttrest::json::from_slice::<GetFillsResponse>(black_box(&page)).unwrap())
    });
    group.bench_function("value", |b| {
        b.iter(|| ttrest::json::from_slice::<serde_json::Value>(black_box(&page)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
