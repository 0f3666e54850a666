//! The unsafe half of [`super`]: the `clone3` call, the child's code between the clone and
//! `exec`, waiting on a pidfd, and the `pre_exec` hook of the fork fallback. Nothing else in
//! rgm uses `unsafe`.
//!
//! # The child shares our memory
//!
//! `clone3(CLONE_VM | CLONE_VFORK)` makes a child that runs in rgmd's address space, on a stack
//! of its own ([`ChildStack`]), while the thread that called it is suspended until the child
//! has called `exec` (or exited). No page table is copied: that is the point. In return the
//! child may do only what cannot disturb the parent:
//!
//! - it reads a [`ChildPlan`] the parent built beforehand — C strings, pointer arrays and plain
//!   numbers — and allocates nothing, takes no lock and cannot panic (no indexing, no
//!   `unwrap`, no formatting);
//! - it makes only system calls through libc's thin wrappers (`write`, `sigaction`, `setpgid`,
//!   `prctl`, `getppid`, `dup2`, `chdir`, `execve`, `_exit`), which are async-signal-safe; they may set `errno`, which is the suspended thread's, read by nobody
//!   before the next system call of that thread;
//! - it writes to memory only its error slot (an atomic in the plan) and the one free slot of
//!   the `/bin/sh` argument vector, both owned by the suspended parent;
//! - no signal handler of rgmd can run in it: `CLONE_CLEAR_SIGHAND` gives it default
//!   dispositions from birth (signals rgmd ignores stay ignored, as across `exec`), so a signal
//!   that reaches it before `exec` does what it would do after. Its signal mask is the calling
//!   thread's, kept across `exec`, as std's `Command` keeps it.
//!
//! Binaries are linked with `-z now` (Rust's default full RELRO), so no lazy symbol binding
//! runs in the child either.
//!
//! # Architectures
//!
//! The clone itself is a few instructions of inline assembly — the child must start on its own
//! stack in a function of ours, which no libc wrapper of `clone3` offers — written for x86_64.
//! Elsewhere [`CLONE3`] is false and [`super`] uses the fork fallback.

#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int};
use std::io;
use std::os::fd::{BorrowedFd, FromRawFd as _, OwnedFd, RawFd};
use std::os::unix::process::CommandExt as _;
use std::sync::atomic::{AtomicI32, Ordering};

use crate::os::ExitKind;

/// Whether [`clone_exec`] exists on this architecture.
pub(super) const CLONE3: bool = cfg!(target_arch = "x86_64");

const CLONE_VM: u64 = 0x100;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_CLEAR_SIGHAND: u64 = 0x1_0000_0000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `struct clone_args` up to `cgroup` (`CLONE_ARGS_SIZE_VER2`, Linux 5.7).
#[repr(C)]
#[derive(Default)]
struct CloneArgs {
    flags: u64,
    pidfd: u64,
    child_tid: u64,
    parent_tid: u64,
    exit_signal: u64,
    stack: u64,
    stack_size: u64,
    tls: u64,
    set_tid: u64,
    set_tid_size: u64,
    cgroup: u64,
}

/// What a process is started with: everything prepared by the parent, so that the child only
/// reads it.
pub(super) struct ExecRequest<'a> {
    /// Paths to try in order (one, or the `PATH` candidates for a bare name).
    pub candidates: &'a [CString],
    /// The whole argv, `argv[0]` included.
    pub argv: &'a [CString],
    /// `NAME=value` entries.
    pub envp: &'a [CString],
    pub cwd: Option<&'a CStr>,
    /// Descriptors to become stdin, stdout and stderr (all above 2), or `None` to inherit.
    pub stdio: [Option<RawFd>; 3],
    /// An open cgroup directory for the child to be born in.
    pub cgroup: Option<RawFd>,
    /// An open `cgroup.procs` for the child to join by writing `0` to it, first thing.
    pub cgroup_procs: Option<RawFd>,
    /// A signal for the child when the calling thread dies.
    pub death_signal: Option<c_int>,
}

/// How a [`clone_exec`] went.
pub(super) enum Cloned {
    /// The child runs the program: its pid and a pidfd for it.
    Started(u32, OwnedFd),
    /// `clone3` itself failed (`ENOSYS`: not allowed here; `EBUSY`, `EACCES`...: the cgroup).
    CloneFailed(io::Error),
    /// The child could not set itself up or `exec`; it has been reaped.
    ChildFailed(io::Error),
}

/// What the child reads. Raw pointers into buffers the parent keeps alive (and does not touch)
/// until the clone returns.
struct ChildPlan {
    candidates: *const *const c_char,
    candidate_count: usize,
    argv: *const *const c_char,
    /// `["/bin/sh", <free>, argv[1..], NULL]`: the child puts the path in slot 1.
    sh_argv: *mut *const c_char,
    envp: *const *const c_char,
    cwd: *const c_char,
    /// Descriptor for each of 0, 1 and 2, or -1 to leave it.
    stdio: [c_int; 3],
    /// A `cgroup.procs` to write `0` to, or -1.
    cgroup_procs: c_int,
    /// 0 for none.
    death_signal: c_int,
    parent: libc::pid_t,
    /// The errno of what failed in the child; 0 while nothing has.
    error: AtomicI32,
}

/// Pointers to the strings, NULL-terminated.
fn pointers<'a>(strings: impl IntoIterator<Item = &'a CString>) -> Vec<*const c_char> {
    strings
        .into_iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Starts `req` with `clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND
/// [| CLONE_INTO_CGROUP])`. Returns once the child has called `exec` or failed.
#[cfg(target_arch = "x86_64")]
pub(super) fn clone_exec(req: &ExecRequest<'_>) -> Cloned {
    let candidates = pointers(req.candidates);
    let argv = pointers(req.argv);
    let envp = pointers(req.envp);
    let mut sh_argv: Vec<*const c_char> = [c"/bin/sh".as_ptr(), std::ptr::null()]
        .into_iter()
        .chain(argv.iter().skip(1).copied())
        .collect();
    let plan = ChildPlan {
        candidates: candidates.as_ptr(),
        candidate_count: req.candidates.len(),
        argv: argv.as_ptr(),
        sh_argv: sh_argv.as_mut_ptr(),
        envp: envp.as_ptr(),
        cwd: req.cwd.map_or(std::ptr::null(), CStr::as_ptr),
        stdio: req.stdio.map(|fd| fd.unwrap_or(-1)),
        cgroup_procs: req.cgroup_procs.unwrap_or(-1),
        death_signal: req.death_signal.unwrap_or(0),
        parent: std::process::id() as libc::pid_t,
        error: AtomicI32::new(0),
    };
    let mut pidfd: c_int = -1;
    let result = STACK.with(|cell| {
        let mut slot = cell.borrow_mut();
        let stack = match slot.as_ref() {
            Some(stack) => stack,
            None => slot.insert(ChildStack::new()?),
        };
        let mut args = CloneArgs {
            flags: CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_CLEAR_SIGHAND,
            pidfd: std::ptr::from_mut(&mut pidfd) as u64,
            exit_signal: libc::SIGCHLD as u64,
            stack: stack.low as u64,
            stack_size: stack.size as u64,
            ..CloneArgs::default()
        };
        if let Some(fd) = req.cgroup {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = fd as u64;
        }
        // SAFETY: `args` describes a stack of ours that nothing else uses while the child
        // runs (this thread is suspended until the child has exec'd or exited, and the stack
        // is this thread's), a pidfd slot that lives across the call, and flags that share
        // nothing else with the child. `child_main` reads `plan`, which outlives the call, as
        // the module documentation says.
        Ok::<isize, io::Error>(unsafe { clone3(&mut args, child_main, &plan) })
    });
    let ret = match result {
        Ok(ret) => ret,
        Err(e) => return Cloned::CloneFailed(e),
    };
    // The buffers the child read stay alive until here.
    drop((candidates, argv, envp, sh_argv));
    if ret < 0 {
        return Cloned::CloneFailed(io::Error::from_raw_os_error(-ret as i32));
    }
    // SAFETY: with CLONE_PIDFD the kernel stored a new descriptor (close-on-exec) in `pidfd`,
    // which nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    match plan.error.load(Ordering::Acquire) {
        0 => Cloned::Started(ret as u32, pidfd),
        errno => {
            // The child has exited (the clone returned, so it has exec'd or exited; it
            // reported an error, so it did not exec): reap it.
            let _ = wait(pidfd_borrow(&pidfd), true);
            Cloned::ChildFailed(io::Error::from_raw_os_error(errno))
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn clone_exec(_req: &ExecRequest<'_>) -> Cloned {
    Cloned::CloneFailed(io::Error::from_raw_os_error(libc::ENOSYS))
}

fn pidfd_borrow(fd: &OwnedFd) -> BorrowedFd<'_> {
    use std::os::fd::AsFd as _;
    fd.as_fd()
}

/// `clone3(args)`; in the child, `child(plan)` on the stack `args` names, never returning.
/// Returns the child's pid, or minus the errno.
///
/// # Safety
/// `args` must be valid for `clone3` with `CLONE_VM | CLONE_VFORK` and a stack, and `child`
/// must never return and do only what the module documentation allows.
#[cfg(target_arch = "x86_64")]
unsafe fn clone3(
    args: &mut CloneArgs,
    child: extern "C" fn(*const ChildPlan) -> !,
    plan: *const ChildPlan,
) -> isize {
    let ret: isize;
    // SAFETY: see the function's contract. The parent's registers come back as they were,
    // but for rax (the result), rcx and r11 (clobbered by `syscall`). The child starts with
    // the same registers, rax = 0 and rsp at the top of its stack (16-byte aligned, so after
    // the `call` pushes its return address the callee sees the alignment the ABI wants).
    unsafe {
        std::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov rdi, {plan}",
            "call {child}",
            "ud2",
            "2:",
            plan = in(reg) plan,
            child = in(reg) child,
            inlateout("rax") libc::SYS_clone3 as isize => ret,
            in("rdi") std::ptr::from_mut(args),
            in("rsi") std::mem::size_of::<CloneArgs>(),
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The child, from the clone to `exec`. Reports what failed in the plan's error slot and exits
/// with 127.
extern "C" fn child_main(plan: *const ChildPlan) -> ! {
    // SAFETY: `plan` points to the parent's plan, alive and untouched while the parent is
    // suspended; everything below is as the module documentation says.
    unsafe {
        let plan = &*plan;
        let errno = set_up_and_exec(plan);
        plan.error.store(errno, Ordering::Release);
        libc::_exit(127)
    }
}

/// The child's work; returns the errno of what failed (`exec` only returns on failure).
///
/// # Safety
/// Only in the child of [`clone3`], with a plan whose pointers are valid.
unsafe fn set_up_and_exec(plan: &ChildPlan) -> c_int {
    // SAFETY: plain system calls on values of the plan; see the module documentation.
    unsafe {
        if plan.cgroup_procs >= 0 && libc::write(plan.cgroup_procs, b"0".as_ptr().cast(), 1) != 1 {
            return errno();
        }
        // Rust ignores SIGPIPE; a program expects the default (as std's Command gives it).
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        if libc::sigaction(libc::SIGPIPE, &dfl, std::ptr::null_mut()) != 0 {
            return errno();
        }
        if libc::setpgid(0, 0) != 0 {
            return errno();
        }
        if plan.death_signal != 0 {
            if libc::prctl(libc::PR_SET_PDEATHSIG, plan.death_signal as libc::c_ulong) != 0 {
                return errno();
            }
            // The parent died before the prctl: the signal will never come.
            if libc::getppid() != plan.parent {
                return libc::ESRCH;
            }
        }
        for (target, &fd) in (0..).zip(plan.stdio.iter()) {
            if fd >= 0 && libc::dup2(fd, target) < 0 {
                return errno();
            }
        }
        if !plan.cwd.is_null() && libc::chdir(plan.cwd) != 0 {
            return errno();
        }
        exec_candidates(plan)
    }
}

/// `execve` of each candidate in turn, as `execvp` does: a file the kernel cannot run
/// (`ENOEXEC`) is run by `/bin/sh`; a candidate that is missing or not allowed is passed over;
/// at the end, `EACCES` if any candidate was not allowed.
///
/// # Safety
/// As [`set_up_and_exec`].
unsafe fn exec_candidates(plan: &ChildPlan) -> c_int {
    let mut denied = false;
    let mut last = libc::ENOENT;
    for i in 0..plan.candidate_count {
        // SAFETY: `i` is below the number of candidates; the arrays are NULL-terminated and
        // their strings valid; `sh_argv` has a free slot 1.
        unsafe {
            let path = *plan.candidates.add(i);
            libc::execve(path, plan.argv, plan.envp);
            match errno() {
                libc::ENOEXEC => {
                    *plan.sh_argv.add(1) = path;
                    libc::execve(c"/bin/sh".as_ptr(), plan.sh_argv.cast_const(), plan.envp);
                    return errno();
                }
                libc::EACCES => denied = true,
                e @ (libc::ENOENT
                | libc::ENOTDIR
                | libc::ESTALE
                | libc::ENODEV
                | libc::ETIMEDOUT) => last = e,
                e => return e,
            }
        }
    }
    if denied { libc::EACCES } else { last }
}

fn errno() -> c_int {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// Stack bytes for the child (it uses a few hundred), above one guard page.
const STACK_SIZE: usize = 64 * 1024;
const GUARD: usize = 4096;

/// A stack for the children this thread starts, one at a time (the thread is suspended while
/// its child uses it), with a guard page below it.
struct ChildStack {
    map: *mut libc::c_void,
    low: *mut libc::c_void,
    size: usize,
}

impl ChildStack {
    fn new() -> io::Result<ChildStack> {
        // SAFETY: a fresh anonymous mapping, then its lowest page made inaccessible.
        unsafe {
            let map = libc::mmap(
                std::ptr::null_mut(),
                GUARD + STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            );
            if map == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            if libc::mprotect(map, GUARD, libc::PROT_NONE) != 0 {
                let e = io::Error::last_os_error();
                libc::munmap(map, GUARD + STACK_SIZE);
                return Err(e);
            }
            Ok(ChildStack {
                map,
                low: map.cast::<u8>().add(GUARD).cast(),
                size: STACK_SIZE,
            })
        }
    }
}

impl Drop for ChildStack {
    fn drop(&mut self) {
        // SAFETY: our own mapping, which no child uses any more (a child uses it only while
        // this thread is suspended in `clone3`).
        unsafe {
            libc::munmap(self.map, GUARD + STACK_SIZE);
        }
    }
}

thread_local! {
    static STACK: RefCell<Option<ChildStack>> = const { RefCell::new(None) };
}

/// Registers a pidfd with the runtime's reactor (it becomes readable when its process ends).
pub(super) fn register(pidfd: OwnedFd) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: an `OwnedFd` keeps its descriptor open, and its `as_raw_fd` the same, for as long
    // as the `AsyncFd` owns it.
    unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE)
    }
    .map_err(io::Error::from)
}

/// Reaps the child of `pidfd` if it has ended (waits for it when `block`): `Ok(None)` while
/// it runs.
pub(super) fn wait(pidfd: BorrowedFd<'_>, block: bool) -> io::Result<Option<ExitKind>> {
    use std::os::fd::AsRawFd as _;
    let flags = libc::WEXITED | if block { 0 } else { libc::WNOHANG };
    loop {
        // SAFETY: `waitid` fills `info`, zeroed first so that "no child ended" reads as pid 0.
        let info = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let id = pidfd.as_raw_fd() as libc::id_t;
            if libc::waitid(libc::P_PIDFD, id, &mut info, flags) != 0 {
                let e = io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EINTR) {
                    continue;
                }
                return Err(e);
            }
            info
        };
        // SAFETY: after a successful `waitid`, the pid and status fields are the ones set.
        let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
        if pid == 0 {
            return Ok(None);
        }
        return Ok(Some(match info.si_code {
            libc::CLD_EXITED => ExitKind::Code(status),
            _ => ExitKind::Signal(status),
        }));
    }
}

/// What the child of the fork fallback does between `fork` and `exec`. Plain numbers only: the
/// hook must not allocate or lock.
#[derive(Debug, Clone, Copy)]
pub(super) struct ForkHook {
    /// An open `cgroup.procs` to write `0` to, moving the child into that cgroup.
    pub cgroup_procs: Option<RawFd>,
    /// `(signal, parent pid)`: ask for `signal` when the parent dies, and give up if it
    /// already has.
    pub death_signal: Option<(c_int, libc::pid_t)>,
}

impl ForkHook {
    pub(super) fn needed(&self) -> bool {
        self.cgroup_procs.is_some() || self.death_signal.is_some()
    }

    /// Makes `cmd` run the hook in its child (which makes std fork rather than `posix_spawn`).
    pub(super) fn install(self, cmd: &mut std::process::Command) {
        // SAFETY: `pre_exec` runs the closure in the child after `fork`, where only
        // async-signal-safe operations are allowed. The closure uses only values copied into
        // it and makes only raw system calls (`write`, `prctl`, `getppid`); it does not
        // allocate, lock or touch memory shared with other threads. `io::Error::last_os_error`
        // only reads errno.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(fd) = self.cgroup_procs {
                    // SAFETY: `fd` is open in the child (inherited; it closes at exec) and the
                    // buffer is a static one-byte string.
                    let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                    if written != 1 {
                        return Err(io::Error::last_os_error());
                    }
                }
                if let Some((signal, parent)) = self.death_signal {
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
}
