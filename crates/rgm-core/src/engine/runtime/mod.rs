//! The engine's runtime state: per resource and node, per group, per group and node, per node,
//! and the method runs in flight — each a record of the store ([`records`]). Every change goes
//! through `Runtime`'s mutators, which track what changed ([`changes`]), so that the daemon
//! writes only those records; [`snapshot`] is the aggregate it restores an engine from.

pub mod changes;
pub mod records;
pub mod snapshot;
pub(crate) mod table;

use std::collections::BTreeMap;

use crate::engine::event::{RunId, TimerId};
use crate::engine::state::RState;
use crate::fxhash::FxMap;

pub use changes::RuntimeChanges;
use changes::Tracker;
pub(crate) use records::GroupNodes;
pub use records::{Bounce, GroupNode, GroupRt, NodeRt, ResNode, Run, RunPurpose};
pub use snapshot::{GroupSnapshot, Snapshot};
use table::ResTable;
pub(crate) use table::{Names, ResNodes};

/// All runtime state. Reads are free; every write is tracked.
#[derive(Debug, Clone)]
pub(crate) struct Runtime {
    resources: ResTable,
    groups: FxMap<String, GroupRt>,
    group_nodes: FxMap<String, GroupNodes>,
    nodes: BTreeMap<String, NodeRt>,
    runs: BTreeMap<RunId, Run>,
    /// The id the next run gets.
    next_run: u64,
    pub timers: FxMap<TimerId, RunId>,
    /// The cluster has formed (a node has joined since the engine began).
    pub formed: bool,
    /// Transition methods in flight, cluster-wide.
    pub transitions: usize,
    track: Tracker,
    /// Tracked writes so far (an event that made any asks for the state to be persisted).
    writes: u64,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            resources: ResTable::default(),
            groups: FxMap::default(),
            group_nodes: FxMap::default(),
            nodes: BTreeMap::new(),
            runs: BTreeMap::new(),
            next_run: 1,
            timers: FxMap::default(),
            formed: false,
            transitions: 0,
            track: Tracker::default(),
            writes: 0,
        }
    }
}

impl Runtime {
    // ----- reads -----

    pub fn res(&self, r: &str, node: &str) -> Option<&ResNode> {
        self.resources.get_by_name(r, node)
    }

    /// A resource's record on a node, by ids ([`Runtime::res_id`], [`Runtime::node_id`]).
    pub fn res_at(&self, r: u32, node: u32) -> Option<&ResNode> {
        self.resources.get(r, node)
    }

    pub fn state_at(&self, r: u32, node: u32) -> RState {
        self.res_at(r, node).map(|x| x.state).unwrap_or_default()
    }

    /// The id of a resource name the runtime has seen.
    pub fn res_id(&self, r: &str) -> Option<u32> {
        self.resources.names.get(r)
    }

    /// The id of a node name the runtime has seen.
    pub fn node_id(&self, n: &str) -> Option<u32> {
        self.resources.nodes.get(n)
    }

    pub fn res_name(&self, r: u32) -> &str {
        self.resources.names.name(r)
    }

    /// A resource's records by node id, in node name order (empty when it has none).
    pub fn res_slot(&self, r: u32) -> &[(u32, ResNode)] {
        self.resources.slot(r)
    }

    pub fn node_name(&self, n: u32) -> &str {
        self.resources.nodes.name(n)
    }

    /// A copy of the interned resource and node names (debug builds check facts with it).
    #[cfg(debug_assertions)]
    pub fn names(&self) -> (Names, Names) {
        (self.resources.names.clone(), self.resources.nodes.clone())
    }

    /// The interned resource and node names, for facts that refer to records by id.
    pub fn names_mut(&mut self) -> (&mut Names, &mut Names) {
        (&mut self.resources.names, &mut self.resources.nodes)
    }

    /// A resource's records on every node that has one.
    pub fn res_nodes(&self, r: &str) -> Option<ResNodes<'_>> {
        self.resources.nodes_of(self.res_id(r)?)
    }

    /// Every resource with records: (name, its records), in id order.
    pub fn resources(&self) -> impl Iterator<Item = (&str, ResNodes<'_>)> + '_ {
        self.resources.iter().map(|(_, r, nodes)| (r, nodes))
    }

    pub fn state(&self, r: &str, node: &str) -> RState {
        self.res(r, node).map(|x| x.state).unwrap_or_default()
    }

    pub fn group(&self, g: &str) -> Option<&GroupRt> {
        self.groups.get(g)
    }

    pub fn groups(&self) -> &FxMap<String, GroupRt> {
        &self.groups
    }

    pub fn group_node(&self, g: &str, node: &str) -> Option<&GroupNode> {
        self.group_nodes.get(g)?.get(node)
    }

    /// A group's records on every node that has one.
    pub fn group_nodes(&self, g: &str) -> Option<&GroupNodes> {
        self.group_nodes.get(g)
    }

    /// Every group's per-node records.
    pub fn all_group_nodes(&self) -> &FxMap<String, GroupNodes> {
        &self.group_nodes
    }

    pub fn node(&self, n: &str) -> Option<&NodeRt> {
        self.nodes.get(n)
    }

    pub fn nodes(&self) -> &BTreeMap<String, NodeRt> {
        &self.nodes
    }

    pub fn runs(&self) -> &BTreeMap<RunId, Run> {
        &self.runs
    }

    pub fn run(&self, id: RunId) -> Option<&Run> {
        self.runs.get(&id)
    }

    pub fn next_run(&self) -> u64 {
        self.next_run
    }

    pub fn node_up(&self, n: &str) -> bool {
        self.nodes.get(n).is_some_and(|x| x.up && !x.fencing)
    }

    // ----- tracked writes -----

    fn touch_res(&mut self, r: u32, n: u32) {
        self.writes += 1;
        if !self.track.resources.contains_key(&(r, n)) {
            let before = self.resources.get(r, n).map(ResNode::record);
            self.track.resources.insert((r, n), before);
        }
    }

    fn touch_group(&mut self, g: &str) {
        self.writes += 1;
        if !self.track.groups.contains_key(g) {
            let before = self.groups.get(g).map(GroupRt::record);
            self.track.groups.insert(g.to_string(), before);
        }
    }

    fn touch_group_node(&mut self, g: &str, n: &str) {
        self.writes += 1;
        if !self.track.seen_group_node(g, n) {
            let before = self.group_node(g, n).map(GroupNode::record);
            self.track
                .group_nodes
                .entry(g.to_string())
                .or_default()
                .insert(n.to_string(), before);
        }
    }

    fn touch_node(&mut self, n: &str) {
        self.writes += 1;
        if !self.track.nodes.contains_key(n) {
            let before = self.nodes.get(n).cloned();
            self.track.nodes.insert(n.to_string(), before);
        }
    }

    fn touch_run(&mut self, id: RunId) {
        self.writes += 1;
        let existed = self.runs.contains_key(&id);
        self.track.runs.entry(id).or_insert(existed);
    }

    /// A resource's record on a node, created if missing.
    pub fn res_mut(&mut self, r: &str, node: &str) -> &mut ResNode {
        let r = self.resources.names.intern(r);
        let node = self.resources.nodes.intern(node);
        self.res_mut_at(r, node)
    }

    /// A resource's record on a node, by ids, created if missing.
    pub fn res_mut_at(&mut self, r: u32, node: u32) -> &mut ResNode {
        self.touch_res(r, node);
        self.resources.entry(r, node)
    }

    /// A resource's record on a node, if it has one.
    pub fn res_get_mut(&mut self, r: &str, node: &str) -> Option<&mut ResNode> {
        self.res(r, node)?;
        Some(self.res_mut(r, node))
    }

    pub fn group_mut(&mut self, g: &str) -> &mut GroupRt {
        self.touch_group(g);
        self.groups.entry(g.to_string()).or_default()
    }

    pub fn group_node_mut(&mut self, g: &str, node: &str) -> &mut GroupNode {
        self.touch_group_node(g, node);
        self.group_nodes
            .entry(g.to_string())
            .or_default()
            .entry(node.to_string())
            .or_default()
    }

    pub fn node_mut(&mut self, n: &str) -> &mut NodeRt {
        self.touch_node(n);
        self.nodes.entry(n.to_string()).or_default()
    }

    pub fn node_get_mut(&mut self, n: &str) -> Option<&mut NodeRt> {
        self.nodes.get(n)?;
        Some(self.node_mut(n))
    }

    /// A fresh run id.
    pub fn new_run_id(&mut self) -> RunId {
        self.writes += 1;
        self.track.next_run.get_or_insert(self.next_run);
        let id = RunId(self.next_run);
        self.next_run += 1;
        id
    }

    /// Records a run that begins.
    pub fn add_run(&mut self, id: RunId, run: Run) {
        self.touch_run(id);
        self.load_run(id, run);
    }

    /// Takes back a run in flight from its stored record (untracked: it is stored).
    pub fn load_run(&mut self, id: RunId, run: Run) {
        if run.purpose == RunPurpose::Transition {
            self.transitions += 1;
            self.group_mut_untracked(&run.group).in_flight += 1;
        }
        self.timers.insert(run.timer, id);
        self.runs.insert(id, run);
    }

    /// Forgets a run that ended (or will never report); returns it.
    pub fn take_run(&mut self, id: RunId) -> Option<Run> {
        self.touch_run(id);
        let run = self.runs.remove(&id)?;
        self.timers.remove(&run.timer);
        if run.purpose == RunPurpose::Transition {
            self.transitions -= 1;
            if let Some(g) = self.groups.get_mut(&run.group) {
                g.in_flight = g.in_flight.saturating_sub(1);
            }
        }
        Some(run)
    }

    /// Changes what a run in flight is for (a restored operation's run becomes an orphan).
    pub fn set_run_purpose(&mut self, id: RunId, purpose: RunPurpose) {
        if self.runs.get(&id).is_some_and(|r| r.purpose != purpose) {
            self.writes += 1;
            self.track.runs.insert(id, false);
            if let Some(r) = self.runs.get_mut(&id) {
                r.purpose = purpose;
            }
        }
    }

    /// The counters that are not stored (in flight per group) live beside the record.
    fn group_mut_untracked(&mut self, g: &str) -> &mut GroupRt {
        self.groups.entry(g.to_string()).or_default()
    }

    /// Forgets a deleted resource on every node.
    pub fn remove_resource(&mut self, r: &str) {
        let Some(id) = self.res_id(r) else {
            return;
        };
        let nodes: Vec<u32> = self
            .resources
            .nodes_of(id)
            .map(|m| m.iter().filter_map(|(n, _)| self.node_id(n)).collect())
            .unwrap_or_default();
        for n in nodes {
            self.touch_res(id, n);
        }
        self.resources.remove(id);
    }

    /// Forgets a deleted group, cluster-wide and on every node.
    pub fn remove_group(&mut self, g: &str) {
        self.touch_group(g);
        let nodes: Vec<String> = self
            .group_nodes(g)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for n in &nodes {
            self.touch_group_node(g, n);
        }
        self.groups.remove(g);
        self.group_nodes.remove(g);
    }

    /// Forgets a node removed from the configuration, and every record on it.
    pub fn remove_node(&mut self, n: &str) {
        self.touch_node(n);
        self.nodes.remove(n);
        if let Some(nid) = self.node_id(n) {
            let resources: Vec<u32> = self
                .resources
                .iter()
                .filter(|(_, _, m)| m.iter().any(|(x, _)| x == n))
                .map(|(r, _, _)| r)
                .collect();
            for r in resources {
                self.touch_res(r, nid);
                self.resources.remove_node(r, nid);
            }
        }
        let groups: Vec<String> = self
            .group_nodes
            .iter()
            .filter(|(_, m)| m.contains_key(n))
            .map(|(g, _)| g.clone())
            .collect();
        for g in groups {
            self.touch_group_node(&g, n);
            if let Some(m) = self.group_nodes.get_mut(&g) {
                m.remove(n);
            }
        }
    }

    /// How many tracked writes were made so far.
    pub fn writes(&self) -> u64 {
        self.writes
    }

    /// The records that differ from what they were when the changes were last taken.
    pub fn take_changes(&mut self) -> RuntimeChanges {
        let track = std::mem::take(&mut self.track);
        let mut out = RuntimeChanges::default();
        for ((r, n), before) in track.resources {
            if before != self.resources.get(r, n).map(ResNode::record) {
                let names = (
                    self.resources.names.name(r).to_string(),
                    self.resources.nodes.name(n).to_string(),
                );
                out.resources.insert(names);
            }
        }
        for (g, before) in track.groups {
            if before != self.groups.get(&g).map(GroupRt::record) {
                out.groups.insert(g);
            }
        }
        for (g, nodes) in track.group_nodes {
            for (n, before) in nodes {
                if before != self.group_node(&g, &n).map(GroupNode::record) {
                    out.group_nodes.insert((g.clone(), n));
                }
            }
        }
        for (n, before) in track.nodes {
            if before.as_ref() != self.nodes.get(&n) {
                out.nodes.insert(n);
            }
        }
        for (id, existed) in track.runs {
            // A rewritten record (its purpose) was noted as not existing before: begun again.
            if existed != self.runs.contains_key(&id) {
                out.runs.insert(id);
            }
        }
        out.next_run = track.next_run.is_some_and(|before| before != self.next_run);
        out
    }

    /// A runtime from stored records, untracked (they are stored already).
    pub fn load(
        resources: BTreeMap<String, BTreeMap<String, ResNode>>,
        groups: FxMap<String, GroupRt>,
        group_nodes: FxMap<String, GroupNodes>,
        nodes: BTreeMap<String, NodeRt>,
        next_run: u64,
    ) -> Runtime {
        let mut table = ResTable::default();
        for (r, nodes) in resources {
            let id = table.names.intern(&r);
            table.ensure(id);
            for (n, x) in nodes {
                let nid = table.nodes.intern(&n);
                *table.entry(id, nid) = x;
            }
        }
        Runtime {
            resources: table,
            groups,
            group_nodes,
            nodes,
            next_run: next_run.max(1),
            ..Runtime::default()
        }
    }
}
