//! The launcher: checks, starts, contains, times out and reports one method run.
//!
//! [`Launcher::start`] checks the method file (a few `stat` calls) and returns. The method's own
//! task then makes pipes and (where cgroup v2 is writable) a cgroup, starts the method in a
//! process group of its own with the environment of [`MethodEnv`], reads the output and runs
//! the [supervisor](crate::supervisor). [`RunningMethod::wait`] gives the [`MethodFinished`]
//! report. At most one start fewer than there are CPUs runs at once, so a multi-threaded
//! runtime always has a worker free for the daemon's loop.
//!
//! A method that cannot be run at all — refused by the file checks, or failing to start — is
//! reported as a finished run with [`MethodStatus::Refused`] or [`MethodStatus::SpawnFailed`]
//! and an error log record naming the path and the reason, never as a panic or an `Err`.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use nix::sys::signal::Signal;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::capture::Capture;
use crate::cgroup::CgroupPool;
use crate::env::{MethodEnv, valid_name};
use crate::failure::{SpawnFailure, explain};
use crate::os::{ChildOutput, ExitKind, OsChild, ProcessOs, SpawnSpec};
use crate::output::{Collector, MethodTags, OutputLine, Sink};
use crate::pipe::pipe;
use crate::real_os::RealOs;
use crate::report::{MethodFinished, MethodStatus};
use crate::request::{MethodRequest, Placement};
use crate::resources::{ResourceCgroups, valid_leftovers_name};
use crate::runfile::{self, Ended, RunRecord};
use crate::running::{CancelHandle, RunningMethod, State};
use crate::supervisor::{Plan, Target, later, supervise};

/// Output forwarded to the sink per run before further lines are only counted: 1 MiB.
pub const DEFAULT_FORWARD_LIMIT: usize = 1024 * 1024;

/// A method file that is open for writing somewhere (`ETXTBSY`: being installed, or inherited
/// by a child of some other thread between its `fork` and `exec`) is tried again this far
/// apart...
const TEXT_BUSY_DELAY: Duration = Duration::from_millis(50);
/// ...for at most this long, and never past the method's timeout.
const TEXT_BUSY_PATIENCE: Duration = Duration::from_secs(5);

/// A start that fails for lack of file descriptors (`EMFILE`, `ENFILE`) is tried again after
/// this long, doubling up to [`NO_FILES_DELAY_MAX`], until the method's timeout: descriptors
/// come back as other runs end and clients leave.
const NO_FILES_DELAY: Duration = Duration::from_millis(10);
const NO_FILES_DELAY_MAX: Duration = Duration::from_secs(1);

/// Whether methods get cgroups of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CgroupMode {
    /// Use cgroup v2 where it is mounted and writable; otherwise process groups only.
    #[default]
    Auto,
    /// Process groups only.
    Disabled,
}

/// Settings of a [`Launcher`].
#[derive(Debug, Clone)]
pub struct LauncherConfig {
    /// Cgroups or not.
    pub cgroups: CgroupMode,
    /// Users who may own method files and their directories; `None` means root and the user
    /// rgmd runs as.
    pub allowed_owners: Option<Vec<u32>>,
    /// Bytes of output per run forwarded as lines before the rest is only counted.
    pub forward_limit: usize,
    /// The directory under which method cgroups are made, instead of `rgm-methods` under our
    /// own cgroup (tests, or a subtree delegated to rgmd).
    pub cgroup_parent: Option<PathBuf>,
    /// The state directory of the rgmd owning this launcher: it names the cgroup that holds
    /// the resources' cgroups ([`crate::resources`]). Without it, runs with a placement get a
    /// cgroup of their own as other runs do (their run files are still written).
    pub owner: Option<PathBuf>,
}

impl Default for LauncherConfig {
    fn default() -> Self {
        LauncherConfig {
            cgroups: CgroupMode::Auto,
            allowed_owners: None,
            forward_limit: DEFAULT_FORWARD_LIMIT,
            cgroup_parent: None,
            owner: None,
        }
    }
}

/// Starts methods. Cheap to clone; clones share the cgroup bookkeeping.
#[derive(Debug)]
pub struct Launcher<O: ProcessOs = RealOs> {
    shared: Arc<Shared<O>>,
}

impl<O: ProcessOs> Clone for Launcher<O> {
    fn clone(&self) -> Self {
        Launcher {
            shared: Arc::clone(&self.shared),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Shared<O: ProcessOs> {
    pub(crate) os: O,
    owners: Vec<u32>,
    forward_limit: usize,
    pool: Option<CgroupPool>,
    /// The resources' cgroups, where cgroups are used and an owner is given.
    pub(crate) resources: Option<ResourceCgroups>,
    cgroups_off: AtomicBool,
    /// Starts in progress at once: one fewer than the CPUs (at least one). A start holds its
    /// worker thread until the method's `exec`; more would occupy every worker thread.
    spawn_slots: Semaphore,
}

impl<O: ProcessOs> Drop for Shared<O> {
    /// Removes the empty cgroups kept for reuse. Cgroups that still hold processes stay; the
    /// next rgmd's launcher removes them once they have emptied.
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.remove_free(&self.os);
        }
        if let Some(resources) = &self.resources {
            resources.remove_free(&self.os);
        }
    }
}

impl Launcher<RealOs> {
    /// A launcher on the real system. Looks for a writable cgroup v2 once, here, and logs
    /// whether methods will get cgroups or process groups only.
    pub fn new(config: LauncherConfig) -> Self {
        Self::with_os(config, RealOs)
    }
}

impl<O: ProcessOs> Launcher<O> {
    /// A launcher on `os` (a [`FakeOs`](crate::fake::FakeOs) in tests).
    pub fn with_os(config: LauncherConfig, os: O) -> Self {
        let owners = config.allowed_owners.unwrap_or_else(|| {
            let mut owners = vec![0, nix::unistd::geteuid().as_raw()];
            owners.dedup();
            owners
        });
        let pool = match config.cgroups {
            CgroupMode::Disabled => {
                tracing::info!(
                    "cgroups disabled by configuration; methods are contained by their process groups only"
                );
                None
            }
            CgroupMode::Auto => match os.cgroup_parent(config.cgroup_parent.as_deref()) {
                Ok(parent) => {
                    tracing::info!(parent = %parent.display(), "methods run in cgroups of their own");
                    Some(CgroupPool::new(&os, parent))
                }
                Err(reason) => {
                    tracing::warn!(
                        %reason,
                        "no writable cgroup v2; methods are contained by their process groups only, and a process that leaves its group (setsid) escapes timeouts"
                    );
                    None
                }
            },
        };
        let resources = match (&pool, &config.owner) {
            (Some(pool), Some(owner)) => match ResourceCgroups::new(&os, pool.parent(), owner) {
                Ok(r) => Some(r),
                Err(e) => {
                    tracing::warn!(parent = %pool.parent().display(), error = %e, "cannot make the cgroup for resources; their methods get cgroups of their own, and what they leave running is not tracked");
                    None
                }
            },
            _ => None,
        };
        Launcher {
            shared: Arc::new(Shared {
                os,
                owners,
                forward_limit: config.forward_limit,
                pool,
                resources,
                cgroups_off: AtomicBool::new(false),
                spawn_slots: Semaphore::new(
                    std::thread::available_parallelism()
                        .map_or(1, |n| n.get().saturating_sub(1).max(1)),
                ),
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared<O>> {
        &self.shared
    }

    /// True when methods get cgroups of their own.
    pub fn uses_cgroups(&self) -> bool {
        self.shared.pool.is_some() && !self.shared.cgroups_off.load(Ordering::Relaxed)
    }

    /// The directory holding the method cgroups, when cgroups are used.
    pub fn cgroup_parent(&self) -> Option<&Path> {
        self.shared.pool.as_ref().map(CgroupPool::parent)
    }

    /// Removes the cgroups of finished runs whose leftover processes have all ended; returns
    /// how many are still populated. Runs also happen on their own, at most once a second,
    /// when a run ends.
    pub fn sweep_cgroups(&self) -> usize {
        let runs = match &self.shared.pool {
            Some(pool) => pool.sweep(&self.shared.os),
            None => 0,
        };
        let resources = match &self.shared.resources {
            Some(r) => r.sweep(&self.shared.os),
            None => 0,
        };
        runs + resources
    }

    /// Cgroups of finished runs that still hold processes (a START method's daemon, say, of a
    /// run without a placement; or processes of a resource's run that survived SIGKILL).
    pub fn leftover_cgroups(&self) -> Vec<PathBuf> {
        let mut dirs = self
            .shared
            .pool
            .as_ref()
            .map(CgroupPool::pending)
            .unwrap_or_default();
        if let Some(r) = &self.shared.resources {
            dirs.extend(r.pending());
        }
        dirs
    }

    /// The operating system this launcher works on.
    pub fn os(&self) -> &O {
        &self.shared.os
    }

    /// Starts a method. Lines of its output go to `lines` as they are read, or to tracing
    /// (target `rgm_exec::output`) when `lines` is `None`.
    ///
    /// Returns at once; [`RunningMethod::pid`] is known once the method has been started.
    /// Must be called within a tokio runtime with I/O and time enabled. Dropping the returned
    /// [`RunningMethod`] does not stop the method; its timeout still applies.
    pub fn start(
        &self,
        req: MethodRequest,
        lines: Option<UnboundedSender<OutputLine>>,
    ) -> RunningMethod {
        let started = Instant::now();
        let tags = Arc::new(req.tags.clone());
        let span = tracing::info_span!(
            "method",
            method = %tags.method,
            resource = %tags.resource,
            group = %tags.group,
            node = %tags.node,
        );
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let cancel = CancelHandle(Arc::new(cancel_tx));
        let pid = Arc::new(AtomicU32::new(0));
        let not_started = |status| RunningMethod {
            pid: Arc::clone(&pid),
            cancel: cancel.clone(),
            state: State::Done(Box::new(MethodFinished::not_started(
                status,
                started.elapsed(),
            ))),
        };

        let _entered = span.enter();
        if let Some(p) = req
            .placement
            .as_ref()
            .filter(|p| !valid_leftovers_name(&p.leftovers))
        {
            return not_started(MethodStatus::SpawnFailed(SpawnFailure::other(
                &req.path,
                format!("{:?} cannot name a leftovers cgroup", p.leftovers),
            )));
        }
        if let Err(refusal) = self.shared.os.check_program(&req.path, &self.shared.owners) {
            tracing::error!(path = %req.path.display(), reason = %refusal, "refusing to run method: {refusal}");
            return not_started(MethodStatus::Refused(refusal));
        }
        let sink = match lines {
            Some(tx) => Sink::Channel(tx),
            None => Sink::Tracing,
        };
        let job = Job { sink, tags, req };
        let shared = Arc::clone(&self.shared);
        let task_pid = Arc::clone(&pid);
        let task = tokio::spawn(
            async move { shared.launch(job, cancel_rx, task_pid, started).await }
                .instrument(span.clone()),
        );
        RunningMethod {
            pid,
            cancel,
            state: State::Task(task),
        }
    }

    /// Starts a method and waits for its report.
    pub async fn run(
        &self,
        req: MethodRequest,
        lines: Option<UnboundedSender<OutputLine>>,
    ) -> MethodFinished {
        self.start(req, lines).wait().await
    }
}

/// A request, prepared for (possibly repeated) spawning.
struct Job {
    req: MethodRequest,
    tags: Arc<MethodTags>,
    sink: Sink,
}

/// A started method, before supervision.
struct Spawned<C> {
    child: C,
    capture: Capture,
    cgroup: Option<PathBuf>,
    started: Instant,
    /// The run file's content, for a request with a placement.
    record: Option<RunRecord>,
}

impl<O: ProcessOs> Shared<O> {
    /// Starts the method once, in a cgroup where cgroups are in use: a run cgroup of its
    /// resource for a request with a placement, else one of its own. If that fails and
    /// starting without the cgroup works, the cgroup was the trouble: cgroups are turned off
    /// for this launcher, with a warning.
    fn spawn(&self, job: &Job) -> io::Result<Spawned<O::Child>> {
        let cgroup = self.new_cgroup(job);
        let Some(dir) = cgroup else {
            return self.spawn_in(job, None);
        };
        match self.spawn_in(job, Some(&dir)) {
            Ok(mut spawned) => {
                spawned.cgroup = Some(dir);
                Ok(spawned)
            }
            Err(e) => {
                self.release_cgroup(job, dir);
                if try_again_later(&e) {
                    return Err(e);
                }
                let spawned = self.spawn_in(job, None)?;
                self.cgroups_off.store(true, Ordering::Relaxed);
                tracing::warn!(
                    error = %e,
                    "cannot move a method into its cgroup; methods are contained by their process groups only from now on"
                );
                Ok(spawned)
            }
        }
    }

    fn spawn_in(&self, job: &Job, cgroup: Option<&Path>) -> io::Result<Spawned<O::Child>> {
        let (out_read, out_write) = pipe()?;
        let (err_read, err_write) = pipe()?;
        let collector = Collector::new(
            Arc::clone(&job.tags),
            job.sink.clone(),
            job.req.output_limit,
            self.forward_limit,
        );
        let capture = Capture::new(out_read, err_read, collector)?;
        let spec = SpawnSpec {
            program: job.req.path.clone(),
            // Made for each attempt, not kept while the method waits for a start slot.
            args: job.req.args.iter().map(OsString::from).collect(),
            env: Some(env_vars(&job.req.env)),
            cwd: Some(PathBuf::from("/")),
            null_stdin: true,
            output: ChildOutput::Pipes {
                stdout: out_write,
                stderr: err_write,
            },
            cgroup: cgroup.map(Path::to_owned),
            parent_death_signal: None,
        };
        let started = Instant::now();
        let child = self.os.spawn(spec)?;
        Ok(Spawned {
            child,
            capture,
            cgroup: None,
            started,
            record: None,
        })
    }

    /// The resources' cgroups, if the request has a placement and they are in use.
    fn placed<'a>(&'a self, job: &'a Job) -> Option<(&'a ResourceCgroups, &'a Placement)> {
        Some((self.resources.as_ref()?, job.req.placement.as_ref()?))
    }

    fn new_cgroup(&self, job: &Job) -> Option<PathBuf> {
        let pool = self.pool.as_ref()?;
        if self.cgroups_off.load(Ordering::Relaxed) {
            return None;
        }
        let made = match self.placed(job) {
            Some((resources, placement)) => resources.acquire(&self.os, &placement.resource),
            None => pool.create(&self.os),
        };
        match made {
            Ok(dir) => Some(dir),
            Err(e) => {
                tracing::warn!(parent = %pool.parent().display(), error = %e, "cannot create a cgroup for a method; it runs in its process group only");
                None
            }
        }
    }

    fn release_cgroup(&self, job: &Job, dir: PathBuf) {
        match self.placed(job) {
            Some((resources, placement)) => resources.release(&self.os, &placement.resource, dir),
            None => {
                if let Some(pool) = &self.pool {
                    pool.release(&self.os, dir);
                }
            }
        }
    }

    /// Writes the run file of a request with a placement, right after the start.
    fn record_start(&self, job: &Job, spawned: &mut Spawned<O::Child>) {
        let Some(placement) = &job.req.placement else {
            return;
        };
        let pid = spawned.child.pid();
        let record = RunRecord {
            pid,
            start_time: self.os.start_time(pid).unwrap_or(0),
            cgroup: spawned.cgroup.clone(),
            resource: placement.resource.clone(),
            leftovers: placement.leftovers.clone(),
            ended: None,
        };
        if let Err(e) = runfile::write(&placement.run_file, &record) {
            tracing::warn!(path = %placement.run_file.display(), error = %e, "cannot write the run file; an rgmd restarted while this method runs finds it through its cgroup only");
        }
        spawned.record = Some(record);
    }

    /// Supervises a started method to the end and makes its report.
    async fn run(
        &self,
        spawned: Spawned<O::Child>,
        job: Job,
        mut cancel: watch::Receiver<bool>,
    ) -> MethodFinished {
        let Spawned {
            mut child,
            mut capture,
            cgroup,
            started,
            record,
        } = spawned;
        let pid = child.pid();
        let req = &job.req;
        tracing::debug!(
            pid,
            path = %req.path.display(),
            timeout_ms = req.timeout.as_millis() as u64,
            cgroup = cgroup.as_ref().map(|c| c.display().to_string()),
            "method started"
        );
        let plan = Plan {
            deadline: later(started, req.timeout),
            grace: req.grace,
            stop_signal: Signal::SIGTERM,
        };
        let target = Target::started(pid, cgroup.clone());
        let outcome = supervise(
            &self.os,
            &mut child,
            &target,
            plan,
            &mut cancel,
            Some(&mut capture),
        )
        .await;
        capture.drain_now();
        let output = capture.finish();
        drop(child);
        let ended_alone = !outcome.timed_out && !outcome.cancelled;
        let leftovers = match (&cgroup, self.placed(&job)) {
            (Some(dir), Some((resources, placement))) if ended_alone => {
                self.keep_leftovers(resources, dir, placement)
            }
            _ => 0,
        };
        if let Some(dir) = cgroup {
            self.release_cgroup(&job, dir);
        }
        let status = match outcome.exit {
            Ok(ExitKind::Code(code)) => MethodStatus::Exited(code),
            Ok(ExitKind::Signal(signal)) => MethodStatus::Signaled(signal),
            Err(reason) => MethodStatus::Lost(reason),
        };
        let finished = MethodFinished {
            status,
            timed_out: outcome.timed_out,
            cancelled: outcome.cancelled,
            killed: outcome.killed,
            survivors: outcome.survivors,
            duration: started.elapsed(),
            pid: Some(pid),
            output,
            leftovers,
        };
        if let (Some(_), Some(placement)) = (record, &job.req.placement) {
            record_end(&placement.run_file, &finished);
        }
        tracing::debug!(
            pid,
            status = ?finished.status,
            timed_out = finished.timed_out,
            killed = finished.killed,
            leftovers,
            duration_ms = finished.duration.as_millis() as u64,
            "method finished"
        );
        finished
    }

    /// Moves what a run left in its run cgroup to its resource's leftovers cgroup; returns how
    /// many processes were moved.
    pub(crate) fn keep_leftovers(
        &self,
        resources: &ResourceCgroups,
        dir: &Path,
        placement: &Placement,
    ) -> usize {
        if !self.os.cgroup_alive(dir) {
            return 0;
        }
        match resources.move_leftovers(&self.os, dir, &placement.resource, &placement.leftovers) {
            Ok(moved) => {
                tracing::debug!(moved, resource = %placement.resource, leftovers = %placement.leftovers, "moved what the method left running to its resource's cgroup");
                moved
            }
            Err(e) => {
                tracing::warn!(cgroup = %dir.display(), resource = %placement.resource, error = %e, "cannot move what the method left running to its resource's cgroup");
                0
            }
        }
    }

    /// Starts the method, then supervises it to the end. A method file that is busy
    /// (`ETXTBSY`) is tried again a little later, for a while; a start that fails for lack of
    /// file descriptors, with a growing delay until the method's timeout (then the run is
    /// reported as timed out, never as a method that failed).
    ///
    /// The start (clone and `exec`, see [`crate::spawn`]) runs right here, in the method's
    /// task: its thread waits for the method's `exec`, some tens to hundreds of microseconds
    /// (more on a busy machine). At most [`spawn_slots`](Self::spawn_slots) starts run at once, so on a
    /// multi-threaded runtime a worker is always left for the daemon's loop. (Handing the start
    /// to the blocking pool instead cost a fifth of the throughput with cgroups.)
    ///
    /// Until its first slot, a method's task holds only its request: the rest of its state
    /// (attempts, supervision) is allocated once it has a slot. Taking 10,000 resources
    /// offline launches 10,000 MONITOR_STOPs at once, and most of them wait here.
    async fn launch(
        self: Arc<Self>,
        job: Job,
        cancel: watch::Receiver<bool>,
        pid: Arc<AtomicU32>,
        started: Instant,
    ) -> MethodFinished {
        let Ok(slot) = self.spawn_slots.acquire().await else {
            unreachable!("the start semaphore is never closed");
        };
        Box::pin(self.launch_in(slot, job, cancel, pid, started)).await
    }

    /// [`launch`](Self::launch), from its first start slot on.
    async fn launch_in(
        self: &Arc<Self>,
        slot: tokio::sync::SemaphorePermit<'_>,
        job: Job,
        cancel: watch::Receiver<bool>,
        pid: Arc<AtomicU32>,
        started: Instant,
    ) -> MethodFinished {
        let deadline = later(started, job.req.timeout);
        let busy_until = later(started, job.req.timeout.min(TEXT_BUSY_PATIENCE));
        let mut no_files_delay = NO_FILES_DELAY;
        let mut slot = Some(slot);
        loop {
            let result = {
                let _permit = match slot.take() {
                    Some(permit) => permit,
                    None => {
                        let Ok(permit) = self.spawn_slots.acquire().await else {
                            unreachable!("the start semaphore is never closed");
                        };
                        permit
                    }
                };
                self.spawn(&job)
            };
            let error = match result {
                Ok(mut spawned) => {
                    pid.store(spawned.child.pid(), Ordering::Relaxed);
                    self.record_start(&job, &mut spawned);
                    // Boxed: the supervision's state is large and only a started method needs
                    // it, while a waiting one's task lives as long as it waits for a slot.
                    return Box::pin(self.run(spawned, job, cancel)).await;
                }
                Err(e) => e,
            };
            let now = Instant::now();
            let delay = match error.raw_os_error() {
                Some(libc::ETXTBSY) if now + TEXT_BUSY_DELAY <= busy_until => TEXT_BUSY_DELAY,
                Some(libc::EMFILE | libc::ENFILE) if now < deadline => {
                    if no_files_delay == NO_FILES_DELAY {
                        tracing::warn!(path = %job.req.path.display(), error = %error, "cannot start the method for lack of file descriptors; trying again until its timeout");
                    }
                    let delay = no_files_delay.min(deadline - now);
                    no_files_delay = (no_files_delay * 2).min(NO_FILES_DELAY_MAX);
                    delay
                }
                Some(libc::EMFILE | libc::ENFILE) => {
                    let failure = explain(&job.req.path, &error);
                    tracing::error!(path = %job.req.path.display(), reason = %failure.reason, "could not start the method within its timeout: {failure}");
                    let mut finished = MethodFinished::not_started(
                        MethodStatus::SpawnFailed(failure),
                        started.elapsed(),
                    );
                    finished.timed_out = true;
                    return finished;
                }
                _ => {
                    let failure = explain(&job.req.path, &error);
                    tracing::error!(path = %job.req.path.display(), reason = %failure.reason, "cannot start method: {failure}");
                    return MethodFinished::not_started(
                        MethodStatus::SpawnFailed(failure),
                        started.elapsed(),
                    );
                }
            };
            tokio::time::sleep(delay).await;
            if *cancel.borrow() {
                let mut finished = MethodFinished::not_started(
                    MethodStatus::SpawnFailed(SpawnFailure::other(
                        &job.req.path,
                        "cancelled before it could be started",
                    )),
                    started.elapsed(),
                );
                finished.cancelled = true;
                return finished;
            }
        }
    }
}

/// Errors of a start that say "not now" rather than "not in this cgroup".
fn try_again_later(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ETXTBSY | libc::EMFILE | libc::ENFILE)
    )
}

/// Writes how a run ended into its run file.
pub(crate) fn record_end(path: &Path, finished: &MethodFinished) {
    let ended = Ended {
        status: finished.status.clone(),
        timed_out: finished.timed_out,
        cancelled: finished.cancelled,
        killed: finished.killed,
        leftovers: finished.leftovers,
    };
    if let Err(e) = runfile::write_end(path, &ended) {
        tracing::warn!(path = %path.display(), error = %e, "cannot record the method's end in its run file");
    }
}

fn env_vars(env: &MethodEnv) -> Vec<(OsString, OsString)> {
    env.vars()
        .into_iter()
        .filter(|(name, _)| {
            let ok = valid_name(name);
            if !ok {
                tracing::warn!(name = %name.to_string_lossy(), "environment variable name is invalid; left out");
            }
            ok
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::FakeOs;

    /// Every method the engine launches has a task from the start, though most wait for a
    /// spawn slot (taking 10,000 resources offline launches 10,000 MONITOR_STOPs at once): a
    /// waiting task holds only its request, the supervision's state is allocated once the
    /// process has started.
    #[test]
    fn a_method_waiting_to_start_holds_little_memory() {
        let launcher = Launcher::with_os(LauncherConfig::default(), FakeOs::new());
        let tags = MethodTags {
            method: "START".into(),
            resource: "rs1".into(),
            group: "rg1".into(),
            node: "node1".into(),
        };
        let req = MethodRequest::new("/bin/true", vec![], Duration::from_secs(1), tags.clone());
        let job = Job {
            sink: Sink::Tracing,
            tags: Arc::new(tags),
            req,
        };
        let (_tx, rx) = watch::channel(false);
        let task = Arc::clone(&launcher.shared).launch(
            job,
            rx,
            Arc::new(AtomicU32::new(0)),
            Instant::now(),
        );
        let size = std::mem::size_of_val(&task);
        // 5,600 bytes when the supervision's state was part of every task, 1,968 when only
        // the supervision was boxed.
        assert!(size <= 1024, "a waiting method's task is {size} bytes");
    }
}
