//! What the daemon persists: the records that changed since it last asked
//! ([`Engine::take_changes`]), each record as stored, and the whole [`Snapshot`]. A store with
//! one key per record writes exactly the change set (docs/engine.md, "Runtime records").

use crate::engine::Engine;
use crate::engine::event::RunId;
use crate::engine::runtime::{
    GroupNode, GroupRt, GroupSnapshot, NodeRt, ResNode, Run, RuntimeChanges, Snapshot,
};

impl Engine {
    /// The runtime records that changed since the last call (or since the engine began or
    /// was restored), at a cost proportional to what was touched. Take them after `handle`
    /// and write them before carrying out its actions.
    pub fn take_changes(&mut self) -> RuntimeChanges {
        self.rt.take_changes()
    }

    /// The configuration objects changed since the last call (everything, the first time):
    /// [`ConfigChanges::whole`](crate::ConfigChanges) when a node or a type changed.
    pub fn take_config_changes(&mut self) -> crate::ConfigChanges {
        std::mem::take(&mut self.cfg_changes)
    }

    /// Where the configuration is in this engine's changes.
    pub fn config_version(&self) -> crate::change::ConfigVersion {
        self.cfg_log.version()
    }

    /// The groups and resources changed since `since` ([`Engine::config_version`]); `None`
    /// when a node or a type changed since, `since` is too far back to tell, or of another
    /// engine.
    pub fn config_changes_since(
        &self,
        since: crate::change::ConfigVersion,
    ) -> Option<crate::ConfigChanges> {
        self.cfg_log.since(since)
    }

    /// Changes whenever a status message is set (to a text or to none by a method): the
    /// messages can have grown only when it changed. The RGM clearing a message, or an object
    /// deleted with its message, leaves it as it is. Two engines never share one.
    pub fn status_msg_version(&self) -> (u64, u64) {
        (self.cfg_log.instance(), self.msg_writes)
    }

    /// The stored record of a resource on a node; `None` if it has none (deleted).
    pub fn resource_record(&self, resource: &str, node: &str) -> Option<ResNode> {
        self.rt.res(resource, node).map(ResNode::record)
    }

    /// The stored cluster-wide record of a group; `None` if deleted.
    pub fn group_record(&self, group: &str) -> Option<GroupRt> {
        self.rt.group(group).map(GroupRt::record)
    }

    /// The stored record of a group on a node; `None` if it has none.
    pub fn group_node_record(&self, group: &str, node: &str) -> Option<GroupNode> {
        self.rt.group_node(group, node).map(GroupNode::record)
    }

    /// The stored record of a node; `None` if it was removed.
    pub fn node_record(&self, node: &str) -> Option<NodeRt> {
        self.rt.node(node).cloned()
    }

    /// The stored record of a run in flight; `None` once it has ended.
    pub fn run_record(&self, run: RunId) -> Option<Run> {
        self.rt.run(run).map(Run::record)
    }

    /// The id the next run will get.
    pub fn next_run_id(&self) -> RunId {
        RunId(self.rt.next_run())
    }

    /// Every record: what a restarted daemon needs (see [`Engine::restore`]). O(cluster):
    /// for the whole-state store and for tests; a store with one key per record uses
    /// [`Engine::take_changes`].
    pub fn snapshot(&self) -> Snapshot {
        let mut groups: std::collections::BTreeMap<String, GroupSnapshot> = self
            .rt
            .groups()
            .iter()
            .map(|(g, x)| {
                let s = GroupSnapshot {
                    group: x.record(),
                    nodes: Default::default(),
                };
                (g.clone(), s)
            })
            .collect();
        for (g, nodes) in self.rt.all_group_nodes() {
            let entry = groups.entry(g.clone()).or_default();
            entry.nodes = nodes.iter().map(|(n, x)| (n.clone(), x.record())).collect();
        }
        Snapshot {
            groups,
            resources: self
                .rt
                .resources()
                .filter(|(_, m)| !m.is_empty())
                .map(|(r, nodes)| {
                    let m = nodes
                        .iter()
                        .map(|(n, x)| (n.to_string(), x.record()))
                        .collect();
                    (r.to_string(), m)
                })
                .collect(),
            nodes: self.rt.nodes().clone(),
            runs: self
                .rt
                .runs()
                .iter()
                .map(|(id, r)| (*id, r.record()))
                .collect(),
            next_run: self.rt.next_run(),
            evacuations: Default::default(),
            up_nodes: Vec::new(),
        }
    }
}
