//! A resource found dead (`EventKind::ResourceGone`): after a restart the daemon found no sign
//! of life of a resource the engine believes started on a node. The engine stops calling it
//! online: its Status becomes FAULTED with the reason, and Failover_mode decides, as a fault
//! monitor acting for it would (docs/engine.md): a restart counted against Retry_count within
//! Retry_interval, then (NONE, SOFT, HARD) a giveover to another node; a resource that may be
//! neither restarted nor given over — LOG_ONLY, RESTART_ONLY past its retries, no other node,
//! automatic recovery suspended — is START_FAILED, its group ONLINE_FAULTED.

use std::collections::BTreeSet;

use crate::config::FailoverMode;
use crate::engine::Engine;
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::state::{RState, Status};

/// What Failover_mode makes of a resource found dead.
enum Decision {
    Restart,
    Giveover(String),
    Down(String),
}

impl Engine {
    pub(crate) fn resource_gone(&mut self, r: &str, n: &str, reason: &str) {
        let fields = [("resource", r), ("node", n)];
        let Some(res) = self.cfg.resources.get(r) else {
            self.log(LogRecord::decision(
                msg::GONE,
                Severity::Warning,
                format!(
                    "resource {r} reported gone on node {n}, but there is no such resource; ignored"
                ),
                &fields,
            ));
            return;
        };
        let (group, mode) = (res.group.clone(), self.cfg.failover_mode(res));
        let state = self.rt.state(r, n);
        if !state.is_started() || !self.rt.node_up(n) {
            self.log(LogRecord::decision(
                msg::GONE,
                Severity::Notice,
                format!(
                    "resource {r} reported gone on node {n}, where it is {}; nothing to recover",
                    state.public_name()
                ),
                &fields,
            ));
            return;
        }
        self.set_status_gone(r, n, reason);
        if self.rt.res(r, n).is_some_and(|x| x.busy.is_some()) {
            self.log(LogRecord::decision(
                msg::GONE,
                Severity::Warning,
                format!("resource {r} has no sign of life on node {n} ({reason}); a method of it is running, and its result decides"),
                &fields,
            ));
            return;
        }
        let decision = self.gone_decision(r, n, &group, mode);
        let (what, kind) = match &decision {
            Decision::Restart => ("restarting it".to_string(), "restart"),
            Decision::Giveover(to) => (
                format!("moving resource group {group} to node {to}"),
                "giveover",
            ),
            Decision::Down(why) => (format!("it stays down, START_FAILED ({why})"), "down"),
        };
        self.log(LogRecord::decision(
            msg::GONE,
            Severity::Warning,
            format!("resource {r} has no sign of life on node {n} ({reason}): {what}"),
            &[
                ("resource", r),
                ("group", &group),
                ("node", n),
                ("decision", kind),
            ],
        ));
        match decision {
            Decision::Restart => {
                self.note_resource_restart(r, n);
                self.bounce_resource(r, n, true);
            }
            Decision::Giveover(to) => {
                self.note_giveover(&group, r, n);
                self.rt.group_node_mut(&group, n).failed_at = Some(self.now);
                let mut next: BTreeSet<String> = self
                    .rt
                    .group(&group)
                    .map(|g| g.primaries.clone())
                    .unwrap_or_default();
                next.remove(n);
                next.insert(to);
                self.set_primaries(&group, next);
            }
            Decision::Down(_) => {
                self.set_state(r, n, RState::StartFailed);
                self.touch_group(&group);
            }
        }
    }

    fn set_status_gone(&mut self, r: &str, n: &str, reason: &str) {
        let x = self.rt.res_mut(r, n);
        let (status_changed, msg_changed) = (x.status != Status::Faulted, x.status_msg != reason);
        x.status = Status::Faulted;
        x.status_msg = reason.to_string();
        self.msg_writes += 1;
        if status_changed {
            self.log(LogRecord::status(r, n, Status::Faulted));
        }
        if msg_changed {
            self.log(LogRecord::status_msg(r, n, reason));
        }
    }

    fn gone_decision(&self, r: &str, n: &str, group: &str, mode: FailoverMode) -> Decision {
        let suspended = self.cfg.groups.get(group).is_some_and(|g| g.suspended())
            || self.rt.group(group).is_some_and(|x| x.quiescing);
        if suspended {
            return Decision::Down(format!(
                "automatic recovery of resource group {group} is suspended"
            ));
        }
        if mode == FailoverMode::LogOnly {
            return Decision::Down("Failover_mode is LOG_ONLY".into());
        }
        let (allowed, done, limit) = self.restart_allowed(r, n);
        if allowed {
            return Decision::Restart;
        }
        let spent =
            format!("restarted {done} time(s) within Retry_interval; Retry_count is {limit}");
        if mode == FailoverMode::RestartOnly {
            return Decision::Down(format!("{spent} and Failover_mode is RESTART_ONLY"));
        }
        match self.giveover_candidates(group, r, n).into_iter().next() {
            Some(to) => Decision::Giveover(to),
            None => Decision::Down(format!(
                "{spent}, and no other node can master resource group {group}"
            )),
        }
    }

    /// Whether one more restart of `r` on `n` is within Retry_count restarts in the last
    /// Retry_interval (a negative Retry_count allows any number; an undeclared one, none);
    /// with the restarts counted and the limit.
    pub(crate) fn restart_allowed(&self, r: &str, n: &str) -> (bool, i64, i64) {
        let limit = self
            .cfg
            .resources
            .get(r)
            .and_then(|x| self.cfg.resource_int(x, "Retry_count"))
            .unwrap_or(0);
        let done = self.num_resource_restarts(r, n, self.now);
        (limit < 0 || done < limit, done, limit)
    }
}
