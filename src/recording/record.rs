//! The recording exchange: passes every request on and appends the exchange,
//! redacted, to the recording directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use reqwest::{Request, Response, ResponseBuilderExt};
use serde_json::Value;

use super::redact::Redactor;
use super::{identify, Entry, Redaction, FORMAT, KEPT_HEADERS};
use crate::transport::exchange::Exchange;
use crate::Error;

/// An [`Exchange`] that records what another one exchanges (see the
/// [module](super) for the format and what is redacted).
pub struct Recorder {
    inner: Arc<dyn Exchange>,
    state: Arc<State>,
}

/// What the recording side of a [`Recorder`] holds.
struct State {
    dir: PathBuf,
    redactor: Redactor,
    /// Serializes appends, so lines never interleave.
    write: Mutex<()>,
}

impl Recorder {
    /// Records what `inner` exchanges under `dir` (created if missing),
    /// hiding `secrets` (the app key and secret) and, with
    /// [`Redaction::Ids`], ids and names.
    pub fn new(
        inner: Arc<dyn Exchange>,
        dir: impl Into<PathBuf>,
        redaction: Redaction,
        secrets: Vec<String>,
    ) -> Result<Self, Error> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| {
            Error::config(format!(
                "cannot create the recording directory {}: {e}",
                dir.display()
            ))
        })?;
        Ok(Recorder {
            inner,
            state: Arc::new(State {
                dir,
                redactor: Redactor::new(redaction, secrets),
                write: Mutex::new(()),
            }),
        })
    }

    /// The directory recorded into.
    pub fn dir(&self) -> &Path {
        &self.state.dir
    }
}

impl State {
    /// The entry of one exchange, redacted.
    fn entry(
        &self,
        request: &RequestParts,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Entry {
        let r = &self.redactor;
        let id = identify(&request.method, &request.path);
        let mut query = request.query.clone();
        r.pairs(&mut query);
        let (request_body, request_body_text) = match &request.body {
            None => (None, None),
            Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(mut v) => {
                    r.json(&mut v);
                    (Some(v), None)
                }
                Err(_) => {
                    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(bytes)
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    r.pairs(&mut pairs);
                    let text = form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&pairs)
                        .finish();
                    (None, Some(text))
                }
            },
        };
        let kept: BTreeMap<String, String> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let v = headers.get(*name)?.to_str().ok()?;
                Some((name.to_string(), v.to_string()))
            })
            .collect();
        let (body, body_text) = match serde_json::from_slice::<Value>(body) {
            Ok(mut v) => {
                let exact = serde_json::to_vec(&v).is_ok_and(|b| b == body);
                let before = v.clone();
                r.json(&mut v);
                if exact || v != before {
                    (Some(v), None)
                } else {
                    (None, Some(String::from_utf8_lossy(body).into_owned()))
                }
            }
            Err(_) => (None, Some(String::from_utf8_lossy(body).into_owned())),
        };
        Entry {
            format: FORMAT,
            path: r.path(&request.path, &id.path_params),
            service: id.service,
            operation: id.operation,
            method: request.method.clone(),
            query,
            request_body,
            request_body_text,
            status,
            headers: kept,
            body,
            body_text,
        }
    }

    /// Appends `entry` to its service's file, scrubbed of every known secret.
    fn append(&self, entry: &Entry) -> std::io::Result<()> {
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        let mut line = self.redactor.scrub(&line);
        line.push('\n');
        let file = self.dir.join(format!(
            "{}.jsonl",
            entry.service.as_deref().unwrap_or("unknown")
        ));
        let _guard = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)?;
        f.write_all(line.as_bytes())
    }
}

/// What the recorder keeps of a request before sending it.
struct RequestParts {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl RequestParts {
    fn of(request: &Request) -> Self {
        let url = request.url();
        RequestParts {
            method: request.method().as_str().to_string(),
            path: url.path().to_string(),
            query: url
                .query_pairs()
                .filter(|(k, _)| k != crate::request_id::QUERY_PARAM)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .map(<[u8]>::to_vec),
        }
    }
}

impl Exchange for Recorder {
    fn execute(&self, request: Request) -> BoxFuture<'static, reqwest::Result<Response>> {
        let parts = RequestParts::of(&request);
        let url = request.url().clone();
        let sent = self.inner.execute(request);
        let this = self.state.clone();
        Box::pin(async move {
            let response = sent.await?;
            let status = response.status();
            let headers = response.headers().clone();
            let version = response.version();
            let body = response.bytes().await?;
            let entry = this.entry(&parts, status.as_u16(), &headers, &body);
            if let Err(e) = this.append(&entry) {
                tracing::error!(dir = %this.dir.display(), error = %e, "cannot append to the recording");
            }
            let mut builder = http::Response::builder()
                .status(status)
                .version(version)
                .url(url);
            if let Some(h) = builder.headers_mut() {
                *h = headers;
            }
            let response = builder
                .body(body)
                .expect("parts of a valid response make a valid response");
            Ok(Response::from(response))
        })
    }
}
