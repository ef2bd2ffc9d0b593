//! Sends any spec operation as raw JSON through the session.
//!
//! The request is built from the operation's path and parameters and sent with
//! [`Session::call`], so it gets the same token, requestId, rate limit,
//! redirects and retries as a typed call, and failures are the same typed
//! [`ttrest::Error`]s. Answers stay JSON (`serde_json::Value`), so exports
//! keep every field TT sends.

use std::sync::Arc;

use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::Deserialize;
use serde_json::Value;
use ttrest::paginate::{
    page_stream, Concurrency, Concurrent, ConcurrentOptions, LastPageFlag, PageKeyValue, PageState,
    PaginationError,
};
use ttrest::{CallInfo, Error, Session, TtMessage};

use crate::exit::{ApiError, CliError};
use crate::progress::Progress;
use crate::spec::{BodyKind, Location, Operation};

/// Parameter values and body of one call.
#[derive(Clone, Debug, Default)]
pub struct Args {
    pub params: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Args {
    /// Adds `name=value`.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    /// Checks the arguments against the operation: known names, required ones
    /// present, a body only where the operation takes one.
    pub fn check(&self, op: &Operation) -> Result<(), CliError> {
        let names = || {
            op.params
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (name, _) in &self.params {
            if op.param(name).is_none() {
                return Err(CliError::usage(format!(
                    "{} {} has no parameter `{name}`",
                    op.service, op.id
                ))
                .hint(format!("its parameters: {}", or_none(names()))));
            }
        }
        for p in op.params.iter().filter(|p| p.required) {
            if !self.params.iter().any(|(n, _)| *n == p.name) {
                return Err(CliError::usage(format!(
                    "{} {} needs --param {}=VALUE",
                    op.service, op.id, p.name
                ))
                .hint(format!("its parameters: {}", names())));
            }
        }
        match (&self.body, op.body) {
            (Some(_), None) => Err(CliError::usage(format!(
                "{} {} takes no request body; drop --body",
                op.service, op.id
            ))),
            (None, Some(_)) => Err(CliError::usage(format!(
                "{} {} needs a request body: --body JSON or --body @FILE",
                op.service, op.id
            ))),
            _ => Ok(()),
        }
    }
}

fn or_none(list: String) -> String {
    if list.is_empty() {
        "none".into()
    } else {
        list
    }
}

/// The session plus the progress display every paged pull reports to.
#[derive(Clone)]
pub struct Api {
    session: Session,
    progress: Arc<Progress>,
}

impl Api {
    pub fn new(session: Session, progress: Arc<Progress>) -> Self {
        Api { session, progress }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Sends one request and returns TT's JSON answer.
    pub async fn send(&self, op: &'static Operation, args: &Args) -> Result<Value, ApiError> {
        let (body, call) = self.send_bytes(op, args).await?;
        let value: Value = serde_json::from_slice(&body).map_err(|e| not_json(&call, &body, &e))?;
        // TT sometimes reports failure in a 200 envelope (`"status": "Fail"`).
        // Read from a borrow: cloning a page of fills cost a fifth of the CPU.
        let tt = TtMessage::deserialize(&value).unwrap_or_default();
        if tt.is_failure() {
            return Err(ApiError::Tt(Error::Tt {
                call: Box::new(call.info),
                status: call.status,
                tt,
            }));
        }
        Ok(value)
    }

    /// Sends one request and returns the body of a successful answer, unread,
    /// with what an error about it needs; the caller checks TT's envelope.
    pub async fn send_bytes(
        &self,
        op: &'static Operation,
        args: &Args,
    ) -> Result<(bytes::Bytes, Call), ApiError> {
        let request = self.build(op, args).map_err(ApiError::Tt)?;
        let response = self.session.call(op, request).await;
        self.progress.page_done();
        let response = response.map_err(ApiError::Tt)?;
        let request_id = ttrest::request_id_from_headers(response.headers()).map(str::to_string);
        let call = Call {
            info: call_info(op, request_id),
            status: response.status(),
        };
        let body = response.bytes().await.map_err(|e| {
            ApiError::Tt(Error::Transport {
                call: Box::new(call.info.clone()),
                source: e,
            })
        })?;
        Ok((body, call))
    }

    /// Every page of a `nextPageKey`-paged operation (one page otherwise).
    pub fn pages(
        &self,
        op: &'static Operation,
        args: Args,
    ) -> impl Stream<Item = Result<Value, PaginationError<ApiError>>> + Send + '_ {
        self.pages_timed(op, args, None)
    }

    /// [`pages`](Self::pages), each request's round trip reported to `timer`.
    fn pages_timed(
        &self,
        op: &'static Operation,
        args: Args,
        timer: Option<Arc<Concurrency>>,
    ) -> impl Stream<Item = Result<Value, PaginationError<ApiError>>> + Send + '_ {
        let paged = op.is_paged();
        let fetch = move |key: Option<String>| {
            let mut args = args.clone();
            if let Some(key) = key {
                args.params.retain(|(n, _)| n != "nextPageKey");
                args.params.push(("nextPageKey".into(), key));
            }
            let timer = timer.clone();
            async move {
                match timer {
                    Some(timer) => timer.timed(self.send(op, &args)).await,
                    None => self.send(op, &args).await,
                }
            }
        };
        let state = if paged { page_state } else { single_page };
        page_stream(op.id, fetch, state)
    }

    /// Every record of the list under `key` of every page.
    pub fn items<'a>(
        &'a self,
        op: &'static Operation,
        args: Args,
        key: &'a str,
    ) -> impl Stream<Item = Result<Value, PaginationError<ApiError>>> + Send + 'a {
        self.items_timed(op, args, key, None)
    }

    /// The records under `key` of independent calls of `op` (one per set of
    /// `calls`), several at once as the session's plan allows, yielded in call
    /// order: the same records as calling [`items`](Self::items) on each in turn.
    pub fn items_concurrent<'a>(
        &'a self,
        op: &'static Operation,
        calls: Vec<Args>,
        key: &'a str,
    ) -> Concurrent<'a, Value, PaginationError<ApiError>> {
        let options = ConcurrentOptions::for_plan(self.session.plan());
        let concurrency = Arc::new(Concurrency::new(&options));
        let timer = Arc::clone(&concurrency);
        let streams = calls.into_iter().map(move |args| {
            self.items_timed(op, args, key, Some(Arc::clone(&timer)))
                .boxed()
        });
        Concurrent::new(streams, concurrency)
    }

    fn items_timed<'a>(
        &'a self,
        op: &'static Operation,
        args: Args,
        key: &'a str,
        timer: Option<Arc<Concurrency>>,
    ) -> impl Stream<Item = Result<Value, PaginationError<ApiError>>> + Send + 'a {
        self.pages_timed(op, args, timer)
            .map_ok(move |page| {
                let items = list_of(page, key);
                self.progress.records_done(items.len() as u64);
                stream::iter(items.into_iter().map(Ok))
            })
            .try_flatten()
    }

    /// The HTTP request for `op` with `args` (path, query, headers, body).
    fn build(&self, op: &Operation, args: &Args) -> Result<reqwest::Request, Error> {
        let mut path = op.path.to_string();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for (name, value) in &args.params {
            match op.param(name).map(|p| p.location) {
                Some(Location::Path) => {
                    path = path.replace(&format!("{{{name}}}"), &encode_segment(value))
                }
                Some(Location::Header) => headers.push((name, value)),
                _ => query.push((name, value)),
            }
        }
        let base = self.session.base_url(op.service);
        let mut url = reqwest::Url::parse(&format!("{base}{path}"))
            .map_err(|e| invalid(op, format!("cannot build the URL: {e}")))?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        let mut request = reqwest::Request::new(op.method.clone(), url);
        let h = request.headers_mut();
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| invalid(op, format!("`{name}` is not a valid header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| invalid(op, format!("the value of header `{name}` is not valid")))?;
            h.insert(name, value);
        }
        if let (Some(body), Some(kind)) = (&args.body, op.body) {
            let (mime, bytes) = match kind {
                BodyKind::Json => (
                    "application/json",
                    serde_json::to_vec(body).unwrap_or_default(),
                ),
                BodyKind::Form => ("application/x-www-form-urlencoded", form(body).into_bytes()),
            };
            h.insert(CONTENT_TYPE, HeaderValue::from_static(mime));
            *request.body_mut() = Some(bytes.into());
        }
        Ok(request)
    }
}

/// Which call an answer came from, for errors about its body.
#[derive(Clone, Debug)]
pub struct Call {
    pub info: CallInfo,
    pub status: reqwest::StatusCode,
}

/// A body that is not JSON, as the decode error it is.
pub fn not_json(call: &Call, body: &[u8], e: &serde_json::Error) -> ApiError {
    ApiError::Tt(Error::Decode {
        call: Box::new(call.info.clone()),
        path: ".".into(),
        message: format!("not JSON: {e}"),
        excerpt: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    })
}

fn call_info(op: &Operation, request_id: Option<String>) -> CallInfo {
    CallInfo {
        service: Some(op.service.to_string()),
        operation: Some(op.id.to_string()),
        request_id,
    }
}

fn invalid(op: &Operation, message: String) -> Error {
    Error::InvalidArgument {
        call: Some(Box::new(call_info(op, None))),
        message,
    }
}

fn page_state(page: &Value) -> PageState {
    PageState::new(
        page.get("lastPage").cloned().last_page_flag(),
        page.get("nextPageKey").cloned().page_key(),
    )
}

/// For operations without `nextPageKey`: one page, whatever it says.
fn single_page(_: &Value) -> PageState {
    PageState::new(Ok(Some(true)), None)
}

/// The records under `key`: a list, a single object, or nothing.
pub fn list_of(mut page: Value, key: &str) -> Vec<Value> {
    match page.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

/// The single top-level list of a page envelope, if there is exactly one.
pub fn list_key(page: &Value) -> Option<String> {
    let mut lists = page
        .as_object()?
        .iter()
        .filter(|(_, v)| v.is_array())
        .map(|(k, _)| k.clone());
    let first = lists.next()?;
    lists.next().is_none().then_some(first)
}

/// Percent-encodes one path segment.
fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A JSON object as a form body (`a=1&b=x`).
fn form(body: &Value) -> String {
    let mut out = reqwest::Url::parse("http://form.invalid/").expect("static URL");
    if let Some(fields) = body.as_object() {
        let mut pairs = out.query_pairs_mut();
        for (name, value) in fields {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.append_pair(name, &text);
        }
    }
    out.query().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("abc-1_2.3~"), "abc-1_2.3~");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn the_single_list_of_an_envelope_is_found() {
        let page = json!({"status": "Ok", "lastPage": "true", "accounts": [1, 2]});
        assert_eq!(list_key(&page).as_deref(), Some("accounts"));
        assert_eq!(list_of(page, "accounts"), vec![json!(1), json!(2)]);
        assert_eq!(list_key(&json!({"a": [], "b": []})), None);
        assert_eq!(list_of(json!({"product": {"id": 1}}), "product").len(), 1);
    }

    #[test]
    fn page_envelopes_follow_the_next_page_key() {
        let more = page_state(&json!({"lastPage": "false", "nextPageKey": "k1"}));
        assert_eq!(more, PageState::new(Ok(Some(false)), Some("k1".into())));
        let last = page_state(&json!({"lastPage": "True"}));
        assert_eq!(last, PageState::new(Ok(Some(true)), None));
    }

    #[test]
    fn form_bodies_are_url_encoded() {
        assert_eq!(form(&json!({"a": "x y", "b": 2})), "a=x+y&b=2");
    }

    #[test]
    fn arguments_are_checked_against_the_operation() {
        let op = crate::spec::find("ttpds", "get_products").unwrap();
        let missing = Args::default().check(op).unwrap_err();
        assert!(
            missing.message.contains("--param marketId=VALUE"),
            "{}",
            missing.message
        );
        let unknown = Args::default()
            .with("marketId", 7)
            .with("bogus", 1)
            .check(op)
            .unwrap_err();
        assert!(unknown.message.contains("no parameter `bogus`"));
        assert!(Args::default().with("marketId", 7).check(op).is_ok());
    }
}
