//! End-to-end tests of the `ttrest` crate, linked into one test binary.
//!
//! One binary instead of one per file: every test binary statically links the
//! whole dependency tree (reqwest, axum, rusqlite...), so separate files cost
//! minutes of linking and gigabytes of disk in CI. Each module below was a test
//! file of its own and keeps its name, e.g. `cargo test --test e2e sandbox_paging::`.
//!
//! Tests that change process-wide state live outside this binary: the
//! environment (`tests/session_env.rs`) and tracing's subscriber
//! (`tests/session_secrets.rs`).

#[cfg(feature = "cli")]
mod cli_support;
mod paginate_support;
#[cfg(feature = "sandbox")]
mod sandbox_support;
mod session_util;

mod cli_call;
mod cli_errors;
mod cli_fills;
mod cli_parquet;
mod cli_sync;
mod mock;
mod paginate_fills_prop;
mod paginate_generated;
mod records;
mod sandbox_auth;
mod sandbox_faults;
mod sandbox_paging;
mod sandbox_plain_client;
mod sandbox_spec;
mod session_config;
mod session_redirects;
mod session_retries;
mod session_tokens;
