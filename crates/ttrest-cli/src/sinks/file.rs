//! Where a file sink's bytes go, and safe file writing.
//!
//! `-o FILE` is written to a temporary file in FILE's directory and renamed
//! onto FILE only when everything was written, so an interrupted or failed run
//! never leaves a partial file at the target (a dropped temporary file deletes
//! itself). New files are private (0600); an existing file keeps its mode.
//! A device, FIFO or `/dev/fd/N` is written in place; with `--follow` the
//! file itself gets each batch of whole records as it comes.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::exit::CliError;

/// Where a sink's bytes go: stdout, a file written atomically, or a stream.
pub enum Out {
    /// Standard output (no `-o`, or `-o -`).
    Stdout(BufWriter<io::Stdout>),
    /// A temporary file renamed onto `path` (a regular file, or where none is) at the end.
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        /// The mode of the file being replaced, kept; new files get the umask.
        mode: Option<std::fs::Permissions>,
    },
    /// Written in place as it comes: a device, FIFO, socket or `/dev/fd/N`
    /// (never renamed over), or the file itself with `--follow`. Bytes are
    /// held until [`Write::flush`], which writes them in one go, so the
    /// target only ever receives complete records.
    Stream {
        file: std::fs::File,
        pending: Vec<u8>,
        path: PathBuf,
        /// Write only on flush (`--follow`); otherwise also whenever 64 KiB are held.
        whole_records: bool,
    },
}

/// What `-o PATH` names, after following symlinks.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A regular file, existing or not: written atomically.
    File(PathBuf),
    /// A device, FIFO, socket or `/dev/fd/N`: written in place.
    Stream(PathBuf),
}

impl Target {
    /// Classifies `-o PATH`: `-` is stdout; a symlink is followed to what it
    /// points at (even if that does not exist yet); anything that is not a
    /// regular file, and `/dev/fd/N`, `/dev/stdout`, `/proc/self/fd/N`, is a stream.
    pub fn of(path: Option<&Path>) -> Result<Target, CliError> {
        let Some(path) = path else {
            return Ok(Target::Stdout);
        };
        if path.as_os_str() == "-" {
            return Ok(Target::Stdout);
        }
        let descriptor = ["/dev/fd/", "/proc/self/fd/", "/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|p| path.starts_with(p));
        if descriptor {
            return Ok(Target::Stream(path.to_path_buf()));
        }
        let resolved = follow_links(path)?;
        match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_file() => Ok(Target::File(resolved)),
            Ok(meta) if meta.is_dir() => Err(CliError::usage(format!(
                "-o {}: is a directory",
                path.display()
            ))
            .hint("give a file name inside it")),
            Ok(_) => Ok(Target::Stream(resolved)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Target::File(resolved)),
            Err(e) => Err(CliError::io("write", path, &e)),
        }
    }

    /// The file name whose extension names the format (none for stdout).
    pub fn name(&self) -> Option<&Path> {
        match self {
            Target::Stdout => None,
            Target::File(p) | Target::Stream(p) => Some(p),
        }
    }
}

/// `path` with its symlinks followed, link by link, to the file that would be
/// written (which may not exist yet); a loop is an error.
fn follow_links(path: &Path) -> Result<PathBuf, CliError> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)
                    .map_err(|e| CliError::io("read the symlink", &current, &e))?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(CliError::usage(format!(
        "-o {}: too many levels of symbolic links",
        path.display()
    )))
}

impl Out {
    /// Opens `-o`'s target; `append_in_place` (for `--follow`) writes a regular
    /// file directly, truncated first, instead of through a temporary file.
    pub fn open(path: Option<&Path>, append_in_place: bool) -> Result<Out, CliError> {
        let path = match Target::of(path)? {
            Target::Stdout => return Ok(Out::Stdout(BufWriter::new(io::stdout()))),
            Target::Stream(path) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|e| CliError::io("write to", &path, &e))?;
                return Ok(Out::stream(file, path, append_in_place));
            }
            Target::File(path) if append_in_place => {
                // Created with the umask, as `>` would.
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)
                    .map_err(|e| {
                        CliError::io("write to", &path, &e)
                            .hint("check that the directory exists and is writable")
                    })?;
                return Ok(Out::stream(file, path, true));
            }
            Target::File(path) => path,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CliError::usage(format!("-o {}: not a file name", path.display())))?;
        let mode = std::fs::metadata(&path).ok().map(|m| m.permissions());
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // The kernel applies the umask to this, as for any new file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(|e| {
            CliError::io("write to", &dir, &e)
                .hint("check that the directory exists and is writable")
        })?;
        Ok(Out::File {
            tmp: BufWriter::new(tmp),
            path,
            mode,
        })
    }

    fn stream(file: std::fs::File, path: PathBuf, whole_records: bool) -> Out {
        Out::Stream {
            file,
            pending: Vec::new(),
            path,
            whole_records,
        }
    }

    /// Flushes, and for a file: syncs and renames it onto the target.
    pub fn commit(self) -> Result<(), CliError> {
        match self {
            Out::Stdout(mut out) => out.flush().map_err(stdout_error),
            Out::Stream {
                mut file,
                pending,
                path,
                ..
            } => file
                .write_all(&pending)
                .and_then(|_| file.flush())
                .map_err(|e| CliError::io("write", &path, &e)),
            Out::File { tmp, path, mode } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| CliError::io("write", &path, e.error()))?;
                tmp.as_file()
                    .sync_all()
                    .map_err(|e| CliError::io("write", &path, &e))?;
                if let Some(mode) = mode {
                    let _ = std::fs::set_permissions(tmp.path(), mode);
                }
                tmp.persist(&path)
                    .map_err(|e| CliError::io("write", &path, &e.error))?;
                Ok(())
            }
        }
    }

    /// A write failure, naming the target.
    pub fn error(&self, err: io::Error) -> CliError {
        match self {
            Out::Stdout(_) => stdout_error(err),
            Out::File { path, .. } | Out::Stream { path, .. } => CliError::io("write", path, &err),
        }
    }

    /// The target's path (`<stdout>` for stdout), for messages.
    pub fn path(&self) -> PathBuf {
        match self {
            Out::File { path, .. } | Out::Stream { path, .. } => path.clone(),
            Out::Stdout(_) => PathBuf::from("<stdout>"),
        }
    }

    /// Whether this is standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Out::Stdout(_))
    }
}

/// A closed pipe (`ttrest fills | head`) ends the run quietly.
pub fn stdout_error(err: io::Error) -> CliError {
    if err.kind() == io::ErrorKind::BrokenPipe {
        CliError::broken_pipe()
    } else {
        CliError::io("write", Path::new("<stdout>"), &err)
    }
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Stdout(out) => out.write(buf),
            Out::File { tmp, .. } => tmp.write(buf),
            Out::Stream {
                file,
                pending,
                whole_records,
                ..
            } => {
                pending.extend_from_slice(buf);
                if !*whole_records && pending.len() >= 1 << 16 {
                    file.write_all(pending)?;
                    pending.clear();
                }
                Ok(buf.len())
            }
        }
    }

    /// Callers flush only between records, so a stream gets whole records.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Stdout(out) => out.flush(),
            Out::File { tmp, .. } => tmp.flush(),
            Out::Stream { file, pending, .. } => {
                file.write_all(pending)?;
                pending.clear();
                file.flush()
            }
        }
    }
}

/// A write failure on `path`, or on stdout when `None`.
pub fn write_error(path: Option<&Path>, err: io::Error) -> CliError {
    match path {
        Some(path) => CliError::io("write", path, &err),
        None => stdout_error(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_classified() {
        assert_eq!(Target::of(None).unwrap(), Target::Stdout);
        assert_eq!(Target::of(Some(Path::new("-"))).unwrap(), Target::Stdout);
        assert!(matches!(
            Target::of(Some(Path::new("/dev/fd/3"))).unwrap(),
            Target::Stream(_)
        ));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new.csv");
        assert_eq!(Target::of(Some(&file)).unwrap(), Target::File(file));
        let err = Target::of(Some(dir.path())).unwrap_err();
        assert!(err.message.contains("is a directory"), "{}", err.message);
    }
}
