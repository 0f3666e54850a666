//! Choosing objects from the cluster view by operand (`+` or none = all), `-g`, `-t` and `-n`
//! filters, with the `SCHA_ERR_*` code of an unknown name; and the nodes an object's rows
//! are for, and a resource's state on one of them.

use rgm_core::{ConfigError, ErrorCode, RegisteredType, Resource, ResourceGroup};
use rgm_proto::{ClusterView, ResourceNodeView, ViewScope};

use crate::failure::Failure;

/// Whether operands mean every object: none given, or `+`.
pub fn is_all(operands: &[String]) -> bool {
    operands.is_empty() || operands.iter().any(|o| o == "+")
}

/// The narrow view a read of resources needs (`None`: the whole view): the named resources,
/// or every resource of the `-g` groups or of the `-t` types.
pub fn resource_scope(
    operands: &[String],
    groups: &[String],
    types: &[String],
) -> Option<ViewScope> {
    if !is_all(operands) {
        return Some(ViewScope {
            resources: operands.to_vec(),
            groups: groups.to_vec(),
            ..ViewScope::default()
        });
    }
    if groups.is_empty() && types.is_empty() {
        return None;
    }
    Some(ViewScope {
        groups: groups.to_vec(),
        types: types.to_vec(),
        ..ViewScope::default()
    })
}

/// The narrow view a read of groups needs (`None`: the whole view).
pub fn group_scope(operands: &[String]) -> Option<ViewScope> {
    (!is_all(operands)).then(|| ViewScope {
        groups: operands.to_vec(),
        ..ViewScope::default()
    })
}

/// The narrow view a read of types needs (`None`: the whole view).
pub fn type_scope(operands: &[String]) -> Option<ViewScope> {
    (!is_all(operands)).then(|| ViewScope {
        types: operands.to_vec(),
        ..ViewScope::default()
    })
}

/// The objects named, each looked up by `find` (in the order given), or `all` of them when
/// the operands mean all.
fn named_or_all<'v, T>(
    operands: &[String],
    all: impl FnOnce() -> Vec<&'v T>,
    find: impl Fn(&str) -> Result<&'v T, ConfigError>,
) -> Result<Vec<&'v T>, Failure> {
    if is_all(operands) {
        return Ok(all());
    }
    operands
        .iter()
        .map(|name| find(name).map_err(Failure::from))
        .collect()
}

/// The groups named (in the order given), or all of them in name order.
pub fn groups<'v>(
    view: &'v ClusterView,
    operands: &[String],
) -> Result<Vec<&'v ResourceGroup>, Failure> {
    let cfg = &view.config;
    named_or_all(operands, || cfg.groups.values().collect(), |n| cfg.group(n))
}

/// The types named (full or short names), or all of them in name order.
pub fn types<'v>(
    view: &'v ClusterView,
    operands: &[String],
) -> Result<Vec<&'v RegisteredType>, Failure> {
    let cfg = &view.config;
    named_or_all(
        operands,
        || cfg.types.values().collect(),
        |n| cfg.resolve_type(n),
    )
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
    let all = || {
        cfg.groups
            .values()
            .flat_map(|g| g.resources.iter())
            .filter_map(|r| cfg.resources.get(r))
            .collect()
    };
    let chosen = named_or_all(operands, all, |n| cfg.resource(n))?;
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

/// The nodes a resource's rows are for: its group's (see [`group_nodes`]), none if the group
/// is not in the view.
pub fn resource_nodes(view: &ClusterView, r: &Resource, only: &[String]) -> Vec<String> {
    view.config
        .groups
        .get(&r.group)
        .map(|g| group_nodes(view, g, only))
        .unwrap_or_default()
}

/// A resource on a node as the view has it, or offline with no status, message or restarts
/// when the view has nothing for it there.
pub fn resource_on(view: &ClusterView, r: &str, node: &str) -> ResourceNodeView {
    view.resource_on(r, node)
        .cloned()
        .unwrap_or_else(|| ResourceNodeView {
            state: Default::default(),
            status: Default::default(),
            status_msg: String::new(),
            restarts: 0,
            rg_restarts: 0,
        })
}
