//! The resource dependency graph (petgraph): the four dependency kinds with their scopes and
//! per-node forms, implicit network dependencies, cycle detection, and the queries the engine
//! and the commands ask — start and stop order on a node, dependents affected by a restart or
//! an offline, whether dependencies are satisfied on a node.
//!
//! Edges point from the dependent to the resource it depends on.

use std::collections::{HashSet, VecDeque};

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::config::ClusterConfig;
use crate::deps::{DependencyKind, Scope};
use crate::fxhash::FxMap;

/// One dependency edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepEdge {
    pub kind: DependencyKind,
    pub scope: Scope,
    /// `r@node`: applies only on this node.
    pub node: Option<String>,
    /// Added by `Implicit_network_dependencies`, not written by the administrator.
    pub implicit: bool,
}

impl DepEdge {
    pub fn applies_on(&self, node: &str) -> bool {
        self.node.as_deref().is_none_or(|n| n == node)
    }
}

/// How a dependency's scope resolves for a pair of resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectiveScope {
    /// Only the instance on the same node counts.
    Local,
    /// An instance on any node counts.
    Any,
    /// Local when the depended-on resource's group is active on the node, else any node
    /// (a FROM_RG_AFFINITIES dependency across a weak positive affinity).
    LocalIfColocated,
}

/// What the graph needs to know of the cluster's runtime state.
pub trait StateView {
    /// Whether the resource has started on the node (ONLINE, ONLINE_NOT_MONITORED or
    /// MONITOR_FAILED: its START succeeded and it has not been stopped).
    fn is_online(&self, resource: &str, node: &str) -> bool;
    /// Whether the resource is online on some node.
    fn is_online_anywhere(&self, resource: &str) -> bool;
    /// Whether the group is online or coming online on the node.
    fn group_active_on(&self, group: &str, node: &str) -> bool;
}

/// The dependency graph of every resource in a configuration.
#[derive(Debug, Clone)]
pub struct DependencyGraph {
    graph: DiGraph<String, DepEdge>,
    index: FxMap<String, NodeIndex>,
    group_of: Vec<String>,
    /// Scope resolution per edge, computed once from groups and affinities.
    resolved: FxMap<EdgeIndex, EffectiveScope>,
}

impl DependencyGraph {
    /// Builds the graph. Dependencies on resources that do not exist are left out (the checks
    /// in [`crate::change`] refuse them).
    pub fn build(cfg: &ClusterConfig) -> DependencyGraph {
        let mut graph = DiGraph::with_capacity(cfg.resources.len(), cfg.resources.len());
        let mut index = FxMap::with_capacity_and_hasher(cfg.resources.len(), Default::default());
        let mut group_of = Vec::with_capacity(cfg.resources.len());
        for r in cfg.resources.values() {
            index.insert(r.name.clone(), graph.add_node(r.name.clone()));
            group_of.push(r.group.clone());
        }
        for r in cfg.resources.values() {
            let from = index[&r.name];
            for kind in DependencyKind::ALL {
                for entry in r.dependencies(kind) {
                    if let Some(&to) = index.get(&entry.resource) {
                        let edge = DepEdge {
                            kind,
                            scope: entry.scope,
                            node: entry.node,
                            implicit: false,
                        };
                        graph.add_edge(from, to, edge);
                    }
                }
            }
        }
        add_implicit_network_edges(cfg, &index, &mut graph);
        let mut g = DependencyGraph {
            graph,
            index,
            group_of,
            resolved: FxMap::default(),
        };
        g.resolve_scopes(cfg);
        g
    }

    /// The graph after `resource` was created: its node, its dependencies, the implicit
    /// network dependencies it brings into its group — what [`DependencyGraph::build`] would
    /// give (neighbours may list in another order), at the cost of the one resource.
    pub fn resource_created(&mut self, cfg: &ClusterConfig, resource: &str) {
        let Some(r) = cfg.resources.get(resource) else {
            return;
        };
        if self.index.contains_key(resource) {
            *self = DependencyGraph::build(cfg);
            return;
        }
        let from = self.graph.add_node(r.name.clone());
        self.index.insert(r.name.clone(), from);
        self.group_of.push(r.group.clone());
        let mut added = Vec::new();
        for kind in DependencyKind::ALL {
            for entry in r.dependencies(kind) {
                if let Some(&to) = self.index.get(&entry.resource) {
                    let edge = DepEdge {
                        kind,
                        scope: entry.scope,
                        node: entry.node,
                        implicit: false,
                    };
                    added.push(self.graph.add_edge(from, to, edge));
                }
            }
        }
        if let Some(g) = cfg.groups.get(&r.group)
            && g.implicit_network_dependencies()
            && !g.is_scalable()
        {
            let network = |name: &str| {
                cfg.resources
                    .get(name)
                    .and_then(|x| cfg.types.get(&x.type_name))
                    .is_some_and(|t| t.is_network_address())
            };
            let is_network = network(resource);
            for other in &g.resources {
                if other == resource || network(other) == is_network {
                    continue;
                }
                let Some(&ix) = self.index.get(other) else {
                    continue;
                };
                let (a, b) = if is_network { (ix, from) } else { (from, ix) };
                let edge = DepEdge {
                    kind: DependencyKind::Strong,
                    scope: Scope::LocalNode,
                    node: None,
                    implicit: true,
                };
                added.push(self.graph.add_edge(a, b, edge));
            }
        }
        for e in added {
            let scope = self.resolve(cfg, e);
            self.resolved.insert(e, scope);
        }
    }

    /// Every edge as (from, to, edge, scope), sorted: what two graphs of one configuration
    /// share whatever order they were built in.
    #[cfg(any(test, debug_assertions))]
    pub(crate) fn edge_set(&self) -> Vec<(String, String, String, EffectiveScope)> {
        let mut v: Vec<_> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    self.graph[e.source()].clone(),
                    self.graph[e.target()].clone(),
                    format!("{:?}", e.weight()),
                    self.resolved[&e.id()],
                )
            })
            .collect();
        v.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
        v
    }

    fn resolve_scopes(&mut self, cfg: &ClusterConfig) {
        let edges: Vec<EdgeIndex> = self.graph.edge_indices().collect();
        for e in edges {
            let scope = self.resolve(cfg, e);
            self.resolved.insert(e, scope);
        }
    }

    fn resolve(&self, cfg: &ClusterConfig, e: EdgeIndex) -> EffectiveScope {
        let (source, target) = self.graph.edge_endpoints(e).expect("an edge of the graph");
        let from_group = &self.group_of[source.index()];
        let to_group = &self.group_of[target.index()];
        match self.graph[e].scope {
            Scope::LocalNode => EffectiveScope::Local,
            Scope::AnyNode => EffectiveScope::Any,
            Scope::FromRgAffinities if from_group == to_group => EffectiveScope::Local,
            Scope::FromRgAffinities => {
                let affinity = cfg.groups.get(from_group).and_then(|g| {
                    g.rg_affinities()
                        .into_iter()
                        .find(|a| &a.group == to_group && a.kind.is_positive())
                });
                match affinity {
                    Some(a) if a.kind.is_strong_positive() => EffectiveScope::Local,
                    Some(_) => EffectiveScope::LocalIfColocated,
                    None => EffectiveScope::Any,
                }
            }
        }
    }

    pub fn contains(&self, resource: &str) -> bool {
        self.index.contains_key(resource)
    }

    /// The resources `resource` depends on, with the edge and its resolved scope.
    pub fn dependencies_of(&self, resource: &str) -> Vec<(&str, &DepEdge, EffectiveScope)> {
        self.neighbours(resource, Direction::Outgoing)
    }

    /// The resources that depend on `resource`, with the edge and its resolved scope.
    pub fn dependents_of(&self, resource: &str) -> Vec<(&str, &DepEdge, EffectiveScope)> {
        self.neighbours(resource, Direction::Incoming)
    }

    fn neighbours(&self, resource: &str, dir: Direction) -> Vec<(&str, &DepEdge, EffectiveScope)> {
        let Some(&ix) = self.index.get(resource) else {
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
                (
                    self.graph[other].as_str(),
                    e.weight(),
                    self.resolved[&e.id()],
                )
            })
            .collect()
    }

    /// A dependency cycle, spelled from a resource through what it depends on back to itself
    /// (`db -> app -> db`). Per-node dependencies count only on their node.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        let mut contexts: Vec<Option<&str>> = vec![None];
        let mut seen = HashSet::new();
        for e in self.graph.edge_weights() {
            if let Some(n) = e.node.as_deref()
                && seen.insert(n)
            {
                contexts.push(Some(n));
            }
        }
        contexts.into_iter().find_map(|ctx| {
            crate::cycle::find_cycle(&self.graph, |e: &DepEdge| match (ctx, e.node.as_deref()) {
                (_, None) => true,
                (Some(c), Some(n)) => c == n,
                (None, Some(_)) => false,
            })
        })
    }

    /// The order to start `resources` on `node`, as batches: every resource of a batch may
    /// start in parallel once the batches before it have started. Only dependencies among the
    /// given resources that apply on `node` order them (of every kind, weak included).
    pub fn start_order(&self, resources: &[&str], node: &str) -> Vec<Vec<String>> {
        self.layers(resources, node, Direction::Outgoing)
    }

    /// The order to stop `resources` on `node`: dependents before what they depend on.
    pub fn stop_order(&self, resources: &[&str], node: &str) -> Vec<Vec<String>> {
        self.layers(resources, node, Direction::Incoming)
    }

    fn layers(&self, resources: &[&str], node: &str, wait_for: Direction) -> Vec<Vec<String>> {
        let set: FxMap<NodeIndex, usize> = resources
            .iter()
            .filter_map(|r| self.index.get(*r).copied())
            .enumerate()
            .map(|(i, ix)| (ix, i))
            .collect();
        let mut waiting: FxMap<NodeIndex, usize> =
            FxMap::with_capacity_and_hasher(set.len(), Default::default());
        for &ix in set.keys() {
            let n = self
                .graph
                .edges_directed(ix, wait_for)
                .filter(|e| e.weight().applies_on(node))
                .filter(|e| {
                    let other = if wait_for == Direction::Outgoing {
                        e.target()
                    } else {
                        e.source()
                    };
                    other != ix && set.contains_key(&other)
                })
                .count();
            waiting.insert(ix, n);
        }
        let mut ready: Vec<NodeIndex> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(ix, _)| *ix)
            .collect();
        let mut out = Vec::new();
        let mut done = 0;
        while !ready.is_empty() {
            ready.sort_by_key(|ix| set[ix]);
            let mut next = Vec::new();
            for &ix in &ready {
                for e in self.graph.edges_directed(ix, wait_for.opposite()) {
                    if !e.weight().applies_on(node) {
                        continue;
                    }
                    let other = if wait_for == Direction::Outgoing {
                        e.source()
                    } else {
                        e.target()
                    };
                    if other == ix || !set.contains_key(&other) {
                        continue;
                    }
                    let n = waiting.get_mut(&other).expect("member of the set");
                    *n -= 1;
                    if *n == 0 {
                        next.push(other);
                    }
                }
            }
            done += ready.len();
            out.push(ready.iter().map(|ix| self.graph[*ix].clone()).collect());
            ready = next;
        }
        if done < set.len() {
            // Only a cycle leaves resources waiting; the checks refuse cycles, so this is a
            // configuration from outside them. Keep every resource in the answer regardless.
            let placed: HashSet<&str> = out.iter().flatten().map(String::as_str).collect();
            let rest: Vec<String> = resources
                .iter()
                .filter(|r| self.index.contains_key(**r) && !placed.contains(**r))
                .map(|r| r.to_string())
                .collect();
            out.push(rest);
        }
        out
    }

    /// Whether `resource` may start on `node`: every strong, restart and offline_restart
    /// dependency that applies there is online in its scope. Returns the unsatisfied ones.
    pub fn unsatisfied_on(
        &self,
        cfg: &ClusterConfig,
        resource: &str,
        node: &str,
        state: &impl StateView,
    ) -> Vec<String> {
        self.dependencies_of(resource)
            .into_iter()
            .filter(|(_, e, _)| e.kind.is_hard() && e.applies_on(node))
            .filter(|(dep, _, scope)| !online_in_scope(cfg, dep, node, *scope, state))
            .map(|(dep, _, _)| dep.to_string())
            .collect()
    }

    /// The dependents to restart after `resource` restarts on `node`: those with a restart
    /// dependency on it whose scope covers `node`, and theirs in turn. Each with the node it is
    /// affected on (`None`: every node where it is online).
    pub fn restart_dependents(&self, resource: &str, node: &str) -> Vec<(String, Option<String>)> {
        self.propagate(resource, node, |k| k == DependencyKind::Restart)
    }

    /// The dependents to stop when `resource` goes offline on `node`: those with an
    /// offline_restart dependency on it whose scope covers `node`, and theirs in turn.
    pub fn offline_restart_dependents(
        &self,
        resource: &str,
        node: &str,
    ) -> Vec<(String, Option<String>)> {
        self.propagate(resource, node, |k| k == DependencyKind::OfflineRestart)
    }

    /// The dependents that go down and come back with `resource` when it restarts on `node`:
    /// restart dependents, offline_restart dependents, and theirs in turn.
    pub fn restarted_with(&self, resource: &str, node: &str) -> Vec<(String, Option<String>)> {
        self.propagate(resource, node, |k| {
            matches!(k, DependencyKind::Restart | DependencyKind::OfflineRestart)
        })
    }

    /// Every dependent that needs `resource` online (strong, restart, offline_restart), and
    /// theirs in turn: what must stop first when `resource` is disabled or taken offline.
    pub fn hard_dependents(&self, resource: &str, node: &str) -> Vec<(String, Option<String>)> {
        self.propagate(resource, node, DependencyKind::is_hard)
    }

    fn propagate(
        &self,
        resource: &str,
        node: &str,
        kind: impl Fn(DependencyKind) -> bool,
    ) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([resource.to_string()]);
        let mut queue = VecDeque::from([(resource.to_string(), Some(node.to_string()))]);
        while let Some((at, at_node)) = queue.pop_front() {
            for (dependent, e, scope) in self.dependents_of(&at) {
                if !kind(e.kind) || seen.contains(dependent) {
                    continue;
                }
                if let (Some(n), Some(only)) = (&at_node, &e.node)
                    && n != only
                {
                    continue;
                }
                let affected = match scope {
                    EffectiveScope::Local | EffectiveScope::LocalIfColocated => at_node.clone(),
                    EffectiveScope::Any => None,
                };
                seen.insert(dependent.to_string());
                out.push((dependent.to_string(), affected.clone()));
                queue.push_back((dependent.to_string(), affected));
            }
        }
        out
    }
}

/// Whether the depended-on resource `dep` is online where a dependent on `node` needs it.
pub fn online_in_scope(
    cfg: &ClusterConfig,
    dep: &str,
    node: &str,
    scope: EffectiveScope,
    state: &impl StateView,
) -> bool {
    match scope {
        EffectiveScope::Local => state.is_online(dep, node),
        EffectiveScope::Any => state.is_online_anywhere(dep),
        EffectiveScope::LocalIfColocated => {
            let colocated = cfg
                .resources
                .get(dep)
                .is_some_and(|r| state.group_active_on(&r.group, node));
            if colocated {
                state.is_online(dep, node)
            } else {
                state.is_online_anywhere(dep)
            }
        }
    }
}

fn add_implicit_network_edges(
    cfg: &ClusterConfig,
    index: &FxMap<String, NodeIndex>,
    graph: &mut DiGraph<String, DepEdge>,
) {
    for g in cfg.groups.values() {
        if !g.implicit_network_dependencies() || g.is_scalable() {
            continue;
        }
        let (network, other): (Vec<&String>, Vec<&String>) = g.resources.iter().partition(|r| {
            cfg.resources
                .get(*r)
                .and_then(|r| cfg.types.get(&r.type_name))
                .is_some_and(|t| t.is_network_address())
        });
        for r in &other {
            for n in &network {
                let (Some(&from), Some(&to)) = (index.get(*r), index.get(*n)) else {
                    continue;
                };
                graph.add_edge(
                    from,
                    to,
                    DepEdge {
                        kind: DependencyKind::Strong,
                        scope: Scope::LocalNode,
                        node: None,
                        implicit: true,
                    },
                );
            }
        }
    }
}
