//! The resource group properties (rg_properties(5), reference §b.3): types, defaults and
//! tunability. Every group has all of them; a group stores only the values set explicitly.

use rtreg::{PropertySpec, PropertyType, Tunability, Value};

/// A group property's default, as a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RgDefault {
    None,
    Int(i64),
    Bool(bool),
    Str(&'static str),
    Array(&'static [&'static str]),
}

impl RgDefault {
    pub fn to_value(self) -> Option<Value> {
        match self {
            RgDefault::None => None,
            RgDefault::Int(n) => Some(Value::Int(n)),
            RgDefault::Bool(b) => Some(Value::Bool(b)),
            RgDefault::Str(s) => Some(Value::Str(s.to_string())),
            RgDefault::Array(a) => Some(Value::Array(a.iter().map(|s| s.to_string()).collect())),
        }
    }
}

/// One resource group property.
#[derive(Debug, Clone, Copy)]
pub struct RgProperty {
    pub name: &'static str,
    pub ty: PropertyType,
    pub enum_values: &'static [&'static str],
    pub default: RgDefault,
    pub tunable: Tunability,
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// Maintained by the RGM (or set only by a dedicated command such as `clrg suspend`).
    pub query_only: bool,
}

impl RgProperty {
    /// The property as a schema entry.
    pub fn to_spec(&self) -> PropertySpec {
        let mut p = PropertySpec::new(self.name, self.ty, self.tunable);
        p.default = self.default.to_value();
        p.min = self.min;
        p.max = self.max;
        if self.ty == PropertyType::Enum {
            p.enum_values = Some(self.enum_values.iter().map(|s| s.to_string()).collect());
        }
        p
    }
}

/// The group property named `name`, compared case-insensitively.
pub fn lookup(name: &str) -> Option<&'static RgProperty> {
    RG_PROPERTIES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

const fn settable(
    name: &'static str,
    ty: PropertyType,
    default: RgDefault,
    min: Option<i64>,
) -> RgProperty {
    RgProperty {
        name,
        ty,
        enum_values: &[],
        default,
        tunable: Tunability::Anytime,
        min,
        max: None,
        query_only: false,
    }
}

/// A time in seconds: within 0..=[`crate::schema::MAX_SECONDS`].
const fn seconds(name: &'static str, default: i64) -> RgProperty {
    RgProperty {
        max: Some(crate::schema::MAX_SECONDS),
        ..settable(name, Int, RgDefault::Int(default), Some(0))
    }
}

const fn enumerated(
    name: &'static str,
    members: &'static [&'static str],
    default: &'static str,
    tunable: Tunability,
) -> RgProperty {
    RgProperty {
        name,
        ty: PropertyType::Enum,
        enum_values: members,
        default: RgDefault::Str(default),
        tunable,
        min: None,
        max: None,
        query_only: false,
    }
}

const fn query(name: &'static str, ty: PropertyType) -> RgProperty {
    RgProperty {
        name,
        ty,
        enum_values: &[],
        default: RgDefault::None,
        tunable: Tunability::None,
        min: None,
        max: None,
        query_only: true,
    }
}

use PropertyType::{Boolean, Int, StringArray};
use RgDefault as D;

pub const AUTO_START_ON_NEW_CLUSTER: &str = "Auto_start_on_new_cluster";
pub const DESIRED_PRIMARIES: &str = "Desired_primaries";
pub const FAILBACK: &str = "Failback";
pub const GLOBAL_RESOURCES_USED: &str = "Global_resources_used";
pub const IMPLICIT_NETWORK_DEPENDENCIES: &str = "Implicit_network_dependencies";
pub const MAXIMUM_PRIMARIES: &str = "Maximum_primaries";
pub const NODELIST: &str = "Nodelist";
pub const PINGPONG_INTERVAL: &str = "Pingpong_interval";
pub const RG_AFFINITIES: &str = "RG_affinities";
pub const RG_DEPENDENCIES: &str = "RG_dependencies";
pub const RG_MODE: &str = "RG_mode";
pub const RG_SYSTEM: &str = "RG_system";
pub const SUSPEND_AUTOMATIC_RECOVERY: &str = "Suspend_automatic_recovery";

/// Every resource group property, in rg_properties(5) order.
pub const RG_PROPERTIES: &[RgProperty] = &[
    settable(AUTO_START_ON_NEW_CLUSTER, Boolean, D::Bool(true), None),
    settable(DESIRED_PRIMARIES, Int, D::Int(1), Some(0)),
    settable(FAILBACK, Boolean, D::Bool(false), None),
    settable(GLOBAL_RESOURCES_USED, StringArray, D::Array(&["*"]), None),
    settable(IMPLICIT_NETWORK_DEPENDENCIES, Boolean, D::Bool(true), None),
    settable("Load_factors", StringArray, D::Array(&[]), None),
    settable(MAXIMUM_PRIMARIES, Int, D::Int(1), Some(1)),
    settable(NODELIST, StringArray, D::Array(&[]), None),
    settable("Pathprefix", PropertyType::String, D::Str(""), None),
    seconds(PINGPONG_INTERVAL, 3600),
    enumerated(
        "Preemption_mode",
        &["Has_Cost", "No_Cost", "Never"],
        "Has_Cost",
        Tunability::Anytime,
    ),
    settable("Priority", Int, D::Int(500), None),
    query("Resource_list", StringArray),
    settable(RG_AFFINITIES, StringArray, D::Array(&[]), None),
    settable(RG_DEPENDENCIES, StringArray, D::Array(&[]), None),
    settable("RG_description", PropertyType::String, D::Str(""), None),
    query("RG_is_frozen", Boolean),
    enumerated(
        RG_MODE,
        &["Failover", "Scalable"],
        "Failover",
        Tunability::AtCreation,
    ),
    query("RG_name", PropertyType::String),
    settable(
        "RG_project_name",
        PropertyType::String,
        D::Str("default"),
        None,
    ),
    enumerated(
        "RG_slm_type",
        &["manual", "automated"],
        "manual",
        Tunability::Anytime,
    ),
    enumerated(
        "RG_slm_pset_type",
        &["default", "dedicated_strong", "dedicated_weak"],
        "default",
        Tunability::Anytime,
    ),
    settable("RG_slm_cpu_shares", Int, D::Int(1), Some(1)),
    settable("RG_slm_pset_min", Int, D::Int(0), Some(0)),
    query("RG_state", PropertyType::Enum),
    settable(RG_SYSTEM, Boolean, D::Bool(false), None),
    query(SUSPEND_AUTOMATIC_RECOVERY, Boolean),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fit_and_lookup_ignores_case() {
        for p in RG_PROPERTIES {
            let spec = p.to_spec();
            if let Some(v) = &spec.default {
                spec.check_value(v)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            }
        }
        assert_eq!(lookup("nodelist").unwrap().name, NODELIST);
        assert!(lookup("rg_state").unwrap().query_only);
    }
}
