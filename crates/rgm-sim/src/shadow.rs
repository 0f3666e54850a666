//! The shadow: every resource's state on every node and every group's primaries, rebuilt
//! from the engine's own log records (`R_STATE` and placement records) as the actions of a
//! step are read in order. It tells the invariants what the engine knew at the moment it
//! emitted each action; after every step it must equal what the engine answers to queries.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rgm_core::ClusterConfig;
use rgm_core::engine::RState;

/// Resource states and group primaries as the engine's log records tell them.
#[derive(Debug, Clone, Default)]
pub struct Shadow {
    states: HashMap<String, BTreeMap<String, RState>>,
    pub primaries: BTreeMap<String, BTreeSet<String>>,
}

impl Shadow {
    pub fn state(&self, resource: &str, node: &str) -> RState {
        self.states
            .get(resource)
            .and_then(|m| m.get(node))
            .copied()
            .unwrap_or_default()
    }

    /// Every (node, state) of a resource that is not offline.
    pub fn instances(&self, resource: &str) -> impl Iterator<Item = (&String, RState)> {
        self.states
            .get(resource)
            .into_iter()
            .flat_map(|m| m.iter().map(|(n, s)| (n, *s)))
            .filter(|(_, s)| *s != RState::Offline)
    }

    /// Nodes where the resource is started.
    pub fn started_nodes(&self, resource: &str) -> Vec<String> {
        self.instances(resource)
            .filter(|(_, s)| s.is_started())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Some resource of the group is not offline on the node.
    pub fn group_active_on(&self, cfg: &ClusterConfig, group: &str, node: &str) -> bool {
        cfg.groups.get(group).is_some_and(|g| {
            g.resources
                .iter()
                .any(|r| self.state(r, node) != RState::Offline)
        })
    }

    /// The group is active on the node or the node is one of its primaries.
    pub fn group_here(&self, cfg: &ClusterConfig, group: &str, node: &str) -> bool {
        self.primaries.get(group).is_some_and(|p| p.contains(node))
            || self.group_active_on(cfg, group, node)
    }

    pub(crate) fn set(&mut self, resource: &str, node: &str, state: RState) {
        self.states
            .entry(resource.to_string())
            .or_default()
            .insert(node.to_string(), state);
    }
}

/// Every RState, to read the log's internal names back.
const ALL_STATES: [RState; 14] = [
    RState::Offline,
    RState::PrenetStarting,
    RState::PrenetStarted,
    RState::Starting,
    RState::OnlineUnmonitored,
    RState::MonitorStarting,
    RState::Online,
    RState::MonitorFailed,
    RState::StartFailed,
    RState::MonitorStopping,
    RState::Stopping,
    RState::Stopped,
    RState::PostnetStopping,
    RState::StopFailed,
];

pub(crate) fn parse_state(name: &str) -> Option<RState> {
    ALL_STATES.into_iter().find(|s| s.internal_name() == name)
}

/// The node list after " to " in a placement record (`... change from a, b to c`).
pub(crate) fn parse_primaries(text: &str) -> Option<BTreeSet<String>> {
    let (_, to) = text.rsplit_once(" to ")?;
    if to == "no node" {
        return Some(BTreeSet::new());
    }
    Some(to.split(", ").map(str::to_string).collect())
}
