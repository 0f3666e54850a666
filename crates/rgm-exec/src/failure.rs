//! Explaining why a method that passed the file checks still could not be started.
//!
//! The case that matters most is `ENOENT` from `exec` for a file that does exist: its `#!` line
//! names an interpreter that does not. That is reported as such, never as "file not found".

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A method the launcher could not start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("cannot run {path}: {reason}")]
pub struct SpawnFailure {
    /// The method's path.
    pub path: PathBuf,
    /// The error number, where the system gave one.
    pub errno: Option<i32>,
    /// What went wrong, for the log.
    pub reason: String,
}

impl SpawnFailure {
    /// A failure with a reason of our own and no error number.
    pub fn other(path: &Path, reason: impl Into<String>) -> Self {
        SpawnFailure {
            path: path.to_owned(),
            errno: None,
            reason: reason.into(),
        }
    }
}

/// Turns the error of a failed start of `path` into a [`SpawnFailure`] with a useful reason.
pub(crate) fn explain(path: &Path, error: &io::Error) -> SpawnFailure {
    let errno = error.raw_os_error();
    let reason = match errno {
        Some(libc::ENOENT) => match interpreter_line(path) {
            Some(interp) => format!(
                "its #! line names the interpreter {interp}, which does not exist ({error})"
            ),
            None if path.exists() => format!(
                "a program it needs (interpreter or dynamic loader) does not exist ({error})"
            ),
            None => format!("the file disappeared before it could be run ({error})"),
        },
        Some(libc::ENOEXEC) => {
            format!("it is not in a format the kernel can run; a script needs a #! line ({error})")
        }
        Some(libc::EACCES) => match interpreter_line(path) {
            Some(interp) => {
                format!(
                    "permission denied; check its interpreter {interp} and mount options ({error})"
                )
            }
            None => format!("permission denied; check the file system's mount options ({error})"),
        },
        Some(libc::ETXTBSY) => format!("the file is open for writing by another process ({error})"),
        Some(libc::E2BIG) => format!("its arguments and environment are too long ({error})"),
        _ => error.to_string(),
    };
    SpawnFailure {
        path: path.to_owned(),
        errno,
        reason,
    }
}

/// The interpreter named on the file's `#!` line, if it has one.
fn interpreter_line(path: &Path) -> Option<String> {
    let mut head = [0u8; 256];
    let mut file = std::fs::File::open(path).ok()?;
    let n = file.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next()?;
    let text = String::from_utf8_lossy(line);
    text.split_ascii_whitespace().next().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_interpreter_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        std::fs::write(&path, "#!/no/such/shell -e\necho\n").unwrap();
        let failure = explain(&path, &io::Error::from_raw_os_error(libc::ENOENT));
        assert!(failure.reason.contains("/no/such/shell"), "{failure}");
        assert!(failure.reason.contains("interpreter"));
        assert_eq!(failure.errno, Some(libc::ENOENT));
    }

    #[test]
    fn vanished_file() {
        let failure = explain(
            Path::new("/no/such/method"),
            &io::Error::from_raw_os_error(libc::ENOENT),
        );
        assert!(failure.reason.contains("disappeared"), "{failure}");
    }

    #[test]
    fn not_executable_format() {
        let failure = explain(
            Path::new("/x"),
            &io::Error::from_raw_os_error(libc::ENOEXEC),
        );
        assert!(failure.to_string().starts_with("cannot run /x: "));
        assert!(failure.reason.contains("#! line"));
    }
}
