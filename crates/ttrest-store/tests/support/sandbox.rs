//! The TT sandbox, as the store's tests use it: the one place that names it.

use futures::future::BoxFuture;
use futures::FutureExt;
use ttrest::paginate::{FetchError, FillsWindow, RawFill, TimePaged};
use ttrest::{Credentials, Plan, Session};
use ttrest_sandbox::Sandbox;

/// A sandbox with `fills` fills and a session on it (no rate limit).
pub async fn start(seed: u64, fills: usize) -> (Sandbox, Session) {
    let sandbox = Sandbox::builder()
        .seed(seed)
        .fills(fills)
        .start()
        .await
        .expect("sandbox starts");
    let session = Session::builder()
        .root_url(sandbox.base_url())
        .credentials(Credentials::new(sandbox.app_key(), sandbox.app_secret()).unwrap())
        .plan(Plan::Unlimited)
        .build()
        .unwrap();
    (sandbox, session)
}

/// One `/fills` request for a window, each fill as its JSON text.
pub fn fetch(
    session: &Session,
) -> impl Fn(FillsWindow) -> BoxFuture<'static, Result<Vec<RawFill>, FetchError>> + Clone + Send + 'static
{
    let client = session.ledger();
    move |window| {
        let client = client.clone();
        async move {
            let fills = client.get_fills().for_window(&window).fetch_fills().await?;
            Ok(fills
                .iter()
                .map(|f| {
                    let json = serde_json::to_string(f).expect("a fill serializes");
                    RawFill::from_json(&json).expect("a fill is a JSON object")
                })
                .collect())
        }
        .boxed()
    }
}
