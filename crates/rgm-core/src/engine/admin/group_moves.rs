//! Requests that move resource groups: online, switch, offline, restart, evacuate,
//! remaster, suspend and quiesce. Each becomes target changes and a settle step.

use std::collections::BTreeSet;

use super::{inval, state_err};
use crate::change::Change;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::Operands;
use crate::engine::ops::{Goal, Op, Step, TargetChange};
use crate::error::ErrorCode;

impl Engine {
    /// `clrg online` and `clrg switch`: groups online, on the named nodes if any.
    pub(super) fn bring_online(
        &self,
        groups: &[String],
        nodes: Option<&[String]>,
        enable: bool,
        monitor: bool,
        manage: bool,
    ) -> Result<Op, RequestError> {
        if let Some(nodes) = nodes {
            self.check_nodes(nodes)?;
            if nodes.is_empty() {
                return Err(inval("no node named (-n)".into()));
            }
            for n in nodes {
                if let Some(why) = self.rt.node(n).and_then(|x| x.unhealthy.as_ref()) {
                    return Err(state_err(format!(
                        "node {n} is unhealthy ({why}); it masters no resource group until it is healthy again"
                    )));
                }
            }
        }
        let mut steps = Vec::new();
        let named: std::collections::HashSet<&String> = groups.iter().collect();
        for g in groups {
            let group = &self.cfg.groups[g];
            if let Some(nodes) = nodes {
                let list = group.nodelist();
                if let Some(n) = nodes.iter().find(|n| !list.contains(n)) {
                    return Err(RequestError::new(
                        ErrorCode::Node,
                        format!("node {n} is not in the Nodelist of resource group {g}"),
                    ));
                }
                let max = if group.is_scalable() {
                    group.maximum_primaries()
                } else {
                    1
                };
                if nodes.len() as i64 > max {
                    return Err(inval(format!(
                        "resource group {g} can be online on at most {max} node(s); {} named",
                        nodes.len()
                    )));
                }
            }
            if let Some((r, n)) = self.stop_failed_resource(g) {
                return Err(state_err(format!(
                    "resource group {g} cannot start: resource {r} is STOP_FAILED on node {n}; make sure it is stopped, then clear it (clresource clear -f STOP_FAILED -n {n} {r})"
                )));
            }
            if !group.managed {
                if !manage {
                    return Err(state_err(format!(
                        "resource group {g} is unmanaged; manage it first (clresourcegroup manage {g}) or use -M"
                    )));
                }
                steps.extend(self.manage_steps(g));
            }
            for r in &group.resources {
                if enable {
                    steps.push(Step::Apply(Change::SetEnabled {
                        resource: r.clone(),
                        nodes: None,
                        enabled: true,
                    }));
                }
                if monitor {
                    steps.push(Step::Apply(Change::SetMonitored {
                        resource: r.clone(),
                        nodes: None,
                        monitored: true,
                    }));
                }
            }
            for dep in group.rg_dependencies() {
                let wanted = self.rt.group(&dep).is_some_and(|d| d.wanted);
                if !wanted && !named.contains(&dep) {
                    return Err(RequestError::new(
                        ErrorCode::Depend,
                        format!(
                            "resource group {g} depends on resource group {dep} (RG_dependencies), which is offline; bring {dep} online first or name it too"
                        ),
                    ));
                }
            }
        }
        for g in groups {
            steps.push(Step::Target(TargetChange::Online {
                group: g.clone(),
                nodes: nodes.map(<[String]>::to_vec),
            }));
        }
        steps.push(Step::Settle {
            groups: groups.to_vec(),
            goal: Goal::Online(nodes.map(<[String]>::to_vec)),
        });
        Ok(Op::new(steps))
    }

    /// RG_dependencies rule 4: no group may stay online while a group it depends on goes
    /// offline everywhere.
    fn check_rule4_offline(&self, groups: &[String]) -> Result<(), RequestError> {
        for other in self.cfg.groups.values() {
            if groups.contains(&other.name) || !self.rt.group(&other.name).is_some_and(|x| x.wanted)
            {
                continue;
            }
            if let Some(dep) = other
                .rg_dependencies()
                .into_iter()
                .find(|d| groups.contains(d))
            {
                return Err(RequestError::new(
                    ErrorCode::Depend,
                    format!(
                        "resource group {} depends on resource group {dep} (RG_dependencies) and is online; take {} offline too",
                        other.name, other.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `clrg offline`: groups off the named nodes, or everywhere.
    pub(super) fn offline(
        &self,
        groups: &Operands,
        nodes: &Option<Vec<String>>,
    ) -> Result<Op, RequestError> {
        let groups = self.groups_of(groups)?;
        if let Some(nodes) = nodes {
            self.check_nodes(nodes)?;
        } else {
            self.check_rule4_offline(&groups)?;
        }
        let mut steps: Vec<Step> = groups
            .iter()
            .map(|g| {
                Step::Target(TargetChange::Offline {
                    group: g.clone(),
                    nodes: nodes.clone(),
                })
            })
            .collect();
        steps.push(Step::Settle {
            groups,
            goal: Goal::Offline(nodes.clone()),
        });
        Ok(Op::new(steps))
    }

    /// `clrg restart`: each group stopped and started again where it is online.
    pub(super) fn restart(
        &self,
        groups: &Operands,
        nodes: &Option<Vec<String>>,
    ) -> Result<Op, RequestError> {
        let groups = self.groups_of(groups)?;
        let mut steps = Vec::new();
        let mut all_nodes = BTreeSet::new();
        for g in &groups {
            let on: Vec<String> = match nodes {
                Some(n) => {
                    self.check_nodes(n)?;
                    n.clone()
                }
                None => self.group_primaries(g),
            };
            if on.is_empty() {
                return Err(state_err(format!(
                    "resource group {g} is not online; nothing to restart"
                )));
            }
            all_nodes.extend(on.iter().cloned());
            steps.push(Step::Target(TargetChange::Restart {
                group: g.clone(),
                nodes: on,
            }));
        }
        let goal = Goal::Online(Some(all_nodes.into_iter().collect()));
        steps.push(Step::Settle { groups, goal });
        Ok(Op::new(steps))
    }

    /// `clrg suspend` or `clrg quiesce` (`quiesce`), with `-k`: methods running for the
    /// groups are killed.
    pub(super) fn suspend(
        &self,
        groups: &Operands,
        kill: bool,
        quiesce: bool,
    ) -> Result<Op, RequestError> {
        let groups = self.groups_of(groups)?;
        let mut steps: Vec<Step> = groups
            .iter()
            .map(|g| {
                if quiesce {
                    Step::Target(TargetChange::QuiesceBegin { group: g.clone() })
                } else {
                    Step::Apply(Change::SetSuspended {
                        group: g.clone(),
                        suspended: true,
                    })
                }
            })
            .collect();
        if kill {
            steps.push(Step::Kill(groups.clone()));
        }
        steps.push(Step::Settle {
            groups: groups.clone(),
            goal: Goal::Settled,
        });
        if quiesce {
            steps.extend(
                groups
                    .iter()
                    .map(|g| Step::Target(TargetChange::QuiesceEnd { group: g.clone() })),
            );
        }
        Ok(Op::new(steps))
    }

    /// `clrg evacuate`: every group off `node`, kept off it for `seconds`.
    pub(super) fn evacuate(&self, node: &str, seconds: i64) -> Result<Op, RequestError> {
        self.check_nodes(&[node.to_string()])?;
        if !(0..=crate::schema::MAX_SECONDS).contains(&seconds) {
            return Err(inval(format!(
                "-T {seconds}: the time must be within 0..={} seconds",
                crate::schema::MAX_SECONDS
            )));
        }
        let groups: Vec<String> = self
            .cfg
            .groups
            .keys()
            .filter(|g| {
                self.group_primaries(g).iter().any(|p| p == node) || self.group_active_on(g, node)
            })
            .cloned()
            .collect();
        Ok(Op::new([
            Step::Target(TargetChange::Evacuate {
                node: node.to_string(),
                until: self.now.plus_secs(seconds.max(0)),
            }),
            Step::Settle {
                groups,
                goal: Goal::NotOn(node.to_string()),
            },
        ]))
    }

    /// `clrg remaster`: each group moved to its most preferred nodes.
    pub(super) fn remaster(&self, groups: &Operands) -> Result<Op, RequestError> {
        let groups = self.groups_of(groups)?;
        let mut steps: Vec<Step> = groups
            .iter()
            .map(|g| Step::Target(TargetChange::Remaster { group: g.clone() }))
            .collect();
        steps.push(Step::Settle {
            groups,
            goal: Goal::Settled,
        });
        Ok(Op::new(steps))
    }
}
