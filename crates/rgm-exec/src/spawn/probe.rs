//! Whether this kernel lets a child be born into a cgroup that was killed before (see
//! [`super`]): probed once, on the first start into a cgroup.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd as _, AsRawFd as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use super::raw;
use super::{NO, UNKNOWN, YES};

/// Whether children can be born in their cgroup: probed on the first start into a cgroup.
static BORN_IN_CGROUP: AtomicU8 = AtomicU8::new(UNKNOWN);

pub(super) fn born_in_cgroup(cgroup: &Path) -> bool {
    match BORN_IN_CGROUP.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => {
            let sound = probe_killed_cgroup(cgroup);
            if !sound {
                tracing::info!(
                    "this kernel kills a process started into a cgroup that cgroup.kill killed before; methods join their cgroup just before exec instead of being born in it"
                );
            }
            BORN_IN_CGROUP.store(if sound { YES } else { NO }, Ordering::Relaxed);
            sound
        }
    }
}

/// True when children born into a fresh cgroup beside `near` live, both before and after it
/// was killed (while empty) through `cgroup.kill`. The kernel's bug kills a child whose cgroup
/// was killed a different number of times than its parent's; our own cgroup's count is
/// unknown (a harness may have killed it before starting us), but it cannot equal both the
/// fresh cgroup's count and that count plus one. Without `cgroup.kill` (before Linux 5.14)
/// there is nothing to trip on. Anything else that goes wrong counts as "no".
pub(super) fn probe_killed_cgroup(near: &Path) -> bool {
    static PROBES: AtomicU32 = AtomicU32::new(0);
    let Some(parent) = near.parent() else {
        return false;
    };
    let n = PROBES.fetch_add(1, Ordering::Relaxed);
    let dir = parent.join(format!("rgm-probe-{}-{n}", std::process::id()));
    if std::fs::create_dir(&dir).is_err() {
        return false;
    }
    let sound = born_alive(&dir)
        && match std::fs::write(dir.join("cgroup.kill"), "1") {
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(_) => false,
            Ok(()) => born_alive(&dir),
        };
    // Its children have been reaped; the cgroup empties at once, or very nearly.
    for _ in 0..100 {
        match std::fs::remove_dir(&dir) {
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            _ => break,
        }
    }
    sound
}

/// True when a child cloned into the cgroup `dir` lives to run: with no program to run, it
/// reports ENOENT and exits; one killed at birth reports nothing.
pub(super) fn born_alive(dir: &Path) -> bool {
    let Ok(fd) = open_dir(dir) else {
        return false;
    };
    let argv = [CString::from(c"rgm-probe")];
    let request = raw::ExecRequest {
        candidates: &[],
        argv: &argv,
        envp: &[],
        cwd: None,
        stdio: [None; 3],
        cgroup: Some(fd.as_raw_fd()),
        cgroup_procs: None,
        death_signal: None,
    };
    match raw::clone_exec(&request) {
        raw::Cloned::ChildFailed(_) => true,
        raw::Cloned::Started(_, pidfd) => {
            let _ = raw::wait(pidfd.as_fd(), true);
            false
        }
        raw::Cloned::CloneFailed(_) => false,
    }
}

pub(super) fn open_dir(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)
}
