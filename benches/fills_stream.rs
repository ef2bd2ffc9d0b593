//! Streams 100 000 fills from an in-process TT-like `/fills` server (127.0.0.1)
//! through `ttrest::paginate::fills_stream`, streaming vs collect-all.
//!
//! Prints, for each mode, fills/s, the client thread's CPU time (getrusage
//! `RUSAGE_THREAD`) and its peak heap (a counting allocator that only counts the
//! client thread; the server runs on other threads), then lets criterion time both.
//!
//! Run: `cargo bench -p ttrest --bench fills_stream`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::{future, TryStreamExt};
use serde::{Deserialize, Serialize};
use ttrest::paginate::{dedup_key, fills_stream, FetchStatus, FillRecord, FillsQuery, FillsWindow};

const FILLS: usize = 100_000;
const PAGE: usize = 500;
const BASE_TS: i64 = 1_750_000_000_000_000_000;

// ---- counting allocator (client thread only) ----

struct Counting;

static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            let now = CURRENT.fetch_add(layout.size() as isize, Ordering::Relaxed)
                + layout.size() as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---- a TT-like fill and server ----

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fill {
    record_id: String,
    unique_exec_id: String,
    time_stamp: i64,
    transact_time: i64,
    account_id: u64,
    account: String,
    instrument_id: String,
    market_id: u32,
    order_id: String,
    side: u8,
    last_qty: f64,
    last_px: f64,
    ord_status: String,
    trade_type: u8,
    user_id: u64,
}

impl FillRecord for Fill {
    fn timestamp(&self) -> Option<i64> {
        Some(self.time_stamp)
    }

    fn dedup_key(&self) -> String {
        dedup_key(
            Some(&self.record_id),
            Some(&self.unique_exec_id),
            String::new,
        )
    }
}

/// 100 000 fills; about one in eight shares its timestamp with up to 30 others.
fn data() -> Vec<Fill> {
    let mut ts = BASE_TS;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..FILLS)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if !x.is_multiple_of(8) || i % 30 == 0 {
                ts += 1 + (x % 1_000_000) as i64;
            }
            Fill {
                record_id: format!("rec-{i:08}"),
                unique_exec_id: format!("exec-{i:08}"),
                time_stamp: ts,
                transact_time: ts,
                account_id: 100_000 + (x % 5),
                account: "ACC-DEMO".into(),
                instrument_id: "10628608476345732679".into(),
                market_id: 7,
                order_id: format!("a4c3e5f2-0000-4000-8000-{i:012}"),
                side: 1 + (x % 2) as u8,
                last_qty: 1.0,
                last_px: 110.515625,
                ord_status: "2".into(),
                trade_type: 0,
                user_id: 42,
            }
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Window {
    min_timestamp: i64,
    max_timestamp: Option<i64>,
}

async fn serve(
    State(fills): State<Arc<Vec<Fill>>>,
    Query(w): Query<Window>,
) -> axum::Json<serde_json::Value> {
    let start = fills.partition_point(|f| f.time_stamp < w.min_timestamp);
    let page: Vec<&Fill> = fills[start..]
        .iter()
        .take_while(|f| w.max_timestamp.is_none_or(|m| f.time_stamp <= m))
        .take(PAGE)
        .collect();
    axum::Json(serde_json::json!({"status": "Ok", "lastPage": "true", "fills": page}))
}

fn start_server() -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let fills = Arc::new(data());
    let url = runtime.block_on(async move {
        let app = axum::Router::new()
            .route("/fills", axum::routing::get(serve))
            .with_state(fills);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/fills", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    });
    (url, runtime)
}

// ---- the client ----

#[derive(Debug)]
struct Failed(reqwest::Error);

impl FetchStatus for Failed {
    fn status_code(&self) -> Option<u16> {
        self.0.status().map(|s| s.as_u16())
    }
}

#[derive(Deserialize)]
struct Page {
    fills: Vec<Fill>,
}

async fn fetch(http: reqwest::Client, url: String, w: FillsWindow) -> Result<Vec<Fill>, Failed> {
    let mut query = vec![("minTimestamp", w.min_ts)];
    query.extend(w.max_ts.map(|m| ("maxTimestamp", m)));
    let response = http.get(url).query(&query).send().await.map_err(Failed)?;
    let page: Page = response
        .error_for_status()
        .map_err(Failed)?
        .json()
        .await
        .map_err(Failed)?;
    Ok(page.fills)
}

fn stream(
    http: &reqwest::Client,
    url: &str,
) -> ttrest::paginate::FillsStream<'static, Fill, Failed> {
    let (http, url) = (http.clone(), url.to_string());
    fills_stream(FillsQuery::new("get_fills", BASE_TS), move |w| {
        fetch(http.clone(), url.clone(), w)
    })
}

async fn streaming(http: &reqwest::Client, url: &str) -> usize {
    let mut n = 0;
    stream(http, url)
        .try_for_each(|fill| {
            n += 1;
            std::hint::black_box(fill);
            future::ready(Ok(()))
        })
        .await
        .unwrap();
    n
}

async fn collect_all(http: &reqwest::Client, url: &str) -> usize {
    let all: Vec<Fill> = stream(http, url).try_collect().await.unwrap();
    std::hint::black_box(&all);
    all.len()
}

// ---- one measured run per mode ----

fn thread_cpu() -> Duration {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "n/a".into())
}

fn report<F: std::future::Future<Output = usize>>(
    name: &str,
    client: &tokio::runtime::Runtime,
    run: F,
) {
    COUNTED.with(|c| c.set(true));
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let (cpu0, t0) = (thread_cpu(), Instant::now());
    let n = client.block_on(run);
    let (wall, cpu) = (t0.elapsed(), thread_cpu() - cpu0);
    COUNTED.with(|c| c.set(false));
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(n, FILLS, "every fill once");
    println!(
        "{name:<12} {n} fills in {wall:>9.3?}: {:>9.0} fills/s, client CPU {cpu:>9.3?}, client peak heap {:>8.1} KiB",
        n as f64 / wall.as_secs_f64(),
        peak as f64 / 1024.0,
    );
}

fn bench(c: &mut Criterion) {
    let (url, _server) = start_server();
    // The client runs on this thread only, so RUSAGE_THREAD and the allocator see just it.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    client.block_on(streaming(&http, &url)); // warm up the connection and the server

    println!("\nfills_stream: {FILLS} fills, pages of {PAGE}, in-process server on 127.0.0.1");
    report("streaming", &client, streaming(&http, &url));
    report("collect-all", &client, collect_all(&http, &url));
    println!("process VmHWM (server data + both runs): {}\n", vm_hwm());

    let mut group = c.benchmark_group("fills_stream");
    group.throughput(Throughput::Elements(FILLS as u64));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("streaming", |b| {
        b.iter(|| client.block_on(streaming(&http, &url)))
    });
    group.bench_function("collect_all", |b| {
        b.iter(|| client.block_on(collect_all(&http, &url)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
