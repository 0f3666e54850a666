//! The configuration changes an administrator's request asks for, one per object it names,
//! before any check: what a daemon's own checks of a request (rgmd's admission) and the
//! fuzzer work out. The engine makes the same changes, step by step, as it carries the
//! request out.

use crate::change::Change;
use crate::config::ClusterConfig;
use crate::engine::{AdminRequest, Operands};

/// The configuration changes of the requests that register or update types, create or set
/// groups and resources, or add nodes — those that can make the configuration larger or bring
/// a type's methods to a node — with `+` (all) read against `cfg`; `None` for the others.
pub fn config_changes(request: &AdminRequest, cfg: &ClusterConfig) -> Option<Vec<Change>> {
    use AdminRequest as R;
    let names = |operands: &Operands, all: Vec<&String>| match operands {
        Operands::All => all.into_iter().cloned().collect(),
        Operands::Named(names) => names.clone(),
    };
    Some(match request {
        R::RegisterType {
            spec,
            installed_nodes,
            rt_system,
        } => vec![Change::RegisterType {
            spec: spec.clone(),
            installed_nodes: installed_nodes.clone(),
            rt_system: *rt_system,
        }],
        R::UpdateType {
            name,
            installed_nodes,
            rt_system,
        } => vec![Change::UpdateType {
            name: name.clone(),
            installed_nodes: installed_nodes.clone(),
            rt_system: *rt_system,
        }],
        R::CreateGroup {
            names,
            scalable,
            edits,
        } => names
            .iter()
            .map(|name| Change::CreateGroup {
                name: name.clone(),
                scalable: *scalable,
                edits: edits.clone(),
            })
            .collect(),
        R::UpdateGroup { groups, edits } => names(groups, cfg.groups.keys().collect())
            .into_iter()
            .map(|name| Change::UpdateGroup {
                name,
                edits: edits.clone(),
            })
            .collect(),
        R::CreateResource {
            names,
            group,
            type_name,
            edits,
            enabled,
        } => names
            .iter()
            .map(|name| Change::CreateResource {
                name: name.clone(),
                group: group.clone(),
                type_name: type_name.clone(),
                edits: edits.clone(),
                enabled: *enabled,
            })
            .collect(),
        R::UpdateResource { resources, edits } => names(resources, cfg.resources.keys().collect())
            .into_iter()
            .map(|name| Change::UpdateResource {
                name,
                edits: edits.clone(),
            })
            .collect(),
        R::AddNode { name } => vec![Change::AddNode { name: name.clone() }],
        _ => return None,
    })
}
