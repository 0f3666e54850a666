//! What happens when a method ends: the resource's next state, and on failure what
//! `Failover_mode` says (reference §e.1): relocate the group (SOFT, HARD) or leave it faulted
//! (NONE, RESTART_ONLY, LOG_ONLY) after a start failure; STOP_FAILED, or fencing the node
//! (HARD), after a stop failure.

use std::collections::BTreeSet;

use rtreg::Method;

use crate::config::FailoverMode;
use crate::engine::Engine;
use crate::engine::event::{MethodOutcome, MethodResult, RunId};
use crate::engine::log::{LogRecord, RunSubject, Severity, msg};
use crate::engine::runtime::{Run, RunPurpose};
use crate::engine::state::RState;

impl Engine {
    pub(crate) fn method_finished(&mut self, run: RunId, result: MethodResult) {
        let Some(info) = self.rt.take_run(run) else {
            // A result for a run the engine gave up on (its node died, or it was lost).
            return;
        };
        self.log_result(&info, &result);
        self.run_done(run, info, result);
    }

    /// A run whose result never came: treated as a timeout.
    pub(crate) fn run_lost(&mut self, run: RunId, reason: &str) {
        let Some(info) = self.rt.take_run(run) else {
            return;
        };
        self.log(LogRecord::decision(
            msg::METHOD_LOST,
            Severity::Error,
            format!(
                "Method <{}> on resource <{}>, resource group <{}>, node <{}>: {reason}; treated as a Timeout.",
                info.program, info.resource, info.group, info.node
            ),
            &[
                ("method", info.method.keyword()),
                ("resource", &info.resource),
                ("group", &info.group),
                ("node", &info.node),
            ],
        ));
        let result = MethodResult {
            outcome: MethodOutcome::TimedOut { killed: false },
            duration_ms: (self.now.0.saturating_sub(info.started.0)),
            output: String::new(),
        };
        self.run_done(run, info, result);
    }

    fn run_done(&mut self, run: RunId, info: Run, result: MethodResult) {
        match info.purpose {
            RunPurpose::Transition => self.transition_finished(&info, &result),
            RunPurpose::Op(id) => self.op_run_finished(id, run, &info, &result),
            RunPurpose::Boot if result.outcome == MethodOutcome::Unknown => {
                self.boot_unknown(&info);
                self.boot_finished(&info);
            }
            RunPurpose::Boot => self.boot_finished(&info),
            RunPurpose::Orphan => self.orphan_finished(&info, &result),
        }
    }

    fn log_result(&mut self, info: &Run, result: &MethodResult) {
        let s = RunSubject {
            program: &info.program,
            method: info.method.keyword(),
            resource: &info.resource,
            group: &info.group,
            node: &info.node,
            timeout_secs: info.timeout_secs,
        };
        let record = match &result.outcome {
            MethodOutcome::Exited(0) => LogRecord::completed(&s, result.duration_ms),
            MethodOutcome::Exited(code) => {
                LogRecord::failed(&s, &format!("exit code <{code}>"), result.duration_ms)
            }
            MethodOutcome::Signaled(sig) => {
                LogRecord::failed(&s, &format!("killed by signal <{sig}>"), result.duration_ms)
            }
            MethodOutcome::Cancelled => {
                LogRecord::failed(&s, "killed on request", result.duration_ms)
            }
            MethodOutcome::TimedOut { killed } => LogRecord::timed_out(&s, *killed),
            MethodOutcome::NotRun(reason) => LogRecord::not_run(&s, reason),
            MethodOutcome::Unknown => LogRecord::unknown(&s),
        };
        self.log(record);
    }

    fn transition_finished(&mut self, info: &Run, result: &MethodResult) {
        let (r, n) = (info.resource.as_str(), info.node.as_str());
        if !self.cfg.resources.contains_key(r) {
            return;
        }
        self.rt.res_mut(r, n).busy = None;
        if result.outcome == MethodOutcome::Unknown {
            self.unknown_step(r, n, info.method);
            return;
        }
        if result.success() {
            let next = match info.method {
                Method::PrenetStart => RState::PrenetStarted,
                Method::Start => {
                    let x = self.rt.res_mut(r, n);
                    x.resume_without_prenet = false;
                    x.ignore_failed_start = false;
                    RState::OnlineUnmonitored
                }
                Method::MonitorStart => RState::Online,
                Method::MonitorStop => RState::OnlineUnmonitored,
                Method::Stop => RState::Stopped,
                Method::PostnetStop => RState::Offline,
                _ => return,
            };
            self.set_state(r, n, next);
            if next == RState::Offline {
                self.finish_bounce(r, n);
            }
            return;
        }
        match info.method {
            Method::PrenetStart | Method::Start => self.start_failed(r, n, info.method),
            Method::MonitorStart => self.set_state(r, n, RState::MonitorFailed),
            Method::MonitorStop | Method::Stop | Method::PostnetStop => {
                self.stop_failed(r, n, info.method)
            }
            _ => {}
        }
    }

    /// PRENET_START or START failed: START_FAILED, then Failover_mode.
    fn start_failed(&mut self, r: &str, n: &str, method: Method) {
        self.set_state(r, n, RState::StartFailed);
        let Some(res) = self.cfg.resources.get(r) else {
            return;
        };
        let group = res.group.clone();
        let mode = self.cfg.failover_mode(res);
        let g = &self.cfg.groups[&group];
        let suspended = g.suspended() || self.rt.group(&group).is_some_and(|x| x.quiescing);
        self.rt.group_node_mut(&group, n).failed_at = Some(self.now);
        let x = self.rt.res_mut(r, n);
        x.bounce = None;
        if std::mem::take(&mut x.ignore_failed_start) {
            self.log(LogRecord::decision(
                msg::NO_FAILOVER,
                Severity::Warning,
                format!("resource {r} failed to start on node {n}; IGNORE_FAILED_START was requested, so resource group {group} stays"),
                &[("resource", r), ("group", &group), ("node", n)],
            ));
            return;
        }
        let relocate = matches!(mode, FailoverMode::Soft | FailoverMode::Hard) && !suspended;
        if !relocate {
            let why = if suspended {
                "automatic recovery is suspended".to_string()
            } else {
                format!("Failover_mode is {}", mode.name())
            };
            self.log(LogRecord::decision(
                msg::NO_FAILOVER,
                Severity::Warning,
                format!("{} of resource {r} failed on node {n}; resource group {group} stays there ({why})", method.keyword()),
                &[("resource", r), ("group", &group), ("node", n)],
            ));
            return;
        }
        self.log(LogRecord::decision(
            msg::FAILOVER,
            Severity::Warning,
            format!(
                "resource group {group} failing over from node {n}: {} of resource {r} failed (Failover_mode {})",
                method.keyword(),
                mode.name()
            ),
            &[("resource", r), ("group", &group), ("node", n)],
        ));
        let mut next: BTreeSet<String> = self
            .rt
            .group(&group)
            .map(|x| x.primaries.clone())
            .unwrap_or_default();
        next.remove(n);
        self.set_primaries(&group, next);
    }

    /// MONITOR_STOP, STOP or POSTNET_STOP failed: STOP_FAILED, or fence the node under HARD.
    fn stop_failed(&mut self, r: &str, n: &str, method: Method) {
        self.set_state(r, n, RState::StopFailed);
        let Some(res) = self.cfg.resources.get(r) else {
            return;
        };
        let group = res.group.clone();
        let mode = self.cfg.failover_mode(res);
        let suspended = self.cfg.groups[&group].suspended();
        self.rt.res_mut(r, n).bounce = None;
        if mode == FailoverMode::Hard && !suspended {
            let reason = format!(
                "{} of resource {r} failed on node {n} and its Failover_mode is HARD",
                method.keyword()
            );
            self.fence(n, &reason);
            return;
        }
        self.log(LogRecord::decision(
            msg::STOP_FAILED,
            Severity::Error,
            format!(
                "resource {r} is STOP_FAILED on node {n} after {} failed; resource group {group} will not start on any node until it is cleared (clrs clear -f STOP_FAILED -n {n} {r})",
                method.keyword()
            ),
            &[("resource", r), ("group", &group), ("node", n)],
        ));
    }
}
