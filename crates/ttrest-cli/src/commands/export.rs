//! The list commands: orders, positions, accounts, users, markets, products,
//! instruments and orderdata. Each is its dataset written to the file sink
//! of `--format`/`-o`/`--columns`.

use clap::Args;

use crate::context::Context;
use crate::datasets::Dataset;
use crate::exit::CliError;
use crate::pipeline;
use crate::sinks::output::OutputArgs;

/// A list limited to some accounts (`ttrest orders`, `ttrest positions`).
#[derive(Debug, Args)]
pub struct AccountsList {
    /// Only this account (repeatable) [default: every account of /accounts].
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<u64>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// A plain list.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `ttrest products`.
#[derive(Debug, Args)]
pub struct ProductsArgs {
    /// The market (see `ttrest markets`).
    #[arg(long, value_name = "ID")]
    pub market: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `ttrest instruments`.
#[derive(Debug, Args)]
pub struct InstrumentsArgs {
    /// The product (see `ttrest products`).
    #[arg(long, value_name = "ID")]
    pub product: String,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Writes every record of `dataset` where `out` says.
pub async fn run(ctx: &Context, dataset: &dyn Dataset, out: &OutputArgs) -> Result<(), CliError> {
    let sink = out.open(dataset.columns(), false)?;
    pipeline::export(ctx, dataset, sink, out.output.as_deref()).await?;
    Ok(())
}
