//! Where the built-in types keep what must outlive one method: the pid files of their process
//! monitors and the service logs. One directory per resource, beside the socket of the rgmd
//! that runs the methods (`<dir of RGM_SOCKET>/rgm-agents/<resource>/`), so two rgmd on one
//! machine (tests, a node per network namespace) never share one.

use std::io;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

/// The directory of all built-in types' state for the rgmd of `$RGM_SOCKET`.
pub fn agents_dir() -> PathBuf {
    let socket = crate::client::socket_path();
    socket
        .parent()
        .unwrap_or(Path::new("/run/rgm"))
        .join("rgm-agents")
}

/// The directory of one resource, created (mode 0700) if needed.
pub fn resource_dir(resource: &str) -> io::Result<PathBuf> {
    let dir = agents_dir().join(resource);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    Ok(dir)
}

/// A process recorded by pid and start time, so that a pid the kernel gave to another process
/// since is never taken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub pid: u32,
    pub start_time: u64,
}

impl Recorded {
    /// This process.
    pub fn me() -> Option<Recorded> {
        let pid = std::process::id();
        rgm_exec::tree::live_start_time(pid).map(|start_time| Recorded { pid, start_time })
    }

    /// The process `pid`, if it is alive.
    pub fn of(pid: u32) -> Option<Recorded> {
        rgm_exec::tree::live_start_time(pid).map(|start_time| Recorded { pid, start_time })
    }

    /// Whether the recorded process is still the one running under its pid.
    pub fn alive(&self) -> bool {
        rgm_exec::tree::live_start_time(self.pid) == Some(self.start_time)
    }

    /// Writes `pid start_time` to `path` (atomically).
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, format!("{} {}\n", self.pid, self.start_time))?;
        std::fs::rename(&tmp, path)
    }

    /// Reads a pid file; `None` when it is missing or malformed.
    pub fn read(path: &Path) -> Option<Recorded> {
        let text = std::fs::read_to_string(path).ok()?;
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let start_time = words.next()?.parse().ok()?;
        Some(Recorded { pid, start_time })
    }

    /// The process a pid file names, if it is still running.
    pub fn running(path: &Path) -> Option<Recorded> {
        Recorded::read(path).filter(Recorded::alive)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_file_names_a_live_process_only_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pid");
        let me = Recorded::me().unwrap();
        me.write(&path).unwrap();
        assert_eq!(Recorded::running(&path), Some(me));
        let stale = Recorded {
            pid: me.pid,
            start_time: me.start_time + 1,
        };
        stale.write(&path).unwrap();
        assert_eq!(Recorded::running(&path), None);
        assert_eq!(Recorded::read(&dir.path().join("none")), None);
    }
}
