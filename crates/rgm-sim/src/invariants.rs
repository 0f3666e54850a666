//! The invariants, judged on every action at the moment the engine emitted it (against the
//! shadow of states the log has told so far) and on the states after every step:
//!
//! - **placement**: a failover group is active (a resource not `Offline`) on at most one node,
//!   a scalable one on at most `Maximum_primaries`; checked whenever a resource leaves
//!   `Offline` and after every step. A dead node keeps its states until it is fenced, so it
//!   counts until then.
//! - **start-order**: START (or, for a type without START, the move to started) only when
//!   every strong, restart and offline_restart dependency that applies on the node is started
//!   in its resolved scope.
//! - **stop-order**: STOP (or, without STOP, the move to stopped) only when no dependent that
//!   relies on this instance is in the middle of its own stop (both going down: the dependent
//!   first; one that stays online or is STOP_FAILED does not hold it).
//! - **dependent-stopped**: a resource still wanted up is stopped only by a restart or
//!   offline_restart dependency or its own restart — never a strong or weak dependent because
//!   what it depends on stopped.
//! - **strong-negative**: a group with `--T` and T are never both active on one node.
//! - **at-rest**: once the calm phase leaves the engine idle, no resource on a member node is
//!   STARTING or STOPPING, and every resource not wanted up there is OFFLINE or STOP_FAILED
//!   (no dependent, online or STOP_FAILED, keeps what it depends on from stopping).
//! - **midway**: after every step, a resource on a member node is STARTING or STOPPING (its
//!   public state) only while a method of it runs there, or while something it may be
//!   waiting for is in flight — some method running anywhere, or a fence owed.
//! - **bounded**: restart and giveover histories hold no more than their windows
//!   (Retry_interval, Pingpong_interval) see.
//! - **stop-failed-start**: no PRENET_START or START for a group while any of its resources is
//!   `StopFailed` on any node.
//! - **dead-node**: no method on a node that is not a member or is being fenced.
//! - **one-transition**: at most one start or stop method of a resource runs on a node.
//! - **reply**: every request is answered exactly once.
//! - **settle**: once faults stop, the engine becomes idle within a bounded number of steps.
//! - **panic**: the engine never panics; **hang**: it returns from every event (judged by the
//!   runner's watchdog); **unlogged-state**: every state and primaries change appears in the
//!   engine's log (the shadow equals the engine's state after each step).
//! - **persist**: the change sets the engine names after each event, applied to a store, give
//!   exactly the engine's snapshot (no record changes without being named).

use std::collections::BTreeMap;
use std::fmt;

use rgm_core::engine::{MethodRun, RState};
use rtreg::Method;

use crate::driver::World;

/// Which invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Placement,
    StartOrder,
    StopOrder,
    StopFailedStart,
    DeadNode,
    OneTransition,
    Reply,
    Settle,
    Panic,
    Hang,
    UnloggedState,
    /// The change sets, applied to a store, do not reproduce the engine's snapshot.
    Persist,
    DependentStopped,
    StrongNegative,
    AtRest,
    Bounded,
    /// A resource STARTING or STOPPING while nothing it could wait for is in flight.
    Midway,
    /// A predicate given by the caller (tests of the simulator itself).
    Custom(&'static str),
}

impl Kind {
    /// The built-in invariants.
    pub const ALL: [Kind; 17] = [
        Kind::Placement,
        Kind::StartOrder,
        Kind::StopOrder,
        Kind::StopFailedStart,
        Kind::DeadNode,
        Kind::OneTransition,
        Kind::Reply,
        Kind::Settle,
        Kind::Panic,
        Kind::Hang,
        Kind::UnloggedState,
        Kind::Persist,
        Kind::DependentStopped,
        Kind::StrongNegative,
        Kind::AtRest,
        Kind::Bounded,
        Kind::Midway,
    ];

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Placement => "placement",
            Kind::StartOrder => "start-order",
            Kind::StopOrder => "stop-order",
            Kind::StopFailedStart => "stop-failed-start",
            Kind::DeadNode => "dead-node",
            Kind::OneTransition => "one-transition",
            Kind::Reply => "reply",
            Kind::Settle => "settle",
            Kind::Panic => "panic",
            Kind::Hang => "hang",
            Kind::UnloggedState => "unlogged-state",
            Kind::Persist => "persist",
            Kind::DependentStopped => "dependent-stopped",
            Kind::StrongNegative => "strong-negative",
            Kind::AtRest => "at-rest",
            Kind::Bounded => "bounded",
            Kind::Midway => "midway",
            Kind::Custom(name) => name,
        }
    }
}

/// A broken invariant: which, at which step (event index), and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: Kind,
    pub step: usize,
    pub message: String,
}

impl Violation {
    pub fn new(kind: Kind, step: usize, message: String) -> Violation {
        Violation {
            kind,
            step,
            message,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step {}: {}: {}",
            self.step,
            self.kind.name(),
            self.message
        )
    }
}

/// An extra predicate over the world after each step; `Some(why)` is a violation.
pub type Extra = dyn Fn(&World) -> Option<String> + Sync;

/// The invariants, plus an optional extra predicate.
#[derive(Clone, Copy, Default)]
pub struct Checker<'a> {
    pub extra: Option<(&'static str, &'a Extra)>,
}

fn is_transition(m: Method) -> bool {
    matches!(
        m,
        Method::PrenetStart
            | Method::Start
            | Method::MonitorStart
            | Method::MonitorStop
            | Method::Stop
            | Method::PostnetStop
    )
}

impl Checker<'_> {
    pub fn with_extra<'a>(name: &'static str, extra: &'a Extra) -> Checker<'a> {
        Checker {
            extra: Some((name, extra)),
        }
    }

    /// A resource's state on a node is about to change from `prev` to `next`.
    pub fn on_state(
        &self,
        w: &World,
        step: usize,
        r: &str,
        n: &str,
        prev: RState,
        next: RState,
    ) -> Option<Violation> {
        let mut v = None;
        if next == RState::OnlineUnmonitored
            && matches!(prev, RState::Offline | RState::PrenetStarted)
        {
            let how = "becoming started without START";
            v = self
                .start_rule(w, step, r, n, how)
                .or_else(|| self.stop_failed_rule(w, step, r, n, how));
        }
        // (Back from POSTNET_STOP to stopped is that step redone, not a stop.)
        if v.is_none()
            && next == RState::Stopped
            && !matches!(prev, RState::Stopping | RState::PostnetStopping)
        {
            let how = "becoming stopped without STOP";
            v = self
                .stop_rule(w, step, r, n, how)
                .or_else(|| self.dependent_stop_rule(w, step, r, n, how));
        }
        if v.is_none() && prev == RState::Offline && next != RState::Offline {
            let group = w.engine.config().resources.get(r)?.group.clone();
            v = self
                .placement(w, step, &group, Some((r, n, next)))
                .or_else(|| crate::spread::strong_negative(w, step, &group, Some((r, n))));
        }
        v
    }

    /// The engine launches a method.
    pub fn on_run(&self, w: &World, step: usize, run: &MethodRun) -> Option<Violation> {
        let (r, n) = (run.resource.as_str(), run.node.as_str());
        if !w.node_up(n) {
            let why = if w.fence_owed.contains(n) {
                "being fenced"
            } else {
                "not a cluster member"
            };
            return Some(Violation::new(
                Kind::DeadNode,
                step,
                format!(
                    "{} of {r} launched on node {n}, which is {why}",
                    run.method.keyword()
                ),
            ));
        }
        match run.method {
            Method::Start => self
                .start_rule(w, step, r, n, "START")
                .or_else(|| self.stop_failed_rule(w, step, r, n, "START")),
            Method::PrenetStart => self.stop_failed_rule(w, step, r, n, "PRENET_START"),
            Method::Stop => self
                .stop_rule(w, step, r, n, "STOP")
                .or_else(|| self.dependent_stop_rule(w, step, r, n, "STOP")),
            _ => None,
        }
    }

    /// After every step: placement, one transition at a time, answered requests, the shadow,
    /// and the extra predicate.
    pub fn after_step(&self, w: &World, step: usize) -> Vec<Violation> {
        let mut out = Vec::new();
        let cfg = w.engine.config();
        if let Some(v) = cfg
            .groups
            .keys()
            .find_map(|g| self.placement(w, step, g, None))
        {
            out.push(v);
        }
        let mut transitions: BTreeMap<(String, String), Vec<&'static str>> = BTreeMap::new();
        for (_, node, resource, method) in w.engine.running() {
            if is_transition(method) {
                transitions
                    .entry((resource, node))
                    .or_default()
                    .push(method.keyword());
            }
        }
        if let Some(((r, n), methods)) = transitions.iter().find(|(_, m)| m.len() > 1) {
            out.push(Violation::new(
                Kind::OneTransition,
                step,
                format!("{} of {r} run on node {n} at once", methods.join(" and ")),
            ));
        }
        if w.engine.is_idle()
            && let Some(id) = w.outstanding.first()
        {
            out.push(Violation::new(
                Kind::Reply,
                step,
                format!("the engine is idle and request {} has no reply", id.0),
            ));
        }
        out.extend(self.shadow_matches(w, step));
        out.extend(persisted(w, step));
        out.extend(
            cfg.groups
                .keys()
                .find_map(|g| crate::spread::strong_negative(w, step, g, None)),
        );
        out.extend(crate::spread::bounded(w, step));
        out.extend(crate::spread::midway(w, step));
        if let Some((name, extra)) = self.extra
            && let Some(why) = extra(w)
        {
            out.push(Violation::new(Kind::Custom(name), step, why));
        }
        out
    }

    fn shadow_matches(&self, w: &World, step: usize) -> Option<Violation> {
        let cfg = w.engine.config();
        let nodes = cfg.node_names();
        for r in cfg.resources.keys() {
            for n in &nodes {
                let (engine, shadow) = (w.engine.resource_state(r, n), w.shadow.state(r, n));
                if engine != shadow {
                    return Some(Violation::new(
                        Kind::UnloggedState,
                        step,
                        format!("{r} on {n} is {engine} but the log last said {shadow}"),
                    ));
                }
            }
        }
        for g in cfg.groups.keys() {
            let engine: Vec<String> = w.engine.group_primaries(g);
            let shadow: Vec<String> = w
                .shadow
                .primaries
                .get(g)
                .map(|p| p.iter().cloned().collect())
                .unwrap_or_default();
            if engine != shadow {
                return Some(Violation::new(
                    Kind::UnloggedState,
                    step,
                    format!(
                        "the primaries of {g} are [{}] but the log last said [{}]",
                        engine.join(", "),
                        shadow.join(", ")
                    ),
                ));
            }
        }
        None
    }

    /// At most one node (failover) or Maximum_primaries nodes (scalable) where the group is
    /// active; `pending` is a state change not yet in the shadow.
    fn placement(
        &self,
        w: &World,
        step: usize,
        group: &str,
        pending: Option<(&str, &str, RState)>,
    ) -> Option<Violation> {
        let cfg = w.engine.config();
        let g = cfg.groups.get(group)?;
        let limit = if g.is_scalable() {
            g.maximum_primaries().max(1) as usize
        } else {
            1
        };
        let mut active: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in &g.resources {
            for (n, s) in w.shadow.instances(r) {
                if pending.is_some_and(|(pr, pn, _)| pr == r && pn == n) {
                    continue;
                }
                active
                    .entry(n.clone())
                    .or_default()
                    .push(format!("{r}={s}"));
            }
        }
        if let Some((r, n, s)) = pending
            && s != RState::Offline
        {
            active
                .entry(n.to_string())
                .or_default()
                .push(format!("{r}={s}"));
        }
        if active.len() <= limit {
            return None;
        }
        let list: Vec<String> = active
            .iter()
            .map(|(n, rs)| format!("{n} ({})", rs.join(" ")))
            .collect();
        Some(Violation::new(
            Kind::Placement,
            step,
            format!(
                "{} group {group} is active on {} nodes (at most {limit}): {}",
                if g.is_scalable() {
                    "scalable"
                } else {
                    "failover"
                },
                active.len(),
                list.join(", ")
            ),
        ))
    }
}

/// The store that took every change set holds what the engine's snapshot says.
fn persisted(w: &World, step: usize) -> Option<Violation> {
    let now = w.engine.snapshot();
    if w.stored == now {
        return None;
    }
    let s = &w.stored;
    let differ: Vec<&str> = [
        ("groups", s.groups != now.groups),
        ("resources", s.resources != now.resources),
        ("nodes", s.nodes != now.nodes),
        ("runs", s.runs != now.runs),
        ("next_run", s.next_run != now.next_run),
    ]
    .into_iter()
    .filter(|(_, d)| *d)
    .map(|(k, _)| k)
    .collect();
    Some(Violation::new(
        Kind::Persist,
        step,
        format!(
            "the change sets applied to a store differ from the engine's snapshot in: {}",
            differ.join(", ")
        ),
    ))
}
