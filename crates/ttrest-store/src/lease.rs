//! One writer per stream: a lease per (app key, environment, stream), held
//! for as long as the [`Store`](crate::Store) that took it lives.
//!
//! - PostgreSQL: a session-level advisory lock, which the server releases when
//!   the connection ends, however the process ended; `ttrest_lease` says who
//!   holds it.
//! - SQLite: an exclusive `flock` on the side file `<db>.lease.<key>.<env>.<stream>`,
//!   which the kernel releases when the process ends, however it ended; the
//!   file says who holds it.

use std::fmt;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Who holds a stream's lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseHolder {
    /// The holder's host name.
    pub host: String,
    /// The holder's process id.
    pub pid: u32,
    /// When it took the lease (RFC 3339, UTC).
    pub since: String,
}

impl LeaseHolder {
    /// This process, now.
    pub(crate) fn me() -> LeaseHolder {
        LeaseHolder {
            host: host_name(),
            pid: std::process::id(),
            since: crate::record::rfc3339_ns(
                crate::sqlite::now_ns() / 1_000_000_000 * 1_000_000_000,
            ),
        }
    }

    /// Someone whose details could not be read (they were just taking or
    /// releasing the lease).
    pub(crate) fn unknown() -> LeaseHolder {
        LeaseHolder {
            host: "an unknown host".into(),
            pid: 0,
            since: "a moment ago".into(),
        }
    }

    fn line(&self) -> String {
        format!("{}\t{}\t{}\n", self.host, self.pid, self.since)
    }

    fn parse(text: &str) -> Option<LeaseHolder> {
        let mut f = text.trim_end().split('\t');
        Some(LeaseHolder {
            host: f.next()?.to_string(),
            pid: f.next()?.parse().ok()?,
            since: f.next()?.to_string(),
        })
    }
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "host {} pid {} since {}",
            self.host, self.pid, self.since
        )
    }
}

/// This machine's name.
pub(crate) fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
        // within it on success (truncation is cut at the first NUL below).
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            if end > 0 {
                return String::from_utf8_lossy(&buf[..end]).into_owned();
            }
        }
    }
    std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_else(|_| "localhost".into())
}

/// The PostgreSQL advisory lock number of a stream: 64 bits of FNV-1a over
/// its names, so every ttrest computes the same number.
pub(crate) fn lock_id(key: &str, environment: &str, stream: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in ["ttrest lease", key, environment, stream] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as i64
}

/// The side file of a stream's SQLite lease.
pub(crate) fn side_file(db: &Path, key: &str, environment: &str, stream: &str) -> PathBuf {
    let clean = |s: &str| -> String {
        s.chars()
            .map(
                |c| match c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    true => c,
                    false => '_',
                },
            )
            .collect()
    };
    let mut name = db.as_os_str().to_owned();
    name.push(format!(
        ".lease.{}.{}.{}",
        clean(key),
        clean(environment),
        clean(stream)
    ));
    PathBuf::from(name)
}

/// Tries to lock `path`: `Ok(Ok(file))` holds the lease while `file` is
/// open; `Ok(Err(holder))` when another process holds it.
pub(crate) fn lock_file(path: &Path) -> std::io::Result<Result<File, LeaseHolder>> {
    let opened = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path);
    let (mut file, writable) = match opened {
        Ok(f) => (f, true),
        // Another user's side file (a read-only database, say): a lock needs
        // no write access, only the holder's details go unwritten.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied && path.exists() => {
            (File::open(path)?, false)
        }
        Err(e) => return Err(e),
    };
    if !try_flock(&file)? {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        return Ok(Err(
            LeaseHolder::parse(&text).unwrap_or_else(LeaseHolder::unknown)
        ));
    }
    if !writable {
        return Ok(Ok(file));
    }
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(LeaseHolder::me().line().as_bytes())?;
    file.flush()?;
    Ok(Ok(file))
}

#[cfg(unix)]
fn try_flock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: a valid open file descriptor.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EWOULDBLOCK) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(unix))]
fn try_flock(file: &File) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_ids_differ_by_stream_and_are_stable() {
        let a = lock_id("k", "ext_uat_cert", "fills");
        assert_eq!(a, lock_id("k", "ext_uat_cert", "fills"));
        assert_ne!(a, lock_id("k", "ext_uat_cert", "orders"));
        assert_ne!(a, lock_id("k", "ext_prod_live", "fills"));
        assert_ne!(lock_id("ab", "c", "d"), lock_id("a", "bc", "d"));
    }

    #[test]
    fn a_second_lock_sees_the_first_holder_until_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let path = side_file(&dir.path().join("t.db"), "key/1", "ext_uat_cert", "fills");
        assert!(path
            .to_string_lossy()
            .ends_with("t.db.lease.key_1.ext_uat_cert.fills"));
        let held = lock_file(&path).unwrap().expect("free");
        let holder = lock_file(&path).unwrap().expect_err("held");
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.host, host_name());
        drop(held);
        // Another test of this binary may be starting a process right now: its
        // fork shares the lock's file description until its exec closes it
        // (the file is close-on-exec), so allow that instant to pass.
        let released = (0..200).any(|_| {
            let free = lock_file(&path).unwrap().is_ok();
            if !free {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            free
        });
        assert!(released, "released on close");
    }
}
