//! The simulator's events: what the world around the engine does — nodes joining, dying and
//! being fenced, methods ending, results getting lost, timers firing, administrators and
//! resource monitors asking. They name runs by resource, node and method rather than by the
//! engine's run ids, so that a schedule with events removed still replays: an event that no
//! longer applies (no such run pending, node not in that state) is skipped.

use std::fmt;

use rgm_core::engine::{AdminRequest, ControlTag, Operands, Status};
use rtreg::Method;

/// How a method run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Exit(i32),
    Signal(i32),
    /// Killed at its timeout.
    Timeout,
    /// The launcher could not run the program.
    NotRun,
    /// A run of a previous rgmd that ended without a result that can be known.
    Unknown,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("exit 0"),
            Outcome::Exit(c) => write!(f, "exit {c}"),
            Outcome::Signal(s) => write!(f, "signal {s}"),
            Outcome::Timeout => f.write_str("timeout"),
            Outcome::NotRun => f.write_str("not run"),
            Outcome::Unknown => f.write_str("result unknown"),
        }
    }
}

/// One thing that happens to the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SimEvent {
    /// A node joins (or rejoins) the cluster.
    Join(String),
    /// A node dies without stopping anything.
    Die(String),
    /// The daemon reports that a node it was asked to fence is fenced.
    Fenced(String),
    /// The daemon reports that it could not fence the node.
    FenceFails(String),
    /// The oldest pending run of `method` for `resource` on `node` ends.
    Complete {
        resource: String,
        node: String,
        method: Method,
        outcome: Outcome,
    },
    /// The result of that run never arrives (its deadline timer will tell).
    Lose {
        resource: String,
        node: String,
        method: Method,
    },
    /// Every timer due by now fires.
    FireTimers,
    /// rgmd restarts on the same boot: a new engine restored from what the store holds; the
    /// runs in flight go on, requests in flight are lost with their connections.
    Restart,
    Admin(AdminRequest),
    /// `scha_control -O tag -G group -R resource`, called on `node`.
    Control {
        tag: ControlTag,
        group: String,
        resource: String,
        node: String,
    },
    /// A node's health changes (its event scripts' monitor).
    Health {
        node: String,
        healthy: bool,
    },
    /// After a restart, a resource shows no sign of life on a node.
    Gone {
        resource: String,
        node: String,
    },
    /// `scha_resource_setstatus`.
    Status {
        resource: String,
        node: String,
        status: Status,
    },
}

/// An event and how long after the previous one it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct Timed {
    pub dt_ms: u64,
    pub event: SimEvent,
}

impl fmt::Display for SimEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimEvent::Join(n) => write!(f, "node {n} joins"),
            SimEvent::Die(n) => write!(f, "node {n} dies"),
            SimEvent::Fenced(n) => write!(f, "node {n} is fenced"),
            SimEvent::FenceFails(n) => write!(f, "the fence of node {n} fails"),
            SimEvent::Complete {
                resource,
                node,
                method,
                outcome,
            } => write!(
                f,
                "{} of {resource} on {node} ends: {outcome}",
                method.keyword()
            ),
            SimEvent::Lose {
                resource,
                node,
                method,
            } => write!(
                f,
                "the result of {} of {resource} on {node} is lost",
                method.keyword()
            ),
            SimEvent::FireTimers => f.write_str("due timers fire"),
            SimEvent::Restart => f.write_str("rgmd restarts"),
            SimEvent::Health { node, healthy } => write!(
                f,
                "node {node} is {}",
                if *healthy { "healthy" } else { "unhealthy" }
            ),
            SimEvent::Gone { resource, node } => {
                write!(f, "{resource} on {node} shows no sign of life")
            }
            SimEvent::Admin(req) => write!(f, "admin: {}", command(req)),
            SimEvent::Control {
                tag,
                group,
                resource,
                node,
            } => write!(
                f,
                "scha_control -O {} -G {group} -R {resource} (on {node})",
                tag.name()
            ),
            SimEvent::Status {
                resource,
                node,
                status,
            } => write!(
                f,
                "scha_resource_setstatus -R {resource} -s {} (on {node})",
                status.public_name()
            ),
        }
    }
}

fn operands(o: &Operands) -> String {
    match o {
        Operands::All => "+".to_string(),
        Operands::Named(v) => v.join(" "),
    }
}

fn nodes_opt(nodes: &Option<Vec<String>>) -> String {
    nodes
        .as_ref()
        .map(|n| format!(" -n {}", n.join(",")))
        .unwrap_or_default()
}

fn flags(enable: bool, monitor: bool, manage: bool) -> String {
    let mut s = String::new();
    for (on, flag) in [(enable, " -e"), (monitor, " -m"), (manage, " -M")] {
        if on {
            s.push_str(flag);
        }
    }
    s
}

/// The request as the administrator's command line.
pub fn command(req: &AdminRequest) -> String {
    use AdminRequest as R;
    match req {
        R::Online {
            groups,
            nodes,
            enable,
            monitor,
            manage,
        } => format!(
            "clrg online{}{} {}",
            flags(*enable, *monitor, *manage),
            nodes_opt(nodes),
            operands(groups)
        ),
        R::Switch {
            groups,
            nodes,
            enable,
            monitor,
            manage,
        } => format!(
            "clrg switch{} -n {} {}",
            flags(*enable, *monitor, *manage),
            nodes.join(","),
            operands(groups)
        ),
        R::Offline { groups, nodes } => {
            format!("clrg offline{} {}", nodes_opt(nodes), operands(groups))
        }
        R::Restart { groups, nodes } => {
            format!("clrg restart{} {}", nodes_opt(nodes), operands(groups))
        }
        R::Suspend { groups, kill } => format!(
            "clrg suspend{} {}",
            if *kill { " -k" } else { "" },
            operands(groups)
        ),
        R::Quiesce { groups, kill } => format!(
            "clrg quiesce{} {}",
            if *kill { " -k" } else { "" },
            operands(groups)
        ),
        R::Resume { groups } => format!("clrg resume {}", operands(groups)),
        R::Remaster { groups } => format!("clrg remaster {}", operands(groups)),
        R::Manage { groups } => format!("clrg manage {}", operands(groups)),
        R::Unmanage { groups } => format!("clrg unmanage {}", operands(groups)),
        R::Evacuate { node, seconds } => format!("clrg evacuate -n {node} -T {seconds} +"),
        R::UpdateGroup { groups, edits } => format!(
            "clrg set {} {}",
            edits
                .iter()
                .map(|e| format!("-p {e}"))
                .collect::<Vec<_>>()
                .join(" "),
            operands(groups)
        ),
        R::UpdateResource { resources, edits } => format!(
            "clrs set {} {}",
            edits
                .iter()
                .map(|e| format!("-p {e}"))
                .collect::<Vec<_>>()
                .join(" "),
            operands(resources)
        ),
        R::Enable {
            resources,
            nodes,
            recursive,
        } => format!(
            "clrs enable{}{} {}",
            if *recursive { " -r" } else { "" },
            nodes_opt(nodes),
            operands(resources)
        ),
        R::Disable {
            resources,
            nodes,
            recursive,
        } => format!(
            "clrs disable{}{} {}",
            if *recursive { " -r" } else { "" },
            nodes_opt(nodes),
            operands(resources)
        ),
        R::Monitor { resources, nodes } => {
            format!("clrs monitor{} {}", nodes_opt(nodes), operands(resources))
        }
        R::Unmonitor { resources, nodes } => {
            format!("clrs unmonitor{} {}", nodes_opt(nodes), operands(resources))
        }
        R::ConfirmNodeDown { node } => format!("clnode confirm-down {node}"),
        R::AddNode { name } => format!("clnode add {name}"),
        R::RemoveNode { name } => format!("clnode remove {name}"),
        R::ClearStopFailed { resources, nodes } => format!(
            "clrs clear -f STOP_FAILED -n {} {}",
            nodes.join(","),
            operands(resources)
        ),
        other => format!("{other:?}"),
    }
}
