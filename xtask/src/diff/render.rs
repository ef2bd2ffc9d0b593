//! A [`Report`] as readable text, as a pull-request comment (markdown), or as JSON.

use std::fmt::Write;

use serde::Serialize;

use super::{Change, ProvenanceChange, Report, RustApiChange, ServiceReport, Severity, Summary};

/// Output format of `cargo xtask diff`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain text for a terminal.
    #[default]
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JSON for tools (the [`Report`] schema).
    Json,
}

/// Renders `report` in `format`; always ends with a newline.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Json => json(report),
    }
}

/// One line: `1 service changed: 2 breaking, 1 non-breaking spec changes; ...`.
pub fn summary_line(report: &Report) -> String {
    if report.is_empty() {
        return "no API changes".to_string();
    }
    let n = report.summary.services;
    format!(
        "{n} {} changed: {}",
        plural(n, "service"),
        counts(&report.summary)
    )
}

/// `2 breaking, 1 non-breaking spec changes; 3 Rust API changes (1 breaking); ...`,
/// leaving out what is zero.
pub fn counts(s: &Summary) -> String {
    let mut parts = Vec::new();
    let spec = s.breaking + s.non_breaking;
    if spec > 0 {
        parts.push(format!(
            "{} breaking, {} non-breaking spec {}",
            s.breaking,
            s.non_breaking,
            plural(spec, "change")
        ));
    }
    if s.rust_api > 0 {
        parts.push(format!(
            "{} Rust API {} ({} breaking)",
            s.rust_api,
            plural(s.rust_api, "change"),
            s.rust_api_breaking
        ));
    }
    if s.provenance > 0 {
        parts.push(format!(
            "{} provenance {}",
            s.provenance,
            plural(s.provenance, "change")
        ));
    }
    parts.join("; ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `response field removed` for `ChangeKind::ResponseFieldRemoved` (its serde name).
fn words(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Breaking => "BREAKING",
        Severity::NonBreaking => "ok",
    }
}

/// ` (old → new)`, ` (old)`, ` (→ new)` or nothing.
fn values(old: Option<&str>, new: Option<&str>) -> String {
    let (old, new) = (old.filter(|s| !s.is_empty()), new.filter(|s| !s.is_empty()));
    match (old, new) {
        (Some(o), Some(n)) => format!(" ({o} → {n})"),
        (Some(o), None) => format!(" ({o})"),
        (None, Some(n)) => format!(" (→ {n})"),
        (None, None) => String::new(),
    }
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "API diff {} → {}: {}\n",
        report.old,
        report.new,
        summary_line(report)
    );
    for s in &report.services {
        let _ = writeln!(out, "\n{}: {}", s.service, counts(&s.summary()));
        for c in &s.changes {
            let op = c
                .operation
                .as_deref()
                .map(|o| format!("{o}: "))
                .unwrap_or_default();
            let vals = values(c.old.as_deref(), c.new.as_deref());
            let _ = writeln!(
                out,
                "  {:<8} {op}{}: {}{vals}: {}",
                severity_word(c.severity),
                words(&c.kind),
                c.path,
                c.reason
            );
        }
        if !s.rust_api.is_empty() {
            let _ = writeln!(out, "  Rust API of generated/{}.rs:", s.service);
            for c in &s.rust_api {
                let vals = values(c.old.as_deref(), c.new.as_deref());
                let _ = writeln!(
                    out,
                    "    {:<8} {} {}{vals}",
                    severity_word(c.severity),
                    words(&c.kind),
                    c.path
                );
            }
        }
        for p in &s.provenance {
            let vals = values(p.old.as_deref(), p.new.as_deref());
            let _ = writeln!(out, "  provenance {}{vals}", p.field);
        }
    }
    out
}

fn markdown(report: &Report) -> String {
    let mut out = format!("### TT API diff: `{}` → `{}`\n\n", report.old, report.new);
    if report.is_empty() {
        out.push_str("No API changes.\n");
        return out;
    }
    let s = &report.summary;
    let headline = summary_line(report);
    let headline = match s.breaking + s.rust_api_breaking {
        0 => headline,
        _ => format!("**Breaking:** {headline}"),
    };
    let _ = writeln!(out, "{headline}.");
    for service in &report.services {
        markdown_service(&mut out, service);
    }
    out
}

fn markdown_service(out: &mut String, s: &ServiceReport) {
    let _ = writeln!(out, "\n#### {}: {}\n", s.service, counts(&s.summary()));
    if !s.changes.is_empty() {
        out.push_str(
            "| | Change | Operation | Where | Old | New | Why |\n|---|---|---|---|---|---|---|\n",
        );
        for c in &s.changes {
            spec_row(out, c);
        }
    }
    if !s.rust_api.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>Rust API of <code>generated/{}.rs</code>: {} {} ({} breaking)</summary>\n",
            s.service,
            s.rust_api.len(),
            plural(s.rust_api.len(), "change"),
            s.summary().rust_api_breaking
        );
        out.push_str("| | Change | Item | Old | New |\n|---|---|---|---|---|\n");
        for c in &s.rust_api {
            rust_row(out, c);
        }
        out.push_str("\n</details>\n");
    }
    if !s.provenance.is_empty() {
        out.push_str("\n| Provenance | Old | New |\n|---|---|---|\n");
        for p in &s.provenance {
            provenance_row(out, p);
        }
    }
}

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Breaking => "**breaking**",
        Severity::NonBreaking => "non-breaking",
    }
}

/// A table cell: pipes escaped, newlines flattened.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A table cell in code style, empty when there is nothing.
fn code(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty())
        .map(|s| format!("`{}`", cell(s)))
        .unwrap_or_default()
}

fn spec_row(out: &mut String, c: &Change) {
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        badge(c.severity),
        words(&c.kind),
        code(c.operation.as_deref()),
        code(Some(&c.path)),
        code(c.old.as_deref()),
        code(c.new.as_deref()),
        cell(&c.reason)
    );
}

fn rust_row(out: &mut String, c: &RustApiChange) {
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} |",
        badge(c.severity),
        words(&c.kind),
        code(Some(&c.path)),
        code(c.old.as_deref()),
        code(c.new.as_deref())
    );
}

fn provenance_row(out: &mut String, p: &ProvenanceChange) {
    let _ = writeln!(
        out,
        "| {} | {} | {} |",
        p.field,
        code(p.old.as_deref()),
        code(p.new.as_deref())
    );
}

fn json(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report serializes to JSON");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::ChangeKind;

    fn report() -> Report {
        let change = Change {
            kind: ChangeKind::ResponseFieldRemoved,
            severity: Severity::Breaking,
            operation: Some("get_fills".into()),
            endpoint: Some("GET /fills".into()),
            path: "GetFillsResponse.fills[].a|b".into(),
            old: Some("number".into()),
            new: None,
            reason: "code reading it no longer compiles".into(),
        };
        let service = ServiceReport {
            service: "ttledger".into(),
            changes: vec![change],
            ..Default::default()
        };
        Report::new("HEAD", "specs", vec![service])
    }

    #[test]
    fn markdown_escapes_pipes_in_cells() {
        let md = render(&report(), Format::Markdown);
        assert!(md.contains("`GetFillsResponse.fills[].a\\|b`"), "{md}");
        assert!(
            md.contains("**Breaking:** 1 service changed: 1 breaking, 0 non-breaking spec change.")
        );
    }

    #[test]
    fn text_names_operation_kind_and_reason() {
        let text = render(&report(), Format::Text);
        assert!(text.contains(
            "BREAKING get_fills: response field removed: GetFillsResponse.fills[].a|b (number): code reading it no longer compiles"
        ), "{text}");
    }

    #[test]
    fn empty_report_says_so() {
        let r = Report::new("HEAD", "specs", vec![]);
        assert_eq!(
            render(&r, Format::Text),
            "API diff HEAD → specs: no API changes\n"
        );
    }
}
