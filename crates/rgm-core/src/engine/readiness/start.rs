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
        match self.e.facts.key(resource, node) {
            Some((r, n)) => self.start_ready_at(r, n, phase),
            None => Ready::Never(Reason::Deleted {
                object: "resource".into(),
            }),
        }
    }

    /// [`Want::start_ready`] by ids.
    pub fn start_ready_at(&mut self, r: u32, n: u32, phase: Phase) -> Ready {
        let key = (r, n, phase);
        if let Some(x) = self.m.ready_memo.get(&key) {
            return x.clone();
        }
        // Provisional answer guards against a (refused, so impossible) cycle.
        self.m.ready_memo.insert(key, Ready::Wait);
        let mut ready = self.start_gate(r, n, phase);
        if phase == Phase::Start && ready == Ready::Go {
            ready = self.prenet_barrier(r, n);
        }
        self.m.ready_memo.insert(key, ready.clone());
        ready
    }

    /// [`Want::start_ready`] but for the PRENET barrier: the group gates and the
    /// dependencies. Whether something will come online asks this, so that the barrier (which
    /// only ever waits) cannot lead round in a circle.
    fn start_gate(&mut self, r: u32, n: u32, phase: Phase) -> Ready {
        let key = (r, n, phase);
        if let Some(x) = self.m.dep_memo.get(&key) {
            return x.clone();
        }
        self.m.dep_memo.insert(key, Ready::Wait);
        let ready = self.start_gate_uncached(r, n, phase);
        self.m.dep_memo.insert(key, ready.clone());
        ready
    }

    fn start_gate_uncached(&mut self, r: u32, n: u32, phase: Phase) -> Ready {
        let e = self.e;
        let Some(f) = e.facts.res(r) else {
            return Ready::Never(Reason::Deleted {
                object: "resource".into(),
            });
        };
        let mut ready = self.group_may_start_at(f.group_id, &f.group, n);
        if ready != Ready::Go {
            return ready;
        }
        for dep in f.deps.iter().filter(|d| d.applies_on(n)) {
            let step = if dep.same_group {
                self.same_group_dep(r, dep.id, dep.kind, n, phase)
            } else {
                self.cross_group_dep(r, dep.id, dep.kind, dep.scope, n)
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
        r: u32,
        d: u32,
        kind: DependencyKind,
        n: u32,
        phase: Phase,
    ) -> Ready {
        let e = self.e;
        let x = e.rt.res_at(d, n);
        let state = x.map(|x| x.state).unwrap_or_default();
        let wants = self.up_at(d, n);
        let not_online = || {
            Ready::Never(Reason::DependencyNotOnline {
                resource: e.rt.res_name(r).to_string(),
                dependency: e.rt.res_name(d).to_string(),
            })
        };
        match phase {
            Phase::Prenet => {
                // A hard dependency that will never be online here: no PRENET_START either.
                if kind.is_hard() && self.never_here(d, n) {
                    return not_online();
                }
                let pending_prenet = e.has_method_at(d, Method::PrenetStart)
                    && wants
                    && matches!(state, RState::Offline | RState::PrenetStarting)
                    && !x.is_some_and(|x| x.resume_without_prenet);
                if !pending_prenet {
                    return Ready::Go;
                }
                match self.start_ready_at(d, n, Phase::Prenet) {
                    Ready::Go | Ready::Wait => Ready::Wait,
                    _ if !kind.is_hard() => Ready::Go,
                    other => other,
                }
            }
            Phase::Start => {
                if state.is_started() && wants {
                    return Ready::Go;
                }
                if self.coming_back(d, n) || (state.is_started() && !kind.is_hard()) {
                    // Restarting: wait for it. A weak dependency only orders starts.
                    return if kind.is_hard() {
                        Ready::Wait
                    } else {
                        Ready::Go
                    };
                }
                let coming = self.coming(d, n);
                match (kind.is_hard(), coming) {
                    (_, true) => Ready::Wait,
                    (false, false) => Ready::Go,
                    (true, false) => not_online(),
                }
            }
        }
    }

    /// Whether `d`, not started here, is on its way to starting: wanted, not failed, and not
    /// held for good (by its group or its dependencies).
    fn coming(&mut self, d: u32, n: u32) -> bool {
        let state = self.e.rt.state_at(d, n);
        self.up_at(d, n)
            && !matches!(state, RState::StartFailed | RState::StopFailed)
            && !matches!(
                self.start_gate_any(d, n),
                Ready::Never(_) | Ready::Blocked(_)
            )
    }

    /// The readiness (barrier aside) of whichever start step `d` is at.
    fn start_gate_any(&mut self, d: u32, n: u32) -> Ready {
        let e = self.e;
        let x = e.rt.res_at(d, n);
        if x.is_some_and(|x| x.busy.is_some()) {
            return Ready::Wait;
        }
        let state = x.map(|x| x.state).unwrap_or_default();
        let phase = if state == RState::Offline
            && e.has_method_at(d, Method::PrenetStart)
            && !x.is_some_and(|x| x.resume_without_prenet)
        {
            Phase::Prenet
        } else {
            Phase::Start
        };
        self.start_gate(d, n, phase)
    }

    fn cross_group_dep(
        &mut self,
        r: u32,
        d: u32,
        kind: DependencyKind,
        scope: EffectiveScope,
        n: u32,
    ) -> Ready {
        let e = self.e;
        let local = match scope {
            EffectiveScope::Local => true,
            EffectiveScope::Any => false,
            EffectiveScope::LocalIfColocated => e.group_active_on_res_at(d, n),
        };
        let candidates: &[u32] = if local {
            std::slice::from_ref(&n)
        } else {
            &e.facts.nodes
        };
        // An instance that is started and stays up.
        if candidates
            .iter()
            .any(|m| e.rt.state_at(d, *m).is_started() && self.up_at(d, *m))
        {
            return Ready::Go;
        }
        if !kind.is_hard() {
            // Order only: wait for an instance whose start method is running, else go. One
            // that waits between its methods may wait for this group (RG_dependencies,
            // affinities): waiting for it could wait for ever.
            let starting = candidates.iter().any(|m| {
                let x = e.rt.res_at(d, *m);
                let s = x.map(|x| x.state).unwrap_or_default();
                let busy = x.is_some_and(|x| x.busy.is_some());
                busy && self.up_at(d, *m) && !s.is_started() && !s.is_down()
            });
            return if starting { Ready::Wait } else { Ready::Go };
        }
        // Coming: being restarted, or on its way to starting (not held for good itself).
        let coming = candidates
            .iter()
            .any(|m| self.coming_back(d, *m) || self.coming(d, *m));
        if coming {
            return Ready::Wait;
        }
        Ready::Blocked(Reason::DependencyBlocked {
            resource: e.rt.res_name(r).to_string(),
            dependency: e.rt.res_name(d).to_string(),
            node: local.then(|| e.rt.node_name(n).to_string()),
        })
    }

    /// START waits until every resource of the group coming up on the node has finished
    /// PRENET_START (reference §d.4), except those that cannot get that far.
    fn prenet_barrier(&mut self, r: u32, n: u32) -> Ready {
        let e = self.e;
        let Some(members) = e
            .facts
            .res(r)
            .and_then(|f| e.facts.group(&f.group))
            .map(|g| g.member_ids.as_slice())
        else {
            return Ready::Go;
        };
        for &other in members {
            if other == r || !e.has_method_at(other, Method::PrenetStart) {
                continue;
            }
            let x = e.rt.res_at(other, n);
            if x.is_some_and(|x| x.resume_without_prenet) {
                continue;
            }
            match x.map(|x| x.state).unwrap_or_default() {
                RState::PrenetStarting => return Ready::Wait,
                // One whose PRENET_START waits for another group does not hold the group's
                // STARTs: two groups depending on each other would wait for ever.
                RState::Offline if self.up_at(other, n) && self.waits_across(other, n, 0) => {}
                RState::Offline if self.up_at(other, n) => {
                    if matches!(
                        self.start_ready_at(other, n, Phase::Prenet),
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
    fn never_here(&mut self, d: u32, n: u32) -> bool {
        let started = self.e.rt.state_at(d, n).is_started() && self.up_at(d, n);
        !started && !self.coming_back(d, n) && !self.coming(d, n)
    }

    /// Whether a resource's start waits, directly or through dependencies in its group that
    /// have not started, for a hard dependency in another group. A weak dependency in the group
    /// counts too: PRENET_START waits for the depended-on's PRENET_START all the same.
    fn waits_across(&mut self, r: u32, n: u32, depth: usize) -> bool {
        let e = self.e;
        let Some(f) = e.facts.res(r) else {
            return false;
        };
        f.deps
            .iter()
            .filter(|d| d.applies_on(n) && (d.same_group || d.kind.is_hard()))
            .any(|d| {
                if d.same_group {
                    depth < 64
                        && !e.rt.state_at(d.id, n).is_started()
                        && self.waits_across(d.id, n, depth + 1)
                } else {
                    self.cross_group_dep(r, d.id, d.kind, d.scope, n) != Ready::Go
                }
            })
    }

    /// Group-level gates on starting anything of the group on a node.
    pub fn group_may_start(&mut self, group: &str, node: &str) -> Ready {
        let Some((g, n)) = self.e.facts.group_key(group, node) else {
            return Ready::Never(Reason::Deleted {
                object: "group".into(),
            });
        };
        self.group_may_start_at(g, group, n)
    }

    /// [`Want::group_may_start`] for group id `g` (named `group`) on node id `n`.
    fn group_may_start_at(&mut self, g: u32, group: &str, n: u32) -> Ready {
        if let Some(x) = self.m.gate_memo.get(&(g, n)) {
            return x.clone();
        }
        let ready = self.group_may_start_uncached(group, self.e.rt.node_name(n));
        self.m.gate_memo.insert((g, n), ready.clone());
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
