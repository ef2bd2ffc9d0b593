//! The key's day in the CLI: one count shared by every process on the host,
//! a spent day exits 4 naming the quota, `ttrest usage`, and fills windows
//! whose 408/504 come back at once.

use crate::cli_support::{self, run, Setup};

use ttrest_sandbox::{Faults, Sandbox};

/// The day's count file of the sandbox's key under the test's HOME.
fn count_file(setup: &Setup) -> std::path::PathBuf {
    setup.home.path().join(".local/state/ttrest").join(format!(
        "requests-ext_uat_cert-{}.day",
        setup.sandbox.app_key()
    ))
}

/// The count of today in the file.
fn counted(setup: &Setup) -> u64 {
    let text = std::fs::read_to_string(count_file(setup)).expect("the count file exists");
    let today = chrono::Utc::now().date_naive().to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{today} ")))
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no count of {today} in {text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_add_to_one_count_and_a_spent_day_exits_4() {
    let setup = Setup::start(Sandbox::builder().faults(Faults::none().daily_cap(1_000))).await;
    let out = run(setup.ttrest(&["--no-token-cache", "accounts"])).await;
    cli_support::ok(&out);
    let first = counted(&setup);
    assert!(first >= 2, "a token and a page at least: {first}");
    let out = run(setup.ttrest(&["--no-token-cache", "accounts"])).await;
    cli_support::ok(&out);
    assert_eq!(
        counted(&setup),
        first * 2,
        "the second process added to the same count"
    );

    // A cap this count has passed: refused before sending, exit 4.
    let before = setup.sandbox.counters().requests;
    let out = run(setup.ttrest(&["--no-token-cache", "--daily-limit", "3", "accounts"])).await;
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("daily quota"), "{err}");
    assert!(
        err.contains(&format!("{} requests counted today of 3", first * 2)),
        "{err}"
    );
    assert!(
        err.contains("00:00 UTC") && err.contains("local time"),
        "{err}"
    );
    assert_eq!(setup.sandbox.counters().requests, before, "nothing sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_count_that_cannot_be_kept_exits_5_naming_the_file_and_sends_nothing() {
    let setup = Setup::start(Sandbox::builder()).await;
    // A file where the state directory should be: no user, root included,
    // can create the count below it.
    let blocked = setup.home.path().join("state-is-a-file");
    std::fs::write(&blocked, "").unwrap();
    let mut cmd = setup.ttrest(&["--no-token-cache", "accounts"]);
    cmd.env("XDG_STATE_HOME", &blocked);
    let out = run(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("count the key's requests"), "{err}");
    assert!(
        err.contains(&blocked.join("ttrest").display().to_string()),
        "names the file: {err}"
    );
    assert!(err.contains("XDG_STATE_HOME"), "says what to do: {err}");
    assert!(!err.contains("TT_APP_KEY"), "not a credentials hint: {err}");
    assert_eq!(
        setup.sandbox.counters().requests,
        0,
        "nothing sent uncounted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn limit_exceeded_from_tt_exits_4_without_retrying() {
    let setup = Setup::start(Sandbox::builder().faults(Faults::none().daily_cap(1))).await;
    let out = run(setup.ttrest(&["--no-token-cache", "accounts"])).await;
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Limit Exceeded") && err.contains("daily quota"),
        "{err}"
    );
    // The token, then one refused call: no retries.
    assert_eq!(setup.sandbox.counters().requests, 2);
    // The next run stops before sending anything.
    let out = run(setup.ttrest(&["--no-token-cache", "accounts"])).await;
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(setup.sandbox.counters().requests, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_shows_the_count_the_cap_and_tt_s_figure() {
    let setup = Setup::start(Sandbox::builder()).await;
    cli_support::ok(&run(setup.ttrest(&["--no-token-cache", "accounts"])).await);
    let out = run(setup.ttrest(&["--daily-limit", "10000", "usage"])).await;
    let text = cli_support::ok(&out);
    assert!(
        text.contains("daily cap:      10000, of which 500 kept in reserve"),
        "{text}"
    );
    assert!(text.contains("not read (give --tt-user-id"), "{text}");
    assert!(
        text.contains("resets:") && text.contains("00:00 UTC"),
        "{text}"
    );
    let out = run(setup.ttrest(&["--no-token-cache", "--tt-user-id", "1", "usage"])).await;
    let text = cli_support::ok(&out);
    assert!(text.contains("TT's count:     "), "{text}");
    assert!(!text.contains("not read"), "{text}");
}

/// A raw call of a time-windowed operation gets TT's 408/504 back at once
/// (the window is too wide; repeating it cannot help), and `ttrest fills`,
/// which halves such windows, still exports every fill.
#[tokio::test(flavor = "multi_thread")]
async fn fills_windows_get_408_and_504_back_at_once() {
    for status in [408u16, 504] {
        let probe = Sandbox::builder().fills(2_000).start().await.unwrap();
        let ts = probe.fill_timestamps();
        let (first, last) = (*ts.iter().min().unwrap(), *ts.iter().max().unwrap());
        // Windows wider than an eighth of the fills' span time out.
        let faults = Faults::none()
            .timeout_window_ns((last - first) / 8)
            .timeout_status(status);
        let setup = Setup::start(Sandbox::builder().fills(2_000).faults(faults)).await;
        // `--until` is exclusive: one past the last fill.
        let (since, until) = (format!("{first}ns"), format!("{}ns", last + 1));
        let out = run(setup.ttrest(&[
            "--no-token-cache",
            "call",
            "ttledger",
            "get_fills",
            "-p",
            "minTimestamp=0",
            "-p",
            "maxTimestamp=9000000000000000000",
        ]))
        .await;
        assert_eq!(out.status.code(), Some(4), "{status}");
        let c = setup.sandbox.counters();
        assert_eq!(
            (c.requests, c.timeouts),
            (2, 1),
            "{status}: a token and one window"
        );

        let out = run(setup.ttrest(&[
            "--no-token-cache",
            "fills",
            "--since",
            &since,
            "--until",
            &until,
            "--format",
            "jsonl",
        ]))
        .await;
        let text = cli_support::ok(&out);
        assert_eq!(text.lines().count(), 2_000, "{status}");
        assert_eq!(
            counted(&setup),
            setup.sandbox.counters().requests,
            "{status}: the day's count is every request the sandbox saw"
        );
    }
}
