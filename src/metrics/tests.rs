//! What a recorder sees: a scripted run on tokio's paused clock with a
//! retried 5xx, a throttled 429, a spent quota's 429 and a 401; and fills
//! streams with duplicates, late fills and fills outside the window.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use reqwest::{Method, Request};

use super::*;
use crate::paginate::fake::{fill, FakeLedger};
use crate::paginate::{fills_stream, watch_fills, FillsQuery, WatchOptions};
use crate::transport::scripted::{Reply, Scripted, Seen};
use crate::{Credentials, Plan, RetryPolicy, Session};

const HEALTH_JSON: &str = r#"{"status":"Ok","lastPage":"true","environment":"ext_uat_cert","systemStatus":"Operational","groups":[]}"#;

type Entry = (String, Vec<(String, String)>, DebugValue);

fn entries(snapshotter: &Snapshotter) -> Vec<Entry> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_string(), l.value().to_string()))
                .collect();
            (key.name().to_string(), labels, value)
        })
        .collect()
}

/// The sum of counter `name` over the series whose labels include `labels`.
fn count(all: &[Entry], name: &str, labels: &[(&str, &str)]) -> u64 {
    all.iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|(_, _, v)| match v {
            DebugValue::Counter(c) => *c,
            other => panic!("{name} is not a counter: {other:?}"),
        })
        .sum()
}

/// How many values histogram `name` holds, over the series matching `labels`.
fn observations(all: &[Entry], name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    all.iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .flat_map(|(_, _, v)| match v {
            DebugValue::Histogram(h) => h.iter().map(|x| x.into_inner()).collect::<Vec<_>>(),
            other => panic!("{name} is not a histogram: {other:?}"),
        })
        .collect()
}

fn session(script: &Arc<Scripted>, plan: Plan) -> Session {
    Session::builder()
        .root_url("http://tt.test")
        .app_name("app")
        .company("co")
        .credentials(Credentials::new("key-1", "S3CRET-metrics").unwrap())
        .plan(plan)
        .daily_limit(1000)
        .retry_policy(RetryPolicy::default())
        .exchange(script.clone())
        .build()
        .unwrap()
}

fn get(session: &Session, service: &str, path: &str) -> Request {
    let url = format!("{}/{path}", session.base_url(service));
    Request::new(Method::GET, url.parse().unwrap())
}

#[tokio::test(start_paused = true)]
async fn a_recorder_sees_calls_attempts_retries_and_both_kinds_of_429() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);

    // Per path, the answers in order; the last one repeats.
    let answers = |path: &str| -> Vec<Reply> {
        match path {
            "/ttledger/ext_uat_cert/orders" => vec![
                Reply::json(503, r#"{"message":"Service Unavailable"}"#),
                Reply::json(503, r#"{"message":"Service Unavailable"}"#),
                Reply::json(200, r#"{"status":"Ok","orders":[]}"#),
            ],
            "/ttledger/ext_uat_cert/fills" => vec![
                Reply::json(429, r#"{"message":"Too Many Requests"}"#).header("retry-after", "1"),
                Reply::json(200, r#"{"status":"Ok","fills":[]}"#),
            ],
            "/ttmonitor/ext_uat_cert/position" => {
                vec![Reply::json(429, r#"{"message": "Limit Exceeded"}"#)]
            }
            "/ttaccount/ext_uat_cert/accounts" => vec![
                Reply::json(401, r#"{"message":"Unauthorized"}"#),
                Reply::json(200, r#"{"status":"Ok","accounts":[]}"#),
            ],
            _ => vec![Reply::json(200, HEALTH_JSON)],
        }
    };
    let seen_per_path = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let tokens = AtomicUsize::new(0);
    let script = Scripted::new(move |seen: &Seen| {
        if seen.is_token() {
            let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::token(&format!("tok-{n}"), 3600);
        }
        let path = seen.url.path().to_string();
        let mut counts = seen_per_path.lock().unwrap();
        let n: &mut usize = counts.entry(path.clone()).or_default();
        let list = answers(&path);
        let reply = list[(*n).min(list.len() - 1)].clone();
        *n += 1;
        reply
    });
    let s = session(&script, Plan::PerSecond(10.0));
    s.call_named(
        "ttid",
        "get_healthcheckstatus",
        get(&s, "ttid", "healthcheckstatus"),
    )
    .await
    .unwrap();
    s.call_named("ttledger", "get_orders", get(&s, "ttledger", "orders"))
        .await
        .unwrap();
    s.call_named("ttledger", "get_fills", get(&s, "ttledger", "fills"))
        .await
        .unwrap();
    s.call_named(
        "ttaccount",
        "get_accounts",
        get(&s, "ttaccount", "accounts"),
    )
    .await
    .unwrap();
    // Last: a spent day stops every later call of the key.
    let quota = s
        .call_named(
            "ttmonitor",
            "get_position",
            get(&s, "ttmonitor", "position"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(quota, crate::Error::QuotaExhausted { by_tt: true, .. }),
        "{quota:?}"
    );

    let all = entries(&snapshotter);
    let requests = |op: &str, status: &str| {
        count(
            &all,
            REQUESTS_TOTAL,
            &[("operation", op), ("status", status)],
        )
    };
    assert_eq!(requests("get_healthcheckstatus", "200"), 1);
    assert_eq!(requests("get_orders", "200"), 1);
    assert_eq!(requests("get_fills", "200"), 1);
    assert_eq!(requests("get_position", "429"), 1);
    assert_eq!(requests("get_accounts", "200"), 1);
    assert_eq!(
        requests("token", "200"),
        2,
        "the first and the one after the 401"
    );
    assert_eq!(count(&all, REQUESTS_TOTAL, &[]), 7);
    assert_eq!(count(&all, REQUESTS_TOTAL, &[("service", "ttledger")]), 2);

    let attempts = |op: &str| count(&all, ATTEMPTS_TOTAL, &[("operation", op)]);
    assert_eq!(attempts("get_healthcheckstatus"), 1);
    assert_eq!(attempts("get_orders"), 3);
    assert_eq!(attempts("get_fills"), 2);
    // A spent day is not retried.
    assert_eq!(attempts("get_position"), 1);
    assert_eq!(attempts("get_accounts"), 2);
    assert_eq!(attempts("token"), 2);

    let retries = |op: &str, reason: &str| {
        count(
            &all,
            RETRIES_TOTAL,
            &[("operation", op), ("reason", reason)],
        )
    };
    assert_eq!(retries("get_orders", "server_error"), 2);
    assert_eq!(retries("get_fills", "rate_limited"), 1);
    assert_eq!(retries("get_accounts", "unauthorized"), 1);
    assert_eq!(count(&all, RETRIES_TOTAL, &[]), 4);

    let limited = |op: &str, kind: &str| {
        count(
            &all,
            RATE_LIMITED_TOTAL,
            &[("operation", op), ("kind", kind)],
        )
    };
    assert_eq!(limited("get_fills", "throttled"), 1);
    assert_eq!(limited("get_fills", "quota_exhausted"), 0);
    assert_eq!(limited("get_position", "quota_exhausted"), 1);
    assert_eq!(limited("get_position", "throttled"), 0);

    assert_eq!(
        count(
            &all,
            TOKEN_FETCHES_TOTAL,
            &[("reason", "initial"), ("result", "ok")]
        ),
        2
    );
    assert_eq!(
        observations(
            &all,
            REQUEST_DURATION_SECONDS,
            &[("operation", "get_orders")]
        )
        .len(),
        3
    );
    // Every attempt waited for the limiter: 13 requests, spaced 100 ms, one
    // after another (retry back-offs and Retry-After let some go at once);
    // after the throttling 429 the spacing is 50 ms wider, shrinking again.
    let waits = observations(&all, RATE_LIMIT_WAIT_SECONDS, &[]);
    assert_eq!(waits.len(), 11);
    assert!(waits.iter().all(|w| *w <= 0.15 + 1e-9), "{waits:?}");
    assert!(waits.iter().any(|w| *w > 0.1 + 1e-9), "{waits:?}");
    // The day's count: every attempt and token request, and no cap left.
    let gauge = |name: &str| {
        all.iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, v)| match v {
                DebugValue::Gauge(g) => g.into_inner(),
                other => panic!("{name} is not a gauge: {other:?}"),
            })
    };
    assert_eq!(gauge(QUOTA_USED), Some(11.0));
    assert_eq!(gauge(QUOTA_LIMIT), Some(1000.0));
    assert_eq!(
        gauge(QUOTA_REMAINING),
        Some(1000.0 - 50.0 - 11.0),
        "5 % reserve"
    );
}

#[tokio::test]
async fn fills_streams_count_yielded_duplicate_late_and_outside_fills() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);

    // Pages of 4 over triples sharing a timestamp: every inclusive re-ask
    // receives fills already yielded.
    let mut ledger = FakeLedger::new((0..10).map(|i| fill(i, 100 + i as i64 / 3, 1, 1)).collect());
    ledger.page_size = 4;
    let l = ledger.clone();
    let query = FillsQuery::new("get_fills", 0).page_size(4);
    let got: Vec<_> = fills_stream(query, move |w| l.fetch(w)).collect().await;
    assert_eq!(got.len(), 10);
    let all = entries(&snapshotter);
    assert_eq!(
        count(&all, FILLS_YIELDED_TOTAL, &[("operation", "get_fills")]),
        10
    );
    let duplicates = count(&all, FILLS_DUPLICATES_DROPPED_TOTAL, &[]);
    assert!(duplicates > 0, "the re-asks saw fills again");
    assert_eq!(count(&all, FILLS_LATE_TOTAL, &[]), 0);

    // A server that ignores the window: what lies outside it is dropped.
    let sloppy = |_| {
        futures::future::ready(Ok::<_, crate::paginate::fake::Status>(vec![
            fill(30, 50, 1, 1),
            fill(31, 150, 1, 1),
            fill(32, 250, 1, 1),
        ]))
    };
    let query = FillsQuery::new("get_tradingaccountfills", 100).max_ts(200);
    let got: Vec<_> = fills_stream(query, sloppy).collect().await;
    assert_eq!(got.len(), 1);
    let all = entries(&snapshotter);
    let op = [("operation", "get_tradingaccountfills")];
    assert_eq!(count(&all, FILLS_OUTSIDE_WINDOW_TOTAL, &op), 2);
    assert_eq!(count(&all, FILLS_YIELDED_TOTAL, &op), 1);

    // A watch with a lag: a fill stamped before the last one yielded is late.
    let ledger = FakeLedger::new(vec![fill(20, 1_000, 1, 1), fill(21, 5_000, 1, 1)]);
    let l = ledger.clone();
    let options = WatchOptions {
        interval: Duration::from_millis(1),
        max_interval: Duration::from_millis(1),
        requests_per_day: None,
        lag: Duration::from_nanos(10_000),
    };
    let mut stream = watch_fills(FillsQuery::new("get_tcrfills", 0), options, move |w| {
        l.fetch(w)
    });
    for _ in 0..2 {
        stream.next().await.unwrap().unwrap();
    }
    ledger.add([fill(22, 3_000, 1, 1)]);
    let late = stream.next().await.unwrap().unwrap();
    assert_eq!(late["recordId"], "f22");
    drop(stream);
    let all = entries(&snapshotter);
    assert_eq!(
        count(&all, FILLS_LATE_TOTAL, &[("operation", "get_tcrfills")]),
        1
    );
    assert_eq!(
        count(&all, FILLS_YIELDED_TOTAL, &[("operation", "get_tcrfills")]),
        3
    );
}
