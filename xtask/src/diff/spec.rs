//! Comparison of two normalized OpenAPI specs of one service, operation by operation.
//!
//! Specs are walked as JSON (already validated by `openapiv3`) so `$ref`s resolve
//! by JSON pointer and every schema is flattened into fields keyed by a path like
//! `.fills[].timeStamp`. Descriptions, summaries and examples are never looked at,
//! so a description-only change is no change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{json, Value};

use super::{Change, ChangeKind, Severity};

/// Compares two specs of one service; `None` is a service absent on that side.
pub fn compare(old: Option<&Value>, new: Option<&Value>) -> Vec<Change> {
    let (old_ops, new_ops) = (operations(old), operations(new));
    let mut out = Vec::new();
    for (id, old_op) in &old_ops {
        match new_ops.get(id) {
            Some(new_op) => compare_operation(old_op, new_op, &mut out),
            None => out.push(old_op.change(
                ChangeKind::OperationRemoved,
                Severity::Breaking,
                old_op.endpoint(),
                None,
                None,
                format!("code calling `Client::{id}` no longer compiles"),
            )),
        }
    }
    for (id, new_op) in new_ops.iter().filter(|(id, _)| !old_ops.contains_key(*id)) {
        out.push(new_op.change(
            ChangeKind::OperationAdded,
            Severity::NonBreaking,
            new_op.endpoint(),
            None,
            None,
            format!("new method `Client::{id}`"),
        ));
    }
    out
}

/// How many operations a spec declares.
pub fn operation_count(spec: &Value) -> usize {
    operations(Some(spec)).len()
}

/// How an operation is paged, as ttrest's paginators see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// `nextPageKey` in, `lastPage`/`nextPageKey` out.
    NextPageKey,
    /// Fills-style `minTimestamp` windows.
    Timestamp,
    /// Not paged.
    None,
}

impl fmt::Display for Paging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NextPageKey => "NPK (nextPageKey)",
            Self::Timestamp => "TS (minTimestamp)",
            Self::None => "none",
        })
    }
}

/// One schema node, flattened.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Field {
    /// `string(tt-id)`, `array`, `object`, `Fill (object)`, `string enum`...
    ty: String,
    /// The structural kind without the schema name (`object`, `string`...).
    kind: String,
    required: bool,
    /// Whether typify makes the Rust field an `Option<_>`: not required, no default, not a list.
    rust_optional: bool,
    enum_values: Option<BTreeSet<String>>,
}

/// Fields of one schema tree by relative path (`""` is the root).
type Fields = BTreeMap<String, Field>;

/// A schema tree and the label its paths are shown under.
#[derive(Debug)]
struct Tree {
    label: String,
    fields: Fields,
}

#[derive(Debug)]
struct Param {
    name: String,
    location: String,
    field: Field,
}

#[derive(Debug)]
struct Body {
    required: bool,
    tree: Tree,
}

#[derive(Debug)]
struct Operation {
    id: String,
    method: String,
    path: String,
    params: BTreeMap<(String, String), Param>,
    body: Option<Body>,
    response: Tree,
    paging: Paging,
}

impl Operation {
    fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn change(
        &self,
        kind: ChangeKind,
        severity: Severity,
        path: String,
        old: Option<String>,
        new: Option<String>,
        reason: String,
    ) -> Change {
        Change {
            kind,
            severity,
            operation: Some(self.id.clone()),
            endpoint: Some(self.endpoint()),
            path,
            old,
            new,
            reason,
        }
    }
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a spec by operationId (`METHOD path` when there is none).
fn operations(spec: Option<&Value>) -> BTreeMap<String, Operation> {
    let Some(spec) = spec else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    let paths = spec.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let item = resolve(spec, item).0;
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                let op = operation(spec, path, method, item, op);
                out.insert(op.id.clone(), op);
            }
        }
    }
    out
}

fn operation(spec: &Value, path: &str, method: &str, item: &Value, op: &Value) -> Operation {
    let method = method.to_uppercase();
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{method} {path}"), str::to_string);
    let mut params = BTreeMap::new();
    // Path-level parameters first, so the operation's own override them.
    for list in [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
    {
        for p in list.as_array().into_iter().flatten() {
            if let Some(p) = parameter(spec, p) {
                params.insert((p.location.clone(), p.name.clone()), p);
            }
        }
    }
    let paging = paging(&params);
    Operation {
        body: body(spec, &id, op),
        response: response(spec, &id, op),
        id,
        method,
        path: path.to_string(),
        params,
        paging,
    }
}

fn parameter(spec: &Value, p: &Value) -> Option<Param> {
    let p = resolve(spec, p).0;
    let name = p.get("name")?.as_str()?.to_string();
    let location = p.get("in")?.as_str()?.to_string();
    let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
    let schema = p.get("schema").unwrap_or(&Value::Null);
    let mut fields = Fields::new();
    walk(
        spec,
        schema,
        String::new(),
        required,
        &mut fields,
        &mut Vec::new(),
    );
    let field = fields.remove("").expect("walk always records the root");
    Some(Param {
        name,
        location,
        field,
    })
}

fn paging(params: &BTreeMap<(String, String), Param>) -> Paging {
    let has = |name: &str| params.values().any(|p| p.name == name);
    if has("nextPageKey") {
        Paging::NextPageKey
    } else if has("minTimestamp") {
        Paging::Timestamp
    } else {
        Paging::None
    }
}

fn body(spec: &Value, id: &str, op: &Value) -> Option<Body> {
    let body = resolve(spec, op.get("requestBody")?).0;
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tree = content_tree(spec, body, format!("{id} body"));
    Some(Body { required, tree })
}

/// The first success response's body; "no body" when it has none (`send()` gives `()`).
fn response(spec: &Value, id: &str, op: &Value) -> Tree {
    let responses = op.get("responses").and_then(Value::as_object);
    let success = responses
        .into_iter()
        .flatten()
        .filter(|(code, _)| code.starts_with('2'))
        .min_by_key(|(code, _)| code.as_str())
        .map(|(_, r)| resolve(spec, r).0);
    content_tree(
        spec,
        success.unwrap_or(&Value::Null),
        format!("{id} response"),
    )
}

/// The schema tree of a request body or response (JSON content preferred).
fn content_tree(spec: &Value, holder: &Value, default_label: String) -> Tree {
    let content = holder.get("content").and_then(Value::as_object);
    let media = content.and_then(|c| c.get("application/json").or_else(|| c.values().next()));
    let mut fields = Fields::new();
    let Some(schema) = media.and_then(|m| m.get("schema")) else {
        fields.insert(String::new(), Field::scalar("no body", true));
        return Tree {
            label: default_label,
            fields,
        };
    };
    walk(
        spec,
        schema,
        String::new(),
        true,
        &mut fields,
        &mut Vec::new(),
    );
    let label = resolve(spec, schema).1.unwrap_or(default_label);
    Tree { label, fields }
}

impl Field {
    fn scalar(ty: &str, required: bool) -> Self {
        Self {
            ty: ty.to_string(),
            kind: ty.to_string(),
            required,
            rust_optional: !required,
            enum_values: None,
        }
    }
}

/// Follows `$ref`s (by JSON pointer into the spec); returns the target and the
/// last component name on the way.
fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> (&'a Value, Option<String>) {
    let mut name = None;
    // Bounded: a `$ref` cycle without a schema in between is not worth a hang.
    for _ in 0..32 {
        let Some(target) = v.get("$ref").and_then(Value::as_str) else {
            break;
        };
        name = target.rsplit('/').next().map(str::to_string);
        match target.strip_prefix('#').and_then(|p| spec.pointer(p)) {
            Some(t) => v = t,
            None => break,
        }
    }
    (v, name)
}

/// Records `schema` at `path` and everything below it.
fn walk(
    spec: &Value,
    schema: &Value,
    path: String,
    required: bool,
    out: &mut Fields,
    stack: &mut Vec<String>,
) {
    let (s, name) = resolve(spec, schema);
    let kind = kind(s);
    let ty = match &name {
        Some(n) => format!("{n} ({kind})"),
        None => kind.clone(),
    };
    let is_list = s.get("type").and_then(Value::as_str) == Some("array");
    let field = Field {
        rust_optional: !required && s.get("default").is_none() && !is_list,
        enum_values: s.get("enum").and_then(Value::as_array).map(|vals| {
            vals.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect()
        }),
        ty,
        kind,
        required,
    };
    out.insert(path.clone(), field);
    // A recursive schema is recorded once, not unrolled.
    if name.as_ref().is_some_and(|n| stack.contains(n)) {
        return;
    }
    stack.extend(name.clone());
    walk_children(spec, s, &path, out, stack);
    if name.is_some() {
        stack.pop();
    }
}

fn walk_children(spec: &Value, s: &Value, path: &str, out: &mut Fields, stack: &mut Vec<String>) {
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let props = s.get("properties").and_then(Value::as_object);
    for (prop, sub) in props.into_iter().flatten() {
        let req = required.contains(&prop.as_str());
        walk(spec, sub, format!("{path}.{prop}"), req, out, stack);
    }
    if let Some(items) = s.get("items") {
        walk(spec, items, format!("{path}[]"), true, out, stack);
    }
    // `.*` is "any other key"; `true` is the same as `{}`.
    match s.get("additionalProperties") {
        Some(Value::Bool(true)) => walk(spec, &json!({}), format!("{path}.*"), true, out, stack),
        Some(extra @ Value::Object(_)) => walk(spec, extra, format!("{path}.*"), true, out, stack),
        _ => {}
    }
    // allOf merges into the same object; oneOf/anyOf variants each get a path.
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (part, name) = resolve(spec, part);
        if name.as_ref().is_some_and(|n| stack.contains(n)) {
            continue;
        }
        stack.extend(name.clone());
        walk_children(spec, part, path, out, stack);
        if name.is_some() {
            stack.pop();
        }
    }
    for key in ["oneOf", "anyOf"] {
        for (i, part) in s
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            walk(spec, part, format!("{path}<{key} {i}>"), true, out, stack);
        }
    }
}

/// `string(date-time)`, `integer(int64)`, `array`, `object`, `string enum`, `any`.
fn kind(s: &Value) -> String {
    let typ = s.get("type").and_then(Value::as_str).map(str::to_string);
    let typ = typ.unwrap_or_else(|| {
        let inferred = [
            ("properties", "object"),
            ("items", "array"),
            ("allOf", "allOf"),
            ("oneOf", "oneOf"),
            ("anyOf", "anyOf"),
        ];
        let found = inferred.iter().find(|(k, _)| s.get(*k).is_some());
        found.map_or("any", |(_, t)| t).to_string()
    });
    let mut out = match s.get("format").and_then(Value::as_str) {
        Some(f) => format!("{typ}({f})"),
        None => typ,
    };
    if s.get("enum").is_some() {
        out.push_str(" enum");
    }
    if s.get("nullable").and_then(Value::as_bool) == Some(true) {
        out.push_str(", nullable");
    }
    out
}

fn compare_operation(old: &Operation, new: &Operation, out: &mut Vec<Change>) {
    if old.endpoint() != new.endpoint() {
        out.push(new.change(
            ChangeKind::OperationMoved,
            Severity::NonBreaking,
            new.id.clone(),
            Some(old.endpoint()),
            Some(new.endpoint()),
            format!(
                "same method `Client::{}`; requests go to the new URL",
                new.id
            ),
        ));
    }
    compare_params(old, new, out);
    compare_bodies(old, new, out);
    compare_tree(new, Side::Response, &old.response, &new.response, out);
    if old.paging != new.paging {
        out.push(new.change(
            ChangeKind::PagingChanged,
            Severity::Breaking,
            "paging".to_string(),
            Some(old.paging.to_string()),
            Some(new.paging.to_string()),
            format!(
                "ttrest's paginator for `{}` must change; code paging it by hand breaks",
                new.id
            ),
        ));
    }
}

fn compare_params(old: &Operation, new: &Operation, out: &mut Vec<Change>) {
    for (key, o) in &old.params {
        let what = format!("{} parameter {}", o.location, o.name);
        let Some(n) = new.params.get(key) else {
            out.push(new.change(
                ChangeKind::ParameterRemoved,
                Severity::Breaking,
                what,
                Some(o.field.ty.clone()),
                None,
                format!(
                    "builder method for `{}` is gone; calls to it no longer compile",
                    o.name
                ),
            ));
            continue;
        };
        if o.field.ty != n.field.ty {
            out.push(new.change(
                ChangeKind::ParameterTypeChanged,
                Severity::Breaking,
                what.clone(),
                Some(o.field.ty.clone()),
                Some(n.field.ty.clone()),
                format!("builder method for `{}` takes a different type", n.name),
            ));
        } else {
            enum_changes(new, &what, &o.field, &n.field, out);
        }
        if o.field.required != n.field.required {
            let (severity, reason) = match n.field.required {
                true => (
                    Severity::Breaking,
                    format!("callers must now set `{}`", n.name),
                ),
                false => (
                    Severity::NonBreaking,
                    format!("`{}` may now be left out", n.name),
                ),
            };
            out.push(new.change(
                ChangeKind::ParameterRequiredChanged,
                severity,
                what,
                Some(required_word(o.field.required)),
                Some(required_word(n.field.required)),
                reason,
            ));
        }
    }
    for (key, n) in new
        .params
        .iter()
        .filter(|(k, _)| !old.params.contains_key(*k))
    {
        let what = format!("{} parameter {}", key.0, n.name);
        let (severity, reason) = match n.field.required {
            true => (
                Severity::Breaking,
                format!("callers must now set `{}`", n.name),
            ),
            false => (
                Severity::NonBreaking,
                format!("new optional builder method for `{}`", n.name),
            ),
        };
        let new_value = format!("{} ({})", n.field.ty, required_word(n.field.required));
        out.push(new.change(
            ChangeKind::ParameterAdded,
            severity,
            what,
            None,
            Some(new_value),
            reason,
        ));
    }
}

fn compare_bodies(old: &Operation, new: &Operation, out: &mut Vec<Change>) {
    match (&old.body, &new.body) {
        (None, None) => {}
        (Some(o), None) => out.push(new.change(
            ChangeKind::RequestBodyRemoved,
            Severity::Breaking,
            o.tree.label.clone(),
            Some(o.tree.fields[""].ty.clone()),
            None,
            format!(
                "`{}` no longer takes `.body(..)`; calls to it no longer compile",
                new.id
            ),
        )),
        (None, Some(n)) => {
            let (severity, reason) = match n.required {
                true => (
                    Severity::Breaking,
                    format!("callers of `{}` must now pass a body", new.id),
                ),
                false => (
                    Severity::NonBreaking,
                    format!("`{}` takes an optional body", new.id),
                ),
            };
            let ty = n.tree.fields[""].ty.clone();
            out.push(new.change(
                ChangeKind::RequestBodyAdded,
                severity,
                n.tree.label.clone(),
                None,
                Some(ty),
                reason,
            ));
        }
        (Some(o), Some(n)) => {
            if o.required != n.required {
                let (severity, reason) = match n.required {
                    true => (
                        Severity::Breaking,
                        "callers must now pass a body".to_string(),
                    ),
                    false => (
                        Severity::NonBreaking,
                        "the body may now be left out".to_string(),
                    ),
                };
                out.push(new.change(
                    ChangeKind::RequestBodyRequiredChanged,
                    severity,
                    n.tree.label.clone(),
                    Some(required_word(o.required)),
                    Some(required_word(n.required)),
                    reason,
                ));
            }
            compare_tree(new, Side::Request, &o.tree, &n.tree, out);
        }
    }
}

/// Which side of the wire a schema tree is on: the rules differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
}

fn compare_tree(op: &Operation, side: Side, old: &Tree, new: &Tree, out: &mut Vec<Change>) {
    // Paths under an added/removed/retyped node are not reported again.
    let mut covered: Vec<&str> = Vec::new();
    let keys: BTreeSet<&String> = old.fields.keys().chain(new.fields.keys()).collect();
    for key in keys {
        if covered.iter().any(|c| is_below(key, c)) {
            continue;
        }
        let shown = format!("{}{key}", new.label);
        match (old.fields.get(key), new.fields.get(key)) {
            (Some(o), Some(n)) => {
                if o.kind != n.kind {
                    covered.push(key);
                }
                field_changed(op, side, &shown, o, n, out);
            }
            (Some(o), None) => {
                covered.push(key);
                out.push(field_removed(op, side, &shown, o));
            }
            (None, Some(n)) => {
                covered.push(key);
                out.push(field_added(op, side, &shown, n));
            }
            (None, None) => unreachable!("key comes from one of the maps"),
        }
    }
}

/// `.a[].b` is below `.a` and `.a[]`, but `.ab` is not below `.a`.
fn is_below(key: &str, parent: &str) -> bool {
    key.len() > parent.len()
        && key.starts_with(parent)
        && matches!(key.as_bytes()[parent.len()], b'.' | b'[' | b'<')
}

fn field_changed(
    op: &Operation,
    side: Side,
    shown: &str,
    o: &Field,
    n: &Field,
    out: &mut Vec<Change>,
) {
    if o.ty != n.ty {
        let (kind, reason) = match side {
            Side::Request => (
                ChangeKind::RequestFieldTypeChanged,
                format!("code setting `{shown}` must pass the new type"),
            ),
            Side::Response => (
                ChangeKind::ResponseFieldTypeChanged,
                format!("code reading `{shown}` gets a different Rust type"),
            ),
        };
        out.push(op.change(
            kind,
            Severity::Breaking,
            shown.to_string(),
            Some(o.ty.clone()),
            Some(n.ty.clone()),
            reason,
        ));
    } else {
        enum_changes(op, shown, o, n, out);
    }
    if o.required != n.required {
        out.push(required_changed(op, side, shown, o, n));
    }
}

fn required_changed(op: &Operation, side: Side, shown: &str, o: &Field, n: &Field) -> Change {
    let kind = match side {
        Side::Request => ChangeKind::RequestFieldRequiredChanged,
        Side::Response => ChangeKind::ResponseFieldRequiredChanged,
    };
    let (severity, reason) = if side == Side::Request && n.required {
        (
            Severity::Breaking,
            format!("callers must now set `{shown}`"),
        )
    } else if o.rust_optional != n.rust_optional {
        let how = if n.rust_optional {
            "becomes an `Option<_>`"
        } else {
            "is no longer an `Option<_>`"
        };
        (Severity::Breaking, format!("the Rust field {how}"))
    } else {
        (
            Severity::NonBreaking,
            "the Rust type is unchanged (a list or a field with a default)".to_string(),
        )
    };
    op.change(
        kind,
        severity,
        shown.to_string(),
        Some(required_word(o.required)),
        Some(required_word(n.required)),
        reason,
    )
}

fn field_removed(op: &Operation, side: Side, shown: &str, o: &Field) -> Change {
    let (kind, reason) = match side {
        Side::Request => (
            ChangeKind::RequestFieldRemoved,
            format!("code setting `{shown}` no longer compiles"),
        ),
        Side::Response => (
            ChangeKind::ResponseFieldRemoved,
            format!("code reading `{shown}` no longer compiles"),
        ),
    };
    op.change(
        kind,
        Severity::Breaking,
        shown.to_string(),
        Some(o.ty.clone()),
        None,
        reason,
    )
}

fn field_added(op: &Operation, side: Side, shown: &str, n: &Field) -> Change {
    let (kind, severity, reason) = match (side, n.required) {
        (Side::Request, true) => (ChangeKind::RequestFieldAdded, Severity::Breaking, format!("callers must now set `{shown}`")),
        (Side::Request, false) => (
            ChangeKind::RequestFieldAdded,
            Severity::NonBreaking,
            "new optional field; builders are unaffected (struct literals need `..Default::default()`)".to_string(),
        ),
        (Side::Response, _) => (ChangeKind::ResponseFieldAdded, Severity::NonBreaking, "new field; existing readers are unaffected".to_string()),
    };
    let value = format!("{} ({})", n.ty, required_word(n.required));
    op.change(kind, severity, shown.to_string(), None, Some(value), reason)
}

/// Enum values added or removed. Both break: typify enums are exhaustive, so a new
/// variant breaks every `match` on the type (and older clients fail to decode it).
fn enum_changes(op: &Operation, shown: &str, o: &Field, n: &Field, out: &mut Vec<Change>) {
    let (Some(ov), Some(nv)) = (&o.enum_values, &n.enum_values) else {
        return;
    };
    let removed: Vec<&str> = ov.difference(nv).map(String::as_str).collect();
    let added: Vec<&str> = nv.difference(ov).map(String::as_str).collect();
    if !removed.is_empty() {
        out.push(op.change(
            ChangeKind::EnumValueRemoved,
            Severity::Breaking,
            shown.to_string(),
            Some(removed.join(", ")),
            None,
            "code naming the removed variant no longer compiles".to_string(),
        ));
    }
    if !added.is_empty() {
        out.push(op.change(
            ChangeKind::EnumValueAdded,
            Severity::Breaking,
            shown.to_string(),
            None,
            Some(added.join(", ")),
            "typify enums are exhaustive: every `match` needs a new arm".to_string(),
        ));
    }
}

fn required_word(required: bool) -> String {
    if required { "required" } else { "optional" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(schema: Value, spec: Value) -> Fields {
        let mut out = Fields::new();
        walk(
            &spec,
            &schema,
            String::new(),
            true,
            &mut out,
            &mut Vec::new(),
        );
        out
    }

    #[test]
    fn walk_resolves_refs_and_names_nested_paths() {
        let spec = json!({"components": {"schemas": {"Fill": {"type": "object",
            "properties": {"timeStamp": {"type": "string", "format": "tt-timestamp-ns"}}}}}});
        let schema = json!({"type": "object", "properties": {"fills": {"type": "array",
            "items": {"$ref": "#/components/schemas/Fill"}}}});
        let f = fields(schema, spec);
        assert_eq!(f[".fills"].ty, "array");
        assert_eq!(f[".fills[]"].ty, "Fill (object)");
        assert_eq!(f[".fills[].timeStamp"].ty, "string(tt-timestamp-ns)");
        assert!(f[".fills[].timeStamp"].rust_optional);
        assert!(
            !f[".fills"].rust_optional,
            "lists are Vec<_>, never Option<_>"
        );
    }

    #[test]
    fn walk_stops_at_recursive_refs() {
        let spec = json!({"components": {"schemas": {"Node": {"type": "object",
            "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}}});
        let f = fields(json!({"$ref": "#/components/schemas/Node"}), spec);
        assert_eq!(f.keys().collect::<Vec<_>>(), ["", ".child"]);
    }

    #[test]
    fn additional_properties_true_equals_an_empty_schema() {
        let spec = json!({});
        let a = fields(
            json!({"type": "object", "additionalProperties": true}),
            spec.clone(),
        );
        let b = fields(json!({"type": "object", "additionalProperties": {}}), spec);
        assert_eq!(a, b);
        assert_eq!(a[".*"].ty, "any");
    }

    #[test]
    fn is_below_respects_path_boundaries() {
        assert!(is_below(".a.b", ".a"));
        assert!(is_below(".a[].b", ".a"));
        assert!(!is_below(".ab", ".a"));
        assert!(!is_below(".a", ".a"));
        assert!(is_below(".a", ""));
    }

    #[test]
    fn kind_marks_formats_enums_and_nullability() {
        assert_eq!(
            kind(&json!({"type": "string", "enum": ["B", "S"]})),
            "string enum"
        );
        assert_eq!(
            kind(&json!({"type": "integer", "format": "int64", "nullable": true})),
            "integer(int64), nullable"
        );
        assert_eq!(kind(&json!({})), "any");
    }
}
