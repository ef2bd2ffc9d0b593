//! `SessionBuilder::record` and `SessionBuilder::replay` (and the
//! `test_util::Replay` exchange): a recorded session replays its answers with
//! no network, a recording holds no secret, and ids redaction is consistent.

use crate::scripted_tt;

use scripted_tt::{Tt, HEALTH, KEY, SECRET};
use ttrest::recording::{read_dir, Redaction, REDACTED};
use ttrest::test_util::{Replay, Reply};
use ttrest::{Credentials, Error, Session};

const ACCOUNTS: &str = "/ttaccount/ext_uat_cert/accounts";
const ACCOUNTS_JSON: &str = r#"{"status":"Ok","lastPage":"true","accounts":[{"id":4711,"name":"ACME-FUT"},{"id":4712,"name":"ACME-OPT"}]}"#;

fn all_text(dir: &std::path::Path) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect()
}

#[tokio::test]
async fn a_recorded_session_replays_with_no_network_and_keeps_no_secret() {
    let tt = Tt::new();
    let dir = tempfile::tempdir().unwrap();
    let session = tt.session().record(dir.path()).build().unwrap();
    let live = session.ttid().get_healthcheckstatus().send().await.unwrap();
    let tokens: Vec<String> = tt
        .seen(HEALTH)
        .iter()
        .filter_map(|s| {
            s.headers
                .get("authorization")?
                .to_str()
                .ok()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(tokens.len(), 1);

    let text = all_text(dir.path());
    for secret in [SECRET, KEY, tokens[0].trim_start_matches("Bearer ")] {
        assert!(
            !text.contains(secret),
            "{secret} is in the recording:\n{text}"
        );
    }
    let entries = read_dir(dir.path()).unwrap();
    let ops: Vec<_> = entries
        .iter()
        .map(|l| l.entry.operation.as_deref())
        .collect();
    assert_eq!(
        ops,
        [Some("post_token"), Some("get_healthcheckstatus")],
        "in the order sent"
    );
    assert_eq!(
        entries[0].entry.request_body_text.as_deref(),
        Some("grant_type=user_app&app_key=REDACTED")
    );
    assert_eq!(
        entries[0].entry.body_json().unwrap()["access_token"],
        REDACTED
    );
    assert!(entries[1].entry.query.is_empty(), "no requestId recorded");

    // Replay: no exchange but the recording; any credentials.
    let replayed = Session::builder()
        .credentials(Credentials::new("other", "other").unwrap())
        .replay(dir.path())
        .build()
        .unwrap();
    let again = replayed
        .ttid()
        .get_healthcheckstatus()
        .send()
        .await
        .unwrap();
    assert_eq!(again.into_inner(), live.into_inner());
    let err: Error = replayed
        .account()
        .get_accounts()
        .send()
        .await
        .unwrap_err()
        .into();
    let shown = err.to_string();
    assert!(
        shown.contains("no answer to GET /ttaccount/ext_uat_cert/accounts"),
        "{shown}"
    );
    assert!(
        shown.contains("nearest recorded request is GET /ttid/ext_uat_cert/healthcheckstatus"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_replay_exchange_serves_a_recording_to_a_session_of_your_own() {
    let tt = Tt::new();
    tt.script(ACCOUNTS, [Reply::json(200, ACCOUNTS_JSON)]);
    let dir = tempfile::tempdir().unwrap();
    let session = tt.session().record(dir.path()).build().unwrap();
    let live = session
        .account()
        .get_accounts()
        .send()
        .await
        .unwrap()
        .into_inner();

    let replay = std::sync::Arc::new(Replay::from_dir(dir.path()).unwrap());
    let session = tt.session().exchange(replay).build().unwrap();
    let replayed = session
        .account()
        .get_accounts()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replayed, live);
    assert_eq!(replayed.accounts.as_deref().map(<[_]>::len), Some(2));
}

#[tokio::test]
async fn ids_redaction_gives_each_id_and_name_one_stand_in() {
    let tt = Tt::new();
    let by_id = "/ttaccount/ext_uat_cert/account/4711";
    tt.script(ACCOUNTS, [Reply::json(200, ACCOUNTS_JSON)]);
    tt.script(
        by_id,
        [Reply::json(
            200,
            r#"{"status":"Ok","account":[{"id":4711,"name":"ACME-FUT"}]}"#,
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let session = tt
        .session()
        .record(dir.path())
        .record_redaction(Redaction::Ids)
        .build()
        .unwrap();
    session.account().get_accounts().send().await.unwrap();
    let _ = session
        .account()
        .get_account_by_account_id()
        .account_id(4711)
        .send()
        .await;

    let text = all_text(dir.path());
    assert!(!text.contains("4711") && !text.contains("ACME"), "{text}");
    let entries = read_dir(dir.path()).unwrap();
    let list = entries
        .iter()
        .find(|l| l.entry.path.ends_with("/accounts"))
        .unwrap();
    let one = entries
        .iter()
        .find(|l| l.entry.path.contains("/account/"))
        .unwrap();
    let first = &list.entry.body_json().unwrap()["accounts"][0];
    assert_eq!(
        one.entry.path,
        format!("/ttaccount/ext_uat_cert/account/{}", first["id"])
    );
    assert_eq!(
        one.entry.body_json().unwrap()["account"][0],
        *first,
        "same id, same name, same stand-ins"
    );
}
