//! ttrest's spans exported to an OpenTelemetry collector over OTLP/HTTP.
//!
//! ```sh
//! # A collector (or Jaeger, Tempo...) listening for OTLP/HTTP on :4318, then:
//! cargo run -p ttrest-cli --example otel
//! OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318/v1/traces cargo run -p ttrest-cli --example otel
//! ```
//!
//! It runs a few calls against an in-process TT sandbox (no TT account
//! needed); with no collector listening the spans are dropped and the calls
//! still succeed. Each call is one span named `GET ttledger.get_fills` (OTel
//! HTTP client conventions: `http.request.method`, `url.full`,
//! `server.address`, `http.response.status_code`, `http.request.resend_count`,
//! `error.type`, plus `tt.request_id`, `tt.service`, `tt.operation`), with one
//! `ttrest.attempt` child per attempt; the token request is a call of its own.

use futures::TryStreamExt;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use ttrest::paginate::PaginatedExt;
use ttrest::{Credentials, Plan, Session};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .unwrap_or_else(|_| "http://localhost:4318/v1/traces".to_string());
    // OTLP over HTTP with a reqwest client that has ttrest's TLS setup.
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(ttrest::http_client_builder()?.build()?)
        .with_endpoint(endpoint)
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter, Tokio).build())
        .with_resource(
            Resource::builder()
                .with_service_name("ttrest-otel-example")
                .build(),
        )
        .build();
    tracing_subscriber::registry()
        // Calls (info) and attempts (debug) of ttrest; nothing of the exporter itself.
        .with("ttrest=debug".parse::<Targets>()?)
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("ttrest")))
        .init();

    let sandbox = ttrest_sandbox::Sandbox::builder()
        .fills(2_000)
        .start()
        .await?;
    let session = Session::builder()
        .root_url(sandbox.base_url())
        .credentials(Credentials::new(sandbox.app_key(), sandbox.app_secret())?)
        .plan(Plan::Unlimited)
        .build()?;
    let accounts: Vec<_> = session
        .account()
        .get_accounts()
        .items()
        .try_collect()
        .await?;
    let fills = session.ledger().get_fills().send().await?;
    println!(
        "{} accounts, {} fills on the first page; spans sent to the collector",
        accounts.len(),
        fills.fills.as_ref().map_or(0, Vec::len)
    );
    sandbox.shutdown().await;
    // Flush what is batched before exiting.
    if let Err(e) = tokio::task::spawn_blocking(move || provider.shutdown()).await? {
        eprintln!("could not export the spans (is a collector listening?): {e}");
    }
    Ok(())
}
