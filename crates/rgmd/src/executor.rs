//! Running the methods the engine asks for, through rgm-exec's launcher. A trait, so the event
//! loop can be driven with a fake in tests; the real one reports results and output lines back
//! to the loop as events.
//!
//! Every run of a resource's method has a placement: the resource's cgroups, and a run file
//! in the state directory's `runs/` keyed by the engine's run id ([`crate::recovery`]). When a
//! run's report comes, the marks of what the resource left running are updated before the
//! engine sees the result; the run file is removed once the store holds it
//! ([`Executor::saved`]). After a restart, the runs of the previous rgmd are adopted
//! ([`Executor::take_over`]) and report like any other.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use rgm_core::engine::{Engine, MethodOutcome, MethodResult, MethodRun, Run, RunId};
use rgm_exec::{
    Adoption, CancelHandle, Launcher, MethodEnv, MethodFinished, MethodRequest, MethodStatus,
    MethodTags, OutputLine, Placement, ProcessOs, RealOs, RunningMethod, ValidateArgs,
    ValidateMode, standard_args,
};
use rtreg::Method;

use crate::event_loop::LoopEvent;
use crate::recovery::runs::{RunsDir, leftovers_for};
use crate::recovery::{self, Step};

/// Starts and kills method runs; results come back as [`LoopEvent`]s.
pub trait Executor: Send {
    fn start(&mut self, run: MethodRun);
    fn kill(&mut self, run: RunId);
    /// After a restart on the same boot, before anything else is fed: adopts the runs the
    /// restored engine has in flight on `node` (their results come back as for any run), and
    /// says what to log and which resources believed started show no sign of life.
    fn take_over(&mut self, engine: &Engine, node: &str) -> Vec<Step>;
    /// The store now holds the results of these runs: their run files can go.
    fn saved(&mut self, runs: &[RunId]);
    /// A cluster node carrying on its previous rgmd's membership: takes over `run`, which
    /// that rgmd was given, if it left a run file (it was launched) or, without one (rgmd died
    /// between the launch and the file), a process of it is found in its resource's run
    /// cgroups; its result comes back as for any run. `false`: nothing to take over — it was
    /// never launched, or it ended and its result was saved.
    fn adopt_assigned(&mut self, run: &MethodRun, remaining: Duration) -> bool;
    /// A cluster node joining as a new incarnation: nothing of an earlier one is to be taken
    /// over (its processes were killed): its run files and marks go.
    fn forget_runs(&mut self);
}

/// The real executor.
pub struct LauncherExecutor<O: ProcessOs = RealOs> {
    launcher: Launcher<O>,
    runs: RunsDir,
    events: UnboundedSender<LoopEvent>,
    /// Every method's output lines, forwarded to the loop by one task.
    lines: UnboundedSender<OutputLine>,
    cancels: Arc<Mutex<HashMap<RunId, CancelHandle>>>,
    env: MethodEnv,
    grace: Duration,
}

impl<O: ProcessOs> LauncherExecutor<O> {
    /// Must be called within the tokio runtime: it starts the task forwarding output lines.
    pub fn new(
        launcher: Launcher<O>,
        runs: RunsDir,
        events: UnboundedSender<LoopEvent>,
        socket: PathBuf,
        grace: Duration,
    ) -> Self {
        // Methods find rgm's own commands (scha_*, hatimerun) first on PATH.
        let bin_dir = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(PathBuf::from));
        let (lines, mut line_rx) = tokio::sync::mpsc::unbounded_channel();
        let forward = events.clone();
        tokio::spawn(async move {
            while let Some(line) = line_rx.recv().await {
                if forward.send(LoopEvent::Output(line)).is_err() {
                    break;
                }
            }
        });
        LauncherExecutor {
            launcher,
            runs,
            events,
            lines,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            env: MethodEnv {
                bin_dir,
                ld_library_path: None,
                rgm_socket: Some(socket),
                extra: Vec::new(),
            },
            grace,
        }
    }

    pub fn launcher(&self) -> &Launcher<O> {
        &self.launcher
    }

    pub fn runs(&self) -> &RunsDir {
        &self.runs
    }

    fn placement(&self, run: RunId, resource: &str, method: Method) -> Placement {
        Placement {
            resource: resource.to_string(),
            leftovers: leftovers_for(method),
            run_file: self.runs.run_file(run),
        }
    }

    /// Takes over run `id` of the previous rgmd, which may run `remaining` more.
    pub fn adopt(&mut self, id: RunId, run: &Run, remaining: Duration) -> RunningMethod {
        let tags = method_tags(run.method, &run.resource, &run.group, &run.node);
        self.adopt_tagged(id, run.method, tags, remaining)
    }

    fn adopt_tagged(
        &mut self,
        id: RunId,
        method: Method,
        tags: MethodTags,
        remaining: Duration,
    ) -> RunningMethod {
        let adoption = Adoption {
            placement: self.placement(id, &tags.resource, method),
            remaining,
            grace: self.grace,
            tags,
        };
        self.launcher.adopt(adoption)
    }

    /// Hands a run's report to the loop when it comes, having updated the resource's marks.
    pub fn report(&self, id: RunId, running: RunningMethod, resource: String, method: Method) {
        self.cancels
            .lock()
            .expect("cancel table")
            .insert(id, running.canceller());
        let events = self.events.clone();
        let cancels = Arc::clone(&self.cancels);
        let runs = self.runs.clone();
        tokio::spawn(async move {
            let finished = running.wait().await;
            cancels.lock().expect("cancel table").remove(&id);
            recovery::note_leftovers(&runs, &resource, method, &finished);
            let _ = events.send(LoopEvent::MethodDone {
                run: id,
                result: result_of(finished),
            });
        });
    }
}

/// The argv after the program path, as rt_callbacks(1HA) lays it out.
pub fn method_args(run: &MethodRun) -> Vec<String> {
    let Some(v) = &run.validate else {
        return standard_args(&run.resource, &run.type_name, &run.group, None);
    };
    let mode = if v.create {
        ValidateMode::Create
    } else {
        ValidateMode::Update
    };
    let mut args = ValidateArgs::new(mode, &run.resource, &run.type_name, &run.group);
    for (k, value) in &v.system {
        args = args.system(k, value);
    }
    for (k, value) in &v.extension {
        args = args.extension(k, value);
    }
    for (k, value) in &v.group {
        args = args.group_property(k, value);
    }
    for (k, id, value) in &v.per_node {
        args = args.per_node(k, *id, value);
    }
    args.build()
}

impl<O: ProcessOs> Executor for LauncherExecutor<O> {
    fn start(&mut self, run: MethodRun) {
        let tags = method_tags(run.method, &run.resource, &run.group, &run.node);
        let mut req = MethodRequest::new(
            &run.path,
            method_args(&run),
            Duration::from_secs(run.timeout_secs.max(1) as u64),
            tags,
        );
        req.grace = self.grace;
        req.env = self.env.clone();
        req.placement = Some(self.placement(run.run, &run.resource, run.method));
        let running = self.launcher.start(req, Some(self.lines.clone()));
        self.report(run.run, running, run.resource, run.method);
    }

    fn kill(&mut self, run: RunId) {
        if let Some(c) = self.cancels.lock().expect("cancel table").get(&run) {
            c.cancel();
        }
    }

    fn take_over(&mut self, engine: &Engine, node: &str) -> Vec<Step> {
        recovery::take_over(self, engine, node)
    }

    fn saved(&mut self, runs: &[RunId]) {
        for run in runs {
            self.runs.remove_run(*run);
        }
    }

    fn adopt_assigned(&mut self, run: &MethodRun, remaining: Duration) -> bool {
        let recorded = self.runs.run_file(run.run).exists();
        let tags = method_tags(run.method, &run.resource, &run.group, &run.node);
        let running = self.adopt_tagged(run.run, run.method, tags, remaining);
        if !recorded && running.pid().is_none() {
            return false;
        }
        self.report(run.run, running, run.resource.clone(), run.method);
        true
    }

    fn forget_runs(&mut self) {
        self.runs.clear();
    }
}

/// How the launcher names a run of `method` of `resource` in its reports and logs.
fn method_tags(method: Method, resource: &str, group: &str, node: &str) -> MethodTags {
    MethodTags {
        method: method.keyword().to_string(),
        resource: resource.to_string(),
        group: group.to_string(),
        node: node.to_string(),
    }
}

/// The engine's view of a launcher report.
pub fn result_of(f: MethodFinished) -> MethodResult {
    let outcome = if f.cancelled {
        MethodOutcome::Cancelled
    } else if f.timed_out {
        MethodOutcome::TimedOut { killed: f.killed }
    } else {
        match f.status {
            MethodStatus::Exited(code) => MethodOutcome::Exited(code),
            MethodStatus::Signaled(sig) => MethodOutcome::Signaled(sig),
            MethodStatus::Refused(r) => MethodOutcome::NotRun(r.to_string()),
            MethodStatus::SpawnFailed(s) => MethodOutcome::NotRun(s.to_string()),
            MethodStatus::Lost(why) => MethodOutcome::NotRun(why),
            MethodStatus::Unknown => MethodOutcome::Unknown,
        }
    };
    MethodResult {
        outcome,
        duration_ms: f.duration.as_millis() as u64,
        output: f.output.text,
    }
}
