//! Datasets: what a command reads from TT, one module per dataset, each a
//! stream of [`Record`]s behind [`Dataset`].
//!
//! | module | records | endpoint |
//! |---|---|---|
//! | [`fills`] | fills as TT's JSON text | ttledger `/fills`, through the loss-free paginator |
//! | [`orders`] | working orders | ttledger `/orders`, 50 accounts a request |
//! | [`positions`] | positions | ttmonitor `/position/{accountId}` per account, or `/position` for all |
//! | [`accounts`] | accounts | ttaccount `/accounts` |
//! | [`users`] | users | ttuser `/users` |
//! | [`markets`] | markets | ttpds `/markets` |
//! | [`products`] | products of a market | ttpds `/products` |
//! | [`instruments`] | instruments of a product | ttpds `/instruments` |
//! | [`orderdata`] | one row per enumeration code | ttledger `/orderdata` |
//!
//! A dataset knows nothing of where its records go (see `crate::sinks`).

pub mod accounts;
pub mod fills;
pub mod instruments;
pub mod markets;
pub mod orderdata;
pub mod orders;
pub mod positions;
pub mod products;
pub mod users;

use std::future::Future;

use futures::stream::{self, LocalBoxStream, StreamExt, TryStreamExt};

use crate::context::Context;
use crate::exit::CliError;
use crate::record::Record;
use crate::request::Args;
use crate::spec::Operation;

/// A dataset's records, in the order it defines; the first error ends it.
pub type Records<'a> = LocalBoxStream<'a, Result<Record, CliError>>;

/// A stream of records read from TT.
pub trait Dataset {
    /// Its name: the command, the store's table.
    fn name(&self) -> &'static str;

    /// What its records are called in the run's summary (`wrote 3 accounts`).
    fn noun(&self) -> &'static str {
        self.name()
    }

    /// Its default columns (see `crate::columns`).
    fn columns(&self) -> &'static [&'static str];

    /// Its records, read through `ctx`'s session.
    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a>;
}

/// The records under `key` of every page of `op` called with `args`, as JSON.
pub fn list<'a>(ctx: &'a Context, op: &'static Operation, args: Args, key: &'a str) -> Records<'a> {
    if let Err(e) = args.check(op) {
        return failed(e);
    }
    ctx.api
        .items(op, args, key)
        .map_ok(Record::Json)
        .map_err(|e| CliError::from_pages(e, ctx.env))
        .boxed_local()
}

/// The records of a stream that needs an answer first (`start`, e.g. the
/// account list); an error of `start` is the stream's only item.
pub fn after<'a, F>(start: F) -> Records<'a>
where
    F: Future<Output = Result<Records<'a>, CliError>> + 'a,
{
    stream::once(start)
        .map(|started| match started {
            Ok(records) => records,
            Err(e) => failed(e),
        })
        .flatten()
        .boxed_local()
}

/// A stream of one error.
fn failed<'a>(e: CliError) -> Records<'a> {
    stream::once(async { Err(e) }).boxed_local()
}

/// `accounts` without repeats, in the order given (a repeated account
/// would repeat its records).
pub fn distinct(accounts: &[u64]) -> Vec<u64> {
    let mut seen = std::collections::HashSet::new();
    accounts
        .iter()
        .copied()
        .filter(|a| seen.insert(*a))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_accounts_are_asked_once_in_order() {
        assert_eq!(distinct(&[3, 1, 3, 2, 1]), [3, 1, 2]);
        assert!(distinct(&[]).is_empty());
    }
}
