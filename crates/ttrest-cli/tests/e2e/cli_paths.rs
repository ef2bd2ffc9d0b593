//! `-o PATH` as Unix tools treat it: `-` is stdout, devices and FIFOs are
//! written in place, symlinks are followed, new files get the umask, unknown
//! extensions need `--format`, and `--follow` appends to the file itself.

#![cfg(unix)]

use crate::cli_support;

use std::ffi::CString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use cli_support::{ok, run, Setup};
use ttrest_sandbox::Sandbox;

async fn setup() -> Setup {
    Setup::start(Sandbox::builder().seed(2).fills(40)).await
}

fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dash_is_standard_output() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = setup.ttrest(&["accounts", "-o", "-"]);
    cmd.current_dir(dir.path());
    let out = ok(&run(cmd).await);
    assert!(out.starts_with("id,"), "CSV on stdout: {out}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file named `-`"
    );
}

/// A character device made in the test's directory (`/dev/null`'s numbers),
/// or `None` when this process may not make one.
fn null_device(dir: &Path) -> Option<std::path::PathBuf> {
    let path = dir.join("null");
    let made = unsafe {
        libc::mknod(
            c_path(&path).as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(1, 3),
        )
    };
    (made == 0).then_some(path)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_is_written_in_place_never_replaced() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let Some(device) = null_device(dir.path()) else {
        eprintln!("skipped: cannot mknod a device here (not root?); the FIFO test covers streams");
        return;
    };
    ok(&run(setup.ttrest(&["fills", "-o", device.to_str().unwrap()])).await);
    let meta = std::fs::symlink_metadata(&device).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "the device is still a device"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_is_written_as_a_stream() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert_eq!(unsafe { libc::mkfifo(c_path(&fifo).as_ptr(), 0o600) }, 0);
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(reader_path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    });
    ok(&run(setup.ttrest(&["fills", "--format", "jsonl", "-o", fifo.to_str().unwrap()])).await);
    // Checked first: a FIFO replaced by a file leaves the reader waiting.
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 40, "every fill came through the FIFO");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_is_followed_and_its_target_written() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("real.csv");
    std::fs::write(&target, "stale\n").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    ok(&run(setup.ttrest(&["fills", "-o", link.to_str().unwrap()])).await);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(text.lines().count(), 41, "the target holds the export");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_file_gets_the_umask() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("fills.csv");
    let mut cmd = setup.ttrest(&["fills", "-o", target.to_str().unwrap()]);
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o027);
            Ok(())
        });
    }
    ok(&run(cmd).await);
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "0666 less the umask 027");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_extension_needs_format() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("fills.xlsx");
    let out = run(setup.ttrest(&["fills", "-o", target.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".xlsx") && err.contains("--format"), "{err}");
    assert!(!target.exists());
    ok(&run(setup.ttrest(&["fills", "--format", "csv", "-o", target.to_str().unwrap()])).await);
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .starts_with("timeStamp"));
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_appends_complete_lines_to_the_file_itself() {
    let setup = setup().await;
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [("f.csv", None), ("f.jsonl", None), ("f.txt", Some("jsonl"))] {
        let target = dir.path().join(name);
        let mut args = vec!["fills", "--follow", "--interval", "1", "-o"];
        args.push(target.to_str().unwrap());
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let mut child = setup.ttrest(&args).stderr(Stdio::piped()).spawn().unwrap();
        let want = if name.ends_with(".csv") { 41 } else { 40 };
        let started = Instant::now();
        loop {
            let lines = std::fs::read_to_string(&target)
                .map(|t| t.lines().count())
                .unwrap_or(0);
            if lines >= want {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                let _ = child.kill();
                panic!("{name}: only {lines} lines while following");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A crash keeps what was written: every line complete.
        child.kill().unwrap();
        child.wait().unwrap();
        let text = std::fs::read_to_string(&target).unwrap();
        assert!(text.ends_with('\n'), "{name}: complete lines");
        assert_eq!(text.lines().count(), want, "{name}");
        assert_eq!(
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.'))
                .count(),
            0,
            "{name}: no hidden temporary file"
        );
    }
    for (name, format) in [("f.parquet", "parquet"), ("f.json", "json")] {
        let target = dir.path().join(name);
        let out = run(setup.ttrest(&["fills", "--follow", "-o", target.to_str().unwrap()])).await;
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(format) && err.contains("--follow"), "{err}");
    }
}
