//! Which cycle checks a change needs: a configuration that was acyclic before a change can only
//! have a cycle afterwards through what the change touched. A resource created or updated can
//! close a resource cycle only through itself, and a group cycle only through a hard dependency
//! on another group's resource; a group created (empty) can close a group cycle only through
//! itself. So a change of one object costs what that object reaches, not the cluster's size;
//! only when the cheap look finds a way back does the whole graph spell the cycle (the same
//! error as ever).

use std::collections::HashSet;

use crate::change::Change;
use crate::config::ClusterConfig;
use crate::deps::DependencyKind;

/// What the checks must look at after `change` (applied to `next`).
pub(crate) struct CycleScope {
    pub resources: bool,
    pub groups: bool,
}

impl CycleScope {
    pub(crate) const ALL: CycleScope = CycleScope {
        resources: true,
        groups: true,
    };

    pub(crate) fn of(change: &Change, next: &ClusterConfig) -> CycleScope {
        match change {
            Change::CreateResource { name, .. } | Change::UpdateResource { name, .. } => {
                CycleScope {
                    resources: resource_reaches_itself(next, name),
                    groups: crosses_groups(next, name),
                }
            }
            Change::CreateGroup { name, .. } => CycleScope {
                // An empty group adds no resource edge.
                resources: false,
                groups: group_reaches_itself(next, name),
            },
            _ => CycleScope::ALL,
        }
    }
}

/// The resources `r` depends on, of any kind and on any node, and — a superset of the implicit
/// network dependencies — every network address resource of its group.
fn resource_edges(cfg: &ClusterConfig, r: &str) -> Vec<String> {
    let Some(res) = cfg.resources.get(r) else {
        return Vec::new();
    };
    let mut out: Vec<String> = DependencyKind::ALL
        .into_iter()
        .flat_map(|k| res.dependencies(k))
        .map(|e| e.resource)
        .collect();
    if let Some(g) = cfg.groups.get(&res.group) {
        out.extend(
            g.resources
                .iter()
                .filter(|m| {
                    cfg.resources
                        .get(*m)
                        .and_then(|m| cfg.types.get(&m.type_name))
                        .is_some_and(|t| t.is_network_address())
                })
                .cloned(),
        );
    }
    out
}

fn resource_reaches_itself(cfg: &ClusterConfig, start: &str) -> bool {
    reaches(start, |r| resource_edges(cfg, r))
}

/// Whether `r` has a hard dependency on a resource of another group (an edge of the group
/// graph).
fn crosses_groups(cfg: &ClusterConfig, r: &str) -> bool {
    let Some(res) = cfg.resources.get(r) else {
        return true;
    };
    DependencyKind::ALL
        .into_iter()
        .filter(|k| k.is_hard())
        .flat_map(|k| res.dependencies(k))
        .any(|e| {
            cfg.resources
                .get(&e.resource)
                .is_some_and(|t| t.group != res.group)
        })
}

fn group_reaches_itself(cfg: &ClusterConfig, start: &str) -> bool {
    reaches(start, |g| {
        let Some(group) = cfg.groups.get(g) else {
            return Vec::new();
        };
        let mut out = group.rg_dependencies();
        out.extend(group.rg_affinities().into_iter().map(|a| a.group));
        out.extend(group.resources.iter().flat_map(|r| {
            let deps: Vec<String> = cfg
                .resources
                .get(r)
                .map(|res| {
                    DependencyKind::ALL
                        .into_iter()
                        .flat_map(|k| res.dependencies(k))
                        .filter_map(|e| cfg.resources.get(&e.resource).map(|t| t.group.clone()))
                        .collect()
                })
                .unwrap_or_default();
            deps
        }));
        out
    })
}

/// Whether `start` can be reached again from itself along `edges`.
fn reaches(start: &str, edges: impl Fn(&str) -> Vec<String>) -> bool {
    let mut seen: HashSet<String> = HashSet::new();
    let mut stack = edges(start);
    while let Some(x) = stack.pop() {
        if x == start {
            return true;
        }
        if seen.insert(x.clone()) {
            stack.extend(edges(&x));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{cluster, group, resource};

    fn update(name: &str) -> Change {
        Change::UpdateResource {
            name: name.into(),
            edits: vec![],
        }
    }

    #[test]
    fn a_chain_needs_no_whole_check_and_a_loop_does() {
        let mut cfg = cluster(&["n1"]);
        group(&mut cfg, "rg1", &["Nodelist=n1"]);
        group(&mut cfg, "rg2", &["Nodelist=n1"]);
        resource(&mut cfg, "a", "rg1", &[]);
        resource(&mut cfg, "b", "rg1", &["Resource_dependencies=a"]);
        resource(&mut cfg, "c", "rg2", &["Resource_dependencies=b"]);
        let b = CycleScope::of(&update("b"), &cfg);
        assert!(!b.resources && !b.groups);
        // c depends on a resource of another group: the group graph gets an edge.
        assert!(CycleScope::of(&update("c"), &cfg).groups);
        assert!(!CycleScope::of(&update("c"), &cfg).resources);
        // A loop a -> b -> a, made behind the checks' back: both ends see it.
        let mut looped = cfg.clone();
        looped.resources.get_mut("a").unwrap().properties.insert(
            "Resource_dependencies".into(),
            rtreg::Value::Array(vec!["b".into()]),
        );
        assert!(CycleScope::of(&update("a"), &looped).resources);
        assert!(CycleScope::of(&update("b"), &looped).resources);
        assert!(!CycleScope::of(&update("c"), &looped).resources);
    }

    #[test]
    fn a_new_group_is_looked_at_from_itself() {
        let mut cfg = cluster(&["n1"]);
        group(&mut cfg, "rg1", &["Nodelist=n1"]);
        group(&mut cfg, "rg2", &["Nodelist=n1", "RG_dependencies=rg1"]);
        let create = |name: &str| Change::CreateGroup {
            name: name.into(),
            scalable: false,
            edits: vec![],
        };
        let s = CycleScope::of(&create("rg2"), &cfg);
        assert!(!s.resources && !s.groups);
        let mut looped = cfg.clone();
        looped.groups.get_mut("rg1").unwrap().properties.insert(
            "RG_dependencies".into(),
            rtreg::Value::Array(vec!["rg2".into()]),
        );
        assert!(CycleScope::of(&create("rg2"), &looped).groups);
    }
}
