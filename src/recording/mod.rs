//! Recordings of TT exchanges: what [`SessionBuilder::record`] writes and
//! [`SessionBuilder::replay`] answers from.
//!
//! A recording is a directory with one [JSON Lines](https://jsonlines.org)
//! file per service (`ttledger.jsonl`, `ttid.jsonl`...; `unknown.jsonl` for
//! a URL that names no compiled-in service). Each line is one [`Entry`]: one
//! request TT answered (every attempt and every redirect hop is its own line),
//! appended as the answer arrives. The format is described in
//! `docs/recordings.md` and versioned by [`Entry::format`] ([`FORMAT`]).
//!
//! Secrets never reach the disk: the app key and secret, tokens (in bodies,
//! headers and the token form's `app_key`), `x-api-key` and `Authorization`
//! are left out or replaced by [`REDACTED`] before a line is written.
//! [`Redaction::Ids`] also replaces account, user and company ids and names by
//! stand-ins, the same id always by the same stand-in within one session.
//!
//! [`SessionBuilder::record`]: crate::SessionBuilder::record
//! [`SessionBuilder::replay`]: crate::SessionBuilder::replay

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

pub(crate) mod record;
pub(crate) mod redact;
pub(crate) mod replay;

pub use record::Recorder;
pub use replay::{Replay, UNMATCHED_STATUS};

/// The version of the recording format this build writes and reads.
pub const FORMAT: u32 = 1;

/// What replaces a secret in a recording.
pub const REDACTED: &str = "REDACTED";

/// The response headers a recording keeps (all others are left out).
pub const KEPT_HEADERS: &[&str] = &["content-type", "retry-after", "location"];

/// How much a recording hides beyond secrets (which are always hidden).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Redaction {
    /// Secrets and tokens only.
    #[default]
    Secrets,
    /// Also account, user and company ids and names (for sharing a recording).
    Ids,
}

/// One recorded exchange: a request and TT's answer to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The format version ([`FORMAT`]).
    pub format: u32,
    /// The service, from the URL (`ttledger`), if the URL names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The operation id (`get_fills`), if the path matches one of the service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The URL path, `/<service>/<environment>/...` below the root.
    pub path: String,
    /// The query parameters in order, `requestId` left out.
    #[serde(default)]
    pub query: Vec<(String, String)>,
    /// The request body: JSON, when it is JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    /// The request body as text, when it is not JSON (a form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body_text: Option<String>,
    /// TT's status.
    pub status: u16,
    /// TT's response headers that matter ([`KEPT_HEADERS`]), lowercase names.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// TT's body as JSON, when it is JSON that compact JSON writes back as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// TT's body as text otherwise (empty bodies included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

impl Entry {
    /// The body TT sent (as replay serves it).
    pub fn body_bytes(&self) -> Vec<u8> {
        match (&self.body, &self.body_text) {
            (Some(v), _) => serde_json::to_vec(v).unwrap_or_default(),
            (None, Some(t)) => t.as_bytes().to_vec(),
            (None, None) => Vec::new(),
        }
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        match (&self.body, &self.body_text) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(t)) => serde_json::from_str(t).ok(),
            (None, None) => None,
        }
    }

    /// `METHOD /path?query` (no requestId), as errors and reports name a request.
    pub fn request_line(&self) -> String {
        request_line(&self.method, &self.path, &self.query)
    }
}

/// `METHOD /path?a=1&b=2`.
pub(crate) fn request_line(method: &str, path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return format!("{method} {path}");
    }
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("{method} {path}?{query}")
}

/// One line of a recording file that could be read, with where it came from.
#[derive(Clone, Debug)]
pub struct Located {
    /// The file.
    pub file: PathBuf,
    /// Its line number (from 1).
    pub line: usize,
    /// The exchange.
    pub entry: Entry,
}

/// Reads every `*.jsonl` file of the recording `dir`, in file-name order,
/// each file's lines in order.
///
/// A line that is not an [`Entry`] of a known format version is an error
/// naming the file and line.
pub fn read_dir(dir: &Path) -> Result<Vec<Located>, Error> {
    let listing = std::fs::read_dir(dir).map_err(|e| {
        Error::config(format!(
            "cannot read the recording {}: {e}; give a directory written by --record",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Error::config(format!(
                "cannot read the recording file {}: {e}",
                file.display()
            ))
        })?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(line).map_err(|e| {
                Error::config(format!(
                    "{}:{}: not a recorded exchange: {e}",
                    file.display(),
                    i + 1
                ))
            })?;
            if entry.format != FORMAT {
                return Err(Error::config(format!(
                    "{}:{}: recording format {} is not supported (this ttrest reads format {FORMAT}); \
                     record again with this version",
                    file.display(),
                    i + 1,
                    entry.format
                )));
            }
            out.push(Located {
                file: file.clone(),
                line: i + 1,
                entry,
            });
        }
    }
    Ok(out)
}

/// Which compiled-in service and operation a URL path names, and the
/// operation's path parameters with their values: `/<service>/<env>/<op path>`
/// below any root prefix.
pub(crate) fn identify(method: &str, path: &str) -> Identified {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(at) = segments.iter().position(|s| crate::SERVICES.contains(s)) else {
        return Identified::default();
    };
    let service = segments[at].to_string();
    let rest = segments.get(at + 2..).unwrap_or(&[]);
    // (literal segments matched, operation, path parameters)
    type Match = (
        usize,
        &'static crate::service::Operation,
        Vec<(String, String)>,
    );
    let mut best: Option<Match> = None;
    if let Some(s) = crate::service::find(&service) {
        for op in s.operations {
            let template: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
            if template.len() != rest.len() || op.method.as_str() != method {
                continue;
            }
            let mut literal = 0;
            let mut params = Vec::new();
            let matched = template.iter().zip(rest).all(|(t, v)| {
                if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    params.push((name.to_string(), (*v).to_string()));
                    true
                } else {
                    literal += 1;
                    t == v
                }
            });
            if matched && best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
                best = Some((literal, op, params));
            }
        }
    }
    let (operation, params) = match best {
        Some((_, op, params)) => (Some(op.id.to_string()), params),
        None => (None, Vec::new()),
    };
    Identified {
        service: Some(service),
        operation,
        path_params: params,
    }
}

/// What [`identify`] found.
#[derive(Default, Debug)]
pub(crate) struct Identified {
    pub(crate) service: Option<String>,
    pub(crate) operation: Option<String>,
    pub(crate) path_params: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_service_and_operation() {
        let id = identify("GET", "/ttledger/ext_uat_cert/fills");
        assert_eq!(id.service.as_deref(), Some("ttledger"));
        assert_eq!(id.operation.as_deref(), Some("get_fills"));
        let id = identify("GET", "/prefix/ttaccount/ext_uat_cert/account/42");
        assert_eq!(id.operation.as_deref(), Some("get_account_by_account_id"));
        assert_eq!(id.path_params, vec![("accountId".into(), "42".into())]);
        assert!(identify("GET", "/nothing/here").service.is_none());
    }

    #[test]
    fn a_request_line_encodes_the_query() {
        let q = vec![("a".to_string(), "1 2".to_string())];
        assert_eq!(request_line("GET", "/x", &q), "GET /x?a=1+2");
        assert_eq!(request_line("GET", "/x", &[]), "GET /x");
    }
}
