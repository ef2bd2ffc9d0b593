//! `cargo xtask diff`: what changed in TT's API between two snapshots of `specs/`.
//!
//! oasdiff is the reference for the rules; this version knows what matters to users
//! of ttrest's *generated Rust client* (progenitor builders, typify types, TT paging),
//! so every change is classified [`Severity::Breaking`] or [`Severity::NonBreaking`]
//! for them, with a one-line reason. Three views are compared per service:
//!
//! - the normalized OpenAPI spec ([`spec`]): operations, parameters, bodies,
//!   response fields, enum values, paging style;
//! - the generated Rust API ([`rust_api`]): public items and signatures;
//! - the provenance in `sources.toml` ([`provenance`]).
//!
//! [`Snapshot`] reads one side (a directory or a git revision), [`compare`] builds
//! a [`Report`], and [`render`] prints it as text, markdown or JSON.

pub mod command;
pub mod provenance;
pub mod render;
pub mod rust_api;
pub mod snapshot;
pub mod spec;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use provenance::ProvenanceChange;
pub use rust_api::{RustApiChange, RustApiChangeKind};
pub use snapshot::Snapshot;

/// Whether a change can break code written against the generated client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Existing code may stop compiling, or fail at run time.
    Breaking,
    /// Existing code keeps compiling and working.
    NonBreaking,
}

/// What kind of spec change this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A whole new service (`path` says how many operations it has).
    ServiceAdded,
    /// A whole service is gone.
    ServiceRemoved,
    /// A new operation.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// Same operationId, different method or path.
    OperationMoved,
    /// A new parameter.
    ParameterAdded,
    /// A parameter is gone.
    ParameterRemoved,
    /// A parameter became required or optional.
    ParameterRequiredChanged,
    /// A parameter's type changed.
    ParameterTypeChanged,
    /// The operation now takes a request body.
    RequestBodyAdded,
    /// The operation no longer takes a request body.
    RequestBodyRemoved,
    /// The request body became required or optional.
    RequestBodyRequiredChanged,
    /// A new field in the request body.
    RequestFieldAdded,
    /// A request body field is gone.
    RequestFieldRemoved,
    /// A request body field (or the body itself) changed type.
    RequestFieldTypeChanged,
    /// A request body field became required or optional.
    RequestFieldRequiredChanged,
    /// A new field in the success response.
    ResponseFieldAdded,
    /// A success response field is gone.
    ResponseFieldRemoved,
    /// A response field (or the response itself) changed type.
    ResponseFieldTypeChanged,
    /// A response field became required or optional.
    ResponseFieldRequiredChanged,
    /// An enum gained values.
    EnumValueAdded,
    /// An enum lost values.
    EnumValueRemoved,
    /// The operation's paging style changed (NPK, TS, none).
    PagingChanged,
}

/// One change in a normalized spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// Breaking or not, for users of the generated client.
    pub severity: Severity,
    /// The operationId (= the `Client` method), when the change is inside an operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// `METHOD /path` of the operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// What changed: `GetFillsResponse.fills[].timeStamp`, `query parameter accountId`...
    pub path: String,
    /// The old value (type, values, style), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// Why it is (non-)breaking, in one line.
    pub reason: String,
}

/// Everything that changed in one service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceReport {
    /// The service name (`ttid`, `ttledger`...).
    pub service: String,
    /// Spec changes, breaking first.
    pub changes: Vec<Change>,
    /// Changes in the public API of `generated/<service>.rs`.
    pub rust_api: Vec<RustApiChange>,
    /// Changes in the service's `sources.toml` entry.
    pub provenance: Vec<ProvenanceChange>,
}

impl ServiceReport {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.rust_api.is_empty() && self.provenance.is_empty()
    }

    /// Breaking spec changes.
    pub fn breaking(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count()
    }

    /// Non-breaking spec changes.
    pub fn non_breaking(&self) -> usize {
        self.changes.len() - self.breaking()
    }

    /// This service's counts.
    pub fn summary(&self) -> Summary {
        let rust_api_breaking = self
            .rust_api
            .iter()
            .filter(|c| c.severity == Severity::Breaking)
            .count();
        Summary {
            services: 1,
            breaking: self.breaking(),
            non_breaking: self.non_breaking(),
            rust_api: self.rust_api.len(),
            rust_api_breaking,
            provenance: self.provenance.len(),
        }
    }
}

/// Counts over a whole report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Services with any change.
    pub services: usize,
    /// Breaking spec changes.
    pub breaking: usize,
    /// Non-breaking spec changes.
    pub non_breaking: usize,
    /// Changes in the generated Rust API.
    pub rust_api: usize,
    /// Breaking changes in the generated Rust API.
    pub rust_api_breaking: usize,
    /// Provenance changes.
    pub provenance: usize,
}

/// The result of comparing two snapshots. Serialized as the `--format json` output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Version of this JSON schema; bumped on incompatible changes.
    pub schema_version: u32,
    /// What the old side is (`HEAD`, a directory).
    pub old: String,
    /// What the new side is.
    pub new: String,
    /// Counts.
    pub summary: Summary,
    /// Services with any change, by name.
    pub services: Vec<ServiceReport>,
}

/// The current [`Report::schema_version`].
pub const SCHEMA_VERSION: u32 = 1;

impl Report {
    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// Whether any spec or Rust API change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.summary.breaking + self.summary.rust_api_breaking > 0
    }

    fn new(old: &str, new: &str, services: Vec<ServiceReport>) -> Self {
        let mut summary = Summary::default();
        for s in services.iter().map(ServiceReport::summary) {
            summary.services += s.services;
            summary.breaking += s.breaking;
            summary.non_breaking += s.non_breaking;
            summary.rust_api += s.rust_api;
            summary.rust_api_breaking += s.rust_api_breaking;
            summary.provenance += s.provenance;
        }
        Self {
            schema_version: SCHEMA_VERSION,
            old: old.to_string(),
            new: new.to_string(),
            summary,
            services,
        }
    }
}

/// Compares two snapshots service by service. A service on one side only shows
/// as all-added or all-removed.
pub fn compare(old: &Snapshot, new: &Snapshot) -> Report {
    let names: BTreeSet<&str> = old.service_names().chain(new.service_names()).collect();
    let services = names
        .into_iter()
        .map(|name| compare_service(name, old, new))
        .filter(|s| !s.is_empty())
        .collect();
    Report::new(old.label(), new.label(), services)
}

fn compare_service(name: &str, old: &Snapshot, new: &Snapshot) -> ServiceReport {
    let (old_svc, new_svc) = (old.service(name), new.service(name));
    let mut changes: Vec<Change> = match (old_svc, new_svc) {
        (None, Some(added)) => vec![service_change(name, added, true)],
        (Some(removed), None) => vec![service_change(name, removed, false)],
        _ => Vec::new(),
    };
    changes.extend(spec::compare(
        old_svc.map(|s| &s.spec),
        new_svc.map(|s| &s.spec),
    ));
    // Stable order: breaking first, then as the spec walk found them.
    changes.sort_by_key(|c| c.severity);
    let mut rust_api =
        rust_api::compare(old_svc.map(|s| &s.rust_api), new_svc.map(|s| &s.rust_api));
    rust_api.sort_by_key(|c| c.severity);
    ServiceReport {
        service: name.to_string(),
        changes,
        rust_api,
        provenance: provenance::compare(old.sources().get(name), new.sources().get(name)),
    }
}

/// "service added: ttnew (3 operations)" (non-breaking: new module and feature)
/// or "service removed" (breaking: code using the module no longer compiles).
fn service_change(name: &str, service: &snapshot::ServiceSnapshot, added: bool) -> Change {
    let n = spec::operation_count(&service.spec);
    let ops = if n == 1 { "operation" } else { "operations" };
    let (kind, severity, reason) = if added {
        (
            ChangeKind::ServiceAdded,
            Severity::NonBreaking,
            format!(
                "new module `ttrest::{name}`; `cargo xtask check` says how to generate and expose it"
            ),
        )
    } else {
        (
            ChangeKind::ServiceRemoved,
            Severity::Breaking,
            format!("code using `ttrest::{name}` no longer compiles"),
        )
    };
    Change {
        kind,
        severity,
        operation: None,
        endpoint: None,
        path: format!("{name} ({n} {ops})"),
        old: None,
        new: None,
        reason,
    }
}
