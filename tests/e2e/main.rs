//! End-to-end tests of the `ttrest` library, linked into one test binary.
//!
//! One binary instead of one per file: every test binary statically links the
//! whole dependency tree, so separate files cost minutes of linking and
//! gigabytes of disk in CI. Run one module with e.g.
//! `cargo test -p ttrest --all-features --test e2e session_retries::`.
//!
//! Tests against the sandbox live with it (`crates/ttrest-sandbox/tests/`),
//! tests of the command line with the CLI (`crates/ttrest-cli/tests/`).
//! Tests that change process-wide state live outside this binary: the
//! environment (`tests/session_env.rs`) and tracing's subscriber
//! (`tests/session_secrets.rs`).

mod paginate_support;
mod scripted_tt;
mod session_util;

mod mock;
mod paginate_fills_prop;
mod paginate_generated;
mod records;
mod session_config;
mod session_error_bodies;
mod session_redirects;
mod session_replay;
mod session_retries;
mod session_tokens;
