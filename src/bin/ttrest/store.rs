//! The `ttrest-store` crate's source, compiled into the binary.
//!
//! The binary lives in the `ttrest` package, and `ttrest-store` depends on
//! `ttrest`: a package cannot depend on a crate that depends on it, so the
//! binary includes the store's modules instead. Once the command line is a
//! crate of its own, this file gives way to a plain `ttrest-store` dependency.

#[allow(dead_code, unused_imports, missing_docs)]
#[path = "../../../crates/ttrest-store/src/lib.rs"]
mod source;

pub use source::*;
