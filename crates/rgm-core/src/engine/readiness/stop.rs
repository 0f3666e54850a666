//! The stop side: RG_dependencies rule 3 between groups, and whether a resource may run
//! STOP or POSTNET_STOP once the dependents that rely on it have gone.

use crate::engine::state::RState;
use crate::graph::EffectiveScope;

use super::Want;

impl Want<'_> {
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
    /// this instance and is going down with it has stopped (r_properties(5): "this resource
    /// stops before those in the list"). A dependent that stays online, or is STOP_FAILED,
    /// never holds it up ("if this resource remains online or fails to stop, a resource in
    /// the list stops anyway"); a START_FAILED dependent leaving the node is stopped first
    /// (its cleanup STOP).
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
        let dependents: Vec<(String, EffectiveScope, Option<String>)> = e
            .graph
            .dependents_of(resource)
            .into_iter()
            .map(|(d, edge, scope)| (d.to_string(), scope, edge.node.clone()))
            .collect();
        for (d, scope, only) in dependents {
            let Some(nodes) = e.rt.res_nodes(&d) else {
                continue;
            };
            let d_group = e
                .facts
                .resource(&d)
                .map(|x| x.group.clone())
                .unwrap_or_default();
            // Dependents whose stop is still to come or under way.
            let active: Vec<(String, RState)> = nodes
                .iter()
                .filter(|(_, x)| {
                    x.state.is_started()
                        || matches!(
                            x.state,
                            RState::Starting | RState::Stopping | RState::StartFailed
                        )
                })
                .map(|(m, x)| (m.to_string(), x.state))
                .collect();
            for (m, state) in active {
                if only.as_deref().is_some_and(|o| o != m) || !self.binds(resource, node, scope, &m)
                {
                    continue;
                }
                // Going down with it, or in the middle of its stop (even if wanted again).
                let stopping = matches!(state, RState::MonitorStopping | RState::Stopping);
                // One of another group whose stop waits for a group that depends on its own
                // (RG_dependencies rule 3) stays for now: it does not hold this stop, or the
                // two rules would wait for each other.
                let held = d_group != group && !stopping && !self.group_may_stop(&d_group, &m);
                if (stopping || !self.up(&d, &m)) && !held {
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
            e.rt.res_nodes(resource)
                .map(|x| {
                    x.iter()
                        .filter(|(n, s)| *n != node && s.state.is_started())
                        .map(|(n, _)| n.to_string())
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
            // Every member leaving the node stops first: one started, one still starting, and
            // a START_FAILED one (its cleanup STOP).
            let leaving = s.is_started()
                || matches!(
                    s,
                    RState::PrenetStarting | RState::Starting | RState::StartFailed
                );
            let stopping = matches!(s, RState::MonitorStopping | RState::Stopping)
                || (leaving && !self.up(other, node));
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
