//! Products of one market (ttpds `/products?marketId=`).

use ttrest::ttpds;

use super::{list, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::request::Args;

/// `ttrest products --market ID`.
pub struct Products {
    /// The market's id.
    pub market: String,
}

impl Dataset for Products {
    fn name(&self) -> &'static str {
        "products"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::PRODUCTS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        let args = Args::default().with("marketId", &self.market);
        list(ctx, &ttpds::ops::GET_PRODUCTS, args, "products")
    }
}
