//! Small helpers on generated record types, for fields TT spells more than one way.
//!
//! When two spellings of a field map to one Rust name (`execId` and `execID`
//! are both `exec_id`), the normalizer keeps the lowerCamelCase one typed and
//! the other arrives in the record's `extra` map. The helpers here read
//! whichever spelling TT used.

#[cfg(feature = "ttledger")]
impl crate::ttledger::types::Fill {
    /// The exchange execution id, whether TT sent it as `execId` (typed
    /// [`exec_id`](Self::exec_id)) or `execID` (kept in [`extra`](Self::extra)).
    pub fn exec_id_any(&self) -> Option<&str> {
        self.exec_id
            .as_deref()
            .or_else(|| self.extra.get("execID")?.as_str())
    }
}

#[cfg(all(test, feature = "ttledger"))]
mod tests {
    use crate::ttledger::types::Fill;

    fn fill(json: &str) -> Fill {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn exec_id_in_either_spelling() {
        assert_eq!(fill(r#"{"execId":"a"}"#).exec_id_any(), Some("a"));
        assert_eq!(fill(r#"{"execID":"b"}"#).exec_id_any(), Some("b"));
        assert_eq!(
            fill(r#"{"execId":"a","execID":"b"}"#).exec_id_any(),
            Some("a")
        );
        assert_eq!(fill(r#"{"execID":7}"#).exec_id_any(), None);
        assert_eq!(fill("{}").exec_id_any(), None);
    }
}
