//! The runtime objects, each one record of the store (docs/engine.md, "Runtime records"): a
//! resource on a node ([`ResNode`]), a group cluster-wide ([`GroupRt`]), a group on a node
//! ([`GroupNode`]), a node ([`NodeRt`]) and a method run in flight ([`Run`]). Their serde form
//! is the stored form; fields marked `skip` are derived again after a restore.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use rtreg::Method;

use crate::engine::event::{RequestId, Time, TimerId};
use crate::engine::state::{RState, RgState, Status};

/// Why a resource is being taken down for a moment and brought back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounce {
    /// scha_control RESOURCE_RESTART or a restart dependency: MONITOR_STOP, STOP, START,
    /// MONITOR_START — no POSTNET_STOP or PRENET_START.
    Resource,
    /// A start whose outcome cannot be known (rgmd restarted while it ran): run the whole
    /// stop sequence, then start.
    Recovery,
}

/// A resource on one node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResNode {
    pub state: RState,
    /// The transition method in flight (its run is a record of its own).
    #[serde(skip)]
    pub busy: Option<crate::engine::event::RunId>,
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

impl ResNode {
    /// The record as stored: without what is derived again after a restore.
    pub fn record(&self) -> ResNode {
        ResNode {
            busy: None,
            ignore_failed_start: false,
            ..self.clone()
        }
    }
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

impl GroupNode {
    pub fn record(&self) -> GroupNode {
        GroupNode {
            blocked: None,
            ..self.clone()
        }
    }
}

/// A group, cluster-wide (its per-node runtime is in [`GroupNode`] records).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRt {
    /// Whether the group should be online (somewhere): set by online/switch, cleared by offline.
    pub wanted: bool,
    /// The nodes it should be online on now.
    pub primaries: BTreeSet<String>,
    /// `clrg quiesce` in progress: no new methods, no recovery.
    #[serde(skip)]
    pub quiescing: bool,
    /// GIVEOVERs: (resource, node given away from, when).
    #[serde(default)]
    pub giveovers: Vec<(String, String, Time)>,
    /// Transition methods of its resources in flight.
    #[serde(skip)]
    pub in_flight: u32,
}

impl GroupRt {
    pub fn record(&self) -> GroupRt {
        GroupRt {
            quiescing: false,
            in_flight: 0,
            ..self.clone()
        }
    }
}

/// A node, as membership sees it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeRt {
    /// A cluster member.
    #[serde(default)]
    pub up: bool,
    /// Died or must be rebooted; waiting for NodeFenced.
    #[serde(default)]
    pub fencing: bool,
    /// BOOT methods are running; the node masters no group until they are done.
    #[serde(default)]
    pub booting: bool,
    /// `clrg evacuate -T`: no group may come here before this time.
    #[serde(default)]
    pub evacuated_until: Option<Time>,
    /// Groups whose BOOT methods have yet to run on this node.
    #[serde(default)]
    pub boot_pending: BTreeSet<String>,
    /// It asked to join while owed a fence: it joins once fenced.
    #[serde(default)]
    pub join_after_fence: bool,
    /// Failed fences since it was asked to be fenced, and the last one's reason.
    #[serde(default)]
    pub fence_attempts: u32,
    #[serde(default)]
    pub fence_error: Option<String>,
    /// Unhealthy (`NodeHealth`), and why: it is chosen for no group while a healthy node can
    /// take it.
    #[serde(default)]
    pub unhealthy: Option<String>,
}

/// What a method run is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunPurpose {
    /// A step of bringing a resource online or offline.
    Transition,
    /// VALIDATE, INIT, FINI, UPDATE or MONITOR_CHECK on behalf of an operation.
    Op(RequestId),
    /// BOOT on a joining node.
    Boot,
    /// An operation's run whose operation ended with a previous rgmd (restored).
    Orphan,
}

/// A method run in flight; its record is written before it is launched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub node: String,
    pub resource: String,
    pub group: String,
    pub method: Method,
    /// The method program's file name, as the cluster log names it.
    pub program: String,
    pub started: Time,
    pub timeout_secs: i64,
    pub purpose: RunPurpose,
    /// The timer that catches a result that never arrives (not stored: armed again).
    #[serde(skip, default = "no_timer")]
    pub timer: TimerId,
}

fn no_timer() -> TimerId {
    TimerId(0)
}

impl Run {
    pub fn record(&self) -> Run {
        Run {
            timer: no_timer(),
            ..self.clone()
        }
    }
}

/// The per-node runtime of a group, keyed by node.
pub(crate) type GroupNodes = BTreeMap<String, GroupNode>;
