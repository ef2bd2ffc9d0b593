//! Changes in a service's `sources.toml` entry: where its spec came from.
//!
//! `fetched_at` is left out on purpose: it changes on every scrape and says
//! nothing about the API, so comparing it would make every scrape "a change".

use serde::{Deserialize, Serialize};

use crate::sources::Source;

/// One changed field of a `sources.toml` entry (or the whole entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvenanceChange {
    /// `entry`, `provenance`, `url`, `sha256`, `facts` or `notes`.
    pub field: String,
    /// The old value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// Compares two entries; `None` is a service without an entry on that side.
pub fn compare(old: Option<&Source>, new: Option<&Source>) -> Vec<ProvenanceChange> {
    let (o, n) = match (old, new) {
        (None, None) => return Vec::new(),
        (Some(o), Some(n)) => (o, n),
        (o, n) => {
            return vec![ProvenanceChange {
                field: "entry".to_string(),
                old: o.map(summary),
                new: n.map(summary),
            }]
        }
    };
    let fields = [
        ("provenance", Some(provenance(o)), Some(provenance(n))),
        ("url", o.url.clone(), n.url.clone()),
        ("sha256", o.sha256.clone(), n.sha256.clone()),
        ("facts", list(&o.facts), list(&n.facts)),
        ("notes", o.notes.clone(), n.notes.clone()),
    ];
    fields
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| ProvenanceChange {
            field: field.to_string(),
            old,
            new,
        })
        .collect()
}

fn provenance(s: &Source) -> String {
    serde_json::to_value(s.provenance)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn list(facts: &[String]) -> Option<String> {
    (!facts.is_empty()).then(|| facts.join(", "))
}

/// `scraped from <url>` / `reconstructed`.
fn summary(s: &Source) -> String {
    match &s.url {
        Some(url) => format!("{} from {url}", provenance(s)),
        None => provenance(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::Provenance;

    fn source(p: Provenance, sha: &str) -> Source {
        Source {
            provenance: p,
            url: Some("https://example.test/ttid".into()),
            fetched_at: Some("2026-01-01T00:00:00Z".into()),
            sha256: Some(sha.into()),
            facts: vec![],
            notes: None,
        }
    }

    #[test]
    fn fetched_at_alone_is_no_change() {
        let a = source(Provenance::Scraped, "aa");
        let mut b = a.clone();
        b.fetched_at = Some("2027-01-01T00:00:00Z".into());
        assert!(compare(Some(&a), Some(&b)).is_empty());
    }

    #[test]
    fn reports_provenance_and_hash() {
        let a = source(Provenance::Reconstructed, "aa");
        let b = source(Provenance::Scraped, "bb");
        let fields: Vec<String> = compare(Some(&a), Some(&b))
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["provenance", "sha256"]);
    }

    #[test]
    fn new_entry_is_one_change() {
        let b = source(Provenance::Scraped, "bb");
        let c = compare(None, Some(&b));
        assert_eq!(c.len(), 1);
        assert_eq!(
            c[0].new.as_deref(),
            Some("scraped from https://example.test/ttid")
        );
    }
}
