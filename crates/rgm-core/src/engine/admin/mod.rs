//! Administrators' requests: each is checked against the configuration and runtime state at
//! once (so a refused request changes nothing), then becomes an operation ([`super::ops`]).
//! A module per kind of object the request names, as the commands are split: resource types
//! here, groups in [`groups`] and [`group_moves`], resources in [`resources`].

mod group_moves;
mod groups;
mod nodes;
mod operands;
mod resources;
mod summary;

use rtreg::Method;

use crate::change::Change;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::{AdminRequest, RequestId};
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::ops::{Goal, Op, Step};
use crate::error::ErrorCode;

fn inval(message: String) -> RequestError {
    RequestError::new(ErrorCode::Inval, message)
}

fn state_err(message: String) -> RequestError {
    RequestError::new(ErrorCode::State, message)
}

/// The names a create request gives, refused when there are none.
fn named_for_create<'a>(
    names: &'a [String],
    what: &str,
) -> Result<impl Iterator<Item = String> + 'a, RequestError> {
    if names.is_empty() {
        return Err(inval(format!("no {what} named to create")));
    }
    Ok(names.iter().cloned())
}

/// VALIDATE steps for a request's changes, each as it will be after those before it.
fn validate_all(changes: &[Change]) -> Vec<Step> {
    changes
        .iter()
        .enumerate()
        .map(|(i, c)| Step::Validate {
            prior: changes[..i].to_vec(),
            change: c.clone(),
        })
        .collect()
}

impl Engine {
    pub(crate) fn request(&mut self, id: RequestId, request: AdminRequest) {
        match self.build_op(&request) {
            Ok(op) => {
                self.log(LogRecord::decision(
                    msg::REQUEST,
                    Severity::Notice,
                    format!(
                        "administrator request {}: {}",
                        id.0,
                        summary::summary(&request)
                    ),
                    &[],
                ));
                self.start_op(id, op)
            }
            Err(e) => self.reply(id, Err(e)),
        }
    }

    fn build_op(&mut self, request: &AdminRequest) -> Result<Op, RequestError> {
        use AdminRequest as R;
        Ok(match request {
            R::RegisterType {
                spec,
                installed_nodes,
                rt_system,
            } => Op::new([Step::Apply(Change::RegisterType {
                spec: spec.clone(),
                installed_nodes: installed_nodes.clone(),
                rt_system: *rt_system,
            })]),
            R::UpdateType {
                name,
                installed_nodes,
                rt_system,
            } => Op::new([Step::Apply(Change::UpdateType {
                name: name.clone(),
                installed_nodes: installed_nodes.clone(),
                rt_system: *rt_system,
            })]),
            R::UnregisterType { names } => {
                let changes: Vec<Change> = self
                    .types_of(names)?
                    .into_iter()
                    .map(|name| Change::UnregisterType { name })
                    .collect();
                self.dry_run(&changes)?;
                Op::new(changes.into_iter().map(Step::Apply))
            }
            R::CreateGroup {
                names,
                scalable,
                edits,
            } => {
                let changes: Vec<Change> = named_for_create(names, "resource group")?
                    .map(|name| Change::CreateGroup {
                        name,
                        scalable: *scalable,
                        edits: edits.clone(),
                    })
                    .collect();
                self.dry_run(&changes)?;
                Op::new(changes.into_iter().map(Step::Apply))
            }
            R::UpdateGroup { groups, edits } => {
                let groups = self.groups_of(groups)?;
                let updates = groups.iter().map(|g| {
                    let change = Change::UpdateGroup {
                        name: g.clone(),
                        edits: edits.clone(),
                    };
                    (change, self.members(g))
                });
                self.update(updates.collect(), groups.clone())?
            }
            R::DeleteGroup { groups, force } => {
                self.delete_groups(&self.groups_of(groups)?, *force)?
            }
            R::Manage { groups } => {
                let mut steps = Vec::new();
                for g in self.groups_of(groups)? {
                    if !self.cfg.groups[&g].managed {
                        steps.extend(self.manage_steps(&g));
                    }
                }
                Op::new(steps)
            }
            R::Unmanage { groups } => self.unmanage(groups)?,
            R::Online {
                groups,
                nodes,
                enable,
                monitor,
                manage,
            } => self.bring_online(
                &self.groups_of(groups)?,
                nodes.as_deref(),
                *enable,
                *monitor,
                *manage,
            )?,
            R::Switch {
                groups,
                nodes,
                enable,
                monitor,
                manage,
            } => self.bring_online(
                &self.groups_of(groups)?,
                Some(nodes),
                *enable,
                *monitor,
                *manage,
            )?,
            R::Offline { groups, nodes } => self.offline(groups, nodes)?,
            R::Restart { groups, nodes } => self.restart(groups, nodes)?,
            R::Suspend { groups, kill } => self.suspend(groups, *kill, false)?,
            R::Quiesce { groups, kill } => self.suspend(groups, *kill, true)?,
            R::Resume { groups } => Op::new(self.groups_of(groups)?.into_iter().map(|g| {
                Step::Apply(Change::SetSuspended {
                    group: g,
                    suspended: false,
                })
            })),
            R::Evacuate { node, seconds } => self.evacuate(node, *seconds)?,
            R::Remaster { groups } => self.remaster(groups)?,
            R::CreateResource {
                names,
                group,
                type_name,
                edits,
                enabled,
            } => {
                let changes: Vec<Change> = named_for_create(names, "resource")?
                    .map(|name| Change::CreateResource {
                        name,
                        group: group.clone(),
                        type_name: type_name.clone(),
                        edits: edits.clone(),
                        enabled: *enabled,
                    })
                    .collect();
                self.create_resources(names, group, changes)?
            }
            R::UpdateResource { resources, edits } => {
                let resources = self.resources_of(resources)?;
                let updates = resources.iter().map(|r| {
                    let change = Change::UpdateResource {
                        name: r.clone(),
                        edits: edits.clone(),
                    };
                    (change, vec![r.clone()])
                });
                self.update(updates.collect(), self.groups_of_resources(&resources))?
            }
            R::DeleteResource { resources, force } => {
                self.delete_resources(&self.resources_of(resources)?, *force)?
            }
            R::Enable {
                resources,
                nodes,
                recursive,
            } => self.enable(&self.resources_of(resources)?, nodes, *recursive)?,
            R::Disable {
                resources,
                nodes,
                recursive,
            } => self.disable(&self.resources_of(resources)?, nodes, *recursive)?,
            R::Monitor { resources, nodes } => self.monitor(resources, nodes, true)?,
            R::Unmonitor { resources, nodes } => self.monitor(resources, nodes, false)?,
            R::ClearStopFailed { resources, nodes } => self.clear_stop_failed(resources, nodes)?,
            R::AddNode { name } => Op::new([Step::Apply(Change::AddNode { name: name.clone() })]),
            R::RemoveNode { name } => self.remove_node(name)?,
            R::ConfirmNodeDown { node } => self.confirm_node_down(node)?,
        })
    }

    /// `clrg set` and `clrs set`: each change checked (all of them together first), validated
    /// by the type's VALIDATE, applied, then UPDATE run on the resources it touches.
    fn update(
        &mut self,
        updates: Vec<(Change, Vec<String>)>,
        groups: Vec<String>,
    ) -> Result<Op, RequestError> {
        let changes: Vec<Change> = updates.iter().map(|(c, _)| c.clone()).collect();
        self.dry_run(&changes)?;
        // Every VALIDATE before any change: one veto leaves everything as it was.
        let mut steps = validate_all(&changes);
        let before: Vec<(String, Vec<String>)> = changes
            .iter()
            .filter_map(|c| match c {
                Change::UpdateGroup { name, .. } => Some(name),
                _ => None,
            })
            .flat_map(|g| self.members(g))
            .filter_map(|r| {
                let res = self.cfg.resources.get(&r)?;
                Some((r, self.cfg.init_nodes(res)))
            })
            .collect();
        steps.extend(changes.into_iter().map(Step::Apply));
        if !before.is_empty() {
            steps.push(Step::InitNodesChanged { before });
        }
        let resources: Vec<String> = updates.into_iter().flat_map(|(_, r)| r).collect();
        steps.push(Step::Lifecycle {
            method: Method::Update,
            resources,
        });
        steps.push(Step::Settle {
            groups,
            goal: Goal::Settled,
        });
        Ok(Op::new(steps))
    }
}
