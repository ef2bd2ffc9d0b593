//! End-to-end figures against the sandbox over loopback (no criterion: each
//! scenario is one long run, measured once per repetition).
//!
//! - `stream`: every fill of a sandbox holding `--fills` (100 000) fills,
//!   through `Session` + the fills paginator with no rate limit; streaming
//!   (count and drop) vs collect-all. Reports fills/s and the client's CPU
//!   seconds: the client runs on this thread's current-thread runtime and its
//!   CPU is `getrusage(RUSAGE_THREAD)` of this thread; the sandbox serves from
//!   its own runtime on other threads, so its CPU is not counted. The median
//!   of `--runs` (5) runs, each with a fresh session (token included).
//! - `rate`: `--pages` (250) pages of fills with plan High (25/s) from a
//!   sandbox enforcing 25/s per key; wall time vs `pages / 25` s and the 429s
//!   the sandbox sent.
//! - `latency`: every fill of a sandbox that adds latency to each answer and
//!   enforces the plan, pulled with `fills_windows` (concurrent time windows)
//!   on the same plan: wall time vs the plan's ideal (`fills / 500` pages at
//!   the plan's rate) and the 429s. Cases: plan High with 100 ms and 20 ms,
//!   plan Free with 100 ms (`--free-fills`, 20 000, as Free is 8x slower).
//! - `orders`: the working orders of `--accounts` (500) accounts, 50 a
//!   request, from a sandbox adding 100 ms of latency and enforcing plan High,
//!   with the chunks asked for at once (`orders_of_accounts` sized by the
//!   plan): wall time vs the ideal (the chunks sent at the plan's pace, the
//!   last answered one latency later), the 429s, and one chunk at a time.
//!
//! Run: `cargo bench -p ttrest-sandbox --bench sandbox_e2e -- stream rate latency orders`
//! (`--json` prints one JSON object per result, which `cargo xtask bench` reads.)

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use ttrest::paginate::{
    orders_of_accounts, ConcurrentOptions, FillsQuery, PaginatedExt, TimePagedExt, WindowOptions,
};
use ttrest::{Credentials, Plan, Session};
use ttrest_sandbox::{Faults, RatePlan, Sandbox};

/// Fills per `/fills` page.
const PAGE: usize = 500;

struct Options {
    scenarios: Vec<String>,
    fills: usize,
    pages: usize,
    free_fills: usize,
    accounts: usize,
    runs: usize,
    json: bool,
}

fn options() -> Options {
    let mut o = Options {
        scenarios: Vec::new(),
        fills: 100_000,
        pages: 250,
        free_fills: 20_000,
        accounts: 500,
        runs: 5,
        json: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a whole number"))
        };
        match arg.as_str() {
            "--fills" => o.fills = number("--fills"),
            "--pages" => o.pages = number("--pages"),
            "--free-fills" => o.free_fills = number("--free-fills"),
            "--accounts" => o.accounts = number("--accounts"),
            "--runs" => o.runs = number("--runs").max(1),
            "--json" => o.json = true,
            "--bench" => {} // added by `cargo bench`
            s if s.starts_with('-') => panic!("unknown option {s}"),
            s => o.scenarios.push(s.to_string()),
        }
    }
    if o.scenarios.is_empty() {
        o.scenarios = vec!["stream".into(), "rate".into()];
    }
    o
}

fn main() {
    let o = options();
    for scenario in &o.scenarios {
        match scenario.as_str() {
            "stream" => stream(&o),
            "rate" => rate(&o),
            "latency" => {
                latency(&o, Plan::High, RatePlan::High, 100, o.fills);
                latency(&o, Plan::High, RatePlan::High, 20, o.fills);
                latency(&o, Plan::Free, RatePlan::Free, 100, o.free_fills);
            }
            "orders" => orders(&o, Plan::High, RatePlan::High, 100),
            "requests" => requests(&o),
            other => {
                panic!("unknown scenario {other}; known: stream, rate, latency, orders, requests")
            }
        }
    }
}

/// A sandbox serving from a runtime of its own on other threads.
struct Server {
    sandbox: Sandbox,
    _runtime: tokio::runtime::Runtime,
}

fn server(fills: usize, faults: Faults) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let sandbox = runtime
        .block_on(Sandbox::builder().fills(fills).faults(faults).start())
        .expect("sandbox");
    Server {
        sandbox,
        _runtime: runtime,
    }
}

fn session(sandbox: &Sandbox, plan: Plan) -> Session {
    Session::builder()
        .app_name("bench")
        .company("ttrest")
        .root_url(sandbox.base_url())
        .credentials(
            Credentials::new(sandbox.app_key(), sandbox.app_secret()).expect("credentials"),
        )
        .plan(plan)
        .build()
        .expect("session")
}

/// The client's runtime: this thread only, so `RUSAGE_THREAD` sees all its work.
fn client_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime")
}

/// User + system CPU time of the calling thread.
fn thread_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_THREAD, &mut usage), 0);
        usage
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

struct Run {
    fills: usize,
    wall: Duration,
    cpu: Duration,
}

fn stream(o: &Options) {
    let server = server(o.fills, Faults::default());
    let client = client_runtime();
    for mode in ["streaming", "collect-all"] {
        let mut runs: Vec<Run> = (0..o.runs)
            .map(|_| {
                // A fresh session each run: its token request is part of the cost.
                let session = session(&server.sandbox, Plan::Unlimited);
                let (cpu0, wall0) = (thread_cpu(), Instant::now());
                let ledger = session.ledger();
                let fills = client.block_on(async {
                    let fills = ledger.get_fills().fills(0);
                    if mode == "streaming" {
                        fills.try_fold(0, |n, _| async move { Ok(n + 1) }).await
                    } else {
                        fills.try_collect::<Vec<_>>().await.map(|all| all.len())
                    }
                });
                let fills = fills.expect("fills stream");
                assert_eq!(fills, o.fills, "every fill exactly once");
                Run {
                    fills,
                    wall: wall0.elapsed(),
                    cpu: thread_cpu() - cpu0,
                }
            })
            .collect();
        runs.sort_by_key(|r| r.cpu);
        let median = &runs[runs.len() / 2];
        let per_second = median.fills as f64 / median.wall.as_secs_f64();
        let cpu_per_100k = median.cpu.as_secs_f64() * 100_000.0 / median.fills as f64;
        if o.json {
            println!(
                "{}",
                serde_json::json!({
                    "scenario": "stream", "mode": mode, "fills": median.fills,
                    "runs": o.runs, "wall_s": median.wall.as_secs_f64(),
                    "fills_per_s": per_second, "client_cpu_s": median.cpu.as_secs_f64(),
                    "client_cpu_s_per_100k": cpu_per_100k,
                })
            );
        } else {
            println!(
                "stream {mode:<11} {} fills: {per_second:>9.0} fills/s, client CPU {:.3} s ({cpu_per_100k:.3} s per 100k), wall {:.3} s (median of {})",
                median.fills,
                median.cpu.as_secs_f64(),
                median.wall.as_secs_f64(),
                o.runs
            );
        }
    }
}

fn rate(o: &Options) {
    // (pages - 1) pages' worth of fills: the paginator asks once more from the
    // last timestamp to see that nothing follows, which makes `pages` requests.
    let fills = o.pages.saturating_sub(1).max(1) * PAGE;
    let server = server(fills, Faults::default().rate_plan(RatePlan::High));
    let client = client_runtime();
    let session = session(&server.sandbox, Plan::High);
    let ledger = session.ledger();
    let before = server.sandbox.counters();
    let started = Instant::now();
    let got = client
        .block_on(
            ledger
                .get_fills()
                .fills(0)
                .try_fold(0, |n, _| async move { Ok(n + 1) }),
        )
        .expect("fills stream");
    let wall = started.elapsed();
    assert_eq!(got, fills, "every fill exactly once");
    let after = server.sandbox.counters();
    let requests = after.requests - before.requests;
    let pages = requests - (after.tokens_issued - before.tokens_issued);
    let throttled = after.throttled - before.throttled;
    // The first request goes at once, each next one 1/25 s later.
    let ideal = requests.saturating_sub(1) as f64 / 25.0;
    let over = (wall.as_secs_f64() / ideal - 1.0) * 100.0;
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "scenario": "rate", "plan": "high", "requests": requests, "pages": pages,
                "wall_s": wall.as_secs_f64(), "ideal_s": ideal,
                "over_ideal_pct": over, "throttled": throttled,
            })
        );
    } else {
        println!(
            "rate high: {pages} pages + token = {requests} requests in {:.2} s, ideal {ideal:.2} s ({over:+.1}%), {throttled} 429s",
            wall.as_secs_f64()
        );
    }
}

fn latency(o: &Options, plan: Plan, enforced: RatePlan, latency_ms: u64, fills: usize) {
    let faults = Faults::default()
        .rate_plan(enforced)
        .latency(Duration::from_millis(latency_ms));
    let server = server(fills, faults);
    // The client on a runtime of its own too: its windows run concurrently.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let session = session(&server.sandbox, plan);
    let ledger = session.ledger();
    let before = server.sandbox.counters();
    let started = Instant::now();
    let got = client
        .block_on(
            ledger
                .get_fills()
                .fills_windows(
                    FillsQuery::new("get_fills", 0),
                    WindowOptions::for_plan(plan),
                )
                .try_fold(0, |n, _| async move { Ok(n + 1) }),
        )
        .expect("fills stream");
    let wall = started.elapsed();
    assert_eq!(got, fills, "every fill exactly once");
    let after = server.sandbox.counters();
    let requests = after.requests - before.requests;
    let pages = requests - (after.tokens_issued - before.tokens_issued);
    let throttled = after.throttled - before.throttled;
    let rate = 1.0 / plan.spacing().expect("a limited plan").as_secs_f64();
    let ideal = fills.div_ceil(PAGE) as f64 / rate;
    let over = (wall.as_secs_f64() / ideal - 1.0) * 100.0;
    let name = format!("{plan:?}").to_lowercase();
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "scenario": "latency", "plan": name, "latency_ms": latency_ms,
                "fills": fills, "requests": requests, "pages": pages,
                "wall_s": wall.as_secs_f64(), "ideal_s": ideal,
                "over_ideal_pct": over, "throttled": throttled,
            })
        );
    } else {
        println!(
            "latency {name} {latency_ms} ms: {fills} fills, {pages} pages in {:.2} s, ideal {ideal:.2} s ({over:+.1}%), {throttled} 429s",
            wall.as_secs_f64()
        );
    }
}

fn orders(o: &Options, plan: Plan, enforced: RatePlan, latency_ms: u64) {
    let faults = Faults::default()
        .rate_plan(enforced)
        .latency(Duration::from_millis(latency_ms));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let sandbox = runtime
        .block_on(
            Sandbox::builder()
                .accounts(o.accounts)
                .orders(o.accounts * 10)
                .fills(10)
                .faults(faults)
                .start(),
        )
        .expect("sandbox");
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    let session = session(&sandbox, plan);
    let accounts: Vec<u64> = client
        .block_on(session.account().get_accounts().collect_all())
        .expect("accounts")
        .iter()
        .filter_map(|a| a.id.and_then(|id| u64::try_from(id).ok()))
        .collect();
    assert_eq!(accounts.len(), o.accounts, "every account listed");
    let pull = |options: ConcurrentOptions| {
        let before = sandbox.counters();
        let started = Instant::now();
        let orders = client
            .block_on(orders_of_accounts(&session.ledger(), &accounts, options))
            .expect("orders");
        let wall = started.elapsed();
        let after = sandbox.counters();
        let requests = after.requests - before.requests;
        (
            orders.len(),
            wall,
            requests,
            after.throttled - before.throttled,
        )
    };
    let one = ConcurrentOptions {
        max_concurrency: 1,
        ..ConcurrentOptions::for_plan(plan)
    };
    let (expected, sequential, _, _) = pull(one);
    let (got, wall, requests, throttled) = pull(ConcurrentOptions::for_plan(plan));
    assert_eq!(got, expected, "the same orders as one chunk at a time");
    let spacing = plan.spacing().expect("a limited plan").as_secs_f64();
    let chunks = accounts.len().div_ceil(50);
    let ideal = (chunks - 1) as f64 * spacing + latency_ms as f64 / 1e3;
    let over = (wall.as_secs_f64() / ideal - 1.0) * 100.0;
    let name = format!("{plan:?}").to_lowercase();
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "scenario": "orders", "plan": name, "latency_ms": latency_ms,
                "accounts": accounts.len(), "orders": got, "requests": requests,
                "wall_s": wall.as_secs_f64(), "ideal_s": ideal,
                "over_ideal_pct": over, "throttled": throttled,
                "sequential_s": sequential.as_secs_f64(),
            })
        );
    } else {
        println!(
            "orders {name} {latency_ms} ms: {} accounts, {got} orders, {requests} requests in {:.2} s, ideal {ideal:.2} s ({over:+.1}%), {throttled} 429s; one chunk at a time {:.2} s",
            accounts.len(),
            wall.as_secs_f64(),
            sequential.as_secs_f64()
        );
    }
    runtime.block_on(sandbox.shutdown());
}

/// Requests per 100,000 fills against the ideal (one per page of 500, plus
/// the token request): the sequential stream, then concurrent windows sized
/// to plan High (each window ends with a page that is not full).
fn requests(o: &Options) {
    let fills = 100_000;
    let server = server(fills, Faults::default());
    let client = client_runtime();
    let ideal = fills.div_ceil(PAGE) as u64 + 1;
    for mode in ["stream", "windows"] {
        let session = session(&server.sandbox, Plan::Unlimited);
        let ledger = session.ledger();
        let before = server.sandbox.counters();
        let got = client
            .block_on(async {
                match mode {
                    "stream" => {
                        ledger
                            .get_fills()
                            .fills(0)
                            .try_fold(0, |n, _| async move { Ok(n + 1) })
                            .await
                    }
                    _ => {
                        ledger
                            .get_fills()
                            .fills_windows(
                                FillsQuery::new("get_fills", 0),
                                WindowOptions::for_plan(Plan::High),
                            )
                            .try_fold(0, |n, _| async move { Ok(n + 1) })
                            .await
                    }
                }
            })
            .expect("fills stream");
        assert_eq!(got, fills, "every fill exactly once");
        let requests = server.sandbox.counters().requests - before.requests;
        let counted = client
            .block_on(session.daily_usage())
            .expect("the day's count")
            .used;
        assert_eq!(counted, requests, "the session counted every request");
        let over = (requests as f64 / ideal as f64 - 1.0) * 100.0;
        if o.json {
            println!(
                "{}",
                serde_json::json!({
                    "scenario": "requests", "mode": mode, "fills": fills,
                    "requests": requests, "ideal": ideal, "over_ideal_pct": over,
                })
            );
        } else {
            println!("requests {mode}: {fills} fills in {requests} requests, ideal {ideal} ({over:+.1}%)");
        }
    }
}
