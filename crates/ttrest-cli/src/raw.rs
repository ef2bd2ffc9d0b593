//! Fills kept as the JSON text TT sent: the library's [`RawFill`] (see
//! `ttrest::paginate::RawFill`), with this CLI's errors for a page.

use bytes::Bytes;
use ttrest::paginate::FillsPageError;
pub use ttrest::paginate::RawFill;
use ttrest::Error;

use crate::exit::ApiError;
use crate::request::{not_json, Call};

/// The fills of one `/fills` answer, or the failure TT's envelope reports.
pub fn fills_page(body: Bytes, call: &Call) -> Result<Vec<RawFill>, ApiError> {
    ttrest::paginate::fills_page(body.clone()).map_err(|e| match e {
        FillsPageError::NotJson(e) => not_json(call, &body, &e),
        FillsPageError::Failed(tt) => ApiError::Tt(Error::Tt {
            call: Box::new(call.info.clone()),
            status: call.status,
            tt,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ttrest::paginate::FillRecord;

    fn call() -> Call {
        Call {
            info: ttrest::CallInfo::default(),
            status: reqwest::StatusCode::OK,
        }
    }

    #[test]
    fn a_page_is_cut_into_fills_with_time_and_key() {
        let body = br#"{"status":"Ok","fills":[{"recordId":"r1","timeStamp":"17","x":[1,2]}]}"#;
        let fills = fills_page(Bytes::from_static(body), &call()).unwrap();
        assert_eq!(
            fills[0].json(),
            r#"{"recordId":"r1","timeStamp":"17","x":[1,2]}"#
        );
        assert_eq!(
            (fills[0].timestamp(), fills[0].dedup_key()),
            (Some(17), "r:r1".into())
        );
    }

    #[test]
    fn a_failed_envelope_is_an_error_and_bad_json_says_so() {
        let failed = br#"{"status":"Fail","status_message":"nope"}"#;
        let err = fills_page(Bytes::from_static(failed), &call()).unwrap_err();
        assert!(format!("{err:?}").contains("nope"), "{err:?}");
        let err = fills_page(Bytes::from_static(b"<html>"), &call()).unwrap_err();
        assert!(format!("{err:?}").contains("not JSON"), "{err:?}");
    }
}
