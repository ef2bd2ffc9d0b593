//! Small helpers on generated record types, for fields TT spells more than one way.
//!
//! When two spellings of a field map to one Rust name (`execId` and `execID`
//! are both `exec_id`), the normalizer keeps the lowerCamelCase one typed and
//! the other arrives in the record's `extra` map. The helpers here read
//! whichever spelling TT used. Where both spellings have distinct Rust names
//! (`firstName` is `first_name`, `firstname` is `firstname`), both are typed and
//! the helpers pick whichever is present.
//!
//! Nothing here (nor in the fills stream) identifies a fill by `execId` alone:
//! TT leaves it out of some fills and reuses it across different ones
//! (`docs/tt-rest-facts-2.md` §3). Fills are told apart by `recordId`, then
//! `uniqueExecId`.

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

#[cfg(feature = "ttuser")]
impl crate::ttuser::types::User {
    /// The first name, whether TT spelled it `firstName` (single-user record) or
    /// `firstname` (lists).
    pub fn first_name_any(&self) -> Option<&str> {
        self.first_name.as_deref().or(self.firstname.as_deref())
    }

    /// The last name, whether TT spelled it `lastName` (single-user record) or
    /// `lastname` (lists).
    pub fn last_name_any(&self) -> Option<&str> {
        self.last_name.as_deref().or(self.lastname.as_deref())
    }
}

#[cfg(all(test, feature = "ttuser"))]
mod user_tests {
    use crate::ttuser::types::User;

    #[test]
    fn names_in_either_spelling() {
        let user = |json: &str| serde_json::from_str::<User>(json).unwrap();
        let single = user(r#"{"firstName":"A","lastName":"B"}"#);
        assert_eq!(
            (single.first_name_any(), single.last_name_any()),
            (Some("A"), Some("B"))
        );
        let listed = user(r#"{"firstname":"C","lastname":"D"}"#);
        assert_eq!(
            (listed.first_name_any(), listed.last_name_any()),
            (Some("C"), Some("D"))
        );
        assert_eq!(user("{}").first_name_any(), None);
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
