//! A simulated operating system, for tests of the launcher and of the daemon that uses it.
//!
//! [`FakeOs`] implements [`ProcessOs`] without starting anything. Programs are registered by
//! path with a script ([`FakeProgram`]): how long they run, their exit code, what they do on
//! SIGTERM, what they print, and whether they leave a process behind (in the process group, or
//! escaped from it but still in the cgroup). Time is tokio's, so under
//! `tokio::time::pause()` a test of a ten-second grace period takes no time and always goes
//! the same way. Every start and every signal is recorded for assertions.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap().block_on(async {
//! use std::time::Duration;
//! use rgm_exec::fake::{FakeOs, FakeProgram, OnTerm};
//! use rgm_exec::{Launcher, LauncherConfig, MethodRequest, MethodTags, MethodStatus};
//!
//! let os = FakeOs::new();
//! os.add_program("/rt/bin/stop", FakeProgram::hangs().on_term(OnTerm::Ignores));
//! let launcher = Launcher::with_os(LauncherConfig::default(), os.clone());
//! let req = MethodRequest::new("/rt/bin/stop", vec![], Duration::from_secs(300), MethodTags::default());
//! let done = launcher.run(req, None).await;
//! assert!(done.timed_out && done.killed);
//! assert_eq!(done.status, MethodStatus::Signaled(9));
//! assert_eq!(done.duration, Duration::from_secs(310));
//! # });
//! ```

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::os::{ChildOutput, ExitKind, OsChild, ProcessOs, SpawnSpec};
use crate::safety::Refusal;

/// What a fake program does when it gets a stop signal other than SIGKILL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTerm {
    /// Dies of the signal at once.
    Dies,
    /// Exits with the given code after the given time (cleans up, then exits).
    ExitsAfter(Duration, i32),
    /// Ignores it; only SIGKILL ends it.
    Ignores,
}

/// A process a fake program leaves running: a daemon, or a grandchild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leftover {
    /// What it does on a stop signal.
    pub on_term: OnTerm,
    /// It called `setsid`: it is not in the process group, only in the cgroup (if any).
    pub escapes_group: bool,
}

/// The script of a fake program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeProgram {
    /// How long it runs before exiting by itself; `None` for ever.
    pub runs_for: Option<Duration>,
    /// Its exit code when it exits by itself.
    pub exit_code: i32,
    /// What it does on a stop signal.
    pub on_term: OnTerm,
    /// What it writes to stdout at start.
    pub stdout: Vec<u8>,
    /// What it writes to stderr at start.
    pub stderr: Vec<u8>,
    /// A process it starts and leaves running.
    pub leaves: Option<Leftover>,
    /// Starting it fails with this error number.
    pub spawn_errno: Option<i32>,
    /// ...for this many starts, then works (`None`: every start fails).
    pub spawn_failures: Option<u32>,
}

impl FakeProgram {
    /// Exits with `code` at once.
    pub fn exits(code: i32) -> Self {
        FakeProgram {
            runs_for: Some(Duration::ZERO),
            exit_code: code,
            on_term: OnTerm::Dies,
            stdout: Vec::new(),
            stderr: Vec::new(),
            leaves: None,
            spawn_errno: None,
            spawn_failures: None,
        }
    }

    /// Runs until signalled.
    pub fn hangs() -> Self {
        FakeProgram {
            runs_for: None,
            ..Self::exits(0)
        }
    }

    /// Runs for `time` before exiting.
    pub fn after(mut self, time: Duration) -> Self {
        self.runs_for = Some(time);
        self
    }

    /// Reacts to a stop signal like this.
    pub fn on_term(mut self, on_term: OnTerm) -> Self {
        self.on_term = on_term;
        self
    }

    /// Writes `text` to stdout at start.
    pub fn stdout(mut self, text: &str) -> Self {
        self.stdout.extend_from_slice(text.as_bytes());
        self
    }

    /// Writes `text` to stderr at start.
    pub fn stderr(mut self, text: &str) -> Self {
        self.stderr.extend_from_slice(text.as_bytes());
        self
    }

    /// Leaves a process running.
    pub fn leaves(mut self, leftover: Leftover) -> Self {
        self.leaves = Some(leftover);
        self
    }

    /// Cannot be started: `exec` fails with `errno`.
    pub fn fails_to_spawn(mut self, errno: i32) -> Self {
        self.spawn_errno = Some(errno);
        self
    }

    /// The first `times` starts fail with `errno` (as when file descriptors run out), the next
    /// ones work.
    pub fn fails_to_spawn_first(mut self, errno: i32, times: u32) -> Self {
        self.spawn_errno = Some(errno);
        self.spawn_failures = Some(times);
        self
    }
}

/// A recorded start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSpawn {
    /// When.
    pub at: Instant,
    /// The main process's pid.
    pub pid: u32,
    /// The program.
    pub program: PathBuf,
    /// argv\[1..\].
    pub args: Vec<OsString>,
    /// The environment given (`None`: inherited).
    pub env: Option<Vec<(OsString, OsString)>>,
    /// The working directory given.
    pub cwd: Option<PathBuf>,
    /// The cgroup it was put in.
    pub cgroup: Option<PathBuf>,
}

/// Whom a recorded signal was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeTarget {
    /// One process.
    Process(u32),
    /// A process group.
    Group(u32),
    /// A whole cgroup, through `cgroup.kill`.
    Cgroup(PathBuf),
}

/// A recorded signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSignal {
    /// When.
    pub at: Instant,
    /// To whom.
    pub target: FakeTarget,
    /// Which.
    pub signal: Signal,
}

/// The simulated system. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct FakeOs {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    programs: HashMap<PathBuf, FakeProgram>,
    procs: HashMap<u32, Proc>,
    last_pid: u32,
    spawns: Vec<FakeSpawn>,
    signals: Vec<FakeSignal>,
    cgroup_parent: Option<PathBuf>,
    no_cgroup_kill: bool,
    cgroup_join_fails: bool,
    cgroups: BTreeSet<PathBuf>,
    /// Every move of a process into a cgroup: (pid, cgroup).
    moves: Vec<(u32, PathBuf)>,
}

#[derive(Debug)]
struct Proc {
    pgid: u32,
    /// Its session: [`RGMD_SESSION`] (the launcher's), or its own pid after `setsid`.
    sid: u32,
    /// Its "start time": the order in which fake processes were made.
    start_time: u64,
    cgroup: Option<PathBuf>,
    on_term: OnTerm,
    /// When and how it ends, as far as is known now.
    ends: Option<(Instant, ExitKind)>,
    notify: Arc<Notify>,
}

impl Proc {
    /// In the cgroup at `path` or one below it.
    fn in_cgroup(&self, path: &Path) -> bool {
        self.cgroup.as_deref().is_some_and(|c| c.starts_with(path))
    }

    fn alive(&self, now: Instant) -> bool {
        self.ends.is_none_or(|(at, _)| at > now)
    }

    fn end(&mut self, at: Instant, how: ExitKind) {
        if self.ends.is_none_or(|(old, _)| at < old) {
            self.ends = Some((at, how));
            self.notify.notify_one();
        }
    }

    fn signal(&mut self, signal: Signal, now: Instant) {
        if !self.alive(now) {
            return;
        }
        match (signal, self.on_term) {
            (Signal::SIGKILL, _) | (_, OnTerm::Dies) => {
                self.end(now, ExitKind::Signal(signal as i32));
            }
            (_, OnTerm::ExitsAfter(delay, code)) => self.end(now + delay, ExitKind::Code(code)),
            (_, OnTerm::Ignores) => {}
        }
    }
}

/// pid the fake reports for the test process itself (for cgroup naming).
const FIRST_PID: u32 = 1000;

/// The session of the processes the fake launcher starts (rgmd's).
const RGMD_SESSION: u32 = 1;

impl FakeOs {
    /// A fake system without cgroups.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fake system with a writable cgroup v2; method cgroups go under `parent`.
    pub fn with_cgroups(parent: impl Into<PathBuf>) -> Self {
        let os = Self::default();
        os.lock().cgroup_parent = Some(parent.into());
        os
    }

    /// Makes the fake kernel lack `cgroup.kill` (before Linux 5.14).
    pub fn without_cgroup_kill(self) -> Self {
        self.lock().no_cgroup_kill = true;
        self
    }

    /// Makes joining a cgroup fail at start (as when rgmd lacks the rights on `cgroup.procs`),
    /// while cgroups can still be created.
    pub fn with_failing_cgroup_join(self) -> Self {
        self.lock().cgroup_join_fails = true;
        self
    }

    /// Registers a program at `path`.
    pub fn add_program(&self, path: impl Into<PathBuf>, program: FakeProgram) {
        self.lock().programs.insert(path.into(), program);
    }

    /// Every start so far.
    pub fn spawns(&self) -> Vec<FakeSpawn> {
        self.lock().spawns.clone()
    }

    /// Every signal sent so far.
    pub fn signals(&self) -> Vec<FakeSignal> {
        self.lock().signals.clone()
    }

    /// Processes alive now, of any program.
    pub fn live_processes(&self) -> Vec<u32> {
        let now = Instant::now();
        let state = self.lock();
        let mut pids: Vec<u32> = state
            .procs
            .iter()
            .filter(|(_, p)| p.alive(now))
            .map(|(pid, _)| *pid)
            .collect();
        pids.sort_unstable();
        pids
    }

    /// Cgroup directories that exist now.
    pub fn cgroups(&self) -> Vec<PathBuf> {
        self.lock().cgroups.iter().cloned().collect()
    }

    /// The cgroup a process is in now (`None`: none, or no such process).
    pub fn cgroup_of(&self, pid: u32) -> Option<PathBuf> {
        self.lock().procs.get(&pid).and_then(|p| p.cgroup.clone())
    }

    /// Every move of a process into a cgroup so far: (pid, cgroup).
    pub fn moves(&self) -> Vec<(u32, PathBuf)> {
        self.lock().moves.clone()
    }

    /// Starts a process outside any launcher, as a method of an earlier rgmd did: in process
    /// group `pgid` (its own when `None`) of the launcher's session, and cgroup `cgroup`,
    /// running until signalled (and reacting to stop signals as `on_term` says). Returns its
    /// pid.
    pub fn add_process(&self, pgid: Option<u32>, cgroup: Option<PathBuf>, on_term: OnTerm) -> u32 {
        self.add(pgid, false, cgroup, on_term)
    }

    /// Starts a daemon outside any launcher, as a method of an earlier rgmd left one: a
    /// session and process group of its own (`setsid`), in cgroup `cgroup`. Returns its pid.
    pub fn add_daemon(&self, cgroup: Option<PathBuf>) -> u32 {
        self.add(None, true, cgroup, OnTerm::Dies)
    }

    fn add(
        &self,
        pgid: Option<u32>,
        setsid: bool,
        cgroup: Option<PathBuf>,
        on_term: OnTerm,
    ) -> u32 {
        let mut state = self.lock();
        let pid = state.last_pid.max(FIRST_PID) + 1;
        state.last_pid = pid;
        if let Some(c) = &cgroup {
            state.cgroups.extend(c.ancestors().map(Path::to_owned));
        }
        state.procs.insert(
            pid,
            Proc {
                pgid: pgid.unwrap_or(pid),
                sid: if setsid { pid } else { RGMD_SESSION },
                start_time: u64::from(pid),
                cgroup,
                on_term,
                ends: None,
                notify: Arc::new(Notify::new()),
            },
        );
        pid
    }

    /// Ends a live process now, as if it had been killed by someone else (e.g. a STOP method
    /// stopping the daemon a START method left).
    pub fn end_process(&self, pid: u32) {
        let now = Instant::now();
        if let Some(p) = self.lock().procs.get_mut(&pid) {
            p.end(now, ExitKind::Code(0));
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A fake process started by [`FakeOs`].
#[derive(Debug)]
pub struct FakeChild {
    pid: u32,
    os: FakeOs,
}

impl OsChild for FakeChild {
    fn pid(&self) -> u32 {
        self.pid
    }

    async fn wait(&mut self) -> io::Result<ExitKind> {
        loop {
            let (ends, notify) = {
                let state = self.os.lock();
                let p = &state.procs[&self.pid];
                (p.ends, Arc::clone(&p.notify))
            };
            match ends {
                Some((at, how)) if at <= Instant::now() => return Ok(how),
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = notify.notified() => {}
                    }
                }
                None => notify.notified().await,
            }
        }
    }
}

impl ProcessOs for FakeOs {
    type Child = FakeChild;

    fn check_program(&self, path: &Path, _owners: &[u32]) -> Result<(), Refusal> {
        if self.lock().programs.contains_key(path) {
            Ok(())
        } else {
            Err(Refusal::NotFound {
                path: path.to_owned(),
            })
        }
    }

    fn spawn(&self, spec: SpawnSpec) -> io::Result<FakeChild> {
        let now = Instant::now();
        let mut state = self.lock();
        let program = state
            .programs
            .get_mut(&spec.program)
            .ok_or_else(|| io::Error::from_raw_os_error(libc::ENOENT))?;
        if let Some(errno) = program.spawn_errno {
            match &mut program.spawn_failures {
                None => return Err(io::Error::from_raw_os_error(errno)),
                Some(0) => {}
                Some(n) => {
                    *n -= 1;
                    return Err(io::Error::from_raw_os_error(errno));
                }
            }
        }
        let program = program.clone();
        if let Some(cgroup) = &spec.cgroup {
            if !state.cgroups.contains(cgroup) {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            if state.cgroup_join_fails {
                return Err(io::Error::from_raw_os_error(libc::EACCES));
            }
        }
        let pid = state.last_pid.max(FIRST_PID) + 1;
        state.last_pid = pid;
        state.procs.insert(
            pid,
            Proc {
                pgid: pid,
                sid: RGMD_SESSION,
                start_time: u64::from(pid),
                cgroup: spec.cgroup.clone(),
                on_term: program.on_term,
                ends: program
                    .runs_for
                    .map(|d| (now + d, ExitKind::Code(program.exit_code))),
                notify: Arc::new(Notify::new()),
            },
        );
        if let Some(leftover) = program.leaves {
            let child = pid + 1;
            state.last_pid = child;
            state.procs.insert(
                child,
                Proc {
                    pgid: if leftover.escapes_group { child } else { pid },
                    sid: if leftover.escapes_group {
                        child
                    } else {
                        RGMD_SESSION
                    },
                    start_time: u64::from(child),
                    cgroup: spec.cgroup.clone(),
                    on_term: leftover.on_term,
                    ends: None,
                    notify: Arc::new(Notify::new()),
                },
            );
        }
        state.spawns.push(FakeSpawn {
            at: now,
            pid,
            program: spec.program.clone(),
            args: spec.args.clone(),
            env: spec.env.clone(),
            cwd: spec.cwd.clone(),
            cgroup: spec.cgroup.clone(),
        });
        drop(state);
        if let ChildOutput::Pipes { stdout, stderr } = spec.output {
            write_all(stdout, &program.stdout)?;
            write_all(stderr, &program.stderr)?;
        }
        Ok(FakeChild {
            pid,
            os: self.clone(),
        })
    }

    fn signal_process(&self, pid: u32, signal: Signal) -> io::Result<()> {
        let now = Instant::now();
        let mut state = self.lock();
        state.signals.push(FakeSignal {
            at: now,
            target: FakeTarget::Process(pid),
            signal,
        });
        if let Some(p) = state.procs.get_mut(&pid) {
            p.signal(signal, now);
        }
        Ok(())
    }

    fn signal_group(&self, pgid: u32, signal: Signal) -> io::Result<()> {
        let now = Instant::now();
        let mut state = self.lock();
        state.signals.push(FakeSignal {
            at: now,
            target: FakeTarget::Group(pgid),
            signal,
        });
        for p in state.procs.values_mut().filter(|p| p.pgid == pgid) {
            p.signal(signal, now);
        }
        Ok(())
    }

    fn process_alive(&self, pid: u32) -> bool {
        let now = Instant::now();
        self.lock().procs.get(&pid).is_some_and(|p| p.alive(now))
    }

    fn group_alive(&self, pgid: u32) -> bool {
        let now = Instant::now();
        self.lock()
            .procs
            .values()
            .any(|p| p.pgid == pgid && p.alive(now))
    }

    fn process_ids(&self, pid: u32) -> Option<(u32, u32)> {
        let now = Instant::now();
        let state = self.lock();
        let p = state.procs.get(&pid).filter(|p| p.alive(now))?;
        Some((p.pgid, p.sid))
    }

    fn start_time(&self, pid: u32) -> Option<u64> {
        if pid == std::process::id() {
            return Some(1);
        }
        let now = Instant::now();
        let state = self.lock();
        let p = state.procs.get(&pid)?;
        p.alive(now).then_some(p.start_time)
    }

    fn cgroup_parent(&self, explicit: Option<&Path>) -> Result<PathBuf, String> {
        let mut state = self.lock();
        let parent = match explicit {
            Some(dir) => dir.to_owned(),
            None => state
                .cgroup_parent
                .clone()
                .ok_or_else(|| "the fake system has no cgroup v2".to_owned())?,
        };
        state.cgroups.insert(parent.clone());
        Ok(parent)
    }

    fn create_cgroup(&self, path: &Path) -> io::Result<()> {
        let mut state = self.lock();
        let parent_exists = path.parent().is_some_and(|p| state.cgroups.contains(p));
        if !parent_exists {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        if state.cgroups.insert(path.to_owned()) {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(libc::EEXIST))
        }
    }

    fn remove_cgroup(&self, path: &Path) -> io::Result<()> {
        let now = Instant::now();
        let mut state = self.lock();
        if !state.cgroups.contains(path) {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        let busy = state
            .procs
            .values()
            .any(|p| p.in_cgroup(path) && p.alive(now))
            || state.cgroups.iter().any(|c| c.parent() == Some(path));
        if busy {
            return Err(io::Error::from_raw_os_error(libc::EBUSY));
        }
        state.cgroups.remove(path);
        Ok(())
    }

    fn list_cgroups(&self, parent: &Path) -> io::Result<Vec<String>> {
        Ok(self
            .lock()
            .cgroups
            .iter()
            .filter(|c| c.parent() == Some(parent))
            .filter_map(|c| Some(c.file_name()?.to_string_lossy().into_owned()))
            .collect())
    }

    fn cgroup_members(&self, path: &Path) -> io::Result<Vec<u32>> {
        let now = Instant::now();
        let state = self.lock();
        if !state.cgroups.contains(path) {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        let mut pids: Vec<u32> = state
            .procs
            .iter()
            .filter(|(_, p)| p.in_cgroup(path) && p.alive(now))
            .map(|(pid, _)| *pid)
            .collect();
        pids.sort_unstable();
        Ok(pids)
    }

    fn move_to_cgroup(&self, pid: u32, path: &Path) -> io::Result<()> {
        let now = Instant::now();
        let mut state = self.lock();
        if !state.cgroups.contains(path) {
            return Err(io::Error::from_raw_os_error(libc::ENOENT));
        }
        state.moves.push((pid, path.to_owned()));
        if let Some(p) = state.procs.get_mut(&pid).filter(|p| p.alive(now)) {
            p.cgroup = Some(path.to_owned());
        }
        Ok(())
    }

    fn cgroup_alive(&self, path: &Path) -> bool {
        let now = Instant::now();
        self.lock()
            .procs
            .values()
            .any(|p| p.in_cgroup(path) && p.alive(now))
    }

    fn kill_cgroup(&self, path: &Path) -> io::Result<bool> {
        let now = Instant::now();
        let mut state = self.lock();
        if state.no_cgroup_kill {
            return Ok(false);
        }
        state.signals.push(FakeSignal {
            at: now,
            target: FakeTarget::Cgroup(path.to_owned()),
            signal: Signal::SIGKILL,
        });
        for p in state.procs.values_mut().filter(|p| p.in_cgroup(path)) {
            p.signal(Signal::SIGKILL, now);
        }
        Ok(true)
    }
}

fn write_all(fd: OwnedFd, data: &[u8]) -> io::Result<()> {
    let mut rest = data;
    while !rest.is_empty() {
        let n = nix::unistd::write(&fd, rest)?;
        rest = &rest[n..];
    }
    Ok(())
}
