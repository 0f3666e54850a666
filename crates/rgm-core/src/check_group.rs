//! Checks and effects of resource group changes: create, update, delete, manage/unmanage,
//! suspend/resume; and the group rules (primaries, Nodelist, RG_dependencies rules 5 and 6,
//! affinities, the resources a group may hold).

use rtreg::{Tunability, Value};

use crate::check_resource;
use crate::check_type::check_cluster_nodes;
use crate::config::{ClusterConfig, ResourceGroup};
use crate::deps::Affinity;
use crate::edit::{PropertyEdit, apply_edit};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};
use crate::name::name_problem;
use crate::rg_props::{self, RG_PROPERTIES};
use crate::schema::nearest;

pub(crate) fn create(
    cfg: &mut ClusterConfig,
    name: &str,
    scalable: bool,
    edits: &[PropertyEdit],
    errs: &mut ConfigErrors,
) -> Vec<String> {
    let object = Object::ResourceGroup(name.to_string());
    if let Some(reason) = name_problem(name) {
        errs.push(ConfigError::new(object, ErrorKind::InvalidName { reason }));
        return Vec::new();
    }
    if cfg.groups.contains_key(name) {
        errs.push(ConfigError::new(object, ErrorKind::AlreadyExists));
        return Vec::new();
    }
    let mut g = ResourceGroup::new(name);
    let changed = apply_edits(&mut g, edits, true, errs);
    if !g.properties.contains_key(rg_props::NODELIST) {
        g.properties
            .insert(rg_props::NODELIST.into(), Value::Array(cfg.node_names()));
    }
    let nodes = g.nodelist().len() as i64;
    if scalable {
        for p in [rg_props::MAXIMUM_PRIMARIES, rg_props::DESIRED_PRIMARIES] {
            g.properties.entry(p.into()).or_insert(Value::Int(nodes));
        }
    }
    let mode = if scalable || g.maximum_primaries() > 1 {
        "Scalable"
    } else {
        "Failover"
    };
    g.properties
        .entry(rg_props::RG_MODE.into())
        .or_insert_with(|| Value::Str(mode.into()));
    cfg.groups.insert(name.to_string(), g);
    if errs.is_empty() {
        check_group(cfg, name, errs);
    }
    changed
}

pub(crate) fn update(
    cfg: &mut ClusterConfig,
    name: &str,
    edits: &[PropertyEdit],
    errs: &mut ConfigErrors,
) -> Vec<String> {
    let mut g = match cfg.group(name) {
        Ok(g) => g.clone(),
        Err(e) => {
            errs.push(e);
            return Vec::new();
        }
    };
    let unprotects = edits.iter().all(|e| {
        e.name.eq_ignore_ascii_case(rg_props::RG_SYSTEM) && e.value.eq_ignore_ascii_case("FALSE")
    });
    if g.rg_system() && !unprotects {
        errs.push(protected(name, "changes"));
        return Vec::new();
    }
    let changed = apply_edits(&mut g, edits, false, errs);
    cfg.groups.insert(name.to_string(), g);
    if errs.is_empty() {
        check_group(cfg, name, errs);
    }
    changed
}

pub(crate) fn delete(cfg: &mut ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let g = match cfg.group(name) {
        Ok(g) => g.clone(),
        Err(e) => return errs.push(e),
    };
    let object = Object::ResourceGroup(name.to_string());
    if g.rg_system() {
        errs.push(protected(name, "deletion"));
    }
    if !g.resources.is_empty() {
        errs.push(ConfigError::new(
            object.clone(),
            ErrorKind::GroupNotEmpty {
                resources: g.resources.join(", "),
            },
        ));
    }
    let referrers: Vec<&str> = cfg
        .groups
        .values()
        .filter(|o| o.name != name)
        .filter(|o| {
            o.rg_dependencies().iter().any(|d| d == name)
                || o.rg_affinities().iter().any(|a| a.group == name)
        })
        .map(|o| o.name.as_str())
        .collect();
    if !referrers.is_empty() {
        errs.push(ConfigError::new(
            object,
            ErrorKind::DependedOn {
                dependents: format!(
                    "resource group(s) {} (RG_dependencies or RG_affinities)",
                    referrers.join(", ")
                ),
            },
        ));
    }
    if errs.is_empty() {
        cfg.groups.remove(name);
    }
}

pub(crate) fn set_managed(
    cfg: &mut ClusterConfig,
    name: &str,
    managed: bool,
    errs: &mut ConfigErrors,
) {
    let nodes = match cfg.group(name) {
        Ok(g) => g.nodelist(),
        Err(e) => return errs.push(e),
    };
    if !managed {
        let enabled: Vec<String> = cfg.groups[name]
            .resources
            .iter()
            .filter(|r| !cfg.resources[*r].enabled.off_everywhere(&nodes))
            .cloned()
            .collect();
        if !enabled.is_empty() {
            errs.push(ConfigError::new(
                Object::ResourceGroup(name.into()),
                ErrorKind::WrongState {
                    reason: format!(
                        "cannot be unmanaged while resources are enabled: {}; disable them first",
                        enabled.join(", ")
                    ),
                },
            ));
            return;
        }
    }
    if let Some(g) = cfg.groups.get_mut(name) {
        g.managed = managed;
    }
}

pub(crate) fn set_suspended(
    cfg: &mut ClusterConfig,
    name: &str,
    suspended: bool,
    errs: &mut ConfigErrors,
) {
    match cfg.groups.get_mut(name) {
        Some(g) => {
            g.properties.insert(
                rg_props::SUSPEND_AUTOMATIC_RECOVERY.into(),
                Value::Bool(suspended),
            );
        }
        None => errs.push(ConfigError::new(
            Object::ResourceGroup(name.into()),
            ErrorKind::NotFound,
        )),
    }
}

fn protected(name: &str, what: &str) -> ConfigError {
    ConfigError::on_property(
        Object::ResourceGroup(name.to_string()),
        rg_props::RG_SYSTEM,
        ErrorKind::Protected {
            reason: format!(
                "is TRUE, which protects the group from {what}; set RG_system=FALSE first"
            ),
        },
    )
}

/// Applies property edits to a group, checking names, values and tunability.
fn apply_edits(
    g: &mut ResourceGroup,
    edits: &[PropertyEdit],
    creating: bool,
    errs: &mut ConfigErrors,
) -> Vec<String> {
    let mut changed = Vec::new();
    for edit in edits {
        let object = Object::ResourceGroup(g.name.clone());
        let fail = |kind| ConfigError::on_property(object.clone(), &edit.name, kind);
        let Some(p) = rg_props::lookup(&edit.name) else {
            let suggestion = nearest(&edit.name, RG_PROPERTIES.iter().map(|p| p.name));
            errs.push(fail(ErrorKind::UnknownProperty { suggestion }));
            continue;
        };
        if p.query_only {
            errs.push(fail(ErrorKind::QueryOnly));
            continue;
        }
        if edit.nodes.is_some() {
            errs.push(fail(ErrorKind::NotPerNode));
            continue;
        }
        if !creating && p.tunable != Tunability::Anytime {
            errs.push(fail(ErrorKind::NotTunable {
                reason: "can be set only when the group is created".into(),
            }));
            continue;
        }
        let spec = p.to_spec();
        let current = g.property(p.name);
        match apply_edit(&spec, current.as_ref(), edit) {
            Ok(value) => {
                if let Err(kind) = check_value(p.name, &value) {
                    errs.push(ConfigError::on_property(object.clone(), p.name, kind));
                    continue;
                }
                g.properties.insert(p.name.to_string(), value);
                if !changed.iter().any(|c| c == p.name) {
                    changed.push(p.name.to_string());
                }
            }
            Err(kind) => errs.push(fail(kind)),
        }
    }
    changed
}

/// Rules on the value of one group property, beyond its type.
fn check_value(name: &str, value: &Value) -> Result<(), ErrorKind> {
    let items = value.as_array().unwrap_or_default();
    match name {
        rg_props::NODELIST => {
            if items.is_empty() {
                return Err(ErrorKind::BadEdit {
                    reason: "Nodelist cannot be empty".into(),
                });
            }
            for (i, n) in items.iter().enumerate() {
                if items[..i].contains(n) {
                    return Err(ErrorKind::BadEdit {
                        reason: format!("node {n} is listed twice"),
                    });
                }
            }
        }
        rg_props::RG_AFFINITIES => {
            for entry in items {
                Affinity::parse(entry).map_err(|reason| ErrorKind::BadAffinity {
                    entry: entry.clone(),
                    reason,
                })?;
            }
        }
        rg_props::RG_DEPENDENCIES => {
            for entry in items {
                if let Some(reason) = name_problem(entry) {
                    return Err(ErrorKind::BadDependency {
                        entry: entry.clone(),
                        reason,
                    });
                }
            }
        }
        rg_props::GLOBAL_RESOURCES_USED if !(items.is_empty() || items == ["*"]) => {
            return Err(ErrorKind::BadEdit {
                reason: "only `*` (all) or an empty value is accepted".into(),
            });
        }
        _ => {}
    }
    Ok(())
}

/// The rules that involve a group and the objects around it, on the configuration as it will
/// be: primaries, Nodelist, RG_dependencies (existence, rules 5 and 6 both ways), affinities,
/// and the resources it holds (failover types, Installed_nodes).
pub(crate) fn check_group(cfg: &ClusterConfig, name: &str, errs: &mut ConfigErrors) {
    let g = &cfg.groups[name];
    let object = Object::ResourceGroup(name.to_string());
    let (desired, maximum, nodelist) = (g.desired_primaries(), g.maximum_primaries(), g.nodelist());
    if desired > maximum {
        errs.push(ConfigError::new(
            object.clone(),
            ErrorKind::DesiredAboveMaximum { desired, maximum },
        ));
    }
    if maximum > nodelist.len() as i64 {
        errs.push(ConfigError::on_property(
            object.clone(),
            rg_props::MAXIMUM_PRIMARIES,
            ErrorKind::MaximumAboveNodelist {
                maximum,
                nodes: nodelist.len(),
            },
        ));
    }
    check_cluster_nodes(cfg, &object, &nodelist, errs);
    for dep in g.rg_dependencies() {
        check_reference(cfg, name, rg_props::RG_DEPENDENCIES, &dep, errs);
        if let Some(other) = cfg.groups.get(&dep) {
            check_dependency_rules(g, other, errs);
        }
    }
    for a in g.rg_affinities() {
        check_reference(cfg, name, rg_props::RG_AFFINITIES, &a.group, errs);
    }
    for dependent in cfg.groups.values() {
        if dependent.name != name && dependent.rg_dependencies().iter().any(|d| d == name) {
            check_dependency_rules(dependent, g, errs);
        }
    }
    for r in &g.resources {
        check_resource::check_failover_type(cfg, r, errs);
        check_resource::check_installed(cfg, r, errs);
    }
}

fn check_reference(
    cfg: &ClusterConfig,
    name: &str,
    property: &str,
    target: &str,
    errs: &mut ConfigErrors,
) {
    let object = Object::ResourceGroup(name.to_string());
    if target == name {
        errs.push(ConfigError::on_property(
            object,
            property,
            ErrorKind::SelfReference,
        ));
    } else if !cfg.groups.contains_key(target) {
        errs.push(ConfigError::on_property(
            object,
            property,
            ErrorKind::UnknownReference {
                what: "resource group".into(),
                name: target.to_string(),
            },
        ));
    }
}

/// RG_dependencies rules 5 and 6 (reference §f.3) for `dependent` listing `on`.
fn check_dependency_rules(dependent: &ResourceGroup, on: &ResourceGroup, errs: &mut ConfigErrors) {
    let object = Object::ResourceGroup(dependent.name.clone());
    if dependent.desired_primaries() > 0 && on.desired_primaries() == 0 {
        errs.push(ConfigError::on_property(
            object.clone(),
            rg_props::DESIRED_PRIMARIES,
            ErrorKind::RgDependencyDesiredPrimaries {
                other: on.name.clone(),
            },
        ));
    }
    if dependent.auto_start_on_new_cluster() && !on.auto_start_on_new_cluster() {
        errs.push(ConfigError::on_property(
            object,
            rg_props::AUTO_START_ON_NEW_CLUSTER,
            ErrorKind::RgDependencyAutoStart {
                other: on.name.clone(),
            },
        ));
    }
}
