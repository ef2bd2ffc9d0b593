//! `cargo xtask scrape`: TT's reference pages in, `specs/scraped/` and
//! `specs/normalized/` out, all or nothing.
//!
//! Pages are read from files or URLs (`--from`) or discovered on TT's documentation
//! site (`--live`, see [`live`]). Each page yields one or more specs ([`extract`]).
//! When every page succeeded, the specs are written as TT publishes them (keys
//! sorted), `sources.toml` records where they came from, and the normalizer runs,
//! all in a staging directory first ([`stage`]) so a failure changes nothing.

pub mod extract;
pub mod live;
pub mod stage;

use std::fmt;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::layout::SpecsDir;
use crate::normalize;
use crate::sources::{Provenance, Source, Sources};
use extract::{ExtractError, Found};
use live::{Discovery, FetchError, Fetcher};
use stage::{Change, Stage, StageError};

/// Arguments of `cargo xtask scrape`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Saved pages or URLs: WordPress REST doc JSON, a JSON list of docs, or rendered HTML.
    #[arg(long, num_args = 1.., required_unless_present = "live", conflicts_with = "live")]
    pub from: Vec<String>,
    /// Discover TT's REST API 2.0 reference pages on the documentation site and fetch them.
    #[arg(long)]
    pub live: bool,
    /// Documentation site root for `--live`.
    #[arg(long, default_value = live::DEFAULT_ROOT, requires = "live")]
    pub root: String,
    /// WordPress `docs-category` slug of the reference, for `--live` (repeatable; tried in order).
    #[arg(long = "category", requires = "live")]
    pub categories: Vec<String>,
    /// Only these services, for `--live` (repeatable; default: every known service).
    #[arg(long = "service", requires = "live")]
    pub services: Vec<String>,
    /// Specs directory.
    #[arg(long, default_value = "specs")]
    pub specs_dir: PathBuf,
}

/// One page's bytes and where they came from.
#[derive(Debug, Clone)]
pub struct Page {
    /// The file path or URL, as given; names the page in errors and `sources.toml`.
    pub origin: String,
    /// The raw bytes (hashed into `sources.toml`).
    pub bytes: Vec<u8>,
    /// When the bytes were read (UTC, RFC 3339).
    pub fetched_at: String,
}

impl Page {
    /// A page held in memory, read now.
    pub fn new(origin: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            origin: origin.into(),
            bytes,
            fetched_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }

    /// Reads a saved page.
    pub fn read(path: &str) -> Result<Self, PageError> {
        std::fs::read(path)
            .map(|bytes| Self::new(path, bytes))
            .map_err(|source| PageError::Read {
                page: path.to_string(),
                source,
            })
    }

    /// Fetches a page.
    pub fn fetch(url: &str, fetcher: &Fetcher) -> Result<Self, PageError> {
        fetcher
            .get(url)
            .map(|f| Self::new(url, f.bytes))
            .map_err(|source| PageError::Fetch {
                page: url.to_string(),
                source,
            })
    }

    /// Reads a file, or fetches an `http(s)://` URL.
    pub fn load(origin: &str, fetcher: &Fetcher) -> Result<Self, PageError> {
        if origin.starts_with("http://") || origin.starts_with("https://") {
            Self::fetch(origin, fetcher)
        } else {
            Self::read(origin)
        }
    }

    /// sha256 of the bytes, lowercase hex.
    pub fn sha256(&self) -> String {
        Sha256::digest(&self.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Why one page could not be used. Every message names the page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A saved page could not be read.
    #[error("{page}: cannot read the file: {source}; check the path")]
    Read {
        /// The path.
        page: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A URL could not be fetched.
    #[error("{page}: cannot fetch: {source}; check the URL and the network, or save the page and pass it with --from")]
    Fetch {
        /// The URL.
        page: String,
        /// The HTTP error.
        source: FetchError,
    },
    /// The page holds no usable spec.
    #[error("{page}: {source}")]
    Extract {
        /// The page.
        page: String,
        /// What is wrong with it.
        source: ExtractError,
    },
    /// Two pages (or blocks) claim the same service.
    #[error("{page} ({location}): service `{service}` is also on {other} ({other_location}); pass one page per service")]
    Duplicate {
        /// The later page.
        page: String,
        /// Where on it.
        location: String,
        /// The service.
        service: String,
        /// The earlier page.
        other: String,
        /// Where on it.
        other_location: String,
    },
    /// The spec does not survive the normalizer or its overlay.
    #[error("{page} ({location}): the `{service}` spec does not normalize: {message}; fix specs/overlays/{service}.yaml or the normalizer")]
    Normalize {
        /// The page.
        page: String,
        /// Where on it.
        location: String,
        /// The service.
        service: String,
        /// The normalizer's error chain, on one line.
        message: String,
    },
}

/// Why `scrape` changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    /// One or more pages failed.
    #[error("{}", pages_message(.specs, .errors))]
    Pages {
        /// The specs directory left untouched.
        specs: PathBuf,
        /// One error per failure.
        errors: Vec<PageError>,
    },
    /// The specs directory is missing.
    #[error("{0}: no such specs directory; pass --specs-dir")]
    NoSpecsDir(PathBuf),
    /// `sources.toml` is unreadable.
    #[error("{0:#}; fix or remove it, nothing was changed")]
    Sources(anyhow::Error),
    /// The whole specs directory does not normalize with the new specs.
    #[error(
        "normalizing {specs} with the scraped specs failed, so nothing was changed: {message}"
    )]
    Normalize {
        /// The specs directory.
        specs: PathBuf,
        /// The normalizer's error chain, on one line.
        message: String,
    },
    /// Staging or moving files failed.
    #[error(transparent)]
    Stage(#[from] StageError),
    /// No HTTP client.
    #[error(transparent)]
    Fetcher(#[from] FetchError),
    /// `--service` names something ttrest does not know.
    #[error("`{0}` is not a TT REST service name (lowercase letters, digits, `_`); known: {1}")]
    UnknownService(String, String),
}

fn pages_message(specs: &std::path::Path, errors: &[PageError]) -> String {
    let mut out = format!(
        "{} page problem(s); nothing in {} was changed",
        errors.len(),
        specs.display()
    );
    for e in errors {
        out.push_str("\n  ");
        out.push_str(&e.to_string());
    }
    out
}

/// One spec taken from a page.
#[derive(Debug, Clone)]
pub struct Scraped {
    /// The service.
    pub service: String,
    /// The page it came from.
    pub page: String,
    /// Where on the page.
    pub location: String,
}

/// What a successful run did.
#[derive(Debug, Default)]
pub struct Report {
    /// How `--live` found its pages.
    pub discovery: Option<Discovery>,
    /// Every spec scraped.
    pub scraped: Vec<Scraped>,
    /// Every file considered, with what happened to it.
    pub files: Vec<(PathBuf, Change)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.discovery {
            Some(Discovery::WordPress { via }) => writeln!(f, "pages found via WordPress {via}")?,
            Some(Discovery::Fallback { reason }) => {
                writeln!(f, "using the built-in page list ({reason})")?
            }
            None => {}
        }
        for s in &self.scraped {
            writeln!(f, "scraped {} from {} ({})", s.service, s.page, s.location)?;
        }
        let mut unchanged = 0;
        for (path, change) in &self.files {
            match change {
                Change::Created => writeln!(f, "created {}", path.display())?,
                Change::Updated => writeln!(f, "updated {}", path.display())?,
                Change::Unchanged => unchanged += 1,
            }
        }
        write!(f, "{unchanged} file(s) unchanged")
    }
}

/// Runs the command: loads or discovers the pages, then [`scrape`]s them into `specs`.
pub fn run(args: &Args, specs: &SpecsDir) -> Result<Report, ScrapeError> {
    let fetcher = Fetcher::new()?;
    run_with(args, specs, &fetcher)
}

/// [`run`] with a given HTTP client (tests shorten its retry delays).
pub fn run_with(args: &Args, specs: &SpecsDir, fetcher: &Fetcher) -> Result<Report, ScrapeError> {
    if !args.live {
        let pages = args.from.iter().map(|o| Page::load(o, fetcher)).collect();
        return scrape(specs, pages);
    }
    // A service TT adds is welcome (`--service ttnew`); only names that cannot
    // be a service (and a file name) are refused.
    let known = specs.services().unwrap_or_default();
    if let Some(bad) = args.services.iter().find(|s| !extract::is_safe_name(s)) {
        return Err(ScrapeError::UnknownService(bad.clone(), known.join(", ")));
    }
    let categories = if args.categories.is_empty() {
        live::DEFAULT_CATEGORIES
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        args.categories.clone()
    };
    let (targets, discovery) =
        live::discover(fetcher, &args.root, &categories, &args.services, &known);
    let pages = targets
        .iter()
        .map(|t| Page::fetch(&t.url, fetcher))
        .collect();
    let mut report = scrape(specs, pages)?;
    report.discovery = Some(discovery);
    Ok(report)
}

/// A spec claimed by a page, ready to write.
struct Claim<'p> {
    found: Found,
    page: &'p Page,
    /// The page's position on the command line (or in discovery order).
    index: usize,
}

/// Scrapes loaded pages into `specs`; with any failure, returns every problem and
/// leaves `specs` exactly as it was.
pub fn scrape(
    specs: &SpecsDir,
    pages: Vec<Result<Page, PageError>>,
) -> Result<Report, ScrapeError> {
    if !specs.root().is_dir() {
        return Err(ScrapeError::NoSpecsDir(specs.root().to_path_buf()));
    }
    // Errors carry their page's position so they are reported in the order given.
    let mut errors: Vec<(usize, PageError)> = Vec::new();
    let mut loaded = Vec::new();
    for (index, page) in pages.into_iter().enumerate() {
        match page {
            Ok(page) => loaded.push((index, page)),
            Err(e) => errors.push((index, e)),
        }
    }
    let claims = claim(&loaded, &mut errors);
    for c in &claims {
        if let Err(e) = check_normalizes(specs, c) {
            errors.push((c.index, e));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|(index, _)| *index);
        return Err(ScrapeError::Pages {
            specs: specs.root().to_path_buf(),
            errors: errors.into_iter().map(|(_, e)| e).collect(),
        });
    }
    let sources = Sources::load(&specs.sources()).map_err(ScrapeError::Sources)?;
    let files = write_staged(specs, &claims, sources)?;
    Ok(Report {
        discovery: None,
        scraped: claims
            .iter()
            .map(|c| Scraped {
                service: c.found.service.clone(),
                page: c.page.origin.clone(),
                location: c.found.location.clone(),
            })
            .collect(),
        files,
    })
}

/// Extracts every page; a service may be claimed once per run.
fn claim<'p>(pages: &'p [(usize, Page)], errors: &mut Vec<(usize, PageError)>) -> Vec<Claim<'p>> {
    let mut claims: Vec<Claim<'p>> = Vec::new();
    for (index, page) in pages {
        let found = match extract::extract(&page.bytes) {
            Ok(found) => found,
            Err(source) => {
                let page = page.origin.clone();
                errors.push((*index, PageError::Extract { page, source }));
                continue;
            }
        };
        for found in found {
            match claims.iter().find(|c| c.found.service == found.service) {
                Some(earlier) => errors.push((
                    *index,
                    PageError::Duplicate {
                        page: page.origin.clone(),
                        location: found.location,
                        service: found.service,
                        other: earlier.page.origin.clone(),
                        other_location: earlier.found.location.clone(),
                    },
                )),
                None => claims.push(Claim {
                    found,
                    page,
                    index: *index,
                }),
            }
        }
    }
    claims
}

/// Normalizes one claimed spec with its overlay, so a failure names its page.
fn check_normalizes(specs: &SpecsDir, claim: &Claim<'_>) -> Result<(), PageError> {
    let service = &claim.found.service;
    normalize::normalize_spec(service, &claim.found.spec, Some(&specs.overlay(service)))
        .map(drop)
        .map_err(|e| PageError::Normalize {
            page: claim.page.origin.clone(),
            location: claim.found.location.clone(),
            service: service.clone(),
            message: format!("{e:#}"),
        })
}

/// Stages scraped specs, `sources.toml` and the normalizer's output, then commits.
fn write_staged(
    specs: &SpecsDir,
    claims: &[Claim<'_>],
    mut sources: Sources,
) -> Result<Vec<(PathBuf, Change)>, ScrapeError> {
    let stage = Stage::new(specs)?;
    let staged = stage.specs().clone();
    let mut files = Vec::new();
    for c in claims {
        let path = staged.scraped(&c.found.service);
        stage.write(&path, &normalize::to_pretty_json(&c.found.spec))?;
        files.push(path);
        sources
            .services
            .insert(c.found.service.clone(), source_entry(c));
    }
    stage.write(&staged.sources(), &sources.to_toml())?;
    files.push(staged.sources());
    let normalized = normalize::plan(&staged).map_err(|e| ScrapeError::Normalize {
        specs: specs.root().to_path_buf(),
        message: format!("{e:#}"),
    })?;
    for (path, text) in normalized {
        stage.write(&path, &text)?;
        files.push(path);
    }
    Ok(stage.commit(&files)?)
}

fn source_entry(claim: &Claim<'_>) -> Source {
    Source {
        provenance: Provenance::Scraped,
        url: Some(claim.page.origin.clone()),
        fetched_at: Some(claim.page.fetched_at.clone()),
        sha256: Some(claim.page.sha256()),
        facts: Vec::new(),
        notes: claim
            .found
            .link
            .as_ref()
            .map(|link| format!("WordPress doc {link}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        let page = Page::new("p", b"abc".to_vec());
        assert_eq!(
            page.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(page.fetched_at.ends_with('Z'));
    }

    #[test]
    fn problems_are_reported_in_page_order_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let specs = SpecsDir::new(dir.path());
        let pages = vec![
            Ok(Page::new("a.html", b"<p>no block</p>".to_vec())),
            Page::read("/nonexistent/b.html"),
            Ok(Page::new("c.json", b"{\"content\": 1}".to_vec())),
        ];
        let err = scrape(&specs, pages).unwrap_err().to_string();
        let pages: Vec<_> = err
            .lines()
            .skip(1)
            .map(|l| l.trim().split(':').next().unwrap())
            .collect();
        assert_eq!(pages, ["a.html", "/nonexistent/b.html", "c.json"], "{err}");
        assert!(err.contains("/nonexistent/b.html: cannot read"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn report_is_short() {
        let report = Report {
            discovery: None,
            scraped: vec![Scraped {
                service: "ttid".into(),
                page: "p.json".into(),
                location: "block 1".into(),
            }],
            files: vec![
                ("specs/scraped/ttid.json".into(), Change::Created),
                ("specs/normalized/ttid.json".into(), Change::Unchanged),
            ],
        };
        assert_eq!(
            report.to_string(),
            "scraped ttid from p.json (block 1)\ncreated specs/scraped/ttid.json\n1 file(s) unchanged"
        );
    }
}
