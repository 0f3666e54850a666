//! Administrators' requests: each is checked against the configuration and runtime state at
//! once (so a refused request changes nothing), then becomes an operation ([`super::ops`]).

use std::collections::BTreeSet;

use rtreg::Method;

use crate::change::{Change, NothingRunning};
use crate::config::ClusterConfig;
use crate::engine::Engine;
use crate::engine::action::RequestError;
use crate::engine::event::{AdminRequest, Operands, RequestId};
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::ops::{Goal, Op, Step, TargetChange};
use crate::engine::state::RState;
use crate::error::{ConfigError, ErrorCode, ErrorKind, Object};

fn inval(message: String) -> RequestError {
    RequestError::new(ErrorCode::Inval, message)
}

fn state_err(message: String) -> RequestError {
    RequestError::new(ErrorCode::State, message)
}

impl Engine {
    pub(crate) fn request(&mut self, id: RequestId, request: AdminRequest) {
        match self.build_op(&request) {
            Ok(op) => {
                self.log(LogRecord::decision(
                    msg::REQUEST,
                    Severity::Notice,
                    format!("administrator request {}: {}", id.0, summary(&request)),
                    &[],
                ));
                self.start_op(id, op)
            }
            Err(e) => self.reply(id, Err(e)),
        }
    }

    fn build_op(&self, request: &AdminRequest) -> Result<Op, RequestError> {
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
                name,
                scalable,
                edits,
            } => Op::new([Step::Apply(Change::CreateGroup {
                name: name.clone(),
                scalable: *scalable,
                edits: edits.clone(),
            })]),
            R::UpdateGroup { groups, edits } => {
                let groups = self.groups_of(groups)?;
                let changes: Vec<Change> = groups
                    .iter()
                    .map(|g| Change::UpdateGroup {
                        name: g.clone(),
                        edits: edits.clone(),
                    })
                    .collect();
                self.dry_run(&changes)?;
                let mut steps = Vec::new();
                for (g, change) in groups.iter().zip(changes) {
                    steps.push(Step::Validate(change.clone()));
                    steps.push(Step::Apply(change));
                    steps.push(Step::Lifecycle {
                        method: Method::Update,
                        resources: self.members(g),
                    });
                }
                steps.push(Step::Settle {
                    groups,
                    goal: Goal::Settled,
                });
                Op::new(steps)
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
            R::Unmanage { groups } => {
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
                Op::new(steps)
            }
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
                false,
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
                true,
            )?,
            R::Offline { groups, nodes } => {
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
                Op::new(steps)
            }
            R::Restart { groups, nodes } => {
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
                Op::new(steps)
            }
            R::Suspend { groups, kill } | R::Quiesce { groups, kill } => {
                let groups = self.groups_of(groups)?;
                let quiesce = matches!(request, R::Quiesce { .. });
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
                if *kill {
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
                Op::new(steps)
            }
            R::Resume { groups } => Op::new(self.groups_of(groups)?.into_iter().map(|g| {
                Step::Apply(Change::SetSuspended {
                    group: g,
                    suspended: false,
                })
            })),
            R::Evacuate { node, seconds } => {
                self.check_nodes(std::slice::from_ref(node))?;
                let groups: Vec<String> = self
                    .cfg
                    .groups
                    .keys()
                    .filter(|g| {
                        self.group_primaries(g).contains(node) || self.group_active_on(g, node)
                    })
                    .cloned()
                    .collect();
                Op::new([
                    Step::Target(TargetChange::Evacuate {
                        node: node.clone(),
                        until: self.now.plus_secs((*seconds).max(0)),
                    }),
                    Step::Settle {
                        groups,
                        goal: Goal::NotOn(node.clone()),
                    },
                ])
            }
            R::Remaster { groups } => {
                let groups = self.groups_of(groups)?;
                let mut steps: Vec<Step> = groups
                    .iter()
                    .map(|g| Step::Target(TargetChange::Remaster { group: g.clone() }))
                    .collect();
                steps.push(Step::Settle {
                    groups,
                    goal: Goal::Settled,
                });
                Op::new(steps)
            }
            R::CreateResource {
                name,
                group,
                type_name,
                edits,
                enabled,
            } => {
                let change = Change::CreateResource {
                    name: name.clone(),
                    group: group.clone(),
                    type_name: type_name.clone(),
                    edits: edits.clone(),
                    enabled: *enabled,
                };
                self.dry_run(std::slice::from_ref(&change))?;
                let mut steps = vec![Step::Validate(change.clone()), Step::Apply(change)];
                if self.cfg.groups[group].managed {
                    steps.push(Step::Lifecycle {
                        method: Method::Init,
                        resources: vec![name.clone()],
                    });
                }
                steps.push(Step::Settle {
                    groups: vec![group.clone()],
                    goal: Goal::Settled,
                });
                Op::new(steps)
            }
            R::UpdateResource { resources, edits } => {
                let resources = self.resources_of(resources)?;
                let changes: Vec<Change> = resources
                    .iter()
                    .map(|r| Change::UpdateResource {
                        name: r.clone(),
                        edits: edits.clone(),
                    })
                    .collect();
                self.dry_run(&changes)?;
                let mut steps = Vec::new();
                for (r, change) in resources.iter().zip(changes) {
                    steps.push(Step::Validate(change.clone()));
                    steps.push(Step::Apply(change));
                    steps.push(Step::Lifecycle {
                        method: Method::Update,
                        resources: vec![r.clone()],
                    });
                }
                steps.push(Step::Settle {
                    groups: self.groups_of_resources(&resources),
                    goal: Goal::Settled,
                });
                Op::new(steps)
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
            R::Monitor { resources, nodes } | R::Unmonitor { resources, nodes } => {
                let on = matches!(request, R::Monitor { .. });
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
                Op::new(steps)
            }
            R::ClearStopFailed { resources, nodes } => {
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
                Op::new(steps)
            }
        })
    }

    // ----- operands -----

    fn groups_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        match operands {
            Operands::All => Ok(self.cfg.groups.keys().cloned().collect()),
            Operands::Named(names) => {
                let missing: Vec<ConfigError> = names
                    .iter()
                    .filter(|g| !self.cfg.groups.contains_key(*g))
                    .map(|g| {
                        ConfigError::new(Object::ResourceGroup(g.clone()), ErrorKind::NotFound)
                    })
                    .collect();
                if !missing.is_empty() {
                    return Err(crate::error::ConfigErrors(missing).into());
                }
                if names.is_empty() {
                    return Err(inval("no resource group named (use + for all)".into()));
                }
                Ok(names.clone())
            }
        }
    }

    fn resources_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        match operands {
            Operands::All => Ok(self.cfg.resources.keys().cloned().collect()),
            Operands::Named(names) => {
                let missing: Vec<ConfigError> = names
                    .iter()
                    .filter(|r| !self.cfg.resources.contains_key(*r))
                    .map(|r| ConfigError::new(Object::Resource(r.clone()), ErrorKind::NotFound))
                    .collect();
                if !missing.is_empty() {
                    return Err(crate::error::ConfigErrors(missing).into());
                }
                if names.is_empty() {
                    return Err(inval("no resource named (use + for all)".into()));
                }
                Ok(names.clone())
            }
        }
    }

    fn types_of(&self, operands: &Operands) -> Result<Vec<String>, RequestError> {
        match operands {
            Operands::All => Ok(self.cfg.types.keys().cloned().collect()),
            Operands::Named(names) => names
                .iter()
                .map(|n| {
                    self.cfg
                        .resolve_type(n)
                        .map(|t| t.name().to_string())
                        .map_err(RequestError::from)
                })
                .collect(),
        }
    }

    fn check_nodes(&self, nodes: &[String]) -> Result<(), RequestError> {
        for n in nodes {
            if !self.cfg.nodes.contains_key(n) {
                return Err(RequestError::new(
                    ErrorCode::Node,
                    format!("node {n} is not a cluster node"),
                ));
            }
        }
        Ok(())
    }

    fn members(&self, group: &str) -> Vec<String> {
        self.cfg
            .groups
            .get(group)
            .map(|g| g.resources.clone())
            .unwrap_or_default()
    }

    fn groups_of_resources(&self, resources: &[String]) -> Vec<String> {
        let set: BTreeSet<String> = resources
            .iter()
            .filter_map(|r| self.cfg.resources.get(r).map(|x| x.group.clone()))
            .collect();
        set.into_iter().collect()
    }

    fn online_somewhere(&self, group: &str) -> Option<String> {
        self.cfg
            .node_names()
            .into_iter()
            .find(|n| {
                !matches!(
                    self.group_state_on(group, n),
                    crate::engine::RgState::Offline
                )
            })
            .filter(|_| self.cfg.groups.get(group).is_some_and(|g| g.managed))
    }

    /// A resource of the group that is STOP_FAILED, and where.
    fn stop_failed_resource(&self, group: &str) -> Option<(String, String)> {
        self.members(group).into_iter().find_map(|r| {
            self.cfg
                .node_names()
                .into_iter()
                .find(|n| self.rt.state(&r, n) == RState::StopFailed)
                .map(|n| (r, n))
        })
    }

    /// Checks a sequence of changes on a copy of the configuration.
    fn dry_run(&self, changes: &[Change]) -> Result<ClusterConfig, RequestError> {
        let mut cfg = self.cfg.clone();
        for c in changes {
            cfg.apply(c, &NothingRunning)?;
        }
        Ok(cfg)
    }

    // ----- compound requests -----

    fn manage_steps(&self, group: &str) -> Vec<Step> {
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

    fn bring_online(
        &self,
        groups: &[String],
        nodes: Option<&[String]>,
        enable: bool,
        monitor: bool,
        manage: bool,
        switch: bool,
    ) -> Result<Op, RequestError> {
        if let Some(nodes) = nodes {
            self.check_nodes(nodes)?;
            if nodes.is_empty() {
                return Err(inval("no node named (-n)".into()));
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
        let _ = switch;
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

    fn delete_groups(&self, groups: &[String], force: bool) -> Result<Op, RequestError> {
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

    fn delete_resources(&self, resources: &[String], force: bool) -> Result<Op, RequestError> {
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
    fn dependents_first(&self, resources: &[String]) -> Vec<String> {
        let refs: Vec<&str> = resources.iter().map(String::as_str).collect();
        let any_node = self.cfg.node_names().into_iter().next().unwrap_or_default();
        self.graph
            .stop_order(&refs, &any_node)
            .into_iter()
            .flatten()
            .collect()
    }

    fn enable(
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
        let mut steps: Vec<Step> = set
            .iter()
            .map(|r| {
                Step::Apply(Change::SetEnabled {
                    resource: r.clone(),
                    nodes: nodes.clone(),
                    enabled: true,
                })
            })
            .collect();
        steps.push(Step::Settle {
            groups: self.groups_of_resources(&set),
            goal: Goal::ResourcesUp(set.clone()),
        });
        Ok(Op::new(steps))
    }

    fn disable(
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
        let mut steps: Vec<Step> = set
            .iter()
            .map(|r| {
                Step::Apply(Change::SetEnabled {
                    resource: r.clone(),
                    nodes: nodes.clone(),
                    enabled: false,
                })
            })
            .collect();
        steps.push(Step::Settle {
            groups: self.groups_of_resources(&set),
            goal: Goal::ResourcesDown(set.clone(), nodes.clone()),
        });
        Ok(Op::new(steps))
    }

    /// Carries out a change of targets.
    pub(crate) fn target(&mut self, t: TargetChange) {
        match t {
            TargetChange::Online { group, nodes } => {
                let grt = self.rt.group_mut(&group);
                grt.wanted = true;
                for gn in grt.nodes.values_mut() {
                    gn.failed_at = None;
                }
                self.state_changed = true;
                if let Some(nodes) = nodes {
                    self.set_primaries(&group, nodes.into_iter().collect());
                }
                self.touch_group(&group);
            }
            TargetChange::Offline { group, nodes } => {
                let current = self
                    .rt
                    .group(&group)
                    .map(|g| g.primaries.clone())
                    .unwrap_or_default();
                let next: BTreeSet<String> = match &nodes {
                    None => BTreeSet::new(),
                    Some(nodes) => current.into_iter().filter(|n| !nodes.contains(n)).collect(),
                };
                if next.is_empty() {
                    self.rt.group_mut(&group).wanted = false;
                }
                self.state_changed = true;
                self.set_primaries(&group, next);
                self.touch_group(&group);
            }
            TargetChange::Restart { group, nodes } => {
                let grt = self.rt.group_mut(&group);
                for n in nodes {
                    grt.nodes.entry(n).or_default().restarting = true;
                }
                self.touch_group(&group);
            }
            TargetChange::Remaster { group } => {
                if let Some(next) = self.choose_primaries(&group, true) {
                    self.set_primaries(&group, next);
                }
            }
            TargetChange::Evacuate { node, until } => {
                self.rt.nodes.entry(node).or_default().evacuated_until = Some(until);
                self.state_changed = true;
                let all: Vec<String> = self.cfg.groups.keys().cloned().collect();
                self.dirty.extend(all);
            }
            TargetChange::QuiesceBegin { group } => {
                self.rt.group_mut(&group).quiescing = true;
            }
            TargetChange::QuiesceEnd { group } => {
                let active: BTreeSet<String> = self
                    .cfg
                    .node_names()
                    .into_iter()
                    .filter(|n| self.group_active_on(&group, n))
                    .collect();
                let grt = self.rt.group_mut(&group);
                grt.quiescing = false;
                grt.wanted = !active.is_empty();
                self.set_primaries(&group, active);
                self.touch_group(&group);
            }
            TargetChange::ResetMonitorFailed { resource, nodes } => {
                for n in nodes {
                    if self.rt.state(&resource, &n) == RState::MonitorFailed {
                        self.set_state(&resource, &n, RState::OnlineUnmonitored);
                    }
                }
            }
            TargetChange::ClearStopFailed { resource, node } => {
                self.set_state(&resource, &node, RState::Offline);
                self.log(LogRecord::decision(
                    msg::CLEARED,
                    Severity::Notice,
                    format!("STOP_FAILED of resource {resource} on node {node} cleared by the administrator"),
                    &[("resource", &resource), ("node", &node)],
                ));
            }
        }
    }
}

/// One line saying what a request asks (`online groups=rg1 manage`).
fn summary(request: &AdminRequest) -> String {
    let json = serde_json::to_value(request).unwrap_or_default();
    let kind = json
        .get("request")
        .and_then(|v| v.as_str())
        .unwrap_or("request")
        .to_string();
    let mut parts = vec![kind];
    if let Some(obj) = json.as_object() {
        for (k, v) in obj {
            match (k.as_str(), v) {
                ("request" | "spec", _)
                | (_, serde_json::Value::Null | serde_json::Value::Bool(false)) => {}
                (_, serde_json::Value::Bool(true)) => parts.push(k.clone()),
                _ => parts.push(format!("{k}={}", plain(v))),
            }
        }
    }
    if let AdminRequest::RegisterType { spec, .. } = request {
        parts.push(format!("type={}", spec.name));
    }
    parts.join(" ")
}

/// A request field as an administrator would write it.
fn plain(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        serde_json::Value::Object(o) if o.contains_key("named") => plain(&o["named"]),
        serde_json::Value::Object(o) if o.len() == 3 && o.contains_key("op") => {
            // A property edit.
            let nodes = o
                .get("nodes")
                .map(|n| format!("{{{}}}", plain(n)))
                .unwrap_or_default();
            let op = match o["op"].as_str() {
                Some("add") => "+=",
                Some("remove") => "-=",
                _ => "=",
            };
            format!("{}{nodes}{op}{}", plain(&o["name"]), plain(&o["value"]))
        }
        other => other.to_string().trim_matches('"').to_string(),
    }
}
