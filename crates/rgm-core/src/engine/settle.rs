//! When an operation may go on: whether the groups it waits on have settled (nothing in
//! flight, nothing more will happen by itself), whether its goal was reached, and if not, a
//! reason an administrator can act on (the failed resources, the gate that holds a group).

use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::ops::Goal;
use crate::engine::readiness::Want;
use crate::engine::state::{RState, RgState};
use crate::error::ErrorCode;

impl Engine {
    /// The groups have nothing in flight and nothing more will happen to them by itself.
    /// The index of a group that has not settled, looking from `start` on (and round), or
    /// `None` when all have. Operations remember where they last found one, so that waiting
    /// on many groups costs little per event.
    pub(super) fn first_unsettled(&self, groups: &[String], start: usize) -> Option<usize> {
        // A fence asked for and not yet failed: it decides soon. One that failed is retried
        // with backoff and may never be done: nothing waits on it (rule 3).
        let awaited = |x: &crate::engine::runtime::NodeRt| x.fencing && x.fence_attempts == 0;
        let fencing = self.rt.nodes().values().any(awaited);
        let quiet = self.rt.runs().is_empty()
            && self.dirty.is_empty()
            && !fencing
            && !self.rt.nodes().values().any(|x| x.booting);
        if quiet {
            // Nothing is in flight anywhere, so nothing will change by itself.
            return None;
        }
        let n = groups.len();
        (0..n).map(|k| (start + k) % n.max(1)).find(|&i| {
            let g = &groups[i];
            let Some(grt) = self.rt.group(g) else {
                return false;
            };
            if grt.in_flight > 0 || self.dirty.contains(g) {
                return true;
            }
            let restarting = self
                .rt
                .group_nodes(g)
                .is_some_and(|m| m.values().any(|n| n.restarting));
            // A pending state with nothing of the group in flight waits on other groups.
            let pending = self
                .rt
                .group_nodes(g)
                .into_iter()
                .flat_map(|m| m.values())
                .any(|n| matches!(n.state, RgState::PendingOnline | RgState::PendingOffline));
            // A node being fenced decides nothing until the fence is done.
            let fenced_here = fencing
                && self
                    .rt
                    .nodes()
                    .iter()
                    .any(|(n, x)| awaited(x) && self.group_active_on(g, n));
            restarting || fenced_here || (pending && self.rt.transitions > 0)
        })
    }

    /// Checks an operation's goal once its groups settled; returns notes for the answer.
    pub(super) fn check_goal(
        &self,
        groups: &[String],
        goal: &Goal,
    ) -> Result<Vec<String>, RequestError> {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        match goal {
            Goal::Settled => {}
            Goal::Online(nodes) => {
                for g in groups {
                    let on: Vec<String> = self.nodes_where(g, |s| s == RgState::Online);
                    match nodes {
                        Some(nodes) => {
                            for n in nodes {
                                if !on.contains(n) {
                                    problems.push(self.why_not_online(g, n));
                                }
                            }
                        }
                        None if on.is_empty() => problems.push(self.why_not_online_anywhere(g)),
                        None => {
                            notes.push(format!("resource group {g} is online on {}", on.join(", ")))
                        }
                    }
                    notes.extend(self.monitor_failures(g));
                }
            }
            Goal::Offline(nodes) => {
                for g in groups {
                    let targets = nodes.clone().unwrap_or_else(|| self.cfg.node_names());
                    let before = problems.len();
                    for n in &targets {
                        let s = self.group_state(g, n);
                        if !matches!(s, RgState::Offline | RgState::Unmanaged) {
                            problems.push(self.why_not_offline(g, n, s));
                        }
                    }
                    if problems.len() == before {
                        notes.push(match nodes {
                            Some(_) => {
                                format!("resource group {g} is offline on {}", targets.join(", "))
                            }
                            None => format!("resource group {g} is offline on every node"),
                        });
                    }
                }
            }
            Goal::NotOn(node) => {
                for g in groups {
                    let s = self.group_state(g, node);
                    if !matches!(s, RgState::Offline | RgState::Unmanaged) {
                        problems.push(self.why_not_offline(g, node, s));
                    }
                }
            }
            Goal::ResourcesUp(resources) => {
                let want = Want::new(self);
                for r in resources {
                    let Some(res) = self.cfg.resources.get(r) else {
                        continue;
                    };
                    for n in self.cfg.node_names() {
                        if want.group_up(&res.group, &n) && res.enabled.on(&n) {
                            let s = self.rt.state(r, &n);
                            if !s.is_started() {
                                problems.push(format!(
                                    "resource {r} did not come online on node {n}: it is {}",
                                    s.public_name()
                                ));
                            }
                        }
                    }
                }
            }
            Goal::ResourcesDown(resources, nodes) => {
                for r in resources {
                    let targets = nodes.clone().unwrap_or_else(|| self.cfg.node_names());
                    for n in targets {
                        let s = self.rt.state(r, &n);
                        if s != RState::Offline {
                            problems.push(format!(
                                "resource {r} is not offline on node {n}: it is {}",
                                s.public_name()
                            ));
                        }
                    }
                }
            }
            Goal::StartedOn(r, n) => {
                let s = self.rt.state(r, n);
                if !s.is_started() {
                    problems.push(format!(
                        "resource {r} did not restart on node {n}: it is {}",
                        s.public_name()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(notes)
        } else {
            Err(RequestError {
                code: ErrorCode::State,
                messages: problems,
            })
        }
    }

    fn nodes_where(&self, group: &str, pred: impl Fn(RgState) -> bool) -> Vec<String> {
        self.cfg
            .node_names()
            .into_iter()
            .filter(|n| pred(self.group_state(group, n)))
            .collect()
    }

    fn monitor_failures(&self, group: &str) -> Vec<String> {
        let Some(g) = self.cfg.groups.get(group) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in &g.resources {
            for n in self.cfg.node_names() {
                if self.rt.state(r, &n) == RState::MonitorFailed {
                    out.push(format!(
                        "warning: resource {r} is online on node {n} but MONITOR_START failed"
                    ));
                }
            }
        }
        out
    }

    fn why_not_online(&self, group: &str, node: &str) -> String {
        let s = self.group_state(group, node);
        let failed = self.failed_resources(group, node);
        match s {
            RgState::OnlineFaulted => format!(
                "resource group {group} is ONLINE_FAULTED on node {node}: {}",
                failed.join(", ")
            ),
            RgState::PendingOnlineBlocked => format!(
                "resource group {group} is PENDING_ONLINE_BLOCKED on node {node}: {}",
                self.blocked_reason(group, node)
            ),
            _ => {
                let elsewhere = self.nodes_where(group, RgState::is_online);
                let mut why = format!(
                    "resource group {group} is not online on node {node} (it is {})",
                    s.public_name()
                );
                if !failed.is_empty() {
                    why.push_str(&format!(": {}", failed.join(", ")));
                }
                if let Some(n) = self.stop_failed_node(group) {
                    // On a node owed a fence the fence clears it, not the administrator.
                    why.push_str(&match self.fence_stuck(&n) {
                        Some(fence) => format!(
                            "; a resource of the group is STOP_FAILED on node {n}: {fence}"
                        ),
                        None => format!(
                            "; a resource of the group is STOP_FAILED on node {n}, so it starts nowhere until that is cleared"
                        ),
                    });
                } else if let Some(fence) = self.fence_note(group) {
                    why.push_str(&format!("; {fence}"));
                } else if !elsewhere.is_empty() {
                    why.push_str(&format!("; it is online on {}", elsewhere.join(", ")));
                } else if let Err(unfit) = self.fitness(group, node, true) {
                    why.push_str(&format!("; node {node}: {unfit}"));
                }
                why
            }
        }
    }

    fn why_not_online_anywhere(&self, group: &str) -> String {
        let mut reasons = Vec::new();
        for n in self
            .cfg
            .groups
            .get(group)
            .map(|g| g.nodelist())
            .unwrap_or_default()
        {
            let failed = self.failed_resources(group, &n);
            let s = self.group_state(group, &n);
            if !failed.is_empty() {
                reasons.push(format!(
                    "node {n}: {} ({})",
                    s.public_name(),
                    failed.join(", ")
                ));
            } else if s == RgState::PendingOnlineBlocked {
                reasons.push(format!(
                    "node {n}: PENDING_ONLINE_BLOCKED ({})",
                    self.blocked_reason(group, &n)
                ));
            } else if let Err(unfit) = self.fitness(group, &n, true) {
                reasons.push(format!("node {n}: {unfit}"));
            }
        }
        if let Some(n) = self.stop_failed_node(group) {
            reasons.push(format!("a resource is STOP_FAILED on node {n}"));
        }
        reasons.extend(self.fence_note(group));
        format!(
            "resource group {group} could not be brought online: {}",
            reasons.join("; ")
        )
    }

    fn why_not_offline(&self, group: &str, node: &str, s: RgState) -> String {
        let failed: Vec<String> = self
            .cfg
            .groups
            .get(group)
            .map(|g| {
                g.resources
                    .iter()
                    .filter(|r| self.rt.state(r, node) == RState::StopFailed)
                    .map(|r| format!("{r} is STOP_FAILED"))
                    .collect()
            })
            .unwrap_or_default();
        let mut why = format!(
            "resource group {group} is {} on node {node}",
            s.public_name()
        );
        if !failed.is_empty() {
            why.push_str(&format!(": {}", failed.join(", ")));
        }
        if let Some(fence) = self.fence_stuck(node) {
            why.push_str(&format!("; {fence}"));
        }
        why
    }

    /// Why a group waits on a fence that could not be done, if it does.
    fn fence_note(&self, group: &str) -> Option<String> {
        self.rt
            .nodes()
            .keys()
            .filter(|n| self.group_active_on(group, n))
            .find_map(|n| self.fence_stuck(n))
    }

    fn blocked_reason(&self, group: &str, node: &str) -> String {
        self.rt
            .group_node(group, node)
            .and_then(|x| x.blocked.clone())
            .unwrap_or_else(|| "it depends on something that is not online".to_string())
    }

    fn failed_resources(&self, group: &str, node: &str) -> Vec<String> {
        let Some(g) = self.cfg.groups.get(group) else {
            return Vec::new();
        };
        g.resources
            .iter()
            .filter_map(|r| match self.rt.state(r, node) {
                RState::StartFailed => Some(format!("{r} is START_FAILED")),
                RState::StopFailed => Some(format!("{r} is STOP_FAILED")),
                _ => None,
            })
            .collect()
    }
}
