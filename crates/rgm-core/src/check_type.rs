//! Checks and effects of resource type changes: register, update (`Installed_nodes`,
//! `RT_system`) and unregister.

use rtreg::ResourceTypeSpec;

use crate::change::InstalledNodesEdit;
use crate::config::{ClusterConfig, RegisteredType};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};

pub(crate) fn register(
    cfg: &mut ClusterConfig,
    spec: &ResourceTypeSpec,
    installed_nodes: &Option<Vec<String>>,
    rt_system: Option<bool>,
    errs: &mut ConfigErrors,
) {
    let object = Object::ResourceType(spec.name.clone());
    if cfg.types.contains_key(&spec.name) {
        errs.push(ConfigError::new(object.clone(), ErrorKind::AlreadyExists));
    }
    if let Some(nodes) = installed_nodes {
        check_cluster_nodes(cfg, &object, nodes, errs);
    }
    // A type may come from a client that never ran the RTR parser: hold it to its limits.
    for (part, message) in rtreg::limits::spec_problems(spec) {
        errs.push(ConfigError::on_property(
            object.clone(),
            &part,
            ErrorKind::BadValue { message },
        ));
    }
    for p in spec
        .properties
        .iter()
        .filter(|p| crate::schema::is_time_property(p))
    {
        if let Some(rtreg::Value::Int(v)) = p.default
            && !(0..=crate::schema::MAX_SECONDS).contains(&v)
        {
            errs.push(ConfigError::on_property(
                object.clone(),
                &p.name,
                ErrorKind::BadValue {
                    message: format!(
                        "default {v} is outside 0..={} seconds (the bound of every timeout and interval)",
                        crate::schema::MAX_SECONDS
                    ),
                },
            ));
        }
    }
    if !errs.is_empty() {
        return;
    }
    cfg.types.insert(
        spec.name.clone(),
        RegisteredType {
            spec: spec.clone(),
            installed_nodes: installed_nodes.clone(),
            rt_system: rt_system.unwrap_or(spec.rt_system),
        },
    );
}

pub(crate) fn update(
    cfg: &mut ClusterConfig,
    name: &str,
    installed_nodes: &Option<InstalledNodesEdit>,
    rt_system: Option<bool>,
    errs: &mut ConfigErrors,
) {
    let rtype = match cfg.resolve_type(name) {
        Ok(t) => t.clone(),
        Err(e) => return errs.push(e),
    };
    let object = Object::ResourceType(rtype.name().to_string());
    if rtype.rt_system && rt_system != Some(false) && installed_nodes.is_some() {
        errs.push(ConfigError::on_property(
            object.clone(),
            "RT_system",
            ErrorKind::Protected {
                reason: "is TRUE, which protects the type from changes; set RT_system=FALSE first"
                    .into(),
            },
        ));
        return;
    }
    let mut next = rtype.clone();
    if let Some(edit) = installed_nodes {
        let current = rtype
            .installed_nodes
            .clone()
            .unwrap_or_else(|| cfg.node_names());
        next.installed_nodes = match edit {
            InstalledNodesEdit::All => None,
            InstalledNodesEdit::Set(nodes) => {
                check_cluster_nodes(cfg, &object, nodes, errs);
                Some(nodes.clone())
            }
            InstalledNodesEdit::Add(nodes) => {
                check_cluster_nodes(cfg, &object, nodes, errs);
                let mut all = current;
                for n in nodes {
                    if !all.contains(n) {
                        all.push(n.clone());
                    }
                }
                Some(all)
            }
            InstalledNodesEdit::Remove(nodes) => {
                for n in nodes {
                    if !current.contains(n) {
                        errs.push(ConfigError::on_property(
                            object.clone(),
                            "Installed_nodes",
                            ErrorKind::ElementNotPresent { element: n.clone() },
                        ));
                    }
                }
                Some(current.into_iter().filter(|n| !nodes.contains(n)).collect())
            }
        };
    }
    if let Some(flag) = rt_system {
        next.rt_system = flag;
    }
    let type_name = next.name().to_string();
    cfg.types.insert(type_name.clone(), next);
    // Every group holding a resource of the type must still run only where it is installed.
    let users: Vec<String> = cfg
        .resources
        .values()
        .filter(|r| r.type_name == type_name)
        .map(|r| r.name.clone())
        .collect();
    for r in users {
        crate::check_resource::check_installed(cfg, &r, errs);
    }
}

pub(crate) fn unregister(cfg: &mut ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let rtype = match cfg.resolve_type(name) {
        Ok(t) => t.clone(),
        Err(e) => return errs.push(e),
    };
    let object = Object::ResourceType(rtype.name().to_string());
    if rtype.rt_system {
        errs.push(ConfigError::on_property(
            object.clone(),
            "RT_system",
            ErrorKind::Protected {
                reason: "is TRUE, which protects the type from deletion; set RT_system=FALSE first"
                    .into(),
            },
        ));
    }
    let users: Vec<&str> = cfg
        .resources
        .values()
        .filter(|r| r.type_name == rtype.name())
        .map(|r| r.name.as_str())
        .collect();
    if !users.is_empty() {
        errs.push(ConfigError::new(
            object,
            ErrorKind::TypeInUse {
                resources: users.join(", "),
            },
        ));
    }
    if errs.is_empty() {
        cfg.types.remove(rtype.name());
    }
}

/// Every named node must be a cluster node.
pub(crate) fn check_cluster_nodes(
    cfg: &ClusterConfig,
    object: &Object,
    nodes: &[String],
    errs: &mut ConfigErrors,
) {
    for n in nodes {
        if !cfg.nodes.contains_key(n) {
            errs.push(ConfigError::new(
                object.clone(),
                ErrorKind::NodeNotInCluster { node: n.clone() },
            ));
        }
    }
}
