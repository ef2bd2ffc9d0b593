//! [`FileCount`]: a day's count in a small file shared by every process on
//! the host.
//!
//! # Format
//!
//! One file per app key and environment, `<dir>/requests-<environment>-<key>.day`
//! (the key's id with every character outside `[A-Za-z0-9_-]` written as
//! `%XX`), in UTF-8 text:
//!
//! ```text
//! # ttrest requests per UTC day: <day> <used> <spent: 0|1>
//! 2026-12-04 9312 0
//! 2026-12-05 1204 0
//! ```
//!
//! At most the two latest days are kept. Every change takes an exclusive
//! lock on `<file>.lock` (never on the file itself, which is replaced),
//! reads the file, writes the new text to a temporary file next to it,
//! flushes it to disk and renames it over the old one, so a reader sees the
//! old or the new text, never half of one.
//!
//! # Errs high
//!
//! A file that cannot be parsed (torn by a crash of the file system, edited
//! by hand) never resets a day to 0: every day asked for is taken as
//! **spent**, at the largest number found in the file, and the next change
//! rewrites the file that way. Delete the file only when you know no process
//! used the key today.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;

use super::memory::{admit, raise};
use super::{Admission, CountError, CountFuture, DailyCount, DayUsage, QuotaKey};

const HEADER: &str = "# ttrest requests per UTC day: <day> <used> <spent: 0|1>";

/// A [`DailyCount`] in files under a directory, shared by every process
/// using it (see the module's documentation for the format).
#[derive(Clone, Debug)]
pub struct FileCount {
    dir: Arc<PathBuf>,
}

impl FileCount {
    /// Counts in files under `dir` (created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileCount {
            dir: Arc::new(dir.into()),
        }
    }

    /// Counts under the user's state directory: `$XDG_STATE_HOME/ttrest/`,
    /// else `~/.local/state/ttrest/`. `None` when neither is set.
    pub fn in_state_dir() -> Option<Self> {
        default_dir().map(FileCount::new)
    }

    /// The directory holding the counts.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `key`'s days.
    pub fn path(&self, key: &QuotaKey) -> PathBuf {
        self.dir.join(format!(
            "requests-{}-{}.day",
            key.environment.segment(),
            escape(&key.app_key)
        ))
    }

    async fn update<T: Send + 'static>(
        &self,
        key: &QuotaKey,
        f: impl FnOnce(&mut DayUsage) -> T + Send + 'static,
    ) -> Result<T, CountError> {
        let path = self.path(key);
        let day = key.day;
        tokio::task::spawn_blocking(move || update_locked(&path, day, f))
            .await
            .map_err(|e| CountError::with_source("the day's count task failed", e))?
    }
}

/// `$XDG_STATE_HOME/ttrest`, else `$HOME/.local/state/ttrest`.
pub(crate) fn default_dir() -> Option<PathBuf> {
    let nonempty = |v: std::ffi::OsString| (!v.is_empty()).then_some(PathBuf::from(v));
    if let Some(state) = std::env::var_os("XDG_STATE_HOME").and_then(nonempty) {
        return Some(state.join("ttrest"));
    }
    std::env::var_os("HOME")
        .and_then(nonempty)
        .map(|home| home.join(".local").join("state").join("ttrest"))
}

impl DailyCount for FileCount {
    fn try_add<'a>(
        &'a self,
        key: &'a QuotaKey,
        n: u64,
        ceiling: u64,
    ) -> CountFuture<'a, Admission> {
        Box::pin(self.update(key, move |day| admit(day, n, ceiling)))
    }

    fn raise<'a>(&'a self, key: &'a QuotaKey, used: u64, spent: bool) -> CountFuture<'a, DayUsage> {
        Box::pin(self.update(key, move |day| {
            raise(day, used, spent);
            *day
        }))
    }

    fn get<'a>(&'a self, key: &'a QuotaKey) -> CountFuture<'a, DayUsage> {
        let path = self.path(key);
        let day = key.day;
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let days = read(&path)?;
                Ok(days.usage(day))
            })
            .await
            .map_err(|e| CountError::with_source("the day's count task failed", e))?
        })
    }
}

fn escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A count file as read.
#[derive(Debug, Default)]
struct Days {
    days: Vec<(NaiveDate, DayUsage)>,
    /// The file could not be parsed: every day is spent, at this count.
    garbled: Option<u64>,
}

impl Days {
    fn usage(&self, day: NaiveDate) -> DayUsage {
        if let Some(high) = self.garbled {
            return DayUsage {
                used: high,
                spent: true,
            };
        }
        self.days
            .iter()
            .find(|(d, _)| *d == day)
            .map(|(_, u)| *u)
            .unwrap_or_default()
    }

    fn set(&mut self, day: NaiveDate, usage: DayUsage) {
        self.garbled = None;
        self.days.retain(|(d, _)| *d != day);
        self.days.push((day, usage));
        self.days.sort_by_key(|(d, _)| *d);
        let excess = self.days.len().saturating_sub(2);
        self.days.drain(..excess);
    }

    fn render(&self) -> String {
        let mut text = format!("{HEADER}\n");
        for (day, u) in &self.days {
            text.push_str(&format!("{day} {} {}\n", u.used, u8::from(u.spent)));
        }
        text
    }
}

fn parse(text: &str) -> Result<Vec<(NaiveDate, DayUsage)>, ()> {
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) || !text.ends_with('\n') {
        return Err(());
    }
    lines
        .map(|line| {
            let mut parts = line.split(' ');
            let (Some(day), Some(used), Some(spent), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(());
            };
            let day = day.parse::<NaiveDate>().map_err(|_| ())?;
            let used = used.parse::<u64>().map_err(|_| ())?;
            let spent = match spent {
                "0" => false,
                "1" => true,
                _ => return Err(()),
            };
            Ok((day, DayUsage { used, spent }))
        })
        .collect()
}

/// The largest run of digits in `text` (a garbled file's count, erring high).
fn largest_number(text: &str) -> u64 {
    text.split(|c: char| !c.is_ascii_digit())
        .filter_map(|run| run.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
}

fn read(path: &Path) -> Result<Days, CountError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Days::default()),
        Err(e) => {
            return Err(CountError::with_source(
                format!("cannot read the day's request count {}", path.display()),
                e,
            ))
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(match parse(&text) {
        Ok(days) => Days {
            days,
            garbled: None,
        },
        Err(()) => {
            tracing::warn!(
                path = %path.display(),
                "the day's request count cannot be read; taking the day as spent (delete the file only if no process used the key today)"
            );
            Days {
                days: Vec::new(),
                garbled: Some(largest_number(&text)),
            }
        }
    })
}

fn update_locked<T>(
    path: &Path,
    day: NaiveDate,
    f: impl FnOnce(&mut DayUsage) -> T,
) -> Result<T, CountError> {
    let io = |what: &str, e: std::io::Error| {
        CountError::with_source(format!("{what} {}", path.display()), e)
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create the directory of", e))?;
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io("cannot open the lock file of", e))?;
    lock.lock().map_err(|e| io("cannot lock", e))?;
    let mut days = read(path)?;
    let mut usage = days.usage(day);
    let before = usage;
    let out = f(&mut usage);
    if usage != before || days.garbled.is_some() {
        days.set(day, usage);
        write(path, &days.render()).map_err(|e| io("cannot write", e))?;
    }
    drop(lock);
    Ok(out)
}

/// Writes `text` to a temporary file next to `path`, flushes it to disk and
/// renames it over `path`.
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
