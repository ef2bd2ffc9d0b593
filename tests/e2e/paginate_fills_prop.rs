//! Property test: over HTTP, with clusters of equal timestamps straddling page cuts
//! and random 408/504/429 faults, `fills_stream` yields exactly the server's fills,
//! once each, in time order; TT's "+1 ns" recipe loses fills on the same data.
//! The same holds for `fills_windows` (concurrent time windows), whose window
//! bounds fall right next to the clusters that end pages.

use crate::paginate_support;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use futures::StreamExt;
use paginate_support::{fetch, id_of, naive_fills, ts_of, Faults, Server, ServerFill};
use proptest::prelude::*;
use ttrest::paginate::{fills_stream, fills_windows, FillsQuery, WindowOptions};

const BASE_TS: i64 = 1_750_000_000_000_000_000;

struct Harness {
    /// The tests share one server: each holds this while it uses it.
    busy: Mutex<()>,
    runtime: tokio::runtime::Runtime,
    server: Server,
    http: reqwest::Client,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(Server::start());
        Harness {
            busy: Mutex::new(()),
            runtime,
            server,
            http: ttrest::http_client_builder().unwrap().build().unwrap(),
        }
    })
}

/// Clusters of (gap to the previous timestamp in ns, how many fills share it).
fn clusters() -> impl Strategy<Value = Vec<(i64, usize)>> {
    let size = prop_oneof![8 => 1usize..4, 3 => 4usize..40, 1 => 40usize..300];
    prop::collection::vec((1i64..5_000, size), 0..400)
}

/// Lays clusters out on the time line; `straddle` makes fills 490..=510 share one
/// timestamp, so a cluster crosses the first page cut (499 | 500).
fn layout(clusters: &[(i64, usize)], accounts: u64, straddle: bool) -> Vec<ServerFill> {
    let mut fills = Vec::new();
    let mut ts = BASE_TS;
    for &(gap, size) in clusters {
        ts += gap;
        for _ in 0..size {
            let id = fills.len() as u64;
            fills.push(ServerFill {
                id,
                ts,
                account: 1 + id * 7 % accounts,
            });
        }
    }
    if straddle && fills.len() > 510 {
        let shared = fills[490].ts;
        fills[490..=510].iter_mut().for_each(|f| f.ts = shared);
    }
    fills
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn stream_yields_every_fill_once_and_naive_recipe_loses(
        clusters in clusters(),
        accounts in 1u64..6,
        straddle in any::<bool>(),
        seed in any::<u64>(),
        timeout_permille in prop_oneof![Just(0u64), 100u64..600],
        timeout_wider_than in prop_oneof![Just(10_000i64), Just(1_000_000i64)],
        throttle_permille in 0u64..150,
        bounded in any::<bool>(),
    ) {
        let h = harness();
        let _busy = h.busy.lock().unwrap_or_else(|e| e.into_inner());
        let fills = layout(&clusters, accounts, straddle);
        let max_ts = (bounded && !fills.is_empty()).then(|| fills[fills.len() * 3 / 4].ts);
        let expected: Vec<&ServerFill> = fills.iter().filter(|f| max_ts.is_none_or(|m| f.ts <= m)).collect();
        let faults = Faults { seed, timeout_permille, timeout_wider_than, throttle_permille };
        h.server.set(fills.clone(), faults);

        let (http, url) = (h.http.clone(), h.server.url.clone());
        let mut query = FillsQuery::new("get_fills", BASE_TS);
        if let Some(max) = max_ts {
            query = query.max_ts(max);
        }
        let results: Vec<_> = h.runtime.block_on(
            fills_stream(query, move |w| fetch(http.clone(), url.clone(), w)).collect(),
        );
        let got: Vec<_> = results.into_iter().collect::<Result<_, _>>().map_err(|e| TestCaseError::fail(e.to_string()))?;

        let ids: Vec<String> = got.iter().map(id_of).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        prop_assert_eq!(unique.len(), ids.len(), "no fill twice");
        let want: HashSet<String> = expected.iter().map(|f| format!("rec-{}", f.id)).collect();
        prop_assert_eq!(unique.len(), want.len(), "no fill lost");
        prop_assert!(ids.iter().all(|id| want.contains(id)));
        prop_assert!(got.windows(2).all(|w| ts_of(&w[0]) <= ts_of(&w[1])), "timeStamp order");

        // TT's recipe on the same data, without faults.
        h.server.set(fills.clone(), Faults::default());
        let naive = h.runtime.block_on(naive_fills(&h.http, &h.server.url, BASE_TS, max_ts));
        let naive: HashSet<String> = naive.iter().map(id_of).collect();
        prop_assert!(naive.is_subset(&want));
        let cut_straddled = expected.len() > 500 && expected[499].ts == expected[500].ts;
        if cut_straddled {
            prop_assert!(naive.len() < want.len(), "a cluster across the first cut: +1 ns skips its tail");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 30, failure_persistence: None, ..ProptestConfig::default() })]

    /// Windows of one or a few pages: every bound sits one past a page's last
    /// timestamp, where clusters straddle page cuts.
    #[test]
    fn windows_yield_every_fill_once_with_faults_inside_windows(
        clusters in clusters(),
        accounts in 1u64..6,
        straddle in any::<bool>(),
        seed in any::<u64>(),
        timeout_permille in prop_oneof![Just(0u64), 100u64..600],
        timeout_wider_than in prop_oneof![Just(10_000i64), Just(1_000_000i64)],
        throttle_permille in 0u64..150,
        bounded in any::<bool>(),
        pages_per_window in 1usize..4,
        max_concurrency in 1usize..6,
    ) {
        let h = harness();
        let _busy = h.busy.lock().unwrap_or_else(|e| e.into_inner());
        let fills = layout(&clusters, accounts, straddle);
        let max_ts = (bounded && !fills.is_empty()).then(|| fills[fills.len() * 3 / 4].ts);
        let want: HashSet<String> = fills
            .iter()
            .filter(|f| max_ts.is_none_or(|m| f.ts <= m))
            .map(|f| format!("rec-{}", f.id))
            .collect();
        let faults = Faults { seed, timeout_permille, timeout_wider_than, throttle_permille };
        h.server.set(fills.clone(), faults);

        let (http, url) = (h.http.clone(), h.server.url.clone());
        let mut query = FillsQuery::new("get_fills", BASE_TS);
        if let Some(max) = max_ts {
            query = query.max_ts(max);
        }
        let options = WindowOptions { rate: None, max_concurrency, pages_per_window };
        let results: Vec<_> = h.runtime.block_on(
            fills_windows(query, options, move |w| fetch(http.clone(), url.clone(), w)).collect(),
        );
        let got: Vec<_> = results.into_iter().collect::<Result<_, _>>().map_err(|e| TestCaseError::fail(e.to_string()))?;

        let ids: Vec<String> = got.iter().map(id_of).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        prop_assert_eq!(unique.len(), ids.len(), "no fill twice");
        prop_assert_eq!(unique.len(), want.len(), "no fill lost");
        prop_assert!(ids.iter().all(|id| want.contains(id)));
        prop_assert!(got.windows(2).all(|w| ts_of(&w[0]) <= ts_of(&w[1])), "timeStamp order");
    }
}

/// The same check on one fixed case, so the loss is shown even if no random case straddled.
#[test]
fn naive_recipe_loses_a_straddling_cluster_and_the_stream_does_not() {
    let h = harness();
    let _busy = h.busy.lock().unwrap_or_else(|e| e.into_inner());
    // 495 single fills, then 10 sharing one timestamp (cut between 499 and 500), then more.
    let mut clusters: Vec<(i64, usize)> = vec![(10, 1); 495];
    clusters.push((10, 10));
    clusters.extend(vec![(10, 1); 100]);
    let fills = layout(&clusters, 3, false);
    assert_eq!(fills[499].ts, fills[500].ts);
    h.server.set(fills.clone(), Faults::default());

    let naive = h
        .runtime
        .block_on(naive_fills(&h.http, &h.server.url, BASE_TS, None));
    assert_eq!(
        naive.len(),
        fills.len() - 5,
        "+1 ns skips the 5 fills after the cut"
    );

    let (http, url) = (h.http.clone(), h.server.url.clone());
    let stream = fills_stream(FillsQuery::new("get_fills", BASE_TS), move |w| {
        fetch(http.clone(), url.clone(), w)
    });
    let got: Vec<_> = h.runtime.block_on(stream.collect::<Vec<_>>());
    let ids: HashSet<String> = got.iter().map(|r| id_of(r.as_ref().unwrap())).collect();
    assert_eq!(ids.len(), fills.len());
}
