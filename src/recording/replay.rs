//! The replay exchange: answers from a recording, never from the network.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use futures::future::BoxFuture;
use reqwest::{Request, Response, ResponseBuilderExt};

use super::{read_dir, request_line, Entry};
use crate::transport::exchange::Exchange;
use crate::Error;

/// The status of the answer to a request the recording has no answer for
/// (421 Misdirected Request: never retried, never sent by TT's gateway).
pub const UNMATCHED_STATUS: u16 = 421;

/// Answers requests from a recording (see [`crate::recording`]).
///
/// A request is matched by method, path and query (in any order, without
/// `requestId`); bodies and headers are not compared. Requests with the same
/// key get the recorded answers in recorded order, and the last one again
/// once they run out (a second run of the same command, a token asked for
/// again). A request with no recorded answer gets status
/// [`UNMATCHED_STATUS`] and a `{"message": ...}` body naming the request and
/// the nearest recorded one, which the session turns into an [`Error`].
pub struct Replay {
    entries: Vec<Entry>,
    by_key: HashMap<Key, Vec<usize>>,
    served: Mutex<HashMap<Key, usize>>,
    source: String,
}

/// Method, path and sorted query.
type Key = (String, String, Vec<(String, String)>);

fn key(method: &str, path: &str, query: &[(String, String)]) -> Key {
    let mut query: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != crate::request_id::QUERY_PARAM)
        .cloned()
        .collect();
    query.sort();
    (method.to_string(), path.to_string(), query)
}

impl Replay {
    /// Reads the recording in `dir` (every `*.jsonl` file).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self, Error> {
        let dir = dir.as_ref();
        let entries: Vec<Entry> = read_dir(dir)?.into_iter().map(|l| l.entry).collect();
        if entries.is_empty() {
            return Err(Error::config(format!(
                "the recording {} holds no exchange; record one with --record DIR \
                 (or SessionBuilder::record)",
                dir.display()
            )));
        }
        Ok(Self::from_entries(entries, dir.display().to_string()))
    }

    /// Answers from `entries` (tests build them in code); `source` names them in errors.
    pub fn from_entries(entries: Vec<Entry>, source: impl Into<String>) -> Self {
        let mut by_key: HashMap<Key, Vec<usize>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_key
                .entry(key(&e.method, &e.path, &e.query))
                .or_default()
                .push(i);
        }
        Replay {
            entries,
            by_key,
            served: Mutex::new(HashMap::new()),
            source: source.into(),
        }
    }

    /// The recorded exchanges.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The recorded answer to a request, or why there is none.
    fn answer(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
    ) -> Result<&Entry, String> {
        let k = key(method, path, query);
        match self.by_key.get(&k) {
            Some(indexes) => {
                let mut served = self.served.lock().unwrap_or_else(|e| e.into_inner());
                let n = served.entry(k).or_insert(0);
                let i = indexes[(*n).min(indexes.len() - 1)];
                *n += 1;
                Ok(&self.entries[i])
            }
            None => {
                let wanted = request_line(method, path, &k.2);
                // The same method first, then the fewest edits.
                let nearest = self
                    .entries
                    .iter()
                    .min_by_key(|e| (e.method != method, distance(&e.request_line(), &wanted)))
                    .map(Entry::request_line);
                Err(match nearest {
                    Some(n) => format!(
                        "the recording {} has no answer to {wanted}; the nearest recorded request is {n}",
                        self.source
                    ),
                    None => format!("the recording {} is empty", self.source),
                })
            }
        }
    }
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay")
            .field("source", &self.source)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Exchange for Replay {
    fn execute(&self, request: Request) -> BoxFuture<'static, reqwest::Result<Response>> {
        let url = request.url().clone();
        let query: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut builder = http::Response::builder().url(url.clone());
        let body = match self.answer(request.method().as_str(), url.path(), &query) {
            Ok(entry) => {
                builder = builder.status(entry.status);
                for (name, value) in &entry.headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                entry.body_bytes()
            }
            Err(message) => {
                builder = builder
                    .status(UNMATCHED_STATUS)
                    .header("content-type", "application/json");
                serde_json::to_vec(&serde_json::json!({ "message": message })).unwrap_or_default()
            }
        };
        let response = builder.body(body).unwrap_or_else(|e| {
            http::Response::builder()
                .status(UNMATCHED_STATUS)
                .url(url)
                .body(
                    format!(r#"{{"message":"a recorded answer is not valid: {e}"}}"#).into_bytes(),
                )
                .expect("a plain response is valid")
        });
        Box::pin(async move { Ok(Response::from(response)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, query: &[(&str, &str)], body: &str) -> Entry {
        Entry {
            format: super::super::FORMAT,
            service: None,
            operation: None,
            method: "GET".into(),
            path: path.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            request_body: None,
            request_body_text: None,
            status: 200,
            headers: Default::default(),
            body: None,
            body_text: Some(body.into()),
        }
    }

    #[test]
    fn answers_in_order_then_repeats_the_last() {
        let r = Replay::from_entries(
            vec![
                entry("/a", &[("x", "1"), ("y", "2")], "one"),
                entry("/a", &[("y", "2"), ("x", "1")], "two"),
            ],
            "test",
        );
        let q = vec![
            ("y".to_string(), "2".to_string()),
            ("x".to_string(), "1".to_string()),
            ("requestId".into(), "r-1".into()),
        ];
        let bodies: Vec<String> = (0..3)
            .map(|_| {
                r.answer("GET", "/a", &q)
                    .unwrap()
                    .body_text
                    .clone()
                    .unwrap()
            })
            .collect();
        assert_eq!(bodies, ["one", "two", "two"]);
    }

    #[test]
    fn an_unmatched_request_names_the_nearest() {
        let r = Replay::from_entries(
            vec![
                entry("/ttledger/e/fills", &[("accountId", "1")], "{}"),
                entry("/ttpds/e/markets", &[], "{}"),
            ],
            "rec",
        );
        let q = vec![("accountId".to_string(), "2".to_string())];
        let err = r.answer("GET", "/ttledger/e/fills", &q).unwrap_err();
        assert!(err.contains("GET /ttledger/e/fills?accountId=2"), "{err}");
        assert!(
            err.contains("nearest recorded request is GET /ttledger/e/fills?accountId=1"),
            "{err}"
        );
    }
}
