//! Choosing objects from the cluster view by operand (`+` or none = all), `-g`, `-t` and `-n`
//! filters, with the `SCHA_ERR_*` code of an unknown name.

use rgm_core::{ErrorCode, RegisteredType, Resource, ResourceGroup};
use rgm_proto::ClusterView;

use crate::failure::Failure;

/// Whether operands mean every object: none given, or `+`.
pub fn is_all(operands: &[String]) -> bool {
    operands.is_empty() || operands.iter().any(|o| o == "+")
}

/// The groups named (in the order given), or all of them in name order.
pub fn groups<'v>(
    view: &'v ClusterView,
    operands: &[String],
) -> Result<Vec<&'v ResourceGroup>, Failure> {
    if is_all(operands) {
        return Ok(view.config.groups.values().collect());
    }
    operands
        .iter()
        .map(|name| view.config.group(name).map_err(Failure::from))
        .collect()
}

/// The types named (full or short names), or all of them in name order.
pub fn types<'v>(
    view: &'v ClusterView,
    operands: &[String],
) -> Result<Vec<&'v RegisteredType>, Failure> {
    if is_all(operands) {
        return Ok(view.config.types.values().collect());
    }
    operands
        .iter()
        .map(|name| view.config.resolve_type(name).map_err(Failure::from))
        .collect()
}

/// The resources named (in the order given), or all of them group by group in creation
/// order; kept only if in one of `groups` and of one of `types` (when those are given).
pub fn resources<'v>(
    view: &'v ClusterView,
    operands: &[String],
    groups: &[String],
    types: &[String],
) -> Result<Vec<&'v Resource>, Failure> {
    let cfg = &view.config;
    for g in groups {
        cfg.group(g)?;
    }
    let type_names: Vec<String> = types
        .iter()
        .map(|t| cfg.resolve_type(t).map(|rt| rt.name().to_string()))
        .collect::<Result<_, _>>()?;
    let chosen: Vec<&Resource> = if is_all(operands) {
        cfg.groups
            .values()
            .flat_map(|g| g.resources.iter())
            .filter_map(|r| cfg.resources.get(r))
            .collect()
    } else {
        operands
            .iter()
            .map(|name| cfg.resource(name).map_err(Failure::from))
            .collect::<Result<_, _>>()?
    };
    Ok(chosen
        .into_iter()
        .filter(|r| groups.is_empty() || groups.contains(&r.group))
        .filter(|r| type_names.is_empty() || type_names.contains(&r.type_name))
        .collect())
}

/// Checks that every node is a cluster node (`SCHA_ERR_NODE` otherwise).
pub fn check_nodes(view: &ClusterView, nodes: &[String]) -> Result<(), Failure> {
    match nodes.iter().find(|n| !view.config.nodes.contains_key(*n)) {
        Some(n) => Err(Failure::new(
            ErrorCode::Node,
            format!("node {n}: is not a cluster node"),
        )),
        None => Ok(()),
    }
}

/// The nodes a group's table rows are for: its Nodelist (all cluster nodes if empty),
/// kept to `only` when given.
pub fn group_nodes(view: &ClusterView, group: &ResourceGroup, only: &[String]) -> Vec<String> {
    let mut nodes = group.nodelist();
    if nodes.is_empty() {
        nodes = view.config.node_names();
    }
    nodes.retain(|n| only.is_empty() || only.contains(n));
    nodes
}
