//! The operation table of `ttrest call`, read from the normalized specs.
//!
//! The specs are embedded at build time, so every operation the generated
//! clients know is callable by name, and a new operation in a spec becomes
//! callable without touching this code.

use std::sync::OnceLock;

use serde_json::Value;

/// Every service's normalized spec, as built into this binary.
const SPECS: &[(&str, &str)] = &[
    ("ttid", include_str!("../../../specs/normalized/ttid.json")),
    (
        "ttpds",
        include_str!("../../../specs/normalized/ttpds.json"),
    ),
    (
        "ttledger",
        include_str!("../../../specs/normalized/ttledger.json"),
    ),
    (
        "ttmonitor",
        include_str!("../../../specs/normalized/ttmonitor.json"),
    ),
    (
        "ttaccount",
        include_str!("../../../specs/normalized/ttaccount.json"),
    ),
    (
        "ttuser",
        include_str!("../../../specs/normalized/ttuser.json"),
    ),
    (
        "ttgroup",
        include_str!("../../../specs/normalized/ttgroup.json"),
    ),
    (
        "ttsetup",
        include_str!("../../../specs/normalized/ttsetup.json"),
    ),
    (
        "ttbacktest",
        include_str!("../../../specs/normalized/ttbacktest.json"),
    ),
];

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

/// One parameter of an operation.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// The schema type (`string`, `integer`...), for `call --list`.
    pub kind: String,
}

/// How a request body is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
}

/// One operation of one service.
#[derive(Clone, Debug)]
pub struct Operation {
    pub service: &'static str,
    /// The operation id (`get_fills`); `'static` because the session's hooks want one.
    pub id: &'static str,
    pub method: reqwest::Method,
    /// The path below `<root>/<service>/<env>`, e.g. `/account/{accountId}`.
    pub path: String,
    pub summary: String,
    pub params: Vec<Param>,
    pub body: Option<BodyKind>,
}

impl Operation {
    /// Whether the operation pages by `nextPageKey`.
    pub fn is_paged(&self) -> bool {
        self.params.iter().any(|p| p.name == "nextPageKey")
    }

    /// The parameter called `name`, if any.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Every operation of every embedded spec, sorted by service then id.
pub fn operations() -> &'static [Operation] {
    static TABLE: OnceLock<Vec<Operation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut all: Vec<Operation> = SPECS
            .iter()
            .flat_map(|(service, text)| parse_spec(service, text))
            .collect();
        all.sort_by(|a, b| (a.service, a.id).cmp(&(b.service, b.id)));
        all
    })
}

/// The service names, in documentation order.
pub fn services() -> impl Iterator<Item = &'static str> {
    SPECS.iter().map(|(s, _)| *s)
}

/// Finds `service` `operation`.
pub fn find(service: &str, operation: &str) -> Option<&'static Operation> {
    operations()
        .iter()
        .find(|op| op.service == service && op.id == operation)
}

/// The operations of one service that `operation` most resembles, for hints.
pub fn similar(service: &str, operation: &str) -> Vec<&'static str> {
    let words: Vec<&str> = operation
        .split('_')
        .filter(|w| w.len() > 2 && !matches!(*w, "get" | "post" | "put" | "delete"))
        .collect();
    operations()
        .iter()
        .filter(|op| op.service == service)
        .filter(|op| words.iter().any(|w| op.id.contains(w)))
        .map(|op| op.id)
        .take(5)
        .collect()
}

/// The operations of one spec. A spec that does not parse yields none: the
/// build checks the same files (`build.rs`), so this cannot happen in a release.
fn parse_spec(service: &'static str, text: &str) -> Vec<Operation> {
    let Ok(spec) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let shared = params_of(&spec, item.get("parameters"));
        let Some(methods) = item.as_object() else {
            continue;
        };
        for (method, op) in methods {
            let Ok(method) = method.to_ascii_uppercase().parse::<reqwest::Method>() else {
                continue;
            };
            if method == reqwest::Method::OPTIONS || !op.is_object() {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut params = shared.clone();
            for p in params_of(&spec, op.get("parameters")) {
                params.retain(|q| q.name != p.name);
                params.push(p);
            }
            out.push(Operation {
                service,
                id: Box::leak(id.to_string().into_boxed_str()),
                method,
                path: path.clone(),
                summary: text_of(op, "summary")
                    .or_else(|| text_of(op, "description"))
                    .unwrap_or_default(),
                params,
                body: body_of(&spec, op.get("requestBody")),
            });
        }
    }
    out
}

fn text_of(op: &Value, key: &str) -> Option<String> {
    let text = op.get(key)?.as_str()?;
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(first.to_string())
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix('#')
            .and_then(|pointer| spec.pointer(pointer))
            .unwrap_or(value),
        None => value,
    }
}

fn params_of(spec: &Value, list: Option<&Value>) -> Vec<Param> {
    let Some(list) = list.and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            let p = resolve(spec, p);
            let location = match p.get("in")?.as_str()? {
                "path" => Location::Path,
                "query" => Location::Query,
                "header" => Location::Header,
                _ => return None,
            };
            let schema = p.get("schema").map(|s| resolve(spec, s));
            Some(Param {
                name: p.get("name")?.as_str()?.to_string(),
                location,
                required: location == Location::Path
                    || p.get("required").and_then(Value::as_bool) == Some(true),
                kind: schema
                    .and_then(|s| s.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("string")
                    .to_string(),
            })
        })
        .collect()
}

fn body_of(spec: &Value, body: Option<&Value>) -> Option<BodyKind> {
    let content = resolve(spec, body?).get("content")?.as_object()?;
    if content.contains_key("application/json") {
        Some(BodyKind::Json)
    } else if content.contains_key("application/x-www-form-urlencoded") {
        Some(BodyKind::Form)
    } else {
        content.keys().next().map(|_| BodyKind::Json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_spec_yields_operations() {
        for service in services().filter(|s| *s != "ttgroup") {
            assert!(
                operations().iter().any(|op| op.service == service),
                "no operation read from {service}"
            );
        }
    }

    #[test]
    fn fills_and_paged_lists_are_described_from_the_spec() {
        let fills = find("ttledger", "get_fills").expect("get_fills");
        assert_eq!(fills.method, reqwest::Method::GET);
        assert_eq!(fills.path, "/fills");
        assert!(fills.param("minTimestamp").is_some());
        assert!(!fills.is_paged());
        let accounts = find("ttaccount", "get_accounts").expect("get_accounts");
        assert!(accounts.is_paged());
        let by_id = find("ttaccount", "get_account_by_account_id").expect("by id");
        let id = by_id.param("accountId").unwrap();
        assert!(id.required && id.location == Location::Path);
        assert_eq!(
            find("ttmonitor", "post_adminfill").unwrap().body,
            Some(BodyKind::Json)
        );
    }

    #[test]
    fn similar_names_are_suggested() {
        assert!(similar("ttledger", "get_fill").contains(&"get_fills"));
        assert!(find("ttledger", "get_fill").is_none());
    }
}
