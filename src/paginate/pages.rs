//! `nextPageKey` paging: TT's envelope of `lastPage`, `nextPageKey` and one list.
//!
//! The rules (TT REST facts §4.4; `lastPage` is a string, sometimes capitalised):
//!
//! | `lastPage`        | `nextPageKey`      | then                                  |
//! |-------------------|--------------------|---------------------------------------|
//! | true              | any                | stop                                  |
//! | false             | present, new       | fetch the next page                   |
//! | false             | missing            | error [`MissingNextPageKey`]          |
//! | any               | already used       | error [`RepeatedPageKey`]             |
//! | missing           | present, new       | fetch the next page                   |
//! | missing           | missing            | stop                                  |
//!
//! A stream holds one page at a time, plus the keys it has followed (to detect loops).
//!
//! [`MissingNextPageKey`]: PaginationError::MissingNextPageKey
//! [`RepeatedPageKey`]: PaginationError::RepeatedPageKey

use std::collections::HashSet;
use std::future::Future;

use futures::stream::{self, Stream, TryStreamExt};

use super::error::{FetchError, PaginationError};

/// What one page says about the next: its `lastPage` flag and `nextPageKey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageState {
    last_page: Result<Option<bool>, String>,
    next_page_key: Option<String>,
    key_wins: bool,
}

impl PageState {
    /// Builds the state from a parsed `lastPage` (see [`LastPageFlag`]) and key.
    ///
    /// An empty key counts as missing.
    pub fn new(last_page: Result<Option<bool>, String>, next_page_key: Option<String>) -> Self {
        let next_page_key = next_page_key.filter(|k| !k.is_empty());
        Self {
            last_page,
            next_page_key,
            key_wins: false,
        }
    }

    /// Like [`new`](Self::new), for a `lastPage` the spec gives a default of
    /// `"true"`: a missing flag then reads as `true`, so a page that carries a
    /// `nextPageKey` is followed even when the flag says `true` (following costs
    /// one request; stopping could lose records).
    pub fn with_defaulted_last_page(
        last_page: Result<Option<bool>, String>,
        next_page_key: Option<String>,
    ) -> Self {
        Self {
            key_wins: true,
            ..Self::new(last_page, next_page_key)
        }
    }
}

/// Reads TT's `lastPage` leniently, whatever type the generated code gave it.
///
/// `Ok(None)` means missing; `Err` carries an unrecognised value.
pub trait LastPageFlag {
    /// The flag: `Some(true)` last page, `Some(false)` more to come, `None` missing.
    fn last_page_flag(&self) -> Result<Option<bool>, String>;
}

impl LastPageFlag for str {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        let text = self.trim();
        if text.is_empty() {
            Ok(None)
        } else if text.eq_ignore_ascii_case("true") || text == "1" {
            Ok(Some(true))
        } else if text.eq_ignore_ascii_case("false") || text == "0" {
            Ok(Some(false))
        } else {
            Err(self.to_string())
        }
    }
}

impl LastPageFlag for String {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        self.as_str().last_page_flag()
    }
}

impl LastPageFlag for bool {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        Ok(Some(*self))
    }
}

impl LastPageFlag for crate::scalar::TtBool {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        Ok(Some(bool::from(*self)))
    }
}

impl LastPageFlag for serde_json::Value {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        match self {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::Bool(b) => Ok(Some(*b)),
            serde_json::Value::String(s) => s.last_page_flag(),
            other => Err(other.to_string()),
        }
    }
}

impl<T: LastPageFlag> LastPageFlag for Option<T> {
    fn last_page_flag(&self) -> Result<Option<bool>, String> {
        self.as_ref().map_or(Ok(None), T::last_page_flag)
    }
}

/// Reads TT's `nextPageKey`, whatever type the generated code gave it.
pub trait PageKeyValue {
    /// The key, or `None` if missing or empty.
    fn page_key(&self) -> Option<String>;
}

impl PageKeyValue for String {
    fn page_key(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.clone())
    }
}

impl PageKeyValue for serde_json::Value {
    fn page_key(&self) -> Option<String> {
        match self {
            serde_json::Value::String(s) => s.page_key(),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

impl<T: PageKeyValue> PageKeyValue for Option<T> {
    fn page_key(&self) -> Option<String> {
        self.as_ref().and_then(T::page_key)
    }
}

/// Turns a page's list field into its items (`Vec<T>` or `Option<Vec<T>>`).
pub trait IntoPageItems<T> {
    /// The items, in page order.
    fn into_page_items(self) -> Vec<T>;
}

impl<T> IntoPageItems<T> for Vec<T> {
    fn into_page_items(self) -> Vec<T> {
        self
    }
}

impl<T> IntoPageItems<T> for Option<Vec<T>> {
    fn into_page_items(self) -> Vec<T> {
        self.unwrap_or_default()
    }
}

/// A request builder of an operation paged by `nextPageKey`.
///
/// `ttrest-codegen` implements it for every such operation's generated builder
/// (found from the specs: a `nextPageKey` query parameter and a response with
/// exactly one array property), so each gets [`PaginatedExt`]'s `pages()`,
/// `items()` and `collect_all()`.
pub trait Paginated: Clone + Send + Sized {
    /// The response envelope of one page.
    type Page: Send;
    /// One record of the page's list.
    type Item: Send;
    /// The operation id, used in errors.
    const OPERATION: &'static str;

    /// The same request, asking for the page after `key`.
    fn with_page_key(self, key: String) -> Self;
    /// Sends the request for one page.
    fn fetch_page(self) -> impl Future<Output = Result<Self::Page, FetchError>> + Send;
    /// What the page says about the next one.
    fn page_state(page: &Self::Page) -> PageState;
    /// The page's records.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

/// `pages()`, `items()` and `collect_all()` for every [`Paginated`] builder.
pub trait PaginatedExt: Paginated {
    /// Every page, starting with the one this builder asks for.
    fn pages(self) -> impl Stream<Item = Result<Self::Page, PaginationError>> + Send {
        page_stream(
            Self::OPERATION,
            move |key: Option<String>| {
                let request = match key {
                    Some(key) => self.clone().with_page_key(key),
                    None => self.clone(),
                };
                request.fetch_page()
            },
            Self::page_state,
        )
    }

    /// Every record of every page, one at a time.
    fn items(self) -> impl Stream<Item = Result<Self::Item, PaginationError>> + Send {
        self.pages()
            .map_ok(|page| stream::iter(Self::into_items(page).into_iter().map(Ok)))
            .try_flatten()
    }

    /// All records of all pages in one `Vec` (memory grows with the whole list).
    fn collect_all(self) -> impl Future<Output = Result<Vec<Self::Item>, PaginationError>> + Send {
        self.items().try_collect()
    }
}

impl<T: Paginated> PaginatedExt for T {}

/// Where a key-paged stream stands.
enum Next<E> {
    First,
    Key(String),
    /// The last page was yielded; this error (about what it said) comes next.
    Fail(PaginationError<E>),
    Done,
}

struct Pager<F, E> {
    fetch: F,
    next: Next<E>,
    used_keys: HashSet<String>,
    page: usize,
}

/// Pages any `nextPageKey`-paged operation given a fetch function.
///
/// `fetch(None)` asks for the first page, `fetch(Some(key))` for the page after
/// `key`; `state` reads a page's `lastPage`/`nextPageKey`. Errors name `operation`.
/// A page whose envelope is inconsistent is still yielded, then the error.
/// This is what [`PaginatedExt::pages`] runs; use it directly for hand-built requests.
pub fn page_stream<P, E, F, Fut>(
    operation: &'static str,
    fetch: F,
    state: fn(&P) -> PageState,
) -> impl Stream<Item = Result<P, PaginationError<E>>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<P, E>>,
{
    let start = Pager {
        fetch,
        next: Next::First,
        used_keys: HashSet::new(),
        page: 0,
    };
    stream::unfold(start, move |mut pager| async move {
        let key = match std::mem::replace(&mut pager.next, Next::Done) {
            Next::Done => return None,
            Next::Fail(error) => return Some((Err(error), pager)),
            Next::First => None,
            Next::Key(key) => Some(key),
        };
        pager.page += 1;
        match (pager.fetch)(key).await {
            Ok(page) => {
                pager.next = decide(operation, pager.page, state(&page), &mut pager.used_keys);
                Some((Ok(page), pager))
            }
            Err(source) => Some((Err(PaginationError::Fetch { operation, source }), pager)),
        }
    })
}

/// Applies the paging rules to one page's state: what to fetch next, or why not.
fn decide<E>(
    operation: &'static str,
    page: usize,
    state: PageState,
    used_keys: &mut HashSet<String>,
) -> Next<E> {
    let last = match state.last_page {
        Ok(Some(true)) if state.key_wins && state.next_page_key.is_some() => None,
        Ok(last) => last,
        Err(value) => {
            return Next::Fail(PaginationError::InvalidLastPage {
                operation,
                page,
                value,
            })
        }
    };
    match (last, state.next_page_key) {
        (Some(true), _) | (None, None) => Next::Done,
        (Some(false), None) => Next::Fail(PaginationError::MissingNextPageKey { operation, page }),
        (_, Some(key)) if used_keys.insert(key.clone()) => Next::Key(key),
        (_, Some(key)) => Next::Fail(PaginationError::RepeatedPageKey {
            operation,
            page,
            key,
        }),
    }
}
