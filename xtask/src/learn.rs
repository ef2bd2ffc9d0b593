//! `cargo xtask learn --from DIR`: what recorded TT answers say the specs lack.
//!
//! Every recorded answer (a directory written by `ttrest --record DIR` or
//! `SessionBuilder::record`, format in `docs/recordings.md`) is checked against
//! the normalized spec of its operation. Findings, per schema:
//!
//! - a field the schema does not declare (the JSON types seen, an example);
//! - a value whose JSON type the schema does not allow;
//! - an enumeration code the schema's `enum` does not list;
//! - a required field that is missing;
//! - a status (and its body) the operation does not list.
//!
//! `--write` turns them into `specs/overlays/<service>.learned.yaml` (OpenAPI
//! Overlay 1.0, applied by `cargo xtask normalize` after the service's own
//! overlay) and records where each action came from (recording file and line)
//! under `[learned.<service>]` in `specs/sources.toml`. A field seen with
//! several scalar types gets the lenient scalar that covers them (`tt-code`,
//! which is `ttrest::scalar::Code`, or `tt-bool`), so the typed client keeps it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::layout::SpecsDir;
use crate::normalize::scalar_formats::{wire, FORMATS};
use crate::sources::{LearnedAction, Sources};

/// What is wrong, for one field (or status) of one schema (or operation).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A field the schema does not declare.
    UnknownField,
    /// A value of a JSON type the schema does not allow.
    WrongType,
    /// An enumeration code the schema's `enum` does not list.
    UnknownCode,
    /// A required field that is missing.
    MissingRequired,
    /// A status the operation does not list.
    UndocumentedStatus,
}

/// One finding, merged over every answer that shows it.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The service.
    pub service: String,
    /// The schema (`Fill`) or, for statuses, the operation (`get_fills`).
    pub schema: String,
    /// JSON pointer of the schema (or of the operation) in the normalized spec.
    pub pointer: String,
    /// The field (or the status).
    pub field: String,
    /// What is wrong.
    pub kind: Kind,
    /// What the spec says (type, enum), if anything.
    pub expected: String,
    /// JSON types seen.
    pub seen: BTreeSet<String>,
    /// Values seen (codes), or the first example.
    pub examples: Vec<Value>,
    /// Where it was seen: `file:line`.
    pub sources: Vec<String>,
}

/// Everything `learn` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Findings in a stable order (service, schema, field, kind).
    pub findings: Vec<Finding>,
    /// Answers checked.
    pub answers: usize,
    /// Answers that could not be checked (no operation, no spec), with why.
    pub skipped: Vec<String>,
}

/// The JSON type of a value, as JSON Schema names it.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An example short enough for a report (recordings are redacted already).
fn example(v: &Value) -> Value {
    match v {
        Value::String(s) if s.chars().count() > 40 => {
            Value::from(format!("{}...", s.chars().take(40).collect::<String>()))
        }
        Value::Array(items) => Value::from(format!("[{} items]", items.len())),
        Value::Object(map) => Value::from(format!("{{{} fields}}", map.len())),
        other => other.clone(),
    }
}

/// Collects findings, merging equal ones.
#[derive(Default)]
struct Collector {
    by_key: BTreeMap<(String, String, String, Kind), Finding>,
}

impl Collector {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        service: &str,
        schema: &str,
        pointer: &str,
        field: &str,
        kind: Kind,
        expected: String,
        value: Option<&Value>,
        source: &str,
    ) {
        let key = (
            service.to_string(),
            schema.to_string(),
            field.to_string(),
            kind.clone(),
        );
        let f = self.by_key.entry(key).or_insert_with(|| Finding {
            service: service.to_string(),
            schema: schema.to_string(),
            pointer: pointer.to_string(),
            field: field.to_string(),
            kind,
            expected,
            seen: BTreeSet::new(),
            examples: Vec::new(),
            sources: Vec::new(),
        });
        if let Some(v) = value {
            f.seen.insert(json_type(v).to_string());
            let ex = match f.kind {
                // A body is shown whole, up to 200 characters.
                Kind::UndocumentedStatus => {
                    let text = v.to_string();
                    Value::from(text.chars().take(200).collect::<String>())
                }
                _ => example(v),
            };
            let many = f.kind == Kind::UnknownCode;
            if (many || f.examples.is_empty()) && !f.examples.contains(&ex) {
                f.examples.push(ex);
            }
        }
        if f.sources.len() < 3 && !f.sources.iter().any(|s| s == source) {
            f.sources.push(source.to_string());
        }
    }
}

/// Where in the spec a schema is, and what to call it.
#[derive(Clone)]
struct At {
    name: String,
    pointer: String,
}

/// Checks answers against one service's spec.
struct Checker<'a> {
    service: &'a str,
    spec: &'a Value,
    source: &'a str,
    out: &'a mut Collector,
}

/// `#/components/schemas/X` → (the schema, where it is).
fn resolve<'s>(spec: &'s Value, schema: &'s Value, at: &At) -> (&'s Value, At) {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
    {
        Some(pointer) => match spec.pointer(pointer) {
            Some(target) => (
                target,
                At {
                    name: pointer.rsplit('/').next().unwrap_or(pointer).to_string(),
                    pointer: pointer.to_string(),
                },
            ),
            None => (schema, at.clone()),
        },
        None => (schema, at.clone()),
    }
}

/// The JSON types a schema allows (`None`: anything).
fn allowed(schema: &Value) -> Option<BTreeSet<String>> {
    let mut set = BTreeSet::new();
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        set.insert(t.to_string());
    } else if let Some(forms) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        for f in forms {
            set.extend(allowed(f)?);
        }
    } else {
        return None;
    }
    if schema.get("nullable") == Some(&Value::Bool(true)) {
        set.insert("null".into());
    }
    Some(set)
}

fn allows(types: &BTreeSet<String>, v: &Value) -> bool {
    let t = json_type(v);
    types.contains(t) || (t == "integer" && types.contains("number"))
}

impl Checker<'_> {
    fn value(&mut self, schema: &Value, v: &Value, at: &At, field: &str) {
        let (schema, at) = resolve(self.spec, schema, at);
        if let Some(types) = allowed(schema) {
            if !allows(&types, v) {
                let expected = types.into_iter().collect::<Vec<_>>().join(" or ");
                self.out.add(
                    self.service,
                    &at.name,
                    &at.pointer,
                    field,
                    Kind::WrongType,
                    expected,
                    Some(v),
                    self.source,
                );
                return;
            }
        }
        if let Some(list) = schema.get("enum").and_then(Value::as_array) {
            if !v.is_null() && !list.contains(v) {
                let expected = serde_json::to_string(list).unwrap_or_default();
                self.out.add(
                    self.service,
                    &at.name,
                    &at.pointer,
                    field,
                    Kind::UnknownCode,
                    expected,
                    Some(v),
                    self.source,
                );
            }
        }
        match v {
            Value::Object(map) => self.object(schema, map, &at),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let item_at = At {
                        name: format!("{}[]", at.name),
                        pointer: format!("{}/items", at.pointer),
                    };
                    for item in items.iter().take(2000) {
                        self.value(item_schema, item, &item_at, field);
                    }
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, schema: &Value, map: &Map<String, Value>, at: &At) {
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(name) {
                    self.out.add(
                        self.service,
                        &at.name,
                        &at.pointer,
                        name,
                        Kind::MissingRequired,
                        "required".into(),
                        None,
                        self.source,
                    );
                }
            }
        }
        let Some(props) = props.filter(|p| !p.is_empty()) else {
            return;
        };
        for (key, v) in map {
            match props.get(key) {
                Some(sub) => {
                    let sub_at = At {
                        name: at.name.clone(),
                        pointer: format!("{}/properties/{}", at.pointer, esc(key)),
                    };
                    // A property's own findings are reported under its schema's name.
                    let field_at = At {
                        name: at.name.clone(),
                        ..sub_at
                    };
                    self.value(sub, v, &field_at, key);
                }
                None => {
                    self.out.add(
                        self.service,
                        &at.name,
                        &at.pointer,
                        key,
                        Kind::UnknownField,
                        String::new(),
                        Some(v),
                        self.source,
                    );
                }
            }
        }
    }
}

/// JSON pointer escaping of one segment.
fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// One recorded exchange, as `learn` reads it (format 1, `docs/recordings.md`).
#[derive(Debug, Deserialize)]
struct Recorded {
    format: u32,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    method: String,
    path: String,
    status: u16,
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    body_text: Option<String>,
}

/// Reads every `*.jsonl` of a recording, with `file:line` of each exchange.
fn read_recording(dir: &Path) -> anyhow::Result<Vec<(String, Recorded)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the recording {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{} holds no *.jsonl recording; record one with `ttrest --record DIR ...`",
            dir.display()
        );
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let r: Recorded = serde_json::from_str(line).with_context(|| {
                format!("{}:{}: not a recorded exchange", file.display(), i + 1)
            })?;
            if r.format != 1 {
                bail!(
                    "{}:{}: recording format {} is not supported (learn reads format 1)",
                    file.display(),
                    i + 1,
                    r.format
                );
            }
            out.push((format!("{}:{}", file.display(), i + 1), r));
        }
    }
    Ok(out)
}

/// The operation of a recorded exchange: by id, else by method and path.
fn find_operation<'s>(spec: &'s Value, r: &Recorded) -> Option<(String, String, &'s Value)> {
    let paths = spec.get("paths")?.as_object()?;
    let method = r.method.to_ascii_lowercase();
    if let Some(id) = &r.operation {
        for (path, item) in paths {
            if let Some(op) = item.get(&method) {
                if op.get("operationId").and_then(Value::as_str) == Some(id) {
                    return Some((path.clone(), method.clone(), op));
                }
            }
        }
    }
    None
}

/// Checks every answer of the recording in `from` against `specs`' normalized specs.
pub fn learn(specs: &SpecsDir, from: &Path) -> anyhow::Result<Report> {
    let recorded = read_recording(from)?;
    let mut report = Report::default();
    let mut out = Collector::default();
    let mut spec_cache: BTreeMap<String, Option<Value>> = BTreeMap::new();
    for (source, r) in &recorded {
        let Some(service) = r.service.as_deref() else {
            report.skipped.push(format!(
                "{source}: {} {} names no service",
                r.method, r.path
            ));
            continue;
        };
        let spec = spec_cache.entry(service.to_string()).or_insert_with(|| {
            let text = std::fs::read_to_string(specs.normalized(service)).ok()?;
            serde_json::from_str(&text).ok()
        });
        let Some(spec) = spec.as_ref() else {
            report
                .skipped
                .push(format!("{source}: no normalized spec for {service}"));
            continue;
        };
        let Some((path, method, op)) = find_operation(spec, r) else {
            report.skipped.push(format!(
                "{source}: {} {} matches no operation of {service}",
                r.method, r.path
            ));
            continue;
        };
        report.answers += 1;
        let op_pointer = format!("/paths/{}/{method}", esc(&path));
        let op_name = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or(&path)
            .to_string();
        let body = r.body.clone().or_else(|| {
            r.body_text
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
        });
        let status = r.status.to_string();
        let responses = op.get("responses");
        // The exact status, else its range (`4XX`), else `default`.
        let range = format!("{}XX", &status[..1]);
        let response = responses.and_then(|rs| {
            rs.get(&status)
                .or_else(|| rs.get(&range))
                .or_else(|| rs.get("default"))
        });
        let Some(response) = response else {
            out.add(
                service,
                &op_name,
                &op_pointer,
                &status,
                Kind::UndocumentedStatus,
                responses
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default(),
                body.clone()
                    .or_else(|| r.body_text.clone().map(Value::from))
                    .as_ref(),
                source,
            );
            continue;
        };
        let (Some(body), Some(schema)) =
            (body, response.pointer("/content/application~1json/schema"))
        else {
            continue;
        };
        let at = At {
            name: format!("{op_name} {status} response"),
            pointer: format!("{op_pointer}/responses/{status}/content/application~1json/schema"),
        };
        let mut checker = Checker {
            service,
            spec,
            source,
            out: &mut out,
        };
        checker.value(schema, &body, &at, "");
    }
    report.findings = out.by_key.into_values().collect();
    Ok(report)
}

impl Report {
    /// The report as text, grouped by service and schema.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let mut last = (String::new(), String::new());
        for f in &self.findings {
            if (f.service.clone(), f.schema.clone()) != last {
                let _ = writeln!(s, "{} {}:", f.service, f.schema);
                last = (f.service.clone(), f.schema.clone());
            }
            let seen = f.seen.iter().cloned().collect::<Vec<_>>().join(", ");
            let ex = f
                .examples
                .iter()
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let line = match f.kind {
                Kind::UnknownField => format!(
                    "field `{}` is not in the spec: seen {seen}, e.g. {ex}",
                    f.field
                ),
                Kind::WrongType => format!(
                    "field `{}`: the spec says {}, seen {seen}, e.g. {ex}",
                    f.field, f.expected
                ),
                Kind::UnknownCode => format!(
                    "field `{}`: codes {ex} are not in its enum {}",
                    f.field, f.expected
                ),
                Kind::MissingRequired => format!("required field `{}` is missing", f.field),
                Kind::UndocumentedStatus => format!(
                    "status {} is not listed (listed: {}); body {ex}",
                    f.field, f.expected
                ),
            };
            let _ = writeln!(s, "  {line}  [{}]", f.sources.join(", "));
        }
        for skip in &self.skipped {
            let _ = writeln!(s, "skipped: {skip}");
        }
        let _ = writeln!(
            s,
            "{} answers checked, {} findings{}",
            self.answers,
            self.findings.len(),
            if self.findings.is_empty() {
                ": the specs agree with the recording"
            } else {
                ""
            }
        );
        s
    }
}

/// A lenient scalar schema for `format` (`tt-code`, `tt-bool`), normalized.
fn lenient(format: &str) -> Value {
    let path = FORMATS
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, p)| *p)
        .unwrap_or("ttrest::scalar::Code");
    json!({
        "format": format,
        "anyOf": wire(format).unwrap_or(Value::Null),
        "x-rust-type": {"crate": "ttrest", "version": "*", "path": path},
    })
}

/// The schema that covers every JSON type in `types`.
pub fn covering(types: &BTreeSet<String>) -> Value {
    let nullable = types.contains("null");
    let mut t: BTreeSet<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "null")
        .collect();
    if t.contains("number") {
        t.remove("integer");
    }
    let mut schema = match t.iter().copied().collect::<Vec<_>>().as_slice() {
        [] => json!({}),
        ["array"] => json!({"type": "array", "items": {}}),
        ["object"] => json!({}),
        [one] => json!({"type": one}),
        many if many.iter().all(|t| *t == "boolean" || *t == "string") => lenient("tt-bool"),
        many if many.iter().all(|t| !matches!(*t, "array" | "object")) => lenient("tt-code"),
        _ => json!({}),
    };
    if nullable && schema.as_object().is_some_and(|m| !m.is_empty()) {
        schema["nullable"] = json!(true);
    }
    schema
}

/// `/a/b~1c` → `$['a']['b/c']` (RFC 9535 normalized path).
fn json_path(pointer: &str) -> String {
    let mut out = String::from("$");
    for seg in pointer.split('/').skip(1) {
        let seg = seg
            .replace("~1", "/")
            .replace("~0", "~")
            .replace('\\', "\\\\")
            .replace('\'', "\\'");
        let _ = write!(out, "['{seg}']");
    }
    out
}

/// One overlay action as written to a `.learned.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WrittenAction {
    /// RFC 9535 JSONPath.
    pub target: String,
    /// Why, and from which recording.
    pub description: String,
    /// Merged into the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Value>,
    /// Removes the target.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub remove: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct OverlayDoc {
    overlay: String,
    info: OverlayInfo,
    actions: Vec<WrittenAction>,
}

#[derive(Debug, Serialize, Deserialize)]
struct OverlayInfo {
    title: String,
    version: String,
}

/// The overlay actions of one finding, given the normalized spec.
fn actions(spec: &Value, f: &Finding) -> Vec<WrittenAction> {
    let from = f.sources.first().cloned().unwrap_or_default();
    let describe = |what: String| format!("{what} (learned from {from})");
    match f.kind {
        Kind::UnknownField => vec![WrittenAction {
            target: json_path(&format!("{}/properties", f.pointer)),
            description: describe(format!(
                "{}.{} is sent by TT, seen as {}",
                f.schema,
                f.field,
                f.seen.iter().cloned().collect::<Vec<_>>().join("/")
            )),
            update: Some(json!({ f.field.clone(): covering(&f.seen) })),
            remove: false,
        }],
        Kind::WrongType => {
            // `pointer` is the property itself: replace it by the covering scalar.
            let Some((props, name)) = f.pointer.rsplit_once('/') else {
                return Vec::new();
            };
            let old = spec.pointer(&f.pointer).cloned().unwrap_or(json!({}));
            let mut types: BTreeSet<String> = f.seen.clone();
            types.extend(allowed(&old).unwrap_or_default());
            let mut new = covering(&types);
            if let (Some(d), Some(m)) = (old.get("description"), new.as_object_mut()) {
                m.insert("description".into(), d.clone());
            }
            let name = name.replace("~1", "/").replace("~0", "~");
            vec![
                WrittenAction {
                    target: json_path(&f.pointer),
                    description: describe(format!(
                        "{} is sent as {}, not only {}",
                        f.field,
                        f.seen.iter().cloned().collect::<Vec<_>>().join("/"),
                        f.expected
                    )),
                    update: None,
                    remove: true,
                },
                WrittenAction {
                    target: json_path(props),
                    description: describe(format!("{} covers every type seen", f.field)),
                    update: Some(json!({ name: new })),
                    remove: false,
                },
            ]
        }
        Kind::UnknownCode => f
            .examples
            .iter()
            .map(|code| WrittenAction {
                target: json_path(&format!("{}/enum", f.pointer)),
                description: describe(format!("{} code {code} is sent by TT", f.field)),
                update: Some(code.clone()),
                remove: false,
            })
            .collect(),
        Kind::MissingRequired => vec![WrittenAction {
            target: format!(
                "{}[?@ == '{}']",
                json_path(&format!("{}/required", f.pointer)),
                f.field
            ),
            description: describe(format!("{}.{} is not always sent", f.schema, f.field)),
            update: None,
            remove: true,
        }],
        Kind::UndocumentedStatus => {
            let responses = spec.pointer(&format!("{}/responses", f.pointer));
            // Generated clients have one success type and one error type per
            // operation: a new status gets the schema of its kind, if any.
            let code: u16 = f.field.parse().unwrap_or(0);
            let first = if (200..300).contains(&code) {
                ['2', '2']
            } else {
                ['4', '5']
            };
            let schema = responses
                .and_then(Value::as_object)
                .and_then(|m| m.iter().find(|(k, _)| k.starts_with(first)))
                .and_then(|(_, r)| r.pointer("/content/application~1json/schema"))
                .cloned()
                .unwrap_or_else(|| json!({}));
            vec![WrittenAction {
                target: json_path(&format!("{}/responses", f.pointer)),
                description: describe(format!("TT answers {} with status {}", f.schema, f.field)),
                update: Some(json!({ f.field.clone(): {
                    "description": format!("Seen in a recording ({from})."),
                    "content": {"application/json": {"schema": schema}},
                }})),
                remove: false,
            }]
        }
    }
}

/// `specs/overlays/<service>.learned.yaml`.
pub fn learned_overlay(specs: &SpecsDir, service: &str) -> PathBuf {
    specs.overlays_dir().join(format!("{service}.learned.yaml"))
}

/// Writes the findings as learned overlays (merged with any already there)
/// and their provenance into `sources.toml`; returns the files written.
pub fn write(specs: &SpecsDir, report: &Report) -> anyhow::Result<Vec<PathBuf>> {
    let mut by_service: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_service.entry(&f.service).or_default().push(f);
    }
    let mut sources = Sources::load(&specs.sources())?;
    let mut written = Vec::new();
    for (service, findings) in by_service {
        let text = std::fs::read_to_string(specs.normalized(service))
            .with_context(|| format!("cannot read {}", specs.normalized(service).display()))?;
        let spec: Value = serde_json::from_str(&text)?;
        let path = learned_overlay(specs, service);
        let mut doc = match std::fs::read_to_string(&path) {
            Ok(text) => serde_norway::from_str::<OverlayDoc>(&text)
                .with_context(|| format!("{}: not a learned overlay", path.display()))?,
            Err(_) => OverlayDoc {
                overlay: "1.0.0".into(),
                info: OverlayInfo {
                    title: format!(
                        "{service}: learned from recorded TT answers (cargo xtask learn --write)"
                    ),
                    version: "1.0.0".into(),
                },
                actions: Vec::new(),
            },
        };
        let learned = sources.learned.entry(service.to_string()).or_default();
        for f in findings {
            for action in actions(&spec, f) {
                if doc.actions.iter().any(|a| {
                    a.target == action.target
                        && a.update == action.update
                        && a.remove == action.remove
                }) {
                    continue;
                }
                learned.push(LearnedAction {
                    target: action.target.clone(),
                    recording: f.sources.clone(),
                    finding: action.description.clone(),
                });
                doc.actions.push(action);
            }
        }
        let yaml = serde_norway::to_string(&doc)?;
        let header = "# Learned from recorded TT answers by `cargo xtask learn --write`;\n# provenance of each action: [learned] in specs/sources.toml.\n";
        crate::generate::write_if_changed(&path, &format!("{header}{yaml}"))?;
        written.push(path);
    }
    crate::generate::write_if_changed(&specs.sources(), &sources.to_toml())?;
    written.push(specs.sources());
    Ok(written)
}
