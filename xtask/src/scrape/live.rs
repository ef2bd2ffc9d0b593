//! Finding TT's reference pages and fetching them over HTTP.
//!
//! Discovery asks the documentation site's WordPress REST API for the docs of the
//! API-reference category (or, failing that, searches per service). When the site
//! has no usable WordPress API, a built-in list of the static reference pages is used.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde::Deserialize;

/// TT's documentation site.
pub const DEFAULT_ROOT: &str = "https://library.tradingtechnologies.com";

/// `docs-category` slugs of the TT REST API 2.0 reference, tried in order.
pub const DEFAULT_CATEGORIES: &[&str] = &[
    "api-reference-tt-rest-api-2-0",
    "api-reference-tt-rest-api-2-0-uat",
];

const USER_AGENT: &str = concat!(
    "ttrest-xtask/",
    env!("CARGO_PKG_VERSION"),
    " (cargo xtask scrape; +https://github.com/ttrest/ttrest)"
);

/// Why a GET failed (after retries).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status} after {attempts} attempt(s)")]
    Status {
        /// The last status.
        status: reqwest::StatusCode,
        /// How many requests were made.
        attempts: u32,
    },
    /// No usable answer (connection, timeout, body).
    #[error("{source} (after {attempts} attempt(s))")]
    Transport {
        /// The last error.
        source: reqwest::Error,
        /// How many requests were made.
        attempts: u32,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(reqwest::Error),
    /// TLS could not be set up (no usable trust store).
    #[error("cannot set up TLS: {0}")]
    Tls(rustls::Error),
}

/// A fetched body and the WordPress paging header, if any.
#[derive(Debug)]
pub struct Fetched {
    /// The response body.
    pub bytes: Vec<u8>,
    /// `X-WP-TotalPages`.
    pub total_pages: Option<u32>,
}

/// A blocking HTTP client with timeouts and retries (exponential backoff, full jitter).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::blocking::Client,
    attempts: u32,
    base_delay: Duration,
}

/// rustls with the ring provider and the platform's trust store, handed to
/// reqwest directly (no process-wide provider).
fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    // ring, as the library's default (see `ttrest::crypto_provider`); deprecated
    // in rustls 0.23.48 only for lacking post-quantum key exchange.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map(|b| b.with_no_client_auth())
        .map_err(FetchError::Tls)
}

impl Fetcher {
    /// 3 attempts, 30 s per request, backoff from 500 ms.
    pub fn new() -> Result<Self, FetchError> {
        let client = reqwest::blocking::Client::builder()
            .use_preconfigured_tls(tls_config()?)
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Self {
            client,
            attempts: 3,
            base_delay: Duration::from_millis(500),
        })
    }

    /// Changes the retry policy (`attempts` ≥ 1 requests, backoff from `base_delay`).
    pub fn with_retries(mut self, attempts: u32, base_delay: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.base_delay = base_delay;
        self
    }

    /// GETs `url`, retrying transport errors, 429 and 5xx; other statuses fail at once.
    pub fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let mut attempt = 1;
        loop {
            let outcome = self.try_once(url);
            let retryable = match &outcome {
                Ok(_) => false,
                Err(FetchError::Status { status, .. }) => {
                    status.is_server_error() || *status == reqwest::StatusCode::TOO_MANY_REQUESTS
                }
                Err(FetchError::Transport { source, .. }) => !source.is_builder(),
                Err(FetchError::Client(_) | FetchError::Tls(_)) => false,
            };
            if !retryable || attempt >= self.attempts {
                return outcome.map_err(|e| e.with_attempts(attempt));
            }
            std::thread::sleep(self.backoff(attempt));
            attempt += 1;
        }
    }

    fn try_once(&self, url: &str) -> Result<Fetched, FetchError> {
        let transport = |source| FetchError::Transport {
            source,
            attempts: 1,
        };
        let response = self.client.get(url).send().map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                status,
                attempts: 1,
            });
        }
        let total_pages = response
            .headers()
            .get("x-wp-totalpages")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let bytes = response.bytes().map_err(transport)?.to_vec();
        Ok(Fetched { bytes, total_pages })
    }

    /// Full jitter: a random delay in `[0, base * 2^(attempt-1)]`.
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.base_delay.saturating_mul(1 << (attempt - 1).min(6));
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        cap.mul_f64((random % 1000) as f64 / 1000.0)
    }
}

impl FetchError {
    fn with_attempts(self, n: u32) -> Self {
        match self {
            Self::Status { status, .. } => Self::Status {
                status,
                attempts: n,
            },
            Self::Transport { source, .. } => Self::Transport {
                source,
                attempts: n,
            },
            other => other,
        }
    }
}

/// Where the page list came from, for the command's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovery {
    /// The WordPress REST API listed these docs.
    WordPress {
        /// The category slug or `search`.
        via: String,
    },
    /// The built-in list, because discovery failed for this reason.
    Fallback {
        /// Why discovery was not used.
        reason: String,
    },
}

/// One page to fetch: the service it is expected to hold, and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The expected service (the page itself decides what is scraped).
    pub service: String,
    /// The URL.
    pub url: String,
}

/// The reference pages under `root`, restricted to `services` (all of `known` when empty).
pub fn discover(
    fetcher: &Fetcher,
    root: &str,
    categories: &[String],
    services: &[String],
    known: &[String],
) -> (Vec<Target>, Discovery) {
    let root = root.trim_end_matches('/');
    // Without `--service`, a category listing may also bring services ttrest
    // does not know yet: they are scraped (and normalized) like the others.
    let open = services.is_empty();
    let wanted: Vec<&str> = if open {
        known.iter().map(String::as_str).collect()
    } else {
        services.iter().map(String::as_str).collect()
    };
    match via_wordpress(fetcher, root, categories, &wanted, open) {
        Ok((targets, via)) if !targets.is_empty() => (targets, Discovery::WordPress { via }),
        Ok(_) => (
            fallback(root, &wanted),
            Discovery::Fallback {
                reason: "the WordPress API lists no reference docs".into(),
            },
        ),
        Err(reason) => (fallback(root, &wanted), Discovery::Fallback { reason }),
    }
}

/// `{root}/tt-rest/v2/<service>.html` for every wanted service.
pub fn fallback(root: &str, services: &[&str]) -> Vec<Target> {
    services
        .iter()
        .map(|s| Target {
            service: s.to_string(),
            url: format!("{}/tt-rest/v2/{s}.html", root.trim_end_matches('/')),
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct Category {
    id: u64,
}

#[derive(Clone, Debug, Deserialize)]
struct DocSummary {
    id: u64,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: Rendered,
    #[serde(default)]
    modified: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
struct Rendered {
    #[serde(default)]
    rendered: String,
}

const DOC_FIELDS: &str = "_fields=id,slug,title,link,modified";

/// The category listing first; per-service search when no category is found.
fn via_wordpress(
    fetcher: &Fetcher,
    root: &str,
    categories: &[String],
    wanted: &[&str],
    open: bool,
) -> Result<(Vec<Target>, String), String> {
    for slug in categories {
        let url = format!("{root}/wp-json/wp/v2/docs-category?slug={slug}&_fields=id");
        let found: Vec<Category> = get_json(fetcher, &url)?;
        if let Some(category) = found.first() {
            let base = format!(
                "{root}/wp-json/wp/v2/doc?docs-category={}&per_page=100&{DOC_FIELDS}",
                category.id
            );
            let docs = get_all_pages(fetcher, &base)?;
            let picked = pick(root, docs, wanted, open);
            return Ok((picked, format!("docs-category {slug}")));
        }
    }
    let mut docs = Vec::new();
    for service in wanted {
        let url = format!("{root}/wp-json/wp/v2/doc?search={service}&per_page=100&{DOC_FIELDS}");
        docs.extend(get_json::<Vec<DocSummary>>(fetcher, &url)?);
    }
    Ok((pick(root, docs, wanted, false), "search".into()))
}

fn get_json<T: serde::de::DeserializeOwned>(fetcher: &Fetcher, url: &str) -> Result<T, String> {
    let fetched = fetcher.get(url).map_err(|e| format!("{url}: {e}"))?;
    serde_json::from_slice(&fetched.bytes)
        .map_err(|e| format!("{url}: not the expected WordPress JSON ({e})"))
}

/// Follows `page=2..X-WP-TotalPages`.
fn get_all_pages(fetcher: &Fetcher, base: &str) -> Result<Vec<DocSummary>, String> {
    let first = fetcher.get(base).map_err(|e| format!("{base}: {e}"))?;
    let mut docs: Vec<DocSummary> = serde_json::from_slice(&first.bytes)
        .map_err(|e| format!("{base}: not the expected WordPress JSON ({e})"))?;
    for page in 2..=first.total_pages.unwrap_or(1).min(50) {
        docs.extend(get_json::<Vec<DocSummary>>(
            fetcher,
            &format!("{base}&page={page}"),
        )?);
    }
    Ok(docs)
}

/// One doc per wanted service (named by slug or title, e.g. `ttid-documentation-2`
/// or "ttid Documentation"); the most recently modified wins when several match.
/// With `open`, docs of services outside `wanted` (see [`new_service`]) are
/// picked too, after the wanted ones, by name.
fn pick(root: &str, docs: Vec<DocSummary>, wanted: &[&str], open: bool) -> Vec<Target> {
    let mut best: BTreeMap<String, DocSummary> = BTreeMap::new();
    for doc in docs {
        let known = wanted
            .iter()
            .find(|s| names(&doc, s))
            .map(|s| s.to_string());
        let Some(service) = known.or_else(|| open.then(|| new_service(&doc)).flatten()) else {
            continue;
        };
        if best.get(&service).is_none_or(|b| doc.modified > b.modified) {
            best.insert(service, doc);
        }
    }
    let target = |service: &str, doc: &DocSummary| Target {
        service: service.to_string(),
        url: format!("{root}/wp-json/wp/v2/doc/{}", doc.id),
    };
    let mut targets: Vec<Target> = wanted
        .iter()
        .filter_map(|s| best.get(*s).map(|doc| target(s, doc)))
        .collect();
    targets.extend(
        best.iter()
            .filter(|(s, _)| !wanted.contains(&s.as_str()))
            .map(|(s, doc)| target(s, doc)),
    );
    targets
}

/// The service a reference doc of a service ttrest does not know describes:
/// a slug like `ttnotify-documentation` whose first word is a safe name
/// starting with `tt`.
fn new_service(doc: &DocSummary) -> Option<String> {
    let slug = doc.slug.to_ascii_lowercase();
    let (first, rest) = slug.split_once('-')?;
    (first.starts_with("tt")
        && super::extract::is_safe_name(first)
        && rest.contains("documentation"))
    .then(|| first.to_string())
}

/// Whether a doc is the reference page of `service`.
fn names(doc: &DocSummary, service: &str) -> bool {
    let first_word = |s: &str| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let doc_word = |s: &str| s.to_ascii_lowercase().contains("documentation");
    (first_word(&doc.slug) == service && doc_word(&doc.slug))
        || (first_word(&doc.title.rendered) == service && doc_word(&doc.title.rendered))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: u64, slug: &str, title: &str, modified: &str) -> DocSummary {
        DocSummary {
            id,
            slug: slug.into(),
            title: Rendered {
                rendered: title.into(),
            },
            modified: modified.into(),
        }
    }

    #[test]
    fn picks_reference_docs_by_slug_or_title_and_newest_wins() {
        let docs = vec![
            doc(
                1,
                "ttid-documentation",
                "ttid Documentation",
                "2024-01-01T00:00:00",
            ),
            doc(
                7955,
                "ttid-documentation-2",
                "ttid Documentation",
                "2026-01-05T13:18:42",
            ),
            doc(3, "gs-token", "Getting a token", "2026-01-01T00:00:00"),
            doc(4, "x", "ttledger Documentation", "2026-01-01T00:00:00"),
            doc(
                5,
                "ttidentity-documentation",
                "ttidentity",
                "2026-01-01T00:00:00",
            ),
        ];
        let targets = pick("https://r", docs.clone(), &["ttid", "ttledger"], false);
        let urls: Vec<_> = targets.iter().map(|t| t.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://r/wp-json/wp/v2/doc/7955",
                "https://r/wp-json/wp/v2/doc/4"
            ]
        );
        // Open (no --service): a reference doc of an unknown service comes last.
        let open = pick("https://r", docs, &["ttid", "ttledger"], true);
        let services: Vec<_> = open.iter().map(|t| t.service.as_str()).collect();
        assert_eq!(services, ["ttid", "ttledger", "ttidentity"]);
        assert_eq!(open[2].url, "https://r/wp-json/wp/v2/doc/5");
    }

    #[test]
    fn fallback_lists_static_pages() {
        let targets = fallback("https://r/", &["ttid", "ttbacktest"]);
        assert_eq!(targets[1].url, "https://r/tt-rest/v2/ttbacktest.html");
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        let f = Fetcher::new()
            .unwrap()
            .with_retries(5, Duration::from_millis(100));
        for attempt in 1..=8 {
            let cap = Duration::from_millis(100) * (1 << (attempt - 1).min(6));
            assert!(f.backoff(attempt) <= cap);
        }
    }
}
