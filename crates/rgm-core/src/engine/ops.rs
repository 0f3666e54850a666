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
use crate::engine::runtime::{Run, RunPurpose};
use crate::engine::state::RState;
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
    ConfirmDown {
        node: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Apply(Change),
    /// VALIDATE of `change` as it will be after the `prior` changes of the same request (all
    /// of a request's VALIDATEs run before any of its changes is applied).
    Validate {
        prior: Vec<Change>,
        change: Change,
    },
    /// INIT, FINI or UPDATE on the resources where it applies; failures are reported, not fatal.
    Lifecycle {
        method: Method,
        resources: Vec<String>,
    },
    /// After a managed group's Nodelist changed: INIT where its resources' Init_nodes gained
    /// a node, FINI where they lost one. `before`: each resource's Init_nodes before.
    InitNodesChanged {
        before: Vec<(String, Vec<String>)>,
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

#[derive(Debug, Default, Clone)]
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
            .res_nodes(resource)
            .is_none_or(|nodes| nodes.iter().all(|(_, x)| x.state == RState::Offline))
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
            let needs_lock = matches!(
                op.steps.front(),
                Some(Step::Apply(_) | Step::Validate { .. })
            );
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
                        let next_needs_lock = matches!(
                            op.steps.front(),
                            Some(Step::Apply(_) | Step::Validate { .. })
                        );
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
                let touched = crate::change::touched(&self.cfg, change);
                let mut cfg = std::mem::take(&mut self.cfg);
                let applied = cfg.apply(change, &EngineRuntime(self));
                self.cfg = cfg;
                applied?;
                self.cfg_changes.note(touched.clone());
                self.cfg_log.push(touched);
                self.log(LogRecord::decision(
                    msg::CONFIG_CHANGED,
                    Severity::Notice,
                    format!("configuration changed: {}", change),
                    &[],
                ));
                self.config_changed_by(change);
                Ok(true)
            }
            Step::Validate { prior, change } => {
                self.validate(id, prior, change)?;
                Ok(true)
            }
            Step::Lifecycle { method, resources } => {
                self.lifecycle(id, *method, resources);
                Ok(true)
            }
            Step::InitNodesChanged { before } => {
                self.init_nodes_changed(id, before);
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
        let how = &result.outcome;
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

    /// Whether VALIDATE may run for `change`: not for a resource created of a type that
    /// declares none (then there is nothing to copy and check again: the request's dry run
    /// checked it, and the config lock has kept it true).
    fn may_validate(&self, change: &Change) -> bool {
        match change {
            Change::CreateResource { type_name, .. } => self
                .cfg
                .resolve_type(type_name)
                .map_or(true, |t| t.spec.method(Method::Validate).is_some()),
            _ => true,
        }
    }

    /// Launches VALIDATE for a change wherever the rt_callbacks page asks for it.
    fn validate(
        &mut self,
        id: RequestId,
        prior: &[Change],
        change: &Change,
    ) -> Result<(), RequestError> {
        if !self.may_validate(change) {
            return Ok(());
        }
        let mut base = self.cfg.clone();
        for c in prior {
            base.apply(c, &EngineRuntime(self))?;
        }
        let changed = base.apply(change, &EngineRuntime(self))?;
        let next = &base;
        // (resource, args per node)
        let mut runs: Vec<(String, String, ValidateArgs)> = Vec::new();
        // Resources with VALIDATE none of whose Init_nodes is up: never applied unvalidated.
        let mut nowhere: Vec<String> = Vec::new();
        let mut add = |cfg: &crate::config::ClusterConfig,
                       rname: &str,
                       f: &dyn Fn(&str) -> ValidateArgs| {
            let Some(r) = cfg.resources.get(rname) else {
                return;
            };
            let has_validate = cfg
                .types
                .get(&r.type_name)
                .is_some_and(|t| t.spec.method(Method::Validate).is_some());
            let nodes = cfg.init_nodes(r);
            let up: Vec<&String> = nodes.iter().filter(|n| self.rt.node_up(n)).collect();
            if has_validate && up.is_empty() {
                nowhere.push(format!(
                        "VALIDATE of resource {rname} cannot run: none of its nodes ({}) is a cluster member; nothing was changed",
                        nodes.join(", ")
                    ));
            }
            for n in up {
                runs.push((rname.to_string(), n.clone(), f(n)));
            }
        };
        match change {
            Change::CreateResource { name, .. } => {
                let r = &next.resources[name];
                add(next, name, &|n| args::create_args(next, r, n));
            }
            Change::UpdateResource { name, .. } => {
                let r = &next.resources[name];
                add(next, name, &|n| args::update_args(next, r, &changed, n));
            }
            Change::UpdateGroup { name, .. } => {
                for rname in &next.groups[name].resources {
                    let r = &next.resources[rname];
                    add(next, rname, &|_| args::group_update_args(next, r, &changed));
                }
            }
            _ => {}
        }
        if !nowhere.is_empty() {
            return Err(RequestError {
                code: ErrorCode::State,
                messages: nowhere,
            });
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
            let target = crate::engine::launch::RunTarget {
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

    fn init_nodes_changed(&mut self, id: RequestId, before: &[(String, Vec<String>)]) {
        for (rname, old) in before {
            let Some(r) = self.cfg.resources.get(rname) else {
                continue;
            };
            let managed = self.cfg.groups.get(&r.group).is_some_and(|g| g.managed);
            if !managed {
                continue;
            }
            let new = self.cfg.init_nodes(r);
            let runs: Vec<(Method, String)> = new
                .iter()
                .filter(|n| !old.contains(n))
                .map(|n| (Method::Init, n.clone()))
                .chain(
                    old.iter()
                        .filter(|n| !new.contains(n))
                        .map(|n| (Method::Fini, n.clone())),
                )
                .filter(|(m, n)| self.rt.node_up(n) && self.has_method(rname, *m))
                .collect();
            for (m, n) in runs {
                if let Some(run) = self.launch(rname, &n, m, RunPurpose::Op(id), None)
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
            .runs()
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
}
