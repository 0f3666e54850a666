//! Dry runs (`--dry-run` of the changing cl* commands): the request is planned on a copy of
//! the engine — the real one is not touched, nothing is run, stored or logged — and every
//! method the copy asks for is taken to succeed, until the copy settles. What comes out is the
//! answer the request would get, the methods in the order they would run, in waves that may
//! run in parallel (every method of a wave can start once the previous wave has finished), and
//! the states that would result.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use rtreg::Method;

use crate::engine::event::{AdminRequest, Event, EventKind, MethodResult, RequestId, RunId, Time};
use crate::engine::state::{RState, RgState};
use crate::engine::{Action, Engine};
use crate::error::ErrorCode;

/// How many waves a plan follows before it says the copy did not settle.
const MAX_WAVES: usize = 10_000;

/// What a request would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Whether the request would be accepted (and reach its goal, methods succeeding).
    pub accepted: bool,
    /// Its answer: notes when accepted, the refusal's lines when not.
    pub messages: Vec<String>,
    /// The refusal's code when not accepted.
    pub code: Option<ErrorCode>,
    /// The methods it would run, wave by wave.
    pub waves: Vec<Vec<PlannedRun>>,
    /// Group states that would change: (group, node, from, to).
    pub groups: Vec<(String, String, RgState, RgState)>,
    /// Resource states that would change: (resource, node, from, to).
    pub resources: Vec<(String, String, RState, RState)>,
    /// Nodes it would fence.
    pub fences: Vec<String>,
    /// False when the copy still ran methods after `MAX_WAVES` waves.
    pub settled: bool,
}

/// One method run of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub node: String,
    pub resource: String,
    pub group: String,
    pub method: Method,
}

impl Engine {
    /// Plans `request` at time `now` on a copy of the engine: the engine itself is unchanged.
    pub fn plan_request(&self, request: AdminRequest, now: Time) -> Plan {
        let mut copy = self.clone();
        let before = states(self);
        let id = RequestId(u64::MAX);
        // Runs already in flight end as they will; they are not the request's.
        let mut pending: Vec<RunId> = copy.rt.runs().keys().copied().collect();
        let mut plan = Plan {
            accepted: false,
            messages: Vec::new(),
            code: None,
            waves: Vec::new(),
            groups: Vec::new(),
            resources: Vec::new(),
            fences: Vec::new(),
            settled: true,
        };
        let mut reply = None;
        let mut wave = Vec::new();
        let actions = copy.handle(Event::new(now, EventKind::Request { id, request }));
        collect(actions, id, &mut wave, &mut pending, &mut plan, &mut reply);
        for _ in 0..MAX_WAVES {
            if !wave.is_empty() {
                plan.waves.push(std::mem::take(&mut wave));
            }
            if pending.is_empty() {
                break;
            }
            for run in std::mem::take(&mut pending) {
                let finished = EventKind::MethodFinished {
                    run,
                    result: MethodResult::exited(0, 0),
                };
                let actions = copy.handle(Event::new(now, finished));
                collect(actions, id, &mut wave, &mut pending, &mut plan, &mut reply);
            }
        }
        plan.settled = pending.is_empty();
        match reply {
            Some(Ok(notes)) => {
                plan.accepted = true;
                plan.messages = notes;
            }
            Some(Err(e)) => {
                plan.code = Some(e.code);
                plan.messages = e.messages;
            }
            None => plan.messages = vec!["the request would still be waiting".to_string()],
        }
        let after = states(&copy);
        for ((g, n), s) in &after.0 {
            let was = before
                .0
                .get(&(g.clone(), n.clone()))
                .copied()
                .unwrap_or_default();
            if was != *s {
                plan.groups.push((g.clone(), n.clone(), was, *s));
            }
        }
        for ((r, n), s) in &after.1 {
            let was = before
                .1
                .get(&(r.clone(), n.clone()))
                .copied()
                .unwrap_or_default();
            if was != *s {
                plan.resources.push((r.clone(), n.clone(), was, *s));
            }
        }
        plan
    }
}

type Reply = Option<Result<Vec<String>, crate::engine::RequestError>>;

fn collect(
    actions: Vec<Action>,
    id: RequestId,
    wave: &mut Vec<PlannedRun>,
    pending: &mut Vec<RunId>,
    plan: &mut Plan,
    reply: &mut Reply,
) {
    for a in actions {
        match a {
            Action::RunMethod(run) => {
                pending.push(run.run);
                wave.push(PlannedRun {
                    node: run.node,
                    resource: run.resource,
                    group: run.group,
                    method: run.method,
                });
            }
            Action::Reply { id: to, result } if to == id => {
                *reply = Some(result.map(|a| a.messages));
            }
            Action::FenceNode { node, .. } => plan.fences.push(node),
            _ => {}
        }
    }
}

/// Every group's and resource's state on every node.
#[allow(clippy::type_complexity)]
fn states(
    e: &Engine,
) -> (
    BTreeMap<(String, String), RgState>,
    BTreeMap<(String, String), RState>,
) {
    let nodes = e.cfg.node_names();
    let mut groups = BTreeMap::new();
    let mut resources = BTreeMap::new();
    for g in e.cfg.groups.keys() {
        for n in &nodes {
            groups.insert((g.clone(), n.clone()), e.group_state(g, n));
        }
    }
    for r in e.cfg.resources.keys() {
        for n in &nodes {
            resources.insert((r.clone(), n.clone()), e.resource_state(r, n));
        }
    }
    (groups, resources)
}
