//! The service table: every service compiled into this build, its operations
//! and their parameters, generated from `specs/normalized/` by `build.rs`.
//!
//! This is what a tool needs to call any operation by name (the `ttrest call`
//! command, a sandbox answering every documented path): the typed clients
//! (`ttrest::ttledger::Client`...) are generated from the same specs.

/// One TT REST service compiled into this build (its cargo feature is on).
#[derive(Debug)]
pub struct Service {
    /// The service's name as in URLs and cargo features (`ttledger`).
    pub name: &'static str,
    /// The name of its accessor on [`Session`](crate::Session) (`ledger`).
    pub accessor: &'static str,
    /// The module's documentation (Markdown).
    pub doc: &'static str,
    /// Every operation of the service, sorted by operation id.
    pub operations: &'static [Operation],
    /// The normalized OpenAPI spec the service was generated from.
    pub spec_json: &'static str,
}

/// One operation of a service, as its spec describes it.
#[derive(Debug)]
pub struct Operation {
    /// The service it belongs to (`ttledger`).
    pub service: &'static str,
    /// The operation id, which is also the generated client's method name (`get_fills`).
    pub id: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path below `<root>/<service>/<environment>`, e.g. `/account/{accountId}`.
    pub path: &'static str,
    /// The first line of the operation's summary (or description).
    pub summary: &'static str,
    /// Its parameters: the path item's, then the operation's own.
    pub params: &'static [Param],
    /// How its request body is sent, if it has one.
    pub body: Option<BodyKind>,
    /// How it pages, as the codegen read it from the spec.
    pub paging: Paging,
    /// How [`Session::call`](crate::Session::call) retries it (follows from
    /// [`Operation::paging`]).
    pub retry: RetryClass,
}

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Paging {
    /// By TT's `nextPageKey` (see [`crate::paginate::PaginatedExt`]).
    KeyPaged,
    /// By time windows (`minTimestamp`/`maxTimestamp`, see
    /// [`crate::paginate::TimePagedExt`]).
    TimeWindowed,
    /// One answer.
    None,
}

/// Which retry rules a call of an operation follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryClass {
    /// The session's [`RetryPolicy`](crate::RetryPolicy).
    Default,
    /// One window of a time-paged stream: a 408/504 says the window is too
    /// wide, which repeating it cannot fix, so it comes back at once for the
    /// caller to narrow the window (and spends no more of the day's
    /// requests); everything else as [`RetryClass::Default`].
    TimeWindow,
}

impl Operation {
    /// Whether the operation pages by `nextPageKey`.
    pub fn is_paged(&self) -> bool {
        self.paging == Paging::KeyPaged
    }

    /// The parameter called `name`, if any.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name as on the wire (`accountId`).
    pub name: &'static str,
    /// Where it goes.
    pub location: Location,
    /// Whether the operation requires it (path parameters always do).
    pub required: bool,
    /// The JSON type of its schema (`string`, `integer`...).
    pub kind: &'static str,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

/// How a request body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// The services compiled into this build, sorted by name.
pub fn enabled() -> &'static [Service] {
    crate::ENABLED_SERVICES
}

/// The compiled-in service called `name`.
pub fn find(name: &str) -> Option<&'static Service> {
    enabled().iter().find(|s| s.name == name)
}

/// The operation `operation` of the compiled-in service `service`.
pub fn find_operation(service: &str, operation: &str) -> Option<&'static Operation> {
    find(service)?
        .operations
        .iter()
        .find(|op| op.id == operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_with_paths_has_operations_in_the_table() {
        for service in enabled() {
            let spec: serde_json::Value = serde_json::from_str(service.spec_json).unwrap();
            let paths = spec["paths"].as_object().map_or(0, |p| p.len());
            assert_eq!(
                paths == 0,
                service.operations.is_empty(),
                "{}",
                service.name
            );
            assert!(service.operations.windows(2).all(|w| w[0].id < w[1].id));
        }
    }

    #[cfg(all(feature = "ttledger", feature = "ttaccount", feature = "ttmonitor"))]
    #[test]
    fn operations_are_described_from_the_spec() {
        let fills = find_operation("ttledger", "get_fills").expect("get_fills");
        assert_eq!(fills.method, http::Method::GET);
        assert_eq!(fills.path, "/fills");
        assert!(fills.param("minTimestamp").is_some());
        assert!(!fills.is_paged());
        assert_eq!(fills.paging, Paging::TimeWindowed);
        assert_eq!(fills.retry, RetryClass::TimeWindow);
        assert_eq!(crate::ttledger::ops::GET_FILLS.id, "get_fills");
        assert_eq!(
            find_operation("ttaccount", "get_accounts").unwrap().retry,
            RetryClass::Default
        );
        assert!(find_operation("ttaccount", "get_accounts")
            .unwrap()
            .is_paged());
        let by_id = find_operation("ttaccount", "get_account_by_account_id").unwrap();
        let id = by_id.param("accountId").unwrap();
        assert!(id.required && id.location == Location::Path);
        assert_eq!(
            find_operation("ttmonitor", "post_adminfill").unwrap().body,
            Some(BodyKind::Json)
        );
        assert_eq!(find("ttledger").unwrap().accessor, "ledger");
    }
}
