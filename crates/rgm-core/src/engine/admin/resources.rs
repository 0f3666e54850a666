//! Requests on resources: create, delete, enable, disable, monitor, unmonitor and clearing
//! STOP_FAILED.

use rtreg::Method;

use super::state_err;
use crate::change::Change;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::Operands;
use crate::engine::ops::{Goal, Op, Step, TargetChange};
use crate::engine::state::RState;
use crate::error::ErrorCode;

impl Engine {
    /// `clrs create`: every resource checked and VALIDATEd (each as it will be after those
    /// before it) before any is added — all or nothing — then INIT if the group is managed.
    pub(super) fn create_resources(
        &mut self,
        names: &[String],
        group: &str,
        changes: Vec<Change>,
    ) -> Result<Op, RequestError> {
        self.dry_run(&changes)?;
        let mut steps = super::validate_all(&changes);
        steps.extend(changes.into_iter().map(Step::Apply));
        if self.cfg.groups[group].managed {
            steps.push(Step::Lifecycle {
                method: Method::Init,
                resources: names.to_vec(),
            });
        }
        steps.push(Step::Settle {
            groups: vec![group.to_string()],
            goal: Goal::Settled,
        });
        Ok(Op::new(steps))
    }

    pub(super) fn delete_resources(
        &mut self,
        resources: &[String],
        force: bool,
    ) -> Result<Op, RequestError> {
        let order = self.dependents_first(resources);
        let mut changes = Vec::new();
        let mut steps = Vec::new();
        if force {
            for r in &order {
                let c = Change::SetEnabled {
                    resource: r.clone(),
                    nodes: None,
                    enabled: false,
                };
                changes.push(c.clone());
                steps.push(Step::Apply(c));
            }
        }
        steps.push(Step::Settle {
            groups: self.groups_of_resources(resources),
            goal: Goal::ResourcesDown(resources.to_vec(), None),
        });
        let managed: Vec<String> = resources
            .iter()
            .filter(|r| {
                self.cfg
                    .groups
                    .get(&self.cfg.resources[*r].group)
                    .is_some_and(|g| g.managed)
            })
            .cloned()
            .collect();
        steps.push(Step::Lifecycle {
            method: Method::Fini,
            resources: managed,
        });
        for r in &order {
            let c = Change::DeleteResource { name: r.clone() };
            changes.push(c.clone());
            steps.push(Step::Apply(c));
        }
        self.dry_run(&changes)?;
        Ok(Op::new(steps))
    }

    /// Resources ordered so that each comes before those it depends on.
    pub(super) fn dependents_first(&self, resources: &[String]) -> Vec<String> {
        let refs: Vec<&str> = resources.iter().map(String::as_str).collect();
        let any_node = self.cfg.node_names().into_iter().next().unwrap_or_default();
        self.graph
            .stop_order(&refs, &any_node)
            .into_iter()
            .flatten()
            .collect()
    }

    pub(super) fn enable(
        &self,
        resources: &[String],
        nodes: &Option<Vec<String>>,
        recursive: bool,
    ) -> Result<Op, RequestError> {
        if let Some(n) = nodes {
            self.check_nodes(n)?;
        }
        let mut set: Vec<String> = resources.to_vec();
        let mut i = 0;
        while i < set.len() {
            let r = set[i].clone();
            for (d, edge, _) in self.graph.dependencies_of(&r) {
                if !edge.kind.is_hard() || set.iter().any(|x| x == d) {
                    continue;
                }
                let dep = &self.cfg.resources[d];
                let list = self
                    .cfg
                    .groups
                    .get(&dep.group)
                    .map(|g| g.nodelist())
                    .unwrap_or_default();
                if !dep.enabled.off_everywhere(&list) {
                    continue;
                }
                if recursive {
                    set.push(d.to_string());
                } else {
                    return Err(RequestError::new(
                        ErrorCode::Depend,
                        format!(
                            "resource {r} depends on {d}, which is disabled; enable {d} too or use -r"
                        ),
                    ));
                }
            }
            i += 1;
        }
        let goal = Goal::ResourcesUp(set.clone());
        Ok(self.set_enabled(set, nodes, true, goal))
    }

    pub(super) fn disable(
        &self,
        resources: &[String],
        nodes: &Option<Vec<String>>,
        recursive: bool,
    ) -> Result<Op, RequestError> {
        if let Some(n) = nodes {
            self.check_nodes(n)?;
        }
        let mut set: Vec<String> = resources.to_vec();
        let mut i = 0;
        while i < set.len() {
            let r = set[i].clone();
            let mut online_dependents: Vec<String> = Vec::new();
            for (d, edge, _) in self.graph.dependents_of(&r) {
                let known = set.iter().chain(&online_dependents).any(|x| x == d);
                if !edge.kind.is_hard() || known {
                    continue;
                }
                let online = self
                    .cfg
                    .node_names()
                    .iter()
                    .any(|n| self.rt.state(d, n).is_started());
                if online {
                    online_dependents.push(d.to_string());
                }
            }
            online_dependents.sort();
            if !online_dependents.is_empty() {
                if !recursive {
                    return Err(RequestError::new(
                        ErrorCode::Depend,
                        format!(
                            "{} depend(s) on {r} and are online; disable them too or use -r",
                            online_dependents.join(", ")
                        ),
                    ));
                }
                set.extend(online_dependents);
            }
            i += 1;
        }
        let goal = Goal::ResourcesDown(set.clone(), nodes.clone());
        Ok(self.set_enabled(set, nodes, false, goal))
    }

    /// Each resource enabled or disabled (on `nodes`, or everywhere), then wait for `goal`.
    fn set_enabled(
        &self,
        set: Vec<String>,
        nodes: &Option<Vec<String>>,
        enabled: bool,
        goal: Goal,
    ) -> Op {
        let groups = self.groups_of_resources(&set);
        let mut steps: Vec<Step> = set
            .into_iter()
            .map(|resource| {
                Step::Apply(Change::SetEnabled {
                    resource,
                    nodes: nodes.clone(),
                    enabled,
                })
            })
            .collect();
        steps.push(Step::Settle { groups, goal });
        Op::new(steps)
    }

    /// `clrs monitor` (`on`) or `clrs unmonitor`.
    pub(super) fn monitor(
        &self,
        resources: &Operands,
        nodes: &Option<Vec<String>>,
        on: bool,
    ) -> Result<Op, RequestError> {
        let resources = self.resources_of(resources)?;
        if let Some(n) = nodes {
            self.check_nodes(n)?;
        }
        let mut steps: Vec<Step> = resources
            .iter()
            .map(|r| {
                Step::Apply(Change::SetMonitored {
                    resource: r.clone(),
                    nodes: nodes.clone(),
                    monitored: on,
                })
            })
            .collect();
        if on {
            let targets = nodes.clone().unwrap_or_else(|| self.cfg.node_names());
            steps.extend(resources.iter().map(|r| {
                Step::Target(TargetChange::ResetMonitorFailed {
                    resource: r.clone(),
                    nodes: targets.clone(),
                })
            }));
        }
        steps.push(Step::Settle {
            groups: self.groups_of_resources(&resources),
            goal: Goal::Settled,
        });
        Ok(Op::new(steps))
    }

    /// `clrs clear -f STOP_FAILED`: the administrator says the resources are stopped.
    pub(super) fn clear_stop_failed(
        &self,
        resources: &Operands,
        nodes: &[String],
    ) -> Result<Op, RequestError> {
        let resources = self.resources_of(resources)?;
        self.check_nodes(nodes)?;
        let mut steps = Vec::new();
        for r in &resources {
            for n in nodes {
                if self.rt.state(r, n) == RState::StopFailed {
                    steps.push(Step::Target(TargetChange::ClearStopFailed {
                        resource: r.clone(),
                        node: n.clone(),
                    }));
                }
            }
        }
        if steps.is_empty() {
            return Err(state_err(format!(
                "no STOP_FAILED state to clear for {} on {}",
                resources.join(", "),
                nodes.join(", ")
            )));
        }
        steps.push(Step::Settle {
            groups: self.groups_of_resources(&resources),
            goal: Goal::Settled,
        });
        Ok(Op::new(steps))
    }
}
