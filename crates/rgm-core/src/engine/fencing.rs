//! Fencing (issue 9, rule 3): a node that died, or whose STOP failed under Failover_mode=HARD,
//! is fenced before anything of it starts elsewhere. A fence that fails is retried with
//! backoff, each try logged, until it is done or an administrator confirms the node is down
//! (`clnode confirm-down`); operations waiting on it end, with the reason, once it has failed.
//! A join never cancels a fence that is owed; a report of a fence nobody asked for changes
//! nothing.

use crate::engine::Engine;
use crate::engine::action::Action;
use crate::engine::event::TimerId;
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::state::RState;

/// The first retry of a failed fence; each next one waits twice as long, up to the cap.
const FENCE_RETRY_FIRST_SECS: i64 = 5;
const FENCE_RETRY_MAX_SECS: i64 = 300;

/// How long before the retry that follows `attempts` failed fences.
pub(crate) fn fence_backoff(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (FENCE_RETRY_FIRST_SECS << doublings).min(FENCE_RETRY_MAX_SECS)
}

/// How a node came to be known fenced.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fenced {
    /// The daemon reports the fence done.
    Reported,
    /// An administrator confirms the node is down.
    Confirmed,
}

impl Engine {
    /// Asks the daemon to fence a node; until it reports NodeFenced the node masters nothing
    /// and its groups do not start elsewhere.
    pub(crate) fn fence(&mut self, n: &str, reason: &str) {
        let x = self.rt.node_mut(n);
        if x.fencing {
            return;
        }
        x.fencing = true;
        x.fence_attempts = 0;
        x.fence_error = None;
        self.log(LogRecord::decision(
            msg::FENCE,
            Severity::Error,
            format!("fencing node {n}: {reason}"),
            &[("node", n)],
        ));
        self.emit(Action::FenceNode {
            node: n.to_string(),
            reason: reason.to_string(),
        });
        let groups: Vec<String> = self.cfg.groups.keys().cloned().collect();
        self.dirty.extend(groups);
    }

    pub(crate) fn node_fenced(&mut self, node: &str) {
        if !self.rt.node(node).is_some_and(|x| x.fencing) {
            // A late or unasked-for report never marks a node down.
            self.log(LogRecord::decision(
                msg::NODE_FENCED,
                Severity::Warning,
                format!("node {node} reported fenced, but no fence of it is owed; ignored"),
                &[("node", node)],
            ));
            return;
        }
        self.fenced(node, Fenced::Reported);
    }

    /// `clnode confirm-down`: the administrator has made sure the node is down (powered off,
    /// cut off); it counts as fenced.
    pub(crate) fn confirm_down(&mut self, node: &str) {
        if self.rt.node(node).is_some_and(|x| x.fencing) {
            self.fenced(node, Fenced::Confirmed);
        }
    }

    fn fenced(&mut self, node: &str, how: Fenced) {
        let x = self.rt.node_mut(node);
        x.fencing = false;
        x.up = false;
        x.booting = false;
        x.boot_pending.clear();
        x.fence_attempts = 0;
        x.fence_error = None;
        let rejoin = std::mem::take(&mut x.join_after_fence);
        self.fence_timers.retain(|_, n| n != node);
        let text = match how {
            Fenced::Reported => format!("node {node} is fenced; its resources are offline"),
            Fenced::Confirmed => format!(
                "node {node} is confirmed down by the administrator; its resources are offline"
            ),
        };
        self.log(LogRecord::decision(
            msg::NODE_FENCED,
            Severity::Notice,
            text,
            &[("node", node)],
        ));
        self.abandon_runs(node, "its node was fenced");
        let resources: Vec<String> = self.cfg.resources.keys().cloned().collect();
        for r in resources {
            if self.rt.state(&r, node) != RState::Offline {
                self.set_state(&r, node, RState::Offline);
            }
            if let Some(x) = self.rt.res_get_mut(&r, node) {
                x.busy = None;
                x.bounce = None;
                x.resume_without_prenet = false;
            }
        }
        let groups: Vec<String> = self.cfg.groups.keys().cloned().collect();
        for g in &groups {
            if self.rt.group_node(g, node).is_some_and(|x| x.restarting) {
                self.rt.group_node_mut(g, node).restarting = false;
            }
        }
        self.dirty.extend(groups);
        if rejoin {
            self.node_joined(node);
        }
    }

    /// A fence that could not be done. A member node (fenced for a STOP that failed under
    /// Failover_mode=HARD) is not rebooted: its STOP_FAILED resources stay so, and keep their
    /// groups from starting, until an administrator makes sure they are stopped and clears
    /// them. A node that left the cluster stays owed its fence — its groups must not start
    /// elsewhere while it may still run them — and the fence is tried again with backoff.
    /// Either way, operations waiting on the fence end with the reason.
    pub(crate) fn fence_failed(&mut self, node: &str, reason: &str) {
        let Some(x) = self.rt.node(node) else {
            return;
        };
        if !x.fencing {
            return;
        }
        let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
        self.dirty.extend(all);
        if x.up {
            // Still a member: a join it asked for meanwhile is moot.
            let x = self.rt.node_mut(node);
            x.fencing = false;
            x.join_after_fence = false;
            self.log(LogRecord::decision(
                msg::FENCE_FAILED,
                Severity::Error,
                format!("cannot fence node {node}: {reason}; its STOP_FAILED resources stay so until an administrator makes sure they are stopped and clears them (clresource clear -f STOP_FAILED)"),
                &[("node", node)],
            ));
            return;
        }
        let x = self.rt.node_mut(node);
        x.fence_attempts = x.fence_attempts.saturating_add(1);
        x.fence_error = Some(reason.to_string());
        let attempts = x.fence_attempts;
        let wait = fence_backoff(attempts);
        self.log(LogRecord::decision(
            msg::FENCE_FAILED,
            Severity::Error,
            format!("cannot fence node {node} (attempt {attempts}): {reason}; trying again in {wait} s; its resource groups do not start elsewhere until it is fenced or an administrator confirms it is down (clnode confirm-down {node})"),
            &[("node", node)],
        ));
        let timer = TimerId(self.next_timer);
        self.next_timer += 1;
        self.fence_timers.insert(timer, node.to_string());
        self.emit(Action::ArmTimer {
            timer,
            at: self.now.plus_secs(wait),
        });
    }

    /// A failed fence's retry is due.
    pub(crate) fn fence_retry(&mut self, node: &str) {
        let Some(x) = self.rt.node(node) else {
            return;
        };
        if !x.fencing || x.up {
            return;
        }
        let attempt = x.fence_attempts + 1;
        self.log(LogRecord::decision(
            msg::FENCE,
            Severity::Error,
            format!("fencing node {node} again (attempt {attempt})"),
            &[("node", node)],
        ));
        self.emit(Action::FenceNode {
            node: node.to_string(),
            reason: format!("node {node} left the cluster and must be fenced (attempt {attempt})"),
        });
    }

    /// A node being fenced whose fence has failed at least once: nothing more happens by
    /// itself to what waits on it, and why.
    pub(crate) fn fence_stuck(&self, node: &str) -> Option<String> {
        let x = self.rt.node(node)?;
        if !x.fencing || x.fence_attempts == 0 {
            return None;
        }
        Some(format!(
            "node {node} has left the cluster and could not be fenced ({} attempt(s); last: {}); its resource groups start elsewhere once it is fenced or confirmed down (clnode confirm-down {node})",
            x.fence_attempts,
            x.fence_error.as_deref().unwrap_or("no reason given")
        ))
    }
}
