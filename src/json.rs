//! [`from_slice`]: JSON decoding of a response body, UTF-8 checked once.

use serde::de::DeserializeOwned;

/// Decodes a JSON body as `T`, as the generated clients do.
///
/// `serde_json::from_slice` checks UTF-8 string by string (on a page of fills,
/// about a sixth of the decode's instructions); this checks the whole body in
/// one pass first and then reads it as `&str`. The result and the errors are
/// those of `serde_json::from_slice` (invalid UTF-8 is reported by it, with
/// its position).
///
/// ```
/// let v: Vec<u64> = ttrest::json::from_slice(b"[1, 2]").unwrap();
/// assert_eq!(v, [1, 2]);
/// assert!(ttrest::json::from_slice::<String>(b"\"\xff\"").is_err());
/// ```
pub fn from_slice<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_values_and_errors_as_serde_json() {
        for body in [
            &br#"{"a":"\u00e9t\u00e9 \\ \"x\"","b":[1,-2,3.5,null,true]}"#[..],
            "{\"a\":\"\u{e9}t\u{e9}\"}".as_bytes(),
            b"{\"a\":",
            b"{\"a\":\"\xc3\"}",
            b"[1,2] x",
        ] {
            let ours = from_slice::<serde_json::Value>(body).map_err(|e| e.to_string());
            let theirs =
                serde_json::from_slice::<serde_json::Value>(body).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(body));
        }
    }
}
