//! Rule 12: HTML in descriptions and summaries becomes Markdown rustdoc renders.
//!
//! TT mixes HTML (`<b>`, `<code>`, `<br/>`, `<a href>`) with Markdown and
//! escapes entities. Only real HTML tags (a known tag name) are converted or
//! dropped; anything else that merely looks like one, such as
//! `<application key>`, stays as text, escaped (`\<application key>`) so
//! rustdoc shows it instead of swallowing it as an unknown tag. Entities are
//! decoded; the few characters Markdown would misread (`<`, an entity-like
//! `&`, `[x]` that rustdoc would take for an intra-doc link) are
//! backslash-escaped, bare URLs become autolinks, and lines lose their
//! indentation so nothing turns into a doctest. Converting converted text
//! changes nothing.

use serde_json::Value;

use super::Ctx;

/// Keys whose values are data, not documentation: never rewritten.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum"];

/// Converts every `description` and `summary` string of the document.
pub fn html(spec: &mut Value, _ctx: &Ctx) -> anyhow::Result<()> {
    convert_docs(spec);
    Ok(())
}

fn convert_docs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if DATA_KEYS.contains(&key.as_str()) || key.starts_with("x-") {
                    continue;
                }
                match v {
                    Value::String(text) if key == "description" || key == "summary" => {
                        *text = to_markdown(text);
                    }
                    _ => convert_docs(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(convert_docs),
        _ => {}
    }
}

/// HTML tag names that are converted or dropped; any other `<...>` is text.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// One HTML tag at the start of a string.
struct Tag {
    name: String,
    closing: bool,
    len: usize,
}

/// Parses `<name ...>`, `</name>` or `<name/>` with a known tag name.
fn parse_tag(s: &str) -> Option<Tag> {
    let body = s.strip_prefix('<')?;
    let (closing, body) = match body.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let name_len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    let name = body[..name_len].to_ascii_lowercase();
    if !TAGS.contains(&name.as_str()) {
        return None;
    }
    let after = &body[name_len..];
    if !(after.starts_with('>') || after.starts_with('/') || after.starts_with(char::is_whitespace))
    {
        return None;
    }
    // Find the closing `>`, skipping quoted attribute values.
    let mut quote = None;
    for (i, c) in after.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                let len = s.len() - after.len() + i + 1;
                return Some(Tag { name, closing, len });
            }
            (None, '<') => return None,
            _ => {}
        }
    }
    None
}

/// The Markdown for one tag outside code.
fn markup(tag: &Tag) -> &'static str {
    match (tag.name.as_str(), tag.closing) {
        ("b" | "strong", _) => "**",
        ("i" | "em", _) => "*",
        ("br", _) => "\n",
        ("li", false) => "\n- ",
        ("p" | "div" | "blockquote" | "table" | "tr" | "ul" | "ol" | "dl" | "hr", _) => "\n\n",
        ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => "\n\n",
        ("dt" | "dd", true) => "\n",
        ("td" | "th", true) => " ",
        _ => "",
    }
}

/// Converts one documentation string (see the module docs).
pub fn to_markdown(input: &str) -> String {
    let mut out = String::new();
    let mut text = String::new();
    let mut rest = input;
    while let Some(c) = rest.chars().next() {
        if c == '\\' && rest[1..].starts_with(['<', '&', '[', ']', '\\']) {
            flush(&mut out, &mut text);
            out.push_str(&rest[..2]);
            rest = &rest[2..];
        } else if c == '`' {
            let (span, len) = code_span(rest);
            flush(&mut out, &mut text);
            out.push_str(span);
            rest = &rest[len..];
        } else if let Some(tag) = (c == '<').then(|| parse_tag(rest)).flatten() {
            flush(&mut out, &mut text);
            rest = &rest[tag.len..];
            match (tag.name.as_str(), tag.closing) {
                ("code" | "tt" | "kbd" | "samp", false) => {
                    let (inner, len) = until_close(rest, &tag.name);
                    out.push_str(&code(&plain(inner)));
                    rest = &rest[len..];
                }
                ("pre", false) => {
                    let (inner, len) = until_close(rest, "pre");
                    out.push_str(&format!("\n\n```text\n{}\n```\n\n", plain(inner).trim()));
                    rest = &rest[len..];
                }
                _ => out.push_str(markup(&tag)),
            }
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut out, &mut text);
    tidy(&out)
}

/// A Markdown code span (or fence) at the start of `s`, copied verbatim; a
/// lone backtick run is just text.
fn code_span(s: &str) -> (&str, usize) {
    let ticks = s.len() - s.trim_start_matches('`').len();
    let fence = &s[..ticks];
    match s[ticks..].find(fence) {
        Some(end) => (&s[..ticks + end + ticks], ticks + end + ticks),
        None => (fence, ticks),
    }
}

/// The text up to `</name>` and the length consumed (including the close tag).
fn until_close<'a>(s: &'a str, name: &str) -> (&'a str, usize) {
    let close = format!("</{name}>");
    match s.to_ascii_lowercase().find(&close) {
        Some(at) => (&s[..at], at + close.len()),
        None => (s, s.len()),
    }
}

/// Tags removed (`<br>` as a newline) and entities decoded, for code.
fn plain(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match (c == '<').then(|| parse_tag(rest)).flatten() {
            Some(tag) => {
                if tag.name == "br" {
                    out.push('\n');
                }
                rest = &rest[tag.len..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    html_escape::decode_html_entities(&out).into_owned()
}

/// An inline code span that survives backticks inside it.
fn code(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// Appends decoded, escaped `text` to `out`.
fn flush(out: &mut String, text: &mut String) {
    if text.is_empty() {
        return;
    }
    let decoded = html_escape::decode_html_entities(text).into_owned();
    text.clear();
    let chars: Vec<char> = decoded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let rest: String = chars[i..].iter().collect();
        let after_space = out.chars().last().is_none_or(char::is_whitespace);
        let c = chars[i];
        if c == '<' && !is_autolink(&rest) {
            out.push_str("\\<");
        } else if c == '&' && is_entity_like(&rest) {
            out.push_str("\\&");
        } else if c == '[' && !is_link(&chars[i..]) {
            out.push_str("\\[");
        } else if c == ']' && !closes_link(&chars, i) {
            out.push_str("\\]");
        } else if after_space && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let url = bare_url(&rest);
            out.push('<');
            out.push_str(url);
            out.push('>');
            i += url.chars().count();
            continue;
        } else {
            out.push(c);
        }
        i += 1;
    }
}

/// `<scheme://...>` is a Markdown autolink, not a tag.
fn is_autolink(s: &str) -> bool {
    let Some(end) = s.find('>') else { return false };
    let inner = &s[1..end];
    (inner.starts_with("http://") || inner.starts_with("https://"))
        && !inner.contains(char::is_whitespace)
        && !inner.contains('<')
}

/// `&name;`, `&#123;` or `&#x1F;`, which Markdown would decode.
fn is_entity_like(s: &str) -> bool {
    let Some(end) = s.find(';') else { return false };
    let body = &s[1..end];
    let numeric = body
        .strip_prefix("#x")
        .or_else(|| body.strip_prefix("#X"))
        .map(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
        .or_else(|| {
            body.strip_prefix('#')
                .map(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        });
    numeric.unwrap_or_else(|| {
        body.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && body.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

/// `[text](...)` starting at a `[`.
fn is_link(chars: &[char]) -> bool {
    let Some(close) = chars.iter().position(|&c| c == ']') else {
        return false;
    };
    !chars[1..close].contains(&'[') && chars.get(close + 1) == Some(&'(')
}

/// Whether the `]` at `chars[at]` closes a `[text](` link.
fn closes_link(chars: &[char], at: usize) -> bool {
    let Some(open) = chars[..at].iter().rposition(|&c| c == '[') else {
        return false;
    };
    is_link(&chars[open..])
}

/// A bare URL, without trailing punctuation.
fn bare_url(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(s.len());
    s[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '\''])
}

/// Lines unindented (outside fences) and trimmed, at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        let line = if fenced { line.trim_end() } else { line.trim() };
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if line.is_empty() && !fenced && out.last().is_none_or(|l: &&str| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[track_caller]
    fn check(input: &str, want: &str) {
        let got = to_markdown(input);
        assert_eq!(got, want, "input: {input:?}");
        assert_eq!(to_markdown(&got), got, "not idempotent on {got:?}");
    }

    #[test]
    fn converts_tt_markup() {
        check(
            "You must include the <code>requestId</code> query parameter.<br/> The <b>sample</b>.",
            "You must include the `requestId` query parameter.\nThe **sample**.",
        );
        check(
            "Same as <a href='https://status.trade.tt/'>https://status.trade.tt/</a>.",
            "Same as <https://status.trade.tt/>.",
        );
        check(
            "<a href=\"x.html\">the docs</a> &amp; more",
            "the docs & more",
        );
        check("<ul><li>one</li><li>two</li></ul>", "- one\n- two");
        check("<pre>a &lt; b</pre>", "```text\na < b\n```");
    }

    #[test]
    fn text_that_only_looks_like_a_tag_survives_escaped() {
        check(
            "Send <application key>:<secret>.",
            "Send \\<application key>:\\<secret>.",
        );
        check("a &lt;b&gt; c", "a \\<b> c");
        check("<code><key>:<secret></code>", "`<key>:<secret>`");
        check("x < y and 1<2", "x \\< y and 1\\<2");
    }

    #[test]
    fn keeps_markdown_and_escapes_what_rustdoc_would_misread() {
        check(
            "See [Providing a Request ID](gs-token.html#requestId). **Note** [inf]",
            "See [Providing a Request ID](gs-token.html#requestId). **Note** \\[inf\\]",
        );
        check("literal &amp;amp; stays", "literal \\&amp; stays");
        check("code `<b>x</b>` stays", "code `<b>x</b>` stays");
        check(
            "\n\n In order to\n\n\n    indented",
            "In order to\n\nindented",
        );
    }

    #[test]
    fn only_documentation_strings_are_rewritten() {
        let mut spec = json!({
            "info": {"description": "<b>x</b>"},
            "paths": {"/a": {"get": {
                "summary": "<i>s</i>",
                "parameters": [{"name": "p", "description": "<br>d", "example": {"description": "<b>e</b>"}}],
            }}},
            "components": {"schemas": {"S": {
                "properties": {"description": {"type": "string", "description": "<code>c</code>"}},
                "default": {"summary": "<b>keep</b>"},
            }}},
        });
        html(&mut spec, &Ctx { service: "ttid" }).unwrap();
        assert_eq!(spec["info"]["description"], "**x**");
        assert_eq!(spec["paths"]["/a"]["get"]["summary"], "*s*");
        let p = &spec["paths"]["/a"]["get"]["parameters"][0];
        assert_eq!(p["description"], "d");
        assert_eq!(p["example"]["description"], "<b>e</b>");
        let s = &spec["components"]["schemas"]["S"];
        assert_eq!(s["properties"]["description"]["description"], "`c`");
        assert_eq!(s["default"]["summary"], "<b>keep</b>");
    }
}
