//! The engine's runtime state: per resource and node, per group, per node, and the method runs
//! in flight; and its durable snapshot, from which a restarted daemon recovers.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use rtreg::Method;

use crate::engine::event::{RequestId, RunId, Time, TimerId};
use crate::engine::state::{RState, RgState, Status};
use crate::fxhash::FxMap;

/// Why a resource is being taken down for a moment and brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounce {
    /// scha_control RESOURCE_RESTART or a restart dependency: MONITOR_STOP, STOP, START,
    /// MONITOR_START — no POSTNET_STOP or PRENET_START.
    Resource,
    /// A daemon restart found a start half done: run the whole stop sequence, then start.
    Recovery,
}

/// A resource on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResNode {
    pub state: RState,
    #[serde(skip)]
    pub busy: Option<RunId>,
    pub status: Status,
    pub status_msg: String,
    /// Taken down to be brought back (restart).
    pub bounce: Option<Bounce>,
    /// The next start skips PRENET_START (the resource restarted without POSTNET_STOP).
    pub resume_without_prenet: bool,
    /// scha_control IGNORE_FAILED_START was called during the current start.
    #[serde(skip)]
    pub ignore_failed_start: bool,
    /// When it was restarted (Num_resource_restarts counts those within Retry_interval).
    pub restarts: Vec<Time>,
}

/// A group on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupNode {
    pub state: RgState,
    /// When a start method of the group last failed here (Pingpong_interval).
    pub failed_at: Option<Time>,
    /// Group restarts here (Num_rg_restarts counts those within Retry_interval).
    pub restarts: Vec<Time>,
    /// Taken offline here to be brought back (clrg restart, scha_control RESTART).
    pub restarting: bool,
    /// Why it is PENDING_ONLINE_BLOCKED here.
    #[serde(skip)]
    pub blocked: Option<String>,
}

/// A group, cluster-wide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRt {
    /// Whether the group should be online (somewhere): set by online/switch, cleared by offline.
    pub wanted: bool,
    /// The nodes it should be online on now.
    pub primaries: BTreeSet<String>,
    pub nodes: BTreeMap<String, GroupNode>,
    /// `clrg quiesce` in progress: no new methods, no recovery.
    #[serde(skip)]
    pub quiescing: bool,
    /// GIVEOVERs: (resource, node given away from, when).
    pub giveovers: Vec<(String, String, Time)>,
    /// Transition methods of its resources in flight.
    #[serde(skip)]
    pub in_flight: u32,
}

/// A node, as membership sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeRt {
    pub up: bool,
    /// Died or must be rebooted; waiting for NodeFenced.
    pub fencing: bool,
    /// BOOT methods are running; the node masters no group until they are done.
    pub booting: bool,
    /// `clrg evacuate -T`: no group may come here before this time.
    pub evacuated_until: Option<Time>,
    /// Groups whose BOOT methods have yet to run on this node.
    #[serde(skip)]
    pub boot_pending: BTreeSet<String>,
}

/// What a method run is for.
#[derive(Debug, Clone, PartialEq)]
pub enum RunPurpose {
    /// A step of bringing a resource online or offline.
    Transition,
    /// VALIDATE, INIT, FINI, BOOT, UPDATE or MONITOR_CHECK on behalf of an operation.
    Op(RequestId),
    /// BOOT on a joining node.
    Boot,
}

/// A method run in flight.
#[derive(Debug, Clone)]
pub struct Run {
    pub resource: String,
    pub group: String,
    pub node: String,
    pub method: Method,
    pub program: String,
    pub started: Time,
    pub timeout_secs: i64,
    pub purpose: RunPurpose,
    pub timer: TimerId,
}

/// All runtime state.
#[derive(Debug, Clone, Default)]
pub(crate) struct Runtime {
    pub resources: FxMap<String, BTreeMap<String, ResNode>>,
    pub groups: FxMap<String, GroupRt>,
    pub nodes: BTreeMap<String, NodeRt>,
    pub runs: BTreeMap<RunId, Run>,
    pub timers: FxMap<TimerId, RunId>,
    /// The cluster has formed (a node has joined since the engine began).
    pub formed: bool,
    /// Transition methods in flight, cluster-wide.
    pub transitions: usize,
}

impl Runtime {
    /// Records a run that begins.
    pub fn add_run(&mut self, id: RunId, run: Run) {
        if run.purpose == RunPurpose::Transition {
            self.transitions += 1;
            self.group_mut(&run.group).in_flight += 1;
        }
        self.timers.insert(run.timer, id);
        self.runs.insert(id, run);
    }

    /// Forgets a run that ended (or will never report); returns it.
    pub fn take_run(&mut self, id: RunId) -> Option<Run> {
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

    pub fn res(&self, r: &str, node: &str) -> Option<&ResNode> {
        self.resources.get(r)?.get(node)
    }

    pub fn res_mut(&mut self, r: &str, node: &str) -> &mut ResNode {
        self.resources
            .entry(r.to_string())
            .or_default()
            .entry(node.to_string())
            .or_default()
    }

    pub fn state(&self, r: &str, node: &str) -> RState {
        self.res(r, node).map(|x| x.state).unwrap_or_default()
    }

    pub fn group(&self, g: &str) -> Option<&GroupRt> {
        self.groups.get(g)
    }

    pub fn group_mut(&mut self, g: &str) -> &mut GroupRt {
        self.groups.entry(g.to_string()).or_default()
    }

    pub fn node_up(&self, n: &str) -> bool {
        self.nodes.get(n).is_some_and(|x| x.up && !x.fencing)
    }

    pub fn up_nodes(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, x)| x.up && !x.fencing)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// What a restarted daemon needs to know: per group its target, per resource and node its
/// state and status. Written (by the daemon, on `PersistState`) before methods are launched,
/// so a crash never loses a start that was under way.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub groups: BTreeMap<String, GroupRt>,
    pub resources: BTreeMap<String, BTreeMap<String, ResNode>>,
    pub evacuations: BTreeMap<String, Time>,
    /// Nodes that were cluster members.
    #[serde(default)]
    pub up_nodes: Vec<String>,
}
