//! What a new user meets: secrets kept out of `--help`, nonsense refused
//! loudly, time ranges that partition, columns checked, one Ctrl-C exit code,
//! completions, a man page and a version that names its specs.

#![cfg(unix)]

use crate::cli_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use cli_support::{ok, run, Setup};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;
use ttrest_sandbox::{Faults, Sandbox};

fn ttrest(home: &tempfile::TempDir) -> Command {
    Command::from_std(cli_support::bare(home))
}

/// Every command path of `ttrest --help`, subcommands included.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["fills"],
    &["orders"],
    &["positions"],
    &["accounts"],
    &["users"],
    &["markets"],
    &["products"],
    &["instruments"],
    &["orderdata"],
    &["sync"],
    &["sync", "fills"],
    &["sync", "positions"],
    &["sync", "orders"],
    &["call"],
    &["token"],
    &["sandbox"],
    &["completions"],
    &["man"],
];

#[test]
fn help_never_shows_a_secret_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    for command in COMMANDS {
        let out = ttrest(&home)
            .env("TTREST_DB", "postgres://me:pw-sekrit@db.example/ttrest")
            .env("TT_APP_KEY", "key-sekrit")
            .env("TT_APP_SECRET", "key-sekrit:secret-sekrit")
            .args(*command)
            .arg("--help")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command:?}: {text}");
        assert!(
            !text.contains("sekrit"),
            "{command:?} --help shows a secret:\n{text}"
        );
    }
}

#[test]
fn nonsense_limits_are_refused_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    ttrest(&home)
        .args(["--plan", "0.01", "accounts"])
        .assert()
        .code(2)
        .stderr(contains("0.1"));
    ttrest(&home)
        .args(["fills", "--follow", "--interval", "0"])
        .assert()
        .code(2)
        .stderr(contains("--interval"));
    ttrest(&home)
        .args([
            "sync",
            "fills",
            "--db",
            "sqlite:x.db",
            "--follow",
            "--interval",
            "0.01",
        ])
        .assert()
        .code(2)
        .stderr(contains("--interval"));
    ttrest(&home)
        .args(["--timeout", "0", "accounts"])
        .assert()
        .code(2)
        .stderr(contains("--timeout"));
    for faults in [
        "429-every=0",
        "5xx-every=0",
        "redirect-every=0",
        "truncate-every=0",
    ] {
        ttrest(&home)
            .args(["sandbox", "--faults", faults])
            .assert()
            .code(2)
            .stderr(contains("every").and(contains("at least 1")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_bounds_a_silent_server() {
    let slow = Faults::none().latency(Duration::from_secs(30));
    let setup = Setup::start(Sandbox::builder().fills(1).faults(slow)).await;
    let out = run(setup.ttrest(&["--timeout", "0.2", "markets"])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("--timeout"), "the hint names the flag: {err}");
    assert!(!err.contains("SessionBuilder"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_root_path_is_not_reported_as_a_refused_key() {
    let setup = Setup::start(Sandbox::builder().fills(1)).await;
    let mut cmd = cli_support::bare(&setup.home);
    cmd.env("TT_APP_KEY", setup.sandbox.app_key())
        .env("TT_APP_SECRET", setup.sandbox.app_secret())
        .args([
            "--base-url",
            &format!("{}/ttid", setup.sandbox.base_url()),
            "--quiet",
            "accounts",
        ]);
    let out = run(cmd).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("refused the app key"), "{err}");
    assert!(err.contains("Missing Authentication Token"), "{err}");
    assert!(err.contains("--base-url") && err.contains("--env"), "{err}");
}

/// Exports `fills` as JSON lines with `args`, returning the timestamps.
async fn stamps(setup: &Setup, args: &[&str]) -> Vec<u64> {
    let mut all = vec!["fills", "--format", "jsonl"];
    all.extend_from_slice(args);
    ok(&run(setup.ttrest(&all)).await)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["timeStamp"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn consecutive_ranges_partition_the_fills() {
    let setup = Setup::start(Sandbox::builder().seed(7).fills(600)).await;
    let ts = setup.sandbox.fill_timestamps();
    let cut = ts[300];
    let cut_ns = format!("{cut}ns");
    let before = stamps(&setup, &["--until", &cut_ns]).await;
    let after = stamps(&setup, &["--since", &cut_ns]).await;
    assert!(!before.contains(&cut), "--until excludes its instant");
    assert!(after.contains(&cut), "--since includes its instant");
    let mut both = before.clone();
    both.extend(&after);
    assert_eq!(both, ts, "every fill once, in order");
    assert!(stamps(&setup, &["--since", &cut_ns, "--until", &cut_ns])
        .await
        .is_empty());
    // Seconds and milliseconds say the same instant.
    let secs = cut / 1_000_000_000;
    let in_s = stamps(&setup, &["--since", &format!("{secs}s")]).await;
    let in_ms = stamps(&setup, &["--since", &format!("{}ms", secs * 1000)]).await;
    assert_eq!(in_s, in_ms);
    assert!(in_s.iter().all(|t| *t >= secs * 1_000_000_000));
}

#[test]
fn epoch_numbers_need_their_unit() {
    let home = tempfile::tempdir().unwrap();
    for bare in ["1795185000", "1795185000123", "20261120"] {
        ttrest(&home)
            .args(["fills", "--since", bare])
            .assert()
            .code(2)
            .stderr(
                contains("1795185000s")
                    .and(contains("RFC 3339"))
                    .and(contains("today")),
            );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_times_and_trading_days_are_accepted() {
    let setup = Setup::start(Sandbox::builder().fills(5)).await;
    for args in [
        &["--since", "today"][..],
        &["--since", "yesterday", "--until", "today"],
        &["--since", "1d"],
        &["--since", "90m"],
        &[
            "--since",
            "2026-11-20",
            "--tz",
            "America/Chicago",
            "--day-start",
            "17:00",
        ],
    ] {
        stamps(&setup, args).await;
    }
    let home = tempfile::tempdir().unwrap();
    ttrest(&home)
        .args(["fills", "--since", "2026-11-20", "--tz", "Mars/Olympus"])
        .assert()
        .code(2)
        .stderr(contains("Mars/Olympus"));
}

#[tokio::test(flavor = "multi_thread")]
async fn columns_are_checked_and_the_defaults_tell_spreads_apart() {
    let setup = Setup::start(Sandbox::builder().fills(5)).await;
    let csv = ok(&run(setup.ttrest(&["fills"])).await);
    let header = csv.lines().next().unwrap();
    for column in ["multiLegReportingType", "parentInstrumentId", "tradeDate"] {
        assert!(
            header.split(',').any(|h| h == column),
            "{column} in {header}"
        );
    }
    let both = ok(&run(setup.ttrest(&["fills", "--columns", "timeStamp,t:@timeStamp"])).await);
    assert_eq!(both.lines().next(), Some("timeStamp,t"));
    for (columns, says) in [
        ("lastpx", "lastPx"),
        ("", "empty"),
        ("timeStamp,,lastPx", "empty"),
    ] {
        let out = run(setup.ttrest(&["fills", "--columns", columns])).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{columns:?}: {err}");
        assert!(err.contains(says), "{columns:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_exits_130_in_every_command() {
    let setup = Setup::start(Sandbox::builder().fills(5)).await;
    let mut cmd = setup.ttrest(&[
        "fills",
        "--follow",
        "--interval",
        "0.5",
        "--format",
        "jsonl",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    // Wait for the export to be under way: a request reached the sandbox.
    let started = Instant::now();
    while setup.sandbox.counters().tokens_issued == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130), "fills --follow");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        5,
        "kept what it wrote"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    assert!(!readme.contains("also `--follow`"), "the README's table");
}

#[test]
fn completions_man_page_and_version() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        ttrest(&home)
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(contains("ttrest").and(contains("since")));
    }
    ttrest(&home)
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH").and(contains("ttrest")));
    ttrest(&home)
        .arg("--version")
        .assert()
        .success()
        .stdout(contains(env!("CARGO_PKG_VERSION")).and(contains("specs")));
}

/// The first record of a JSON-lines list command.
async fn first(setup: &Setup, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "jsonl"]);
    let out = ok(&run(setup.ttrest(&all)).await);
    serde_json::from_str(out.lines().next().expect("a record")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn parquet_columns_of_positions_and_instruments_have_their_values_types() {
    use parquet::basic::{LogicalType, Type as Physical};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    let setup = Setup::start(Sandbox::builder().fills(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let market = cli_support::text(&first(&setup, &["markets"]).await, "id");
    let product = cli_support::text(
        &first(&setup, &["products", "--market", &market]).await,
        "id",
    );
    let cases = [
        (vec!["positions"], "positions", "pnlPriceType"),
        (
            vec!["instruments", "--product", &product],
            "instruments",
            "tickSize",
        ),
    ];
    for (args, name, column) in cases {
        let path = dir.path().join(format!("{name}.parquet"));
        let mut all = args.clone();
        all.extend(["-o", path.to_str().unwrap()]);
        ok(&run(setup.ttrest(&all)).await);
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let index = (0..schema.num_columns())
            .find(|i| schema.column(*i).name() == column)
            .unwrap_or_else(|| panic!("{name}: no column {column}"));
        let descr = schema.column(index);
        let row = reader.get_row_iter(None).unwrap().next().unwrap().unwrap();
        let value = row.get_column_iter().nth(index).unwrap().1.clone();
        match column {
            "pnlPriceType" => {
                assert_eq!(descr.logical_type_ref(), Some(&LogicalType::String));
                assert_eq!(value, Field::Str("MIDPOINT".into()), "the code, not null");
            }
            _ => {
                assert_eq!(descr.physical_type(), Physical::DOUBLE, "{name}.{column}");
                assert!(matches!(value, Field::Double(_)), "{value:?}");
            }
        }
    }
}
