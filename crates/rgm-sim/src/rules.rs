//! The ordering rules, judged when the engine emits a START or STOP (or moves a resource
//! without one): a START only when every hard dependency is started in its resolved scope; a
//! STOP only when no dependent that relies on this instance is still up (strong dependents
//! excepted during a resource restart); no start while the group is STOP_FAILED anywhere.

use rgm_core::engine::{Bounce, RState};
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

    /// No dependent that relies on this instance (and must go first) is still up.
    pub(crate) fn stop_rule(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        how: &str,
    ) -> Option<Violation> {
        let cfg = w.engine.config();
        let key = (r.to_string(), n.to_string());
        let restart = w.engine.resource_bounce(r, n) == Some(Bounce::Resource)
            || w.bounced.contains(&key)
            || w.bounced_before.contains(&key);
        let group = cfg.resources.get(r)?.group.clone();
        let started_elsewhere = w.shadow.started_nodes(r).iter().any(|m| m != n);
        for (dep, edge, scope) in w.engine.graph().dependents_of(r) {
            if !edge.kind.is_hard() {
                continue;
            }
            if restart && edge.kind == DependencyKind::Strong {
                if w.shadow.instances(dep).any(|(_, s)| s.is_started()) {
                    w.count("check stop-order: strong dependent left up by a restart");
                }
                continue;
            }
            for (m, s) in w.shadow.instances(dep) {
                let up = s.is_started() || matches!(s, RState::Starting | RState::Stopping);
                if !up || !edge.applies_on(m) {
                    continue;
                }
                w.count(format!(
                    "check stop-order: {} dependent up, {scope:?}{}",
                    kind_name(edge.kind),
                    if restart { ", during a restart" } else { "" }
                ));
                let local = match scope {
                    EffectiveScope::Local => true,
                    EffectiveScope::Any => false,
                    EffectiveScope::LocalIfColocated => w.shadow.group_here(cfg, &group, m),
                };
                let relies = if local { m == n } else { !started_elsewhere };
                if relies {
                    let was = w
                        .step_prev
                        .get(&(dep.to_string(), m.clone()))
                        .map(|p| format!(" (it was {p} when this step began)"))
                        .unwrap_or_default();
                    return Some(Violation::new(
                        Kind::StopOrder,
                        step,
                        format!(
                            "{how} of {r} on {n}{} while {dep}, which has a {} dependency on it ({scope:?}{}), is {s} on {m}{was}",
                            if restart { " (resource restart)" } else { "" },
                            kind_name(edge.kind),
                            if edge.implicit { ", implicit" } else { "" },
                        ),
                    ));
                }
            }
        }
        None
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
