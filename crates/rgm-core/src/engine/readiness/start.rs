//! The start side: whether a resource's dependencies let it run PRENET_START or START on a
//! node (strong, weak, restart and offline-restart; local, any-node and `@node` scopes), the
//! PRENET barrier within a group, and the gates on a whole group starting (STOP_FAILED, one
//! node at a time for a failover group, RG_dependencies, strong affinities).

use rtreg::Method;

use crate::deps::{AffinityKind, DependencyKind};
use crate::engine::reason::Reason;
use crate::engine::state::{RState, RgState};
use crate::graph::EffectiveScope;

use super::{Phase, Ready, Want};

impl Want<'_> {
    /// Whether `resource` may take the given start step on `node`.
    pub fn start_ready(&mut self, resource: &str, node: &str, phase: Phase) -> Ready {
        let Some((r, n)) = self.e.facts.key(resource, node) else {
            return Ready::Never(Reason::Deleted {
                object: "resource".into(),
            });
        };
        let key = (r, n, phase);
        if let Some(r) = self.ready_memo.get(&key) {
            return r.clone();
        }
        // Provisional answer guards against a (refused, so impossible) cycle.
        self.ready_memo.insert(key, Ready::Wait);
        let mut ready = self.start_gate(resource, node, phase);
        if phase == Phase::Start && ready == Ready::Go {
            let group = self
                .e
                .facts
                .resource(resource)
                .map(|r| r.group.clone())
                .unwrap_or_default();
            ready = self.prenet_barrier(&group, resource, node);
        }
        self.ready_memo.insert(key, ready.clone());
        ready
    }

    /// [`Want::start_ready`] but for the PRENET barrier: the group gates and the
    /// dependencies. Whether something will come online asks this, so that the barrier (which
    /// only ever waits) cannot lead round in a circle.
    fn start_gate(&mut self, resource: &str, node: &str, phase: Phase) -> Ready {
        let Some((r, n)) = self.e.facts.key(resource, node) else {
            return Ready::Never(Reason::Deleted {
                object: "resource".into(),
            });
        };
        let key = (r, n, phase);
        if let Some(r) = self.dep_memo.get(&key) {
            return r.clone();
        }
        self.dep_memo.insert(key, Ready::Wait);
        let ready = self.start_gate_uncached(resource, node, phase);
        self.dep_memo.insert(key, ready.clone());
        ready
    }

    fn start_gate_uncached(&mut self, resource: &str, node: &str, phase: Phase) -> Ready {
        let e = self.e;
        let Some(r) = e.facts.resource(resource) else {
            return Ready::Never(Reason::Deleted {
                object: "resource".into(),
            });
        };
        let group = r.group.clone();
        let mut ready = self.group_may_start(&group, node);
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
                self.same_group_dep(resource, &d, kind, node, phase)
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

    fn same_group_dep(
        &mut self,
        resource: &str,
        d: &str,
        kind: DependencyKind,
        node: &str,
        phase: Phase,
    ) -> Ready {
        let e = self.e;
        let state = e.rt.state(d, node);
        let wants = self.up(d, node);
        match phase {
            Phase::Prenet => {
                // A hard dependency that will never be online here: no PRENET_START either.
                if kind.is_hard() && self.never_here(d, node) {
                    return Ready::Never(Reason::DependencyNotOnline {
                        resource: resource.to_string(),
                        dependency: d.to_string(),
                    });
                }
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
                let coming = self.coming(d, node);
                match (kind.is_hard(), coming) {
                    (_, true) => Ready::Wait,
                    (false, false) => Ready::Go,
                    (true, false) => Ready::Never(Reason::DependencyNotOnline {
                        resource: resource.to_string(),
                        dependency: d.to_string(),
                    }),
                }
            }
        }
    }

    /// Whether `d`, not started here, is on its way to starting: wanted, not failed, and not
    /// held for good (by its group or its dependencies).
    fn coming(&mut self, d: &str, node: &str) -> bool {
        let state = self.e.rt.state(d, node);
        self.up(d, node)
            && !matches!(state, RState::StartFailed | RState::StopFailed)
            && !matches!(
                self.start_gate_any(d, node),
                Ready::Never(_) | Ready::Blocked(_)
            )
    }

    /// The readiness (barrier aside) of whichever start step `d` is at.
    fn start_gate_any(&mut self, d: &str, node: &str) -> Ready {
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
        self.start_gate(d, node, phase)
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
            // Order only: wait for an instance whose start method is running, else go. One
            // that waits between its methods may wait for this group (RG_dependencies,
            // affinities): waiting for it could wait for ever.
            let starting = candidates.iter().any(|m| {
                let s = e.rt.state(d, m);
                let busy = e.rt.res(d, m).is_some_and(|x| x.busy.is_some());
                busy && self.up(d, m) && !s.is_started() && !s.is_down()
            });
            return if starting { Ready::Wait } else { Ready::Go };
        }
        // Coming: being restarted, or on its way to starting (not held for good itself).
        let coming = candidates
            .iter()
            .any(|m| self.coming_back(d, m) || self.coming(d, m));
        if coming {
            return Ready::Wait;
        }
        Ready::Blocked(Reason::DependencyBlocked {
            resource: resource.to_string(),
            dependency: d.to_string(),
            node: local.then(|| node.to_string()),
        })
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
                // One whose PRENET_START waits for another group does not hold the group's
                // STARTs: two groups depending on each other would wait for ever.
                RState::Offline
                    if self.up(&other, node) && self.waits_on_another_group(&other, node) => {}
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

    /// A resource that will not come online on the node as things stand: what a hard
    /// dependent's START would be refused for (Ready::Never), asked before its PRENET_START.
    fn never_here(&mut self, d: &str, node: &str) -> bool {
        let started = self.e.rt.state(d, node).is_started() && self.up(d, node);
        !started && !self.coming_back(d, node) && !self.coming(d, node)
    }

    /// Whether a resource's start waits, directly or through dependencies in its group that
    /// have not started, for a hard dependency in another group. A weak dependency in the group
    /// counts too: PRENET_START waits for the depended-on's PRENET_START all the same.
    fn waits_on_another_group(&mut self, resource: &str, node: &str) -> bool {
        self.waits_across(resource, node, 0)
    }

    fn waits_across(&mut self, resource: &str, node: &str, depth: usize) -> bool {
        let e = self.e;
        let Some(group) = e.facts.resource(resource).map(|r| r.group.clone()) else {
            return false;
        };
        let deps: Vec<(String, DependencyKind, EffectiveScope, bool)> = e
            .graph
            .dependencies_of(resource)
            .into_iter()
            .filter(|(_, edge, _)| edge.applies_on(node))
            .map(|(d, edge, scope)| {
                let same = e.facts.resource(d).is_some_and(|x| x.group == group);
                (d.to_string(), edge.kind, scope, same)
            })
            .filter(|(_, kind, _, same)| *same || kind.is_hard())
            .collect();
        deps.into_iter().any(|(d, kind, scope, same)| {
            if same {
                depth < 64
                    && !self.e.rt.state(&d, node).is_started()
                    && self.waits_across(&d, node, depth + 1)
            } else {
                self.cross_group_dep(resource, &d, kind, scope, node) != Ready::Go
            }
        })
    }

    /// Group-level gates on starting anything of the group on a node.
    pub fn group_may_start(&mut self, group: &str, node: &str) -> Ready {
        let Some(key) = self.e.facts.group_key(group, node) else {
            return Ready::Never(Reason::Deleted {
                object: "group".into(),
            });
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
            return Ready::Never(Reason::Deleted {
                object: "group".into(),
            });
        };
        if e.rt.node(node).is_some_and(|x| x.booting) {
            // BOOT methods first (reference §d.2).
            return Ready::Wait;
        }
        if let Some(where_) = e.stop_failed_node(group) {
            return Ready::Never(Reason::StopFailedOn { node: where_ });
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
                    // On its way there, unless it cannot get there (STOP_FAILED, blocked).
                    let held = e.stop_failed_node(&a.group).is_some()
                        || e.group_state_on(&a.group, node) == RgState::PendingOnlineBlocked;
                    return if e.group_targets(&a.group, node) && !held {
                        Ready::Wait
                    } else {
                        Ready::Blocked(Reason::AffinityTargetAbsent {
                            group: a.group.clone(),
                            node: node.to_string(),
                        })
                    };
                }
                // Never together: wait until the target has left the node — blocked if it
                // cannot leave (STOP_FAILED there).
                AffinityKind::StrongNegative if e.group_active_on(&a.group, node) => {
                    let stuck = e.cfg.groups.get(&a.group).is_some_and(|t| {
                        t.resources
                            .iter()
                            .any(|r| e.rt.state(r, node) == RState::StopFailed)
                    });
                    return if stuck {
                        Ready::Blocked(Reason::AffinityTargetStopFailed {
                            group: a.group.clone(),
                            node: node.to_string(),
                        })
                    } else {
                        Ready::Wait
                    };
                }
                _ => {}
            }
        }
        // A group that has `--` for this one is evicted from the node before this one starts
        // there (issue 9 rule 4): never both on one node at any instant.
        for s in &g.affine_sources {
            let repels = e.facts.group(s).is_some_and(|f| {
                f.rg_affinities
                    .iter()
                    .any(|a| a.kind == AffinityKind::StrongNegative && a.group == group)
            });
            if repels && e.group_active_on(s, node) {
                return match e.stop_failed_node(s) {
                    Some(_) => Ready::Blocked(Reason::RepelledBy {
                        group: s.clone(),
                        node: node.to_string(),
                    }),
                    None => Ready::Wait,
                };
            }
        }
        for dep in &g.rg_dependencies {
            let online_here = e.group_state_on(dep, node).is_online();
            if online_here {
                continue;
            }
            if let Some(at) = e.stop_failed_node(dep) {
                return Ready::Blocked(Reason::RgDependencyStopFailed {
                    group: dep.clone(),
                    node: at,
                });
            }
            // Wanted here, unless it is blocked here (it would wait for ever).
            let blocked_on = |m: &str| e.group_state_on(dep, m) == RgState::PendingOnlineBlocked;
            let pending_here = self.group_up(dep, node) && !blocked_on(node);
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
            let coming = e
                .rt
                .group(dep)
                .is_some_and(|d| d.wanted && d.primaries.iter().any(|m| !blocked_on(m.as_str())));
            if coming {
                return Ready::Wait;
            }
            return Ready::Blocked(Reason::RgDependencyOffline { group: dep.clone() });
        }
        Ready::Go
    }
}
