//! [`ProcessOs`] on the running Linux system.
//!
//! Processes are started with `std::process::Command` (handed to tokio for an asynchronous,
//! pidfd-based wait) in a new process group. Joining a cgroup happens in the child between
//! `fork` and `exec`: the parent opens the cgroup's `cgroup.procs` beforehand and the child only
//! writes `0` to that descriptor, which is async-signal-safe. This is the one place in rgm that
//! needs `unsafe` (`Command::pre_exec`), kept to a few lines.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd as _, RawFd};
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::cgroup;
use crate::os::{ChildOutput, ExitKind, OsChild, ProcessOs, SpawnSpec};
use crate::procfs;
use crate::safety::{Refusal, check_method_file};

/// The real operating system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealOs;

/// A process started by [`RealOs`].
#[derive(Debug)]
pub struct RealChild {
    child: tokio::process::Child,
    pid: u32,
}

impl OsChild for RealChild {
    fn pid(&self) -> u32 {
        self.pid
    }

    async fn wait(&mut self) -> io::Result<ExitKind> {
        let status = self.child.wait().await?;
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => ExitKind::Code(code),
            (None, Some(signal)) => ExitKind::Signal(signal),
            (None, None) => ExitKind::Code(status.into_raw()),
        })
    }
}

impl ProcessOs for RealOs {
    type Child = RealChild;

    fn check_program(&self, path: &Path, owners: &[u32]) -> Result<(), Refusal> {
        check_method_file(path, owners)
    }

    fn spawn(&self, spec: SpawnSpec) -> io::Result<RealChild> {
        let procs: Option<File> = match &spec.cgroup {
            Some(dir) => Some(
                OpenOptions::new()
                    .write(true)
                    .open(dir.join("cgroup.procs"))?,
            ),
            None => None,
        };
        let hook = ChildHook {
            cgroup_procs: procs.as_ref().map(|f| f.as_raw_fd()),
            death_signal: spec
                .parent_death_signal
                .map(|s| (s as libc::c_int, std::process::id() as libc::pid_t)),
        };
        let spawned = spawn_command(spec.program.as_os_str(), &spec.args, &spec, hook);
        let result = match spawned {
            // With a hook, the child runs `execvp`, which hands a file the kernel cannot execute
            // (a script without `#!`) to /bin/sh. Without one, std uses `posix_spawn`, which
            // does not; do the same here so both paths behave alike.
            Err(e) if e.raw_os_error() == Some(libc::ENOEXEC) && !hook.needed() => {
                let mut args = Vec::with_capacity(spec.args.len() + 1);
                args.push(spec.program.clone().into_os_string());
                args.extend(spec.args.iter().cloned());
                spawn_command(OsStr::new("/bin/sh"), &args, &spec, hook)
            }
            other => other,
        };
        drop(procs);
        let child = result?;
        let pid = child
            .id()
            .ok_or_else(|| io::Error::other("the started process has no pid"))?;
        Ok(RealChild { child, pid })
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

/// Starts `program` with `args` as `spec` says (its stdio descriptors are duplicated, so that
/// a second attempt can use them too).
fn spawn_command(
    program: &OsStr,
    args: &[OsString],
    spec: &SpawnSpec,
    hook: ChildHook,
) -> io::Result<tokio::process::Child> {
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).process_group(0);
    if let Some(env) = &spec.env {
        cmd.env_clear();
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
    }
    if let Some(cwd) = &spec.cwd {
        cmd.current_dir(cwd);
    }
    if spec.null_stdin {
        cmd.stdin(Stdio::null());
    }
    if let ChildOutput::Pipes { stdout, stderr } = &spec.output {
        cmd.stdout(Stdio::from(stdout.try_clone()?));
        cmd.stderr(Stdio::from(stderr.try_clone()?));
    }
    if hook.needed() {
        install_hook(&mut cmd, hook);
    }
    // The command (and with it our copies of the pipes' write ends) is dropped on return.
    tokio::process::Command::from(cmd).spawn()
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

/// What the child does between `fork` and `exec`. Plain numbers only: the hook must not
/// allocate or lock.
#[derive(Debug, Clone, Copy)]
struct ChildHook {
    /// An open `cgroup.procs` to write `0` to, moving the child into that cgroup.
    cgroup_procs: Option<RawFd>,
    /// `(signal, parent pid)`: ask for `signal` when the parent dies, and give up if it
    /// already has.
    death_signal: Option<(libc::c_int, libc::pid_t)>,
}

impl ChildHook {
    fn needed(&self) -> bool {
        self.cgroup_procs.is_some() || self.death_signal.is_some()
    }
}

#[allow(unsafe_code)]
fn install_hook(cmd: &mut std::process::Command, hook: ChildHook) {
    // SAFETY: `pre_exec` runs the closure in the child after `fork`, where only
    // async-signal-safe operations are allowed. The closure uses only values copied into it and
    // makes only raw system calls (`write`, `prctl`, `getppid`); it does not allocate, lock or
    // touch memory shared with other threads. `io::Error::last_os_error` only reads errno.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(fd) = hook.cgroup_procs {
                // SAFETY: `fd` is open in the child (inherited; it closes at exec) and the
                // buffer is a static one-byte string.
                let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                if written != 1 {
                    return Err(io::Error::last_os_error());
                }
            }
            if let Some((signal, parent)) = hook.death_signal {
                if libc::prctl(libc::PR_SET_PDEATHSIG, signal as libc::c_ulong) != 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::getppid() != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        });
    }
}
