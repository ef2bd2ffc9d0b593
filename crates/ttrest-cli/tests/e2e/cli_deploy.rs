//! The systemd unit of `docs/deployment.md`, checked by `systemd-analyze
//! verify` (with the unit's binary path pointed at the built `ttrest`) where
//! that tool exists.

use std::process::Command;

/// The ```ini block that follows the unit's file name in the document.
fn unit_from_docs() -> String {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/deployment.md"
    ))
    .expect("docs/deployment.md");
    let at = doc
        .find("/etc/systemd/system/ttrest-sync.service")
        .expect("the unit's file name in docs/deployment.md");
    let rest = &doc[at..];
    let start = rest.find("```ini\n").expect("an ini block after it") + "```ini\n".len();
    let end = rest[start..].find("```").expect("the block's end");
    rest[start..start + end].to_string()
}

#[test]
fn the_documented_systemd_unit_verifies() {
    let unit = unit_from_docs();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/ttrest ") && unit.contains("sync fills --follow"),
        "{unit}"
    );
    // Nothing secret on the command line.
    let exec = unit.lines().find(|l| l.starts_with("ExecStart=")).unwrap();
    assert!(
        !exec.contains("secret") && !exec.contains("TT_APP") && !exec.contains(":***@"),
        "{exec}"
    );
    let Ok(out) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: the unit's syntax is not verified here");
        return;
    };
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ttrest-sync.service");
    std::fs::write(
        &path,
        unit.replace("/usr/local/bin/ttrest", env!("CARGO_BIN_EXE_ttrest")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Warnings about the unit itself (unknown keys, bad values) fail the test;
    // complaints about the host's other units do not.
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("ttrest-sync.service"))
        .collect();
    assert!(ours.is_empty(), "{stderr}");
}
