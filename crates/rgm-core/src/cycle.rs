//! Finding and spelling out a cycle in a directed graph of named objects, for the error an
//! administrator reads (`db -> app -> db`).

use std::collections::{HashMap, HashSet, VecDeque};

use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeFiltered, EdgeRef};

/// A cycle among the edges `usable` accepts, starting and ending at the alphabetically first
/// member of the first strongly connected component found, along a shortest way round.
pub(crate) fn find_cycle<E>(
    graph: &DiGraph<String, E>,
    usable: impl Fn(&E) -> bool,
) -> Option<Vec<String>> {
    let filtered = EdgeFiltered::from_fn(graph, |e: petgraph::graph::EdgeReference<'_, E>| {
        usable(e.weight())
    });
    let self_loop = |ix: NodeIndex| {
        graph
            .edges_directed(ix, Direction::Outgoing)
            .any(|e| e.target() == ix && usable(e.weight()))
    };
    let scc = tarjan_scc(&filtered)
        .into_iter()
        .find(|c| c.len() > 1 || self_loop(c[0]))?;
    Some(spell(graph, &scc, &usable))
}

/// A cycle among the edges `usable` accepts that goes through at least one edge `marked`
/// accepts (itself usable), or `None`. Linear: an edge lies on a cycle when both its ends are
/// in one strongly connected component.
pub(crate) fn find_cycle_through<E>(
    graph: &DiGraph<String, E>,
    usable: impl Fn(&E) -> bool,
    marked: impl Fn(&E) -> bool,
) -> Option<Vec<String>> {
    let filtered = EdgeFiltered::from_fn(graph, |e: petgraph::graph::EdgeReference<'_, E>| {
        usable(e.weight())
    });
    let mut component: HashMap<NodeIndex, usize> = HashMap::new();
    for (i, scc) in tarjan_scc(&filtered).into_iter().enumerate() {
        for ix in scc {
            component.insert(ix, i);
        }
    }
    // The marked edge on a cycle whose names come first, so the answer is stable.
    let (from, to) = graph
        .edge_references()
        .filter(|e| marked(e.weight()) && component.get(&e.source()) == component.get(&e.target()))
        .map(|e| (e.source(), e.target()))
        .min_by_key(|(a, b)| (graph[*a].clone(), graph[*b].clone()))?;
    if from == to {
        return Some(vec![graph[from].clone(), graph[from].clone()]);
    }
    // A shortest way back from `to` to `from` inside the component.
    let scc = component[&from];
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([to]);
    let mut seen = HashSet::from([to]);
    while let Some(at) = queue.pop_front() {
        if at == from {
            break;
        }
        for e in graph.edges_directed(at, Direction::Outgoing) {
            let next = e.target();
            if usable(e.weight()) && component.get(&next) == Some(&scc) && seen.insert(next) {
                parent.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    let mut back = vec![graph[from].clone()];
    let mut cur = from;
    while cur != to {
        cur = *parent.get(&cur)?;
        back.push(graph[cur].clone());
    }
    back.push(graph[from].clone());
    back.reverse();
    // from -> to -> ... -> from
    Some(back)
}

fn spell<E>(
    graph: &DiGraph<String, E>,
    scc: &[NodeIndex],
    usable: &impl Fn(&E) -> bool,
) -> Vec<String> {
    let members: HashSet<NodeIndex> = scc.iter().copied().collect();
    let start = *scc
        .iter()
        .min_by_key(|ix| graph[**ix].as_str())
        .expect("a component has members");
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for e in graph.edges_directed(at, Direction::Outgoing) {
            let next = e.target();
            if !members.contains(&next) || !usable(e.weight()) {
                continue;
            }
            if next == start {
                let mut back = Vec::new();
                let mut cur = at;
                while cur != start {
                    back.push(graph[cur].clone());
                    cur = parent[&cur];
                }
                let mut path = vec![graph[start].clone()];
                path.extend(back.into_iter().rev());
                path.push(graph[start].clone());
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(next) {
                v.insert(at);
                queue.push_back(next);
            }
        }
    }
    unreachable!("a strongly connected component always leads back to its members")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> DiGraph<String, ()> {
        let mut g = DiGraph::new();
        let mut ix = HashMap::new();
        for (a, b) in edges {
            for n in [a, b] {
                if !ix.contains_key(n) {
                    ix.insert(*n, g.add_node(n.to_string()));
                }
            }
            g.add_edge(ix[a], ix[b], ());
        }
        g
    }

    #[test]
    fn spells_the_shortest_way_round() {
        let g = graph(&[("db", "app"), ("app", "db"), ("web", "app")]);
        assert_eq!(
            find_cycle(&g, |_| true),
            Some(vec!["app".into(), "db".into(), "app".into()])
        );
        let g = graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("b", "a")]);
        assert_eq!(
            find_cycle(&g, |_| true),
            Some(vec!["a".into(), "b".into(), "a".into()])
        );
        let g = graph(&[("a", "a")]);
        assert_eq!(find_cycle(&g, |_| true), Some(vec!["a".into(), "a".into()]));
        assert_eq!(
            find_cycle(&graph(&[("a", "b"), ("b", "c")]), |_| true),
            None
        );
    }
}
