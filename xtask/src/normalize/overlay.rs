//! [OpenAPI Overlay 1.0](https://spec.openapis.org/overlay/v1.0.0.html) documents:
//! targeted, reviewable fixes for one service (`specs/overlays/<service>.yaml`).
//!
//! ```yaml
//! overlay: 1.0.0
//! info: {title: ttid fixes, version: 1.0.0}
//! actions:
//!   - target: $.paths['/token'].post        # RFC 9535 JSONPath
//!     description: why
//!     update: {requestBody: ...}             # merged into every selected node
//!   - target: $.paths['/token'].post.parameters[0]
//!     remove: true                           # removes every selected node
//! ```
//!
//! Merging: objects merge key by key, recursively; anything else replaces the
//! target's value. When the target itself is an array, `update` is appended
//! unless an equal element is already there (so applying twice changes
//! nothing). An action whose target selects nothing is an error: it means
//! TT's spec changed under the overlay.

use std::path::Path;

use anyhow::{bail, Context};
use serde::Deserialize;
use serde_json::{Map, Value};
use serde_json_path::JsonPath;

/// A parsed overlay document.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// The Overlay specification version (`1.0.x`).
    pub overlay: String,
    /// Title and version of this overlay.
    pub info: Info,
    /// The document the overlay was written for (informational).
    #[serde(default)]
    pub extends: Option<String>,
    /// The changes, applied in order.
    pub actions: Vec<Action>,
}

/// The `info` object of an overlay.
#[derive(Clone, Debug, Deserialize)]
pub struct Info {
    /// What the overlay is for.
    pub title: String,
    /// The overlay's own version.
    pub version: String,
}

/// One change.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// RFC 9535 JSONPath selecting the nodes to change.
    pub target: String,
    /// Why the change is needed.
    #[serde(default)]
    pub description: Option<String>,
    /// Merged into every selected node.
    #[serde(default)]
    pub update: Option<Value>,
    /// Removes every selected node.
    #[serde(default)]
    pub remove: bool,
}

impl Overlay {
    /// Reads and checks an overlay file.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read overlay {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("invalid overlay {}", path.display()))
    }

    /// Parses and checks an overlay document.
    pub fn parse(yaml: &str) -> anyhow::Result<Self> {
        let overlay: Self = serde_norway::from_str(yaml)?;
        if !overlay.overlay.starts_with("1.0.") {
            bail!(
                "unsupported overlay version {:?}; expected 1.0.x",
                overlay.overlay
            );
        }
        Ok(overlay)
    }

    /// Applies every action in order; `origin` names the file in errors.
    pub fn apply(&self, doc: &mut Value, origin: &Path) -> anyhow::Result<()> {
        for (index, action) in self.actions.iter().enumerate() {
            action.apply(doc).with_context(|| {
                format!(
                    "{}: action {index} (target `{}`)",
                    origin.display(),
                    action.target
                )
            })?;
        }
        Ok(())
    }
}

impl Action {
    /// Applies this action to `doc`.
    pub fn apply(&self, doc: &mut Value) -> anyhow::Result<()> {
        let path = JsonPath::parse(&self.target).context("invalid JSONPath")?;
        let pointers: Vec<String> = path
            .query_located(doc)
            .locations()
            .map(|l| l.to_json_pointer())
            .collect();
        if pointers.is_empty() {
            bail!("the target matches nothing; has TT's spec changed?");
        }
        match (&self.update, self.remove) {
            (Some(_), true) => bail!("an action either updates or removes, not both"),
            (None, false) => bail!("the action has neither `update` nor `remove: true`"),
            (Some(update), false) => {
                for ptr in &pointers {
                    let node = doc.pointer_mut(ptr).context("selected node vanished")?;
                    merge_into(node, update);
                }
            }
            (None, true) => {
                // Last first, so removing array elements does not shift the others.
                for ptr in pointers.iter().rev() {
                    remove(doc, ptr)?;
                }
            }
        }
        Ok(())
    }
}

/// Merges `update` into a selected node (see the module docs).
fn merge_into(node: &mut Value, update: &Value) {
    match node {
        Value::Array(items) => {
            if !items.contains(update) {
                items.push(update.clone());
            }
        }
        _ => merge(node, update),
    }
}

fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(have), Value::Object(add)) => merge_objects(have, add),
        (node, update) => *node = update.clone(),
    }
}

fn merge_objects(have: &mut Map<String, Value>, add: &Map<String, Value>) {
    for (key, value) in add {
        match have.get_mut(key) {
            Some(existing) => merge(existing, value),
            None => {
                have.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Removes the node at JSON pointer `ptr` from its parent.
fn remove(doc: &mut Value, ptr: &str) -> anyhow::Result<()> {
    let Some((parent, last)) = ptr.rsplit_once('/') else {
        bail!("cannot remove the document root");
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.shift_remove(&key);
        }
        Some(Value::Array(items)) => {
            let index: usize = key.parse().context("bad array index")?;
            if index < items.len() {
                items.remove(index);
            }
        }
        _ => bail!("the parent of {ptr} is gone"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn overlay(actions: &str) -> Overlay {
        Overlay::parse(&format!(
            "overlay: 1.0.0\ninfo: {{title: t, version: 1.0.0}}\nactions:\n{actions}"
        ))
        .unwrap()
    }

    #[test]
    fn update_merges_recursively_and_is_idempotent() {
        let mut doc = json!({"paths": {"/a": {"get": {"summary": "old", "responses": {"200": {"description": "x"}}}}}});
        let o = overlay(
            "  - target: $.paths['/a'].get\n    update:\n      summary: new\n      responses: {'200': {content: {}}}\n",
        );
        o.apply(&mut doc, Path::new("o.yaml")).unwrap();
        let want = json!({"paths": {"/a": {"get": {"summary": "new",
            "responses": {"200": {"description": "x", "content": {}}}}}}});
        assert_eq!(doc, want);
        o.apply(&mut doc, Path::new("o.yaml")).unwrap();
        assert_eq!(doc, want);
    }

    #[test]
    fn update_on_an_array_appends_once() {
        let mut doc = json!({"tags": [{"name": "a"}]});
        let o = overlay("  - target: $.tags\n    update: {name: b}\n");
        o.apply(&mut doc, Path::new("o.yaml")).unwrap();
        o.apply(&mut doc, Path::new("o.yaml")).unwrap();
        assert_eq!(doc, json!({"tags": [{"name": "a"}, {"name": "b"}]}));
    }

    #[test]
    fn remove_deletes_every_selected_node() {
        let mut doc = json!({"p": [{"in": "query"}, {"in": "header"}, {"in": "query"}], "k": {"a/b": 1, "c": 2}});
        let o = overlay(
            "  - target: $.p[?@.in == 'query']\n    remove: true\n  - target: $.k['a/b']\n    remove: true\n",
        );
        o.apply(&mut doc, Path::new("o.yaml")).unwrap();
        assert_eq!(doc, json!({"p": [{"in": "header"}], "k": {"c": 2}}));
    }

    #[test]
    fn unmatched_target_names_file_action_and_target() {
        let mut doc = json!({"paths": {}});
        let o = overlay(
            "  - target: $.paths\n    update: {}\n  - target: $.paths['/gone'].get\n    remove: true\n",
        );
        let err = format!(
            "{:#}",
            o.apply(&mut doc, Path::new("specs/overlays/ttx.yaml"))
                .unwrap_err()
        );
        assert!(
            err.contains("specs/overlays/ttx.yaml")
                && err.contains("action 1")
                && err.contains("$.paths['/gone'].get"),
            "{err}"
        );
    }

    #[test]
    fn bad_documents_are_rejected() {
        assert!(
            Overlay::parse("overlay: 2.0.0\ninfo: {title: t, version: v}\nactions: []\n").is_err()
        );
        assert!(Overlay::parse("overlay: 1.0.0\nactions: []\n").is_err());
        let o = overlay("  - target: $.a\n");
        assert!(o.apply(&mut json!({"a": 1}), Path::new("o")).is_err());
        let o = overlay("  - target: $\n    remove: true\n");
        assert!(o.apply(&mut json!({"a": 1}), Path::new("o")).is_err());
        let o = overlay("  - target: '$[?'\n    remove: true\n");
        assert!(o.apply(&mut json!({"a": 1}), Path::new("o")).is_err());
    }
}
