//! The cluster configuration: nodes, registered resource types, resource groups and resources,
//! with typed accessors for the properties the RGM acts on.
//!
//! Objects store only the property values set explicitly; everything else reads as the schema's
//! default. Mutation goes through [`crate::change`], which checks a change before applying it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rtreg::{InitNodes, Method, ResourceTypeSpec, SysdefinedType, Value};

use crate::deps::{Affinity, DependencyEntry, DependencyKind};
use crate::error::{ConfigError, ErrorKind, Object};
use crate::rg_props;
use crate::schema;

/// The whole configuration of one cluster: what the store persists.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClusterConfig {
    pub cluster_name: String,
    pub nodes: BTreeMap<String, Node>,
    pub types: BTreeMap<String, RegisteredType>,
    pub groups: BTreeMap<String, ResourceGroup>,
    pub resources: BTreeMap<String, Resource>,
    /// The highest node id given to a node since removed (ids are never reused); 0 until a
    /// node is removed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub removed_node_id: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A cluster node. The id is the integer node id VALIDATE's `-X prop{nodeid}=value` carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub name: String,
    pub id: u32,
}

/// A registered resource type: the RTR file's spec plus what the administrator sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredType {
    pub spec: ResourceTypeSpec,
    /// `Installed_nodes`; `None` means every cluster node (shown as `<All>`).
    pub installed_nodes: Option<Vec<String>>,
    pub rt_system: bool,
}

impl RegisteredType {
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Whether the type is installed on `node`.
    pub fn installed_on(&self, node: &str) -> bool {
        self.installed_nodes
            .as_ref()
            .is_none_or(|nodes| nodes.iter().any(|n| n == node))
    }

    /// Whether resources of this type are network addresses (LogicalHostname, SharedAddress).
    pub fn is_network_address(&self) -> bool {
        self.spec.sysdefined_type.is_some()
    }

    pub fn is_logical_hostname(&self) -> bool {
        self.spec.sysdefined_type == Some(SysdefinedType::LogicalHostname)
    }
}

/// A resource group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceGroup {
    pub name: String,
    /// Unmanaged groups are not under the RGM's control (INIT not run, or FINI run).
    pub managed: bool,
    /// Explicitly set property values, keyed by the property's canonical name.
    pub properties: BTreeMap<String, Value>,
    /// `Resource_list`: the group's resources in creation order.
    pub resources: Vec<String>,
}

impl ResourceGroup {
    /// A new, unmanaged, empty group.
    pub fn new(name: impl Into<String>) -> ResourceGroup {
        ResourceGroup {
            name: name.into(),
            managed: false,
            properties: BTreeMap::new(),
            resources: Vec::new(),
        }
    }

    /// The effective value of a group property (explicit or default); `None` for an unknown
    /// or query-only property.
    pub fn property(&self, name: &str) -> Option<Value> {
        let p = rg_props::lookup(name)?;
        self.properties
            .get(p.name)
            .cloned()
            .or_else(|| p.default.to_value())
    }

    fn int(&self, name: &str) -> i64 {
        self.property(name).and_then(|v| v.as_int()).unwrap_or(0)
    }

    fn flag(&self, name: &str) -> bool {
        self.property(name)
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.property(name) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        }
    }

    /// `Nodelist`: the potential masters, most preferred first.
    pub fn nodelist(&self) -> Vec<String> {
        self.list(rg_props::NODELIST)
    }

    pub fn maximum_primaries(&self) -> i64 {
        self.int(rg_props::MAXIMUM_PRIMARIES)
    }

    pub fn desired_primaries(&self) -> i64 {
        self.int(rg_props::DESIRED_PRIMARIES)
    }

    pub fn failback(&self) -> bool {
        self.flag(rg_props::FAILBACK)
    }

    pub fn auto_start_on_new_cluster(&self) -> bool {
        self.flag(rg_props::AUTO_START_ON_NEW_CLUSTER)
    }

    pub fn implicit_network_dependencies(&self) -> bool {
        self.flag(rg_props::IMPLICIT_NETWORK_DEPENDENCIES)
    }

    pub fn pingpong_interval(&self) -> i64 {
        self.int(rg_props::PINGPONG_INTERVAL)
    }

    pub fn suspended(&self) -> bool {
        self.flag(rg_props::SUSPEND_AUTOMATIC_RECOVERY)
    }

    pub fn rg_system(&self) -> bool {
        self.flag(rg_props::RG_SYSTEM)
    }

    /// Whether the group may be online on more than one node at once.
    pub fn is_scalable(&self) -> bool {
        self.property(rg_props::RG_MODE)
            .and_then(|v| v.as_str().map(|s| s.eq_ignore_ascii_case("Scalable")))
            .unwrap_or(false)
    }

    /// `RG_dependencies`: the groups this one depends on.
    pub fn rg_dependencies(&self) -> Vec<String> {
        self.list(rg_props::RG_DEPENDENCIES)
    }

    /// `RG_affinities`, parsed; malformed elements (which checks refuse) are skipped.
    pub fn rg_affinities(&self) -> Vec<Affinity> {
        self.list(rg_props::RG_AFFINITIES)
            .iter()
            .filter_map(|e| Affinity::parse(e).ok())
            .collect()
    }
}

/// A per-node on/off switch: `On_off_switch` (enabled) and `Monitored_switch` (monitored).
/// `clrs enable -n n1` changes one node; without `-n`, all of them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeSwitch {
    /// The value on nodes without an override.
    pub all: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, bool>,
}

impl NodeSwitch {
    pub fn new(all: bool) -> NodeSwitch {
        NodeSwitch {
            all,
            nodes: BTreeMap::new(),
        }
    }

    pub fn on(&self, node: &str) -> bool {
        self.nodes.get(node).copied().unwrap_or(self.all)
    }

    /// Sets the switch on the given nodes, or on all nodes (dropping overrides) when `None`.
    pub fn set(&mut self, nodes: Option<&[String]>, value: bool) {
        match nodes {
            None => {
                self.all = value;
                self.nodes.clear();
            }
            Some(nodes) => {
                for n in nodes {
                    self.nodes.insert(n.clone(), value);
                }
                self.nodes.retain(|_, v| *v != self.all);
            }
        }
    }

    /// Whether the switch is off on every one of `nodes`.
    pub fn off_everywhere(&self, nodes: &[String]) -> bool {
        nodes.iter().all(|n| !self.on(n))
    }
}

/// A resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    pub group: String,
    /// The full name of its registered type (`Vendor.type:version`).
    pub type_name: String,
    /// Explicitly set property values, keyed by the property's canonical (schema) name.
    pub properties: BTreeMap<String, Value>,
    /// Per-node values of PER_NODE extension properties, by property then node.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_node: BTreeMap<String, BTreeMap<String, Value>>,
    /// `On_off_switch`.
    pub enabled: NodeSwitch,
    /// `Monitored_switch`.
    pub monitored: NodeSwitch,
}

impl Resource {
    /// The value set explicitly, for a node when the property has per-node values.
    pub fn explicit(&self, canonical: &str, node: Option<&str>) -> Option<&Value> {
        node.and_then(|n| self.per_node.get(canonical)?.get(n))
            .or_else(|| self.properties.get(canonical))
    }

    /// The raw elements of one dependency property.
    pub fn dependency_texts(&self, kind: DependencyKind) -> &[String] {
        self.properties
            .get(kind.property())
            .and_then(Value::as_array)
            .unwrap_or_default()
    }

    /// One dependency property, parsed; malformed elements (which checks refuse) are skipped.
    pub fn dependencies(&self, kind: DependencyKind) -> Vec<DependencyEntry> {
        self.dependency_texts(kind)
            .iter()
            .filter_map(|e| DependencyEntry::parse(e).ok())
            .collect()
    }
}

impl ClusterConfig {
    /// An empty configuration for a cluster of the given name.
    pub fn new(cluster_name: impl Into<String>) -> ClusterConfig {
        ClusterConfig {
            cluster_name: cluster_name.into(),
            ..ClusterConfig::default()
        }
    }

    /// Node names in id order.
    pub fn node_names(&self) -> Vec<String> {
        let mut nodes: Vec<&Node> = self.nodes.values().collect();
        nodes.sort_by_key(|n| n.id);
        nodes.into_iter().map(|n| n.name.clone()).collect()
    }

    /// Adds a node (cluster membership is configuration too); ids are never reused.
    pub fn add_node(&mut self, name: &str) -> Result<u32, ConfigError> {
        let object = Object::Node(name.to_string());
        if let Some(reason) = crate::name::name_problem(name) {
            return Err(ConfigError::new(object, ErrorKind::InvalidName { reason }));
        }
        if self.nodes.contains_key(name) {
            return Err(ConfigError::new(object, ErrorKind::AlreadyExists));
        }
        let id = self
            .nodes
            .values()
            .map(|n| n.id)
            .max()
            .unwrap_or(0)
            .max(self.removed_node_id)
            + 1;
        self.nodes.insert(
            name.to_string(),
            Node {
                name: name.to_string(),
                id,
            },
        );
        Ok(id)
    }

    pub fn group(&self, name: &str) -> Result<&ResourceGroup, ConfigError> {
        self.groups.get(name).ok_or_else(|| {
            ConfigError::new(Object::ResourceGroup(name.into()), ErrorKind::NotFound)
        })
    }

    pub fn resource(&self, name: &str) -> Result<&Resource, ConfigError> {
        self.resources
            .get(name)
            .ok_or_else(|| ConfigError::new(Object::Resource(name.into()), ErrorKind::NotFound))
    }

    /// The registered type of a resource.
    pub fn type_of(&self, r: &Resource) -> Result<&RegisteredType, ConfigError> {
        self.types.get(&r.type_name).ok_or_else(|| {
            ConfigError::new(
                Object::ResourceType(r.type_name.clone()),
                ErrorKind::NotFound,
            )
        })
    }

    /// Finds a type by its full name (`ACME.rec:1`) or, where unambiguous, without version
    /// (`ACME.rec`), without vendor (`rec:1`) or by bare name (`rec`).
    pub fn resolve_type(&self, name: &str) -> Result<&RegisteredType, ConfigError> {
        if let Some(t) = self.types.get(name) {
            return Ok(t);
        }
        let matches: Vec<&RegisteredType> = self
            .types
            .values()
            .filter(|t| type_name_matches(&t.spec, name))
            .collect();
        let object = Object::ResourceType(name.to_string());
        match matches.as_slice() {
            [one] => Ok(one),
            [] => Err(ConfigError::new(object, ErrorKind::NotFound)),
            many => Err(ConfigError::new(
                object,
                ErrorKind::Ambiguous {
                    candidates: many
                        .iter()
                        .map(|t| t.name().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
            )),
        }
    }

    /// The effective value of a resource property on a node (`None` for the cluster-wide
    /// value): explicit, else the type's default. `None` for unknown properties and for
    /// properties with neither.
    pub fn resource_property(&self, r: &Resource, name: &str, node: Option<&str>) -> Option<Value> {
        let rtype = self.types.get(&r.type_name)?;
        let spec = schema::resource_property(&rtype.spec, name)?;
        r.explicit(&spec.name, node)
            .cloned()
            .or_else(|| match spec.name.as_str() {
                "Type_version" => Some(Value::Str(rtype.spec.rt_version.clone())),
                _ => spec.default.clone(),
            })
    }

    /// The timeout of a method for a resource, in seconds.
    pub fn method_timeout(&self, r: &Resource, method: Method) -> i64 {
        self.resource_property(r, method.timeout_property(), None)
            .and_then(|v| v.as_int())
            .unwrap_or(rtreg::DEFAULT_METHOD_TIMEOUT)
            .clamp(0, crate::schema::MAX_SECONDS)
    }

    /// `Failover_mode` of a resource.
    pub fn failover_mode(&self, r: &Resource) -> FailoverMode {
        self.resource_property(r, "Failover_mode", None)
            .and_then(|v| v.as_str().and_then(FailoverMode::from_name))
            .unwrap_or(FailoverMode::None)
    }

    /// An integer property of a resource, if the type has it.
    pub fn resource_int(&self, r: &Resource, name: &str) -> Option<i64> {
        self.resource_property(r, name, None)
            .and_then(|v| v.as_int())
    }

    /// The nodes where INIT, FINI, BOOT and VALIDATE run for a resource (`Init_nodes`).
    pub fn init_nodes(&self, r: &Resource) -> Vec<String> {
        let Ok(rtype) = self.type_of(r) else {
            return Vec::new();
        };
        match rtype.spec.init_nodes {
            InitNodes::RgPrimaries => self
                .groups
                .get(&r.group)
                .map(ResourceGroup::nodelist)
                .unwrap_or_default(),
            InitNodes::RtInstalledNodes => self
                .node_names()
                .into_iter()
                .filter(|n| rtype.installed_on(n))
                .collect(),
        }
    }
}

fn type_name_matches(spec: &ResourceTypeSpec, name: &str) -> bool {
    let vendor = spec.vendor_id.as_deref().unwrap_or("");
    let rt = &spec.resource_type;
    let without_version = if vendor.is_empty() {
        rt.clone()
    } else {
        format!("{vendor}.{rt}")
    };
    name == without_version || name == format!("{rt}:{}", spec.rt_version) || name == rt
}

/// `Failover_mode` (reference §e.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailoverMode {
    None,
    Soft,
    Hard,
    RestartOnly,
    LogOnly,
}

impl FailoverMode {
    pub fn name(self) -> &'static str {
        match self {
            FailoverMode::None => "NONE",
            FailoverMode::Soft => "SOFT",
            FailoverMode::Hard => "HARD",
            FailoverMode::RestartOnly => "RESTART_ONLY",
            FailoverMode::LogOnly => "LOG_ONLY",
        }
    }

    pub fn from_name(s: &str) -> Option<FailoverMode> {
        match s.to_ascii_uppercase().as_str() {
            "NONE" => Some(FailoverMode::None),
            "SOFT" => Some(FailoverMode::Soft),
            "HARD" => Some(FailoverMode::Hard),
            "RESTART_ONLY" => Some(FailoverMode::RestartOnly),
            "LOG_ONLY" => Some(FailoverMode::LogOnly),
            _ => None,
        }
    }
}
