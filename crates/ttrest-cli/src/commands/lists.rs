//! The list commands: orders, positions, accounts, users, markets, products,
//! instruments and orderdata. Each pulls every page and writes every record.

use futures::stream;
use serde_json::{json, Value};
use ttrest::paginate::{join_ids, orders_stream, ConcurrentOptions, OrdersLimits};

use super::{columns, export, fills::account_ids, writer};
use crate::args::{AccountsList, InstrumentsArgs, OutputArgs, ProductsArgs};
use crate::context::Context;
use crate::exit::CliError;
use crate::request::{list_of, Args};
use crate::spec::Operation;
use ttrest::{ttaccount, ttledger, ttmonitor, ttpds, ttuser};

/// Pulls `key` of every page of `op` and writes it.
async fn pull(
    ctx: &Context,
    (op, key): (&'static Operation, &str),
    args: Args,
    out: &OutputArgs,
    defaults: &[&str],
) -> Result<(), CliError> {
    args.check(op)?;
    let writer = writer(out, defaults, false)?;
    let records = ctx.api.items(op, args, key);
    export(ctx, key, records, writer, out.output.as_deref()).await
}

/// `ttrest orders`: the working orders of the accounts, 50 accounts a
/// request, several requests at once as the plan allows, in account order.
pub async fn orders(ctx: &Context, args: &AccountsList) -> Result<(), CliError> {
    let op = &ttledger::ops::GET_ORDERS;
    let writer = writer(&args.out, columns::ORDERS, false)?;
    let accounts = match args.accounts.is_empty() {
        true => account_ids(&ctx.api)
            .await
            .map_err(|e| e.into_cli(ctx.env))?,
        false => args.accounts.clone(),
    };
    let api = &ctx.api;
    let options = ConcurrentOptions::for_plan(api.session().plan());
    let records = orders_stream(
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
    export(ctx, "orders", records, writer, args.out.output.as_deref()).await
}

/// `ttrest positions`: all of the key's accounts in one paged call, or with
/// `--account`, one paged call per account (TT advises filtering by account
/// to avoid time-outs), several at once, in `--account` order.
pub async fn positions(ctx: &Context, args: &AccountsList) -> Result<(), CliError> {
    if args.accounts.is_empty() {
        let what = (&ttmonitor::ops::GET_POSITION, "positions");
        return pull(ctx, what, Args::default(), &args.out, columns::POSITIONS).await;
    }
    let op = &ttmonitor::ops::GET_POSITION_BY_ACCOUNT_ID;
    let writer = writer(&args.out, columns::POSITIONS, false)?;
    let calls = per_account(&args.accounts, "accountId");
    let records = ctx.api.items_concurrent(op, calls, "positions");
    export(
        ctx,
        "positions",
        records,
        writer,
        args.out.output.as_deref(),
    )
    .await
}

/// One call's arguments per account (a repeated account is asked once).
fn per_account(accounts: &[u64], param: &str) -> Vec<Args> {
    let mut seen = std::collections::HashSet::new();
    accounts
        .iter()
        .filter(|a| seen.insert(**a))
        .map(|a| Args::default().with(param, a))
        .collect()
}

/// `ttrest accounts`.
pub async fn accounts(ctx: &Context, out: &OutputArgs) -> Result<(), CliError> {
    let what = (&ttaccount::ops::GET_ACCOUNTS, "accounts");
    pull(ctx, what, Args::default(), out, columns::ACCOUNTS).await
}

/// `ttrest users`.
pub async fn users(ctx: &Context, out: &OutputArgs) -> Result<(), CliError> {
    let what = (&ttuser::ops::GET_USERS, "users");
    pull(ctx, what, Args::default(), out, columns::USERS).await
}

/// `ttrest markets`.
pub async fn markets(ctx: &Context, out: &OutputArgs) -> Result<(), CliError> {
    let what = (&ttpds::ops::GET_MARKETS, "markets");
    pull(ctx, what, Args::default(), out, columns::MARKETS).await
}

/// `ttrest products --market ID`.
pub async fn products(ctx: &Context, args: &ProductsArgs) -> Result<(), CliError> {
    let call = Args::default().with("marketId", &args.market);
    let what = (&ttpds::ops::GET_PRODUCTS, "products");
    pull(ctx, what, call, &args.out, columns::PRODUCTS).await
}

/// `ttrest instruments --product ID`.
pub async fn instruments(ctx: &Context, args: &InstrumentsArgs) -> Result<(), CliError> {
    let call = Args::default().with("productId", &args.product);
    let what = (&ttpds::ops::GET_INSTRUMENTS, "instruments");
    pull(ctx, what, call, &args.out, columns::INSTRUMENTS).await
}

/// `ttrest orderdata`: `orderData` (enum name → code → label) as rows.
pub async fn orderdata(ctx: &Context, out: &OutputArgs) -> Result<(), CliError> {
    let op = &ttledger::ops::GET_ORDERDATA;
    let writer = writer(out, columns::ORDERDATA, false)?;
    let answer = ctx
        .api
        .send(op, &Args::default())
        .await
        .map_err(|e| e.into_cli(ctx.env))?;
    let rows = enum_rows(answer.get("orderData").unwrap_or(&Value::Null));
    ctx.progress().records_done(rows.len() as u64);
    let records = stream::iter(rows.into_iter().map(Ok));
    export(ctx, "labels", records, writer, out.output.as_deref()).await
}

/// One `{enum, code, label}` row per code. TT sends each enumeration as an
/// object of code → label; a list of `{id, name}` is read too.
fn enum_rows(data: &Value) -> Vec<Value> {
    let Some(enums) = data.as_object() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (name, codes) in enums {
        match codes {
            Value::Object(map) => rows.extend(
                map.iter()
                    .map(|(code, label)| json!({"enum": name, "code": code, "label": label})),
            ),
            Value::Array(items) => rows.extend(items.iter().map(|item| {
                let code = item.get("id").or_else(|| item.get("code")).cloned();
                let label = item.get("name").or_else(|| item.get("label")).cloned();
                json!({"enum": name, "code": code, "label": label})
            })),
            other => rows.push(json!({"enum": name, "code": null, "label": other})),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_become_rows() {
        let data = json!({
            "side": {"1": "BUY", "2": "SELL"},
            "tif": [{"id": 0, "name": "DAY"}],
        });
        let rows = enum_rows(&data);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            json!({"enum": "side", "code": "1", "label": "BUY"})
        );
        assert_eq!(rows[2], json!({"enum": "tif", "code": 0, "label": "DAY"}));
        assert!(enum_rows(&Value::Null).is_empty());
    }
}
