//! End-to-end tests of the `ttrest` command line against a sandbox in the test
//! process, linked into one test binary (e.g. `cargo test -p ttrest-cli --test
//! e2e cli_fills::`).

mod cli_support;

mod cli_call;
mod cli_datasets;
mod cli_deploy;
mod cli_errors;
mod cli_fills;
mod cli_parquet;
mod cli_paths;
mod cli_pyarrow;
mod cli_quota;
mod cli_record;
mod cli_sync;
mod cli_teams;
mod cli_telemetry;
mod cli_throttle;
mod cli_tokens;
mod cli_usage;
