//! The supervisor: watches one started process until the run is over.
//!
//! States, after the process has been started:
//!
//! ```text
//!            main process exits                     (not killed: leftovers of a method that
//! Running ───────────────────────────────► Done      ended on its own are left alone)
//!    │
//!    │ timeout, or cancel
//!    ▼
//! Terminating ── stop signal (SIGTERM) sent to the process group and to every member of the
//!    │           cgroup; waits until nothing of the method is alive ───────────► Done
//!    │ grace period over and something is still alive
//!    ▼
//! Killing ────── SIGKILL to the group, `cgroup.kill` (or SIGKILL to each member), repeated
//!                until nothing is alive ───────────────────────────────────────► Done
//!                (gives up after KILL_WAIT and reports survivors)
//! ```
//!
//! "Alive" means: the main process has not been reaped and is not a zombie, or the process group
//! has a member that is not a zombie, or the cgroup is populated. Zombies count as dead — they
//! run nothing, and orphans stay zombies until whoever adopted them reaps them.
//!
//! Output keeps being read in every state. All waiting uses tokio's clock, so the machine runs
//! deterministically under `tokio::time::pause()` with [`FakeOs`](crate::fake::FakeOs).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::capture::Capture;
use crate::os::{ExitKind, OsChild, ProcessOs};

/// How long after SIGKILL the supervisor waits for everything to be gone before it reports
/// survivors (processes stuck in uninterruptible sleep).
pub const KILL_WAIT: Duration = Duration::from_secs(5);

/// First and longest interval between checks for leftover processes.
const CHECK_FIRST: Duration = Duration::from_millis(2);
const CHECK_MAX: Duration = Duration::from_millis(100);

/// The states of a supervised run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Started; waiting for the main process to exit.
    Running,
    /// The stop signal has been sent; waiting for everything to end or the grace period to
    /// pass.
    Terminating,
    /// SIGKILL has been sent; waiting for everything to be gone.
    Killing,
    /// Over.
    Done,
}

/// Timing and signals of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// When the run times out.
    pub deadline: Instant,
    /// Between the stop signal and SIGKILL.
    pub grace: Duration,
    /// Sent first on timeout or cancel (SIGTERM for methods).
    pub stop_signal: Signal,
}

/// What the supervisor watches.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The main process, when known (for logs, and "alive" until it is reaped).
    pub pid: Option<u32>,
    /// The process group to signal: the main process's, while that id is known to be its.
    pub pgid: Option<u32>,
    /// The run's cgroup, where cgroups are used.
    pub cgroup: Option<PathBuf>,
}

impl Target {
    /// A process the launcher started: its pid is its process group's id.
    pub(crate) fn started(pid: u32, cgroup: Option<PathBuf>) -> Target {
        Target {
            pid: Some(pid),
            pgid: Some(pid),
            cgroup,
        }
    }
}

/// How a supervised run went.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// How the main process ended; `Err` when that could not be learnt.
    pub exit: Result<ExitKind, String>,
    pub timed_out: bool,
    pub cancelled: bool,
    /// SIGKILL was sent.
    pub killed: bool,
    /// Something of the run was still alive [`KILL_WAIT`] after SIGKILL.
    pub survivors: bool,
}

/// Watches `child` until the run is over. See the module documentation.
pub(crate) async fn supervise<O: ProcessOs, C: OsChild>(
    os: &O,
    child: &mut C,
    target: &Target,
    plan: Plan,
    cancel: &mut watch::Receiver<bool>,
    mut capture: Option<&mut Capture>,
) -> Outcome {
    let mut run = Run {
        os,
        target,
        plan,
        phase: Phase::Running,
        exit: None,
        group_gone: target.pgid.is_none(),
        kill_at: None,
        give_up_at: None,
        next_check: None,
        check_every: CHECK_FIRST,
        timed_out: false,
        cancelled: false,
        killed: false,
        survivors: false,
    };
    let mut cancel_open = true;
    if *cancel.borrow_and_update() {
        run.cancelled = true;
        run.terminate();
    }
    while run.phase != Phase::Done {
        let capturing = capture.as_ref().is_some_and(|c| c.active());
        tokio::select! {
            biased;
            exit = child.wait(), if run.exit.is_none() => run.on_exit(exit),
            changed = cancel.changed(), if run.phase == Phase::Running && cancel_open => {
                match changed {
                    Ok(()) if *cancel.borrow_and_update() => {
                        run.cancelled = true;
                        tracing::info!(pid = target.pid, "method cancelled; stopping its processes");
                        run.terminate();
                    }
                    Ok(()) => {}
                    Err(_) => cancel_open = false,
                }
            }
            () = sleep_until(plan.deadline), if run.phase == Phase::Running => {
                run.timed_out = true;
                tracing::warn!(pid = target.pid, "method timed out; sending {} to its processes", signal_name(plan.stop_signal));
                run.terminate();
            }
            () = at(run.kill_at) => run.on_grace_over(),
            () = at(run.give_up_at) => run.on_give_up(),
            () = at(run.next_check) => run.on_check(),
            () = next_output(&mut capture), if capturing => {}
        }
    }
    Outcome {
        exit: run
            .exit
            .unwrap_or_else(|| Err("the process did not end".to_owned())),
        timed_out: run.timed_out,
        cancelled: run.cancelled,
        killed: run.killed,
        survivors: run.survivors,
    }
}

struct Run<'a, O: ProcessOs> {
    os: &'a O,
    target: &'a Target,
    plan: Plan,
    phase: Phase,
    exit: Option<Result<ExitKind, String>>,
    /// The process group was seen empty after the main process was reaped: its id may now
    /// belong to someone else, so it is never signalled again.
    group_gone: bool,
    kill_at: Option<Instant>,
    give_up_at: Option<Instant>,
    next_check: Option<Instant>,
    check_every: Duration,
    timed_out: bool,
    cancelled: bool,
    killed: bool,
    survivors: bool,
}

impl<O: ProcessOs> Run<'_, O> {
    fn on_exit(&mut self, exit: io::Result<ExitKind>) {
        self.exit = Some(exit.map_err(|e| e.to_string()));
        if self.phase == Phase::Running {
            self.phase = Phase::Done;
        } else {
            self.on_check();
        }
    }

    /// Running → Terminating.
    fn terminate(&mut self) {
        self.phase = Phase::Terminating;
        self.signal_all(self.plan.stop_signal);
        if self.plan.stop_signal == Signal::SIGKILL {
            self.killed = true;
        }
        self.kill_at = Some(later(Instant::now(), self.plan.grace));
        self.check_soon();
    }

    fn on_grace_over(&mut self) {
        self.kill_at = None;
        if !self.anything_alive() {
            self.finish_if_reaped();
            return;
        }
        tracing::warn!(
            pid = self.target.pid,
            grace_ms = self.plan.grace.as_millis() as u64,
            "method still running after its grace period; sending SIGKILL"
        );
        self.phase = Phase::Killing;
        self.killed = true;
        self.kill_all();
        self.give_up_at = Some(Instant::now() + KILL_WAIT);
        self.check_every = CHECK_FIRST;
        if !self.anything_alive() {
            self.finish_if_reaped();
        }
        if self.phase != Phase::Done {
            self.check_soon();
        }
    }

    fn on_give_up(&mut self) {
        self.give_up_at = None;
        if self.anything_alive() || self.exit.is_none() {
            tracing::error!(
                pid = self.target.pid,
                "processes of the method are still there {}s after SIGKILL (uninterruptible sleep?)",
                KILL_WAIT.as_secs()
            );
            self.survivors = true;
        }
        self.phase = Phase::Done;
    }

    fn on_check(&mut self) {
        self.next_check = None;
        if !self.anything_alive() {
            self.finish_if_reaped();
            return;
        }
        if self.phase == Phase::Killing {
            self.kill_all();
        }
        self.check_every = (self.check_every * 2).min(CHECK_MAX);
        self.check_soon();
    }

    /// Done once nothing is alive and the main process has been reaped; until it has, its exit
    /// is what the supervisor waits for.
    fn finish_if_reaped(&mut self) {
        if self.exit.is_some() {
            self.phase = Phase::Done;
        }
    }

    /// Schedules the next look for leftovers. Until the main process has been reaped, its exit
    /// is what wakes the supervisor, so there is nothing to poll.
    fn check_soon(&mut self) {
        if self.phase != Phase::Running && self.exit.is_some() {
            self.next_check = Some(Instant::now() + self.check_every);
        }
    }

    fn anything_alive(&mut self) -> bool {
        if self.exit.is_none() && self.target.pid.is_some_and(|p| self.os.process_alive(p)) {
            return true;
        }
        if let Some(pgid) = self.target.pgid.filter(|_| !self.group_gone) {
            if self.os.group_alive(pgid) {
                return true;
            }
            if self.exit.is_some() {
                self.group_gone = true;
            }
        }
        match &self.target.cgroup {
            Some(cgroup) => self.os.cgroup_alive(cgroup),
            None => false,
        }
    }

    fn signal_all(&mut self, signal: Signal) {
        if let Some(pgid) = self.target.pgid.filter(|_| !self.group_gone)
            && let Err(e) = self.os.signal_group(pgid, signal)
        {
            tracing::warn!(pgid, error = %e, "cannot signal the method's process group");
        }
        if let Some(cgroup) = &self.target.cgroup {
            match self.os.cgroup_members(cgroup) {
                Ok(members) => {
                    for member in members {
                        if let Err(e) = self.os.signal_process(member, signal) {
                            tracing::warn!(pid = member, error = %e, "cannot signal a process of the method");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(cgroup = %cgroup.display(), error = %e, "cannot list the method's cgroup")
                }
            }
        }
    }

    fn kill_all(&mut self) {
        if let Some(pgid) = self.target.pgid.filter(|_| !self.group_gone)
            && let Err(e) = self.os.signal_group(pgid, Signal::SIGKILL)
        {
            tracing::warn!(pgid, error = %e, "cannot kill the method's process group");
        }
        if let Some(cgroup) = &self.target.cgroup {
            match self.os.kill_cgroup(cgroup) {
                Ok(true) => {}
                Ok(false) => self.signal_all(Signal::SIGKILL),
                Err(e) => {
                    tracing::warn!(cgroup = %cgroup.display(), error = %e, "cgroup.kill failed; killing each member");
                    self.signal_all(Signal::SIGKILL);
                }
            }
        }
    }
}

/// `base + wait`, or about a century from `base` when that does not fit in an `Instant`.
pub(crate) fn later(base: Instant, wait: Duration) -> Instant {
    base.checked_add(wait)
        .or_else(|| base.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(base)
}

/// Sleeps until `deadline`; pending for ever when there is none.
async fn at(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

async fn next_output(capture: &mut Option<&mut Capture>) {
    match capture {
        Some(capture) => capture.next().await,
        None => std::future::pending().await,
    }
}

/// `SIGTERM`, `SIGKILL`, ...
pub(crate) fn signal_name(signal: Signal) -> &'static str {
    signal.as_str()
}
