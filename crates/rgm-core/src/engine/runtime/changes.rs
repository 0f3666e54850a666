//! Change tracking: every mutable access to a runtime record goes through `Runtime`,
//! which keeps the record as it was before the first access since the last
//! [`Engine::take_changes`](crate::engine::Engine::take_changes). Taking the changes compares
//! each touched record with what it is now, so the set names exactly the records whose stored
//! form differs, at a cost proportional to what was touched.

use std::collections::BTreeSet;

use serde::Serialize;

use super::records::{GroupNode, GroupRt, NodeRt, ResNode};
use crate::engine::event::RunId;
use crate::fxhash::FxMap;

/// The runtime records that changed (written, created or removed) since the changes were last
/// taken. Each names a record; the engine's accessors give its new value, or `None` when it
/// was removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RuntimeChanges {
    /// (resource, node): [`Engine::resource_record`](crate::engine::Engine::resource_record).
    pub resources: BTreeSet<(String, String)>,
    /// Groups, cluster-wide: [`Engine::group_record`](crate::engine::Engine::group_record).
    pub groups: BTreeSet<String>,
    /// (group, node): [`Engine::group_node_record`](crate::engine::Engine::group_node_record).
    pub group_nodes: BTreeSet<(String, String)>,
    /// Nodes: [`Engine::node_record`](crate::engine::Engine::node_record).
    pub nodes: BTreeSet<String>,
    /// Runs begun (the record exists) or ended (it does not):
    /// [`Engine::run_record`](crate::engine::Engine::run_record).
    pub runs: BTreeSet<RunId>,
    /// The next run id changed: [`Engine::next_run_id`](crate::engine::Engine::next_run_id).
    pub next_run: bool,
}

impl RuntimeChanges {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.groups.is_empty()
            && self.group_nodes.is_empty()
            && self.nodes.is_empty()
            && self.runs.is_empty()
            && !self.next_run
    }

    /// How many records changed.
    pub fn len(&self) -> usize {
        self.resources.len()
            + self.groups.len()
            + self.group_nodes.len()
            + self.nodes.len()
            + self.runs.len()
            + usize::from(self.next_run)
    }
}

/// The records as they were before their first change since the last take (`None`: absent).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tracker {
    /// By (resource id, node id): [`Runtime::res_at`](super::Runtime::res_at).
    pub resources: FxMap<(u32, u32), Option<ResNode>>,
    pub groups: FxMap<String, Option<GroupRt>>,
    pub group_nodes: FxMap<String, FxMap<String, Option<GroupNode>>>,
    pub nodes: FxMap<String, Option<NodeRt>>,
    /// Whether the run existed before.
    pub runs: FxMap<RunId, bool>,
    pub next_run: Option<u64>,
}

impl Tracker {
    pub fn seen_group_node(&self, g: &str, n: &str) -> bool {
        self.group_nodes.get(g).is_some_and(|m| m.contains_key(n))
    }
}
