//! Launching a method run: the log record, the timer that catches a run whose result never
//! arrives (timeout + grace + margin), the action for the daemon, and the run's record.

use rtreg::Method;

use crate::engine::Engine;
use crate::engine::action::{Action, MethodRun, ValidateArgs};
use crate::engine::event::{RunId, Time, TimerId};
use crate::engine::log::{LogRecord, RunSubject};
use crate::engine::runtime::{Run, RunPurpose};

impl Engine {
    /// Launches a method run for a configured resource; `None` if its type lacks the method.
    pub(super) fn launch(
        &mut self,
        resource: &str,
        node: &str,
        method: Method,
        purpose: RunPurpose,
        validate: Option<ValidateArgs>,
    ) -> Option<RunId> {
        let r = self.cfg.resources.get(resource)?;
        let rtype = self.cfg.types.get(&r.type_name)?;
        let target = RunTarget {
            resource: resource.to_string(),
            group: r.group.clone(),
            type_name: r.type_name.clone(),
            path: rtype.spec.method(method)?.to_string(),
            timeout_secs: self.cfg.method_timeout(r, method),
            node: node.to_string(),
            method,
        };
        Some(self.launch_with(target, purpose, validate))
    }

    /// Launches a method run described in full (VALIDATE of a resource not yet created).
    pub(super) fn launch_with(
        &mut self,
        t: RunTarget,
        purpose: RunPurpose,
        validate: Option<ValidateArgs>,
    ) -> RunId {
        let run = self.rt.new_run_id();
        let timer = TimerId(self.next_timer);
        self.next_timer += 1;
        let program = t.path.rsplit('/').next().unwrap_or(&t.path).to_string();
        self.log(LogRecord::launching(&RunSubject {
            program: &program,
            method: t.method.keyword(),
            resource: &t.resource,
            group: &t.group,
            node: &t.node,
            timeout_secs: t.timeout_secs,
        }));
        let deadline = self.lost_deadline(self.now, t.timeout_secs);
        self.emit(Action::ArmTimer {
            timer,
            at: deadline,
        });
        self.emit(Action::RunMethod(MethodRun {
            run,
            node: t.node.clone(),
            resource: t.resource.clone(),
            group: t.group.clone(),
            type_name: t.type_name,
            method: t.method,
            path: t.path,
            timeout_secs: t.timeout_secs,
            validate,
        }));
        self.rt.add_run(
            run,
            Run {
                resource: t.resource,
                group: t.group,
                node: t.node,
                method: t.method,
                program,
                started: self.now,
                timeout_secs: t.timeout_secs,
                purpose,
                timer,
            },
        );
        run
    }
}

impl Engine {
    /// When a run started at `started` counts as lost if no result came: its timeout, the
    /// launcher's grace and a margin later (saturating: a huge timeout never wraps round).
    pub(super) fn lost_deadline(&self, started: Time, timeout_secs: i64) -> Time {
        let wait = timeout_secs
            .max(0)
            .saturating_add(self.settings.grace_secs)
            .saturating_add(self.settings.lost_margin_secs);
        started.plus_secs(wait)
    }
}

/// Everything a method run needs to be launched.
pub(super) struct RunTarget {
    pub resource: String,
    pub group: String,
    pub type_name: String,
    pub path: String,
    pub timeout_secs: i64,
    pub node: String,
    pub method: Method,
}
