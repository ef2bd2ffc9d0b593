//! Instruments of one product (ttpds `/instruments?productId=`).

use ttrest::ttpds;

use super::{list, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::request::Args;

/// `ttrest instruments --product ID`.
pub struct Instruments {
    /// The product's id.
    pub product: String,
}

impl Dataset for Instruments {
    fn name(&self) -> &'static str {
        "instruments"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::INSTRUMENTS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        let args = Args::default().with("productId", &self.product);
        list(ctx, &ttpds::ops::GET_INSTRUMENTS, args, "instruments")
    }
}
