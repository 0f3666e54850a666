//! Cgroups a harness makes for what it runs, and must leave nothing of: tests that run rgmd
//! or methods in a cgroup of their own, and the chaos harness.
//!
//! A [`ScratchCgroup`] is made below this process's own cgroup v2. Its processes can be listed
//! and killed at once; when it is dropped, everything in it is killed and it is removed,
//! deepest cgroup first.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cgroup;

/// How long a kill waits for the cgroup to empty.
const KILL_PATIENCE: Duration = Duration::from_secs(30);

/// A cgroup made below ours; see the module documentation.
#[derive(Debug)]
pub struct ScratchCgroup {
    dir: PathBuf,
}

impl ScratchCgroup {
    /// Makes `<our cgroup>/<name>`. Fails with the reason where there is no writable cgroup
    /// v2, or when it exists already.
    pub fn new(name: &str) -> Result<ScratchCgroup, String> {
        let dir = cgroup::own_dir()?.join(name);
        std::fs::create_dir(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        Ok(ScratchCgroup { dir })
    }

    /// The cgroups an rgmd the harness ran as its child (in the harness's own cgroup) made for
    /// its methods — `<our cgroup>/rgm-methods/<instance>` for the state directory `owner` —,
    /// to be killed and removed like a scratch cgroup once that rgmd is gone. `None` when it
    /// made none.
    pub fn of_child_rgmd(owner: &Path) -> Option<ScratchCgroup> {
        let owner = std::fs::canonicalize(owner).ok()?;
        let dir = cgroup::own_dir()
            .ok()?
            .join(cgroup::METHODS_DIR)
            .join(crate::resources::instance_name(&owner));
        dir.is_dir().then_some(ScratchCgroup { dir })
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every process in it and below.
    pub fn processes(&self) -> Vec<u32> {
        cgroup::members(&self.dir).unwrap_or_default()
    }

    /// Kills everything in it at once (`cgroup.kill`; SIGKILL to each process before Linux
    /// 5.14) and waits, up to 30 s, until nothing is left.
    pub fn kill(&self) -> io::Result<()> {
        let deadline = Instant::now() + KILL_PATIENCE;
        loop {
            let left = self.processes();
            if left.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(io::Error::other(format!(
                    "{} still holds processes {left:?}",
                    self.dir.display()
                )));
            }
            if !cgroup::kill(&self.dir)? {
                for pid in left {
                    let _ = nix::sys::signal::kill(
                        nix::unistd::Pid::from_raw(pid as i32),
                        nix::sys::signal::Signal::SIGKILL,
                    );
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ScratchCgroup {
    fn drop(&mut self) {
        if let Err(e) = self.kill() {
            eprintln!("{e}");
        }
        remove_tree(&self.dir);
    }
}

fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten().filter(|e| e.path().is_dir()) {
            remove_tree(&e.path());
        }
    }
    let _ = std::fs::remove_dir(dir);
}
