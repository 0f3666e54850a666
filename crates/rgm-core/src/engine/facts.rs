//! Facts derived from the configuration that the engine reads on every event — a group's
//! Nodelist, primaries, dependencies and affinities; the methods each resource's type declares —
//! computed once per configuration change instead of parsed from property values each time.
//! Resources and nodes are numbered with the runtime's ids ([`Names`]), so that the hot paths
//! find a resource's facts and its records on a node by index.

use rtreg::Method;

use crate::config::{ClusterConfig, NodeSwitch, Resource};
use crate::deps::{Affinity, DependencyKind};
use crate::engine::runtime::Names;
use crate::fxhash::FxMap;
use crate::graph::{DependencyGraph, EffectiveScope};

/// What the engine needs of a group's properties.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupFacts {
    pub managed: bool,
    /// Resource_list.
    pub members: Vec<String>,
    /// Resource_list, by resource id.
    pub member_ids: Vec<u32>,
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
    /// Its group's id ([`Facts::group_key`]).
    pub group_id: u32,
    pub enabled: NodeSwitch,
    pub monitored: NodeSwitch,
    pub methods: MethodSet,
    /// What it depends on, in the dependency graph's order.
    pub deps: Vec<Dep>,
    /// Its group and the groups of what it depends on and of what depends on it: what a
    /// change of its state may unblock. Sorted.
    pub linked_groups: Vec<String>,
}

/// One dependency of a resource, by ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dep {
    /// The resource depended on.
    pub id: u32,
    pub kind: DependencyKind,
    pub scope: EffectiveScope,
    /// `r@node`: the only node (id) it applies on.
    pub node: Option<u32>,
    /// The resource depended on is in the same group.
    pub same_group: bool,
}

impl Dep {
    pub fn applies_on(&self, node: u32) -> bool {
        self.node.is_none_or(|n| n == node)
    }
}

/// The groups of `r` and of its neighbours in the graph, sorted.
fn linked_groups(cfg: &ClusterConfig, graph: &DependencyGraph, r: &Resource) -> Vec<String> {
    let mut groups = vec![r.group.clone()];
    let neighbours = graph
        .dependents_of(&r.name)
        .into_iter()
        .chain(graph.dependencies_of(&r.name));
    for (d, _, _) in neighbours {
        if let Some(x) = cfg.resources.get(d) {
            groups.push(x.group.clone());
        }
    }
    groups.sort();
    groups.dedup();
    groups
}

/// The dependencies of `r` as the graph has them, by the ids of `names`.
fn deps_of(
    cfg: &ClusterConfig,
    graph: &DependencyGraph,
    r: &Resource,
    names: (&mut Names, &mut Names),
) -> Vec<Dep> {
    let (res_names, node_names) = names;
    graph
        .dependencies_of(&r.name)
        .into_iter()
        .map(|(d, edge, scope)| Dep {
            id: res_names.intern(d),
            kind: edge.kind,
            scope,
            node: edge.node.as_deref().map(|n| node_names.intern(n)),
            same_group: cfg.resources.get(d).is_some_and(|x| x.group == r.group),
        })
        .collect()
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
    fn of(
        cfg: &ClusterConfig,
        graph: &DependencyGraph,
        r: &Resource,
        group_id: u32,
        deps: Vec<Dep>,
    ) -> ResourceFacts {
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
            group_id,
            enabled: r.enabled.clone(),
            monitored: r.monitored.clone(),
            methods: MethodSet(methods),
            deps,
            linked_groups: linked_groups(cfg, graph, r),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub groups: FxMap<String, GroupFacts>,
    /// By resource id (the runtime's); `None` for ids of resources not configured.
    resources: Vec<Option<ResourceFacts>>,
    /// Cluster node names in name order.
    pub node_names: Vec<String>,
    /// Cluster node ids (the runtime's), in the order of `node_names`.
    pub nodes: Vec<u32>,
    /// The runtime's ids of the configured resources and the cluster nodes.
    resource_ids: FxMap<String, u32>,
    node_ids: FxMap<String, u32>,
    /// Small numbers for group names, so that per-pass memos need no allocation.
    group_ids: FxMap<String, u32>,
}

impl Facts {
    /// The facts of a configuration; resources and nodes get their ids from `names`
    /// (resources, nodes), new names being added.
    pub fn of(
        cfg: &ClusterConfig,
        graph: &DependencyGraph,
        names: (&mut Names, &mut Names),
    ) -> Facts {
        let (res_names, node_names_ix) = names;
        let group_ids: FxMap<String, u32> = cfg
            .groups
            .keys()
            .zip(0..)
            .map(|(k, i)| (k.clone(), i))
            .collect();
        let resource_ids: FxMap<String, u32> = cfg
            .resources
            .keys()
            .map(|k| (k.clone(), res_names.intern(k)))
            .collect();
        let mut groups: FxMap<String, GroupFacts> = cfg
            .groups
            .values()
            .map(|g| {
                let facts = GroupFacts {
                    managed: g.managed,
                    members: g.resources.clone(),
                    member_ids: g
                        .resources
                        .iter()
                        .filter_map(|r| resource_ids.get(r).copied())
                        .collect(),
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
        let mut resources: Vec<Option<ResourceFacts>> = Vec::new();
        resources.resize_with(res_names.len(), || None);
        for r in cfg.resources.values() {
            let group_id = group_ids.get(&r.group).copied().unwrap_or(u32::MAX);
            let deps = deps_of(cfg, graph, r, (&mut *res_names, &mut *node_names_ix));
            let at = resource_ids[&r.name] as usize;
            if resources.len() <= at {
                resources.resize_with(at + 1, || None);
            }
            resources[at] = Some(ResourceFacts::of(cfg, graph, r, group_id, deps));
        }
        let node_names = cfg.node_names();
        let nodes: Vec<u32> = node_names.iter().map(|n| node_names_ix.intern(n)).collect();
        Facts {
            groups,
            resources,
            node_ids: node_names
                .iter()
                .cloned()
                .zip(nodes.iter().copied())
                .collect(),
            node_names,
            nodes,
            resource_ids,
            group_ids,
        }
    }

    /// The facts after `resource` was created (in a group that exists): what
    /// [`Facts::of`] would give, at the cost of the one resource.
    /// The graph has the resource already.
    pub fn resource_created(
        &mut self,
        cfg: &ClusterConfig,
        graph: &DependencyGraph,
        resource: &str,
        names: (&mut Names, &mut Names),
    ) {
        let Some(r) = cfg.resources.get(resource) else {
            return;
        };
        let (res_names, node_names) = names;
        let id = res_names.intern(&r.name);
        self.resource_ids.insert(r.name.clone(), id);
        if let (Some(f), Some(g)) = (self.groups.get_mut(&r.group), cfg.groups.get(&r.group)) {
            f.members = g.resources.clone();
            f.member_ids = g
                .resources
                .iter()
                .filter_map(|m| self.resource_ids.get(m).copied())
                .collect();
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
        let group_id = self.group_ids.get(&r.group).copied().unwrap_or(u32::MAX);
        if self.resources.len() <= id as usize {
            self.resources.resize_with(id as usize + 1, || None);
        }
        let deps = deps_of(cfg, graph, r, (&mut *res_names, &mut *node_names));
        self.resources[id as usize] = Some(ResourceFacts::of(cfg, graph, r, group_id, deps));
        // Implicit network dependencies may have given the other members new dependencies,
        // and what it depends on has a new dependent.
        let mut touched: Vec<String> = cfg
            .groups
            .get(&r.group)
            .map(|g| g.resources.clone())
            .unwrap_or_default();
        touched.extend(
            graph
                .dependencies_of(&r.name)
                .into_iter()
                .map(|(d, _, _)| d.to_string()),
        );
        for m in touched {
            let (Some(x), Some(at)) = (cfg.resources.get(&m), self.resource_ids.get(&m)) else {
                continue;
            };
            let deps = deps_of(cfg, graph, x, (&mut *res_names, &mut *node_names));
            if let Some(Some(f)) = self.resources.get_mut(*at as usize) {
                f.deps = deps;
                f.linked_groups = linked_groups(cfg, graph, x);
            }
        }
    }

    /// The facts after a group was managed or unmanaged (or suspended or resumed).
    pub fn group_flags_changed(&mut self, cfg: &ClusterConfig, group: &str) {
        if let (Some(f), Some(g)) = (self.groups.get_mut(group), cfg.groups.get(group)) {
            f.managed = g.managed;
        }
    }

    /// The facts after a resource's On_off_switch or Monitored_switch changed.
    pub fn switches_changed(&mut self, cfg: &ClusterConfig, resource: &str) {
        let at = self.resource_ids.get(resource).map(|id| *id as usize);
        if let (Some(Some(f)), Some(r)) = (
            at.and_then(|at| self.resources.get_mut(at)),
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
            .resource_ids
            .keys()
            .filter_map(|k| {
                let mut f = self.resource(k)?.clone();
                f.deps.sort_by_key(|d| format!("{d:?}"));
                Some((k, format!("{f:?}")))
            })
            .collect();
        let mut ids: Vec<&String> = self.resource_ids.keys().collect();
        ids.sort();
        format!("{groups:?}\n{resources:?}\n{ids:?}\n{:?}", self.node_names)
    }

    pub fn group(&self, g: &str) -> Option<&GroupFacts> {
        self.groups.get(g)
    }

    pub fn resource(&self, r: &str) -> Option<&ResourceFacts> {
        self.res(*self.resource_ids.get(r)?)
    }

    /// A configured resource's facts, by id.
    pub fn res(&self, id: u32) -> Option<&ResourceFacts> {
        self.resources.get(id as usize)?.as_ref()
    }

    /// The id of a configured resource.
    pub fn res_id(&self, r: &str) -> Option<u32> {
        self.resource_ids.get(r).copied()
    }

    /// The ids of a resource (or group) on a node.
    pub fn key(&self, resource: &str, node: &str) -> Option<(u32, u32)> {
        Some((*self.resource_ids.get(resource)?, *self.node_ids.get(node)?))
    }

    /// The id of a group ([`Facts::group_key`]).
    pub fn group_id(&self, group: &str) -> Option<u32> {
        self.group_ids.get(group).copied()
    }

    pub fn group_key(&self, group: &str, node: &str) -> Option<(u32, u32)> {
        Some((*self.group_ids.get(group)?, *self.node_ids.get(node)?))
    }
}
