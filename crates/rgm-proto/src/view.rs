//! [`ClusterView`]: the whole configuration with every state, as read-only commands and
//! `scha_*` queries see it. The daemon builds it from its engine; commands format it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rgm_core::ClusterConfig;
use rgm_core::engine::{Engine, RState, RgState, Status, Time};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterView {
    pub cluster: String,
    /// The node of the daemon that answered.
    pub node: String,
    pub config: ClusterConfig,
    pub nodes: Vec<NodeView>,
    pub groups: BTreeMap<String, GroupView>,
    pub resources: BTreeMap<String, ResourceView>,
    /// The node whose engine made the view: the president (the only node, on one node).
    #[serde(default)]
    pub president: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub name: String,
    pub id: u32,
    pub up: bool,
    /// Whether its node event scripts say it is healthy (unhealthy nodes host nothing).
    #[serde(default = "healthy")]
    pub healthy: bool,
}

fn healthy() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// RG_state per node.
    pub states: BTreeMap<String, RgState>,
    /// The nodes it should be online on.
    pub primaries: Vec<String>,
    /// Whether it is wanted online.
    pub wanted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceView {
    pub nodes: BTreeMap<String, ResourceNodeView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceNodeView {
    pub state: RState,
    pub status: Status,
    pub status_msg: String,
    /// Num_resource_restarts.
    pub restarts: i64,
    /// Num_rg_restarts.
    pub rg_restarts: i64,
}

/// Which objects a narrow view holds ([`ClusterView::scoped`]): a `scha_*` query or a `cl*` read
/// of a few objects costs what those objects cost, not what the cluster does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewScope {
    /// These resources, their groups (with their `Resource_list`), and the resources their
    /// dependency lists name.
    #[serde(default)]
    pub resources: Vec<String>,
    /// These groups and every resource in them.
    #[serde(default)]
    pub groups: Vec<String>,
    /// These types (as a command names them: `Vendor.type[:version]` or `type`) and every
    /// resource of them.
    #[serde(default)]
    pub types: Vec<String>,
}

impl ViewScope {
    pub fn resource(name: &str) -> ViewScope {
        ViewScope {
            resources: vec![name.to_string()],
            ..ViewScope::default()
        }
    }

    pub fn group(name: &str) -> ViewScope {
        ViewScope {
            groups: vec![name.to_string()],
            ..ViewScope::default()
        }
    }

    pub fn rtype(name: &str) -> ViewScope {
        ViewScope {
            types: vec![name.to_string()],
            ..ViewScope::default()
        }
    }

    /// The part of `cfg` the scope covers: every node and every registered type (they are
    /// few, and resolving a type name needs them all), and the groups and resources above.
    pub fn select(&self, cfg: &ClusterConfig) -> ClusterConfig {
        let mut out = ClusterConfig {
            cluster_name: cfg.cluster_name.clone(),
            nodes: cfg.nodes.clone(),
            types: cfg.types.clone(),
            ..ClusterConfig::default()
        };
        let add_resource = |out: &mut ClusterConfig, name: &str| {
            if let Some(r) = cfg.resources.get(name) {
                out.resources.insert(name.to_string(), r.clone());
            }
        };
        for name in &self.resources {
            let Some(r) = cfg.resources.get(name) else {
                continue;
            };
            add_resource(&mut out, name);
            if let Some(g) = cfg.groups.get(&r.group) {
                out.groups.insert(g.name.clone(), g.clone());
            }
            for kind in rgm_core::DependencyKind::ALL {
                for text in r.dependency_texts(kind) {
                    if let Ok(e) = rgm_core::deps::DependencyEntry::parse(text) {
                        add_resource(&mut out, &e.resource);
                    }
                }
            }
        }
        for name in &self.groups {
            let Some(g) = cfg.groups.get(name) else {
                continue;
            };
            out.groups.insert(name.clone(), g.clone());
            for r in &g.resources {
                add_resource(&mut out, r);
            }
        }
        for name in &self.types {
            let Ok(t) = cfg.resolve_type(name) else {
                continue;
            };
            let t = t.name().to_string();
            for (rn, r) in &cfg.resources {
                if r.type_name == t {
                    out.resources.insert(rn.clone(), r.clone());
                }
            }
        }
        out
    }
}

impl ClusterView {
    /// The view of an engine, as the daemon on `node` sees it at `now`.
    pub fn of(engine: &Engine, node: &str, now: Time) -> ClusterView {
        ClusterView::build(engine, node, now, engine.config().clone())
    }

    /// The view of the objects `scope` names (and what answering about them needs).
    pub fn scoped(engine: &Engine, node: &str, now: Time, scope: &ViewScope) -> ClusterView {
        ClusterView::build(engine, node, now, scope.select(engine.config()))
    }

    fn build(engine: &Engine, node: &str, now: Time, cfg: ClusterConfig) -> ClusterView {
        let names = cfg.node_names();
        let nodes = names
            .iter()
            .map(|n| NodeView {
                name: n.clone(),
                id: cfg.nodes[n].id,
                up: engine.node_up(n),
                healthy: engine.node_record(n).is_none_or(|x| x.unhealthy.is_none()),
            })
            .collect();
        let groups = cfg
            .groups
            .keys()
            .map(|g| {
                let view = GroupView {
                    states: names
                        .iter()
                        .map(|n| (n.clone(), engine.group_state(g, n)))
                        .collect(),
                    primaries: engine.group_primaries(g),
                    wanted: engine.group_wanted(g),
                };
                (g.clone(), view)
            })
            .collect();
        let resources = cfg
            .resources
            .keys()
            .map(|r| {
                let per_node = names
                    .iter()
                    .map(|n| {
                        let (status, status_msg) = engine.resource_status(r, n);
                        let view = ResourceNodeView {
                            state: engine.resource_state(r, n),
                            status,
                            status_msg,
                            restarts: engine.num_resource_restarts(r, n, now),
                            rg_restarts: engine.num_rg_restarts(r, n, now),
                        };
                        (n.clone(), view)
                    })
                    .collect();
                (r.clone(), ResourceView { nodes: per_node })
            })
            .collect();
        ClusterView {
            cluster: cfg.cluster_name.clone(),
            node: node.to_string(),
            config: cfg,
            nodes,
            groups,
            resources,
            president: None,
        }
    }

    /// This view cut down to what `scope` names (as [`ClusterView::scoped`] would build it).
    pub fn narrowed(&self, scope: &ViewScope) -> ClusterView {
        let config = scope.select(&self.config);
        ClusterView {
            cluster: self.cluster.clone(),
            node: self.node.clone(),
            nodes: self.nodes.clone(),
            groups: keep(&self.groups, &config.groups),
            resources: keep(&self.resources, &config.resources),
            config,
            president: self.president.clone(),
        }
    }

    pub fn group_state(&self, group: &str, node: &str) -> RgState {
        self.groups
            .get(group)
            .and_then(|g| g.states.get(node))
            .copied()
            .unwrap_or_default()
    }

    pub fn resource_on(&self, resource: &str, node: &str) -> Option<&ResourceNodeView> {
        self.resources.get(resource)?.nodes.get(node)
    }
}

fn keep<V: Clone, W>(
    views: &BTreeMap<String, V>,
    kept: &BTreeMap<String, W>,
) -> BTreeMap<String, V> {
    views
        .iter()
        .filter(|(k, _)| kept.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
