//! What a recording hides: secrets always, ids and names on request.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use super::{Redaction, REDACTED};

/// Keys whose values are secrets wherever they appear (lowercase).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "app_key",
    "app_secret",
    "appsecret",
    "secret",
    "client_secret",
    "password",
    "authorization",
    "x-api-key",
    "api_key",
    "apikey",
];

/// What an id or a name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Family {
    Account,
    User,
    Company,
}

impl Family {
    /// First stand-in number of the family's ids.
    fn base(self) -> u64 {
        match self {
            Family::Account => 1_000_000,
            Family::User => 2_000_000,
            Family::Company => 3_000_000,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Family::Account => "account",
            Family::User => "user",
            Family::Company => "company",
        }
    }

    /// The family a key of a JSON object (or a parameter) leads into.
    fn of_container(key: &str) -> Option<Family> {
        let k = key.to_ascii_lowercase();
        if k.contains("account") {
            Some(Family::Account)
        } else if k.contains("user") {
            Some(Family::User)
        } else if k.contains("compan") {
            Some(Family::Company)
        } else {
            None
        }
    }
}

/// An id or a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum What {
    Id(Family),
    Name(Family),
}

/// Whether the value of `key` (inside an object of `family`) is an id or a name.
fn classify(key: &str, family: Option<Family>) -> Option<What> {
    let k = key.to_ascii_lowercase();
    let explicit = match k.as_str() {
        "accountid" | "accountids" | "parentaccountid" | "account" => {
            Some(What::Id(Family::Account))
        }
        "accountname" => Some(What::Name(Family::Account)),
        "userid" | "userids" | "curruserid" | "traderid" | "user" => Some(What::Id(Family::User)),
        "username" | "email" | "firstname" | "lastname" | "displayname" | "tradername" => {
            Some(What::Name(Family::User))
        }
        "companyid" | "companyids" | "company" => Some(What::Id(Family::Company)),
        "companyname" => Some(What::Name(Family::Company)),
        _ => None,
    };
    explicit.or(match (k.as_str(), family) {
        ("id", Some(f)) => Some(What::Id(f)),
        ("name", Some(f)) => Some(What::Name(f)),
        _ => None,
    })
}

/// Stand-ins handed out so far.
#[derive(Default)]
struct StandIns {
    map: HashMap<(Family, String), u64>,
    next: HashMap<Family, u64>,
}

impl StandIns {
    fn number(&mut self, family: Family, original: &str) -> u64 {
        if let Some(n) = self.map.get(&(family, original.to_string())) {
            return *n;
        }
        let next = self.next.entry(family).or_insert(0);
        *next += 1;
        let n = *next;
        self.map.insert((family, original.to_string()), n);
        n
    }
}

/// Redacts one session's recording.
pub(crate) struct Redactor {
    /// Secret strings that must not appear anywhere (credentials, tokens seen).
    secrets: Mutex<Vec<String>>,
    ids: Option<Mutex<StandIns>>,
}

impl Redactor {
    /// A redactor that hides `secrets` (app key, secret...) and, with
    /// [`Redaction::Ids`], ids and names.
    pub(crate) fn new(redaction: Redaction, secrets: Vec<String>) -> Self {
        Redactor {
            secrets: Mutex::new(secrets.into_iter().filter(|s| s.len() >= 4).collect()),
            ids: (redaction == Redaction::Ids).then(|| Mutex::new(StandIns::default())),
        }
    }

    fn remember_secret(&self, s: &str) {
        if s.len() >= 4 && s != REDACTED {
            let mut secrets = self.secrets.lock().unwrap();
            if !secrets.iter().any(|k| k == s) {
                secrets.push(s.to_string());
            }
        }
    }

    /// Replaces every known secret in `text` (the last line of defence).
    pub(crate) fn scrub(&self, text: &str) -> String {
        let secrets = self.secrets.lock().unwrap();
        let mut out = text.to_string();
        // Longest first, so `<key>:<secret>` goes before `<secret>`.
        let mut sorted: Vec<&String> = secrets.iter().collect();
        sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in sorted {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// The stand-in of a scalar id or name, keeping its JSON type.
    fn stand_in(&self, what: What, value: &Value) -> Option<Value> {
        let ids = self.ids.as_ref()?;
        let mut ids = ids.lock().unwrap();
        let text = match value {
            Value::String(s) if s.is_empty() => return None,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let numeric = text.chars().all(|c| c.is_ascii_digit());
        // An id field holding a name (`"account": "ACME-1"`) is that name.
        let what = match what {
            What::Id(f) if !numeric => What::Name(f),
            w => w,
        };
        Some(match what {
            What::Id(f) => {
                let n = f.base() + ids.number(f, &text);
                match value {
                    Value::Number(_) => Value::from(n),
                    _ => Value::from(n.to_string()),
                }
            }
            What::Name(f) => {
                // A name shares the numbering of the ids of its family.
                let n = ids.number(f, &format!("name:{text}"));
                Value::from(format!("{}-{n}", f.word()))
            }
        })
    }

    /// Redacts a JSON body in place; tokens found are remembered and
    /// scrubbed from everything written later.
    pub(crate) fn json(&self, value: &mut Value) {
        self.json_in(value, None);
    }

    fn json_in(&self, value: &mut Value, family: Option<Family>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    let lower = key.to_ascii_lowercase();
                    if SECRET_KEYS.contains(&lower.as_str()) {
                        if let Value::String(s) = v {
                            self.remember_secret(s);
                        }
                        if !v.is_null() {
                            *v = Value::from(REDACTED);
                        }
                        continue;
                    }
                    if let Some(what) = classify(key, family) {
                        self.scalar_or_list(what, v);
                        if !(v.is_object() || v.is_array()) {
                            continue;
                        }
                    }
                    self.json_in(v, Family::of_container(key).or(family));
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.json_in(item, family);
                }
            }
            _ => {}
        }
    }

    fn scalar_or_list(&self, what: What, v: &mut Value) {
        match v {
            Value::Array(items) => {
                for item in items.iter_mut().filter(|i| !i.is_object()) {
                    self.scalar_or_list(what, item);
                }
            }
            Value::String(s) if s.contains(',') && matches!(what, What::Id(_)) => {
                let parts: Vec<String> = s
                    .split(',')
                    .map(|p| match self.stand_in(what, &Value::from(p.trim())) {
                        Some(Value::String(x)) => x,
                        _ => p.to_string(),
                    })
                    .collect();
                *s = parts.join(",");
            }
            other => {
                if let Some(new) = self.stand_in(what, other) {
                    *other = new;
                }
            }
        }
    }

    /// Redacts query parameters (or form fields): secrets always, ids on request.
    pub(crate) fn pairs(&self, pairs: &mut [(String, String)]) {
        for (key, value) in pairs.iter_mut() {
            if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                self.remember_secret(value);
                if let Some((_, secret)) = value.split_once(':') {
                    self.remember_secret(secret);
                }
                *value = REDACTED.to_string();
                continue;
            }
            if let Some(what) = classify(key, None) {
                let mut v = Value::from(value.clone());
                self.scalar_or_list(what, &mut v);
                if let Value::String(s) = v {
                    *value = s;
                }
            }
        }
    }

    /// The path with id path parameters replaced (ids mode only).
    pub(crate) fn path(&self, path: &str, params: &[(String, String)]) -> String {
        if self.ids.is_none() || params.is_empty() {
            return path.to_string();
        }
        let mut segments: Vec<String> = path.split('/').map(str::to_string).collect();
        for (name, value) in params {
            let Some(what) = classify(name, None) else {
                continue;
            };
            let Some(Value::String(new)) = self.stand_in(what, &Value::from(value.clone())) else {
                continue;
            };
            // Path parameters are whole segments: replace the last equal one.
            if let Some(seg) = segments.iter_mut().rev().find(|s| *s == value) {
                *seg = new;
            }
        }
        segments.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_are_hidden_and_remembered() {
        let r = Redactor::new(Redaction::Secrets, vec!["key-1:s3cr3t".into()]);
        let mut body =
            json!({"status": "Ok", "access_token": "tok-abc-123", "seconds_until_expiry": 5});
        r.json(&mut body);
        assert_eq!(body["access_token"], REDACTED);
        assert_eq!(body["seconds_until_expiry"], 5);
        assert_eq!(
            r.scrub("Bearer tok-abc-123 and key-1:s3cr3t"),
            "Bearer REDACTED and REDACTED"
        );
        let mut form = vec![
            ("grant_type".to_string(), "user_app".to_string()),
            ("app_key".to_string(), "k:other-secret".to_string()),
        ];
        r.pairs(&mut form);
        assert_eq!(form[1].1, REDACTED);
        assert_eq!(r.scrub("x other-secret y"), "x REDACTED y");
    }

    #[test]
    fn ids_get_the_same_stand_in_every_time() {
        let r = Redactor::new(Redaction::Ids, vec![]);
        let mut a =
            json!({"accounts": [{"id": 77, "name": "ACME-1"}, {"id": 78, "name": "ACME-2"}]});
        let mut b =
            json!({"fills": [{"accountId": 77, "userId": "55", "account": "ACME-1", "price": 77}]});
        r.json(&mut a);
        r.json(&mut b);
        assert_eq!(a["accounts"][0]["id"], b["fills"][0]["accountId"]);
        assert_ne!(a["accounts"][0]["id"], a["accounts"][1]["id"]);
        assert_eq!(b["fills"][0]["price"], 77, "other fields are kept");
        assert_eq!(
            b["fills"][0]["userId"],
            json!("2000001"),
            "string ids stay strings"
        );
        assert!(!a.to_string().contains("ACME"), "{a}");
        let mut q = vec![("accountIds".to_string(), "77,78".to_string())];
        r.pairs(&mut q);
        assert_eq!(
            q[0].1,
            format!("{},{}", a["accounts"][0]["id"], a["accounts"][1]["id"])
        );
        let path = r.path(
            "/ttaccount/x/account/77",
            &[("accountId".into(), "77".into())],
        );
        assert_eq!(
            path,
            format!("/ttaccount/x/account/{}", a["accounts"][0]["id"])
        );
    }

    #[test]
    fn without_ids_mode_ids_are_kept() {
        let r = Redactor::new(Redaction::Secrets, vec![]);
        let mut a = json!({"accountId": 77, "name": "ACME"});
        r.json(&mut a);
        assert_eq!(a, json!({"accountId": 77, "name": "ACME"}));
    }
}
