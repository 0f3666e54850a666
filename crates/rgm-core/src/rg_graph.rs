//! The group-level graph: `RG_dependencies` and `RG_affinities` between resource groups.
//! Edges point from the group that has the property to the group it names.

use std::collections::HashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::config::ClusterConfig;
use crate::deps::AffinityKind;

/// What links two groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RgEdge {
    /// The source lists the target in `RG_dependencies`.
    Dependency,
    /// The source lists the target in `RG_affinities`.
    Affinity(AffinityKind),
    /// A resource of the source has a strong, restart or offline_restart dependency on a
    /// resource of the target.
    ResourceDependency,
}

/// The graph of every group in a configuration.
#[derive(Debug, Clone)]
pub struct RgGraph {
    graph: DiGraph<String, RgEdge>,
    index: HashMap<String, NodeIndex>,
}

impl RgGraph {
    /// Builds the graph; references to groups that do not exist are left out.
    pub fn build(cfg: &ClusterConfig) -> RgGraph {
        let mut graph = DiGraph::new();
        let mut index = HashMap::new();
        for name in cfg.groups.keys() {
            index.insert(name.clone(), graph.add_node(name.clone()));
        }
        for g in cfg.groups.values() {
            let from = index[&g.name];
            for dep in g.rg_dependencies() {
                if let Some(&to) = index.get(&dep) {
                    graph.add_edge(from, to, RgEdge::Dependency);
                }
            }
            for a in g.rg_affinities() {
                if let Some(&to) = index.get(&a.group) {
                    graph.add_edge(from, to, RgEdge::Affinity(a.kind));
                }
            }
        }
        let mut rg = RgGraph { graph, index };
        for r in cfg.resources.values() {
            rg.add_resource_edges(cfg, r);
        }
        rg
    }

    /// The graph after `resource` was created: the edges of its hard dependencies on other
    /// groups' resources, at the cost of the one resource.
    pub fn resource_created(&mut self, cfg: &ClusterConfig, resource: &str) {
        if let Some(r) = cfg.resources.get(resource) {
            self.add_resource_edges(cfg, r);
        }
    }

    fn add_resource_edges(&mut self, cfg: &ClusterConfig, r: &crate::config::Resource) {
        let Some(&from) = self.index.get(&r.group) else {
            return;
        };
        for kind in crate::deps::DependencyKind::ALL {
            if !kind.is_hard() {
                continue;
            }
            for entry in r.dependencies(kind) {
                let Some(target) = cfg.resources.get(&entry.resource) else {
                    continue;
                };
                if target.group != r.group
                    && let Some(&to) = self.index.get(&target.group)
                {
                    self.graph.add_edge(from, to, RgEdge::ResourceDependency);
                }
            }
        }
    }

    /// Every edge as (from, to, edge), sorted.
    #[cfg(any(test, debug_assertions))]
    pub(crate) fn edge_set(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    self.graph[e.source()].clone(),
                    self.graph[e.target()].clone(),
                    format!("{:?}", e.weight()),
                )
            })
            .collect();
        v.sort();
        v
    }

    /// A cycle through RG_dependencies and strong affinities (`++`, `+++`, `--`), which
    /// together must be acyclic (reference §f.3). A cycle of strong affinities contradicts
    /// itself on some node (`a ++b` with `b --a`) or leaves no group the right to stay (a ring
    /// of `--`), so placement could never settle; a mutual exclusion is written on one side.
    /// A cycle that also runs through hard resource dependencies between groups (`a` waits for
    /// `b` online by RG_dependencies or `++`, while a resource of `b` needs one of `a`) could
    /// never come online either: rgm refuses it too.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        let ordering = |e: &RgEdge| match e {
            RgEdge::Dependency | RgEdge::ResourceDependency => true,
            RgEdge::Affinity(k) => k.is_strong_positive() || *k == AffinityKind::StrongNegative,
        };
        // Resource dependencies alone between groups may go both ways (each resource waits
        // only for the one it names): only a cycle through a group-level edge is refused.
        let group_level = |e: &RgEdge| !matches!(e, RgEdge::ResourceDependency) && ordering(e);
        crate::cycle::find_cycle_through(&self.graph, ordering, group_level)
    }

    /// The groups `group` names, with how.
    pub fn targets_of(&self, group: &str) -> Vec<(&str, RgEdge)> {
        self.neighbours(group, Direction::Outgoing)
    }

    /// The groups that name `group`, with how.
    pub fn sources_of(&self, group: &str) -> Vec<(&str, RgEdge)> {
        self.neighbours(group, Direction::Incoming)
    }

    fn neighbours(&self, group: &str, dir: Direction) -> Vec<(&str, RgEdge)> {
        let Some(&ix) = self.index.get(group) else {
            return Vec::new();
        };
        self.graph
            .edges_directed(ix, dir)
            .map(|e| {
                let other = if dir == Direction::Outgoing {
                    e.target()
                } else {
                    e.source()
                };
                (self.graph[other].as_str(), *e.weight())
            })
            .collect()
    }
}
