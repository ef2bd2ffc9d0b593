//! Accounts the key can see (ttaccount `/accounts`), and [`account_ids`],
//! which the datasets that default to "every account" ask.

use futures::StreamExt;
use serde_json::Value;
use ttrest::paginate::PaginationError;
use ttrest::ttaccount;

use super::{list, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::exit::ApiError;
use crate::request::{list_of, Api, Args};

/// `ttrest accounts`.
pub struct Accounts;

impl Dataset for Accounts {
    fn name(&self) -> &'static str {
        "accounts"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::ACCOUNTS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        list(
            ctx,
            &ttaccount::ops::GET_ACCOUNTS,
            Args::default(),
            "accounts",
        )
    }
}

/// Every account id the key can see.
pub async fn account_ids(api: &Api) -> Result<Vec<u64>, ApiError> {
    let op = &ttaccount::ops::GET_ACCOUNTS;
    let mut pages = std::pin::pin!(api.pages(op, Args::default()));
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| match e {
            PaginationError::Fetch { source, .. } => source,
            other => ApiError::Other(other.to_string()),
        })?;
        for account in list_of(page, "accounts") {
            let id = match account.get("id") {
                Some(Value::Number(n)) => n.as_u64(),
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            };
            ids.extend(id);
        }
    }
    Ok(ids)
}
