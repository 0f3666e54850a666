//! Why something does not happen: every kind of reason the engine has for a group not being
//! where it should be on a node — a start gate that blocks or waits (dependencies, affinities,
//! RG_dependencies, STOP_FAILED, one node at a time), a node that may not master the group
//! (placement: Nodelist, membership, health, evacuation, Pingpong_interval), a failed method,
//! a method in flight, a fence. The readiness rules return these, so the text the cluster log
//! and a refusal show and the structure `clrg status -v` and the status page show are one.

use std::fmt;

use serde::{Deserialize, Serialize};

use rtreg::Method;

/// One reason, with the objects it names. Its `Display` is the sentence administrators read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    // --- Start gates (readiness) ---
    /// A resource's hard dependency in another group is not online (where the scope needs
    /// it) and is not on its way: PENDING_ONLINE_BLOCKED.
    DependencyBlocked {
        resource: String,
        dependency: String,
        /// The node it is needed on (a local scope), or none (any node).
        node: Option<String>,
    },
    /// A hard dependency in the same group will not come online on the node.
    DependencyNotOnline {
        resource: String,
        dependency: String,
    },
    /// A resource waits for a dependency that is on its way (starting, restarting).
    DependencyComing {
        resource: String,
        dependency: String,
    },
    /// A resource of the group is STOP_FAILED on a node: it starts nowhere until cleared.
    StopFailedOn {
        node: String,
    },
    /// A `++` affinity target is not online on the node and cannot come there.
    AffinityTargetAbsent {
        group: String,
        node: String,
    },
    /// A `++` affinity target is on its way to the node: the group waits for it.
    AffinityTargetComing {
        group: String,
        node: String,
    },
    /// A group with a `--` affinity for this one is still on the node and cannot leave.
    RepelledBy {
        group: String,
        node: String,
    },
    /// The group's `--` affinity target is STOP_FAILED on the node: it cannot leave, so the
    /// group cannot start there until it is cleared.
    AffinityTargetStopFailed {
        group: String,
        node: String,
    },
    /// A `--` affinity: the group waits until the target (or the group repelling it) has
    /// left the node.
    AffinityLeaving {
        group: String,
        node: String,
    },
    /// An RG_dependencies target is STOP_FAILED.
    RgDependencyStopFailed {
        group: String,
        node: String,
    },
    /// An RG_dependencies target is offline everywhere and not wanted online.
    RgDependencyOffline {
        group: String,
    },
    /// An RG_dependencies target is coming online: the group waits for it.
    RgDependencyComing {
        group: String,
    },
    /// A failover group (or one at Maximum_primaries) is still active on another node: the
    /// new node's start waits for it to be down.
    LeavingNode {
        node: String,
    },
    /// The object was deleted.
    Deleted {
        object: String,
    },

    // --- Placement: why a node is not chosen as a primary ---
    NotInNodelist,
    /// The node is not a cluster member.
    NodeDown,
    /// The node is running its BOOT methods.
    NodeBooting,
    /// `clrg evacuate -T` / `clnode evacuate`: no group comes to the node for a while.
    Evacuated {
        remaining_secs: i64,
    },
    /// The node's event scripts say it is unhealthy.
    Unhealthy {
        reason: String,
    },
    /// The group failed to start there within Pingpong_interval.
    PingPong {
        failed_secs_ago: i64,
        interval_secs: i64,
    },
    /// Placement: a `++` affinity target is not meant to be online there.
    AffinityNotThere {
        group: String,
    },
    /// Placement: a `--` affinity target is meant to be online there.
    AffinityThere {
        group: String,
    },
    /// The group is to be online on other nodes (a failover group is online on one node at a
    /// time; a scalable one on Desired_primaries nodes).
    PrimariesElsewhere {
        nodes: Vec<String>,
        desired: i64,
    },

    // --- States and work in flight ---
    /// START (or PRENET_START) failed.
    StartFailed {
        resource: String,
    },
    /// STOP (or POSTNET_STOP) failed or timed out: sticky until `clrs clear -f STOP_FAILED`.
    StopFailed {
        resource: String,
    },
    /// A started resource whose Status is FAULTED (scha_resource_setstatus).
    StatusFaulted {
        resource: String,
        message: String,
    },
    /// A method is running.
    Running {
        resource: String,
        method: Method,
    },
    /// A node the group was on died: it must be fenced before the group moves.
    Fencing {
        node: String,
    },
    /// The fence of a node that left could not be done (retried with backoff).
    FenceFailed {
        node: String,
        attempts: u32,
        error: String,
    },
    /// `clrg quiesce`: no new methods.
    Quiescing,
    /// The administrator took the group offline (or never brought it online).
    NotWanted,
    /// The group is unmanaged.
    Unmanaged,
}

impl Reason {
    /// The kind's name, as `-o json` spells it (`dependency_blocked`, `ping_pong`, ...).
    pub fn kind(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_string))
            .unwrap_or_default()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::DependencyBlocked {
                resource,
                dependency,
                node,
            } => {
                write!(
                    f,
                    "resource {resource} depends on {dependency}, which is not online"
                )?;
                if let Some(n) = node {
                    write!(f, " on node {n}")?;
                }
                f.write_str(" and is not coming online")
            }
            Reason::DependencyNotOnline {
                resource,
                dependency,
            } => write!(
                f,
                "resource {resource} depends on {dependency}, which is not online"
            ),
            Reason::DependencyComing {
                resource,
                dependency,
            } => write!(
                f,
                "resource {resource} waits for {dependency}, which is coming online"
            ),
            Reason::StopFailedOn { node } => {
                write!(f, "a resource of the group is STOP_FAILED on node {node}")
            }
            Reason::AffinityTargetAbsent { group, node } => write!(
                f,
                "resource group {group} (++ affinity) is not online on node {node}"
            ),
            Reason::AffinityTargetComing { group, node } => write!(
                f,
                "waits for resource group {group} (++ affinity) to come online on node {node}"
            ),
            Reason::RepelledBy { group, node } => write!(
                f,
                "resource group {group} (which has a -- affinity for it) is still on node {node}"
            ),
            Reason::AffinityTargetStopFailed { group, node } => write!(
                f,
                "resource group {group} (-- affinity) is STOP_FAILED on node {node}"
            ),
            Reason::AffinityLeaving { group, node } => write!(
                f,
                "waits for resource group {group} (-- affinity) to leave node {node}"
            ),
            Reason::RgDependencyStopFailed { group, node } => write!(
                f,
                "depends on resource group {group} (RG_dependencies), which is STOP_FAILED on node {node}"
            ),
            Reason::RgDependencyOffline { group } => write!(
                f,
                "depends on resource group {group} (RG_dependencies), which is offline"
            ),
            Reason::RgDependencyComing { group } => write!(
                f,
                "waits for resource group {group} (RG_dependencies) to come online"
            ),
            Reason::LeavingNode { node } => {
                write!(f, "waits for the group to be down on node {node} first")
            }
            Reason::Deleted { object } => write!(f, "{object} deleted"),
            Reason::NotInNodelist => f.write_str("not in Nodelist"),
            Reason::NodeDown => f.write_str("not a cluster member"),
            Reason::NodeBooting => f.write_str("still running BOOT methods"),
            Reason::Evacuated { remaining_secs } => {
                write!(f, "evacuated (for {remaining_secs} s more)")
            }
            Reason::Unhealthy { reason } => write!(f, "unhealthy ({reason})"),
            Reason::PingPong {
                failed_secs_ago,
                interval_secs,
            } => write!(
                f,
                "failed to start there {} ago (Pingpong_interval {interval_secs} s)",
                ago(*failed_secs_ago)
            ),
            Reason::AffinityNotThere { group } => {
                write!(f, "group {group} (++ affinity) is not there")
            }
            Reason::AffinityThere { group } => write!(f, "group {group} (-- affinity) is there"),
            Reason::PrimariesElsewhere { nodes, desired } => {
                if nodes.is_empty() {
                    write!(f, "no primary chosen (wants {desired})")
                } else {
                    write!(
                        f,
                        "it is to be online on {} (wants {desired} node{})",
                        nodes.join(", "),
                        if *desired == 1 { "" } else { "s" }
                    )
                }
            }
            Reason::StartFailed { resource } => write!(f, "{resource} is START_FAILED"),
            Reason::StopFailed { resource } => write!(
                f,
                "{resource} is STOP_FAILED (clrs clear -f STOP_FAILED {resource})"
            ),
            Reason::StatusFaulted { resource, message } => {
                write!(f, "{resource} is online but FAULTED")?;
                if !message.is_empty() {
                    write!(f, " ({message})")?;
                }
                Ok(())
            }
            Reason::Running { resource, method } => {
                write!(f, "{} of {resource} is running", method.keyword())
            }
            Reason::Fencing { node } => {
                write!(f, "node {node} is being fenced; nothing moves until it is")
            }
            Reason::FenceFailed {
                node,
                attempts,
                error,
            } => write!(
                f,
                "node {node} could not be fenced ({attempts} attempt(s); last: {error}); clnode confirm-down {node} once it is down"
            ),
            Reason::Quiescing => f.write_str("the group is being quiesced"),
            Reason::NotWanted => f.write_str("taken offline by the administrator"),
            Reason::Unmanaged => f.write_str("unmanaged"),
        }
    }
}

/// `75 s`, `3 min`, `2 h`.
fn ago(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}
