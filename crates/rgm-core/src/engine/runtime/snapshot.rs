//! The snapshot: every runtime record in one value, the aggregate a restarted daemon restores
//! an engine from ([`Engine::restore`](crate::engine::Engine::restore)). A store that keeps
//! one key per record assembles it from its keys; [`Snapshot::apply`] brings one up to date
//! with a change set. Its JSON form (docs/recovery.md) reads the state files of earlier
//! versions: groups with their per-node records nested, `evacuations` and `up_nodes` instead
//! of `nodes`, and no runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::changes::RuntimeChanges;
use super::records::{GroupNode, GroupRt, NodeRt, ResNode, Run};
use crate::engine::Engine;
use crate::engine::event::{RunId, Time};

/// A group's records: cluster-wide, and per node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    #[serde(flatten)]
    pub group: GroupRt,
    #[serde(default)]
    pub nodes: BTreeMap<String, GroupNode>,
}

/// Every runtime record: what a restarted daemon needs. Written (by the daemon, on
/// `PersistState`) before methods are launched, so a crash never loses a run that was under way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    pub groups: BTreeMap<String, GroupSnapshot>,
    #[serde(default)]
    pub resources: BTreeMap<String, BTreeMap<String, ResNode>>,
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeRt>,
    /// Method runs in flight, by run id.
    #[serde(default)]
    pub runs: BTreeMap<RunId, Run>,
    /// The id the next run gets (0 in older files: after the highest run recorded).
    #[serde(default)]
    pub next_run: u64,
    /// Older state files: evacuation windows (now in `nodes`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evacuations: BTreeMap<String, Time>,
    /// Older state files: the nodes that were members (now in `nodes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub up_nodes: Vec<String>,
}

impl Snapshot {
    /// Brings the snapshot up to date with a change set taken from `engine`: each record named
    /// is replaced by the engine's, or removed.
    pub fn apply(&mut self, changes: &RuntimeChanges, engine: &Engine) {
        for (r, n) in &changes.resources {
            match engine.resource_record(r, n) {
                Some(x) => {
                    self.resources
                        .entry(r.clone())
                        .or_default()
                        .insert(n.clone(), x);
                }
                None => {
                    if let Some(m) = self.resources.get_mut(r) {
                        m.remove(n);
                        if m.is_empty() {
                            self.resources.remove(r);
                        }
                    }
                }
            }
        }
        for g in &changes.groups {
            match engine.group_record(g) {
                Some(x) => self.groups.entry(g.clone()).or_default().group = x,
                None => {
                    self.groups.remove(g);
                }
            }
        }
        for (g, n) in &changes.group_nodes {
            match engine.group_node_record(g, n) {
                Some(x) => {
                    self.groups
                        .entry(g.clone())
                        .or_default()
                        .nodes
                        .insert(n.clone(), x);
                }
                None => {
                    if let Some(s) = self.groups.get_mut(g) {
                        s.nodes.remove(n);
                    }
                }
            }
        }
        for n in &changes.nodes {
            match engine.node_record(n) {
                Some(x) => {
                    self.nodes.insert(n.clone(), x);
                }
                None => {
                    self.nodes.remove(n);
                }
            }
        }
        for id in &changes.runs {
            match engine.run_record(*id) {
                Some(x) => {
                    self.runs.insert(*id, x);
                }
                None => {
                    self.runs.remove(id);
                }
            }
        }
        if changes.next_run {
            self.next_run = engine.next_run_id().0;
        }
    }
}
