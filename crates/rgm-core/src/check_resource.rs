//! Checks and effects of resource changes: create, update (including `Type_version`
//! upgrades), delete, enable/disable and monitor/unmonitor; and the resource rules
//! (dependencies, Single_instance, failover types, Installed_nodes).

use rtreg::{PropertySpec, Tunability, Value};

use crate::change::RuntimeView;
use crate::config::{ClusterConfig, NodeSwitch, RegisteredType, Resource};
use crate::deps::{DependencyEntry, DependencyKind};
use crate::edit::{PropertyEdit, apply_edit};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};
use crate::name::name_problem;
use crate::schema::{self, nearest};

pub(crate) const TYPE_VERSION: &str = "Type_version";

pub(crate) fn create(
    cfg: &mut ClusterConfig,
    name: &str,
    group: &str,
    type_name: &str,
    edits: &[PropertyEdit],
    enabled: bool,
    errs: &mut ConfigErrors,
) -> Vec<String> {
    let object = Object::Resource(name.to_string());
    if let Some(reason) = name_problem(name) {
        errs.push(ConfigError::new(object, ErrorKind::InvalidName { reason }));
        return Vec::new();
    }
    if cfg.resources.contains_key(name) {
        errs.push(ConfigError::new(object, ErrorKind::AlreadyExists));
        return Vec::new();
    }
    let rtype = match cfg.resolve_type(type_name) {
        Ok(t) => t.clone(),
        Err(e) => {
            errs.push(e);
            return Vec::new();
        }
    };
    match cfg.group(group) {
        Ok(g) if g.rg_system() => {
            errs.push(ConfigError::on_property(
                Object::ResourceGroup(group.into()),
                "RG_system",
                ErrorKind::Protected {
                    reason: "is TRUE, which protects the group from changes".into(),
                },
            ));
            return Vec::new();
        }
        Ok(_) => {}
        Err(e) => {
            errs.push(e);
            return Vec::new();
        }
    }
    let mut r = Resource {
        name: name.to_string(),
        group: group.to_string(),
        type_name: rtype.name().to_string(),
        properties: Default::default(),
        per_node: Default::default(),
        enabled: NodeSwitch::new(enabled),
        monitored: NodeSwitch::new(true),
    };
    let (changed, version) = apply_edits(cfg, &rtype, &mut r, edits, true, errs);
    if let Some(v) = version.filter(|v| *v != rtype.spec.rt_version) {
        errs.push(ConfigError::on_property(
            object.clone(),
            TYPE_VERSION,
            ErrorKind::Upgrade {
                reason: format!(
                    "`{v}` differs from the version of type {}; name the type version with -t instead",
                    rtype.name()
                ),
            },
        ));
    }
    for p in rtype.spec.properties.iter().filter(|p| p.extension) {
        if p.default.is_none()
            && !r.properties.contains_key(&p.name)
            && !r.per_node.contains_key(&p.name)
        {
            errs.push(ConfigError::on_property(
                object.clone(),
                &p.name,
                ErrorKind::MissingRequired,
            ));
        }
    }
    cfg.resources.insert(name.to_string(), r);
    if let Some(g) = cfg.groups.get_mut(group) {
        g.resources.push(name.to_string());
    }
    if errs.is_empty() {
        check_resource(cfg, name, errs);
    }
    changed
}

pub(crate) fn update(
    cfg: &mut ClusterConfig,
    name: &str,
    edits: &[PropertyEdit],
    runtime: &dyn RuntimeView,
    errs: &mut ConfigErrors,
) -> Vec<String> {
    let mut r = match cfg.resource(name) {
        Ok(r) => r.clone(),
        Err(e) => {
            errs.push(e);
            return Vec::new();
        }
    };
    if cfg.groups.get(&r.group).is_some_and(|g| g.rg_system()) {
        errs.push(ConfigError::on_property(
            Object::ResourceGroup(r.group.clone()),
            "RG_system",
            ErrorKind::Protected {
                reason: "is TRUE, which protects the group and its resources from changes".into(),
            },
        ));
        return Vec::new();
    }
    let rtype = match cfg.type_of(&r) {
        Ok(t) => t.clone(),
        Err(e) => {
            errs.push(e);
            return Vec::new();
        }
    };
    let (mut changed, version) = apply_edits(cfg, &rtype, &mut r, edits, false, errs);
    if let Some(v) = version
        && crate::type_upgrade::upgrade(cfg, &rtype, &mut r, &v, runtime, errs)
        && !changed.iter().any(|c| c == TYPE_VERSION)
    {
        changed.push(TYPE_VERSION.into());
    }
    cfg.resources.insert(name.to_string(), r);
    if errs.is_empty() {
        check_resource(cfg, name, errs);
    }
    changed
}

pub(crate) fn delete(cfg: &mut ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let r = match cfg.resource(name) {
        Ok(r) => r.clone(),
        Err(e) => return errs.push(e),
    };
    let object = Object::Resource(name.to_string());
    let nodes = cfg
        .groups
        .get(&r.group)
        .map(|g| g.nodelist())
        .unwrap_or_default();
    if cfg.groups.get(&r.group).is_some_and(|g| g.rg_system()) {
        errs.push(ConfigError::on_property(
            Object::ResourceGroup(r.group.clone()),
            "RG_system",
            ErrorKind::Protected {
                reason: "is TRUE, which protects the group and its resources from deletion".into(),
            },
        ));
    }
    if !r.enabled.off_everywhere(&nodes) {
        errs.push(ConfigError::new(
            object.clone(),
            ErrorKind::WrongState {
                reason: "is enabled; disable it first (or use -F)".into(),
            },
        ));
    }
    let dependents: Vec<&str> = cfg
        .resources
        .values()
        .filter(|o| o.name != name)
        .filter(|o| {
            DependencyKind::ALL
                .iter()
                .any(|k| o.dependencies(*k).iter().any(|d| d.resource == name))
        })
        .map(|o| o.name.as_str())
        .collect();
    if !dependents.is_empty() {
        errs.push(ConfigError::new(
            object,
            ErrorKind::DependedOn {
                dependents: dependents.join(", "),
            },
        ));
    }
    if errs.is_empty() {
        cfg.resources.remove(name);
        if let Some(g) = cfg.groups.get_mut(&r.group) {
            g.resources.retain(|x| x != name);
        }
    }
}

/// `clrs enable/disable` (`enabled = true`) and `clrs monitor/unmonitor` (`enabled = false`).
pub(crate) fn set_switch(
    cfg: &mut ClusterConfig,
    name: &str,
    nodes: Option<&[String]>,
    on: bool,
    enabled: bool,
    errs: &mut ConfigErrors,
) {
    if let Some(nodes) = nodes {
        crate::check_type::check_cluster_nodes(cfg, &Object::Resource(name.into()), nodes, errs);
    }
    match cfg.resources.get_mut(name) {
        Some(r) if errs.is_empty() => {
            let switch = if enabled {
                &mut r.enabled
            } else {
                &mut r.monitored
            };
            switch.set(nodes, on);
        }
        Some(_) => {}
        None => errs.push(ConfigError::new(
            Object::Resource(name.into()),
            ErrorKind::NotFound,
        )),
    }
}

/// Applies property edits; returns the canonical names changed and a requested Type_version.
fn apply_edits(
    cfg: &ClusterConfig,
    rtype: &RegisteredType,
    r: &mut Resource,
    edits: &[PropertyEdit],
    creating: bool,
    errs: &mut ConfigErrors,
) -> (Vec<String>, Option<String>) {
    let mut changed: Vec<String> = Vec::new();
    let mut version = None;
    let object = Object::Resource(r.name.clone());
    for edit in edits {
        let fail = |kind| ConfigError::on_property(object.clone(), &edit.name, kind);
        let Some(spec) = schema::resource_property(&rtype.spec, &edit.name) else {
            let kind = if schema::is_query_only(&edit.name) {
                ErrorKind::QueryOnly
            } else {
                let schema = schema::resource_schema(&rtype.spec);
                let suggestion = nearest(&edit.name, schema.iter().map(|p| p.name.as_str()));
                ErrorKind::UnknownProperty { suggestion }
            };
            errs.push(fail(kind));
            continue;
        };
        if spec.name == TYPE_VERSION {
            version = Some(edit.value.trim().to_string());
            continue;
        }
        if let Err(kind) = check_tunable(cfg, &spec, r, creating) {
            errs.push(fail(kind));
            continue;
        }
        let result = match &edit.nodes {
            Some(_) if !spec.per_node => Err(ErrorKind::NotPerNode),
            Some(nodes) => nodes.iter().try_for_each(|n| {
                if !cfg.nodes.contains_key(n) {
                    return Err(ErrorKind::NodeNotInCluster { node: n.clone() });
                }
                let current = r
                    .explicit(&spec.name, Some(n))
                    .cloned()
                    .or_else(|| spec.default.clone());
                let value = apply_edit(&spec, current.as_ref(), edit)?;
                r.per_node
                    .entry(spec.name.clone())
                    .or_default()
                    .insert(n.clone(), value);
                Ok(())
            }),
            None => {
                let current = r
                    .properties
                    .get(&spec.name)
                    .cloned()
                    .or_else(|| spec.default.clone());
                apply_edit(&spec, current.as_ref(), edit)
                    .and_then(|value| check_special(&spec.name, &value).map(|()| value))
                    .map(|value| {
                        r.properties.insert(spec.name.clone(), value);
                        r.per_node.remove(&spec.name);
                    })
            }
        };
        match result {
            Ok(()) if !changed.contains(&spec.name) => changed.push(spec.name.clone()),
            Ok(()) => {}
            Err(kind) => errs.push(ConfigError::on_property(object.clone(), &spec.name, kind)),
        }
    }
    (changed, version)
}

/// The tunability rule of a property for a change to `r` (reference §b: NONE, AT_CREATION,
/// WHEN_DISABLED, ANYTIME).
fn check_tunable(
    cfg: &ClusterConfig,
    spec: &PropertySpec,
    r: &Resource,
    creating: bool,
) -> Result<(), ErrorKind> {
    if creating {
        return Ok(());
    }
    match spec.tunable {
        Tunability::Anytime => Ok(()),
        Tunability::None => Err(ErrorKind::NotTunable {
            reason: "is not tunable: it cannot be changed after the resource is created".into(),
        }),
        Tunability::AtCreation => Err(ErrorKind::NotTunable {
            reason: "can be set only when the resource is created".into(),
        }),
        Tunability::WhenDisabled => {
            let nodes = cfg
                .groups
                .get(&r.group)
                .map(|g| g.nodelist())
                .unwrap_or_default();
            let enabled_on: Vec<&str> = nodes
                .iter()
                .filter(|n| r.enabled.on(n))
                .map(String::as_str)
                .collect();
            if enabled_on.is_empty() {
                Ok(())
            } else {
                Err(ErrorKind::NotTunable {
                    reason: format!(
                        "can be changed only while the resource is disabled on every node; it is enabled on {}",
                        enabled_on.join(", ")
                    ),
                })
            }
        }
    }
}

/// Rules on the value of one system resource property, beyond its type.
fn check_special(name: &str, value: &Value) -> Result<(), ErrorKind> {
    if DependencyKind::from_property(name).is_some() {
        for entry in value.as_array().unwrap_or_default() {
            DependencyEntry::parse(entry).map_err(|reason| ErrorKind::BadDependency {
                entry: entry.clone(),
                reason,
            })?;
        }
    }
    Ok(())
}

/// The rules that involve a resource and the objects around it, on the configuration as it
/// will be.
pub(crate) fn check_resource(cfg: &ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let r = &cfg.resources[name];
    let object = Object::Resource(name.to_string());
    for kind in DependencyKind::ALL {
        for entry in r.dependencies(kind) {
            let fail = |k| ConfigError::on_property(object.clone(), kind.property(), k);
            if entry.resource == name {
                errs.push(fail(ErrorKind::SelfReference));
            } else if !cfg.resources.contains_key(&entry.resource) {
                errs.push(fail(ErrorKind::UnknownReference {
                    what: "resource".into(),
                    name: entry.resource.clone(),
                }));
            }
            if let Some(node) = entry.node.as_ref().filter(|n| !cfg.nodes.contains_key(*n)) {
                errs.push(fail(ErrorKind::NodeNotInCluster { node: node.clone() }));
            }
        }
    }
    if let Some(Value::Array(used)) = r.properties.get("Network_resources_used") {
        for n in used {
            let is_network = cfg
                .resources
                .get(n)
                .and_then(|d| cfg.types.get(&d.type_name))
                .is_some_and(RegisteredType::is_network_address);
            if !is_network {
                errs.push(ConfigError::on_property(
                    object.clone(),
                    "Network_resources_used",
                    ErrorKind::UnknownReference {
                        what: "network address resource".into(),
                        name: n.clone(),
                    },
                ));
            }
        }
    }
    if let Ok(rtype) = cfg.type_of(r)
        && rtype.spec.single_instance
        && let Some(other) = cfg
            .resources
            .values()
            .find(|o| o.name != name && o.type_name == r.type_name)
    {
        errs.push(ConfigError::new(
            object.clone(),
            ErrorKind::SingleInstance {
                rtype: rtype.name().to_string(),
                existing: other.name.clone(),
            },
        ));
    }
    check_failover_type(cfg, name, errs);
    check_installed(cfg, name, errs);
}

/// A failover type's resource may not be in a group with Maximum_primaries above 1.
pub(crate) fn check_failover_type(cfg: &ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let r = &cfg.resources[name];
    let (Ok(rtype), Some(g)) = (cfg.type_of(r), cfg.groups.get(&r.group)) else {
        return;
    };
    if rtype.spec.failover && g.maximum_primaries() > 1 {
        errs.push(ConfigError::new(
            Object::Resource(name.to_string()),
            ErrorKind::FailoverTypeInScalableGroup {
                rtype: rtype.name().to_string(),
                maximum: g.maximum_primaries(),
            },
        ));
    }
}

/// Every node of the resource's group's Nodelist must be in its type's Installed_nodes.
pub(crate) fn check_installed(cfg: &ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let r = &cfg.resources[name];
    let (Ok(rtype), Some(g)) = (cfg.type_of(r), cfg.groups.get(&r.group)) else {
        return;
    };
    for node in g.nodelist() {
        if !rtype.installed_on(&node) {
            errs.push(ConfigError::on_property(
                Object::ResourceGroup(g.name.clone()),
                "Nodelist",
                ErrorKind::NodeNotInstalled {
                    node,
                    rtype: rtype.name().to_string(),
                    resource: name.to_string(),
                },
            ));
        }
    }
}
