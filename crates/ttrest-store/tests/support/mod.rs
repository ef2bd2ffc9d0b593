//! Helpers of the store's tests.

pub mod postgres;
pub mod sandbox;
