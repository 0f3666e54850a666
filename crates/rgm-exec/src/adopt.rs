//! Taking over the method runs of an earlier rgmd, and the launcher's hold on resources'
//! processes (whether a resource left anything running; killing a resource or the node).
//!
//! [`Launcher::adopt`] finds a run an rgmd that has died since started — through its run file
//! (pid and start time, run cgroup), or, when the run file was never written (rgmd died
//! between the start and the write), through a populated run cgroup of its resource that no
//! run file names, whose main process is the one the launcher's way of starting methods marks
//! (see `Shared::find`) — and supervises it as the
//! launcher supervises its own runs: it waits for the main process to end, until the run's
//! remaining timeout, then SIGTERM to its process group and every member of its run cgroup,
//! SIGKILL after the grace period. What the run leaves running is moved to the resource's
//! leftovers cgroup, as for any run. The process is not our child, so its exit status cannot
//! be known: the report says [`MethodStatus::Unknown`] — unless the run file already holds the
//! run's end, which is then reported as it was.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::launcher::{Launcher, Shared, record_end};
use crate::os::{ExitKind, OsChild, ProcessOs};
use crate::output::{CapturedOutput, MethodTags};
use crate::report::{MethodFinished, MethodStatus};
use crate::request::Placement;
use crate::runfile::{self, RunRecord};
use crate::running::{CancelHandle, RunningMethod, State};
use crate::supervisor::{Plan, Target, later, supervise};

/// First and longest interval between looks at an adopted run's process or cgroup.
const LOOK_FIRST: Duration = Duration::from_millis(2);
const LOOK_MAX: Duration = Duration::from_millis(100);

/// A run of an earlier rgmd to take over.
#[derive(Debug, Clone)]
pub struct Adoption {
    /// Where the run was placed: its resource, its leftovers cgroup (used when the run file
    /// does not name one) and its run file.
    pub placement: Placement,
    /// How long it may still run: its timeout less the time it has run (zero: past it).
    pub remaining: Duration,
    /// Between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// For the log records of the run.
    pub tags: MethodTags,
}

/// What an adopted run waits for: its main process, while that pid is still the process it
/// was (same start time).
struct Watched {
    pid: u32,
    start_time: u64,
}

/// An adopted run's "child": ends when what it watches has ended, with an unknown status.
struct Adopted<O: ProcessOs> {
    shared: Arc<Shared<O>>,
    watched: Watched,
}

impl<O: ProcessOs> Adopted<O> {
    fn alive(&self) -> bool {
        let os = &self.shared.os;
        let Watched { pid, start_time } = self.watched;
        os.start_time(pid) == Some(start_time) && os.process_alive(pid)
    }
}

impl<O: ProcessOs> OsChild for Adopted<O> {
    fn pid(&self) -> u32 {
        self.watched.pid
    }

    async fn wait(&mut self) -> io::Result<ExitKind> {
        let mut every = LOOK_FIRST;
        while self.alive() {
            tokio::time::sleep(every).await;
            every = (every * 2).min(LOOK_MAX);
        }
        Err(io::Error::other(
            "ended; an earlier rgmd started it, so its exit status is unknown",
        ))
    }
}

impl<O: ProcessOs> Launcher<O> {
    /// Takes over a run an earlier rgmd started (see the module documentation). Returns at
    /// once; [`RunningMethod::wait`] gives the report, [`RunningMethod::cancel`] stops the run
    /// as for any run. Must be called within a tokio runtime.
    pub fn adopt(&self, adoption: Adoption) -> RunningMethod {
        let shared = Arc::clone(self.shared());
        let placement = &adoption.placement;
        let record = match runfile::read(&placement.run_file) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(path = %placement.run_file.display(), error = %e, "cannot read the run file; looking for the run through its resource's cgroup");
                None
            }
        };
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let cancel = CancelHandle(Arc::new(cancel_tx));
        let done = |finished: MethodFinished| RunningMethod {
            pid: Arc::new(AtomicU32::new(finished.pid.unwrap_or(0))),
            cancel: cancel.clone(),
            state: State::Done(Box::new(finished)),
        };
        if let Some(r) = &record
            && let Some(ended) = &r.ended
        {
            return done(MethodFinished {
                status: ended.status.clone(),
                timed_out: ended.timed_out,
                cancelled: ended.cancelled,
                killed: ended.killed,
                survivors: false,
                duration: Duration::ZERO,
                pid: Some(r.pid),
                output: CapturedOutput::default(),
                leftovers: ended.leftovers,
            });
        }
        let (target, watched, leftovers) = match shared.find(placement, record.as_ref()) {
            Found::Run {
                target,
                watched,
                leftovers,
            } => (target, watched, leftovers),
            Found::Ended { cgroup, leftovers } => {
                let mut finished = unknown(Duration::ZERO);
                finished.pid = record.as_ref().map(|r| r.pid);
                finished.leftovers = shared.settle(placement, &leftovers, cgroup, true);
                if let Some(r) = record {
                    record_end(&placement.run_file, r, &finished);
                }
                return done(finished);
            }
        };
        let pid = Arc::new(AtomicU32::new(target.pid.unwrap_or(0)));
        let span = tracing::info_span!(
            "adopted",
            method = %adoption.tags.method,
            resource = %adoption.tags.resource,
            node = %adoption.tags.node,
        );
        let task = tokio::spawn(
            async move {
                shared
                    .supervise_adopted(adoption, record, target, watched, leftovers, cancel_rx)
                    .await
            }
            .instrument(span),
        );
        RunningMethod {
            pid,
            cancel,
            state: State::Task(task),
        }
    }

    /// True when resources have cgroups of their own: cgroups are in use and the launcher
    /// knows its owner ([`LauncherConfig::owner`](crate::LauncherConfig::owner)).
    pub fn tracks_resources(&self) -> bool {
        self.shared().resources.is_some() && self.uses_cgroups()
    }

    /// The cgroup of this launcher's resources (killed whole by [`kill_node`](Self::kill_node)).
    pub fn resources_cgroup(&self) -> Option<&Path> {
        self.shared().resources.as_ref().map(|r| r.base())
    }

    /// The resource's leftovers cgroup `name`; `None` when resources have no cgroups.
    pub fn leftovers_cgroup(&self, resource: &str, name: &str) -> Option<PathBuf> {
        let resources = self.shared().resources.as_ref()?;
        Some(resources.leftovers_dir(resource, name))
    }

    /// Whether the resource's leftovers cgroup `name` (what its runs with that leftovers name
    /// left running) holds a live process; `None` when resources have no cgroups.
    pub fn leftovers_alive(&self, resource: &str, name: &str) -> Option<bool> {
        let shared = self.shared();
        let resources = shared.resources.as_ref()?;
        Some(resources.leftovers_alive(&shared.os, resource, name))
    }

    /// Kills every process of a resource at once — its runs in flight and what they left
    /// running — through `cgroup.kill` of `r-<resource>` (SIGKILL to each member before Linux
    /// 5.14). Fails when resources have no cgroups.
    pub fn kill_resource(&self, resource: &str) -> io::Result<()> {
        let shared = self.shared();
        let resources = shared.resources.as_ref().ok_or_else(no_resource_cgroups)?;
        resources.kill_resource(&shared.os, resource)
    }

    /// Kills every process of every resource of this rgmd at once (its fail-fast). Runs
    /// without a placement (a fence command) are not touched. Fails when resources have no
    /// cgroups.
    pub fn kill_node(&self) -> io::Result<()> {
        let shared = self.shared();
        let resources = shared.resources.as_ref().ok_or_else(no_resource_cgroups)?;
        resources.kill_all(&shared.os)
    }
}

fn no_resource_cgroups() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "resources have no cgroups of their own here (no writable cgroup v2, or no owner given)",
    )
}

fn unknown(duration: Duration) -> MethodFinished {
    MethodFinished::not_started(MethodStatus::Unknown, duration)
}

/// What an adopted run's processes are now.
enum Found {
    /// Its main process runs: watch it (and its run cgroup); what it leaves goes to
    /// `leftovers`.
    Run {
        target: Target,
        watched: Watched,
        leftovers: String,
    },
    /// Its main process has ended: what is left in `cgroup` goes to `leftovers`.
    Ended {
        cgroup: Option<PathBuf>,
        leftovers: String,
    },
}

impl<O: ProcessOs> Shared<O> {
    /// Where an adopted run stands. With its run file: its main process is the one recorded,
    /// if that one still runs. Without: a populated run cgroup of the resource that no run file
    /// names is its run cgroup, and its main process is the member that leads a process group
    /// of its own in a session it does not lead (the launcher starts every method so; a daemon
    /// that called `setsid` leads its session), the earliest started if several.
    fn find(&self, placement: &Placement, record: Option<&RunRecord>) -> Found {
        let resources = self.resources.as_ref();
        let Some(r) = record else {
            let named = cgroups_named_beside(&placement.run_file);
            let leftovers = placement.leftovers.clone();
            let Some(dir) =
                resources.and_then(|x| x.claim_orphan(&self.os, &placement.resource, &named))
            else {
                return Found::Ended {
                    cgroup: None,
                    leftovers,
                };
            };
            let Some((pid, start_time)) = self.main_process_in(&dir) else {
                tracing::info!(cgroup = %dir.display(), "no run file, and no main process in the resource's unclaimed run cgroup: the run has ended");
                return Found::Ended {
                    cgroup: Some(dir),
                    leftovers,
                };
            };
            tracing::info!(pid, cgroup = %dir.display(), "no run file: found the run's main process in its resource's unclaimed run cgroup");
            return Found::Run {
                target: Target::started(pid, Some(dir)),
                watched: Watched { pid, start_time },
                leftovers,
            };
        };
        let cgroup = r.cgroup.clone().filter(|_| resources.is_some());
        let main_alive =
            self.os.start_time(r.pid) == Some(r.start_time) && self.os.process_alive(r.pid);
        if !main_alive {
            return Found::Ended {
                cgroup,
                leftovers: r.leftovers.clone(),
            };
        }
        if let (Some(dir), Some(resources)) = (&cgroup, resources) {
            resources.claim(dir);
        }
        Found::Run {
            target: Target::started(r.pid, cgroup),
            watched: Watched {
                pid: r.pid,
                start_time: r.start_time,
            },
            leftovers: r.leftovers.clone(),
        }
    }

    /// The main process of a run in `dir`, as [`find`](Self::find) tells it: `(pid, start
    /// time)`.
    fn main_process_in(&self, dir: &Path) -> Option<(u32, u64)> {
        let members = self.os.cgroup_members(dir).ok()?;
        members
            .into_iter()
            .filter(|&pid| {
                self.os
                    .process_ids(pid)
                    .is_some_and(|(pgid, sid)| pgid == pid && sid != pid)
            })
            .filter_map(|pid| Some((self.os.start_time(pid)?, pid)))
            .min()
            .map(|(start_time, pid)| (pid, start_time))
    }

    async fn supervise_adopted(
        self: Arc<Self>,
        adoption: Adoption,
        record: Option<RunRecord>,
        target: Target,
        watched: Watched,
        leftovers: String,
        mut cancel: watch::Receiver<bool>,
    ) -> MethodFinished {
        let started = Instant::now();
        tracing::info!(pid = target.pid, cgroup = ?target.cgroup, remaining_ms = adoption.remaining.as_millis() as u64, "waiting for a method an earlier rgmd started");
        let mut child = Adopted {
            shared: Arc::clone(&self),
            watched,
        };
        let plan = Plan {
            deadline: later(started, adoption.remaining),
            grace: adoption.grace,
            stop_signal: Signal::SIGTERM,
        };
        let outcome = supervise(&self.os, &mut child, &target, plan, &mut cancel, None).await;
        drop(child);
        let ended_alone = !outcome.timed_out && !outcome.cancelled;
        let placement = &adoption.placement;
        let leftovers = self.settle(placement, &leftovers, target.cgroup, ended_alone);
        let mut finished = unknown(started.elapsed());
        finished.timed_out = outcome.timed_out;
        finished.cancelled = outcome.cancelled;
        finished.killed = outcome.killed;
        finished.survivors = outcome.survivors;
        finished.pid = target.pid;
        finished.leftovers = leftovers;
        if let Some(r) = record {
            record_end(&placement.run_file, r, &finished);
        }
        tracing::info!(
            timed_out = finished.timed_out,
            killed = finished.killed,
            leftovers,
            "the method an earlier rgmd started has ended"
        );
        finished
    }

    /// After an adopted run: what it left in its run cgroup goes to its resource's leftovers
    /// cgroup `leftovers` (when it ended on its own), and the run cgroup is taken back.
    /// Returns how many processes were moved.
    fn settle(
        &self,
        placement: &Placement,
        leftovers: &str,
        cgroup: Option<PathBuf>,
        ended_alone: bool,
    ) -> usize {
        let (Some(resources), Some(dir)) = (&self.resources, cgroup) else {
            return 0;
        };
        let mut moved = 0;
        if ended_alone {
            let into = Placement {
                leftovers: leftovers.to_string(),
                ..placement.clone()
            };
            moved = self.keep_leftovers(resources, &dir, &into);
        }
        resources.release(&self.os, &placement.resource, dir);
        moved
    }
}

/// The run cgroups named by the run files in the directory of `run_file`.
fn cgroups_named_beside(run_file: &Path) -> HashSet<PathBuf> {
    let Some(dir) = run_file.parent() else {
        return HashSet::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .flatten()
        .filter_map(|e| runfile::read(&e.path()).ok().flatten())
        .filter_map(|r| r.cgroup)
        .collect()
}
