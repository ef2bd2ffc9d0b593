//! Errors of the paginators: every variant names the operation it happened in.

use std::fmt;

/// Why a paginated stream stopped early.
///
/// `E` is the error of one page fetch (for generated clients, [`FetchError`]).
/// Every variant carries the operation (`get_accounts`, `get_fills`...) so a log
/// line alone says which endpoint misbehaved. A stream yields at most one error,
/// as its last item: it never stops silently and never loops forever.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError<E = FetchError> {
    /// Fetching a page failed; `source` is the transport or API error.
    #[error("{operation}: fetching a page failed: {source}")]
    Fetch {
        /// The operation.
        operation: &'static str,
        /// The fetch error.
        #[source]
        source: E,
    },
    /// `lastPage` said `false` but the response carried no `nextPageKey`, so the
    /// rest of the list cannot be requested.
    #[error(
        "{operation}: page {page} says lastPage=false but has no nextPageKey; \
         the remaining records cannot be requested (TT returned an incomplete page envelope)"
    )]
    MissingNextPageKey {
        /// The operation.
        operation: &'static str,
        /// 1-based number of the page that lacked the key.
        page: usize,
    },
    /// TT handed out a `nextPageKey` it had already handed out: following it
    /// would loop forever.
    #[error(
        "{operation}: page {page} returned nextPageKey {key:?}, which was already used; \
         stopping instead of looping forever"
    )]
    RepeatedPageKey {
        /// The operation.
        operation: &'static str,
        /// 1-based number of the page that repeated the key.
        page: usize,
        /// The repeated key.
        key: String,
    },
    /// `lastPage` held something other than a boolean or `"true"`/`"false"`.
    #[error("{operation}: page {page} has lastPage {value:?}; expected true or false")]
    InvalidLastPage {
        /// The operation.
        operation: &'static str,
        /// 1-based number of the page.
        page: usize,
        /// The value as received.
        value: String,
    },
    /// A fill had no usable `timeStamp`, so it cannot be placed in time order.
    #[error("{operation}: a fill has no valid timeStamp (dedup key {key:?})")]
    MissingTimestamp {
        /// The operation.
        operation: &'static str,
        /// The fill's dedup key.
        key: String,
    },
    /// A full page of fills all share one timestamp, so more fills than a page may
    /// share it, and no narrowing (by account, then product) could split them.
    #[error(
        "{operation}: a full page of {page_size} fills all have timeStamp {timestamp} ns{filter}, \
         so more may share it; {hint}"
    )]
    TimestampCluster {
        /// The operation.
        operation: &'static str,
        /// The shared timestamp (epoch ns).
        timestamp: i64,
        /// The page size.
        page_size: usize,
        /// The filter in force when narrowing ran out, e.g. ` (accountId 12)`.
        filter: String,
        /// What the caller can do about it.
        hint: &'static str,
    },
    /// Narrowing by a list of accounts or products did not find every fill the
    /// unfiltered page had: the list the caller gave is incomplete.
    #[error(
        "{operation}: narrowing timeStamp {timestamp} by {dimension} missed {missing} fill(s) \
         seen without the filter; the {dimension} list is incomplete"
    )]
    NarrowingIncomplete {
        /// The operation.
        operation: &'static str,
        /// The shared timestamp (epoch ns).
        timestamp: i64,
        /// `"account"` or `"product"`.
        dimension: &'static str,
        /// How many fills were not found again.
        missing: usize,
    },
    /// The server kept timing out (408/504) even after halving the time window
    /// the allowed number of times.
    #[error(
        "{operation}: window [{min_ts}, {max_ts}] ns still times out after {splits} halvings: {source}"
    )]
    WindowTimeout {
        /// The operation.
        operation: &'static str,
        /// Window start (epoch ns, inclusive).
        min_ts: i64,
        /// Window end (epoch ns, inclusive).
        max_ts: i64,
        /// Halvings already made.
        splits: u32,
        /// The last time-out.
        #[source]
        source: E,
    },
    /// An `/orders` request for a single account returned the documented cap of
    /// orders, so the answer may be truncated and cannot be split further.
    #[error(
        "{operation}: account {account} alone returned {count} orders, the per-request cap; \
         the list may be truncated"
    )]
    OrdersCapped {
        /// The operation.
        operation: &'static str,
        /// The account.
        account: u64,
        /// Orders returned.
        count: usize,
    },
}

impl<E> PaginationError<E> {
    /// The operation the error happened in.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Fetch { operation, .. }
            | Self::MissingNextPageKey { operation, .. }
            | Self::RepeatedPageKey { operation, .. }
            | Self::InvalidLastPage { operation, .. }
            | Self::MissingTimestamp { operation, .. }
            | Self::TimestampCluster { operation, .. }
            | Self::NarrowingIncomplete { operation, .. }
            | Self::WindowTimeout { operation, .. }
            | Self::OrdersCapped { operation, .. } => operation,
        }
    }
}

/// Gives the HTTP status of a failed fetch, if it got that far.
///
/// The fills paginator uses it to tell time-outs (408, 504), which it answers by
/// halving the window, from other failures, which end the stream.
pub trait FetchStatus {
    /// The HTTP status code, if the failure came with a response.
    fn status_code(&self) -> Option<u16>;

    /// Whether the failure is a server-side time-out (HTTP 408 or 504).
    fn is_timeout(&self) -> bool {
        matches!(self.status_code(), Some(408 | 504))
    }
}

impl<E> FetchStatus for progenitor_client::Error<E> {
    fn status_code(&self) -> Option<u16> {
        self.status().map(|s| s.as_u16())
    }
}

impl FetchStatus for reqwest::Error {
    fn status_code(&self) -> Option<u16> {
        self.status().map(|s| s.as_u16())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A page-fetch failure of a generated client, with the operation's own error
/// type erased so all paginated operations share one error type.
///
/// The status code stays available ([`FetchError::status`]) and the original
/// error is the [`source`](std::error::Error::source) (downcast it to
/// `progenitor_client::Error<T>` for the typed body).
pub struct FetchError {
    status: Option<u16>,
    inner: BoxError,
}

impl FetchError {
    /// Wraps any error, remembering its HTTP status if it has one.
    pub fn new<E>(error: E) -> Self
    where
        E: FetchStatus + std::error::Error + Send + Sync + 'static,
    {
        Self {
            status: error.status_code(),
            inner: Box::new(error),
        }
    }

    /// The HTTP status code, if the failure came with a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The original error.
    pub fn into_inner(self) -> BoxError {
        self.inner
    }
}

/// A generated client's failure, as the typed [`crate::Error`] (status,
/// requestId and TT's message intact).
impl From<progenitor_client::Error<crate::ErrorBody>> for FetchError {
    fn from(error: progenitor_client::Error<crate::ErrorBody>) -> Self {
        Self::new(crate::Error::from(error))
    }
}

impl FetchStatus for FetchError {
    fn status_code(&self) -> Option<u16> {
        self.status
    }
}

impl fmt::Debug for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchError")
            .field("status", &self.status)
            .field("inner", &self.inner)
            .finish()
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.inner.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("status {0}")]
    struct Status(u16);

    impl FetchStatus for Status {
        fn status_code(&self) -> Option<u16> {
            Some(self.0)
        }
    }

    #[test]
    fn timeouts_are_408_and_504_only() {
        assert!(Status(408).is_timeout());
        assert!(Status(504).is_timeout());
        assert!(!Status(500).is_timeout());
        assert!(!Status(429).is_timeout());
    }

    #[test]
    fn fetch_error_keeps_status_and_message() {
        let e = FetchError::new(Status(504));
        assert_eq!(e.status(), Some(504));
        assert!(e.is_timeout());
        assert_eq!(e.to_string(), "status 504");
    }

    #[test]
    fn every_error_names_its_operation() {
        let e: PaginationError<Status> = PaginationError::RepeatedPageKey {
            operation: "get_accounts",
            page: 3,
            key: "k1".into(),
        };
        assert_eq!(e.operation(), "get_accounts");
        assert!(e.to_string().starts_with("get_accounts: page 3"));
    }
}

/// A call made through the session already carries its typed [`crate::Error`];
/// its HTTP status drives the fills paginator (408/504 halve the window).
impl FetchStatus for crate::Error {
    fn status_code(&self) -> Option<u16> {
        self.status().map(|s| s.as_u16())
    }
}

/// Lets `?` turn a paging failure into the crate's one error type: a failed
/// fetch (or the last time-out of a window that could not be halved further)
/// gives back the typed error of that call, anything else becomes
/// [`crate::Error::Paging`].
impl From<PaginationError> for crate::Error {
    fn from(error: PaginationError) -> Self {
        let operation = error.operation();
        match error {
            PaginationError::Fetch { source, .. }
            | PaginationError::WindowTimeout { source, .. } => {
                match source.into_inner().downcast::<crate::Error>() {
                    Ok(typed) => *typed,
                    Err(other) => crate::Error::Paging {
                        operation,
                        message: format!("{operation}: fetching a page failed: {other}"),
                    },
                }
            }
            other => crate::Error::Paging {
                operation,
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod into_crate_error {
    use super::*;

    #[test]
    fn paging_failures_become_crate_errors_naming_the_operation() {
        let e: crate::Error = PaginationError::<FetchError>::RepeatedPageKey {
            operation: "get_users",
            page: 3,
            key: "k".into(),
        }
        .into();
        assert!(matches!(
            e,
            crate::Error::Paging {
                operation: "get_users",
                ..
            }
        ));
        assert!(e.to_string().starts_with("get_users: page 3"), "{e}");
    }

    #[test]
    fn a_failed_fetch_gives_back_the_typed_error_of_the_call() {
        let typed = crate::Error::InvalidArgument {
            call: None,
            message: "bad accountId".into(),
        };
        let e: crate::Error = PaginationError::Fetch {
            operation: "get_accounts",
            source: FetchError::new(typed),
        }
        .into();
        assert!(matches!(e, crate::Error::InvalidArgument { .. }), "{e:?}");
    }
}
