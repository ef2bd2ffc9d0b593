//! `requestId` checks: TT's `<app>-<company>--<uuid>` shape, and no reuse.

use std::collections::HashSet;
use std::sync::Mutex;

/// Characters TT's docs say a `requestId` must not contain (plus space).
const FORBIDDEN: &str = "$&+,/:;=?@\"<>#%{}|\\^~[]` ";

/// Why a `requestId` was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// Absent, or not `<app>-<company>--<uuid>`; the text says what is wrong.
    Malformed(&'static str),
    /// Seen before on this sandbox.
    Reused,
}

impl Rejection {
    /// The `status_message` sent back.
    pub(crate) fn message(&self) -> String {
        match self {
            Rejection::Malformed(why) => format!(
                "Invalid requestId: {why}; expected <app>-<company>--<uuid>, e.g. myApp-myCompany--0f8fad5b-d9cb-469f-a165-70867728950e"
            ),
            Rejection::Reused => "Duplicate requestId: send a fresh requestId on every call".into(),
        }
    }
}

/// Checks the shape of a `requestId` without recording it.
pub(crate) fn check_format(id: &str) -> Result<(), Rejection> {
    if id.chars().any(|c| FORBIDDEN.contains(c) || c.is_control()) {
        return Err(Rejection::Malformed("it contains a character TT forbids"));
    }
    let (prefix, uuid) = id
        .rsplit_once("--")
        .ok_or(Rejection::Malformed("no `--` before the uuid"))?;
    if uuid.len() != 36 || uuid::Uuid::try_parse(uuid).is_err() {
        return Err(Rejection::Malformed(
            "the part after `--` is not a hyphenated uuid",
        ));
    }
    match prefix.split_once('-') {
        Some((app, company)) if !app.is_empty() && !company.is_empty() => Ok(()),
        _ => Err(Rejection::Malformed(
            "the part before `--` is not <app>-<company>",
        )),
    }
}

/// Every `requestId` seen so far.
#[derive(Debug, Default)]
pub(crate) struct Seen(Mutex<HashSet<String>>);

impl Seen {
    /// Checks the shape, then records the id, refusing one seen before.
    pub(crate) fn admit(&self, id: Option<&str>) -> Result<(), Rejection> {
        let id = id.ok_or(Rejection::Malformed(
            "the requestId query parameter is missing",
        ))?;
        check_format(id)?;
        let fresh = self
            .0
            .lock()
            .expect("requestId set poisoned")
            .insert(id.to_string());
        if fresh {
            Ok(())
        } else {
            Err(Rejection::Reused)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn accepts_tt_shape() {
        assert_eq!(check_format(&format!("myApp-myCompany--{UUID}")), Ok(()));
        assert_eq!(
            check_format(&format!("PyFillDownloader-Acme-Corp--{UUID}")),
            Ok(())
        );
    }

    #[test]
    fn rejects_bad_shapes() {
        for bad in [
            format!("myApp--{UUID}"),
            format!("-co--{UUID}"),
            "myApp-co--not-a-uuid".to_string(),
            format!("my App-co--{UUID}"),
            format!("my/App-co--{UUID}"),
            UUID.to_string(),
        ] {
            assert!(
                matches!(check_format(&bad), Err(Rejection::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_reuse_and_missing() {
        let seen = Seen::default();
        let id = format!("a-b--{UUID}");
        assert_eq!(seen.admit(Some(&id)), Ok(()));
        assert_eq!(seen.admit(Some(&id)), Err(Rejection::Reused));
        assert!(matches!(seen.admit(None), Err(Rejection::Malformed(_))));
    }
}
