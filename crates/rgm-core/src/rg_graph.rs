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
        RgGraph { graph, index }
    }

    /// A cycle through RG_dependencies and strong affinities (`++`, `+++`, `--`), which
    /// together must be acyclic (reference §f.3). A cycle of strong affinities contradicts
    /// itself on some node (`a ++b` with `b --a`) or leaves no group the right to stay (a ring
    /// of `--`), so placement could never settle; a mutual exclusion is written on one side.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        crate::cycle::find_cycle(&self.graph, |e| match e {
            RgEdge::Dependency => true,
            RgEdge::Affinity(k) => k.is_strong_positive() || *k == AffinityKind::StrongNegative,
        })
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
