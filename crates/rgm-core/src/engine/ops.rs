//! Operations: a request becomes a sequence of steps — check and apply configuration changes
//! (after VALIDATE where the rt_callbacks page asks for it), run INIT/FINI/UPDATE/MONITOR_CHECK,
//! change targets, kill methods, wait for groups to settle — and replies when the last step is
//! done or a step fails. Configuration changes hold a lock from VALIDATE to apply so that no
//! other change slips in between.

use std::collections::{BTreeSet, VecDeque};

use rtreg::Method;

use crate::change::{Change, RuntimeView};
use crate::engine::Engine;
use crate::engine::action::{Action, Answer, RequestError, ValidateArgs};
use crate::engine::args;
use crate::engine::event::{MethodResult, RequestId, RunId, Time};
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::readiness::Want;
use crate::engine::runtime::{Run, RunPurpose};
use crate::engine::state::{RState, RgState};
use crate::error::ErrorCode;

/// What a finished operation must have achieved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Goal {
    /// Only that the groups settled.
    Settled,
    /// Online on these nodes, or (None) on at least one node.
    Online(Option<Vec<String>>),
    /// Offline on these nodes, or (None) everywhere.
    Offline(Option<Vec<String>>),
    /// No group online on the node (evacuate).
    NotOn(String),
    /// These resources started wherever their group is up (enable, monitor).
    ResourcesUp(Vec<String>),
    /// These resources down on these nodes or everywhere (disable).
    ResourcesDown(Vec<String>, Option<Vec<String>>),
    /// The resource started again on the node (RESOURCE_RESTART).
    StartedOn(String, String),
}

/// A change of targets, taken at once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TargetChange {
    Online {
        group: String,
        nodes: Option<Vec<String>>,
    },
    Offline {
        group: String,
        nodes: Option<Vec<String>>,
    },
    Restart {
        group: String,
        nodes: Vec<String>,
    },
    Remaster {
        group: String,
    },
    Evacuate {
        node: String,
        until: Time,
    },
    QuiesceBegin {
        group: String,
    },
    QuiesceEnd {
        group: String,
    },
    ResetMonitorFailed {
        resource: String,
        nodes: Vec<String>,
    },
    ClearStopFailed {
        resource: String,
        node: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Apply(Change),
    Validate(Change),
    /// INIT, FINI or UPDATE on the resources where it applies; failures are reported, not fatal.
    Lifecycle {
        method: Method,
        resources: Vec<String>,
    },
    Target(TargetChange),
    /// Kill the running start and stop methods of these groups (`-k`).
    Kill(Vec<String>),
    Settle {
        groups: Vec<String>,
        goal: Goal,
    },
    /// Run MONITOR_CHECK for the group's resources on each candidate (GIVEOVER).
    MonitorCheck {
        group: String,
        candidates: Vec<String>,
    },
    /// Move the group from `from` to the first candidate that passed MONITOR_CHECK.
    Giveover {
        group: String,
        resource: String,
        from: String,
        candidates: Vec<String>,
        check_only: bool,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Op {
    pub steps: VecDeque<Step>,
    pub waiting: BTreeSet<RunId>,
    pub messages: Vec<String>,
    /// Failures of the VALIDATE runs in flight: (resource, node, what happened, output).
    pub validate_failures: Vec<String>,
    /// Candidates that failed MONITOR_CHECK.
    pub check_failures: BTreeSet<String>,
    pub holds_lock: bool,
    /// Where the last Settle check found a group still moving.
    pub settle_cursor: usize,
}

impl Op {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Op {
        Op {
            steps: steps.into_iter().collect(),
            ..Op::default()
        }
    }
}

/// Runtime state as the configuration checks see it.
struct EngineRuntime<'a>(&'a Engine);

impl RuntimeView for EngineRuntime<'_> {
    fn resource_offline_everywhere(&self, resource: &str) -> bool {
        self.0
            .rt
            .resources
            .get(resource)
            .is_none_or(|nodes| nodes.values().all(|x| x.state == RState::Offline))
    }
}

impl Engine {
    /// Starts an operation for a request and advances it as far as it goes now.
    pub(crate) fn start_op(&mut self, id: RequestId, op: Op) {
        self.ops.insert(id, op);
        self.advance(id);
    }

    pub(crate) fn reply(&mut self, id: RequestId, result: Result<Answer, RequestError>) {
        if let Err(e) = &result {
            self.log(LogRecord::decision(
                msg::REQUEST_REFUSED,
                Severity::Warning,
                format!("request refused: {}", e.messages.join("; ")),
                &[],
            ));
        }
        self.emit(Action::Reply { id, result });
    }

    /// Advances every operation; returns whether any moved.
    pub(crate) fn progress_ops(&mut self) -> bool {
        let ids: Vec<RequestId> = self.ops.keys().copied().collect();
        let mut progressed = false;
        for id in ids {
            progressed |= self.advance(id);
        }
        progressed
    }

    /// Runs an operation's steps until one has to wait; returns whether a step was taken.
    fn advance(&mut self, id: RequestId) -> bool {
        let mut progressed = false;
        loop {
            let Some(op) = self.ops.get(&id) else {
                return progressed;
            };
            if !op.waiting.is_empty() {
                return progressed;
            }
            if !op.validate_failures.is_empty() {
                let mut messages = op.validate_failures.clone();
                messages.insert(
                    0,
                    "VALIDATE refused the change; nothing was changed:".into(),
                );
                self.finish(
                    id,
                    Err(RequestError {
                        code: ErrorCode::Method,
                        messages,
                    }),
                );
                return true;
            }
            if op.steps.is_empty() {
                let messages = op.messages.clone();
                self.finish(id, Ok(Answer { messages }));
                return true;
            }
            let needs_lock = matches!(op.steps.front(), Some(Step::Apply(_) | Step::Validate(_)));
            if needs_lock {
                match self.config_lock {
                    Some(holder) if holder != id => return progressed,
                    _ => {
                        self.config_lock = Some(id);
                        if let Some(op) = self.ops.get_mut(&id) {
                            op.holds_lock = true;
                        }
                    }
                }
            }
            // The step leaves the queue while it is taken, and returns if it must wait.
            let Some(step) = self.ops.get_mut(&id).and_then(|op| op.steps.pop_front()) else {
                return progressed;
            };
            match self.take_step(id, &step) {
                Ok(true) => {
                    progressed = true;
                    if let Some(op) = self.ops.get_mut(&id) {
                        let next_needs_lock =
                            matches!(op.steps.front(), Some(Step::Apply(_) | Step::Validate(_)));
                        if op.holds_lock && !next_needs_lock && op.waiting.is_empty() {
                            op.holds_lock = false;
                            self.config_lock = None;
                        }
                    }
                }
                Ok(false) => {
                    if let Some(op) = self.ops.get_mut(&id) {
                        op.steps.push_front(step);
                    }
                    return progressed;
                }
                Err(e) => {
                    self.finish(id, Err(e));
                    return true;
                }
            }
        }
    }

    fn finish(&mut self, id: RequestId, result: Result<Answer, RequestError>) {
        if let Some(op) = self.ops.remove(&id)
            && (op.holds_lock || self.config_lock == Some(id))
        {
            self.config_lock = None;
        }
        self.reply(id, result);
    }

    /// Takes one step: `Ok(true)` when done (possibly leaving runs to wait for), `Ok(false)`
    /// when it must wait, `Err` when the operation fails.
    fn take_step(&mut self, id: RequestId, step: &Step) -> Result<bool, RequestError> {
        match step {
            Step::Apply(change) => {
                let plan = self.cfg.plan(change, &EngineRuntime(self))?;
                self.cfg = plan.next;
                self.log(LogRecord::decision(
                    msg::CONFIG_CHANGED,
                    Severity::Notice,
                    format!("configuration changed: {}", describe(change)),
                    &[],
                ));
                self.config_changed();
                Ok(true)
            }
            Step::Validate(change) => {
                self.validate(id, change)?;
                Ok(true)
            }
            Step::Lifecycle { method, resources } => {
                self.lifecycle(id, *method, resources);
                Ok(true)
            }
            Step::Target(t) => {
                self.target(t.clone());
                Ok(true)
            }
            Step::Kill(groups) => {
                self.kill(groups);
                Ok(true)
            }
            Step::Settle { groups, goal } => {
                let cursor = self.ops.get(&id).map(|op| op.settle_cursor).unwrap_or(0);
                if let Some(at) = self.first_unsettled(groups, cursor) {
                    if let Some(op) = self.ops.get_mut(&id) {
                        op.settle_cursor = at;
                    }
                    return Ok(false);
                }
                let notes = self.check_goal(groups, goal)?;
                if let Some(op) = self.ops.get_mut(&id) {
                    op.messages.extend(notes);
                }
                Ok(true)
            }
            Step::MonitorCheck { group, candidates } => {
                self.monitor_check(id, group, candidates);
                Ok(true)
            }
            Step::Giveover {
                group,
                resource,
                from,
                candidates,
                check_only,
            } => self.giveover(id, group, resource, from, candidates, *check_only),
        }
    }

    /// A run launched by an operation has ended.
    pub(crate) fn op_run_finished(
        &mut self,
        id: RequestId,
        run: RunId,
        info: &Run,
        result: &MethodResult,
    ) {
        let Some(op) = self.ops.get_mut(&id) else {
            return;
        };
        op.waiting.remove(&run);
        if result.success() {
            if info.method == Method::Validate && !result.output.trim().is_empty() {
                op.messages
                    .push(format!("VALIDATE of {} on {}:", info.resource, info.node));
                op.messages
                    .extend(result.output.lines().map(str::to_string));
            }
            return;
        }
        let how = crate::engine::control::describe_outcome(result);
        match info.method {
            Method::Validate => {
                op.validate_failures.push(format!(
                    "VALIDATE of resource {} failed on node {} ({how})",
                    info.resource, info.node
                ));
                op.validate_failures
                    .extend(result.output.lines().map(|l| format!("  {l}")));
            }
            Method::MonitorCheck => {
                op.check_failures.insert(info.node.clone());
            }
            other => op.messages.push(format!(
                "{} of resource {} failed on node {} ({how})",
                other.keyword(),
                info.resource,
                info.node
            )),
        }
    }

    /// Launches VALIDATE for a change wherever the rt_callbacks page asks for it.
    fn validate(&mut self, id: RequestId, change: &Change) -> Result<(), RequestError> {
        let plan = self.cfg.plan(change, &EngineRuntime(self))?;
        let next = &plan.next;
        // (resource, args per node)
        let mut runs: Vec<(String, String, ValidateArgs)> = Vec::new();
        let mut add =
            |cfg: &crate::config::ClusterConfig, rname: &str, f: &dyn Fn(&str) -> ValidateArgs| {
                let Some(r) = cfg.resources.get(rname) else {
                    return;
                };
                for n in cfg.init_nodes(r) {
                    if self.rt.node_up(&n) {
                        runs.push((rname.to_string(), n.clone(), f(&n)));
                    }
                }
            };
        match change {
            Change::CreateResource { name, .. } => {
                let r = &next.resources[name];
                add(next, name, &|n| args::create_args(next, r, n));
            }
            Change::UpdateResource { name, .. } => {
                let r = &next.resources[name];
                add(next, name, &|n| {
                    args::update_args(next, r, &plan.changed, n)
                });
            }
            Change::UpdateGroup { name, .. } => {
                for rname in &next.groups[name].resources {
                    let r = &next.resources[rname];
                    add(next, rname, &|_| {
                        args::group_update_args(next, r, &plan.changed)
                    });
                }
            }
            _ => {}
        }
        for (rname, node, vargs) in runs {
            let Some(r) = next.resources.get(&rname) else {
                continue;
            };
            let Some(rtype) = next.types.get(&r.type_name) else {
                continue;
            };
            let Some(path) = rtype.spec.method(Method::Validate) else {
                continue;
            };
            let target = crate::engine::RunTarget {
                resource: rname.clone(),
                group: r.group.clone(),
                type_name: r.type_name.clone(),
                path: path.to_string(),
                timeout_secs: next.method_timeout(r, Method::Validate),
                node,
                method: Method::Validate,
            };
            let run = self.launch_with(target, RunPurpose::Op(id), Some(vargs));
            if let Some(op) = self.ops.get_mut(&id) {
                op.waiting.insert(run);
            }
        }
        Ok(())
    }

    /// Launches INIT, FINI or UPDATE for the resources where it applies.
    fn lifecycle(&mut self, id: RequestId, method: Method, resources: &[String]) {
        for rname in resources {
            if !self.has_method(rname, method) {
                continue;
            }
            let Some(r) = self.cfg.resources.get(rname) else {
                continue;
            };
            let nodes: Vec<String> = match method {
                Method::Update => self
                    .cfg
                    .node_names()
                    .into_iter()
                    .filter(|n| self.rt.state(rname, n).is_started())
                    .collect(),
                _ => self.cfg.init_nodes(r),
            };
            let nodes: Vec<String> = nodes.into_iter().filter(|n| self.rt.node_up(n)).collect();
            for n in nodes {
                if let Some(run) = self.launch(rname, &n, method, RunPurpose::Op(id), None)
                    && let Some(op) = self.ops.get_mut(&id)
                {
                    op.waiting.insert(run);
                }
            }
        }
    }

    fn kill(&mut self, groups: &[String]) {
        let kills: Vec<(RunId, String)> = self
            .rt
            .runs
            .iter()
            .filter(|(_, r)| r.purpose == RunPurpose::Transition && groups.contains(&r.group))
            .map(|(id, r)| (*id, r.node.clone()))
            .collect();
        for (run, node) in kills {
            self.log(LogRecord::decision(
                msg::METHOD_KILL,
                Severity::Warning,
                format!("killing method run {} on node {node} on request", run.0),
                &[("node", &node)],
            ));
            self.emit(Action::KillMethod { run, node });
        }
    }

    /// The groups have nothing in flight and nothing more will happen to them by itself.
    /// The index of a group that has not settled, looking from `start` on (and round), or
    /// `None` when all have. Operations remember where they last found one, so that waiting
    /// on many groups costs little per event.
    fn first_unsettled(&self, groups: &[String], start: usize) -> Option<usize> {
        let fencing = self.rt.nodes.values().any(|x| x.fencing);
        let quiet = self.rt.runs.is_empty()
            && self.dirty.is_empty()
            && !fencing
            && !self.rt.nodes.values().any(|x| x.booting);
        if quiet {
            // Nothing is in flight anywhere, so nothing will change by itself.
            return None;
        }
        let n = groups.len();
        (0..n).map(|k| (start + k) % n.max(1)).find(|&i| {
            let g = &groups[i];
            let Some(grt) = self.rt.group(g) else {
                return false;
            };
            if grt.in_flight > 0 || self.dirty.contains(g) {
                return true;
            }
            let restarting = grt.nodes.values().any(|n| n.restarting);
            // A pending state with nothing of the group in flight waits on other groups.
            let pending = grt
                .nodes
                .values()
                .any(|n| matches!(n.state, RgState::PendingOnline | RgState::PendingOffline));
            // A node being fenced decides nothing until the fence is done.
            let fenced_here = fencing
                && self
                    .rt
                    .nodes
                    .iter()
                    .any(|(n, x)| x.fencing && self.group_active_on(g, n));
            restarting || fenced_here || (pending && self.rt.transitions > 0)
        })
    }

    /// Checks an operation's goal once its groups settled; returns notes for the answer.
    fn check_goal(&self, groups: &[String], goal: &Goal) -> Result<Vec<String>, RequestError> {
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        match goal {
            Goal::Settled => {}
            Goal::Online(nodes) => {
                for g in groups {
                    let on: Vec<String> = self.nodes_where(g, |s| s == RgState::Online);
                    match nodes {
                        Some(nodes) => {
                            for n in nodes {
                                if !on.contains(n) {
                                    problems.push(self.why_not_online(g, n));
                                }
                            }
                        }
                        None if on.is_empty() => problems.push(self.why_not_online_anywhere(g)),
                        None => {
                            notes.push(format!("resource group {g} is online on {}", on.join(", ")))
                        }
                    }
                    notes.extend(self.monitor_failures(g));
                }
            }
            Goal::Offline(nodes) => {
                for g in groups {
                    let targets = nodes.clone().unwrap_or_else(|| self.cfg.node_names());
                    for n in targets {
                        let s = self.group_state(g, &n);
                        if !matches!(s, RgState::Offline | RgState::Unmanaged) {
                            problems.push(self.why_not_offline(g, &n, s));
                        }
                    }
                }
            }
            Goal::NotOn(node) => {
                for g in groups {
                    let s = self.group_state(g, node);
                    if !matches!(s, RgState::Offline | RgState::Unmanaged) {
                        problems.push(self.why_not_offline(g, node, s));
                    }
                }
            }
            Goal::ResourcesUp(resources) => {
                let want = Want::new(self);
                for r in resources {
                    let Some(res) = self.cfg.resources.get(r) else {
                        continue;
                    };
                    for n in self.cfg.node_names() {
                        if want.group_up(&res.group, &n) && res.enabled.on(&n) {
                            let s = self.rt.state(r, &n);
                            if !s.is_started() {
                                problems.push(format!(
                                    "resource {r} did not come online on node {n}: it is {}",
                                    s.public_name()
                                ));
                            }
                        }
                    }
                }
            }
            Goal::ResourcesDown(resources, nodes) => {
                for r in resources {
                    let targets = nodes.clone().unwrap_or_else(|| self.cfg.node_names());
                    for n in targets {
                        let s = self.rt.state(r, &n);
                        if s != RState::Offline {
                            problems.push(format!(
                                "resource {r} is not offline on node {n}: it is {}",
                                s.public_name()
                            ));
                        }
                    }
                }
            }
            Goal::StartedOn(r, n) => {
                let s = self.rt.state(r, n);
                if !s.is_started() {
                    problems.push(format!(
                        "resource {r} did not restart on node {n}: it is {}",
                        s.public_name()
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(notes)
        } else {
            Err(RequestError {
                code: ErrorCode::State,
                messages: problems,
            })
        }
    }

    fn nodes_where(&self, group: &str, pred: impl Fn(RgState) -> bool) -> Vec<String> {
        self.cfg
            .node_names()
            .into_iter()
            .filter(|n| pred(self.group_state(group, n)))
            .collect()
    }

    fn monitor_failures(&self, group: &str) -> Vec<String> {
        let Some(g) = self.cfg.groups.get(group) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in &g.resources {
            for n in self.cfg.node_names() {
                if self.rt.state(r, &n) == RState::MonitorFailed {
                    out.push(format!(
                        "warning: resource {r} is online on node {n} but MONITOR_START failed"
                    ));
                }
            }
        }
        out
    }

    fn why_not_online(&self, group: &str, node: &str) -> String {
        let s = self.group_state(group, node);
        let failed = self.failed_resources(group, node);
        match s {
            RgState::OnlineFaulted => format!(
                "resource group {group} is ONLINE_FAULTED on node {node}: {}",
                failed.join(", ")
            ),
            RgState::PendingOnlineBlocked => format!(
                "resource group {group} is PENDING_ONLINE_BLOCKED on node {node}: {}",
                self.blocked_reason(group, node)
            ),
            _ => {
                let elsewhere = self.nodes_where(group, RgState::is_online);
                let mut why = format!(
                    "resource group {group} is not online on node {node} (it is {})",
                    s.public_name()
                );
                if !failed.is_empty() {
                    why.push_str(&format!(": {}", failed.join(", ")));
                }
                if let Some(n) = self.stop_failed_node(group) {
                    why.push_str(&format!(
                        "; a resource of the group is STOP_FAILED on node {n}, so it starts nowhere until that is cleared"
                    ));
                } else if !elsewhere.is_empty() {
                    why.push_str(&format!("; it is online on {}", elsewhere.join(", ")));
                } else if let Err(unfit) = self.fitness(group, node, true) {
                    why.push_str(&format!("; node {node}: {unfit}"));
                }
                why
            }
        }
    }

    fn why_not_online_anywhere(&self, group: &str) -> String {
        let mut reasons = Vec::new();
        for n in self
            .cfg
            .groups
            .get(group)
            .map(|g| g.nodelist())
            .unwrap_or_default()
        {
            let failed = self.failed_resources(group, &n);
            let s = self.group_state(group, &n);
            if !failed.is_empty() {
                reasons.push(format!(
                    "node {n}: {} ({})",
                    s.public_name(),
                    failed.join(", ")
                ));
            } else if s == RgState::PendingOnlineBlocked {
                reasons.push(format!(
                    "node {n}: PENDING_ONLINE_BLOCKED ({})",
                    self.blocked_reason(group, &n)
                ));
            } else if let Err(unfit) = self.fitness(group, &n, true) {
                reasons.push(format!("node {n}: {unfit}"));
            }
        }
        if let Some(n) = self.stop_failed_node(group) {
            reasons.push(format!("a resource is STOP_FAILED on node {n}"));
        }
        format!(
            "resource group {group} could not be brought online: {}",
            reasons.join("; ")
        )
    }

    fn why_not_offline(&self, group: &str, node: &str, s: RgState) -> String {
        let failed: Vec<String> = self
            .cfg
            .groups
            .get(group)
            .map(|g| {
                g.resources
                    .iter()
                    .filter(|r| self.rt.state(r, node) == RState::StopFailed)
                    .map(|r| format!("{r} is STOP_FAILED"))
                    .collect()
            })
            .unwrap_or_default();
        let mut why = format!(
            "resource group {group} is {} on node {node}",
            s.public_name()
        );
        if !failed.is_empty() {
            why.push_str(&format!(": {}", failed.join(", ")));
        }
        why
    }

    fn blocked_reason(&self, group: &str, node: &str) -> String {
        self.rt
            .group(group)
            .and_then(|g| g.nodes.get(node))
            .and_then(|x| x.blocked.clone())
            .unwrap_or_else(|| "it depends on something that is not online".to_string())
    }

    fn failed_resources(&self, group: &str, node: &str) -> Vec<String> {
        let Some(g) = self.cfg.groups.get(group) else {
            return Vec::new();
        };
        g.resources
            .iter()
            .filter_map(|r| match self.rt.state(r, node) {
                RState::StartFailed => Some(format!("{r} is START_FAILED")),
                RState::StopFailed => Some(format!("{r} is STOP_FAILED")),
                _ => None,
            })
            .collect()
    }
}

/// A short description of a change for the log.
fn describe(change: &Change) -> String {
    match change {
        Change::AddNode { name } => format!("node {name} added"),
        Change::RegisterType { spec, .. } => format!("resource type {} registered", spec.name),
        Change::UpdateType { name, .. } => format!("resource type {name} updated"),
        Change::UnregisterType { name } => format!("resource type {name} unregistered"),
        Change::CreateGroup { name, .. } => format!("resource group {name} created"),
        Change::UpdateGroup { name, edits } => format!(
            "resource group {name} set {}",
            edits
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Change::DeleteGroup { name } => format!("resource group {name} deleted"),
        Change::SetManaged { group, managed } => {
            format!(
                "resource group {group} {}",
                if *managed { "managed" } else { "unmanaged" }
            )
        }
        Change::SetSuspended { group, suspended } => {
            format!(
                "resource group {group} {}",
                if *suspended { "suspended" } else { "resumed" }
            )
        }
        Change::CreateResource {
            name,
            group,
            type_name,
            ..
        } => {
            format!("resource {name} of type {type_name} created in resource group {group}")
        }
        Change::UpdateResource { name, edits } => format!(
            "resource {name} set {}",
            edits
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Change::DeleteResource { name } => format!("resource {name} deleted"),
        Change::SetEnabled {
            resource,
            nodes,
            enabled,
        } => format!(
            "resource {resource} {}{}",
            if *enabled { "enabled" } else { "disabled" },
            nodes
                .as_ref()
                .map(|n| format!(" on {}", n.join(", ")))
                .unwrap_or_default()
        ),
        Change::SetMonitored {
            resource,
            nodes,
            monitored,
        } => format!(
            "resource {resource} {}{}",
            if *monitored {
                "monitored"
            } else {
                "unmonitored"
            },
            nodes
                .as_ref()
                .map(|n| format!(" on {}", n.join(", ")))
                .unwrap_or_default()
        ),
    }
}
