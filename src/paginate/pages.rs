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

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;
    use futures::StreamExt;
    use serde_json::{json, Value};

    /// A page of a fake endpoint: records, `lastPage` as JSON, `nextPageKey`.
    #[derive(Clone, Debug)]
    struct Page {
        records: Vec<u32>,
        last_page: Value,
        next_page_key: Option<String>,
    }

    fn page(records: &[u32], last_page: Value, key: Option<&str>) -> Page {
        Page {
            records: records.to_vec(),
            last_page,
            next_page_key: key.map(str::to_string),
        }
    }

    fn state(p: &Page) -> PageState {
        PageState::new(p.last_page.last_page_flag(), p.next_page_key.page_key())
    }

    /// Runs the pager over `pages` (served in order, keyed by the previous key);
    /// returns the records and the error, if any, plus the keys requested.
    fn run(
        pages: Vec<Page>,
    ) -> (
        Vec<u32>,
        Option<PaginationError<String>>,
        Vec<Option<String>>,
    ) {
        let mut served = pages.into_iter();
        let mut requested = Vec::new();
        let stream = page_stream(
            "get_things",
            |key| {
                requested.push(key);
                let next = served.next().ok_or_else(|| "no more pages".to_string());
                async move { next }
            },
            state,
        );
        let items: Vec<_> = block_on(stream.collect());
        let mut records = Vec::new();
        let mut error = None;
        for item in items {
            match item {
                Ok(p) => records.extend(p.records),
                Err(e) => {
                    assert!(error.is_none(), "at most one error");
                    error = Some(e);
                }
            }
        }
        (records, error, requested)
    }

    #[test]
    fn follows_false_and_stops_on_capitalised_true() {
        let (records, error, keys) = run(vec![
            page(&[1, 2], json!("false"), Some("k1")),
            page(&[3], json!("False"), Some("k2")),
            page(&[4], json!("True"), None),
        ]);
        assert_eq!(records, [1, 2, 3, 4]);
        assert!(error.is_none());
        assert_eq!(keys, [None, Some("k1".into()), Some("k2".into())]);
    }

    #[test]
    fn true_stops_even_with_a_key() {
        let (records, error, keys) = run(vec![page(&[1], json!("true"), Some("k1"))]);
        assert_eq!((records, keys.len()), (vec![1], 1));
        assert!(error.is_none());
    }

    #[test]
    fn json_booleans_work_too() {
        let (records, error, _) = run(vec![
            page(&[1], json!(false), Some("k1")),
            page(&[2], json!(true), None),
        ]);
        assert_eq!(records, [1, 2]);
        assert!(error.is_none());
    }

    #[test]
    fn missing_flag_with_key_continues_and_without_key_stops() {
        let (records, error, keys) = run(vec![
            page(&[1], Value::Null, Some("k1")),
            page(&[2], Value::Null, None),
        ]);
        assert_eq!(records, [1, 2]);
        assert!(error.is_none());
        assert_eq!(keys.len(), 2);
    }

    #[test]
    fn false_without_key_yields_the_page_then_a_typed_error() {
        let (records, error, keys) = run(vec![page(&[1, 2], json!("false"), None)]);
        assert_eq!(records, [1, 2], "the records received are not thrown away");
        assert_eq!(keys.len(), 1);
        match error {
            Some(PaginationError::MissingNextPageKey { operation, page }) => {
                assert_eq!((operation, page), ("get_things", 1));
            }
            other => panic!("expected MissingNextPageKey, got {other:?}"),
        }
    }

    #[test]
    fn empty_key_counts_as_missing() {
        let (_, error, _) = run(vec![page(&[1], json!("false"), Some(""))]);
        assert!(matches!(
            error,
            Some(PaginationError::MissingNextPageKey { .. })
        ));
    }

    #[test]
    fn repeated_key_is_an_error_not_a_loop() {
        let (records, error, keys) = run(vec![
            page(&[1], json!("false"), Some("k1")),
            page(&[2], json!("false"), Some("k2")),
            page(&[3], json!("false"), Some("k1")),
            page(&[4], json!("true"), None),
        ]);
        assert_eq!(records, [1, 2, 3]);
        assert_eq!(keys.len(), 3, "k1 is not requested twice");
        match error {
            Some(e @ PaginationError::RepeatedPageKey { .. }) => {
                assert!(e
                    .to_string()
                    .contains("get_things: page 3 returned nextPageKey \"k1\""));
            }
            other => panic!("expected RepeatedPageKey, got {other:?}"),
        }
    }

    #[test]
    fn unreadable_flag_is_an_error_naming_the_value() {
        let (_, error, _) = run(vec![page(&[1], json!("maybe"), Some("k1"))]);
        match error {
            Some(PaginationError::InvalidLastPage { value, .. }) => assert_eq!(value, "maybe"),
            other => panic!("expected InvalidLastPage, got {other:?}"),
        }
    }

    #[test]
    fn fetch_error_ends_the_stream_with_the_operation() {
        let (records, error, _) = run(vec![page(&[1], json!("false"), Some("k1"))]);
        assert_eq!(records, [1]);
        match error {
            Some(PaginationError::Fetch { operation, source }) => {
                assert_eq!(
                    (operation, source.as_str()),
                    ("get_things", "no more pages")
                );
            }
            other => panic!("expected Fetch, got {other:?}"),
        }
    }

    #[test]
    fn defaulted_flag_lets_a_present_key_win() {
        let defaulted = PageState::with_defaulted_last_page(Ok(Some(true)), Some("k".into()));
        assert!(
            matches!(decide::<()>("op", 1, defaulted, &mut HashSet::new()), Next::Key(k) if k == "k")
        );
        let plain = PageState::new(Ok(Some(true)), Some("k".into()));
        assert!(matches!(
            decide::<()>("op", 1, plain, &mut HashSet::new()),
            Next::Done
        ));
    }

    #[test]
    fn lenient_flag_spellings() {
        for (text, flag) in [
            ("true", Some(true)),
            ("TRUE", Some(true)),
            ("False", Some(false)),
            (" ", None),
        ] {
            assert_eq!(text.last_page_flag(), Ok(flag), "{text:?}");
        }
        assert_eq!(
            Some(crate::scalar::TtBool::from(false)).last_page_flag(),
            Ok(Some(false))
        );
        assert_eq!(None::<String>.last_page_flag(), Ok(None));
    }

    /// A builder-shaped fake, as the generated impls look.
    #[derive(Clone)]
    struct FakeBuilder {
        key: Option<String>,
    }

    impl Paginated for FakeBuilder {
        type Page = Page;
        type Item = u32;
        const OPERATION: &'static str = "get_fake";

        fn with_page_key(self, key: String) -> Self {
            Self { key: Some(key) }
        }

        async fn fetch_page(self) -> Result<Page, FetchError> {
            Ok(match self.key.as_deref() {
                None => page(&[1, 2], json!("false"), Some("a")),
                Some("a") => page(&[3], json!("false"), Some("b")),
                _ => page(&[4], json!("true"), None),
            })
        }

        fn page_state(page: &Page) -> PageState {
            state(page)
        }

        fn into_items(page: Page) -> Vec<u32> {
            page.records
        }
    }

    #[test]
    fn extension_methods_page_through_a_builder() {
        let all = block_on(FakeBuilder { key: None }.collect_all()).unwrap();
        assert_eq!(all, [1, 2, 3, 4]);
        let pages = block_on(FakeBuilder { key: None }.pages().collect::<Vec<_>>());
        assert_eq!(pages.len(), 3);
    }
}
