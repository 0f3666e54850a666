//! A deterministic stand-in for the daemon around an [`Engine`]: it keeps the method runs the
//! engine asked for until the test (or the simulator) completes them, collects replies,
//! fences and the cluster log, and advances a fake clock.

use std::collections::{BTreeMap, BTreeSet};

use rtreg::Method;

use crate::config::ClusterConfig;
use crate::engine::{
    Action, AdminRequest, Answer, ControlTag, Engine, Event, EventKind, LogRecord, MethodResult,
    MethodRun, RState, RequestError, RequestId, RgState, RunId, Status, Time,
};

/// The engine and everything its actions produced.
pub struct Harness {
    pub engine: Engine,
    pub now: Time,
    /// Runs launched and not yet completed.
    pub pending: BTreeMap<RunId, MethodRun>,
    /// Every run launched, in order.
    pub launched: Vec<MethodRun>,
    pub replies: BTreeMap<RequestId, Result<Answer, RequestError>>,
    pub log: Vec<LogRecord>,
    pub fenced: Vec<String>,
    pub killed: Vec<RunId>,
    pub timers: BTreeMap<u64, Vec<crate::engine::TimerId>>,
    pub persisted_config: usize,
    pub persisted_state: usize,
    next_request: u64,
}

impl Harness {
    pub fn new(config: ClusterConfig) -> Harness {
        Harness::with_engine(Engine::new(config))
    }

    pub fn with_engine(engine: Engine) -> Harness {
        Harness {
            engine,
            now: Time(1_000),
            pending: BTreeMap::new(),
            launched: Vec::new(),
            replies: BTreeMap::new(),
            log: Vec::new(),
            fenced: Vec::new(),
            killed: Vec::new(),
            timers: BTreeMap::new(),
            persisted_config: 0,
            persisted_state: 0,
            next_request: 1,
        }
    }

    /// The daemon restarts on the same boot: a new engine restored from this one's snapshot.
    /// The runs pending here are still running; the new daemon reports how they end. Request
    /// ids start again at 1, as a new daemon's do.
    pub fn restarted(&self) -> Harness {
        let engine = Engine::restore(self.engine.config().clone(), self.engine.snapshot());
        let mut h = Harness::with_engine(engine);
        h.now = self.now;
        h.pending = self.pending.clone();
        h
    }

    /// Feeds an event and records what comes out; returns the actions.
    pub fn event(&mut self, kind: EventKind) -> Vec<Action> {
        let actions = self.engine.handle(Event::new(self.now, kind));
        for a in &actions {
            match a {
                Action::RunMethod(run) => {
                    self.pending.insert(run.run, run.clone());
                    self.launched.push(run.clone());
                }
                Action::KillMethod { run, .. } => self.killed.push(*run),
                Action::Reply { id, result } => {
                    self.replies.insert(*id, result.clone());
                }
                Action::PersistConfig => self.persisted_config += 1,
                Action::PersistState => self.persisted_state += 1,
                Action::FenceNode { node, .. } => self.fenced.push(node.clone()),
                Action::ArmTimer { timer, at } => self.timers.entry(at.0).or_default().push(*timer),
                Action::Log(r) => self.log.push(r.clone()),
            }
        }
        actions
    }

    pub fn advance_ms(&mut self, ms: u64) {
        self.now = self.now.plus_ms(ms);
    }

    pub fn join(&mut self, node: &str) {
        self.event(EventKind::NodeJoined {
            node: node.to_string(),
        });
    }

    /// Sends a request; returns its id.
    pub fn request(&mut self, request: AdminRequest) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.event(EventKind::Request { id, request });
        id
    }

    pub fn control(
        &mut self,
        tag: ControlTag,
        group: &str,
        resource: &str,
        node: &str,
    ) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.event(EventKind::Control {
            id,
            tag,
            group: group.into(),
            resource: resource.into(),
            node: node.into(),
        });
        id
    }

    pub fn set_status(
        &mut self,
        resource: &str,
        node: &str,
        status: Status,
        message: &str,
    ) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.event(EventKind::SetStatus {
            id,
            resource: resource.into(),
            node: node.into(),
            status,
            message: Some(message.into()),
        });
        id
    }

    /// Completes a run with a result, 10 ms later.
    pub fn complete(&mut self, run: RunId, result: MethodResult) {
        self.advance_ms(10);
        self.pending.remove(&run);
        self.event(EventKind::MethodFinished { run, result });
    }

    /// The pending run of `method` for `resource` on `node`.
    pub fn find(&self, resource: &str, method: Method, node: &str) -> Option<RunId> {
        self.pending
            .values()
            .find(|r| r.resource == resource && r.method == method && r.node == node)
            .map(|r| r.run)
    }

    /// Completes the pending run of `method` for `resource` on `node`; panics if none.
    pub fn finish(&mut self, resource: &str, method: Method, node: &str, code: i32) {
        let run = self.find(resource, method, node).unwrap_or_else(|| {
            panic!(
                "no pending {method} of {resource} on {node}; pending: {:?}",
                self.pending_list()
            )
        });
        self.complete(run, MethodResult::exited(code, 10));
    }

    /// Reports the pending run of `method` for `resource` on `node` as ended with a result that
    /// cannot be known (it was started by a previous daemon).
    pub fn unknown(&mut self, resource: &str, method: Method, node: &str) {
        let run = self.find(resource, method, node).unwrap_or_else(|| {
            panic!(
                "no pending {method} of {resource} on {node}; pending: {:?}",
                self.pending_list()
            )
        });
        let result = MethodResult {
            outcome: crate::engine::MethodOutcome::Unknown,
            duration_ms: 0,
            output: String::new(),
        };
        self.complete(run, result);
    }

    /// Completes every pending run (and every run they lead to) with what `outcome` says,
    /// oldest first, until nothing is pending.
    pub fn run_until_idle(&mut self, mut outcome: impl FnMut(&MethodRun) -> MethodResult) {
        for _ in 0..100_000 {
            let Some((&run, m)) = self.pending.iter().next() else {
                return;
            };
            let result = outcome(m);
            self.complete(run, result);
        }
        panic!("runs never stopped coming");
    }

    /// Completes everything with success except the runs of `method` for `resource`, which
    /// stay pending.
    pub fn succeed_all_but(&mut self, resource: &str, method: Method) {
        for _ in 0..100_000 {
            let Some(run) = self
                .pending
                .values()
                .find(|r| !(r.resource == resource && r.method == method))
                .map(|r| r.run)
            else {
                return;
            };
            self.complete(run, MethodResult::exited(0, 10));
        }
        panic!("runs never stopped coming");
    }

    /// Completes everything with success.
    pub fn succeed_all(&mut self) {
        self.run_until_idle(|_| MethodResult::exited(0, 10));
    }

    pub fn reply(&self, id: RequestId) -> Option<&Result<Answer, RequestError>> {
        self.replies.get(&id)
    }

    /// The reply to a request, which must be a success.
    pub fn ok(&self, id: RequestId) -> &Answer {
        match self.replies.get(&id) {
            Some(Ok(a)) => a,
            Some(Err(e)) => panic!("request {} refused: {:?}", id.0, e.messages),
            None => panic!(
                "request {} has no reply yet; pending: {:?}",
                id.0,
                self.pending_list()
            ),
        }
    }

    /// The reply to a request, which must be an error.
    pub fn err(&self, id: RequestId) -> &RequestError {
        match self.replies.get(&id) {
            Some(Err(e)) => e,
            Some(Ok(a)) => panic!("request {} succeeded: {:?}", id.0, a.messages),
            None => panic!(
                "request {} has no reply yet; pending: {:?}",
                id.0,
                self.pending_list()
            ),
        }
    }

    pub fn state(&self, resource: &str, node: &str) -> RState {
        self.engine.resource_state(resource, node)
    }

    pub fn group_state(&self, group: &str, node: &str) -> RgState {
        self.engine.group_state(group, node)
    }

    /// `(node, resource, METHOD)` of every run launched, in order.
    pub fn trace(&self) -> Vec<(String, String, String)> {
        self.launched
            .iter()
            .map(|r| {
                (
                    r.node.clone(),
                    r.resource.clone(),
                    r.method.keyword().to_string(),
                )
            })
            .collect()
    }

    /// `resource:METHOD` of the runs launched on a node, in order (compact, for assertions).
    pub fn trace_on(&self, node: &str) -> Vec<String> {
        self.launched
            .iter()
            .filter(|r| r.node == node)
            .map(|r| format!("{}:{}", r.resource, r.method.keyword()))
            .collect()
    }

    pub fn clear_trace(&mut self) {
        self.launched.clear();
        self.log.clear();
    }

    pub fn pending_list(&self) -> Vec<String> {
        self.pending
            .values()
            .map(|r| format!("{}:{}@{}", r.resource, r.method.keyword(), r.node))
            .collect()
    }

    /// The pending runs' `resource:METHOD`, as a set.
    pub fn pending_set(&self) -> BTreeSet<String> {
        self.pending
            .values()
            .map(|r| format!("{}:{}", r.resource, r.method.keyword()))
            .collect()
    }

    /// The human text of every log record.
    pub fn log_texts(&self) -> Vec<String> {
        self.log.iter().map(|r| r.text.clone()).collect()
    }

    /// Fires every timer due by now.
    pub fn fire_timers(&mut self) {
        let due: Vec<u64> = self.timers.range(..=self.now.0).map(|(t, _)| *t).collect();
        for t in due {
            for timer in self.timers.remove(&t).unwrap_or_default() {
                self.event(EventKind::TimerFired { timer });
            }
        }
    }
}
