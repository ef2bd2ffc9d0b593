//! Working orders (ttledger `/orders?accounts=`), the one way ttrest reads
//! them: at most 50 accounts a request, several requests at once as the plan
//! allows, a chunk whose answer reaches TT's cap asked again in halves, each
//! `orderId` once, in account order (`ttrest::paginate::orders_stream`).
//! `ttrest orders` and `ttrest sync orders` both read this dataset.

use futures::{StreamExt, TryStreamExt};
use ttrest::paginate::{join_ids, orders_stream, ConcurrentOptions, OrdersLimits};
use ttrest::ttledger;

use super::accounts::account_ids;
use super::{after, distinct, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::exit::CliError;
use crate::record::Record;
use crate::request::{list_of, Args};

/// The working orders of some accounts.
pub struct Orders {
    /// These accounts; none means every account of `/accounts`.
    pub accounts: Vec<u64>,
}

impl Dataset for Orders {
    fn name(&self) -> &'static str {
        "orders"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::ORDERS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        after(async move {
            let op = &ttledger::ops::GET_ORDERS;
            let accounts = match self.accounts.is_empty() {
                true => account_ids(&ctx.api)
                    .await
                    .map_err(|e| e.into_cli(ctx.env))?,
                false => distinct(&self.accounts),
            };
            let api = &ctx.api;
            let options = ConcurrentOptions::for_plan(api.session().plan());
            let orders = orders_stream(
                op.id,
                &accounts,
                OrdersLimits::default(),
                options,
                move |chunk| async move {
                    let page = api
                        .send(op, &Args::default().with("accounts", join_ids(&chunk)))
                        .await?;
                    let orders = list_of(page, "orders");
                    api.progress().records_done(orders.len() as u64);
                    Ok(orders)
                },
            );
            Ok(orders
                .map_ok(Record::Json)
                .map_err(|e| CliError::from_pages(e, ctx.env))
                .boxed_local())
        })
    }
}
