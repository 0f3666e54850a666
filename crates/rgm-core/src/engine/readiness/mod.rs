//! The rules of what may run now (reference §d.4, §f): whether a resource wants to be up on a
//! node, whether its dependencies let it start (PRENET_START, START) or stop (STOP,
//! POSTNET_STOP), and the group-level gates (STOP_FAILED anywhere, one node at a time for a
//! failover group, RG_dependencies).

mod start;
mod stop;

use std::collections::HashMap;

use crate::deps::DependencyKind;
use crate::engine::Engine;
use crate::engine::reason::Reason;
use crate::engine::state::RState;
use crate::graph::EffectiveScope;

/// Whether a step may be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ready {
    /// Now.
    Go,
    /// Not yet: something it waits for is under way.
    Wait,
    /// Not until something outside the group changes (reason): PENDING_ONLINE_BLOCKED.
    Blocked(Reason),
    /// Not as things stand inside the group (reason).
    Never(Reason),
}

impl Ready {
    fn and(self, other: impl FnOnce() -> Ready) -> Ready {
        match self {
            Ready::Go => other(),
            stop => stop,
        }
    }
}

/// Which start step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Phase {
    Prenet,
    Start,
}

/// Memoised answers to "does this resource want to be up on this node", which depends on its
/// dependencies' answers when one of them is going down.
/// The memos live for one pass over the state; every pass starts afresh.
pub(crate) struct Want<'e> {
    pub e: &'e Engine,
    memo: HashMap<(u32, u16), bool>,
    ready_memo: HashMap<(u32, u16, Phase), Ready>,
    /// Readiness without the PRENET barrier (what "will it come online" asks).
    dep_memo: HashMap<(u32, u16, Phase), Ready>,
    gate_memo: HashMap<(u32, u16), Ready>,
}

impl<'e> Want<'e> {
    pub fn new(e: &'e Engine) -> Want<'e> {
        Want {
            e,
            memo: HashMap::new(),
            ready_memo: HashMap::new(),
            dep_memo: HashMap::new(),
            gate_memo: HashMap::new(),
        }
    }

    /// The group wants to be up on the node.
    pub fn group_up(&self, group: &str, node: &str) -> bool {
        let e = self.e;
        let Some(g) = e.facts.group(group) else {
            return false;
        };
        let Some(grt) = e.rt.group(group) else {
            return false;
        };
        g.managed
            && grt.wanted
            && grt.primaries.contains(node)
            && e.rt.node_up(node)
            && !e.rt.group_node(group, node).is_some_and(|x| x.restarting)
    }

    /// The resource wants to be up, judged by targets only (group, enabled, bounce).
    pub fn base(&self, resource: &str, node: &str) -> bool {
        self.targeted(resource, node) && !self.bouncing(resource, node)
    }

    /// Its group wants it up and it is enabled (whether or not it is being restarted).
    fn targeted(&self, resource: &str, node: &str) -> bool {
        self.e
            .facts
            .resource(resource)
            .is_some_and(|r| self.group_up(&r.group, node) && r.enabled.on(node))
    }

    /// It is being taken down to be brought back (a restart).
    fn bouncing(&self, resource: &str, node: &str) -> bool {
        self.e
            .rt
            .res(resource, node)
            .is_some_and(|x| x.bounce.is_some())
    }

    /// It is down or going down for a moment and will come back up here.
    fn coming_back(&self, resource: &str, node: &str) -> bool {
        self.bouncing(resource, node) && self.targeted(resource, node)
    }

    /// It is being restarted here: a bounce, or its group restarting on the node.
    fn restarting(&self, resource: &str, node: &str) -> bool {
        let e = self.e;
        self.bouncing(resource, node)
            || e.facts.resource(resource).is_some_and(|r| {
                e.rt.group_node(&r.group, node)
                    .is_some_and(|x| x.restarting)
            })
    }

    /// The resource wants to be up: by its targets, and no resource it needs is being taken
    /// down from under it.
    pub fn up(&mut self, resource: &str, node: &str) -> bool {
        let Some(key) = self.e.facts.key(resource, node) else {
            return false;
        };
        if let Some(v) = self.memo.get(&key) {
            return *v;
        }
        if !self.base(resource, node) {
            self.memo.insert(key, false);
            return false;
        }
        // Provisional answer guards against a (refused, so impossible) cycle.
        self.memo.insert(key, true);
        let v = !self.forced_down(resource, node);
        self.memo.insert(key, v);
        v
    }

    /// What it depends on takes it down with it (r_properties(5), issue 9 rule 1): an
    /// offline_restart dependency going offline where this resource relies on it, or a restart
    /// dependency being restarted there. Strong and weak dependents are left running.
    fn forced_down(&mut self, resource: &str, node: &str) -> bool {
        let e = self.e;
        let deps: Vec<(&str, DependencyKind, EffectiveScope)> = e
            .graph
            .dependencies_of(resource)
            .into_iter()
            .filter(|(_, edge, _)| {
                matches!(
                    edge.kind,
                    DependencyKind::Restart | DependencyKind::OfflineRestart
                ) && edge.applies_on(node)
            })
            .map(|(d, edge, scope)| (d, edge.kind, scope))
            .collect();
        for (d, kind, scope) in deps {
            let relied = self.relied_nodes(d, scope, node);
            if relied.is_empty() {
                continue;
            }
            let all_going = relied.iter().all(|m| !self.up(d, m));
            let restarted = relied.iter().all(|m| self.restarting(d, m));
            let forced = match kind {
                DependencyKind::OfflineRestart => all_going,
                _ => all_going && restarted,
            };
            if forced {
                return true;
            }
        }
        false
    }

    /// The nodes whose instance of `d` a dependent on `node` relies on: those where `d` is
    /// started, within the scope.
    fn relied_nodes(&self, d: &str, scope: EffectiveScope, node: &str) -> Vec<&'e str> {
        let e = self.e;
        let local = match scope {
            EffectiveScope::Local => true,
            EffectiveScope::Any => false,
            EffectiveScope::LocalIfColocated => e.group_active_on_res(d, node),
        };
        let Some(nodes) = e.rt.res_nodes(d) else {
            return Vec::new();
        };
        nodes
            .iter()
            .filter(|(m, x)| x.state.is_started() && (!local || m.as_str() == node))
            .map(|(m, _)| m.as_str())
            .collect()
    }
}

impl Engine {
    /// Some resource of the group is not offline on the node.
    pub(crate) fn group_active_on(&self, group: &str, node: &str) -> bool {
        self.facts.group(group).is_some_and(|g| {
            g.members
                .iter()
                .any(|r| self.rt.state(r, node) != RState::Offline)
        })
    }

    /// The group of `resource` is online or coming online on `node`.
    pub(crate) fn group_active_on_res(&self, resource: &str, node: &str) -> bool {
        let Some(r) = self.facts.resource(resource) else {
            return false;
        };
        self.rt
            .group(&r.group)
            .is_some_and(|g| g.wanted && g.primaries.contains(node))
            || self.group_active_on(&r.group, node)
    }

    /// A node where a resource of the group is STOP_FAILED.
    pub(crate) fn stop_failed_node(&self, group: &str) -> Option<String> {
        let g = self.facts.group(group)?;
        g.members.iter().find_map(|r| {
            self.rt.res_nodes(r).and_then(|nodes| {
                nodes
                    .iter()
                    .find(|(_, x)| x.state == RState::StopFailed)
                    .map(|(n, _)| n.clone())
            })
        })
    }

    pub(crate) fn group_state_on(&self, group: &str, node: &str) -> crate::engine::state::RgState {
        self.rt
            .group_node(group, node)
            .map(|x| x.state)
            .unwrap_or_default()
    }
}
