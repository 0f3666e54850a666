//! One run of an event: the scripts one at a time, in order, each as
//! `script EVENT ARGS...` through rgm-exec, under one deadline for the whole event.
//!
//! A script that exits 0 lets the next one run; a disabled one is skipped; the first that
//! fails (non-zero exit, killed by a signal), cannot be run, or is still running at the
//! deadline stops the event, and its result is the event's. A script past the deadline is
//! stopped by rgm-exec with everything it started — SIGTERM to its process group and cgroup,
//! SIGKILL after the grace period —, in the background: the event's result is known at the
//! deadline. (ctdb-eventd leaves such a script running.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rgm_exec::{Launcher, MethodEnv, MethodFinished, MethodRequest, MethodStatus, MethodTags};
use rgm_exec::{OutputLine, Stream};
use rgm_proto::events::{EventReport, EventResult, ScriptReport, ScriptResult};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::scan::{Scan, Script, ScriptState};

/// What an event's run tells as it goes, for the daemon's log.
#[derive(Debug, Clone)]
pub enum EventNote {
    /// A line a script wrote.
    Line {
        event: String,
        script: String,
        stream: Stream,
        text: String,
    },
    /// A run of an event ended (cancelled ones too).
    Finished(EventReport),
}

/// What every script of a node runs with.
#[derive(Debug, Clone)]
pub struct RunContext {
    pub launcher: Launcher,
    /// The scripts' environment (rgm-exec's: `HOME`, `PATH`, `RGM_SOCKET`, and the extras).
    pub env: MethodEnv,
    /// Between SIGTERM and SIGKILL for a script past the deadline or cancelled.
    pub grace: Duration,
    pub node: String,
    /// Where lines and reports go as they happen.
    pub notes: Option<mpsc::UnboundedSender<EventNote>>,
}

/// How one script ended, as the event sees it.
enum Ended {
    Report(ScriptReport),
    /// The event was cancelled while it ran (it is being stopped).
    Cancelled,
}

/// Runs `event` with `args` over the scripts of `scan`, all within `timeout`. `cancel`
/// becoming true stops it (the running script gets SIGTERM); the report then says
/// [`EventResult::Cancelled`].
pub async fn run_event(
    ctx: &RunContext,
    scan: &Scan,
    event: &str,
    args: &[String],
    timeout: Duration,
    cancel: &mut watch::Receiver<bool>,
) -> EventReport {
    let started = Instant::now();
    let deadline = started.checked_add(timeout).unwrap_or(started);
    let mut report = EventReport {
        node: ctx.node.clone(),
        event: event.to_string(),
        args: args.to_vec(),
        result: EventResult::Ok,
        started_ms: wall_ms(),
        duration_ms: 0,
        timeout_secs: timeout.as_secs(),
        scripts: Vec::new(),
    };
    for script in &scan.scripts {
        if *cancel.borrow() {
            report.result = EventResult::Cancelled;
            break;
        }
        let ended = match &script.state {
            ScriptState::Disabled => Ended::Report(not_run(script, ScriptResult::Disabled, None)),
            ScriptState::Broken(why) => {
                Ended::Report(not_run(script, ScriptResult::CannotRun, Some(why.clone())))
            }
            ScriptState::Enabled if Instant::now() >= deadline => Ended::Report(not_run(
                script,
                ScriptResult::Timedout,
                Some("the event's deadline had passed".into()),
            )),
            ScriptState::Enabled => run_script(ctx, script, event, args, deadline, cancel).await,
        };
        let script_report = match ended {
            Ended::Report(r) => r,
            Ended::Cancelled => {
                report.result = EventResult::Cancelled;
                break;
            }
        };
        let result = script_report.result;
        report.scripts.push(script_report);
        report.result = match result {
            ScriptResult::Ok | ScriptResult::Disabled => continue,
            ScriptResult::Error | ScriptResult::CannotRun => EventResult::Failed,
            ScriptResult::Timedout => EventResult::Timedout,
        };
        break;
    }
    report.duration_ms = millis(started.elapsed());
    if let Some(notes) = &ctx.notes {
        let _ = notes.send(EventNote::Finished(report.clone()));
    }
    report
}

fn not_run(script: &Script, result: ScriptResult, reason: Option<String>) -> ScriptReport {
    ScriptReport {
        name: script.name.clone(),
        result,
        exit_status: None,
        duration_ms: 0,
        output: String::new(),
        reason,
    }
}

async fn run_script(
    ctx: &RunContext,
    script: &Script,
    event: &str,
    args: &[String],
    deadline: Instant,
    cancel: &mut watch::Receiver<bool>,
) -> Ended {
    let begun = Instant::now();
    let mut argv = vec![event.to_string()];
    argv.extend(args.iter().cloned());
    let mut req = MethodRequest::new(
        &script.path,
        argv,
        deadline.saturating_duration_since(begun),
        MethodTags {
            method: format!("event {event}"),
            resource: script.name.clone(),
            group: String::new(),
            node: ctx.node.clone(),
        },
    );
    req.env = ctx.env.clone();
    req.grace = ctx.grace;
    let (tx, mut lines) = mpsc::unbounded_channel();
    let running = ctx.launcher.start(req, Some(tx));
    let canceller = running.canceller();
    let mut done = tokio::spawn(running.wait());
    let mut output = Tail::default();
    let mut lines_open = true;
    let mut cancel_open = true;
    loop {
        tokio::select! {
            biased;
            finished = &mut done => {
                while let Ok(line) = lines.try_recv() {
                    output.push(ctx, event, &line);
                }
                let finished = finished.unwrap_or_else(|e| lost(&e));
                if finished.cancelled {
                    return Ended::Cancelled;
                }
                return Ended::Report(judge(script, &finished, output.text, begun));
            }
            line = lines.recv(), if lines_open => match line {
                Some(line) => output.push(ctx, event, &line),
                None => lines_open = false,
            },
            () = tokio::time::sleep_until(deadline) => {
                // rgm-exec's own timer, set to the same instant, is stopping it.
                let name = script.name.clone();
                tokio::spawn(async move {
                    if let Ok(f) = done.await {
                        tracing::warn!(script = %name, killed = f.killed, survivors = f.survivors, "event script past its deadline stopped");
                    }
                });
                return Ended::Report(ScriptReport {
                    name: script.name.clone(),
                    result: ScriptResult::Timedout,
                    exit_status: None,
                    duration_ms: millis(begun.elapsed()),
                    output: output.text,
                    reason: Some("still running at the event's deadline: stopped (SIGTERM, then SIGKILL)".into()),
                });
            }
            changed = cancel.changed(), if cancel_open => match changed {
                Ok(()) if *cancel.borrow() => {
                    canceller.cancel();
                    return Ended::Cancelled;
                }
                Ok(()) => {}
                Err(_) => cancel_open = false,
            },
        }
    }
}

fn lost(e: &tokio::task::JoinError) -> MethodFinished {
    MethodFinished {
        status: MethodStatus::Lost(format!("the script's supervisor failed: {e}")),
        timed_out: false,
        cancelled: false,
        killed: false,
        survivors: false,
        duration: Duration::ZERO,
        pid: None,
        output: Default::default(),
        leftovers: 0,
    }
}

/// The report of a script that ended before the deadline.
fn judge(script: &Script, f: &MethodFinished, output: String, begun: Instant) -> ScriptReport {
    let (result, exit_status, reason) = match &f.status {
        _ if f.timed_out => (
            ScriptResult::Timedout,
            None,
            Some("still running at the event's deadline: stopped".to_string()),
        ),
        MethodStatus::Exited(0) => (ScriptResult::Ok, Some(0), None),
        MethodStatus::Exited(code) => (ScriptResult::Error, Some(*code), None),
        MethodStatus::Signaled(signal) => (
            ScriptResult::Error,
            Some(128 + signal),
            Some(format!("killed by signal {signal}")),
        ),
        MethodStatus::Refused(refusal) => {
            (ScriptResult::CannotRun, None, Some(refusal.to_string()))
        }
        MethodStatus::SpawnFailed(failure) => {
            (ScriptResult::CannotRun, None, Some(failure.reason.clone()))
        }
        MethodStatus::Lost(why) => (ScriptResult::Error, None, Some(why.clone())),
        MethodStatus::Unknown => (
            ScriptResult::Error,
            None,
            Some("how it ended is unknown".to_string()),
        ),
    };
    ScriptReport {
        name: script.name.clone(),
        result,
        exit_status,
        duration_ms: millis(begun.elapsed()),
        output,
        reason,
    }
}

/// The last [`rgm_exec::DEFAULT_OUTPUT_LIMIT`] bytes of a script's output, whole lines.
#[derive(Default)]
struct Tail {
    text: String,
}

impl Tail {
    fn push(&mut self, ctx: &RunContext, event: &str, line: &OutputLine) {
        self.text.push_str(&line.text);
        self.text.push('\n');
        if self.text.len() > rgm_exec::DEFAULT_OUTPUT_LIMIT {
            let over = self.text.len() - rgm_exec::DEFAULT_OUTPUT_LIMIT;
            let cut = self.text[over..]
                .find('\n')
                .map_or(self.text.len(), |i| over + i + 1);
            self.text.drain(..cut);
        }
        if let Some(notes) = &ctx.notes {
            let _ = notes.send(EventNote::Line {
                event: event.to_string(),
                script: line.tags.resource.clone(),
                stream: line.stream,
                text: line.text.clone(),
            });
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}
