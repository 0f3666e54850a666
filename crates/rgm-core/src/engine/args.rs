//! VALIDATE's arguments (seed rt_callbacks): on creation (`-c`) every system-defined resource
//! property, every extension property and every group property; on update (`-u`) only the
//! properties being updated. Dependency lists go twice: plain (the names that apply on this
//! node) and `_Q` (the whole list as written). Per-node extension values go as
//! `-X name{nodeid}=value` for every node of the group, beside `-x name=value` for this node.

use rtreg::{PropertySpec, Value};

use crate::config::{ClusterConfig, Resource};
use crate::deps::DependencyKind;
use crate::derived::{dependency_forms, network_resources_used};
use crate::engine::action::ValidateArgs;
use crate::rg_props::RG_PROPERTIES;
use crate::schema::resource_schema;

/// VALIDATE's arguments for creating `r` (as in `cfg`, the configuration it will be in), on
/// `node`.
pub(crate) fn create_args(cfg: &ClusterConfig, r: &Resource, node: &str) -> ValidateArgs {
    let mut args = ValidateArgs {
        create: true,
        ..ValidateArgs::default()
    };
    let Some(rtype) = cfg.types.get(&r.type_name) else {
        return args;
    };
    for p in resource_schema(&rtype.spec) {
        add_resource_property(cfg, r, &p, node, &mut args);
    }
    add_group_properties(cfg, &r.group, None, &mut args);
    args
}

/// VALIDATE's arguments for updating the given resource properties of `r` (as it will be).
pub(crate) fn update_args(
    cfg: &ClusterConfig,
    r: &Resource,
    changed: &[String],
    node: &str,
) -> ValidateArgs {
    let mut args = ValidateArgs::default();
    let Some(rtype) = cfg.types.get(&r.type_name) else {
        return args;
    };
    for p in resource_schema(&rtype.spec) {
        if changed.iter().any(|c| c.eq_ignore_ascii_case(&p.name)) {
            add_resource_property(cfg, r, &p, node, &mut args);
        }
    }
    args
}

/// VALIDATE's arguments for a change of group properties of `r`'s group.
pub(crate) fn group_update_args(
    cfg: &ClusterConfig,
    r: &Resource,
    changed: &[String],
) -> ValidateArgs {
    let mut args = ValidateArgs::default();
    add_group_properties(cfg, &r.group, Some(changed), &mut args);
    args
}

fn add_resource_property(
    cfg: &ClusterConfig,
    r: &Resource,
    p: &PropertySpec,
    node: &str,
    args: &mut ValidateArgs,
) {
    if let Some(kind) = DependencyKind::from_property(&p.name) {
        let (plain, q) = dependency_forms(r, kind, node);
        args.system
            .push((kind.property().to_string(), plain.join(",")));
        args.system
            .push((kind.qualified_property().to_string(), q.join(",")));
        return;
    }
    if p.name.eq_ignore_ascii_case("Network_resources_used") {
        let used = network_resources_used(cfg, r, node);
        args.system.push((p.name.clone(), used.join(",")));
        return;
    }
    let text = |v: Option<Value>| v.map(|v| v.to_string()).unwrap_or_default();
    if !p.extension {
        let value = cfg.resource_property(r, &p.name, None);
        args.system.push((p.name.clone(), text(value)));
        return;
    }
    args.extension.push((
        p.name.clone(),
        text(cfg.resource_property(r, &p.name, Some(node))),
    ));
    if p.per_node {
        let nodes = cfg
            .groups
            .get(&r.group)
            .map(|g| g.nodelist())
            .unwrap_or_default();
        for n in nodes {
            if let Some(id) = cfg.nodes.get(&n).map(|x| x.id) {
                let value = text(cfg.resource_property(r, &p.name, Some(&n)));
                args.per_node.push((p.name.clone(), id, value));
            }
        }
    }
}

fn add_group_properties(
    cfg: &ClusterConfig,
    group: &str,
    only: Option<&[String]>,
    args: &mut ValidateArgs,
) {
    let Some(g) = cfg.groups.get(group) else {
        return;
    };
    for p in RG_PROPERTIES.iter().filter(|p| !p.query_only) {
        if only.is_some_and(|only| !only.iter().any(|c| c.eq_ignore_ascii_case(p.name))) {
            continue;
        }
        let value = g
            .property(p.name)
            .map(|v| v.to_string())
            .unwrap_or_default();
        args.group.push((p.name.to_string(), value));
    }
}
