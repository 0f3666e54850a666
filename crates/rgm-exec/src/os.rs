//! The operating-system calls of the launcher, behind a trait.
//!
//! [`ProcessOs`] is everything the launcher and its supervisor do to the system: check a method
//! file, start a process in a process group of its own (and a cgroup), signal a process, a group
//! or a cgroup, list a cgroup's members, and ask whether anything of a method is still alive.
//! [`RealOs`](crate::RealOs) does it for real; [`FakeOs`](crate::fake::FakeOs) simulates
//! programs on tokio's clock, so the supervisor's state machine — and the daemon that uses the
//! launcher — can be tested deterministically under `tokio::time::pause()`.

use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use crate::safety::Refusal;

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitKind {
    /// It exited with this code.
    Code(i32),
    /// A signal with this number ended it.
    Signal(i32),
}

/// Where a started process's stdout and stderr go.
#[derive(Debug)]
pub enum ChildOutput {
    /// To the write ends of pipes the launcher reads.
    Pipes {
        /// Write end for stdout.
        stdout: OwnedFd,
        /// Write end for stderr.
        stderr: OwnedFd,
    },
    /// Wherever the caller's own stdout and stderr go (hatimerun).
    Inherit,
}

/// A process to start. It always gets a process group of its own.
#[derive(Debug)]
pub struct SpawnSpec {
    /// The program. A name without `/` is looked up on `PATH`.
    pub program: PathBuf,
    /// argv\[1..\].
    pub args: Vec<OsString>,
    /// The whole environment, or `None` to inherit the caller's.
    pub env: Option<Vec<(OsString, OsString)>>,
    /// Working directory, or `None` to inherit.
    pub cwd: Option<PathBuf>,
    /// stdin is /dev/null when true, inherited otherwise.
    pub null_stdin: bool,
    /// stdout and stderr.
    pub output: ChildOutput,
    /// A cgroup directory to join before `exec`.
    pub cgroup: Option<PathBuf>,
    /// A signal the child gets when the thread that started it dies.
    pub parent_death_signal: Option<Signal>,
}

/// A started process whose exit can be awaited.
pub trait OsChild: Send + 'static {
    /// Its process id, which is also its process group id.
    fn pid(&self) -> u32;
    /// Waits for it to end and reaps it.
    fn wait(&mut self) -> impl Future<Output = io::Result<ExitKind>> + Send;
}

/// The system calls of the launcher. See the module documentation.
pub trait ProcessOs: Send + Sync + 'static {
    /// A started process.
    type Child: OsChild;

    /// Checks a method file before it is run (see [`crate::safety`]).
    fn check_program(&self, path: &Path, owners: &[u32]) -> Result<(), Refusal>;

    /// Starts a process in a new process group (and in `spec.cgroup`, if given).
    fn spawn(&self, spec: SpawnSpec) -> io::Result<Self::Child>;

    /// Sends `signal` to one process. A process that no longer exists is not an error.
    fn signal_process(&self, pid: u32, signal: Signal) -> io::Result<()>;

    /// Sends `signal` to a process group. A group that no longer exists is not an error.
    fn signal_group(&self, pgid: u32, signal: Signal) -> io::Result<()>;

    /// True while `pid` exists and is not a zombie.
    fn process_alive(&self, pid: u32) -> bool;

    /// True while the group has a member that is not a zombie.
    fn group_alive(&self, pgid: u32) -> bool;

    /// The process group and session of a live process; `None` when there is none (or it is
    /// a zombie).
    fn process_ids(&self, pid: u32) -> Option<(u32, u32)>;

    /// The kernel's start time of `pid` (clock ticks after boot), which tells a reused pid apart
    /// from the process that had it before; `None` when there is no such process.
    fn start_time(&self, pid: u32) -> Option<u64>;

    /// Finds (and creates if needed) the cgroup directory under which rgm makes its method
    /// cgroups — `explicit` when given, else `rgm-methods` under our own cgroup — and checks
    /// that it is usable. `Err` says why cgroups cannot be used.
    fn cgroup_parent(&self, explicit: Option<&Path>) -> Result<PathBuf, String>;

    /// Creates a cgroup directory.
    fn create_cgroup(&self, path: &Path) -> io::Result<()>;

    /// Removes an empty cgroup directory; fails with `EBUSY` while it has members.
    fn remove_cgroup(&self, path: &Path) -> io::Result<()>;

    /// Names of the cgroups directly under `parent`.
    fn list_cgroups(&self, parent: &Path) -> io::Result<Vec<String>>;

    /// Processes in the cgroup and the cgroups below it.
    fn cgroup_members(&self, path: &Path) -> io::Result<Vec<u32>>;

    /// Moves a process (all its threads) into the cgroup at `path`. A process that no longer
    /// exists is not an error.
    fn move_to_cgroup(&self, pid: u32, path: &Path) -> io::Result<()>;

    /// True while the cgroup (or one below it) has a live process.
    fn cgroup_alive(&self, path: &Path) -> bool;

    /// Kills everything in the cgroup at once through `cgroup.kill`. `Ok(false)` when the
    /// kernel has no `cgroup.kill` (before Linux 5.14); the caller then signals each member.
    fn kill_cgroup(&self, path: &Path) -> io::Result<bool>;
}
