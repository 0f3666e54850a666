//! The system-defined resource properties (r_properties(5), reference §b.2): their types,
//! defaults, tunability and when a resource has them.
//!
//! The RTR parser uses this table to recognise system properties a file customises; rgm-core
//! uses it to give every resource the properties the RGM defines whatever its type.

use crate::spec::{Method, PropertySpec, PropertyType, Tunability};
use crate::value::Value;

/// When a resource has a system-defined property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Every resource has it, declared in the RTR file or not.
    Always,
    /// Only resources of types whose RTR file declares it ("conditional" properties).
    IfDeclared,
    /// Only resources of types that declare this method (the `<Method>_timeout` properties).
    IfMethod(Method),
    /// Maintained by the RGM and read with queries; never declared, never set by `-p`.
    QueryOnly,
}

/// A system default, as a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysDefault {
    None,
    Int(i64),
    Bool(bool),
    Str(&'static str),
    EmptyArray,
}

impl SysDefault {
    pub fn to_value(self) -> Option<Value> {
        match self {
            SysDefault::None => None,
            SysDefault::Int(n) => Some(Value::Int(n)),
            SysDefault::Bool(b) => Some(Value::Bool(b)),
            SysDefault::Str(s) => Some(Value::Str(s.to_string())),
            SysDefault::EmptyArray => Some(Value::Array(Vec::new())),
        }
    }
}

/// One system-defined resource property.
#[derive(Debug, Clone, Copy)]
pub struct SystemProperty {
    /// The name as r_properties(5) spells it.
    pub name: &'static str,
    pub ty: PropertyType,
    pub enum_values: &'static [&'static str],
    pub default: SysDefault,
    pub tunable: Tunability,
    pub presence: Presence,
    /// Whether the RGM keeps one value per node (query-only state such as Resource_state).
    pub per_node: bool,
}

impl SystemProperty {
    /// The property as a schema entry with the RGM's defaults.
    pub fn to_spec(&self) -> PropertySpec {
        let mut p = PropertySpec::new(self.name, self.ty, self.tunable);
        p.per_node = self.per_node;
        p.default = self.default.to_value();
        if self.ty == PropertyType::Enum {
            p.enum_values = Some(self.enum_values.iter().map(|s| s.to_string()).collect());
        }
        p
    }

    /// Whether an RTR file may declare (customise) this property.
    pub fn declarable(&self) -> bool {
        self.presence != Presence::QueryOnly
    }
}

/// The system-defined property named `name`, compared case-insensitively.
pub fn lookup(name: &str) -> Option<&'static SystemProperty> {
    RESOURCE_PROPERTIES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

const fn prop(
    name: &'static str,
    ty: PropertyType,
    default: SysDefault,
    tunable: Tunability,
    presence: Presence,
) -> SystemProperty {
    SystemProperty {
        name,
        ty,
        enum_values: &[],
        default,
        tunable,
        presence,
        per_node: false,
    }
}

const fn timeout(name: &'static str, method: Method) -> SystemProperty {
    prop(
        name,
        PropertyType::Int,
        SysDefault::Int(crate::spec::DEFAULT_METHOD_TIMEOUT),
        Tunability::Anytime,
        Presence::IfMethod(method),
    )
}

const fn query(name: &'static str, ty: PropertyType, per_node: bool) -> SystemProperty {
    SystemProperty {
        name,
        ty,
        enum_values: &[],
        default: SysDefault::None,
        tunable: Tunability::None,
        presence: Presence::QueryOnly,
        per_node,
    }
}

const fn query_enum(name: &'static str, members: &'static [&'static str]) -> SystemProperty {
    SystemProperty {
        name,
        ty: PropertyType::Enum,
        enum_values: members,
        default: SysDefault::None,
        tunable: Tunability::None,
        presence: Presence::QueryOnly,
        per_node: true,
    }
}

use PropertyType::{Boolean, Int, StringArray};
use SysDefault as D;
use Tunability::{Anytime, AtCreation, WhenDisabled};

/// `Failover_mode` values.
pub const FAILOVER_MODES: &[&str] = &["NONE", "SOFT", "HARD", "RESTART_ONLY", "LOG_ONLY"];
/// `Load_balancing_policy` values.
pub const LOAD_BALANCING_POLICIES: &[&str] = &["LB_WEIGHTED", "LB_STICKY", "LB_STICKY_WILD"];
/// Public `Resource_state` values.
pub const RESOURCE_STATES: &[&str] = &[
    "ONLINE",
    "OFFLINE",
    "START_FAILED",
    "STOP_FAILED",
    "MONITOR_FAILED",
    "ONLINE_NOT_MONITORED",
    "STARTING",
    "STOPPING",
    "DETACHED",
];
/// `Status` values (set by `scha_resource_setstatus`).
pub const STATUSES: &[&str] = &["OK", "DEGRADED", "FAULTED", "UNKNOWN", "OFFLINE"];
/// `On_off_switch` / `Monitored_switch` values.
pub const SWITCHES: &[&str] = &["Enabled", "Disabled"];

/// Every system-defined resource property, in r_properties(5) order.
pub const RESOURCE_PROPERTIES: &[SystemProperty] = &[
    prop(
        "Affinity_timeout",
        Int,
        D::None,
        Anytime,
        Presence::IfDeclared,
    ),
    timeout("Boot_timeout", Method::Boot),
    prop(
        "Cheap_probe_interval",
        Int,
        D::None,
        WhenDisabled,
        Presence::IfDeclared,
    ),
    prop(
        "Conn_threshold",
        Int,
        D::None,
        WhenDisabled,
        Presence::IfDeclared,
    ),
    SystemProperty {
        name: "Failover_mode",
        ty: PropertyType::Enum,
        enum_values: FAILOVER_MODES,
        default: D::Str("NONE"),
        tunable: Anytime,
        presence: Presence::Always,
        per_node: false,
    },
    timeout("Fini_timeout", Method::Fini),
    prop(
        "Generic_affinity",
        Boolean,
        D::Bool(false),
        AtCreation,
        Presence::IfDeclared,
    ),
    prop(
        "Global_zone_override",
        Boolean,
        D::Bool(true),
        AtCreation,
        Presence::IfDeclared,
    ),
    timeout("Init_timeout", Method::Init),
    prop(
        "IPsec_session_failover",
        Boolean,
        D::Bool(false),
        AtCreation,
        Presence::IfDeclared,
    ),
    SystemProperty {
        name: "Load_balancing_policy",
        ty: PropertyType::Enum,
        enum_values: LOAD_BALANCING_POLICIES,
        default: D::Str("LB_WEIGHTED"),
        tunable: AtCreation,
        presence: Presence::IfDeclared,
        per_node: false,
    },
    prop(
        "Load_balancing_weights",
        StringArray,
        D::EmptyArray,
        Anytime,
        Presence::IfDeclared,
    ),
    timeout("Monitor_check_timeout", Method::MonitorCheck),
    timeout("Monitor_start_timeout", Method::MonitorStart),
    timeout("Monitor_stop_timeout", Method::MonitorStop),
    query_enum("Monitored_switch", SWITCHES),
    prop(
        "Network_resources_used",
        StringArray,
        D::EmptyArray,
        WhenDisabled,
        Presence::Always,
    ),
    query("Num_resource_restarts", Int, true),
    query("Num_rg_restarts", Int, true),
    query_enum("On_off_switch", SWITCHES),
    prop(
        "Outgoing_Connection",
        Boolean,
        D::Bool(false),
        AtCreation,
        Presence::IfDeclared,
    ),
    prop(
        "Port_list",
        StringArray,
        D::EmptyArray,
        AtCreation,
        Presence::IfDeclared,
    ),
    timeout("Postnet_stop_timeout", Method::PostnetStop),
    timeout("Prenet_start_timeout", Method::PrenetStart),
    prop(
        "R_description",
        PropertyType::String,
        D::Str(""),
        Anytime,
        Presence::Always,
    ),
    prop(
        "Resource_dependencies",
        StringArray,
        D::EmptyArray,
        Anytime,
        Presence::Always,
    ),
    prop(
        "Resource_dependencies_offline_restart",
        StringArray,
        D::EmptyArray,
        Anytime,
        Presence::Always,
    ),
    prop(
        "Resource_dependencies_restart",
        StringArray,
        D::EmptyArray,
        Anytime,
        Presence::Always,
    ),
    prop(
        "Resource_dependencies_weak",
        StringArray,
        D::EmptyArray,
        Anytime,
        Presence::Always,
    ),
    query("Resource_name", PropertyType::String, false),
    prop(
        "Resource_project_name",
        PropertyType::String,
        D::Str("default"),
        Anytime,
        Presence::Always,
    ),
    query_enum("Resource_state", RESOURCE_STATES),
    prop(
        "Retry_count",
        Int,
        D::None,
        WhenDisabled,
        Presence::IfDeclared,
    ),
    prop(
        "Retry_interval",
        Int,
        D::None,
        WhenDisabled,
        Presence::IfDeclared,
    ),
    prop(
        "Round_robin",
        Boolean,
        D::Bool(false),
        AtCreation,
        Presence::IfDeclared,
    ),
    prop(
        "Scalable",
        Boolean,
        D::Bool(false),
        AtCreation,
        Presence::IfDeclared,
    ),
    timeout("Start_timeout", Method::Start),
    query_enum("Status", STATUSES),
    query("Status_msg", PropertyType::String, true),
    timeout("Stop_timeout", Method::Stop),
    prop(
        "Thorough_probe_interval",
        Int,
        D::None,
        WhenDisabled,
        Presence::IfDeclared,
    ),
    query("Type", PropertyType::String, false),
    prop(
        "Type_version",
        PropertyType::String,
        D::None,
        Anytime,
        Presence::Always,
    ),
    prop(
        "UDP_affinity",
        Boolean,
        D::Bool(false),
        WhenDisabled,
        Presence::IfDeclared,
    ),
    timeout("Update_timeout", Method::Update),
    timeout("Validate_timeout", Method::Validate),
    prop(
        "Weak_affinity",
        Boolean,
        D::Bool(false),
        WhenDisabled,
        Presence::IfDeclared,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_exactly_one_timeout_property() {
        for m in Method::ALL {
            let p = lookup(m.timeout_property()).expect("timeout property in table");
            assert_eq!(p.presence, Presence::IfMethod(m));
            assert_eq!(p.default, SysDefault::Int(3600));
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_names_are_unique() {
        assert_eq!(lookup("FailOver_Mode").unwrap().name, "Failover_mode");
        for (i, a) in RESOURCE_PROPERTIES.iter().enumerate() {
            for b in &RESOURCE_PROPERTIES[i + 1..] {
                assert!(!a.name.eq_ignore_ascii_case(b.name), "{} twice", a.name);
            }
        }
    }

    #[test]
    fn defaults_fit_their_own_types() {
        for p in RESOURCE_PROPERTIES {
            let spec = p.to_spec();
            if let Some(v) = &spec.default {
                spec.check_value(v)
                    .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            }
        }
    }
}
