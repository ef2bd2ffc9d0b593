//! End-to-end tests of the TT sandbox, driven through the `ttrest` library and
//! plain HTTP, linked into one test binary (e.g. `cargo test -p ttrest-sandbox
//! --test e2e sandbox_paging::`).

mod sandbox_support;

mod sandbox_auth;
mod sandbox_concurrent;
mod sandbox_daily_quota;
mod sandbox_faults;
mod sandbox_paging;
mod sandbox_plain_client;
mod sandbox_setup_sdk;
mod sandbox_spec;
mod sandbox_wire;
mod session_errors;
mod session_interceptors;
