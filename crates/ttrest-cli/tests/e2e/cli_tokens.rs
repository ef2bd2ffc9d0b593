//! The token cache heals: a refused token is dropped (in memory and in
//! `tokens.json`) and replaced; the cache is keyed by the credentials; `ttrest
//! token` says whether it asked TT.

use crate::cli_support;

use cli_support::{ok, run, Setup};
use ttrest_sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_sandbox_does_not_strand_the_cached_token() {
    let setup = Setup::start(Sandbox::builder().fills(5)).await;
    ok(&run(setup.ttrest(&["accounts"])).await);
    let cache = setup.home.path().join(".cache/ttrest/tokens.json");
    let before = std::fs::read_to_string(&cache).expect("the token was cached");
    // A new instance on the same address with the same credentials: it knows
    // none of the old instance's tokens.
    let addr: std::net::SocketAddr = setup
        .sandbox
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let Setup { sandbox, home } = setup;
    sandbox.shutdown().await;
    let restarted = Setup {
        sandbox: Sandbox::builder()
            .fills(5)
            .addr(addr)
            .start()
            .await
            .unwrap(),
        home,
    };
    let out = run(restarted.ttrest(&["accounts"])).await;
    ok(&out);
    assert_eq!(
        restarted.sandbox.counters().tokens_issued,
        1,
        "one new token"
    );
    let after = std::fs::read_to_string(&cache).unwrap();
    assert_ne!(before, after, "the file holds the new token");
    // And the next run uses it without asking again.
    ok(&run(restarted.ttrest(&["accounts"])).await);
    assert_eq!(restarted.sandbox.counters().tokens_issued, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cache_is_keyed_by_the_secret_and_token_says_what_it_checked() {
    let setup = Setup::start(Sandbox::builder().fills(1)).await;
    let first = ok(&run(setup.ttrest(&["token"])).await);
    assert!(first.contains("checked with TT"), "{first}");
    let cached = ok(&run(setup.ttrest(&["token"])).await);
    assert!(cached.contains("not checked with TT"), "{cached}");
    assert!(cached.contains("--fresh"), "{cached}");
    assert_eq!(setup.sandbox.counters().tokens_issued, 1);
    let fresh = ok(&run(setup.ttrest(&["token", "--fresh"])).await);
    assert!(
        fresh.contains("checked with TT") && !fresh.contains("not checked"),
        "{fresh}"
    );
    assert_eq!(setup.sandbox.counters().tokens_issued, 2);
    // A wrong secret is not answered from the cache.
    let mut wrong = setup.ttrest(&["token"]);
    wrong.env("TT_APP_SECRET", "not-the-secret");
    let out = run(wrong).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let cache = setup.home.path().join(".cache/ttrest/tokens.json");
    let text = std::fs::read_to_string(cache).unwrap();
    assert!(
        !text.contains(setup.sandbox.app_secret()),
        "never the secret"
    );
}
