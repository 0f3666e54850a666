//! The rules of what may run now (reference §d.4, §f): whether a resource wants to be up on a
//! node, whether its dependencies let it start (PRENET_START, START) or stop (STOP,
//! POSTNET_STOP), and the group-level gates (STOP_FAILED anywhere, one node at a time for a
//! failover group, RG_dependencies).

use std::collections::HashMap;

use rtreg::Method;

use crate::deps::{AffinityKind, DependencyKind};
use crate::engine::Engine;
use crate::engine::runtime::Bounce;
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
    Blocked(String),
    /// Not as things stand inside the group (reason).
    Never(String),
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
    gate_memo: HashMap<(u32, u16), Ready>,
}

impl<'e> Want<'e> {
    pub fn new(e: &'e Engine) -> Want<'e> {
        Want {
            e,
            memo: HashMap::new(),
            ready_memo: HashMap::new(),
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
            && !grt.nodes.get(node).is_some_and(|x| x.restarting)
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

    /// A hard dependency is going down deliberately where this resource relies on it.
    fn forced_down(&mut self, resource: &str, node: &str) -> bool {
        let e = self.e;
        let deps: Vec<(&str, EffectiveScope)> = e
            .graph
            .dependencies_of(resource)
            .into_iter()
            .filter(|(_, edge, _)| edge.kind.is_hard() && edge.applies_on(node))
            .map(|(d, _, scope)| (d, scope))
            .collect();
        for (d, scope) in deps {
            let relied = self.relied_nodes(d, scope, node);
            if relied.is_empty() {
                continue;
            }
            // Going down on purpose: not wanted up, and not a restart that brings it back.
            let all_going = relied
                .iter()
                .all(|m| !self.coming_back(d, m) && !self.up(d, m));
            if all_going {
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
        let Some(nodes) = e.rt.resources.get(d) else {
            return Vec::new();
        };
        nodes
            .iter()
            .filter(|(m, x)| x.state.is_started() && (!local || m.as_str() == node))
            .map(|(m, _)| m.as_str())
            .collect()
    }

    /// Whether `resource` may take the given start step on `node`.
    pub fn start_ready(&mut self, resource: &str, node: &str, phase: Phase) -> Ready {
        let Some((r, n)) = self.e.facts.key(resource, node) else {
            return Ready::Never("resource deleted".into());
        };
        let key = (r, n, phase);
        if let Some(r) = self.ready_memo.get(&key) {
            return r.clone();
        }
        // Provisional answer guards against a (refused, so impossible) cycle.
        self.ready_memo.insert(key, Ready::Wait);
        let ready = self.start_ready_uncached(resource, node, phase);
        self.ready_memo.insert(key, ready.clone());
        ready
    }

    fn start_ready_uncached(&mut self, resource: &str, node: &str, phase: Phase) -> Ready {
        let e = self.e;
        let Some(r) = e.facts.resource(resource) else {
            return Ready::Never("resource deleted".into());
        };
        let group = r.group.clone();
        let mut ready = self.group_may_start(&group, node);
        if phase == Phase::Start && ready == Ready::Go {
            ready = self.prenet_barrier(&group, resource, node);
        }
        if ready != Ready::Go {
            return ready;
        }
        let deps: Vec<(String, DependencyKind, EffectiveScope)> = e
            .graph
            .dependencies_of(resource)
            .into_iter()
            .filter(|(_, edge, _)| edge.applies_on(node))
            .map(|(d, edge, scope)| (d.to_string(), edge.kind, scope))
            .collect();
        for (d, kind, scope) in deps {
            let same_group = e.facts.resource(&d).is_some_and(|x| x.group == group);
            let step = if same_group {
                self.same_group_dep(&d, kind, node, phase)
            } else {
                self.cross_group_dep(resource, &d, kind, scope, node)
            };
            ready = ready.and(|| step);
            if ready != Ready::Go {
                return ready;
            }
        }
        Ready::Go
    }

    fn same_group_dep(&mut self, d: &str, kind: DependencyKind, node: &str, phase: Phase) -> Ready {
        let e = self.e;
        let state = e.rt.state(d, node);
        let wants = self.up(d, node);
        match phase {
            Phase::Prenet => {
                let pending_prenet = e.has_method(d, Method::PrenetStart)
                    && wants
                    && matches!(state, RState::Offline | RState::PrenetStarting)
                    && !e.rt.res(d, node).is_some_and(|x| x.resume_without_prenet);
                if !pending_prenet {
                    return Ready::Go;
                }
                match self.start_ready(d, node, Phase::Prenet) {
                    Ready::Go | Ready::Wait => Ready::Wait,
                    _ if !kind.is_hard() => Ready::Go,
                    other => other,
                }
            }
            Phase::Start => {
                if state.is_started() && wants {
                    return Ready::Go;
                }
                if self.coming_back(d, node) || (state.is_started() && !kind.is_hard()) {
                    // Restarting: wait for it. A weak dependency only orders starts.
                    return if kind.is_hard() {
                        Ready::Wait
                    } else {
                        Ready::Go
                    };
                }
                let coming = wants && !matches!(state, RState::StartFailed | RState::StopFailed);
                let coming = coming
                    && !matches!(
                        self.start_ready_any(d, node),
                        Ready::Never(_) | Ready::Blocked(_)
                    );
                match (kind.is_hard(), coming) {
                    (_, true) => Ready::Wait,
                    (false, false) => Ready::Go,
                    (true, false) => Ready::Never(format!("depends on {d}, which is not online")),
                }
            }
        }
    }

    /// The readiness of whichever start step `d` is at.
    fn start_ready_any(&mut self, d: &str, node: &str) -> Ready {
        let e = self.e;
        let state = e.rt.state(d, node);
        if e.rt.res(d, node).is_some_and(|x| x.busy.is_some()) {
            return Ready::Wait;
        }
        let phase = if state == RState::Offline
            && e.has_method(d, Method::PrenetStart)
            && !e.rt.res(d, node).is_some_and(|x| x.resume_without_prenet)
        {
            Phase::Prenet
        } else {
            Phase::Start
        };
        self.start_ready(d, node, phase)
    }

    fn cross_group_dep(
        &mut self,
        resource: &str,
        d: &str,
        kind: DependencyKind,
        scope: EffectiveScope,
        node: &str,
    ) -> Ready {
        let e = self.e;
        let local = match scope {
            EffectiveScope::Local => true,
            EffectiveScope::Any => false,
            EffectiveScope::LocalIfColocated => e.group_active_on_res(d, node),
        };
        let candidates: Vec<String> = if local {
            vec![node.to_string()]
        } else {
            e.facts.node_names.clone()
        };
        // An instance that is started and stays up.
        if candidates
            .iter()
            .any(|m| e.rt.state(d, m).is_started() && self.up(d, m))
        {
            return Ready::Go;
        }
        if !kind.is_hard() {
            // Order only: wait for an instance that is starting, else go.
            let starting = candidates.iter().any(|m| {
                let s = e.rt.state(d, m);
                self.up(d, m) && !s.is_started() && !s.is_down()
            });
            return if starting { Ready::Wait } else { Ready::Go };
        }
        let coming = candidates.iter().any(|m| {
            let s = e.rt.state(d, m);
            self.coming_back(d, m)
                || (self.up(d, m) && !matches!(s, RState::StartFailed | RState::StopFailed))
        });
        if coming {
            return Ready::Wait;
        }
        let where_ = if local {
            format!(" on node {node}")
        } else {
            String::new()
        };
        Ready::Blocked(format!(
            "resource {resource} depends on {d}, which is not online{where_} and is not coming online"
        ))
    }

    /// START waits until every resource of the group coming up on the node has finished
    /// PRENET_START (reference §d.4), except those that cannot get that far.
    fn prenet_barrier(&mut self, group: &str, resource: &str, node: &str) -> Ready {
        let e = self.e;
        let members = e
            .cfg
            .groups
            .get(group)
            .map(|g| g.resources.clone())
            .unwrap_or_default();
        for other in members {
            if other == resource || !e.has_method(&other, Method::PrenetStart) {
                continue;
            }
            let x = e.rt.res(&other, node);
            if x.is_some_and(|x| x.resume_without_prenet) {
                continue;
            }
            match e.rt.state(&other, node) {
                RState::PrenetStarting => return Ready::Wait,
                RState::Offline if self.up(&other, node) => {
                    if matches!(
                        self.start_ready(&other, node, Phase::Prenet),
                        Ready::Go | Ready::Wait
                    ) {
                        return Ready::Wait;
                    }
                }
                _ => {}
            }
        }
        Ready::Go
    }

    /// Group-level gates on starting anything of the group on a node.
    pub fn group_may_start(&mut self, group: &str, node: &str) -> Ready {
        let Some(key) = self.e.facts.group_key(group, node) else {
            return Ready::Never("group deleted".into());
        };
        if let Some(r) = self.gate_memo.get(&key) {
            return r.clone();
        }
        let ready = self.group_may_start_uncached(group, node);
        self.gate_memo.insert(key, ready.clone());
        ready
    }

    fn group_may_start_uncached(&mut self, group: &str, node: &str) -> Ready {
        let e = self.e;
        let Some(g) = e.facts.group(group) else {
            return Ready::Never("group deleted".into());
        };
        if e.rt.nodes.get(node).is_some_and(|x| x.booting) {
            // BOOT methods first (reference §d.2).
            return Ready::Wait;
        }
        if let Some(where_) = e.stop_failed_node(group) {
            return Ready::Never(format!(
                "a resource of the group is STOP_FAILED on node {where_}"
            ));
        }
        let elsewhere = e
            .facts
            .node_names
            .iter()
            .filter(|m| m.as_str() != node && e.group_active_on(group, m))
            .count() as i64;
        if elsewhere >= g.maximum_primaries.max(1) {
            return Ready::Wait;
        }
        for a in &g.rg_affinities {
            match a.kind {
                // Online only where the target is online: wait for it there.
                AffinityKind::StrongPositive | AffinityKind::StrongPositiveDelegated
                    if !e.group_state_on(&a.group, node).is_online() =>
                {
                    return if e.group_targets(&a.group, node) {
                        Ready::Wait
                    } else {
                        Ready::Blocked(format!(
                            "resource group {} (++ affinity) is not online on node {node}",
                            a.group
                        ))
                    };
                }
                // Never together: wait until the target has left the node.
                AffinityKind::StrongNegative if e.group_active_on(&a.group, node) => {
                    return Ready::Wait;
                }
                _ => {}
            }
        }
        for dep in &g.rg_dependencies {
            let online_here = e.group_state_on(dep, node).is_online();
            if online_here {
                continue;
            }
            let pending_here = self.group_up(dep, node);
            if pending_here {
                return Ready::Wait;
            }
            let online_somewhere = e
                .facts
                .node_names
                .iter()
                .any(|m| e.group_state_on(dep, m).is_online());
            if online_somewhere {
                continue;
            }
            let coming =
                e.rt.group(dep)
                    .is_some_and(|d| d.wanted && !d.primaries.is_empty());
            if coming {
                return Ready::Wait;
            }
            return Ready::Blocked(format!(
                "depends on resource group {dep} (RG_dependencies), which is offline"
            ));
        }
        Ready::Go
    }

    /// RG_dependencies rule 3: a group's STOP and POSTNET_STOP wait on a node until every
    /// group that depends on it and is going down there has finished its stop methods.
    pub fn group_may_stop(&mut self, group: &str, node: &str) -> bool {
        let e = self.e;
        let Some(facts) = e.facts.group(group) else {
            return true;
        };
        facts.rg_dependents.iter().all(|d| {
            self.group_up(d, node)
                || e.facts.groups[d]
                    .members
                    .iter()
                    .all(|r| matches!(e.rt.state(r, node), RState::Offline | RState::StopFailed))
        })
    }

    /// Whether `resource` (going down on `node`) may run STOP: every dependent that relies on
    /// this instance and must go first has gone.
    pub fn stop_ready(&mut self, resource: &str, node: &str) -> bool {
        let e = self.e;
        let group = e
            .facts
            .resource(resource)
            .map(|r| r.group.clone())
            .unwrap_or_default();
        if !self.group_may_stop(&group, node) {
            return false;
        }
        let restart_mode =
            e.rt.res(resource, node).and_then(|x| x.bounce) == Some(Bounce::Resource);
        let dependents: Vec<(String, DependencyKind, EffectiveScope, Option<String>)> = e
            .graph
            .dependents_of(resource)
            .into_iter()
            .map(|(d, edge, scope)| (d.to_string(), edge.kind, scope, edge.node.clone()))
            .collect();
        for (d, kind, scope, only) in dependents {
            let Some(nodes) = e.rt.resources.get(&d) else {
                continue;
            };
            // Dependents whose STOP has not completed (or failed) still use this resource; so does
            // a START_FAILED one that is about to be stopped as cleanup.
            let mut active: Vec<String> = nodes
                .iter()
                .filter(|(_, x)| {
                    x.state.is_started()
                        || matches!(
                            x.state,
                            RState::Starting | RState::Stopping | RState::StopFailed
                        )
                })
                .map(|(m, _)| m.clone())
                .collect();
            let failed: Vec<String> = nodes
                .iter()
                .filter(|(_, x)| x.state == RState::StartFailed)
                .map(|(m, _)| m.clone())
                .collect();
            active.extend(failed.into_iter().filter(|m| !self.up(&d, m)));
            for m in active {
                if only.as_deref().is_some_and(|o| o != m) || !self.binds(resource, node, scope, &m)
                {
                    continue;
                }
                let must_go_first = if kind.is_hard() {
                    !restart_mode
                        || matches!(
                            kind,
                            DependencyKind::Restart | DependencyKind::OfflineRestart
                        )
                } else {
                    !self.up(&d, &m)
                };
                if must_go_first {
                    return false;
                }
            }
        }
        true
    }

    /// Whether the dependent's instance on `m` relies on `resource`'s instance on `node`.
    fn binds(&mut self, resource: &str, node: &str, scope: EffectiveScope, m: &str) -> bool {
        let e = self.e;
        let local = match scope {
            EffectiveScope::Local => true,
            EffectiveScope::Any => false,
            EffectiveScope::LocalIfColocated => e.group_active_on_res(resource, m),
        };
        if local {
            return m == node;
        }
        // Any node: only the last instance that stays up matters.
        let others: Vec<String> =
            e.rt.resources
                .get(resource)
                .map(|x| {
                    x.iter()
                        .filter(|(n, s)| n.as_str() != node && s.state.is_started())
                        .map(|(n, _)| n.clone())
                        .collect()
                })
                .unwrap_or_default();
        !others.iter().any(|n| self.up(resource, n))
    }

    /// Whether `resource` (stopped on `node`) may run POSTNET_STOP: the group's STOPs on the
    /// node are done and its dependents in the group have run their POSTNET_STOP.
    pub fn postnet_ready(&mut self, resource: &str, node: &str) -> bool {
        let e = self.e;
        let Some(r) = e.facts.resource(resource) else {
            return true;
        };
        if !self.group_may_stop(&r.group, node) {
            return false;
        }
        let members = e
            .facts
            .group(&r.group)
            .map(|g| g.members.clone())
            .unwrap_or_default();
        for other in &members {
            if other == resource {
                continue;
            }
            let s = e.rt.state(other, node);
            let stopping = matches!(s, RState::MonitorStopping | RState::Stopping)
                || (s.is_started() && !self.up(other, node));
            if stopping {
                return false;
            }
        }
        let dependents: Vec<String> = e
            .graph
            .dependents_of(resource)
            .into_iter()
            .filter(|(_, edge, _)| edge.applies_on(node))
            .map(|(d, _, _)| d.to_string())
            .filter(|d| members.contains(d))
            .collect();
        !dependents.iter().any(|d| {
            matches!(
                e.rt.state(d, node),
                RState::Stopped | RState::PostnetStopping
            )
        })
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
            self.rt.resources.get(r).and_then(|nodes| {
                nodes
                    .iter()
                    .find(|(_, x)| x.state == RState::StopFailed)
                    .map(|(n, _)| n.clone())
            })
        })
    }

    pub(crate) fn group_state_on(&self, group: &str, node: &str) -> crate::engine::state::RgState {
        self.rt
            .group(group)
            .and_then(|g| g.nodes.get(node))
            .map(|x| x.state)
            .unwrap_or_default()
    }
}
