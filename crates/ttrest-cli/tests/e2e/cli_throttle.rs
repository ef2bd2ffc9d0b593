//! Throttling that finishes: with every 2nd request answered 429 (`Retry-After:
//! 1`), harsher than the README's `429-every=5` example, a paced export slows
//! down and completes, every time. (Before, a call gave up after three 429s,
//! which concurrent windows made likely: two runs in three exited 4.)

use crate::cli_support;

use cli_support::{run, Setup};
use ttrest_sandbox::{Faults, Sandbox};

#[tokio::test(flavor = "multi_thread")]
async fn an_export_under_throttling_finishes_every_time() {
    let faults = Faults::none()
        .every_429(2)
        .latency(std::time::Duration::from_millis(20));
    let fills = 5_000;
    let setup = Setup::start(Sandbox::builder().fills(fills).faults(faults)).await;
    let dir = tempfile::tempdir().unwrap();
    for n in 0..2 {
        let target = dir.path().join(format!("f{n}.csv"));
        let mut cmd = cli_support::bare(&setup.home);
        cmd.env("TT_APP_KEY", setup.sandbox.app_key())
            .env("TT_APP_SECRET", setup.sandbox.app_secret())
            .args(["--base-url", setup.sandbox.base_url(), "--plan", "high"])
            .args(["fills", "-o", target.to_str().unwrap()]);
        let out = run(cmd).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "run {n}: {err}");
        let rows = std::fs::read_to_string(&target).unwrap().lines().count();
        assert_eq!(rows, fills + 1, "run {n}: every fill");
    }
}
