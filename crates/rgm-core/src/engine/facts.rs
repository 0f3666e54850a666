//! Facts derived from the configuration that the engine reads on every event — a group's
//! Nodelist, primaries, dependencies and affinities; the methods each resource's type declares —
//! computed once per configuration change instead of parsed from property values each time.

use rtreg::Method;

use crate::config::{ClusterConfig, NodeSwitch, Resource};
use crate::deps::Affinity;
use crate::fxhash::FxMap;

/// What the engine needs of a group's properties.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupFacts {
    pub managed: bool,
    /// Resource_list.
    pub members: Vec<String>,
    pub nodelist: Vec<String>,
    pub maximum_primaries: i64,
    pub desired_primaries: i64,
    pub scalable: bool,
    pub rg_dependencies: Vec<String>,
    pub rg_affinities: Vec<Affinity>,
    /// Groups that list this one in RG_dependencies.
    pub rg_dependents: Vec<String>,
    /// Groups that name this one in RG_affinities.
    pub affine_sources: Vec<String>,
    /// Other groups holding a resource that depends on a resource of this one: what this
    /// group's targets decide for them (offline_restart) and what they decide for its stops.
    pub resource_dependents: Vec<String>,
}

/// What the engine needs of a resource's configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceFacts {
    pub group: String,
    pub enabled: NodeSwitch,
    pub monitored: NodeSwitch,
    pub methods: MethodSet,
}

/// The set of methods a resource's type declares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MethodSet(u16);

impl MethodSet {
    fn bit(m: Method) -> u16 {
        1 << Method::ALL.iter().position(|x| *x == m).unwrap_or(0)
    }

    pub fn has(self, m: Method) -> bool {
        self.0 & MethodSet::bit(m) != 0
    }
}

impl ResourceFacts {
    fn of(cfg: &ClusterConfig, r: &Resource) -> ResourceFacts {
        let methods = cfg
            .types
            .get(&r.type_name)
            .map(|t| {
                t.spec
                    .methods
                    .keys()
                    .fold(0u16, |acc, m| acc | MethodSet::bit(*m))
            })
            .unwrap_or(0);
        ResourceFacts {
            group: r.group.clone(),
            enabled: r.enabled.clone(),
            monitored: r.monitored.clone(),
            methods: MethodSet(methods),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub groups: FxMap<String, GroupFacts>,
    pub resources: FxMap<String, ResourceFacts>,
    /// Cluster node names in id order.
    pub node_names: Vec<String>,
    /// Small numbers for names, so that per-pass memos need no allocation.
    pub resource_ids: FxMap<String, u32>,
    pub group_ids: FxMap<String, u32>,
    pub node_ids: FxMap<String, u16>,
}

impl Facts {
    pub fn of(cfg: &ClusterConfig) -> Facts {
        let mut groups: FxMap<String, GroupFacts> = cfg
            .groups
            .values()
            .map(|g| {
                let facts = GroupFacts {
                    managed: g.managed,
                    members: g.resources.clone(),
                    nodelist: g.nodelist(),
                    maximum_primaries: g.maximum_primaries(),
                    desired_primaries: g.desired_primaries(),
                    scalable: g.is_scalable(),
                    rg_dependencies: g.rg_dependencies(),
                    rg_affinities: g.rg_affinities(),
                    rg_dependents: Vec::new(),
                    affine_sources: Vec::new(),
                    resource_dependents: Vec::new(),
                };
                (g.name.clone(), facts)
            })
            .collect();
        let links: Vec<(String, Vec<String>, Vec<String>)> = groups
            .iter()
            .map(|(name, f)| {
                let targets = f.rg_affinities.iter().map(|a| a.group.clone()).collect();
                (name.clone(), f.rg_dependencies.clone(), targets)
            })
            .collect();
        for (source, deps, targets) in links {
            for d in deps {
                if let Some(f) = groups.get_mut(&d) {
                    f.rg_dependents.push(source.clone());
                }
            }
            for t in targets {
                if let Some(f) = groups.get_mut(&t) {
                    f.affine_sources.push(source.clone());
                }
            }
        }
        for r in cfg.resources.values() {
            for kind in crate::deps::DependencyKind::ALL {
                for entry in r.dependencies(kind) {
                    let Some(target) = cfg.resources.get(&entry.resource) else {
                        continue;
                    };
                    if target.group != r.group
                        && let Some(f) = groups.get_mut(&target.group)
                    {
                        f.resource_dependents.push(r.group.clone());
                    }
                }
            }
        }
        for f in groups.values_mut() {
            f.rg_dependents.sort();
            f.affine_sources.sort();
            f.resource_dependents.sort();
            f.resource_dependents.dedup();
        }
        let resources = cfg
            .resources
            .values()
            .map(|r| (r.name.clone(), ResourceFacts::of(cfg, r)))
            .collect();
        let node_names = cfg.node_names();
        Facts {
            groups,
            resources,
            resource_ids: cfg
                .resources
                .keys()
                .zip(0..)
                .map(|(k, i)| (k.clone(), i))
                .collect(),
            group_ids: cfg
                .groups
                .keys()
                .zip(0..)
                .map(|(k, i)| (k.clone(), i))
                .collect(),
            node_ids: node_names
                .iter()
                .zip(0..)
                .map(|(k, i)| (k.clone(), i))
                .collect(),
            node_names,
        }
    }

    /// The facts after `resource` was created (in a group that exists): what
    /// [`Facts::of`] would give, at the cost of the one resource.
    pub fn resource_created(&mut self, cfg: &ClusterConfig, resource: &str) {
        let Some(r) = cfg.resources.get(resource) else {
            return;
        };
        if let (Some(f), Some(g)) = (self.groups.get_mut(&r.group), cfg.groups.get(&r.group)) {
            f.members = g.resources.clone();
        }
        for kind in crate::deps::DependencyKind::ALL {
            for entry in r.dependencies(kind) {
                let Some(target) = cfg.resources.get(&entry.resource) else {
                    continue;
                };
                if target.group != r.group
                    && let Some(f) = self.groups.get_mut(&target.group)
                    && let Err(at) = f.resource_dependents.binary_search(&r.group)
                {
                    f.resource_dependents.insert(at, r.group.clone());
                }
            }
        }
        self.resources
            .insert(r.name.clone(), ResourceFacts::of(cfg, r));
        let id = self.resource_ids.len() as u32;
        self.resource_ids.entry(r.name.clone()).or_insert(id);
    }

    /// The facts after a group was managed or unmanaged (or suspended or resumed).
    pub fn group_flags_changed(&mut self, cfg: &ClusterConfig, group: &str) {
        if let (Some(f), Some(g)) = (self.groups.get_mut(group), cfg.groups.get(group)) {
            f.managed = g.managed;
        }
    }

    /// The facts after a resource's On_off_switch or Monitored_switch changed.
    pub fn switches_changed(&mut self, cfg: &ClusterConfig, resource: &str) {
        if let (Some(f), Some(r)) = (
            self.resources.get_mut(resource),
            cfg.resources.get(resource),
        ) {
            f.enabled = r.enabled.clone();
            f.monitored = r.monitored.clone();
        }
    }

    /// Everything but the ids, in a stable order: what two facts of one configuration share.
    #[cfg(debug_assertions)]
    pub fn summary(&self) -> String {
        let groups: std::collections::BTreeMap<_, _> = self
            .groups
            .iter()
            .map(|(k, v)| (k, format!("{v:?}")))
            .collect();
        let resources: std::collections::BTreeMap<_, _> = self
            .resources
            .iter()
            .map(|(k, v)| (k, format!("{v:?}")))
            .collect();
        let mut ids: Vec<&String> = self.resource_ids.keys().collect();
        ids.sort();
        format!("{groups:?}\n{resources:?}\n{ids:?}\n{:?}", self.node_names)
    }

    pub fn group(&self, g: &str) -> Option<&GroupFacts> {
        self.groups.get(g)
    }

    pub fn resource(&self, r: &str) -> Option<&ResourceFacts> {
        self.resources.get(r)
    }

    /// The memo key of a resource (or group) on a node.
    pub fn key(&self, resource: &str, node: &str) -> Option<(u32, u16)> {
        Some((*self.resource_ids.get(resource)?, *self.node_ids.get(node)?))
    }

    pub fn group_key(&self, group: &str, node: &str) -> Option<(u32, u16)> {
        Some((*self.group_ids.get(group)?, *self.node_ids.get(node)?))
    }
}
