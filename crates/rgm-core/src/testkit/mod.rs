//! Builders of configurations for tests, benches and the simulator: resource types without an
//! RTR file, and clusters assembled through the same checked changes administrators use.

use std::collections::BTreeMap;

use rtreg::system;
use rtreg::{InitNodes, Method, PropertySpec, PropertyType, ResourceTypeSpec, Tunability, Value};

use crate::change::{Change, NothingRunning};
use crate::config::ClusterConfig;
use crate::edit::PropertyEdit;

mod harness;
pub use harness::Harness;

/// A resource type spec built in code, with the same normalisation the RTR parser applies
/// (timeouts for declared methods).
#[derive(Debug, Clone)]
pub struct TypeBuilder {
    spec: ResourceTypeSpec,
}

impl TypeBuilder {
    /// `vendor.name:version` with START and STOP under `/opt/<vendor>/bin`.
    pub fn new(vendor: &str, name: &str, version: &str) -> TypeBuilder {
        let spec = ResourceTypeSpec {
            name: ResourceTypeSpec::full_name(Some(vendor), name, version),
            resource_type: name.to_string(),
            vendor_id: Some(vendor.to_string()),
            rt_version: version.to_string(),
            rt_description: String::new(),
            api_version: 2,
            failover: false,
            single_instance: false,
            init_nodes: InitNodes::RgPrimaries,
            global_zone: false,
            proxy: false,
            rt_system: false,
            sysdefined_type: None,
            rt_basedir: Some(format!("/opt/{vendor}/bin")),
            pkglist: Vec::new(),
            methods: BTreeMap::new(),
            upgrade: false,
            upgrade_from: Vec::new(),
            properties: Vec::new(),
        };
        TypeBuilder { spec }.methods(&[Method::Start, Method::Stop])
    }

    /// Declares methods (path `<basedir>/<name>_<method>`) and their timeout properties.
    pub fn methods(mut self, methods: &[Method]) -> TypeBuilder {
        for &m in methods {
            let path = format!(
                "/opt/{}/bin/{}_{}",
                self.spec.vendor_id.as_deref().unwrap_or(""),
                self.spec.resource_type,
                m.keyword().to_ascii_lowercase()
            );
            self.spec.methods.insert(m, path);
            if self.spec.property(m.timeout_property()).is_none() {
                let p = system::lookup(m.timeout_property()).expect("timeout property");
                self.spec.properties.push(p.to_spec());
            }
        }
        self
    }

    /// Sets a declared method's timeout default.
    pub fn timeout(mut self, method: Method, seconds: i64) -> TypeBuilder {
        if let Some(p) = self
            .spec
            .properties
            .iter_mut()
            .find(|p| p.name == method.timeout_property())
        {
            p.default = Some(Value::Int(seconds));
        }
        self
    }

    pub fn failover(mut self, yes: bool) -> TypeBuilder {
        self.spec.failover = yes;
        self
    }

    pub fn single_instance(mut self) -> TypeBuilder {
        self.spec.single_instance = true;
        self
    }

    pub fn init_nodes(mut self, init: InitNodes) -> TypeBuilder {
        self.spec.init_nodes = init;
        self
    }

    pub fn logical_hostname(mut self) -> TypeBuilder {
        self.spec.sysdefined_type = Some(rtreg::SysdefinedType::LogicalHostname);
        self
    }

    /// Marks the type upgrade-aware, taking over from the given versions.
    pub fn upgrade_from(mut self, from: &[(&str, rtreg::UpgradeTunability)]) -> TypeBuilder {
        self.spec.upgrade = true;
        self.spec.upgrade_from = from
            .iter()
            .map(|(v, t)| rtreg::UpgradeFrom {
                version: v.to_string(),
                tunability: *t,
            })
            .collect();
        self
    }

    /// Declares a system property (customised as an RTR block would).
    pub fn system(
        mut self,
        name: &str,
        default: Option<Value>,
        tunable: Option<Tunability>,
    ) -> TypeBuilder {
        let sys = system::lookup(name).expect("a system-defined property");
        let mut p = sys.to_spec();
        if default.is_some() {
            p.default = default;
        }
        if let Some(t) = tunable {
            p.tunable = t;
        }
        self.spec
            .properties
            .retain(|q| !q.name.eq_ignore_ascii_case(name));
        self.spec.properties.push(p);
        self
    }

    /// Declares an extension property.
    pub fn extension(
        mut self,
        name: &str,
        ty: PropertyType,
        default: Option<Value>,
    ) -> TypeBuilder {
        let mut p = PropertySpec::new(name, ty, Tunability::Anytime);
        p.extension = true;
        p.default = default;
        self.spec.properties.push(p);
        self
    }

    /// Changes the last declared property.
    pub fn with(mut self, f: impl FnOnce(&mut PropertySpec)) -> TypeBuilder {
        if let Some(p) = self.spec.properties.last_mut() {
            f(p);
        }
        self
    }

    pub fn build(self) -> ResourceTypeSpec {
        self.spec
    }
}

/// Applies a change that must succeed (panics with every problem otherwise).
pub fn must(cfg: &mut ClusterConfig, change: Change) {
    if let Err(e) = cfg.apply(&change, &NothingRunning) {
        panic!("{change:?} was refused:\n{e}");
    }
}

/// Parses `-p` arguments.
pub fn edits(args: &[&str]) -> Vec<PropertyEdit> {
    args.iter()
        .map(|a| a.parse().unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// A cluster with the given nodes and one generic type `TEST.app:1` (START, STOP,
/// MONITOR_START, MONITOR_STOP, VALIDATE; Retry_count/Retry_interval declared).
pub fn cluster(nodes: &[&str]) -> ClusterConfig {
    let mut cfg = ClusterConfig::new("test");
    for n in nodes {
        must(
            &mut cfg,
            Change::AddNode {
                name: n.to_string(),
            },
        );
    }
    let app = TypeBuilder::new("TEST", "app", "1")
        .methods(&[
            Method::MonitorStart,
            Method::MonitorStop,
            Method::Validate,
            Method::Update,
        ])
        .system(
            "Retry_count",
            Some(Value::Int(2)),
            Some(Tunability::Anytime),
        )
        .with(|p| p.max = Some(10))
        .system(
            "Retry_interval",
            Some(Value::Int(300)),
            Some(Tunability::Anytime),
        )
        .build();
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(app),
            installed_nodes: None,
            rt_system: None,
        },
    );
    cfg
}

/// Creates a group with `-p` arguments.
pub fn group(cfg: &mut ClusterConfig, name: &str, props: &[&str]) {
    must(
        cfg,
        Change::CreateGroup {
            name: name.to_string(),
            scalable: false,
            edits: edits(props),
        },
    );
}

/// Creates an enabled resource of type `TEST.app:1` with `-p` arguments.
pub fn resource(cfg: &mut ClusterConfig, name: &str, group: &str, props: &[&str]) {
    must(
        cfg,
        Change::CreateResource {
            name: name.to_string(),
            group: group.to_string(),
            type_name: "TEST.app:1".to_string(),
            edits: edits(props),
            enabled: true,
        },
    );
}

/// The bench and simulator workload of `../shared/peers/gen_cib.py -n N --chain C`: `nodes`
/// nodes, `resources` resources in groups of 10 strongly chained resources, groups chained
/// `chain` at a time with RG_dependencies and `++` affinities; chain k prefers node
/// (k mod N)+1, as gen_cib places it. Built directly (no per-change checks) so that large
/// sizes are quick; [`ClusterConfig::plan`] accepts every piece of it.
pub fn chained_cluster(nodes: usize, resources: usize, chain: usize) -> ClusterConfig {
    let names: Vec<String> = (1..=nodes).map(|i| format!("node{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut cfg = cluster(&refs);
    let groups = resources.div_ceil(10).max(1);
    for gi in 0..groups {
        let name = format!("rg{}", gi + 1);
        let mut g = crate::config::ResourceGroup::new(&name);
        g.managed = true;
        let mut nodelist = names.clone();
        nodelist.rotate_left((gi / chain) % nodes);
        g.properties
            .insert("Nodelist".into(), Value::Array(nodelist));
        g.properties
            .insert("RG_mode".into(), Value::Str("Failover".into()));
        if gi % chain != 0 {
            let prev = format!("rg{gi}");
            g.properties
                .insert("RG_dependencies".into(), Value::Array(vec![prev.clone()]));
            g.properties.insert(
                "RG_affinities".into(),
                Value::Array(vec![format!("++{prev}")]),
            );
        }
        let members = (resources - gi * 10).min(10);
        for ri in 0..members {
            let rname = format!("rg{}-r{}", gi + 1, ri + 1);
            let mut props = BTreeMap::new();
            if ri > 0 {
                props.insert(
                    "Resource_dependencies".to_string(),
                    Value::Array(vec![format!("rg{}-r{}", gi + 1, ri)]),
                );
            }
            cfg.resources.insert(
                rname.clone(),
                crate::config::Resource {
                    name: rname.clone(),
                    group: name.clone(),
                    type_name: "TEST.app:1".into(),
                    properties: props,
                    per_node: BTreeMap::new(),
                    enabled: crate::config::NodeSwitch::new(true),
                    monitored: crate::config::NodeSwitch::new(true),
                },
            );
            g.resources.push(rname);
        }
        cfg.groups.insert(name, g);
    }
    cfg
}
