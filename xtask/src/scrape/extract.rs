//! Page bytes in, OpenAPI specs out.
//!
//! TT publishes each service's spec inside a swagger-ui block:
//! `<div data-swagger-config="{&quot;spec&quot;: {...}, ...options}">`. The block
//! reaches us in one of three wrappers, told apart by content (never by file name):
//! a WordPress REST `doc` object (`content.rendered` holds the HTML), a WordPress
//! REST list (an array of such objects), or the rendered HTML page itself.

use scraper::{Html, Selector};
use serde_json::Value;

/// One spec found on a page.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The service the spec describes (`ttid`); safe to use as a file name.
    pub service: String,
    /// The spec exactly as published (the config's `spec` member).
    pub spec: Value,
    /// The WordPress doc's public `link`, when the page is WordPress REST JSON.
    pub link: Option<String>,
    /// Where on the page: `block 2`, or `doc 7955, block 1` inside a list.
    pub location: String,
}

/// Why a page yielded no usable spec. The caller adds the page's name.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The page starts like JSON but does not parse.
    #[error(
        "looks like JSON but does not parse ({0}); save the page again, or pass the rendered HTML"
    )]
    BadJson(serde_json::Error),
    /// JSON that is neither a WordPress doc nor a list of them.
    #[error("JSON but not a WordPress REST doc ({0}); pass a `wp-json/wp/v2/doc/<id>` response or the rendered page")]
    NotWordPress(String),
    /// No element carries `data-swagger-config`.
    #[error("no element with a `data-swagger-config` attribute ({0}); is this a TT REST API 2.0 reference page?")]
    NoSwaggerBlock(String),
    /// The attribute is not valid JSON.
    #[error("{location}: `data-swagger-config` is not valid JSON ({source}); the page may be truncated, fetch it again")]
    BadConfig {
        /// Which block.
        location: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The config has no `spec` object.
    #[error("{location}: the swagger config has no `spec` object (keys: {keys}); TT may have moved the spec to a `url`, which this tool does not follow")]
    NoSpec {
        /// Which block.
        location: String,
        /// The keys the config does have.
        keys: String,
    },
    /// Neither `info.title` nor the server URL names a usable service.
    #[error("{location}: cannot name the service: {reason}; the spec needs `info.title` or a `servers[0]` basePath such as `ttid/ext_uat_cert/`")]
    NoService {
        /// Which block.
        location: String,
        /// What was tried.
        reason: String,
    },
    /// Two blocks on the same page describe the same service.
    #[error(
        "{first} and {second} both describe service `{service}`; a page may hold each service once"
    )]
    DuplicateOnPage {
        /// The service.
        service: String,
        /// The first block.
        first: String,
        /// The second block.
        second: String,
    },
}

/// Every spec on one page, in document order. Never panics, whatever the bytes.
pub fn extract(bytes: &[u8]) -> Result<Vec<Found>, ExtractError> {
    let found = match first_significant_byte(bytes) {
        Some(b'{' | b'[') => from_json(bytes)?,
        _ => from_html(&String::from_utf8_lossy(bytes), None, "")?,
    };
    reject_duplicates(&found)?;
    Ok(found)
}

/// The first byte after a UTF-8 BOM and whitespace.
fn first_significant_byte(bytes: &[u8]) -> Option<u8> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// A WordPress doc or a list of them.
fn from_json(bytes: &[u8]) -> Result<Vec<Found>, ExtractError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(body).map_err(ExtractError::BadJson)?;
    match &value {
        Value::Array(docs) => from_wp_list(docs),
        Value::Object(_) => from_wp_doc(&value, ""),
        other => Err(ExtractError::NotWordPress(format!(
            "top-level {}",
            json_kind(other)
        ))),
    }
}

/// A list (search or category results): docs without a swagger block are skipped,
/// since such lists also hold getting-started pages.
fn from_wp_list(docs: &[Value]) -> Result<Vec<Found>, ExtractError> {
    let mut found = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let prefix = match doc.get("id").and_then(Value::as_u64) {
            Some(id) => format!("doc {id}, "),
            None => format!("list item {}, ", i + 1),
        };
        match from_wp_doc(doc, &prefix) {
            Err(ExtractError::NoSwaggerBlock(_)) => continue,
            other => found.extend(other?),
        }
    }
    if found.is_empty() {
        return Err(ExtractError::NoSwaggerBlock(format!(
            "none of the {} docs in the list has one",
            docs.len()
        )));
    }
    Ok(found)
}

/// One WordPress REST `doc` object.
fn from_wp_doc(doc: &Value, prefix: &str) -> Result<Vec<Found>, ExtractError> {
    let Some(html) = doc.pointer("/content/rendered").and_then(Value::as_str) else {
        let what = match doc {
            Value::Object(_) => "object without `content.rendered`".to_string(),
            other => json_kind(other).to_string(),
        };
        return Err(ExtractError::NotWordPress(format!("{prefix}{what}")));
    };
    let link = doc.get("link").and_then(Value::as_str).map(str::to_string);
    from_html(html, link, prefix)
}

/// Every `data-swagger-config` block of an HTML document or fragment.
fn from_html(html: &str, link: Option<String>, prefix: &str) -> Result<Vec<Found>, ExtractError> {
    let document = Html::parse_document(html);
    let selector = Selector::parse("[data-swagger-config]").expect("valid CSS selector");
    let configs: Vec<&str> = document
        .select(&selector)
        .filter_map(|el| el.value().attr("data-swagger-config"))
        .collect();
    if configs.is_empty() {
        return Err(ExtractError::NoSwaggerBlock(format!(
            "{} bytes of HTML searched",
            html.len()
        )));
    }
    configs
        .iter()
        .enumerate()
        .map(|(i, config)| {
            let location = format!("{prefix}block {}", i + 1);
            from_config(config, location, link.clone())
        })
        .collect()
}

/// One attribute value (entities already decoded by the HTML parser).
fn from_config(
    config: &str,
    location: String,
    link: Option<String>,
) -> Result<Found, ExtractError> {
    let config: Value = match serde_json::from_str(config) {
        Ok(v) => v,
        Err(source) => return Err(ExtractError::BadConfig { location, source }),
    };
    let Some(spec) = config.get("spec").filter(|s| s.is_object()) else {
        let keys = match &config {
            Value::Object(map) if map.is_empty() => "none".to_string(),
            Value::Object(map) => map.keys().cloned().collect::<Vec<_>>().join(", "),
            other => format!("not an object but {}", json_kind(other)),
        };
        return Err(ExtractError::NoSpec { location, keys });
    };
    let service = match service_name(spec) {
        Ok(s) => s,
        Err(reason) => return Err(ExtractError::NoService { location, reason }),
    };
    Ok(Found {
        service,
        spec: spec.clone(),
        link,
        location,
    })
}

/// The service a spec describes: the first candidate that is a known service,
/// else the first that is at least a safe file name.
fn service_name(spec: &Value) -> Result<String, String> {
    let candidates = [
        spec.pointer("/info/title").and_then(Value::as_str),
        spec.pointer("/servers/0/variables/basePath/default")
            .and_then(Value::as_str)
            .and_then(first_segment),
        spec.pointer("/servers/0/url")
            .and_then(Value::as_str)
            .and_then(url_first_segment),
    ];
    let candidates: Vec<&str> = candidates.into_iter().flatten().map(str::trim).collect();
    candidates
        .iter()
        .find(|c| c.starts_with("tt") && is_safe_name(c))
        .or_else(|| candidates.iter().find(|c| is_safe_name(c)))
        .map(|c| c.to_string())
        .ok_or_else(|| match candidates.as_slice() {
            [] => "no `info.title` and no server basePath".to_string(),
            tried => format!("none of {tried:?} is a lowercase identifier"),
        })
}

/// `ttid/ext_uat_cert/` → `ttid`.
fn first_segment(path: &str) -> Option<&str> {
    path.split('/').find(|s| !s.is_empty())
}

/// `https://host/ttid/ext_uat_cert` → `ttid`; a `{template}` segment is no name.
fn url_first_segment(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (_, path) = after_scheme.split_once('/')?;
    first_segment(path).filter(|s| !s.starts_with('{'))
}

/// Lowercase ASCII identifier: it becomes `scraped/<service>.json`.
pub fn is_safe_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 64
}

fn reject_duplicates(found: &[Found]) -> Result<(), ExtractError> {
    for (i, later) in found.iter().enumerate() {
        if let Some(first) = found[..i].iter().find(|f| f.service == later.service) {
            return Err(ExtractError::DuplicateOnPage {
                service: later.service.clone(),
                first: first.location.clone(),
                second: later.location.clone(),
            });
        }
    }
    Ok(())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn block(config: &Value) -> String {
        let attr = config
            .to_string()
            .replace('&', "&amp;")
            .replace('"', "&quot;");
        format!(r#"<div class="swagger-ui-container" data-swagger-config="{attr}"></div>"#)
    }

    fn spec(title: &str) -> Value {
        json!({"openapi": "3.0.1", "info": {"title": title, "version": "1"}, "paths": {}})
    }

    #[test]
    fn html_with_two_blocks_yields_two_specs_in_order() {
        let html = format!(
            "<html><body>{}<p>text</p>{}</body></html>",
            block(&json!({"spec": spec("ttid"), "docExpansion": "list"})),
            block(&json!({"spec": spec("ttledger")}))
        );
        let found = extract(html.as_bytes()).unwrap();
        let names: Vec<_> = found.iter().map(|f| f.service.as_str()).collect();
        assert_eq!(names, ["ttid", "ttledger"]);
        assert_eq!(found[1].location, "block 2");
        assert_eq!(found[0].spec, spec("ttid"));
    }

    #[test]
    fn escaped_slashes_are_plain_json() {
        let html = r#"<div data-swagger-config="{&quot;spec&quot;:{&quot;info&quot;:{&quot;title&quot;:&quot;ttid&quot;},&quot;servers&quot;:[{&quot;url&quot;:&quot;https:\/\/h\/x&quot;}]}}"></div>"#;
        let found = extract(html.as_bytes()).unwrap();
        assert_eq!(found[0].spec["servers"][0]["url"], "https://h/x");
    }

    #[test]
    fn service_falls_back_to_base_path_then_url() {
        let by_base = json!({"servers": [{"url": "https://h/{basePath}",
            "variables": {"basePath": {"default": "ttpds/ext_uat_cert/"}}}]});
        assert_eq!(service_name(&by_base).unwrap(), "ttpds");
        let by_url = json!({"info": {"title": "TT Ledger API"},
            "servers": [{"url": "https://ttrestapi.trade.tt/ttledger/ext_prod_live"}]});
        assert_eq!(service_name(&by_url).unwrap(), "ttledger");
        let unsafe_title = json!({"info": {"title": "../etc/passwd"}});
        assert!(service_name(&unsafe_title)
            .unwrap_err()
            .contains("../etc/passwd"));
        assert!(service_name(&json!({})).is_err());
    }

    #[test]
    fn unknown_but_safe_title_is_accepted() {
        assert_eq!(service_name(&spec("ttnew2")).unwrap(), "ttnew2");
    }

    #[test]
    fn wordpress_doc_carries_its_link() {
        let doc = json!({"id": 1, "link": "https://lib/x/", "content": {"rendered":
            block(&json!({"spec": spec("ttid")}))}});
        let found = extract(doc.to_string().as_bytes()).unwrap();
        assert_eq!(found[0].link.as_deref(), Some("https://lib/x/"));
    }

    #[test]
    fn list_skips_docs_without_a_block_but_not_broken_ones() {
        let plain = json!({"id": 1, "content": {"rendered": "<p>getting started</p>"}});
        let good = json!({"id": 2, "content": {"rendered": block(&json!({"spec": spec("ttid")}))}});
        let list = json!([plain, good]);
        assert_eq!(extract(list.to_string().as_bytes()).unwrap().len(), 1);
        let broken = json!({"id": 3, "content": {"rendered": block(&json!({"nospec": 1}))}});
        let err = extract(json!([good, broken]).to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("doc 3, block 1:"), "{err}");
        let err = extract(json!([plain]).to_string().as_bytes()).unwrap_err();
        assert!(matches!(err, ExtractError::NoSwaggerBlock(_)), "{err}");
    }

    /// A page and a check of the error it must give.
    type Case = (&'static [u8], fn(&ExtractError) -> bool);

    #[test]
    fn each_kind_of_bad_page_has_its_own_error() {
        let cases: [Case; 6] = [
            (b"<html><body>no block</body></html>", |e| {
                matches!(e, ExtractError::NoSwaggerBlock(_))
            }),
            (b"{\"content\": ", |e| matches!(e, ExtractError::BadJson(_))),
            (b"{\"title\": 1}", |e| {
                matches!(e, ExtractError::NotWordPress(_))
            }),
            (
                br#"<i data-swagger-config="{&quot;spec&quot;:"></i>"#,
                |e| matches!(e, ExtractError::BadConfig { .. }),
            ),
            (
                br#"<i data-swagger-config="{&quot;url&quot;:&quot;x&quot;}"></i>"#,
                |e| matches!(e, ExtractError::NoSpec { .. }),
            ),
            (
                br#"<i data-swagger-config="{&quot;spec&quot;:{}}"></i>"#,
                |e| matches!(e, ExtractError::NoService { .. }),
            ),
        ];
        for (page, is_expected) in cases {
            let err = extract(page).unwrap_err();
            assert!(
                is_expected(&err),
                "{}: {err}",
                String::from_utf8_lossy(page)
            );
        }
    }

    #[test]
    fn same_service_twice_on_a_page_is_rejected() {
        let html = block(&json!({"spec": spec("ttid")})).repeat(2);
        let err = extract(html.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains("block 1 and block 2") && err.contains("ttid"),
            "{err}"
        );
    }
}
