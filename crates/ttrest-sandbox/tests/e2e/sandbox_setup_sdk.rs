//! The endpoints and records of `docs/tt-rest-facts-2.md` through ttrest's own
//! session against the sandbox: the paged GETs of TT's Setup SDK, typed where
//! REST 1.0 shows a shape, and spread fills (a parent, then its legs) in the
//! fills stream.

use futures::TryStreamExt;
use ttrest::paginate::{PaginatedExt, TimePagedExt};
use ttrest::scalar::{Code, TtId};
use ttrest::{Credentials, Plan, Session};
use ttrest_sandbox::Sandbox;

fn session(sb: &Sandbox) -> Session {
    Session::builder()
        .root_url(sb.base_url())
        .credentials(Credentials::new(sb.app_key(), sb.app_secret()).unwrap())
        .plan(Plan::Unlimited)
        .build()
        .unwrap()
}

#[tokio::test]
async fn order_tag_defaults_and_fields_page_into_typed_records() {
    let sb = Sandbox::builder().seed(5).fills(10).start().await.unwrap();
    let session = session(&sb);
    let defaults: Vec<_> = session
        .setup()
        .get_ordertagdefaults()
        .items()
        .try_collect()
        .await
        .unwrap();
    let users: Vec<_> = session
        .user()
        .get_users()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(defaults.iter().all(|d| d.value.is_some()));
    let fields: Vec<_> = session
        .setup()
        .get_ordertagdefaults_fields()
        .items()
        .try_collect()
        .await
        .unwrap();
    // One default per user and field, each once: sorted (user, field) pairs.
    let mut got: Vec<(i64, TtId)> = defaults
        .iter()
        .map(|d| (d.user_id.unwrap(), d.field_id.unwrap()))
        .collect();
    got.sort_unstable();
    let mut want: Vec<(i64, TtId)> = users
        .iter()
        .flat_map(|u| {
            fields
                .iter()
                .map(move |f| (u.id.unwrap(), f.field_id.unwrap()))
        })
        .collect();
    want.sort_unstable();
    assert_eq!(want.len(), users.len() * 2, "two fields");
    assert_eq!(got, want, "one default per user and field");
    let capacity = fields
        .iter()
        .find(|f| f.field_id == Some(TtId::new(2)))
        .expect("the order-capacity field");
    let codes: Vec<Code> = capacity
        .enums
        .iter()
        .flatten()
        .filter_map(|e| e.value_enum_id.clone())
        .collect();
    assert_eq!(codes, [Code::from(1), Code::from(2)]);

    let margins: Vec<_> = session
        .setup()
        .get_company_productmargin_by_company_id()
        .company_id(4242)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(!margins.is_empty());
}

#[tokio::test]
async fn child_accounts_page_and_account_users_filter() {
    let sb = Sandbox::builder().seed(6).fills(10).start().await.unwrap();
    let session = session(&sb);
    let accounts: Vec<_> = session
        .account()
        .get_accounts()
        .items()
        .try_collect()
        .await
        .unwrap();
    let parent = accounts[0].id.unwrap();
    let children: Vec<_> = session
        .account()
        .get_account_by_account_id_children()
        .account_id(parent)
        .items()
        .try_collect()
        .await
        .unwrap();
    let expected = accounts
        .iter()
        .filter(|a| a.parent_account_id == Some(parent))
        .count();
    assert!(expected > 0);
    assert_eq!(children.len(), expected);

    let links = session
        .account()
        .get_accountuser()
        .account_id(parent)
        .send()
        .await
        .unwrap()
        .into_inner();
    let links = links["accountUsers"].as_array().unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["accountId"], parent);
}

#[tokio::test]
async fn spread_parent_and_legs_come_through_the_fills_stream() {
    let sb = Sandbox::builder()
        .seed(8)
        .fills(3_000)
        .start()
        .await
        .unwrap();
    let session = session(&sb);
    let fills: Vec<_> = session
        .ledger()
        .get_fills()
        .fills(0)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fills.len(), 3_000);
    let code = |c: &Option<Code>| c.as_ref().and_then(Code::as_i64);
    let parent = fills
        .iter()
        .position(|f| code(&f.multi_leg_reporting_type) == Some(3))
        .expect("a spread parent fill");
    let (spread, legs) = (&fills[parent], &fills[parent + 1..]);
    let leg = legs
        .iter()
        .find(|f| f.order_id == spread.order_id)
        .expect("the parent's legs follow it");
    assert_eq!(code(&leg.multi_leg_reporting_type), Some(2));
    assert_eq!(leg.parent_instrument_id, spread.instrument_id);
    assert_eq!(leg.time_stamp, spread.time_stamp);
    assert_ne!(leg.instrument_id, spread.instrument_id);
    assert_eq!(
        spread.exec_id, spread.unique_exec_id,
        "alphanumeric parent execId"
    );
    assert!(leg
        .exec_id
        .as_deref()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_digit()));
    // Real-data keys in every generated fill.
    assert!(fills.iter().all(|f| f.trade_date.is_some()
        && f.time_sent_tt.is_some()
        && f.message_type.is_some()
        && f.ord_status.as_ref().is_some_and(Code::is_number)));
}
