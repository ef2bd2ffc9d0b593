//! Markets (ttpds `/markets`).

use ttrest::ttpds;

use super::{list, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::request::Args;

/// `ttrest markets`.
pub struct Markets;

impl Dataset for Markets {
    fn name(&self) -> &'static str {
        "markets"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::MARKETS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        list(ctx, &ttpds::ops::GET_MARKETS, Args::default(), "markets")
    }
}
