//! `cargo xtask release-notes`: the "TT Rest API" rows of TT's release notes
//! that `specs/release-notes.txt` does not know yet.
//!
//! TT publishes dated release notes (`library.tradingtechnologies.com/release_notes/*.html`)
//! whose tables have rows for the component "TT Rest API": new parameters,
//! endpoints and fixes, often before the reference pages show them. Each page
//! given (a URL or a saved file) is read; a page with no such row is treated as
//! an index and the `*.html` pages it links to in the same directory are read
//! too (one level). A row is its cells' text, whitespace collapsed, joined by
//! ` | `. Rows not in the known list are printed (text or Markdown); `--update`
//! appends them to the list. The spec-watch CI job (`docs/ci-spec-watch.md`)
//! runs it next to `cargo xtask diff`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use scraper::{Html, Selector};

use crate::scrape::live::Fetcher;

/// The component name that marks a row as ours.
pub const COMPONENT: &str = "TT Rest API";

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The "TT Rest API" rows of one HTML page, in page order.
pub fn rows(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let tr = Selector::parse("tr").expect("valid selector");
    let cell = Selector::parse("td, th").expect("valid selector");
    let mut out = Vec::new();
    for row in doc.select(&tr) {
        let cells: Vec<String> = row
            .select(&cell)
            .map(|c| collapse(&c.text().collect::<String>()))
            .collect();
        if cells.iter().any(|c| c.contains(COMPONENT)) {
            out.push(cells.join(" | "));
        }
    }
    out
}

/// The `*.html` pages a page links to in its own directory, resolved against `base`.
pub fn linked_pages(html: &str, base: &str) -> Vec<String> {
    let Ok(base_url) = reqwest::Url::parse(base) else {
        return Vec::new();
    };
    let doc = Html::parse_document(html);
    let a = Selector::parse("a[href]").expect("valid selector");
    let dir = base_url
        .path()
        .rsplit_once('/')
        .map_or("/", |(d, _)| d)
        .to_string();
    let mut out = BTreeSet::new();
    for link in doc.select(&a) {
        let Some(href) = link.value().attr("href") else {
            continue;
        };
        let Ok(mut url) = base_url.join(href) else {
            continue;
        };
        url.set_fragment(None);
        let same_dir = url.host_str() == base_url.host_str()
            && url.path().rsplit_once('/').is_some_and(|(d, _)| d == dir);
        if same_dir && url.path().ends_with(".html") && url != base_url {
            out.insert(url.to_string());
        }
    }
    out.into_iter().collect()
}

/// The known rows of `path` (one a line; `#` comments and blank lines ignored).
pub fn known(path: &Path) -> anyhow::Result<BTreeSet<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Every "TT Rest API" row of `pages` (URLs or files), following one level of links.
pub fn collect(pages: &[String]) -> anyhow::Result<Vec<String>> {
    let mut fetcher = None;
    let mut read = |page: &str| -> anyhow::Result<String> {
        if page.starts_with("http://") || page.starts_with("https://") {
            if fetcher.is_none() {
                fetcher = Some(Fetcher::new()?);
            }
            let f = fetcher.as_ref().expect("set above");
            let body = f
                .get(page)
                .with_context(|| format!("cannot fetch {page}"))?;
            Ok(String::from_utf8_lossy(&body.bytes).into_owned())
        } else {
            std::fs::read_to_string(page).with_context(|| format!("cannot read {page}"))
        }
    };
    let mut all = Vec::new();
    for page in pages {
        let html = read(page)?;
        let found = rows(&html);
        if found.is_empty() {
            for linked in linked_pages(&html, page) {
                all.extend(rows(&read(&linked)?));
            }
        } else {
            all.extend(found);
        }
    }
    let mut seen = BTreeSet::new();
    all.retain(|r| seen.insert(r.clone()));
    Ok(all)
}

/// The new rows as text or Markdown.
pub fn render(new: &[String], markdown: bool) -> String {
    let mut s = String::new();
    if new.is_empty() {
        return if markdown {
            String::new()
        } else {
            "no new \"TT Rest API\" rows in TT's release notes\n".into()
        };
    }
    if markdown {
        let _ = writeln!(s, "### New \"{COMPONENT}\" rows in TT's release notes\n");
        for r in new {
            let _ = writeln!(s, "- {}", r.replace('|', "\\|"));
        }
    } else {
        let _ = writeln!(
            s,
            "{} new \"{COMPONENT}\" rows in TT's release notes:",
            new.len()
        );
        for r in new {
            let _ = writeln!(s, "  {r}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body><table>
        <tr><th>Ref</th><th>Component</th><th>Description</th></tr>
        <tr><td>160774</td><td>TT Rest API</td><td>Added optional 'includeInactive'
            parameter to the /products endpoint to allow users to access expired products.</td></tr>
        <tr><td>160000</td><td>TT Desktop</td><td>Something else.</td></tr>
        </table><a href="older.html">older</a><a href="../other/x.html">x</a></body></html>"#;

    #[test]
    fn only_rest_api_rows_are_kept_whitespace_collapsed() {
        assert_eq!(
            rows(PAGE),
            ["160774 | TT Rest API | Added optional 'includeInactive' parameter to the /products endpoint to allow users to access expired products."]
        );
    }

    #[test]
    fn an_index_links_to_pages_of_its_directory() {
        let links = linked_pages(PAGE, "https://library.example/release_notes/index.html");
        assert_eq!(links, ["https://library.example/release_notes/older.html"]);
    }

    #[test]
    fn known_rows_are_not_new() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("known.txt");
        std::fs::write(&list, format!("# comment\n\n{}\n", rows(PAGE)[0])).unwrap();
        let page = dir.path().join("page.html");
        std::fs::write(&page, PAGE).unwrap();
        let all = collect(&[page.display().to_string()]).unwrap();
        let known = known(&list).unwrap();
        assert!(all.iter().all(|r| known.contains(r)));
        assert!(render(&[], true).is_empty());
        assert!(render(&all, true).contains("\\| TT Rest API \\|"));
    }
}
