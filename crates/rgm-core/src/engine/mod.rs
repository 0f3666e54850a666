//! The engine: a pure state machine for the whole cluster. `Engine::handle(Event)` returns the
//! actions the daemon carries out — method runs, kills, replies, persistence, fencing, timers
//! and cluster-log records — and the daemon feeds their results back as events. It runs on the
//! president and decides for every node; it never touches the OS or a clock.
//!
//! How it decides: administrators and failures change *targets* (is a group wanted online, on
//! which primaries, is a resource being restarted); after every event the reconciler
//! (`reconcile`) moves every affected resource one method closer to its target, as far as
//! the dependency rules allow, and derives the group states. Requests are operations
//! (`ops`) that change targets and configuration and reply once the groups concerned settle.

pub mod action;
mod admin;
mod args;
mod completion;
mod control;
mod dirty;
mod dry_run;
pub mod event;
mod facts;
mod fencing;
mod gone;
mod health;
mod history;
mod launch;
pub mod log;
mod membership;
mod ops;
mod persisted;
mod placement;
mod queries;
mod readiness;
pub mod reason;
mod reconcile;
mod recovery;
mod refusals;
mod restarts;
pub mod runtime;
mod settle;
pub mod state;
mod target;
mod why_not;

use std::collections::BTreeMap;

use rtreg::Method;

use crate::config::ClusterConfig;
use crate::graph::DependencyGraph;
use crate::rg_graph::RgGraph;

pub use action::{Action, Answer, MethodRun, RequestError, ValidateArgs};
pub use dry_run::{Plan, PlannedRun};
pub use event::{
    AdminRequest, ControlTag, Event, EventKind, MethodOutcome, MethodResult, Operands, RequestId,
    RunId, Time, TimerId,
};
pub use log::{LogRecord, Severity};
pub use reason::Reason;
pub use runtime::{
    Bounce, GroupNode, GroupRt, GroupSnapshot, NodeRt, ResNode, Run, RunPurpose, RuntimeChanges,
    Snapshot,
};
pub use state::{RState, RgState, Status};
pub use why_not::{GroupWhyNot, NodeWhyNot};

use facts::Facts;
use ops::Op;
use runtime::Runtime;

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// The launcher's SIGTERM-to-SIGKILL grace, in seconds (for the lost-run deadline).
    pub grace_secs: i64,
    /// How long after timeout + grace a run with no result counts as lost.
    pub lost_margin_secs: i64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            grace_secs: 10,
            lost_margin_secs: 30,
        }
    }
}

/// The resource group manager's decisions, for a whole cluster. A clone is an independent
/// copy (a dry run plans on one).
#[derive(Clone)]
pub struct Engine {
    cfg: ClusterConfig,
    graph: DependencyGraph,
    rg_graph: RgGraph,
    facts: Facts,
    rt: Runtime,
    ops: BTreeMap<RequestId, Op>,
    /// The operation that is changing the configuration (VALIDATE to apply); others wait.
    config_lock: Option<RequestId>,
    next_timer: u64,
    now: Time,
    out: Vec<Action>,
    dirty: dirty::Dirty,
    /// Refused scha_control requests last logged.
    refusals: refusals::Refusals,
    /// Timers that retry a failed fence, by the node they fence.
    fence_timers: std::collections::HashMap<TimerId, String>,
    /// Placement changes per group within the current event (see `placement::MAX_MOVES`).
    moves: std::collections::HashMap<String, u32>,
    settings: EngineSettings,
    /// What a restore left for the first event: timers to arm again, fences still owed.
    restored: Option<recovery::Restored>,
    /// The configuration objects changed since the daemon last took them.
    cfg_changes: crate::change::ConfigChanges,
    /// The last configuration changes, numbered ([`Engine::config_changes_since`]).
    cfg_log: crate::change::ConfigLog,
    /// How many times a status message was set ([`Engine::status_msg_version`]).
    msg_writes: u64,
    /// The reconciler's readiness memos, kept from pass to pass for their allocations.
    memos: readiness::Memos,
}

impl Engine {
    /// An engine for a cluster that is forming now: groups come online as nodes join
    /// (Auto_start_on_new_cluster).
    pub fn new(config: ClusterConfig) -> Engine {
        Engine::with_runtime(config, Runtime::default())
    }

    /// An engine that takes over from a previous one (daemon restart): targets, states and the
    /// runs in flight come from the snapshot (docs/recovery.md). A run in flight stays in flight
    /// until the daemon reports how it ended — [`MethodOutcome::Unknown`] when it cannot know;
    /// the timers that catch a lost result, and fences still owed, are asked for by the actions
    /// of the first event handled.
    pub fn restore(config: ClusterConfig, snapshot: Snapshot) -> Engine {
        recovery::restore(config, snapshot)
    }

    fn with_runtime(config: ClusterConfig, mut rt: Runtime) -> Engine {
        let graph = DependencyGraph::build(&config);
        let rg_graph = RgGraph::build(&config);
        let facts = Facts::of(&config, &graph, rt.names_mut());
        let mut e = Engine {
            cfg: config,
            graph,
            rg_graph,
            facts,
            rt,
            ops: BTreeMap::new(),
            config_lock: None,
            next_timer: 1,
            now: Time(0),
            out: Vec::new(),
            dirty: dirty::Dirty::default(),
            moves: std::collections::HashMap::new(),
            fence_timers: std::collections::HashMap::new(),
            refusals: refusals::Refusals::default(),
            settings: EngineSettings::default(),
            restored: None,
            cfg_changes: crate::change::ConfigChanges {
                whole: true,
                ..Default::default()
            },
            cfg_log: crate::change::ConfigLog::default(),
            msg_writes: 0,
            memos: readiness::Memos::default(),
        };
        e.dirty.set_ranks(&e.facts);
        e.sync_runtime();
        e
    }

    pub fn with_settings(mut self, settings: EngineSettings) -> Engine {
        self.settings = settings;
        self
    }

    /// Handles one event; returns what the daemon must do, in order.
    pub fn handle(&mut self, event: Event) -> Vec<Action> {
        self.now = event.now;
        self.moves.clear();
        // The first event after a restore asks for what the restore changed to be persisted.
        let writes = match self.restored {
            Some(_) => u64::MAX,
            None => self.rt.writes(),
        };
        if let Some(restored) = self.restored.take() {
            self.resume_restored(restored);
        }
        match event.kind {
            EventKind::Request { id, request } => self.request(id, request),
            EventKind::MethodFinished { run, result } => self.method_finished(run, result),
            EventKind::Control {
                id,
                tag,
                group,
                resource,
                node,
            } => self.control(id, tag, &group, &resource, &node),
            EventKind::SetStatus {
                id,
                resource,
                node,
                status,
                message,
            } => self.set_status(id, &resource, &node, status, message),
            EventKind::NodeJoined { node } => self.node_joined(&node),
            EventKind::NodeDied { node } => self.node_died(&node),
            EventKind::NodeFenced { node } => self.node_fenced(&node),
            EventKind::FenceFailed { node, reason } => self.fence_failed(&node, &reason),
            EventKind::TimerFired { timer } => self.timer_fired(timer),
            EventKind::NodeHealth {
                node,
                healthy,
                reason,
            } => self.node_health(&node, healthy, &reason),
            EventKind::ResourceGone {
                resource,
                node,
                reason,
            } => self.resource_gone(&resource, &node, &reason),
        }
        self.settle_loop();
        // The next event's actions start with room for a few (most events make some).
        let mut out = std::mem::replace(&mut self.out, Vec::with_capacity(16));
        if self.rt.writes() != writes {
            let at = out
                .iter()
                .position(|a| matches!(a, Action::RunMethod(_)))
                .unwrap_or(out.len());
            out.insert(at, Action::PersistState);
        }
        out
    }

    /// Reconciles dirty groups and advances operations until nothing more moves.
    fn settle_loop(&mut self) {
        for _ in 0..10_000 {
            self.reconcile();
            let progressed = self.progress_ops();
            if !progressed && self.dirty.is_empty() {
                return;
            }
        }
    }

    // ----- helpers shared by the submodules -----

    fn retry_interval(&self, resource: &str) -> i64 {
        self.cfg
            .resources
            .get(resource)
            .and_then(|r| self.cfg.resource_int(r, "Retry_interval"))
            .unwrap_or(0)
    }

    fn emit(&mut self, action: Action) {
        self.out.push(action);
    }

    fn log(&mut self, record: LogRecord) {
        self.out.push(Action::Log(record));
    }

    /// Rebuilds the graphs and runtime entries after a configuration change.
    fn config_changed(&mut self) {
        self.graph = DependencyGraph::build(&self.cfg);
        self.rg_graph = RgGraph::build(&self.cfg);
        self.facts = Facts::of(&self.cfg, &self.graph, self.rt.names_mut());
        self.dirty.set_ranks(&self.facts);
        self.sync_runtime();
        self.prune_histories();
        self.dirty.extend(self.cfg.groups.keys().cloned());
        self.emit(Action::PersistConfig);
    }

    /// After `change` was applied: a resource created, a resource switched on or off, a group
    /// managed or suspended, costs what it touched (its graphs' edges, its facts, its group
    /// and the groups around it queued); anything else rebuilds
    /// everything ([`Engine::config_changed`]).
    fn config_changed_by(&mut self, change: &crate::change::Change) {
        use crate::change::Change;
        match change {
            Change::CreateResource { name, group, .. } if self.rt.group(group).is_some() => {
                self.graph.resource_created(&self.cfg, name);
                self.rg_graph.resource_created(&self.cfg, name);
                self.facts
                    .resource_created(&self.cfg, &self.graph, name, self.rt.names_mut());
                self.queue_with_neighbours(group);
            }
            Change::SetManaged { group, .. } | Change::SetSuspended { group, .. } => {
                self.facts.group_flags_changed(&self.cfg, group);
                self.queue_with_neighbours(group);
            }
            Change::SetEnabled { resource, .. } | Change::SetMonitored { resource, .. } => {
                self.facts.switches_changed(&self.cfg, resource);
                if let Some(r) = self.cfg.resources.get(resource) {
                    let group = r.group.clone();
                    self.queue_with_neighbours(&group);
                }
            }
            _ => return self.config_changed(),
        }
        #[cfg(debug_assertions)]
        self.assert_facts_rebuilt();
        self.emit(Action::PersistConfig);
    }

    /// Queues `group` and every group its state or its resources' matter to: those that
    /// depend on it, have an affinity for it, or hold a resource depending on one of its.
    fn queue_with_neighbours(&mut self, group: &str) {
        let mut queued = vec![group.to_string()];
        if let Some(f) = self.facts.group(group) {
            queued.extend(f.rg_dependents.iter().cloned());
            queued.extend(f.affine_sources.iter().cloned());
            queued.extend(f.resource_dependents.iter().cloned());
            queued.extend(f.rg_dependencies.iter().cloned());
            queued.extend(f.rg_affinities.iter().map(|a| a.group.clone()));
        }
        self.dirty.extend(queued);
    }

    /// What an incremental update left equals what a rebuild gives.
    #[cfg(debug_assertions)]
    fn assert_facts_rebuilt(&self) {
        let graph = DependencyGraph::build(&self.cfg);
        debug_assert_eq!(graph.edge_set(), self.graph.edge_set());
        let rg = RgGraph::build(&self.cfg);
        debug_assert_eq!(rg.edge_set(), self.rg_graph.edge_set());
        let (mut res, mut nodes) = self.rt.names();
        let facts = Facts::of(&self.cfg, &graph, (&mut res, &mut nodes));
        debug_assert_eq!(facts.summary(), self.facts.summary());
    }

    /// Drops runtime entries of deleted objects and adds entries for new ones.
    fn sync_runtime(&mut self) {
        let cfg = &self.cfg;
        let gone: Vec<String> = self
            .rt
            .resources()
            .map(|(r, _)| r)
            .filter(|r| !cfg.resources.contains_key(*r))
            .map(str::to_string)
            .collect();
        let gone_groups: Vec<String> = self
            .rt
            .groups()
            .keys()
            .filter(|g| !cfg.groups.contains_key(*g))
            .cloned()
            .collect();
        let new_groups: Vec<String> = cfg
            .groups
            .keys()
            .filter(|g| self.rt.group(g).is_none())
            .cloned()
            .collect();
        let gone_nodes: Vec<String> = self
            .rt
            .nodes()
            .keys()
            .filter(|n| !cfg.nodes.contains_key(*n))
            .cloned()
            .collect();
        let new_nodes: Vec<String> = cfg
            .nodes
            .keys()
            .filter(|n| self.rt.node(n).is_none())
            .cloned()
            .collect();
        for r in gone {
            self.rt.remove_resource(&r);
        }
        for g in gone_groups {
            self.rt.remove_group(&g);
        }
        for g in new_groups {
            self.rt.group_mut(&g);
        }
        for n in new_nodes {
            self.rt.node_mut(&n);
        }
        for n in gone_nodes {
            self.rt.remove_node(&n);
        }
    }

    /// Sets a resource's state on a node, logging the change.
    fn set_state(&mut self, resource: &str, node: &str, state: RState) {
        let x = self.rt.res_mut(resource, node);
        if x.state == state {
            return;
        }
        x.state = state;
        self.log(LogRecord::resource_state(resource, node, state));
        if state == RState::Offline {
            self.set_status_by_rgm(resource, node, Status::Offline);
        }
        self.touch_resource(resource);
        if matches!(state, RState::Offline | RState::StopFailed)
            && let Some(group) = self.facts.resource(resource).map(|r| r.group.clone())
        {
            // The groups this one depends on may be waiting for its stops (RG_dependencies
            // rule 3) even when its own state does not change (ERROR_STOP_FAILED stays so).
            self.touch_targets(&group);
        }
    }

    /// The RGM's own status changes: UNKNOWN when a START begins, OFFLINE once the resource is
    /// down. What methods set with scha_resource_setstatus stands otherwise.
    fn set_status_by_rgm(&mut self, resource: &str, node: &str, status: Status) {
        let x = self.rt.res_mut(resource, node);
        if x.status == status && x.status_msg.is_empty() {
            return;
        }
        let had_msg = !x.status_msg.is_empty();
        let changed = x.status != status;
        x.status = status;
        x.status_msg.clear();
        if changed {
            self.log(LogRecord::status(resource, node, status));
        }
        if had_msg {
            self.log(LogRecord::status_msg(resource, node, ""));
        }
    }

    /// Marks for reconciliation everything a change of `resource` may unblock.
    fn touch_resource(&mut self, resource: &str) {
        if let Some(r) = self.facts.resource(resource) {
            self.dirty.extend(&r.linked_groups);
        }
    }

    /// Marks a group and the groups linked to it for reconciliation.
    /// The groups that depend on it or have affinities for it wait on its targets and states.
    fn touch_group(&mut self, group: &str) {
        self.dirty.insert(group);
        if let Some(f) = self.facts.group(group) {
            let sources = f
                .rg_dependents
                .iter()
                .chain(&f.affine_sources)
                .chain(&f.resource_dependents);
            self.dirty.extend(sources);
        }
    }

    /// Marks the groups a group depends on or has affinities for: their stops wait for this
    /// group's (RG_dependencies rule 3).
    fn touch_targets(&mut self, group: &str) {
        if let Some(f) = self.facts.group(group) {
            let targets = f
                .rg_dependencies
                .iter()
                .chain(f.rg_affinities.iter().map(|a| &a.group));
            self.dirty.extend(targets);
        }
    }

    /// Whether a resource's type declares a method.
    fn has_method(&self, resource: &str, method: Method) -> bool {
        self.facts
            .resource(resource)
            .is_some_and(|r| r.methods.has(method))
    }

    /// [`Engine::has_method`] by resource id.
    fn has_method_at(&self, r: u32, method: Method) -> bool {
        self.facts.res(r).is_some_and(|f| f.methods.has(method))
    }

    fn timer_fired(&mut self, timer: TimerId) {
        if let Some(node) = self.fence_timers.remove(&timer) {
            self.fence_retry(&node);
            return;
        }
        let Some(run) = self.rt.timers.remove(&timer) else {
            return;
        };
        if self.rt.runs().contains_key(&run) {
            self.run_lost(run, "no result arrived within the timeout and grace period");
        }
    }
}
