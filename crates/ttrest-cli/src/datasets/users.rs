//! Users (ttuser `/users`).

use ttrest::ttuser;

use super::{list, Dataset, Records};
use crate::columns;
use crate::context::Context;
use crate::request::Args;

/// `ttrest users`.
pub struct Users;

impl Dataset for Users {
    fn name(&self) -> &'static str {
        "users"
    }

    fn columns(&self) -> &'static [&'static str] {
        columns::USERS
    }

    fn records<'a>(&'a self, ctx: &'a Context) -> Records<'a> {
        list(ctx, &ttuser::ops::GET_USERS, Args::default(), "users")
    }
}
