//! TT's own count of a key's day: `GET /ttid/{env}/keyusage`.
//!
//! TT reports the calls counted against the key's usage plan per UTC day,
//! lagging up to 30 minutes, and needs the `userId` of the key's user to
//! answer (`docs/tt-rest-facts-3.md` §1). Its answer's shape is not
//! documented, so the figure is read leniently: the largest number under a
//! key named like a count (`used`, `usage`, `count`, `calls`, `requests`).

use serde_json::Value;

use crate::error::Error;
use crate::session::Session;

/// Keys whose numbers are taken as the day's count.
const COUNT_KEYS: [&str; 6] = ["used", "usage", "count", "calls", "requests", "callcount"];

impl Session {
    /// Reads TT's own count of today's requests on this key from
    /// `/ttid/{env}/keyusage` and raises the session's count to it when
    /// higher (it never lowers it). Returns TT's figure.
    ///
    /// `None` when it cannot be read: without `user_id` (TT requires the key
    /// user's id), when TT refuses the call, or when its answer holds no
    /// count; each is said once per session at debug level, and counting
    /// goes on locally. Costs one request of the day when `user_id` is given.
    pub async fn read_tt_usage(&self, user_id: Option<&str>) -> Result<Option<u64>, Error> {
        let day = self.shared().day_guard();
        let Some(user_id) = user_id else {
            day.note_once("TT's /keyusage needs the key user's userId (--tt-user-id, TT_USER_ID); counting the day locally only");
            return Ok(None);
        };
        let date = day.key().day.format("%Y-%m-%d").to_string();
        let answer = self
            .ttid()
            .get_keyusage()
            .app_key(self.app_key())
            .user_id(user_id)
            .start_date(&date)
            .end_date(&date)
            .send()
            .await;
        let value = match answer {
            Ok(v) => v.into_inner(),
            Err(e) => {
                let e = Error::from(e);
                if let Error::QuotaExhausted { .. } = e {
                    return Err(e);
                }
                day.note_once(&format!(
                    "TT's /keyusage cannot be read ({e}); counting the day locally only"
                ));
                return Ok(None);
            }
        };
        let Some(used) = count_in(&value) else {
            day.note_once("TT's /keyusage answer holds no count; counting the day locally only");
            return Ok(None);
        };
        self.raise_daily_usage(used).await?;
        Ok(Some(used))
    }
}

/// The largest number under a count-like key anywhere in `value`.
pub(crate) fn count_in(value: &Value) -> Option<u64> {
    match value {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| {
                let named = COUNT_KEYS.contains(&k.to_ascii_lowercase().as_str());
                match (named, v) {
                    (true, Value::Number(n)) => n.as_u64(),
                    (true, Value::String(s)) => s.trim().parse().ok(),
                    _ => count_in(v),
                }
            })
            .max(),
        Value::Array(items) => items.iter().filter_map(count_in).max(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_are_found_in_any_shape() {
        assert_eq!(
            count_in(&json!({"usage": [{"date": "2026-12-05", "used": 1234, "remaining": 8766}]})),
            Some(1234)
        );
        assert_eq!(
            count_in(&json!({"items": {"k": [[1, 512], {"calls": "77"}]}})),
            Some(77)
        );
        assert_eq!(count_in(&json!({"remaining": 10})), None);
        assert_eq!(count_in(&json!([{"count": 3}, {"count": 9}])), Some(9));
    }
}
