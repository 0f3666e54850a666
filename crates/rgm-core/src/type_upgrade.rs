//! `Type_version` upgrades: a resource moved to another registered version of its type, as
//! that version's `#$upgrade_from` directives allow (reference §b), with the properties the
//! new version declares filled in from their defaults.

use rtreg::UpgradeTunability;

use crate::change::RuntimeView;
use crate::check_resource::TYPE_VERSION;
use crate::config::{ClusterConfig, RegisteredType, Resource};
use crate::error::{ConfigError, ConfigErrors, ErrorKind, Object};
use crate::schema;

/// Moves a resource to another registered version of its type, as the target version's
/// `#$upgrade_from` directives allow. Returns whether the version changed.
pub(crate) fn upgrade(
    cfg: &ClusterConfig,
    current: &RegisteredType,
    r: &mut Resource,
    version: &str,
    runtime: &dyn RuntimeView,
    errs: &mut ConfigErrors,
) -> bool {
    if version == current.spec.rt_version {
        return false;
    }
    let fail = |reason: String| {
        ConfigError::on_property(
            Object::Resource(r.name.clone()),
            TYPE_VERSION,
            ErrorKind::Upgrade { reason },
        )
    };
    let target = cfg.types.values().find(|t| {
        t.spec.vendor_id == current.spec.vendor_id
            && t.spec.resource_type == current.spec.resource_type
            && t.spec.rt_version == version
    });
    let Some(target) = target else {
        errs.push(fail(format!(
            "no version `{version}` of type {} is registered",
            current.spec.resource_type
        )));
        return false;
    };
    if !target.spec.upgrade {
        errs.push(fail(format!(
            "type {} is not upgrade-aware (no #$upgrade); delete and re-create the resource instead",
            target.name()
        )));
        return false;
    }
    let tunability = target
        .spec
        .upgrade_from
        .iter()
        .find(|u| u.version == current.spec.rt_version)
        .map(|u| u.tunability)
        .unwrap_or(UpgradeTunability::WhenUnmanaged);
    let nodes = cfg
        .groups
        .get(&r.group)
        .map(|g| g.nodelist())
        .unwrap_or_default();
    let allowed = match tunability {
        UpgradeTunability::Anytime => true,
        UpgradeTunability::WhenUnmonitored => r.monitored.off_everywhere(&nodes),
        UpgradeTunability::WhenOffline => runtime.resource_offline_everywhere(&r.name),
        UpgradeTunability::WhenDisabled => r.enabled.off_everywhere(&nodes),
        UpgradeTunability::WhenUnmanaged => cfg.groups.get(&r.group).is_some_and(|g| !g.managed),
    };
    if !allowed {
        errs.push(fail(format!(
            "moving from version `{}` to `{version}` is allowed only {} (#$upgrade_from of {})",
            current.spec.rt_version,
            tunability.keyword(),
            target.name()
        )));
        return false;
    }
    for (name, value) in &r.properties {
        match schema::resource_property(&target.spec, name) {
            None => errs.push(fail(format!(
                "property {name} does not exist in {}",
                target.name()
            ))),
            Some(spec) => {
                if let Err(e) = spec.check_value(value) {
                    errs.push(fail(format!("property {name} in {}: {e}", target.name())));
                }
            }
        }
    }
    r.type_name = target.name().to_string();
    true
}
