//! Requests that change resource groups as configuration: manage, unmanage and delete.

use rtreg::Method;

use super::state_err;
use crate::change::Change;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::Operands;
use crate::engine::ops::{Goal, Op, Step, TargetChange};

impl Engine {
    pub(super) fn manage_steps(&self, group: &str) -> Vec<Step> {
        vec![
            Step::Apply(Change::SetManaged {
                group: group.to_string(),
                managed: true,
            }),
            Step::Lifecycle {
                method: Method::Init,
                resources: self.members(group),
            },
        ]
    }

    /// `clrg unmanage`: FINI on each group's resources, then the group unmanaged.
    pub(super) fn unmanage(&mut self, groups: &Operands) -> Result<Op, RequestError> {
        let groups = self.groups_of(groups)?;
        let mut steps = Vec::new();
        let mut changes = Vec::new();
        for g in &groups {
            if !self.cfg.groups[g].managed {
                continue;
            }
            if let Some(n) = self.online_somewhere(g) {
                return Err(state_err(format!(
                    "resource group {g} is online on node {n}; take it offline before unmanaging it"
                )));
            }
            let change = Change::SetManaged {
                group: g.clone(),
                managed: false,
            };
            changes.push(change.clone());
            steps.push(Step::Lifecycle {
                method: Method::Fini,
                resources: self.members(g),
            });
            steps.push(Step::Apply(change));
        }
        self.dry_run(&changes)?;
        Ok(Op::new(steps))
    }

    pub(super) fn delete_groups(
        &mut self,
        groups: &[String],
        force: bool,
    ) -> Result<Op, RequestError> {
        let mut steps = Vec::new();
        let mut changes = Vec::new();
        for g in groups {
            if !force {
                if let Some(n) = self.online_somewhere(g) {
                    return Err(state_err(format!(
                        "resource group {g} is online on node {n}; take it offline first (or use -F)"
                    )));
                }
                let change = Change::DeleteGroup { name: g.clone() };
                changes.push(change.clone());
                steps.push(Step::Apply(change));
                continue;
            }
            steps.push(Step::Target(TargetChange::Offline {
                group: g.clone(),
                nodes: None,
            }));
            let members = self.members(g);
            let order = self.dependents_first(&members);
            for r in &order {
                let c = Change::SetEnabled {
                    resource: r.clone(),
                    nodes: None,
                    enabled: false,
                };
                changes.push(c.clone());
                steps.push(Step::Apply(c));
            }
            steps.push(Step::Settle {
                groups: vec![g.clone()],
                goal: Goal::ResourcesDown(members.clone(), None),
            });
            if self.cfg.groups[g].managed {
                steps.push(Step::Lifecycle {
                    method: Method::Fini,
                    resources: members.clone(),
                });
            }
            for r in &order {
                let c = Change::DeleteResource { name: r.clone() };
                changes.push(c.clone());
                steps.push(Step::Apply(c));
            }
            let c = Change::DeleteGroup { name: g.clone() };
            changes.push(c.clone());
            steps.push(Step::Apply(c));
        }
        self.dry_run(&changes)?;
        Ok(Op::new(steps))
    }
}
