//! [`ProcessOs`] on the running Linux system.
//!
//! Processes are started by the crate's `spawn` module: `clone3` into their cgroup, sharing
//! rgmd's memory until `exec` instead of copying it (the fork of std's `Command` where that is
//! not available), each in a process group of its own. Everything else here is `/proc`, signals
//! and cgroup files.

use std::io;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::cgroup;
use crate::os::{ProcessOs, SpawnSpec};
use crate::procfs;
use crate::safety::{Refusal, check_method_file};

pub use crate::spawn::RealChild;

/// The real operating system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealOs;

impl ProcessOs for RealOs {
    type Child = RealChild;

    fn check_program(&self, path: &Path, owners: &[u32]) -> Result<(), Refusal> {
        check_method_file(path, owners)
    }

    fn spawn(&self, spec: SpawnSpec) -> io::Result<RealChild> {
        crate::spawn::spawn(spec)
    }

    fn signal_process(&self, pid: u32, signal: Signal) -> io::Result<()> {
        ignore_esrch(kill(pid_of(pid)?, signal))
    }

    fn signal_group(&self, pgid: u32, signal: Signal) -> io::Result<()> {
        ignore_esrch(killpg(pid_of(pgid)?, signal))
    }

    fn process_alive(&self, pid: u32) -> bool {
        procfs::stat(pid).is_some_and(|s| s.alive())
    }

    fn group_alive(&self, pgid: u32) -> bool {
        let Ok(pgid_pid) = pid_of(pgid) else {
            return false;
        };
        match killpg(pgid_pid, None) {
            Err(Errno::ESRCH) => false,
            _ => procfs::group_has_live_member(pgid),
        }
    }

    fn process_ids(&self, pid: u32) -> Option<(u32, u32)> {
        let stat = procfs::stat(pid).filter(procfs::Stat::alive)?;
        // The session is field 6 of the stat line (`state` is field 3); procfs reads the rest.
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let session = text[text.rfind(')')? + 1..]
            .split_ascii_whitespace()
            .nth(6 - 3)?
            .parse()
            .ok()?;
        Some((stat.pgrp, session))
    }

    fn start_time(&self, pid: u32) -> Option<u64> {
        procfs::stat(pid).map(|s| s.start_time)
    }

    fn cgroup_parent(&self, explicit: Option<&Path>) -> Result<PathBuf, String> {
        match explicit {
            Some(dir) => cgroup::check_parent(dir.to_owned()),
            None => cgroup::detect_parent(),
        }
    }

    fn create_cgroup(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir(path)
    }

    fn remove_cgroup(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_dir(path)
    }

    fn list_cgroups(&self, parent: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(parent)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Ok(names)
    }

    fn cgroup_members(&self, path: &Path) -> io::Result<Vec<u32>> {
        cgroup::members(path)
    }

    fn move_to_cgroup(&self, pid: u32, path: &Path) -> io::Result<()> {
        match std::fs::write(path.join("cgroup.procs"), pid.to_string()) {
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Ok(()),
            other => other,
        }
    }

    fn cgroup_alive(&self, path: &Path) -> bool {
        cgroup::populated(path)
    }

    fn kill_cgroup(&self, path: &Path) -> io::Result<bool> {
        cgroup::kill(path)
    }
}

fn pid_of(pid: u32) -> io::Result<Pid> {
    match i32::try_from(pid) {
        Ok(raw) if raw > 0 => Ok(Pid::from_raw(raw)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a process id: {pid}"),
        )),
    }
}

fn ignore_esrch(result: nix::Result<()>) -> io::Result<()> {
    match result {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
