//! Starting a process at a cost that does not grow with rgmd's memory.
//!
//! # Why not `fork`
//!
//! `std::process::Command` with a `pre_exec` hook (which rgm needs: the method must join its
//! cgroup before `exec`) forks, and a fork copies the page tables of the whole daemon: at
//! 10,000 resources rgmd holds 100–170 MB, and perf showed a third of its CPU time during
//! online-all in `fork`. So methods are started the way glibc's `posix_spawn` does it, with the
//! one thing `posix_spawn` lacks:
//!
//! `clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)`
//! (Linux 5.7): the child shares rgmd's memory (nothing copied) while the calling thread waits
//! for its `exec`, it is **born in the method's cgroup** — no instruction of it, and so no child
//! of it, ever runs outside the cgroup, and it is never moved (a move through `cgroup.procs`
//! write-locks a kernel-wide semaphore that every fork and exit on the machine takes for
//! reading) — and the kernel hands back a pidfd, through which the exit is awaited
//! ([`tokio::io::unix::AsyncFd`]) and reaped (`waitid(P_PIDFD)`), with no SIGCHLD handling and
//! no pid that could be reused under us. Between the clone and `exec` the child, on a stack of
//! its own, does what the fork's hook and std did: SIGPIPE back to its default, a process
//! group of its own, the parent-death signal where asked for, stdio and working directory,
//! then `execve` of argv and environment built beforehand, `PATH` searched
//! as `execvp` does and a file the kernel cannot run handed to `/bin/sh`. What failed before
//! `exec` comes back as its errno. The unsafe part is [`raw`], and only there.
//!
//! One kernel bug is worked around. On the kernel this was written on (6.18), a process born
//! through `CLONE_INTO_CGROUP` is killed at birth when its cgroup was killed through
//! `cgroup.kill` a different number of times than the parent's own cgroup: a resource's run
//! cgroup after a timeout, all of them after a resource or the node was killed — or every
//! cgroup, when a harness had killed rgmd's own cgroup before starting it. The first start into a
//! cgroup probes for it: children born into a fresh cgroup, before and after it was killed
//! empty, must live to report. Where it does not, children are still cloned without
//! copying anything, but join their cgroup by writing `0` to its `cgroup.procs` as the first
//! thing they do, before `exec`, as the fork's hook did.
//!
//! The alternative — a small launcher process forked early that forks the methods — would
//! also avoid the copy, but every start, exit status and signal would then have to be relayed
//! through it, and it would be one more process to supervise and to lose; `clone3` keeps each
//! method rgmd's own child.
//!
//! # Fallback
//!
//! Where `clone3` cannot be used — Linux before 5.7 (no `CLONE_INTO_CGROUP`), a seccomp filter
//! that refuses it with `ENOSYS` (container runtimes do), an architecture the clone is not
//! written for — the process is started as before: `std::process::Command` with the hook that
//! joins the cgroup by writing `0` to its `cgroup.procs` (forking the whole process), awaited by
//! tokio. The choice is made on the first start and logged.

mod forked;
mod probe;
mod raw;

use std::ffi::{CString, OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd as _, AsRawFd as _, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::io::unix::AsyncFd;

use crate::os::{ChildOutput, ExitKind, OsChild, SpawnSpec};

pub(crate) use forked::spawn_forked;
use probe::{born_in_cgroup, open_dir};

/// A process started by [`RealOs`](crate::RealOs).
#[derive(Debug)]
pub struct RealChild {
    pid: u32,
    how: Waited,
}

#[derive(Debug)]
enum Waited {
    /// Started by `clone3`: its pidfd, `None` once it has been reaped.
    Pidfd {
        fd: Option<AsyncFd<OwnedFd>>,
        status: Option<ExitKind>,
    },
    /// Started by the fork fallback.
    Tokio(tokio::process::Child),
}

impl OsChild for RealChild {
    fn pid(&self) -> u32 {
        self.pid
    }

    async fn wait(&mut self) -> io::Result<ExitKind> {
        match &mut self.how {
            Waited::Pidfd { fd, status } => {
                if let Some(kind) = *status {
                    return Ok(kind);
                }
                let Some(pidfd) = fd.as_ref() else {
                    return Err(io::Error::other("the process was reaped already"));
                };
                loop {
                    let mut ready = pidfd.readable().await?;
                    if let Some(kind) = raw::wait(pidfd.get_ref().as_fd(), false)? {
                        *status = Some(kind);
                        *fd = None;
                        return Ok(kind);
                    }
                    ready.clear_ready();
                }
            }
            Waited::Tokio(child) => {
                let status = child.wait().await?;
                Ok(match (status.code(), status.signal()) {
                    (Some(code), _) => ExitKind::Code(code),
                    (None, Some(signal)) => ExitKind::Signal(signal),
                    (None, None) => ExitKind::Code(status.into_raw()),
                })
            }
        }
    }
}

impl Drop for RealChild {
    /// A process dropped before it was reaped is reaped when it ends, by a task of the
    /// current runtime (as tokio does for its children); without a runtime it stays a zombie
    /// until this process exits (as std's children do).
    fn drop(&mut self) {
        let Waited::Pidfd { fd, .. } = &mut self.how else {
            return;
        };
        let Some(pidfd) = fd.take() else {
            return;
        };
        if !matches!(raw::wait(pidfd.get_ref().as_fd(), false), Ok(None)) {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                loop {
                    let Ok(mut ready) = pidfd.readable().await else {
                        return;
                    };
                    if !matches!(raw::wait(pidfd.get_ref().as_fd(), false), Ok(None)) {
                        return;
                    }
                    ready.clear_ready();
                }
            });
        }
    }
}

/// Starts `spec` (see the module documentation).
pub(crate) fn spawn(spec: SpawnSpec) -> io::Result<RealChild> {
    if clone3_in_use() {
        match spawn_cloned(&spec) {
            Err(Unusable(e)) => {
                CLONE3.store(NO, Ordering::Relaxed);
                tracing::warn!(error = %e, "clone3 is refused here; methods are started by forking rgmd, which costs more as rgmd grows");
            }
            Ok(started) => return started,
        }
    }
    spawn_forked(spec)
}

const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

/// Whether starts use `clone3`: decided on the first start from the kernel's version, and
/// turned off if the kernel refuses the call.
static CLONE3: AtomicU8 = AtomicU8::new(UNKNOWN);

fn clone3_in_use() -> bool {
    match CLONE3.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => {
            let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
            let usable = raw::CLONE3 && at_least(&release, (5, 7));
            if !usable {
                tracing::info!(kernel = %release.trim(), "no clone3 with CLONE_INTO_CGROUP (Linux 5.7, x86_64); methods are started by forking rgmd, which costs more as rgmd grows");
            }
            CLONE3.store(if usable { YES } else { NO }, Ordering::Relaxed);
            usable
        }
    }
}

/// True when a kernel release (`6.1.0-13-amd64`) is at least `(major, minor)`.
fn at_least(release: &str, wanted: (u32, u32)) -> bool {
    let mut numbers = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let major = numbers.next().unwrap_or(0);
    let minor = numbers.next().unwrap_or(0);
    (major, minor) >= wanted
}

/// `clone3` is not allowed here: start the fork's way from now on.
struct Unusable(io::Error);

/// Starts `spec` through [`raw::clone_exec`].
fn spawn_cloned(spec: &SpawnSpec) -> Result<io::Result<RealChild>, Unusable> {
    let prepared = match Prepared::new(spec) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let request = raw::ExecRequest {
        candidates: &prepared.candidates,
        argv: &prepared.argv,
        envp: &prepared.envp,
        cwd: prepared.cwd.as_deref(),
        stdio: prepared.stdio,
        cgroup: prepared.cgroup.as_ref().map(File::as_raw_fd),
        cgroup_procs: prepared.cgroup_procs.as_ref().map(File::as_raw_fd),
        death_signal: spec.parent_death_signal.map(|s| s as libc::c_int),
    };
    match raw::clone_exec(&request) {
        raw::Cloned::Started(pid, pidfd) => Ok(raw::register(pidfd).map(|fd| RealChild {
            pid,
            how: Waited::Pidfd {
                fd: Some(fd),
                status: None,
            },
        })),
        raw::Cloned::CloneFailed(e) if e.raw_os_error() == Some(libc::ENOSYS) => Err(Unusable(e)),
        raw::Cloned::CloneFailed(e) | raw::Cloned::ChildFailed(e) => Ok(Err(e)),
    }
}

/// What the child of a clone needs, made beforehand (the child must not allocate).
struct Prepared {
    candidates: Vec<CString>,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: Option<CString>,
    stdio: [Option<RawFd>; 3],
    /// The cgroup directory to be born in...
    cgroup: Option<File>,
    /// ...or its `cgroup.procs` to join.
    cgroup_procs: Option<File>,
    /// Copies of descriptors that were below 3, made so that `dup2` onto 0, 1 and 2 cannot
    /// overwrite one before it is used.
    _moved: Vec<OwnedFd>,
}

impl Prepared {
    fn new(spec: &SpawnSpec) -> io::Result<Prepared> {
        let env: Vec<(OsString, OsString)> = match &spec.env {
            Some(env) => env.clone(),
            None => std::env::vars_os().collect(),
        };
        let path = env
            .iter()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value.as_os_str());
        let mut argv = Vec::with_capacity(spec.args.len() + 1);
        argv.push(c_string(spec.program.as_os_str())?);
        for arg in &spec.args {
            argv.push(c_string(arg)?);
        }
        let envp = env
            .iter()
            .map(|(name, value)| {
                let mut entry = name.clone();
                entry.push("=");
                entry.push(value);
                c_string(&entry)
            })
            .collect::<io::Result<_>>()?;
        let mut moved = Vec::new();
        let mut stdio = [None; 3];
        if spec.null_stdin {
            stdio[0] = Some(above_stdio(dev_null()?.as_fd(), &mut moved)?);
        }
        if let ChildOutput::Pipes { stdout, stderr } = &spec.output {
            stdio[1] = Some(above_stdio(stdout.as_fd(), &mut moved)?);
            stdio[2] = Some(above_stdio(stderr.as_fd(), &mut moved)?);
        }
        let (cgroup, cgroup_procs) = match &spec.cgroup {
            Some(dir) if born_in_cgroup(dir) => (Some(open_dir(dir)?), None),
            Some(dir) => (
                None,
                Some(
                    OpenOptions::new()
                        .write(true)
                        .open(dir.join("cgroup.procs"))?,
                ),
            ),
            None => (None, None),
        };
        Ok(Prepared {
            candidates: candidates(spec.program.as_os_str(), path)?,
            argv,
            envp,
            cwd: spec
                .cwd
                .as_ref()
                .map(|d| c_string(d.as_os_str()))
                .transpose()?,
            stdio,
            cgroup,
            cgroup_procs,
            _moved: moved,
        })
    }
}

/// The paths to try for `program`: itself when it names a path; else, as `execvp` does, each
/// directory of `path` (the one the program will get; `/bin:/usr/bin` without one), an empty
/// entry meaning the working directory.
fn candidates(program: &OsStr, path: Option<&OsStr>) -> io::Result<Vec<CString>> {
    let name = program.as_bytes();
    if name.is_empty() {
        return Err(io::Error::from_raw_os_error(libc::ENOENT));
    }
    if name.contains(&b'/') {
        return Ok(vec![c_string(program)?]);
    }
    let path = path.map_or(&b"/bin:/usr/bin"[..], OsStr::as_bytes);
    path.split(|&b| b == b':')
        .map(|dir| {
            let mut full = dir.to_vec();
            if !full.is_empty() {
                full.push(b'/');
            }
            full.extend_from_slice(name);
            c_string(OsStr::from_bytes(&full))
        })
        .collect()
}

fn c_string(text: &OsStr) -> io::Result<CString> {
    CString::new(text.as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{:?} contains a NUL byte", text),
        )
    })
}

/// `/dev/null` for stdin, opened once.
fn dev_null() -> io::Result<&'static File> {
    static NULL: OnceLock<File> = OnceLock::new();
    if let Some(f) = NULL.get() {
        return Ok(f);
    }
    let f = File::open("/dev/null")?;
    Ok(NULL.get_or_init(|| f))
}

/// `fd`, or a close-on-exec copy of it above 2 (std's `try_clone_to_owned` duplicates to 3 or
/// more), kept in `moved`, when it is 0, 1 or 2.
fn above_stdio(fd: BorrowedFd<'_>, moved: &mut Vec<OwnedFd>) -> io::Result<RawFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd.as_raw_fd());
    }
    let copy = fd.try_clone_to_owned()?;
    let raw = copy.as_raw_fd();
    moved.push(copy);
    Ok(raw)
}

#[cfg(test)]
mod tests;
