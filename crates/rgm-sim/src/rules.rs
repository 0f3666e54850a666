//! The ordering rules, judged when the engine emits a START or STOP (or moves a resource
//! without one): a START only when every hard dependency is started in its resolved scope; a
//! STOP only when no dependent that relies on this instance is in the middle of its own stop;
//! no STOP of a resource still wanted up unless a restart or offline_restart dependency (or
//! its own restart) explains it; no start while the group is STOP_FAILED anywhere.

use rgm_core::engine::RState;
use rgm_core::{DependencyKind, EffectiveScope};

use crate::driver::World;
use crate::invariants::{Checker, Kind, Violation};

fn kind_name(k: DependencyKind) -> &'static str {
    match k {
        DependencyKind::Strong => "strong",
        DependencyKind::Weak => "weak",
        DependencyKind::Restart => "restart",
        DependencyKind::OfflineRestart => "offline_restart",
    }
}

/// `r: n1=R_ONLINE n2=R_STOPPING` (or `offline everywhere`).
fn where_is(w: &World, r: &str) -> String {
    let list: Vec<String> = w
        .shadow
        .instances(r)
        .map(|(n, s)| format!("{n}={s}"))
        .collect();
    if list.is_empty() {
        format!("{r} is offline everywhere")
    } else {
        format!("{r} is {}", list.join(" "))
    }
}

impl Checker<'_> {
    /// Every hard dependency of `r` that applies on `n` is started in its scope.
    pub(crate) fn start_rule(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        how: &str,
    ) -> Option<Violation> {
        let cfg = w.engine.config();
        for (d, edge, scope) in w.engine.graph().dependencies_of(r) {
            if !edge.kind.is_hard() || !edge.applies_on(n) {
                continue;
            }
            let local = match scope {
                EffectiveScope::Local => true,
                EffectiveScope::Any => false,
                EffectiveScope::LocalIfColocated => cfg
                    .resources
                    .get(d)
                    .is_some_and(|x| w.shadow.group_here(cfg, &x.group, n)),
            };
            let ok = if local {
                w.shadow.state(d, n).is_started()
            } else {
                !w.shadow.started_nodes(d).is_empty()
            };
            let across =
                cfg.resources.get(d).map(|x| &x.group) != cfg.resources.get(r).map(|x| &x.group);
            w.count(format!(
                "check start-order: {} {} dependency {scope:?}{}",
                if across { "cross-group" } else { "same-group" },
                kind_name(edge.kind),
                if edge.node.is_some() { " per-node" } else { "" }
            ));
            if !ok {
                return Some(Violation::new(
                    Kind::StartOrder,
                    step,
                    format!(
                        "{how} of {r} on {n} while its {} dependency {d} ({scope:?}{}) is not started {}: {}",
                        kind_name(edge.kind),
                        if edge.implicit { ", implicit" } else { "" },
                        if local { "on that node" } else { "anywhere" },
                        where_is(w, d)
                    ),
                ));
            }
        }
        None
    }

    /// No dependent that relies on this instance is in the middle of its own stop: when both
    /// go down together, the dependent stops first (r_properties(5)). A dependent that stays
    /// online, or is STOP_FAILED, does not hold the stop (issue 9 rule 2).
    pub(crate) fn stop_rule(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        how: &str,
    ) -> Option<Violation> {
        let cfg = w.engine.config();
        let group = cfg.resources.get(r)?.group.clone();
        let started_elsewhere = w.shadow.started_nodes(r).iter().any(|m| m != n);
        for (dep, edge, scope) in w.engine.graph().dependents_of(r) {
            for (m, s) in w.shadow.instances(dep) {
                let stopping = matches!(s, RState::MonitorStopping | RState::Stopping);
                if !stopping || !edge.applies_on(m) {
                    continue;
                }
                w.count(format!(
                    "check stop-order: {} dependent stopping, {scope:?}",
                    kind_name(edge.kind)
                ));
                let local = match scope {
                    EffectiveScope::Local => true,
                    EffectiveScope::Any => false,
                    EffectiveScope::LocalIfColocated => w.shadow.group_here(cfg, &group, m),
                };
                let relies = if local { m == n } else { !started_elsewhere };
                if relies {
                    return Some(Violation::new(
                        Kind::StopOrder,
                        step,
                        format!(
                            "{how} of {r} on {n} while {dep}, which has a {} dependency on it ({scope:?}{}), is still {s} on {m}",
                            kind_name(edge.kind),
                            if edge.implicit { ", implicit" } else { "" },
                        ),
                    ));
                }
            }
        }
        None
    }

    /// A STOP of a resource that its own targets want up is explained by a restart or
    /// offline_restart dependency (or its own restart): a strong or weak dependent is never
    /// stopped because what it depends on stopped (issue 9 rule 1).
    pub(crate) fn dependent_stop_rule(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        how: &str,
    ) -> Option<Violation> {
        let key = (r.to_string(), n.to_string());
        // Wanted up both as the engine says after the step and as the placements logged up
        // to this action said (a placement may change back and forth within one event).
        let placed_here = w
            .engine
            .config()
            .resources
            .get(r)
            .and_then(|x| w.shadow.primaries.get(&x.group))
            .is_some_and(|p| p.contains(n));
        if !placed_here
            || !w.engine.resource_wanted_up(r, n)
            || w.bounced.contains(&key)
            || w.bounced_before.contains(&key)
        {
            return None;
        }
        let cascades = w
            .engine
            .graph()
            .dependencies_of(r)
            .iter()
            .any(|(_, edge, _)| {
                matches!(
                    edge.kind,
                    DependencyKind::Restart | DependencyKind::OfflineRestart
                ) && edge.applies_on(n)
            });
        w.count("check dependent-stopped: a stop of a resource still wanted up");
        if cascades {
            return None;
        }
        Some(Violation::new(
            Kind::DependentStopped,
            step,
            format!(
                "{how} of {r} on {n}, which is still wanted up there and has no restart or offline_restart dependency: {}",
                w.engine
                    .graph()
                    .dependencies_of(r)
                    .iter()
                    .map(|(d, e, _)| format!("{d} ({})", kind_name(e.kind)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }

    /// Nothing of a group starts while any of its resources is STOP_FAILED anywhere.
    pub(crate) fn stop_failed_rule(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        how: &str,
    ) -> Option<Violation> {
        let cfg = w.engine.config();
        let group = cfg.resources.get(r)?.group.clone();
        for other in &cfg.groups.get(&group)?.resources {
            if let Some((m, _)) = w
                .shadow
                .instances(other)
                .find(|(_, s)| *s == RState::StopFailed)
            {
                return Some(Violation::new(
                    Kind::StopFailedStart,
                    step,
                    format!(
                        "{how} of {r} on {n} while {other} of the same group {group} is STOP_FAILED on {m}"
                    ),
                ));
            }
        }
        None
    }
}
