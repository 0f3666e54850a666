//! The typed result of parsing an RTR file: [`ResourceTypeSpec`] and the pieces it is made of.
//!
//! The serde form of these types *is* the documented JSON interface of `rtreg show --json`
//! (docs/rtreg.md): change it only on purpose, together with that page and the golden files.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::value::Value;

/// A resource type, as registered from an RTR file, with every default the RGM fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceTypeSpec {
    /// Full name: `Vendor_id.Resource_type:RT_version` (without `Vendor_id.` when there is none).
    pub name: String,
    pub resource_type: String,
    pub vendor_id: Option<String>,
    pub rt_version: String,
    pub rt_description: String,
    pub api_version: i64,
    pub failover: bool,
    pub single_instance: bool,
    pub init_nodes: InitNodes,
    pub global_zone: bool,
    pub proxy: bool,
    pub rt_system: bool,
    pub sysdefined_type: Option<SysdefinedType>,
    pub rt_basedir: Option<String>,
    pub pkglist: Vec<String>,
    /// Every declared method, keyed by method, with its path resolved against RT_basedir.
    pub methods: BTreeMap<Method, String>,
    /// Whether the file carries `#$upgrade` (the type is upgrade-aware).
    pub upgrade: bool,
    pub upgrade_from: Vec<UpgradeFrom>,
    /// The resource property schema: declared properties in file order, then the
    /// `<Method>_timeout` properties the RGM adds for declared methods the file left out.
    #[serde(with = "properties_as_map")]
    pub properties: Vec<PropertySpec>,
}

impl ResourceTypeSpec {
    /// The full name for the given parts: `Vendor.type:version`, or `type:version`.
    pub fn full_name(vendor_id: Option<&str>, resource_type: &str, rt_version: &str) -> String {
        match vendor_id {
            Some(v) if !v.is_empty() => format!("{v}.{resource_type}:{rt_version}"),
            _ => format!("{resource_type}:{rt_version}"),
        }
    }

    /// The property named `name` (case-insensitive), if the schema has it.
    pub fn property(&self, name: &str) -> Option<&PropertySpec> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The resolved path of a method, if the type declares it.
    pub fn method(&self, method: Method) -> Option<&str> {
        self.methods.get(&method).map(String::as_str)
    }

    /// The timeout property of a declared method, in seconds.
    pub fn method_timeout(&self, method: Method) -> Option<i64> {
        self.methods.get(&method)?;
        match self.property(method.timeout_property())?.default {
            Some(Value::Int(n)) => Some(n),
            _ => Some(DEFAULT_METHOD_TIMEOUT),
        }
    }
}

/// The timeout, in seconds, of a method whose RTR file gives no `<Method>_timeout` default.
pub const DEFAULT_METHOD_TIMEOUT: i64 = 3600;

/// The twelve callback methods a resource type may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    Start,
    Stop,
    Validate,
    Update,
    Init,
    Fini,
    Boot,
    MonitorStart,
    MonitorStop,
    MonitorCheck,
    PrenetStart,
    PostnetStop,
}

impl Method {
    pub const ALL: [Method; 12] = [
        Method::Start,
        Method::Stop,
        Method::Validate,
        Method::Update,
        Method::Init,
        Method::Fini,
        Method::Boot,
        Method::MonitorStart,
        Method::MonitorStop,
        Method::MonitorCheck,
        Method::PrenetStart,
        Method::PostnetStop,
    ];

    /// The RTR keyword, upper case (`MONITOR_START`).
    pub fn keyword(self) -> &'static str {
        match self {
            Method::Start => "START",
            Method::Stop => "STOP",
            Method::Validate => "VALIDATE",
            Method::Update => "UPDATE",
            Method::Init => "INIT",
            Method::Fini => "FINI",
            Method::Boot => "BOOT",
            Method::MonitorStart => "MONITOR_START",
            Method::MonitorStop => "MONITOR_STOP",
            Method::MonitorCheck => "MONITOR_CHECK",
            Method::PrenetStart => "PRENET_START",
            Method::PostnetStop => "POSTNET_STOP",
        }
    }

    /// The method for an RTR keyword, compared case-insensitively.
    pub fn from_keyword(word: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.keyword().eq_ignore_ascii_case(word))
    }

    /// The name of the system property holding this method's timeout (`Monitor_start_timeout`).
    pub fn timeout_property(self) -> &'static str {
        match self {
            Method::Start => "Start_timeout",
            Method::Stop => "Stop_timeout",
            Method::Validate => "Validate_timeout",
            Method::Update => "Update_timeout",
            Method::Init => "Init_timeout",
            Method::Fini => "Fini_timeout",
            Method::Boot => "Boot_timeout",
            Method::MonitorStart => "Monitor_start_timeout",
            Method::MonitorStop => "Monitor_stop_timeout",
            Method::MonitorCheck => "Monitor_check_timeout",
            Method::PrenetStart => "Prenet_start_timeout",
            Method::PostnetStop => "Postnet_stop_timeout",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// `Init_nodes`: where INIT, FINI, BOOT and VALIDATE run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InitNodes {
    /// The potential masters of the resource's group (its Nodelist).
    #[default]
    RgPrimaries,
    /// Every node where the type is installed (`Installed_nodes`).
    RtInstalledNodes,
}

/// `Sysdefined_type`: marks the two network-address system types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SysdefinedType {
    LogicalHostname,
    SharedAddress,
}

/// One `#$upgrade_from "version" TUNABILITY` directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeFrom {
    /// The older RT_version; empty for a type that had no version.
    pub version: String,
    pub tunability: UpgradeTunability,
}

/// When a resource may move to this type version from an older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UpgradeTunability {
    Anytime,
    WhenUnmonitored,
    WhenOffline,
    WhenDisabled,
    WhenUnmanaged,
}

impl UpgradeTunability {
    pub const ALL: [UpgradeTunability; 5] = [
        UpgradeTunability::Anytime,
        UpgradeTunability::WhenUnmonitored,
        UpgradeTunability::WhenOffline,
        UpgradeTunability::WhenDisabled,
        UpgradeTunability::WhenUnmanaged,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            UpgradeTunability::Anytime => "ANYTIME",
            UpgradeTunability::WhenUnmonitored => "WHEN_UNMONITORED",
            UpgradeTunability::WhenOffline => "WHEN_OFFLINE",
            UpgradeTunability::WhenDisabled => "WHEN_DISABLED",
            UpgradeTunability::WhenUnmanaged => "WHEN_UNMANAGED",
        }
    }

    /// Case-insensitive lookup of a directive's tunability word.
    pub fn from_keyword(word: &str) -> Option<UpgradeTunability> {
        UpgradeTunability::ALL
            .into_iter()
            .find(|t| t.keyword().eq_ignore_ascii_case(word))
    }
}

/// When the administrator may change a resource property (normalised form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Tunability {
    /// Never after the resource exists (RTR spellings `NONE` and `FALSE`).
    None,
    /// At any time (RTR spellings `ANYTIME` and `TRUE`).
    Anytime,
    /// Only when the resource is created.
    AtCreation,
    /// Only while the resource is disabled.
    WhenDisabled,
}

impl Tunability {
    pub fn keyword(self) -> &'static str {
        match self {
            Tunability::None => "NONE",
            Tunability::Anytime => "ANYTIME",
            Tunability::AtCreation => "AT_CREATION",
            Tunability::WhenDisabled => "WHEN_DISABLED",
        }
    }

    /// Case-insensitive lookup of an RTR `TUNABLE = ...` word, with its synonyms.
    pub fn from_keyword(word: &str) -> Option<Tunability> {
        let w = word.to_ascii_uppercase();
        match w.as_str() {
            "NONE" | "FALSE" => Some(Tunability::None),
            "ANYTIME" | "TRUE" => Some(Tunability::Anytime),
            "AT_CREATION" => Some(Tunability::AtCreation),
            "WHEN_DISABLED" => Some(Tunability::WhenDisabled),
            _ => None,
        }
    }
}

/// The type of a resource property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PropertyType {
    Int,
    Boolean,
    String,
    #[serde(rename = "STRINGARRAY")]
    StringArray,
    Enum,
}

impl PropertyType {
    pub fn keyword(self) -> &'static str {
        match self {
            PropertyType::Int => "INT",
            PropertyType::Boolean => "BOOLEAN",
            PropertyType::String => "STRING",
            PropertyType::StringArray => "STRINGARRAY",
            PropertyType::Enum => "ENUM",
        }
    }
}

impl fmt::Display for PropertyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// One resource property of a type's schema: a system-defined property (possibly customised by
/// the RTR file) or an extension property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertySpec {
    /// The name, keeping the case it was declared with.
    #[serde(skip)]
    pub name: String,
    pub extension: bool,
    #[serde(rename = "type")]
    pub ty: PropertyType,
    pub per_node: bool,
    pub tunable: Tunability,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minlength: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxlength: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array_minsize: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub array_maxsize: Option<i64>,
    /// The members of an ENUM, as declared; `None` for every other type.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl PropertySpec {
    /// A property of the given name and type with no bounds, no default and no description.
    pub fn new(name: impl Into<String>, ty: PropertyType, tunable: Tunability) -> PropertySpec {
        PropertySpec {
            name: name.into(),
            extension: false,
            ty,
            per_node: false,
            tunable,
            default: None,
            min: None,
            max: None,
            minlength: None,
            maxlength: None,
            array_minsize: None,
            array_maxsize: None,
            enum_values: None,
            description: None,
        }
    }
}

/// Serialises `Vec<PropertySpec>` as a JSON object keyed by property name, in schema order.
mod properties_as_map {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use super::PropertySpec;

    pub fn serialize<S: Serializer>(props: &[PropertySpec], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(props.len()))?;
        for p in props {
            map.serialize_entry(&p.name, p)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PropertySpec>, D::Error> {
        struct Props;
        impl<'de> Visitor<'de> for Props {
            type Value = Vec<PropertySpec>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of property name to property")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((name, mut prop)) = map.next_entry::<String, PropertySpec>()? {
                    prop.name = name;
                    out.push(prop);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Props)
    }
}
