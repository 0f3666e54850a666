//! Running the methods the engine asks for, through rgm-exec's launcher. A trait, so the event
//! loop can be driven with a fake in tests; the real one reports results and output lines back
//! to the loop as events.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use rgm_core::engine::{MethodOutcome, MethodResult, MethodRun, RunId};
use rgm_exec::{
    CancelHandle, Launcher, MethodEnv, MethodFinished, MethodRequest, MethodStatus, MethodTags,
    OutputLine, ValidateArgs, ValidateMode, standard_args,
};

use crate::event_loop::LoopEvent;

/// Starts and kills method runs; results come back as [`LoopEvent`]s.
pub trait Executor: Send {
    fn start(&mut self, run: MethodRun);
    fn kill(&mut self, run: RunId);
}

/// The real executor.
pub struct LauncherExecutor {
    launcher: Launcher,
    events: UnboundedSender<LoopEvent>,
    /// Every method's output lines, forwarded to the loop by one task.
    lines: UnboundedSender<OutputLine>,
    cancels: Arc<Mutex<HashMap<RunId, CancelHandle>>>,
    env: MethodEnv,
    grace: Duration,
}

impl LauncherExecutor {
    /// Must be called within the tokio runtime: it starts the task forwarding output lines.
    pub fn new(
        launcher: Launcher,
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

impl Executor for LauncherExecutor {
    fn start(&mut self, run: MethodRun) {
        let tags = MethodTags {
            method: run.method.keyword().to_string(),
            resource: run.resource.clone(),
            group: run.group.clone(),
            node: run.node.clone(),
        };
        let mut req = MethodRequest::new(
            &run.path,
            method_args(&run),
            Duration::from_secs(run.timeout_secs.max(1) as u64),
            tags,
        );
        req.grace = self.grace;
        req.env = self.env.clone();
        let running = self.launcher.start(req, Some(self.lines.clone()));
        self.cancels
            .lock()
            .expect("cancel table")
            .insert(run.run, running.canceller());
        let events = self.events.clone();
        let cancels = Arc::clone(&self.cancels);
        let id = run.run;
        tokio::spawn(async move {
            let finished = running.wait().await;
            cancels.lock().expect("cancel table").remove(&id);
            let _ = events.send(LoopEvent::MethodDone {
                run: id,
                result: result_of(finished),
            });
        });
    }

    fn kill(&mut self, run: RunId) {
        if let Some(c) = self.cancels.lock().expect("cancel table").get(&run) {
            c.cancel();
        }
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
