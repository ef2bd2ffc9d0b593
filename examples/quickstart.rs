//! The README's first example: one session, a health check, every account.
//!
//! ```text
//! TT_APP_SECRET=<key>:<secret> cargo run --example quickstart
//! ```

use futures::TryStreamExt;
use ttrest::paginate::PaginatedExt;
use ttrest::{Environment, Session};

#[tokio::main]
async fn main() -> Result<(), ttrest::Error> {
    let session = Session::builder()
        .app_name("myApp")
        .company("myCompany")
        .environment(Environment::Uat)
        .credentials_from_env() // TT_APP_KEY / TT_APP_SECRET
        .build()?;

    // One typed module per service; one token, rate limiter and connection pool for all.
    let health = session.ttid().get_healthcheckstatus().send().await?;
    println!("TT system status: {:?}", health.system_status);

    // Paged operations stream every page or item (`.pages()`, `.items()`, `.collect_all()`).
    let accounts: Vec<_> = session
        .account()
        .get_accounts()
        .items()
        .try_collect()
        .await?;
    println!("{} accounts", accounts.len());
    Ok(())
}
