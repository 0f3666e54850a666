//! Target changes: what an administrator's request (or a failure) changes in what the engine
//! wants — a group online or not, its primaries, restarts, evacuations, quiescing.

use std::collections::BTreeSet;

use crate::engine::Engine;
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::ops::TargetChange;
use crate::engine::state::RState;

impl Engine {
    /// Carries out a change of targets.
    pub(crate) fn target(&mut self, t: TargetChange) {
        match t {
            TargetChange::Online { group, nodes } => {
                self.rt.group_mut(&group).wanted = true;
                let failed: Vec<String> = self
                    .rt
                    .group_nodes(&group)
                    .into_iter()
                    .flatten()
                    .filter(|(_, x)| x.failed_at.is_some())
                    .map(|(n, _)| n.clone())
                    .collect();
                for n in failed {
                    self.rt.group_node_mut(&group, &n).failed_at = None;
                }
                if let Some(nodes) = nodes {
                    self.set_primaries(&group, nodes.into_iter().collect());
                }
                self.touch_group(&group);
            }
            TargetChange::Offline { group, nodes } => {
                let current = self
                    .rt
                    .group(&group)
                    .map(|g| g.primaries.clone())
                    .unwrap_or_default();
                let next: BTreeSet<String> = match &nodes {
                    None => BTreeSet::new(),
                    Some(nodes) => current.into_iter().filter(|n| !nodes.contains(n)).collect(),
                };
                if next.is_empty() {
                    self.rt.group_mut(&group).wanted = false;
                }
                self.set_primaries(&group, next);
                self.touch_group(&group);
            }
            TargetChange::Restart { group, nodes } => {
                for n in nodes {
                    self.rt.group_node_mut(&group, &n).restarting = true;
                }
                self.touch_group(&group);
            }
            TargetChange::Remaster { group } => {
                if let Some(next) = self.choose_primaries(&group, true) {
                    self.set_primaries(&group, next);
                }
            }
            TargetChange::Evacuate { node, until } => {
                self.rt.node_mut(&node).evacuated_until = Some(until);
                let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
                self.dirty.extend(all);
            }
            TargetChange::QuiesceBegin { group } => {
                self.rt.group_mut(&group).quiescing = true;
            }
            TargetChange::QuiesceEnd { group } => {
                let active: BTreeSet<String> = self
                    .cfg
                    .node_names()
                    .into_iter()
                    .filter(|n| self.group_active_on(&group, n))
                    .collect();
                let grt = self.rt.group_mut(&group);
                grt.quiescing = false;
                grt.wanted = !active.is_empty();
                self.set_primaries(&group, active);
                self.touch_group(&group);
            }
            TargetChange::ResetMonitorFailed { resource, nodes } => {
                for n in nodes {
                    if self.rt.state(&resource, &n) == RState::MonitorFailed {
                        self.set_state(&resource, &n, RState::OnlineUnmonitored);
                    }
                }
            }
            TargetChange::ConfirmDown { node } => self.confirm_down(&node),
            TargetChange::ClearStopFailed { resource, node } => {
                self.set_state(&resource, &node, RState::Offline);
                self.log(LogRecord::decision(
                    msg::CLEARED,
                    Severity::Notice,
                    format!("STOP_FAILED of resource {resource} on node {node} cleared by the administrator"),
                    &[("resource", &resource), ("node", &node)],
                ));
            }
        }
    }
}
