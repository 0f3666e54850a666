//! The driver: a deterministic stand-in for the daemons around an [`Engine`]. It keeps the
//! method runs the engine launched until an event completes (or loses) them, the timers it
//! armed, which nodes are members and which are owed a `NodeFenced`, the requests awaiting a
//! reply, and the [`Shadow`] of states, so that the invariants can judge each action at the
//! moment it was emitted. Events apply only when they make sense in the current state (a
//! completion of a run that is pending, a fence that is owed); others are skipped, which lets
//! a shrunk schedule replay.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};

use rgm_core::ClusterConfig;
use rgm_core::engine::log::msg;
use rgm_core::engine::{
    Action, AdminRequest, ControlTag, Engine, Event, EventKind, MethodOutcome, MethodResult,
    MethodRun, RState, RequestId, RunId, Snapshot, Time, TimerId,
};

use crate::event::{Outcome, SimEvent, Timed};
use crate::invariants::{Checker, Kind, Violation};
use crate::shadow::{Shadow, parse_primaries, parse_state};

/// A run the engine launched and the world has not finished.
#[derive(Debug, Clone)]
pub struct Pending {
    pub run: MethodRun,
    pub launched: Time,
    /// The engine asked for it to be killed: it ends as cancelled.
    pub killed: bool,
    /// Launched by an engine before the last restart.
    pub restored: bool,
}

/// The engine and the world around it.
pub struct World {
    pub engine: Engine,
    pub now: Time,
    pub pending: BTreeMap<RunId, Pending>,
    timers: BTreeSet<(Time, TimerId)>,
    run_timer: HashMap<RunId, (Time, TimerId)>,
    /// Nodes that are cluster members (joined, not died or fenced since).
    pub alive: BTreeSet<String>,
    /// Nodes the engine is fencing (asked, and neither reported fenced nor confirmed down).
    pub fence_owed: BTreeSet<String>,
    /// Fence actions asked for and not yet answered (done or failed).
    pub fence_asked: BTreeSet<String>,
    /// Nodes that asked to join while owed a fence: the engine lets them join once fenced.
    pub join_after_fence: BTreeSet<String>,
    /// Requests sent and not yet answered.
    pub outstanding: BTreeSet<RequestId>,
    pub shadow: Shadow,
    /// The runtime records as a store that writes each step's change set holds them.
    pub stored: Snapshot,
    next_request: u64,
    /// Events applied so far (the step number of the next one).
    pub step: usize,
    /// Keep the actions of the last event in `last_actions` (for reports).
    pub keep_actions: bool,
    pub last_actions: Vec<Action>,
    /// How the last completion really ended, when not as the event said.
    pub last_note: Option<String>,
    /// The calm phase stops (as if settled) before applying the event of this step.
    pub stop_before: Option<usize>,
    /// (resource, node) that a RESOURCE_RESTART or RESOURCE_IS_RESTARTED of this step
    /// bounces: their restart may begin and end within the step, out of the queries' sight.
    pub bounced: BTreeSet<(String, String)>,
    /// (resource, node) being restarted (`Bounce::Resource`) as the step began.
    pub bounced_before: BTreeSet<(String, String)>,
    bounce_request: Option<RequestId>,
    /// The states, as the step began, of the resources whose state changed during it.
    pub step_prev: HashMap<(String, String), RState>,
    /// Record violations and go on (except after a panic) instead of stopping at the first.
    pub keep_going: bool,
    /// The first violation of each kind, in keep-going mode.
    pub found: Vec<Violation>,
    /// How often each thing happened and each rule was exercised (`--stats`).
    pub stats: RefCell<BTreeMap<String, u64>>,
}

impl World {
    pub fn new(config: ClusterConfig) -> World {
        let mut engine = Engine::new(config);
        engine.take_changes();
        World {
            stored: engine.snapshot(),
            engine,
            now: Time(1_000),
            pending: BTreeMap::new(),
            timers: BTreeSet::new(),
            run_timer: HashMap::new(),
            alive: BTreeSet::new(),
            fence_owed: BTreeSet::new(),
            fence_asked: BTreeSet::new(),
            join_after_fence: BTreeSet::new(),
            outstanding: BTreeSet::new(),
            shadow: Shadow::default(),
            next_request: 1,
            step: 0,
            keep_actions: false,
            last_actions: Vec::new(),
            last_note: None,
            stop_before: None,
            bounced: BTreeSet::new(),
            bounced_before: BTreeSet::new(),
            bounce_request: None,
            step_prev: HashMap::new(),
            keep_going: false,
            found: Vec::new(),
            stats: RefCell::new(BTreeMap::new()),
        }
    }

    /// The node is a member and not being fenced: methods may run there.
    pub fn node_up(&self, node: &str) -> bool {
        self.alive.contains(node) && !self.fence_owed.contains(node)
    }

    /// Counts one more of `what`.
    pub fn count(&self, what: impl Into<String>) {
        *self.stats.borrow_mut().entry(what.into()).or_default() += 1;
    }

    /// When the next armed timer is due.
    pub fn next_timer(&self) -> Option<Time> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Timers due by now.
    pub fn due_timers(&self) -> Vec<TimerId> {
        self.timers
            .iter()
            .take_while(|(at, _)| *at <= self.now)
            .map(|(_, t)| *t)
            .collect()
    }

    /// The oldest pending run matching the triple.
    fn find(&self, resource: &str, node: &str, method: rtreg::Method) -> Option<RunId> {
        self.pending
            .iter()
            .find(|(_, p)| {
                p.run.resource == resource && p.run.node == node && p.run.method == method
            })
            .map(|(id, _)| *id)
    }

    /// A node is fenced: nothing of it runs; if it asked to join meanwhile, it joins now.
    fn now_fenced(&mut self, n: &str) {
        self.fence_owed.remove(n);
        self.alive.remove(n);
        self.drop_runs_on(n);
        if self.join_after_fence.remove(n) {
            self.alive.insert(n.to_string());
        }
    }

    /// Forgets the runs of a node whose processes are gone.
    fn drop_runs_on(&mut self, node: &str) {
        let gone: Vec<RunId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.run.node == node)
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.pending.remove(&id);
            if let Some(t) = self.run_timer.remove(&id) {
                self.timers.remove(&t);
            }
        }
    }

    /// The id of the last request sent (0 before the first).
    pub fn last_request(&self) -> u64 {
        self.next_request - 1
    }

    fn request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.outstanding.insert(id);
        id
    }

    /// Applies one event: `Ok(false)` if it does not apply now (skipped), `Err` with the first
    /// invariant it broke.
    pub fn apply(&mut self, timed: &Timed, checker: &Checker<'_>) -> Result<bool, Violation> {
        let result = self.apply_event(timed, checker);
        let what = match &timed.event {
            SimEvent::Join(_) => "join",
            SimEvent::Die(_) => "death",
            SimEvent::Fenced(_) => "fenced",
            SimEvent::FenceFails(_) => "fence failure",
            SimEvent::Complete { outcome, .. } if *outcome == Outcome::Success => "completion",
            SimEvent::Complete { .. } => "failing completion",
            SimEvent::Lose { .. } => "lost result",
            SimEvent::FireTimers => "timers firing",
            SimEvent::Restart => "rgmd restart",
            SimEvent::Gone { .. } => "resource gone",
            SimEvent::Health { .. } => "node health",
            SimEvent::Admin(_) => "admin request",
            SimEvent::Control { .. } => "scha_control",
            SimEvent::Status { .. } => "status update",
        };
        let how = if result == Ok(false) {
            "skipped"
        } else {
            "applied"
        };
        self.count(format!("event {how}: {what}"));
        result
    }

    fn apply_event(&mut self, timed: &Timed, checker: &Checker<'_>) -> Result<bool, Violation> {
        self.now = self.now.plus_ms(timed.dt_ms);
        self.last_actions.clear();
        self.last_note = None;
        self.bounced.clear();
        self.bounce_request = None;
        self.step_prev.clear();
        self.note_bounces();
        let step = self.step;
        self.step += 1;
        let kinds: Vec<EventKind> = match &timed.event {
            SimEvent::Join(n) => {
                if !self.engine.config().nodes.contains_key(n) {
                    return Ok(false);
                }
                if self.fence_owed.contains(n) {
                    // It joins once fenced, not before.
                    if !self.join_after_fence.insert(n.clone()) {
                        return Ok(false);
                    }
                } else if !self.alive.insert(n.clone()) {
                    return Ok(false);
                }
                vec![EventKind::NodeJoined { node: n.clone() }]
            }
            SimEvent::Die(n) => {
                if !self.alive.remove(n) {
                    return Ok(false);
                }
                self.join_after_fence.remove(n);
                self.drop_runs_on(n);
                vec![EventKind::NodeDied { node: n.clone() }]
            }
            SimEvent::Fenced(n) => {
                if !self.fence_asked.remove(n) {
                    return Ok(false);
                }
                // A late report (confirmed down meanwhile) changes nothing.
                if self.fence_owed.contains(n) {
                    self.now_fenced(n);
                }
                vec![EventKind::NodeFenced { node: n.clone() }]
            }
            SimEvent::FenceFails(n) => {
                if !self.fence_asked.remove(n) {
                    return Ok(false);
                }
                if self.alive.contains(n) {
                    // A member's fence that fails leaves it a member, STOP_FAILED.
                    self.fence_owed.remove(n);
                    self.join_after_fence.remove(n);
                }
                vec![EventKind::FenceFailed {
                    node: n.clone(),
                    reason: "the fence command failed".into(),
                }]
            }
            SimEvent::Complete {
                resource,
                node,
                method,
                outcome,
            } => {
                let Some(id) = self.find(resource, node, *method) else {
                    return Ok(false);
                };
                let p = self.pending.remove(&id).expect("found");
                if let Some(t) = self.run_timer.remove(&id) {
                    self.timers.remove(&t);
                }
                let result = self.result(&p, *outcome);
                if result.outcome == MethodOutcome::Unknown && p.run.method == rtreg::Method::Start
                {
                    // The START of a resource restart is redone as a restart (STOP, START),
                    // which may begin and end within the step.
                    self.bounced.insert((resource.clone(), node.clone()));
                }
                if p.killed {
                    self.last_note = Some("killed on request: cancelled".into());
                } else if *outcome != Outcome::Timeout
                    && matches!(result.outcome, MethodOutcome::TimedOut { .. })
                {
                    self.last_note = Some(format!(
                        "ran {} s, past its {} s timeout: timed out",
                        self.now.0.saturating_sub(p.launched.0) / 1000,
                        p.run.timeout_secs
                    ));
                }
                vec![EventKind::MethodFinished { run: id, result }]
            }
            SimEvent::Lose {
                resource,
                node,
                method,
            } => {
                let Some(id) = self.find(resource, node, *method) else {
                    return Ok(false);
                };
                self.pending.remove(&id);
                Vec::new()
            }
            SimEvent::FireTimers => {
                let due = self.due_timers();
                if due.is_empty() {
                    return Ok(false);
                }
                self.timers.retain(|(at, _)| *at > self.now);
                due.into_iter()
                    .map(|timer| EventKind::TimerFired { timer })
                    .collect()
            }
            SimEvent::Restart => self.restart(),
            SimEvent::Health { node, healthy } => vec![EventKind::NodeHealth {
                node: node.clone(),
                healthy: *healthy,
                reason: if *healthy {
                    "monitor passed"
                } else {
                    "monitor failed"
                }
                .into(),
            }],
            SimEvent::Gone { resource, node } => {
                // Its restart (a bounce) may begin and end within the step.
                self.bounce_candidates(resource, node, true);
                vec![EventKind::ResourceGone {
                    resource: resource.clone(),
                    node: node.clone(),
                    reason: "no sign of life".into(),
                }]
            }
            SimEvent::Admin(request) => {
                if let AdminRequest::ConfirmNodeDown { node } = request
                    && self.fence_owed.contains(node)
                    && !self.alive.contains(node)
                {
                    // The engine takes it as fenced.
                    self.now_fenced(node);
                }
                vec![EventKind::Request {
                    id: self.request_id(),
                    request: request.clone(),
                }]
            }
            SimEvent::Control {
                tag,
                group,
                resource,
                node,
            } => {
                let id = self.request_id();
                if matches!(
                    tag,
                    ControlTag::ResourceRestart | ControlTag::ResourceIsRestarted
                ) {
                    self.bounce_candidates(resource, node, *tag == ControlTag::ResourceRestart);
                    self.bounce_request = Some(id);
                }
                vec![EventKind::Control {
                    id,
                    tag: *tag,
                    group: group.clone(),
                    resource: resource.clone(),
                    node: node.clone(),
                }]
            }
            SimEvent::Status {
                resource,
                node,
                status,
            } => vec![EventKind::SetStatus {
                id: self.request_id(),
                resource: resource.clone(),
                node: node.clone(),
                status: *status,
                message: None,
            }],
        };
        let mut found: Vec<Violation> = Vec::new();
        for kind in kinds {
            let event = Event::new(self.now, kind);
            let actions = match catch_unwind(AssertUnwindSafe(|| self.engine.handle(event))) {
                Ok(actions) => actions,
                Err(payload) => {
                    let text = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    return Err(Violation::new(
                        Kind::Panic,
                        step,
                        format!("the engine panicked: {text}"),
                    ));
                }
            };
            found.extend(self.absorb(&actions, checker, step));
            let changes = self.engine.take_changes();
            self.stored.apply(&changes, &self.engine);
            if self.keep_actions {
                self.last_actions.extend(actions);
            }
        }
        found.extend(checker.after_step(self, step));
        self.record(found).map(|()| true)
    }

    /// Stops at the first violation, or (keep-going) notes the first of each kind.
    pub(crate) fn record(&mut self, found: Vec<Violation>) -> Result<(), Violation> {
        let mut found = found.into_iter();
        if !self.keep_going {
            return found.next().map_or(Ok(()), Err);
        }
        for v in found {
            if !self.found.iter().any(|f| f.kind == v.kind) {
                self.found.push(v);
            }
        }
        Ok(())
    }

    /// The result a run reports: killed runs end cancelled, runs past their timeout time out.
    fn result(&self, p: &Pending, outcome: Outcome) -> MethodResult {
        let age = self.now.0.saturating_sub(p.launched.0);
        let timeout_ms = (p.run.timeout_secs.max(0) as u64) * 1000;
        let outcome = if p.killed {
            MethodOutcome::Cancelled
        } else if age > timeout_ms || outcome == Outcome::Timeout {
            MethodOutcome::TimedOut { killed: false }
        } else {
            match outcome {
                Outcome::Success => MethodOutcome::Exited(0),
                Outcome::Exit(c) => MethodOutcome::Exited(c),
                Outcome::Signal(s) => MethodOutcome::Signaled(s),
                Outcome::NotRun => MethodOutcome::NotRun("no such file".into()),
                Outcome::Timeout => MethodOutcome::TimedOut { killed: false },
                Outcome::Unknown => MethodOutcome::Unknown,
            }
        };
        MethodResult {
            outcome,
            duration_ms: age.min(timeout_ms),
            output: String::new(),
        }
    }

    /// rgmd restarts: a new engine from the store; the runs in flight are now a previous
    /// rgmd's, the requests in flight lost, the timers gone (the new engine arms them again).
    /// Its first event is a member rejoining, as the daemon's is.
    fn restart(&mut self) -> Vec<EventKind> {
        let config = self.engine.config().clone();
        self.engine = Engine::restore(config, self.stored.clone());
        let changes = self.engine.take_changes();
        self.stored.apply(&changes, &self.engine);
        self.outstanding.clear();
        self.timers.clear();
        self.run_timer.clear();
        for p in self.pending.values_mut() {
            p.restored = true;
        }
        // With no member left, a timer that is not armed is the event that brings the time.
        let first = match self.alive.first() {
            Some(n) => {
                if self.fence_owed.contains(n) {
                    self.join_after_fence.insert(n.clone());
                }
                EventKind::NodeJoined { node: n.clone() }
            }
            None => EventKind::TimerFired {
                timer: TimerId(u64::MAX),
            },
        };
        vec![first]
    }

    /// Takes in the engine's actions in order, judging each as it comes; returns the
    /// violations.
    fn absorb(&mut self, actions: &[Action], checker: &Checker<'_>, step: usize) -> Vec<Violation> {
        let mut found: Vec<Violation> = Vec::new();
        let mut armed: Option<(Time, TimerId)> = None;
        for a in actions {
            match a {
                Action::Log(rec) if rec.id == msg::R_STATE => {
                    let (Some(r), Some(n), Some(s)) = (
                        rec.fields.get("resource"),
                        rec.fields.get("node"),
                        rec.fields.get("state").and_then(|s| parse_state(s)),
                    ) else {
                        continue;
                    };
                    let prev = self.shadow.state(r, n);
                    self.step_prev.entry((r.clone(), n.clone())).or_insert(prev);
                    self.count(format!("engine: state {s} entered"));
                    found.extend(checker.on_state(self, step, r, n, prev, s));
                    self.shadow.set(r, n, s);
                }
                Action::Log(rec) if rec.id == msg::PLACEMENT => {
                    if let (Some(g), Some(p)) =
                        (rec.fields.get("group"), parse_primaries(&rec.text))
                    {
                        self.shadow.primaries.insert(g.clone(), p);
                    }
                }
                Action::Log(_) | Action::PersistConfig | Action::PersistState => {}
                Action::RunMethod(run) => {
                    self.count(format!("engine: {} launched", run.method.keyword()));
                    if self
                        .engine
                        .config()
                        .node_names()
                        .iter()
                        .any(|n| !self.node_up(n))
                    {
                        self.count("check dead-node: method launched while a node was down");
                    }
                    found.extend(checker.on_run(self, step, run));
                    if let Some(t) = armed.take() {
                        self.run_timer.insert(run.run, t);
                    }
                    self.pending.insert(
                        run.run,
                        Pending {
                            run: run.clone(),
                            launched: self.now,
                            killed: false,
                            restored: false,
                        },
                    );
                }
                Action::KillMethod { run, .. } => {
                    if let Some(p) = self.pending.get_mut(run) {
                        p.killed = true;
                    }
                }
                Action::Reply { id, result } => {
                    if result.is_err() && self.bounce_request == Some(*id) {
                        self.bounced.clear();
                    }
                    if !self.outstanding.remove(id) {
                        found.push(Violation::new(
                            Kind::Reply,
                            step,
                            format!("a second or unasked-for reply to request {}", id.0),
                        ));
                    }
                }
                Action::FenceNode { node, .. } => {
                    self.count("engine: fence requested");
                    self.fence_owed.insert(node.clone());
                    self.fence_asked.insert(node.clone());
                }
                Action::ArmTimer { timer, at } => {
                    self.timers.insert((*at, *timer));
                    armed = Some((*at, *timer));
                }
            }
        }
        found
    }
}
