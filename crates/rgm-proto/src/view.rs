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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    pub name: String,
    pub id: u32,
    pub up: bool,
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

impl ClusterView {
    /// The view of an engine, as the daemon on `node` sees it at `now`.
    pub fn of(engine: &Engine, node: &str, now: Time) -> ClusterView {
        let cfg = engine.config();
        let names = cfg.node_names();
        let nodes = names
            .iter()
            .map(|n| NodeView {
                name: n.clone(),
                id: cfg.nodes[n].id,
                up: engine.node_up(n),
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
            config: cfg.clone(),
            nodes,
            groups,
            resources,
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
