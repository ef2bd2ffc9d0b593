//! Lists your TT accounts and their positions.
//!
//! Reads credentials from `TT_APP_KEY` / `TT_APP_SECRET` (the secret may be TT's
//! `<key>:<secret>` form) and the environment from `TT_ENV` (`uat` by default):
//!
//! ```text
//! TT_APP_SECRET=<key>:<secret> cargo run --example accounts_positions
//! ```

use ttrest::{Environment, IntoTt, Session};

#[tokio::main]
async fn main() -> Result<(), ttrest::Error> {
    let env: Environment = std::env::var("TT_ENV")
        .unwrap_or_else(|_| "uat".into())
        .parse()?;
    let session = Session::builder()
        .app_name("ttrest-example")
        .company("ttrest")
        .environment(env)
        .credentials_from_env()
        .build()?;

    let accounts = session.account().get_accounts().send().into_tt().await?;
    // A missing list (`None`) and an empty one mean the same here.
    let account_list = accounts.accounts.as_deref().unwrap_or_default();
    println!(
        "{} account(s) (requestId {}):",
        account_list.len(),
        ttrest::request_id(&accounts).unwrap_or("?")
    );
    let mut ids = Vec::new();
    for account in account_list {
        let id = account.id.map_or("?".into(), |id| id.to_string());
        println!("  {id:>10}  {}", account.name.as_deref().unwrap_or(""));
        ids.extend(account.id);
    }
    if ids.is_empty() {
        return Ok(());
    }

    // TT takes a comma-separated list of account ids.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let positions = session
        .monitor()
        .get_position()
        .account_ids(list)
        .send()
        .into_tt()
        .await?;
    let positions = positions.positions.as_deref().unwrap_or_default();
    println!("{} position(s):", positions.len());
    for p in positions {
        println!(
            "  account {:>10}  instrument {:>22}  net {:>10}  P&L {:>12}",
            p.account_id.map_or("?".into(), |a| a.to_string()),
            p.instrument_id
                .as_ref()
                .map_or("?".into(), |i| i.to_string()),
            p.net_position.map_or("?".into(), |n| n.to_string()),
            p.pnl.map_or("?".into(), |n| format!("{n:.2}")),
        );
    }
    Ok(())
}
