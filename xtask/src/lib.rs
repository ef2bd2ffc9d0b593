//! The library behind `cargo xtask`: scraping TT's documentation pages,
//! normalizing TT's OpenAPI dialect, generating and checking code, diffing specs.
//!
//! Everything works on a specs directory laid out as described in [`layout`].

#![warn(missing_docs)]

pub mod bench;
pub mod check;
pub mod cli;
pub mod diff;
pub mod features;
pub mod generate;
pub mod layout;
pub mod learn;
pub mod normalize;
pub mod release_notes;
pub mod scrape;
pub mod sources;
