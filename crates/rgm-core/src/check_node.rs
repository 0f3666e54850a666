//! The rule for removing a node from the configuration: refused while anything configured
//! names it — a group's Nodelist, a type's Installed_nodes, a resource's per-node values or
//! switches, a dependency limited to it (`r@node`) — each named in one error. Whether it hosts
//! something is runtime state, which the engine checks before it asks for the change.

use crate::config::ClusterConfig;
use crate::deps::DependencyKind;
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};

pub(crate) fn remove(next: &mut ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let object = Object::Node(name.to_string());
    let Some(node) = next.nodes.get(name) else {
        errs.push(ConfigError::new(object, ErrorKind::NotFound));
        return;
    };
    let id = node.id;
    let uses = uses_of(next, name);
    if !uses.is_empty() {
        errs.push(ConfigError::new(
            object,
            ErrorKind::NodeInUse {
                uses: uses.join(", "),
            },
        ));
        return;
    }
    next.nodes.remove(name);
    next.removed_node_id = next.removed_node_id.max(id);
}

/// Where the configuration names a node, in words.
pub(crate) fn uses_of(cfg: &ClusterConfig, node: &str) -> Vec<String> {
    let mut uses = Vec::new();
    let groups: Vec<&str> = cfg
        .groups
        .values()
        .filter(|g| g.nodelist().iter().any(|n| n == node))
        .map(|g| g.name.as_str())
        .collect();
    if !groups.is_empty() {
        uses.push(format!(
            "the Nodelist of resource group(s) {}",
            groups.join(", ")
        ));
    }
    let types: Vec<&str> = cfg
        .types
        .values()
        .filter(|t| {
            t.installed_nodes
                .as_ref()
                .is_some_and(|l| l.iter().any(|n| n == node))
        })
        .map(|t| t.name())
        .collect();
    if !types.is_empty() {
        uses.push(format!(
            "Installed_nodes of resource type(s) {}",
            types.join(", ")
        ));
    }
    let resources: Vec<&str> = cfg
        .resources
        .values()
        .filter(|r| {
            r.per_node.values().any(|m| m.contains_key(node))
                || r.enabled.nodes.contains_key(node)
                || r.monitored.nodes.contains_key(node)
                || DependencyKind::ALL.iter().any(|k| {
                    r.dependencies(*k)
                        .iter()
                        .any(|e| e.node.as_deref() == Some(node))
                })
        })
        .map(|r| r.name.as_str())
        .collect();
    if !resources.is_empty() {
        uses.push(format!(
            "per-node settings of resource(s) {}",
            resources.join(", ")
        ));
    }
    uses
}
