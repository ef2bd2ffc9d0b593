//! A throwaway PostgreSQL cluster for tests: `initdb` in a temporary folder,
//! a free port on 127.0.0.1, stopped (and deleted) when dropped.
//!
//! As root, `initdb` and `pg_ctl` run as the `postgres` user (initdb refuses
//! root), in a folder that user owns. A machine without PostgreSQL fails the
//! test with the command that installs it: the tests are never skipped.

#![allow(dead_code)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster; `url(db)` connects as the superuser `postgres`.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

const INSTALL: &str = "PostgreSQL is needed for this test and was not found \
    (no /usr/lib/postgresql/*/bin/initdb): install it with `apt-get install -y postgresql` \
    (Debian/Ubuntu), as .ci/run does";

impl Postgres {
    /// Starts a new cluster, or panics saying how to install PostgreSQL.
    pub fn start() -> Postgres {
        Postgres::start_with(|_| {})
    }

    /// [`Postgres::start`], with `setup` given the data folder after
    /// `initdb` and before the server starts (to write `postgresql.conf`
    /// lines, `pg_hba.conf`, certificates).
    pub fn start_with(setup: impl FnOnce(&Path)) -> Postgres {
        let bin = find_bin().unwrap_or_else(|| panic!("{INSTALL}"));
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::Builder::new()
            .prefix("ttrest-pg.")
            .tempdir()
            .expect("a temporary folder for PostgreSQL");
        if as_postgres {
            chown_to_postgres(dir.path());
        }
        let port = free_port();
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        setup(&data);
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&data)
                .status()
                .expect("chown");
            assert!(status.success(), "chown -R postgres {}", data.display());
        }
        let options = format!(
            "-p {port} -h 127.0.0.1 -k {} -F -c fsync=off",
            pg.dir.path().display()
        );
        let log = pg.dir.path().join("server.log");
        pg.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        pg
    }

    /// `postgres://postgres@127.0.0.1:PORT/DB`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs SQL through `psql` on database `db`; returns stdout (tuples only, `|`-separated).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        self.psql_sep(db, sql, "|")
    }

    /// [`Postgres::psql`] with another field separator.
    pub fn psql_sep(&self, db: &str, sql: &str, sep: &str) -> String {
        let out = self.run(
            "psql",
            &[
                "-X",
                "-q",
                "-A",
                "-t",
                "-F",
                sep,
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                db,
                "-c",
                sql,
            ],
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Creates database `name`.
    pub fn create_db(&self, name: &str) {
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        let mut cmd = match self.as_postgres {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            }
            false => Command::new(&exe),
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}; {INSTALL}", exe.display()));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
        );
        out
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = match self.as_postgres {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&exe);
                c
            }
            false => Command::new(&exe),
        };
        let _ = cmd
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .output();
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with an `initdb`.
fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn chown_to_postgres(dir: &Path) {
    let name = CString::new("postgres").unwrap();
    // SAFETY: getpwnam returns a pointer into static storage or null.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(!pw.is_null(), "no `postgres` user: {INSTALL}");
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    let path = CString::new(dir.as_os_str().to_str().unwrap()).unwrap();
    // SAFETY: a valid C string path.
    let rc = unsafe { libc::chown(path.as_ptr(), uid, gid) };
    assert_eq!(
        rc,
        0,
        "chown {}: {}",
        dir.display(),
        std::io::Error::last_os_error()
    );
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().unwrap().port()
}
