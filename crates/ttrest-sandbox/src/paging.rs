//! `nextPageKey` paging: opaque keys that encode where the next page starts.

/// Prefix that makes keys recognisable (and stale or foreign keys refusable).
const PREFIX: &str = "sbx1.";

/// A refused `nextPageKey`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadKey;

/// The slice of `items` to serve for `key`, and the key of the page after it.
pub(crate) fn page<'a, T>(
    items: &'a [T],
    key: Option<&str>,
    page_size: usize,
) -> Result<(&'a [T], Option<String>), BadKey> {
    let start = match key.filter(|k| !k.is_empty()) {
        None => 0,
        Some(k) => decode(k).filter(|s| *s <= items.len()).ok_or(BadKey)?,
    };
    let end = start.saturating_add(page_size).min(items.len());
    let next = (end < items.len()).then(|| encode(end));
    Ok((&items[start..end], next))
}

fn encode(offset: usize) -> String {
    format!("{PREFIX}{offset:x}")
}

fn decode(key: &str) -> Option<usize> {
    usize::from_str_radix(key.strip_prefix(PREFIX)?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_all_pages() {
        let items: Vec<u32> = (0..7).collect();
        let (first, key) = page(&items, None, 3).unwrap();
        assert_eq!(first, &[0, 1, 2]);
        let (second, key) = page(&items, key.as_deref(), 3).unwrap();
        assert_eq!(second, &[3, 4, 5]);
        let (last, key) = page(&items, key.as_deref(), 3).unwrap();
        assert_eq!((last, key), (&[6][..], None));
    }

    #[test]
    fn refuses_foreign_keys() {
        let items = [1, 2];
        assert_eq!(page(&items, Some("abc"), 1), Err(BadKey));
        assert_eq!(page(&items, Some("sbx1.ff"), 1), Err(BadKey));
    }
}
