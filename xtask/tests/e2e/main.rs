//! Tests of the `xtask` commands (scrape, normalize, diff, the endpoint list),
//! linked into one test binary: each binary links the whole dependency tree,
//! so one instead of four saves link time and disk in CI.

mod diff;
mod endpoints;
mod learn;
mod normalize;
mod scrape;
