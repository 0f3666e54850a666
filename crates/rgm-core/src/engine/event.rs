//! What the engine is told: administrators' requests, method results, scha_control calls,
//! status updates, membership changes and timers. Every event carries the time it happened;
//! the engine has no clock of its own.

use serde::{Deserialize, Serialize};

use rtreg::ResourceTypeSpec;

use crate::change::InstalledNodesEdit;
use crate::edit::PropertyEdit;
use crate::engine::state::Status;

/// Milliseconds on the daemon's clock.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Time(pub u64);

impl Time {
    pub fn plus_secs(self, secs: i64) -> Time {
        Time(self.0.saturating_add_signed(secs.saturating_mul(1000)))
    }

    pub fn plus_ms(self, ms: u64) -> Time {
        Time(self.0.saturating_add(ms))
    }

    /// Whole seconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn secs_since(self, earlier: Time) -> i64 {
        (self.0.saturating_sub(earlier.0) / 1000) as i64
    }
}

/// Identifies a request, chosen by the daemon; replies carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u64);

/// Identifies one run of a method, chosen by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RunId(pub u64);

/// Identifies a timer, chosen by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TimerId(pub u64);

/// An input to the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub now: Time,
    pub kind: EventKind,
}

impl Event {
    pub fn new(now: Time, kind: EventKind) -> Event {
        Event { now, kind }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// An administrator's command (a cl* command that changes something).
    Request {
        id: RequestId,
        request: AdminRequest,
    },
    /// A method the engine asked for has ended.
    MethodFinished {
        run: RunId,
        result: MethodResult,
    },
    /// `scha_control -O tag -G group -R resource`, called on `node`.
    Control {
        id: RequestId,
        tag: ControlTag,
        group: String,
        resource: String,
        node: String,
    },
    /// `scha_resource_setstatus`, called on `node`.
    SetStatus {
        id: RequestId,
        resource: String,
        node: String,
        status: Status,
        message: Option<String>,
    },
    /// A node has joined (or rejoined) the cluster.
    NodeJoined {
        node: String,
    },
    /// A node has left the cluster without stopping its resources.
    NodeDied {
        node: String,
    },
    /// A node that died or had to be rebooted is fenced: nothing of it runs any more.
    NodeFenced {
        node: String,
    },
    /// A fence could not be done (no fence command, or it failed); `reason` says why.
    FenceFailed {
        node: String,
        reason: String,
    },
    TimerFired {
        timer: TimerId,
    },
    /// A node's health (its event scripts' `monitor`, or its `startup` not yet done): an
    /// unhealthy node is chosen as a primary for no group while a healthy node can take it
    /// (docs/engine.md). May come before the node's `NodeJoined`.
    NodeHealth {
        node: String,
        healthy: bool,
        reason: String,
    },
    /// After a restart the daemon found no sign of life of a resource the engine believes
    /// started on `node` (its processes gone, its probe failing); `reason` says what it saw.
    /// Failover_mode applies (docs/engine.md).
    ResourceGone {
        resource: String,
        node: String,
        reason: String,
    },
}

/// How a method run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodResult {
    pub outcome: MethodOutcome,
    pub duration_ms: u64,
    /// What the method wrote (kept whole, bounded, for VALIDATE; may be empty otherwise).
    pub output: String,
}

impl MethodResult {
    pub fn exited(code: i32, duration_ms: u64) -> MethodResult {
        MethodResult {
            outcome: MethodOutcome::Exited(code),
            duration_ms,
            output: String::new(),
        }
    }

    pub fn success(&self) -> bool {
        self.outcome == MethodOutcome::Exited(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodOutcome {
    Exited(i32),
    Signaled(i32),
    /// Killed at its timeout; `killed` when SIGKILL was needed after SIGTERM.
    TimedOut {
        killed: bool,
    },
    /// Killed on request (`clrg quiesce -k`).
    Cancelled,
    /// Never ran: the file failed the launcher's safety checks, or could not be executed.
    NotRun(String),
    /// Started by a previous rgmd: it has ended (the daemon waited for its processes) but its
    /// result cannot be known (docs/recovery.md says what the engine does for each method).
    Unknown,
}

/// How a method ended, in words (`exit code 1`, `timed out`).
impl std::fmt::Display for MethodOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MethodOutcome::Exited(code) => write!(f, "exit code {code}"),
            MethodOutcome::Signaled(sig) => write!(f, "killed by signal {sig}"),
            MethodOutcome::TimedOut { .. } => f.write_str("timed out"),
            MethodOutcome::Cancelled => f.write_str("killed on request"),
            MethodOutcome::NotRun(reason) => write!(f, "not run: {reason}"),
            MethodOutcome::Unknown => f.write_str("result unknown (started by a previous rgmd)"),
        }
    }
}

/// The scha_control requests (reference §e.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlTag {
    Giveover,
    CheckGiveover,
    Restart,
    CheckRestart,
    ResourceRestart,
    ResourceIsRestarted,
    IgnoreFailedStart,
    ResourceDisable,
    ChangeStateOnline,
    ChangeStateOffline,
}

impl ControlTag {
    pub const ALL: [ControlTag; 10] = [
        ControlTag::Giveover,
        ControlTag::CheckGiveover,
        ControlTag::Restart,
        ControlTag::CheckRestart,
        ControlTag::ResourceRestart,
        ControlTag::ResourceIsRestarted,
        ControlTag::IgnoreFailedStart,
        ControlTag::ResourceDisable,
        ControlTag::ChangeStateOnline,
        ControlTag::ChangeStateOffline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ControlTag::Giveover => "GIVEOVER",
            ControlTag::CheckGiveover => "CHECK_GIVEOVER",
            ControlTag::Restart => "RESTART",
            ControlTag::CheckRestart => "CHECK_RESTART",
            ControlTag::ResourceRestart => "RESOURCE_RESTART",
            ControlTag::ResourceIsRestarted => "RESOURCE_IS_RESTARTED",
            ControlTag::IgnoreFailedStart => "IGNORE_FAILED_START",
            ControlTag::ResourceDisable => "RESOURCE_DISABLE",
            ControlTag::ChangeStateOnline => "CHANGE_STATE_ONLINE",
            ControlTag::ChangeStateOffline => "CHANGE_STATE_OFFLINE",
        }
    }

    /// The tag for an optag, case-insensitively.
    pub fn from_name(s: &str) -> Option<ControlTag> {
        ControlTag::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
    }
}

/// Which objects a command names: the operands, or `+` for all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operands {
    All,
    Named(Vec<String>),
}

impl Operands {
    pub fn named(names: &[&str]) -> Operands {
        Operands::Named(names.iter().map(|s| s.to_string()).collect())
    }

    /// From command-line operands: `+` alone means all.
    pub fn from_args(args: Vec<String>) -> Operands {
        if args.iter().any(|a| a == "+") {
            Operands::All
        } else {
            Operands::Named(args)
        }
    }
}

/// The administrator's requests that change something: what `clresourcetype`,
/// `clresourcegroup` and `clresource` ask of rgmd.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum AdminRequest {
    RegisterType {
        spec: Box<ResourceTypeSpec>,
        installed_nodes: Option<Vec<String>>,
        rt_system: Option<bool>,
    },
    UpdateType {
        name: String,
        installed_nodes: Option<InstalledNodesEdit>,
        rt_system: Option<bool>,
    },
    UnregisterType {
        names: Operands,
    },
    /// `clrg create`: every group named, all or none.
    CreateGroup {
        names: Vec<String>,
        scalable: bool,
        edits: Vec<PropertyEdit>,
    },
    /// `clrg set`, `add-node`, `remove-node`.
    UpdateGroup {
        groups: Operands,
        edits: Vec<PropertyEdit>,
    },
    DeleteGroup {
        groups: Operands,
        force: bool,
    },
    Manage {
        groups: Operands,
    },
    Unmanage {
        groups: Operands,
    },
    /// `clrg online [-e] [-m] [-M] [-n nodes]`.
    Online {
        groups: Operands,
        nodes: Option<Vec<String>>,
        enable: bool,
        monitor: bool,
        manage: bool,
    },
    Offline {
        groups: Operands,
        nodes: Option<Vec<String>>,
    },
    /// `clrg switch -n nodes [-e] [-m] [-M]`.
    Switch {
        groups: Operands,
        nodes: Vec<String>,
        enable: bool,
        monitor: bool,
        manage: bool,
    },
    Restart {
        groups: Operands,
        nodes: Option<Vec<String>>,
    },
    Suspend {
        groups: Operands,
        kill: bool,
    },
    Resume {
        groups: Operands,
    },
    Quiesce {
        groups: Operands,
        kill: bool,
    },
    /// `clrg evacuate -n node [-T seconds] +`.
    Evacuate {
        node: String,
        seconds: i64,
    },
    Remaster {
        groups: Operands,
    },
    /// `clrs create`: every resource named, all or none.
    CreateResource {
        names: Vec<String>,
        group: String,
        type_name: String,
        edits: Vec<PropertyEdit>,
        enabled: bool,
    },
    UpdateResource {
        resources: Operands,
        edits: Vec<PropertyEdit>,
    },
    DeleteResource {
        resources: Operands,
        force: bool,
    },
    Enable {
        resources: Operands,
        nodes: Option<Vec<String>>,
        recursive: bool,
    },
    Disable {
        resources: Operands,
        nodes: Option<Vec<String>>,
        recursive: bool,
    },
    Monitor {
        resources: Operands,
        nodes: Option<Vec<String>>,
    },
    Unmonitor {
        resources: Operands,
        nodes: Option<Vec<String>>,
    },
    /// `clrs clear -f STOP_FAILED -n nodes`.
    ClearStopFailed {
        resources: Operands,
        nodes: Vec<String>,
    },
    /// `clnode add`: a node in the configuration (it joins by starting rgmd).
    AddNode {
        name: String,
    },
    /// `clnode remove`: refused while the node is a member, hosts something, or is named in
    /// the configuration (a Nodelist, Installed_nodes, per-node settings).
    RemoveNode {
        name: String,
    },
    /// `clnode confirm-down`: the administrator has made sure a node that left the cluster is
    /// down; it counts as fenced, and its groups may start elsewhere.
    ConfirmNodeDown {
        node: String,
    },
}
