//! Configuration changes: every way the configuration can change, checked as a whole before
//! anything is applied. [`ClusterConfig::plan`] returns either every problem found, each naming
//! its object and property, or a [`Plan`] holding the next configuration; applying the plan is
//! replacing the configuration with it, so a change is all or nothing.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use rtreg::ResourceTypeSpec;

use crate::check_group;
use crate::check_node;
use crate::check_resource;
use crate::check_type;
use crate::config::{ClusterConfig, Resource, ResourceGroup};
use crate::cycle_scope::CycleScope;
use crate::edit::PropertyEdit;
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};
use crate::graph::DependencyGraph;
use crate::rg_graph::RgGraph;

/// A change to `Installed_nodes` (`clrt set -n`, `-N`, `add-node`, `remove-node`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "nodes", rename_all = "snake_case")]
pub enum InstalledNodesEdit {
    /// Every node, present and future (`-N`).
    All,
    Set(Vec<String>),
    Add(Vec<String>),
    Remove(Vec<String>),
}

/// Every way the configuration changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    AddNode {
        name: String,
    },
    /// `clnode remove`: refused while any configuration names the node.
    RemoveNode {
        name: String,
    },
    RegisterType {
        spec: Box<ResourceTypeSpec>,
        installed_nodes: Option<Vec<String>>,
        rt_system: Option<bool>,
    },
    UpdateType {
        name: String,
        installed_nodes: Option<InstalledNodesEdit>,
        rt_system: Option<bool>,
    },
    UnregisterType {
        name: String,
    },
    CreateGroup {
        name: String,
        /// `clrg create -S`: Maximum_primaries and Desired_primaries = the Nodelist's size.
        scalable: bool,
        edits: Vec<PropertyEdit>,
    },
    UpdateGroup {
        name: String,
        edits: Vec<PropertyEdit>,
    },
    DeleteGroup {
        name: String,
    },
    SetManaged {
        group: String,
        managed: bool,
    },
    SetSuspended {
        group: String,
        suspended: bool,
    },
    CreateResource {
        name: String,
        group: String,
        type_name: String,
        edits: Vec<PropertyEdit>,
        enabled: bool,
    },
    UpdateResource {
        name: String,
        edits: Vec<PropertyEdit>,
    },
    DeleteResource {
        name: String,
    },
    SetEnabled {
        resource: String,
        /// `None`: every node.
        nodes: Option<Vec<String>>,
        enabled: bool,
    },
    SetMonitored {
        resource: String,
        nodes: Option<Vec<String>>,
        monitored: bool,
    },
}

/// What the checks need to know of runtime state (only `Type_version` upgrades ask).
pub trait RuntimeView {
    /// Whether the resource is offline on every node.
    fn resource_offline_everywhere(&self, resource: &str) -> bool;
}

/// A runtime where nothing runs: every resource is offline.
#[derive(Debug, Clone, Copy, Default)]
pub struct NothingRunning;

impl RuntimeView for NothingRunning {
    fn resource_offline_everywhere(&self, _: &str) -> bool {
        true
    }
}

/// A checked change: the configuration as it will be once the change is applied.
#[derive(Debug, Clone)]
pub struct Plan {
    pub next: ClusterConfig,
    /// The canonical names of the properties the change sets (for VALIDATE's `-u` and for
    /// UPDATE): resource properties for resource changes, group properties for group changes.
    pub changed: Vec<String>,
}

impl ClusterConfig {
    /// Checks a change against this configuration. Nothing is modified.
    pub fn plan(&self, change: &Change, runtime: &dyn RuntimeView) -> Result<Plan, ConfigErrors> {
        let mut next = self.clone();
        let (changed, errs) = next.edit(change, runtime);
        errs.into_result(Plan { next, changed })
    }

    /// Makes `change` here, checking it; returns the properties it sets and every problem
    /// found. With problems, the configuration is left half-changed: callers start from a copy
    /// ([`ClusterConfig::plan`]) or put back what the change touched ([`ClusterConfig::apply`]).
    fn edit(&mut self, change: &Change, runtime: &dyn RuntimeView) -> (Vec<String>, ConfigErrors) {
        let next = self;
        let mut errs = ConfigErrors::default();
        let mut changed = Vec::new();
        match change {
            Change::AddNode { name } => {
                if let Err(e) = next.add_node(name) {
                    errs.push(e);
                }
            }
            Change::RemoveNode { name } => check_node::remove(next, name, &mut errs),
            Change::RegisterType {
                spec,
                installed_nodes,
                rt_system,
            } => check_type::register(next, spec, installed_nodes, *rt_system, &mut errs),
            Change::UpdateType {
                name,
                installed_nodes,
                rt_system,
            } => check_type::update(next, name, installed_nodes, *rt_system, &mut errs),
            Change::UnregisterType { name } => check_type::unregister(next, name, &mut errs),
            Change::CreateGroup {
                name,
                scalable,
                edits,
            } => changed = check_group::create(next, name, *scalable, edits, &mut errs),
            Change::UpdateGroup { name, edits } => {
                changed = check_group::update(next, name, edits, &mut errs)
            }
            Change::DeleteGroup { name } => check_group::delete(next, name, &mut errs),
            Change::SetManaged { group, managed } => {
                check_group::set_managed(next, group, *managed, &mut errs)
            }
            Change::SetSuspended { group, suspended } => {
                check_group::set_suspended(next, group, *suspended, &mut errs)
            }
            Change::CreateResource {
                name,
                group,
                type_name,
                edits,
                enabled,
            } => {
                changed =
                    check_resource::create(next, name, group, type_name, edits, *enabled, &mut errs)
            }
            Change::UpdateResource { name, edits } => {
                changed = check_resource::update(next, name, edits, runtime, &mut errs)
            }
            Change::DeleteResource { name } => check_resource::delete(next, name, &mut errs),
            Change::SetEnabled {
                resource,
                nodes,
                enabled,
            } => check_resource::set_switch(
                next,
                resource,
                nodes.as_deref(),
                *enabled,
                true,
                &mut errs,
            ),
            Change::SetMonitored {
                resource,
                nodes,
                monitored,
            } => check_resource::set_switch(
                next,
                resource,
                nodes.as_deref(),
                *monitored,
                false,
                &mut errs,
            ),
        }
        if errs.is_empty() && touches_dependencies(change) {
            let scope = CycleScope::of(change, next);
            check_cycles(next, &scope, &mut errs);
        }
        (changed, errs)
    }

    /// Checks `changes` made one after the other (one refused is left out of what the next are
    /// checked against), then puts everything back: every problem of every change, at the
    /// cost of what they touch.
    pub fn check_all(
        &mut self,
        changes: &[Change],
        runtime: &dyn RuntimeView,
    ) -> Result<(), ConfigErrors> {
        #[cfg(debug_assertions)]
        let before = self.clone();
        let mut errors = ConfigErrors::default();
        let mut undo = Vec::new();
        for c in changes {
            let u = Undo::before(self, c);
            let (_, errs) = self.edit(c, runtime);
            if errs.is_empty() {
                undo.push(u);
            } else {
                u.restore(self);
                errors.0.extend(errs.0);
            }
        }
        for u in undo.into_iter().rev() {
            u.restore(self);
        }
        #[cfg(debug_assertions)]
        debug_assert!(before == *self, "check_all put everything back");
        errors.into_result(())
    }

    /// Checks a whole configuration by every rule a change is checked by: each group, each
    /// resource, and the dependency cycles. For configurations that did not come through
    /// [`ClusterConfig::plan`] (a store read back from disk).
    pub fn check(&self) -> Result<(), ConfigErrors> {
        let mut errs = ConfigErrors::default();
        for g in self.groups.keys() {
            check_group::check_group(self, g, &mut errs);
        }
        for r in self.resources.keys() {
            check_resource::check_resource(self, r, &mut errs);
        }
        check_cycles(self, &CycleScope::ALL, &mut errs);
        // A rule that involves two objects is met from both sides: say it once.
        let mut unique: Vec<ConfigError> = Vec::new();
        for e in errs.0 {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        ConfigErrors(unique).into_result(())
    }

    /// Checks and applies a change in place, all or nothing: the objects the change may touch
    /// are kept aside first and put back when it is refused, so a change of one object costs
    /// that object, not a copy of the whole configuration. Returns the properties it sets.
    pub fn apply(
        &mut self,
        change: &Change,
        runtime: &dyn RuntimeView,
    ) -> Result<Vec<String>, ConfigErrors> {
        #[cfg(debug_assertions)]
        let expected = self.plan(change, runtime);
        let undo = Undo::before(self, change);
        let (changed, errs) = self.edit(change, runtime);
        let result = if errs.is_empty() {
            Ok(changed)
        } else {
            undo.restore(self);
            Err(errs)
        };
        #[cfg(debug_assertions)]
        match (&expected, &result) {
            (Ok(plan), Ok(_)) => debug_assert!(plan.next == *self, "{change:?} in place"),
            (Err(a), Err(b)) => debug_assert_eq!(a, b),
            _ => panic!("{change:?}: in place and planned disagree"),
        }
        result
    }
}

/// The configuration objects that changed since they were last taken
/// ([`Engine::take_config_changes`](crate::engine::Engine::take_config_changes)): what the
/// daemon must write, at a cost proportional to what changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigChanges {
    /// Something not told object by object changed (a node, a type): compare everything.
    pub whole: bool,
    pub groups: BTreeSet<String>,
    pub resources: BTreeSet<String>,
}

impl ConfigChanges {
    pub fn is_empty(&self) -> bool {
        !self.whole && self.groups.is_empty() && self.resources.is_empty()
    }

    /// Adds what `other` names.
    pub fn merge(&mut self, other: ConfigChanges) {
        self.whole |= other.whole;
        self.groups.extend(other.groups);
        self.resources.extend(other.resources);
    }

    /// Adds what a change applied to `before` touched ([`touched`]; `None`: anything).
    pub(crate) fn note(&mut self, touched: Option<Touched>) {
        match touched {
            Some((groups, resources)) => {
                self.groups.extend(groups);
                self.resources.extend(resources);
            }
            None => self.whole = true,
        }
    }
}

/// The last configuration changes, numbered: for a reader that keeps something derived from the
/// configuration (rgmd's size of the view) to bring it up to date at the cost of what changed.
#[derive(Debug, Clone)]
pub(crate) struct ConfigLog {
    /// Which log this is: generations of two engines are not comparable.
    instance: u64,
    generation: u64,
    /// (generation, what the change touched; `None`: anything).
    recent: std::collections::VecDeque<(u64, Option<Touched>)>,
}

/// A configuration's place in the changes of one engine (`ConfigLog`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigVersion {
    instance: u64,
    generation: u64,
}

impl Default for ConfigLog {
    fn default() -> ConfigLog {
        static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        ConfigLog {
            instance: INSTANCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            generation: 0,
            recent: Default::default(),
        }
    }
}

impl ConfigLog {
    const KEPT: usize = 64;

    pub(crate) fn instance(&self) -> u64 {
        self.instance
    }

    pub(crate) fn version(&self) -> ConfigVersion {
        ConfigVersion {
            instance: self.instance,
            generation: self.generation,
        }
    }

    pub(crate) fn push(&mut self, touched: Option<Touched>) {
        self.generation += 1;
        if self.recent.len() == Self::KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back((self.generation, touched));
    }

    /// What changed after generation `since`; `None` when that is no longer known or a change
    /// may have touched anything.
    pub(crate) fn since(&self, since: ConfigVersion) -> Option<ConfigChanges> {
        if since.instance != self.instance || since.generation > self.generation {
            return None;
        }
        let since = since.generation;
        let mut out = ConfigChanges::default();
        let mut next = since + 1;
        for (g, touched) in &self.recent {
            if *g < next {
                continue;
            }
            if *g != next {
                return None;
            }
            out.note(touched.clone());
            next += 1;
        }
        (next == self.generation + 1 && !out.whole).then_some(out)
    }
}

/// What a change may modify, kept to be put back if it is refused.
enum Undo {
    /// The objects of one change (`None`: absent before).
    Objects {
        groups: Vec<(String, Option<ResourceGroup>)>,
        resources: Vec<(String, Option<Resource>)>,
    },
    /// Rare changes (nodes, types) keep the whole configuration.
    Whole(Box<ClusterConfig>),
}

/// The groups and resources a change touched.
pub(crate) type Touched = (Vec<String>, Vec<String>);

/// The groups and resources a change may modify (the group of a resource named included);
/// `None` for changes of nodes and types, which may touch anything.
pub(crate) fn touched(cfg: &ClusterConfig, change: &Change) -> Option<Touched> {
    let group_of = |r: &str| cfg.resources.get(r).map(|x| x.group.clone());
    Some(match change {
        Change::CreateGroup { name, .. }
        | Change::UpdateGroup { name, .. }
        | Change::DeleteGroup { name }
        | Change::SetManaged { group: name, .. }
        | Change::SetSuspended { group: name, .. } => (vec![name.clone()], vec![]),
        Change::CreateResource { name, group, .. } => {
            let mut groups = vec![group.clone()];
            groups.extend(group_of(name).filter(|g| g != group));
            (groups, vec![name.clone()])
        }
        Change::UpdateResource { name, .. }
        | Change::DeleteResource { name }
        | Change::SetEnabled { resource: name, .. }
        | Change::SetMonitored { resource: name, .. } => {
            (group_of(name).into_iter().collect(), vec![name.clone()])
        }
        Change::AddNode { .. }
        | Change::RemoveNode { .. }
        | Change::RegisterType { .. }
        | Change::UpdateType { .. }
        | Change::UnregisterType { .. } => return None,
    })
}

impl Undo {
    fn before(cfg: &ClusterConfig, change: &Change) -> Undo {
        match touched(cfg, change) {
            None => Undo::Whole(Box::new(cfg.clone())),
            Some((groups, resources)) => Undo::Objects {
                groups: groups
                    .into_iter()
                    .map(|g| {
                        let before = cfg.groups.get(&g).cloned();
                        (g, before)
                    })
                    .collect(),
                resources: resources
                    .into_iter()
                    .map(|r| {
                        let before = cfg.resources.get(&r).cloned();
                        (r, before)
                    })
                    .collect(),
            },
        }
    }

    fn restore(self, cfg: &mut ClusterConfig) {
        match self {
            Undo::Whole(before) => *cfg = *before,
            Undo::Objects { groups, resources } => {
                for (name, before) in groups {
                    match before {
                        Some(g) => cfg.groups.insert(name, g),
                        None => cfg.groups.remove(&name),
                    };
                }
                for (name, before) in resources {
                    match before {
                        Some(r) => cfg.resources.insert(name, r),
                        None => cfg.resources.remove(&name),
                    };
                }
            }
        }
    }
}

fn touches_dependencies(change: &Change) -> bool {
    matches!(
        change,
        Change::CreateGroup { .. }
            | Change::UpdateGroup { .. }
            | Change::CreateResource { .. }
            | Change::UpdateResource { .. }
    )
}

fn check_cycles(next: &ClusterConfig, scope: &CycleScope, errs: &mut ConfigErrors) {
    if scope.resources
        && let Some(cycle) = DependencyGraph::build(next).find_cycle()
    {
        let first = cycle[0].clone();
        errs.push(ConfigError::new(
            Object::Resource(first),
            ErrorKind::DependencyCycle { cycle },
        ));
    }
    if scope.groups
        && let Some(cycle) = RgGraph::build(next).find_cycle()
    {
        let first = cycle[0].clone();
        errs.push(ConfigError::new(
            Object::ResourceGroup(first),
            ErrorKind::DependencyCycle { cycle },
        ));
    }
}

/// A short description of a change, for the log (`resource group rg1 managed`).
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Change::AddNode { name } => format!("node {name} added"),
            Change::RemoveNode { name } => format!("node {name} removed"),
            Change::RegisterType { spec, .. } => format!("resource type {} registered", spec.name),
            Change::UpdateType { name, .. } => format!("resource type {name} updated"),
            Change::UnregisterType { name } => format!("resource type {name} unregistered"),
            Change::CreateGroup { name, .. } => format!("resource group {name} created"),
            Change::UpdateGroup { name, edits } => format!(
                "resource group {name} set {}",
                edits
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Change::DeleteGroup { name } => format!("resource group {name} deleted"),
            Change::SetManaged { group, managed } => {
                format!(
                    "resource group {group} {}",
                    if *managed { "managed" } else { "unmanaged" }
                )
            }
            Change::SetSuspended { group, suspended } => {
                format!(
                    "resource group {group} {}",
                    if *suspended { "suspended" } else { "resumed" }
                )
            }
            Change::CreateResource {
                name,
                group,
                type_name,
                ..
            } => {
                format!("resource {name} of type {type_name} created in resource group {group}")
            }
            Change::UpdateResource { name, edits } => format!(
                "resource {name} set {}",
                edits
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Change::DeleteResource { name } => format!("resource {name} deleted"),
            Change::SetEnabled {
                resource,
                nodes,
                enabled,
            } => format!(
                "resource {resource} {}{}",
                if *enabled { "enabled" } else { "disabled" },
                nodes
                    .as_ref()
                    .map(|n| format!(" on {}", n.join(", ")))
                    .unwrap_or_default()
            ),
            Change::SetMonitored {
                resource,
                nodes,
                monitored,
            } => format!(
                "resource {resource} {}{}",
                if *monitored {
                    "monitored"
                } else {
                    "unmonitored"
                },
                nodes
                    .as_ref()
                    .map(|n| format!(" on {}", n.join(", ")))
                    .unwrap_or_default()
            ),
        };
        f.write_str(&text)
    }
}
