//! What a running `ttrest` shows of itself: logs on stderr (`-v`, `-vv`,
//! `RUST_LOG`, `--log-format json`) and, for `--follow` daemons,
//! `--metrics-addr`'s `/metrics` (Prometheus text) and `/healthz`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use clap::ValueEnum;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::FmtSpan;
use ttrest::intercept::{Attempt, AttemptOutcome, Intercept};

use crate::exit::CliError;

/// `--log-format` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, with its spans.
    Json,
}

/// Seconds since the Unix epoch of the last successful poll.
pub const LAST_SUCCESS: &str = "ttrest_sync_last_success_timestamp_seconds";
/// How far behind now the synced fills are, in seconds.
pub const CURSOR_LAG: &str = "ttrest_sync_cursor_lag_seconds";
/// Rows a sync wrote, by table.
pub const ROWS_WRITTEN: &str = "ttrest_sync_rows_written_total";
/// Fills a sync found stored already, by table.
pub const DUPLICATES_SKIPPED: &str = "ttrest_sync_duplicates_skipped_total";
/// Late fills a sync's rescan stored.
pub const LATE_FILLS: &str = "ttrest_sync_late_fills_total";
/// Polls that failed and will be tried again.
pub const POLL_FAILURES: &str = "ttrest_sync_poll_failures_total";

/// Histogram buckets (seconds) for latencies and rate-limit waits.
const BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Sends log events to stderr: none unless `-v` or `RUST_LOG`; `-v` shows
/// each call's span as it closes (status, requestId, time) and warnings,
/// `-vv` each attempt and debug events too. Only ttrest's own crates log at
/// those levels; `RUST_LOG` (a level and `target=level` pairs, e.g.
/// `RUST_LOG=debug` or `RUST_LOG=warn,ttrest=trace`) replaces the filter.
pub fn init_logs(verbose: u8, format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let spec = match (from_env, verbose) {
        (Some(spec), _) => spec,
        (None, 0) => return,
        (None, 1) => "warn,ttrest=info,ttrest_cli=info,ttrest_store=info".to_string(),
        (None, _) => "warn,ttrest=debug,ttrest_cli=debug,ttrest_store=debug".to_string(),
    };
    let filter: Targets = match spec.parse() {
        Ok(filter) => filter,
        Err(e) => {
            eprintln!(
                "ttrest: warning: RUST_LOG={spec:?} is not a log filter ({e}); \
                 write a level and target=level pairs, e.g. warn,ttrest=debug"
            );
            return;
        }
    };
    let builder = tracing_subscriber::fmt()
        // The builder's own filter (INFO by default) lets all through: `filter` decides.
        .with_max_level(tracing::level_filters::LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false);
    let installed = match format {
        LogFormat::Text => builder.finish().with(filter).try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .finish()
            .with(filter)
            .try_init(),
    };
    if let Err(e) = installed {
        eprintln!("ttrest: warning: cannot set up logging: {e}");
    }
}

/// A `--follow` daemon's health and metrics, served on `--metrics-addr`.
#[derive(Clone)]
pub struct Monitor {
    state: Arc<State>,
}

struct State {
    prometheus: PrometheusHandle,
    /// A poll older than this makes `/healthz` answer 503.
    stale_after: Duration,
    started: Instant,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    last_success: Option<Instant>,
    /// Every fill up to this time (epoch ns) is stored.
    covered_ns: Option<i64>,
    last_error: Option<String>,
}

impl Monitor {
    /// Installs the Prometheus recorder and serves `/metrics` and `/healthz`
    /// on `addr` until the process ends. `interval` is the poll interval:
    /// `/healthz` turns 503 once no poll succeeded for three of them plus 2 s.
    pub async fn start(addr: &str, interval: Duration) -> Result<Monitor, CliError> {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            CliError::usage(format!("--metrics-addr {addr}: cannot listen there: {e}"))
                .hint("give a free HOST:PORT, e.g. 127.0.0.1:9464")
        })?;
        let prometheus = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .and_then(|b| b.install_recorder())
            .map_err(|e| CliError::usage(format!("cannot start the metrics recorder: {e}")))?;
        ttrest::metrics::describe();
        describe();
        let state = Arc::new(State {
            prometheus,
            stale_after: interval * 3 + Duration::from_secs(2),
            started: Instant::now(),
            inner: Mutex::new(Inner::default()),
        });
        let app = axum::Router::new()
            .route("/metrics", get(metrics))
            .route("/healthz", get(healthz))
            .with_state(state.clone());
        let local: Option<SocketAddr> = listener.local_addr().ok();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("ttrest: the metrics server stopped: {e}");
            }
        });
        if let Some(local) = local {
            tracing::info!(%local, "serving /metrics and /healthz");
        }
        Ok(Monitor { state })
    }

    /// A poll (or a page of one) succeeded now.
    pub fn success(&self) {
        let mut inner = self.inner();
        inner.last_success = Some(Instant::now());
        inner.last_error = None;
        drop(inner);
        metrics::gauge!(LAST_SUCCESS).set(unix_seconds(SystemTime::now()));
    }

    /// Every fill up to `ns` (epoch ns) is stored.
    pub fn covered_through(&self, ns: i64) {
        let mut inner = self.inner();
        inner.covered_ns = Some(inner.covered_ns.map_or(ns, |c| c.max(ns)));
    }

    /// A poll failed with `reason` and will be tried again.
    pub fn failure(&self, reason: &str) {
        self.inner().last_error = Some(reason.to_string());
        metrics::counter!(POLL_FAILURES).increment(1);
    }

    /// An interceptor that counts every successful answer from TT as a
    /// successful poll (a quiet `--follow` writes nothing, but TT answers).
    pub fn interceptor(&self) -> impl Intercept {
        TtAnswered(self.clone())
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.state.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct TtAnswered(Monitor);

impl Intercept for TtAnswered {
    fn read_after_attempt(&self, _: &Attempt<'_>, outcome: AttemptOutcome<'_>) {
        if let AttemptOutcome::Response(r) = outcome {
            if r.status().is_success() {
                self.0.success();
            }
        }
    }
}

/// Rows a sync wrote: `added` rows, `duplicates` found stored, `late` fills.
pub fn rows_written(table: &'static str, added: u64, duplicates: u64, late: u64) {
    metrics::counter!(ROWS_WRITTEN, "table" => table).increment(added);
    metrics::counter!(DUPLICATES_SKIPPED, "table" => table).increment(duplicates);
    if table == "fills" {
        metrics::counter!(LATE_FILLS).increment(late);
    }
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, Unit};
    describe_gauge!(
        LAST_SUCCESS,
        Unit::Seconds,
        "Unix time of the last successful poll of a --follow run"
    );
    describe_gauge!(
        CURSOR_LAG,
        Unit::Seconds,
        "how far behind now the stored fills are"
    );
    describe_counter!(ROWS_WRITTEN, "rows a sync wrote, by table");
    describe_counter!(
        DUPLICATES_SKIPPED,
        "records a sync found stored already, by table"
    );
    describe_counter!(LATE_FILLS, "late fills a sync's rescan stored");
    describe_counter!(POLL_FAILURES, "polls that failed and were tried again");
}

async fn metrics(axum::extract::State(state): axum::extract::State<Arc<State>>) -> String {
    let covered = state
        .inner
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .covered_ns;
    if let Some(ns) = covered {
        let now = unix_seconds(SystemTime::now());
        metrics::gauge!(CURSOR_LAG).set((now - ns as f64 / 1e9).max(0.0));
    }
    state.prometheus.run_upkeep();
    state.prometheus.render()
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
) -> impl IntoResponse {
    let inner = state.inner.lock().unwrap_or_else(|e| e.into_inner());
    let (age, since) = match inner.last_success {
        Some(at) => (at.elapsed(), "the last successful poll"),
        None => (
            state.started.elapsed(),
            "the start, and no poll has succeeded yet",
        ),
    };
    let mut body = String::new();
    let status = if age <= state.stale_after {
        let _ = write!(body, "ok: {:.1} s since {since}", age.as_secs_f64());
        StatusCode::OK
    } else {
        let _ = write!(
            body,
            "unhealthy: {:.1} s since {since} (limit {:.1} s)",
            age.as_secs_f64(),
            state.stale_after.as_secs_f64()
        );
        StatusCode::SERVICE_UNAVAILABLE
    };
    if let Some(error) = &inner.last_error {
        let _ = write!(body, "; last error: {error}");
    }
    body.push('\n');
    (status, body)
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
