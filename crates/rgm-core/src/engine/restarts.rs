//! Restarts that spread through dependencies: a resource restarted in place takes its restart
//! and offline_restart dependents down first and brings them back after it; one that comes
//! back online after having been offline restarts the restart dependents that kept running
//! without it (reference §f.1).

use std::collections::BTreeSet;

use crate::engine::Engine;
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::runtime::Bounce;

impl Engine {
    /// Marks a resource (when `itself`) and its restart and offline_restart dependents to be
    /// taken down and brought back; returns the groups concerned.
    pub(crate) fn bounce_resource(
        &mut self,
        resource: &str,
        node: &str,
        itself: bool,
    ) -> Vec<String> {
        let mut targets: Vec<(String, String)> = Vec::new();
        if itself {
            targets.push((resource.to_string(), node.to_string()));
        }
        for (d, only) in self.graph.restarted_with(resource, node) {
            let nodes: Vec<String> = match only {
                Some(n) => vec![n],
                None => self.cfg.node_names(),
            };
            for n in nodes {
                if self.rt.state(&d, &n).is_started() {
                    targets.push((d.clone(), n));
                }
            }
        }
        let mut groups = BTreeSet::new();
        for (r, n) in targets {
            let x = self.rt.res_mut(&r, &n);
            if x.bounce.is_none() {
                x.bounce = Some(Bounce::Resource);
            }
            self.touch_resource(&r);
            if let Some(res) = self.cfg.resources.get(&r) {
                groups.insert(res.group.clone());
            }
        }
        groups.into_iter().collect()
    }

    /// `r` has just started on `n`. Its restart dependents (Resource_dependencies_restart) that
    /// kept running while it was down within their scope are restarted now that it is back
    /// (reference §f.1: "restarts the dependent after the depended-on is back").
    pub(crate) fn restart_dependents_on_return(&mut self, r: &str, n: &str) {
        let dependents: Vec<(String, crate::graph::EffectiveScope, Option<String>)> = self
            .graph
            .dependents_of(r)
            .into_iter()
            .filter(|(_, edge, _)| edge.kind == crate::deps::DependencyKind::Restart)
            .map(|(d, edge, scope)| (d.to_string(), scope, edge.node.clone()))
            .collect();
        let started_elsewhere = self
            .rt
            .res_nodes(r)
            .is_some_and(|m| m.iter().any(|(k, x)| k != n && x.state.is_started()));
        for (d, scope, only) in dependents {
            let running: Vec<String> = self
                .rt
                .res_nodes(&d)
                .map(|m| {
                    m.iter()
                        .filter(|(_, x)| x.state.is_started() && x.bounce.is_none())
                        .map(|(k, _)| k.to_string())
                        .collect()
                })
                .unwrap_or_default();
            for m in running {
                if only.as_deref().is_some_and(|o| o != m) {
                    continue;
                }
                let local = match scope {
                    crate::graph::EffectiveScope::Local => true,
                    crate::graph::EffectiveScope::Any => false,
                    crate::graph::EffectiveScope::LocalIfColocated => {
                        self.group_active_on_res(r, &m)
                    }
                };
                let lost_it = if local { m == n } else { !started_elsewhere };
                if !lost_it {
                    continue;
                }
                self.log(LogRecord::decision(
                    msg::RESTART,
                    Severity::Notice,
                    format!("restarting resource {d} on node {m}: resource {r}, which it has a restart dependency on, is online again on node {n}"),
                    &[("resource", &d), ("node", &m)],
                ));
                self.rt.res_mut(&d, &m).bounce = Some(Bounce::Resource);
                self.touch_resource(&d);
            }
        }
    }
}
