//! Read access for the daemon and the commands' views: queries never go through
//! `Engine::handle` and change nothing.

use rtreg::Method;

use crate::config::ClusterConfig;
use crate::engine::Engine;
use crate::engine::event::{RequestId, RunId, Time};
use crate::engine::ops::Step;
use crate::engine::runtime::Bounce;
use crate::engine::state::{RState, RgState, Status};
use crate::graph::DependencyGraph;

impl Engine {
    pub fn config(&self) -> &ClusterConfig {
        &self.cfg
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn resource_state(&self, resource: &str, node: &str) -> RState {
        self.rt.state(resource, node)
    }

    pub fn resource_status(&self, resource: &str, node: &str) -> (Status, String) {
        self.rt
            .res(resource, node)
            .map(|x| (x.status, x.status_msg.clone()))
            .unwrap_or_default()
    }

    pub fn group_state(&self, group: &str, node: &str) -> RgState {
        if self.cfg.groups.get(group).is_some_and(|g| !g.managed) {
            return RgState::Unmanaged;
        }
        self.rt
            .group_node(group, node)
            .map(|x| x.state)
            .unwrap_or_default()
    }

    /// The nodes a group should be online on now.
    pub fn group_primaries(&self, group: &str) -> Vec<String> {
        self.rt
            .group(group)
            .map(|g| g.primaries.iter().cloned().collect())
            .unwrap_or_default()
    }

    pub fn node_up(&self, node: &str) -> bool {
        self.rt.node_up(node)
    }

    /// Whether the engine counts the node in the membership: a member (being fenced or not:
    /// [`Engine::node_up`] is false while it is), or a node that asked to join while owed a
    /// fence (it joins once fenced). A daemon reports the death of exactly these, and the
    /// join of a member that is none of them.
    pub fn node_in_membership(&self, node: &str) -> bool {
        self.rt
            .node(node)
            .is_some_and(|x| x.up || x.join_after_fence)
    }

    /// Whether a resource is meant to be up on a node by its own targets: its group wanted
    /// there (not restarting), the resource enabled there, and not being restarted.
    pub fn resource_wanted_up(&self, resource: &str, node: &str) -> bool {
        crate::engine::readiness::Want::new(self).base(resource, node)
    }

    /// Whether a resource is being taken down to be brought back on a node, and how.
    pub fn resource_bounce(&self, resource: &str, node: &str) -> Option<Bounce> {
        self.rt.res(resource, node).and_then(|x| x.bounce)
    }

    /// The dependency graph of the current configuration.
    pub fn graph(&self) -> &DependencyGraph {
        &self.graph
    }

    /// Whether a group is wanted online (by the administrator or Auto_start_on_new_cluster).
    pub fn group_wanted(&self, group: &str) -> bool {
        self.rt.group(group).is_some_and(|g| g.wanted)
    }

    /// `Num_resource_restarts` on a node at time `now`: restarts within the last
    /// Retry_interval.
    pub fn num_resource_restarts(&self, resource: &str, node: &str, now: Time) -> i64 {
        let window = self.retry_interval(resource);
        self.rt
            .res(resource, node)
            .map(|x| count_within(&x.restarts, now, window))
            .unwrap_or(0)
    }

    /// `Num_rg_restarts` on a node at time `now`, for the group of `resource`.
    pub fn num_rg_restarts(&self, resource: &str, node: &str, now: Time) -> i64 {
        let window = self.retry_interval(resource);
        let Some(r) = self.cfg.resources.get(resource) else {
            return 0;
        };
        self.rt
            .group_node(&r.group, node)
            .map(|x| count_within(&x.restarts, now, window))
            .unwrap_or(0)
    }

    /// Methods in flight: (run, node, resource, method).
    pub fn running(&self) -> Vec<(RunId, String, String, Method)> {
        self.rt
            .runs()
            .iter()
            .map(|(id, r)| (*id, r.node.clone(), r.resource.clone(), r.method))
            .collect()
    }

    /// A method run in flight.
    pub fn run(&self, id: RunId) -> Option<&crate::engine::runtime::Run> {
        self.rt.run(id)
    }

    /// What a request still under way concerns, for the daemon's progress reports: the
    /// groups it waits to settle and the runs it waits for (VALIDATE, INIT, ...). `None` once
    /// it has been answered.
    pub fn request_scope(&self, id: RequestId) -> Option<(Vec<String>, Vec<RunId>)> {
        let op = self.ops.get(&id)?;
        let mut groups: Vec<String> = Vec::new();
        for step in &op.steps {
            if let Step::Settle { groups: g, .. } = step {
                groups.extend(g.iter().cloned());
            }
            if let Step::MonitorCheck { group, .. } | Step::Giveover { group, .. } = step {
                groups.push(group.clone());
            }
        }
        groups.sort();
        groups.dedup();
        Some((groups, op.waiting.iter().copied().collect()))
    }

    /// Whether nothing is in flight: no method running, no request pending.
    pub fn is_idle(&self) -> bool {
        self.rt.runs().is_empty() && self.ops.is_empty()
    }
}

fn count_within(times: &[Time], now: Time, window_secs: i64) -> i64 {
    times
        .iter()
        .filter(|t| now.secs_since(**t) < window_secs.max(0))
        .count() as i64
}
