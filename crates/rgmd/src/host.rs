//! The engine's host: the engine (the president's, in a cluster; the only one, on one node),
//! the requests waiting for its answers, its timers and its store. It turns events into the
//! engine's actions and collects what a batch of events must do once it is durable: method
//! runs, kills, replies, fences, cluster-log records.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use tokio::sync::oneshot;

use rgm_core::ErrorCode;
use rgm_core::engine::{
    Action, AdminRequest, Engine, Event, EventKind, LogRecord, MethodRun, RequestId, RunId, TimerId,
};
use rgm_proto::{ClusterView, Query, Request, Response};
use rgm_store::{Compare, Op, StoreError};

use crate::clock;
use crate::persist::Persistence;
use crate::watch::{ProgressTx, Watches};

/// Where an answer goes: a command connected to this rgmd, or (in a cluster) one connected to
/// another node, whose request came through the store.
#[derive(Debug)]
pub enum ReplyTo {
    Local(oneshot::Sender<Response>),
    /// The node the command is connected to, and its number for the request there.
    Forwarded {
        node: String,
        seq: u64,
    },
    /// The host's own request (a shutdown's offline or evacuation).
    Own,
    /// A request rgmd makes on its own whose answer nobody waits for (a node joining for the
    /// first time added to the configuration); the engine logs what it did.
    Nobody,
}

/// What one batch of events must do once its changes are durable.
#[derive(Debug, Default)]
pub struct Output {
    pub launch: Vec<MethodRun>,
    /// Runs to kill, with their node.
    pub kill: Vec<(RunId, String)>,
    pub replies: Vec<(ReplyTo, Response)>,
    pub logs: Vec<LogRecord>,
    /// Nodes to fence, with the reason.
    pub fences: Vec<(String, String)>,
    /// The answer to the host's own request, when it came in this batch.
    pub own_answer: Option<Response>,
    /// Progress reports for the clients waiting (sent before the replies).
    pub progress: Vec<(ProgressTx, rgm_proto::Progress)>,
}

impl Output {
    /// Adds a later batch's output after this one's.
    pub fn append(&mut self, later: Output) {
        self.launch.extend(later.launch);
        self.kill.extend(later.kill);
        self.replies.extend(later.replies);
        self.logs.extend(later.logs);
        self.fences.extend(later.fences);
        self.progress.extend(later.progress);
        if later.own_answer.is_some() {
            self.own_answer = later.own_answer;
        }
    }
}

pub struct Host {
    pub engine: Engine,
    pub persist: Persistence,
    pending: HashMap<RequestId, ReplyTo>,
    next_request: u64,
    timers: BTreeMap<(Instant, u64), TimerId>,
    config_dirty: bool,
    /// The admission checks, with the view's size kept between requests.
    admission: crate::admission::Admission,
    out: Output,
    /// This node's name: the views it makes say it is the president.
    president: String,
    /// The requests under way someone waits for: their progress and failures.
    watches: Watches,
}

impl Host {
    /// The host of `node`'s engine.
    pub fn new(engine: Engine, persist: Persistence, node: &str) -> Host {
        Host {
            president: node.to_string(),
            engine,
            persist,
            pending: HashMap::new(),
            next_request: 1,
            timers: BTreeMap::new(),
            config_dirty: false,
            admission: crate::admission::Admission::default(),
            out: Output::default(),
            watches: Watches::default(),
        }
    }

    /// A command's request, as seen by the rgmd of `node`. Queries are answered at once;
    /// changes go to the engine and are answered when it decides.
    pub fn request(&mut self, request: Request, node: &str, reply: ReplyTo) {
        self.request_watched(request, node, reply, None);
    }

    /// [`Host::request`], with the client's progress reports going to `progress`.
    pub fn request_watched(
        &mut self,
        mut request: Request,
        node: &str,
        reply: ReplyTo,
        progress: Option<ProgressTx>,
    ) {
        let detached = matches!(request, Request::AdminAsync(_));
        if let Err(refusal) = self.admission.admit(&mut request, &self.engine, node) {
            self.out.replies.push((reply, refusal));
            return;
        }
        // The id is taken only once the request is known to go to the engine, so the ids in
        // the cluster log have no gaps.
        let id = RequestId(self.next_request);
        let kind = match request {
            Request::Query(query) => {
                let response = self.query(query, node);
                self.out.replies.push((reply, response));
                return;
            }
            Request::Admin(request) | Request::AdminAsync(request) => {
                EventKind::Request { id, request }
            }
            Request::DryRun(request) => {
                let mut plan = self.engine.plan_request(request, clock::now());
                plan.messages = rgm_proto::text::tidy_lines(std::mem::take(&mut plan.messages));
                self.out
                    .replies
                    .push((reply, Response::Plan(Box::new(plan))));
                return;
            }
            // Answered by the node's own event scripts (node_events), never by an engine.
            Request::Events(_) => {
                let response = Response::refused(ErrorCode::Internal, "node events: not here");
                self.out.replies.push((reply, response));
                return;
            }
            Request::Control {
                tag,
                group,
                resource,
            } => EventKind::Control {
                id,
                tag,
                group,
                resource,
                node: node.to_string(),
            },
            Request::SetStatus {
                resource,
                group,
                status,
                message,
            } => {
                if let Some(r) = self.engine.config().resources.get(&resource)
                    && r.group != group
                {
                    let msg = format!(
                        "resource {resource} is in resource group {}, not {group}",
                        r.group
                    );
                    self.out
                        .replies
                        .push((reply, Response::refused(ErrorCode::Rg, msg)));
                    return;
                }
                EventKind::SetStatus {
                    id,
                    resource,
                    node: node.to_string(),
                    status,
                    message,
                }
            }
        };
        self.next_request += 1;
        self.pending.insert(id, reply);
        let launched = self.out.launch.len();
        self.feed(kind);
        if !self.pending.contains_key(&id) {
            return;
        }
        if detached {
            // Accepted (checked, and saved with this batch): answered now, carried on
            // without anyone waiting.
            if let Some(to) = self.pending.insert(id, ReplyTo::Nobody) {
                let accepted = Response::Done {
                    messages: Vec::new(),
                };
                self.out.replies.push((to, accepted));
            }
            return;
        }
        self.watches.add(
            id,
            &self.engine,
            progress,
            &self.out.launch[launched..],
            &mut self.out.progress,
        );
    }

    /// A query, answered as the rgmd of `node` (its "local node").
    pub fn query(&self, query: Query, node: &str) -> Response {
        let now = clock::now();
        let mut view = match query {
            Query::View => ClusterView::of(&self.engine, node, now),
            Query::Scoped(scope) => ClusterView::scoped(&self.engine, node, now, &scope),
            Query::WhyNot(groups) => {
                let only = (!groups.is_empty()).then_some(groups.as_slice());
                return Response::WhyNot(self.engine.why_not(only, now));
            }
            Query::LogLocation => {
                return Response::refused(
                    ErrorCode::Internal,
                    "the cluster log's location is a question for the node's own rgmd",
                );
            }
        };
        view.president = Some(self.president.clone());
        Response::View(Box::new(view))
    }

    /// The host's own request (a shutdown); its answer comes in [`Output::own_answer`].
    pub fn own_request(&mut self, request: AdminRequest) {
        self.internal_request(request, ReplyTo::Own);
    }

    /// A request rgmd makes itself, answered to `to` ([`ReplyTo::Own`] or
    /// [`ReplyTo::Nobody`]).
    pub fn internal_request(&mut self, request: AdminRequest, to: ReplyTo) {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.pending.insert(id, to);
        self.feed(EventKind::Request { id, request });
    }

    /// Hands an event to the engine and collects what it decides.
    pub fn feed(&mut self, kind: EventKind) {
        if let EventKind::MethodFinished { run, result } = &kind {
            self.watches
                .ended(&self.engine, *run, result, &mut self.out.progress);
        }
        let launched = self.out.launch.len();
        let actions = self.engine.handle(Event::new(clock::now(), kind));
        for action in actions {
            self.act(action);
        }
        if !self.watches.is_empty() && self.out.launch.len() > launched {
            self.watches.launched(
                &self.engine,
                &self.out.launch[launched..],
                &mut self.out.progress,
            );
        }
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::RunMethod(run) => self.out.launch.push(run),
            Action::KillMethod { run, node } => self.out.kill.push((run, node)),
            Action::Reply { id, result } => {
                // A refusal quotes the methods that failed while the request was under way.
                let failures = self.watches.answered(id);
                let response = match result {
                    Ok(answer) => Response::Done {
                        messages: answer.messages,
                    },
                    Err(mut e) => Response::Refused {
                        code: e.code,
                        messages: {
                            e.messages.extend(failures);
                            e.messages
                        },
                    },
                };
                match self.pending.remove(&id) {
                    Some(ReplyTo::Own) => self.out.own_answer = Some(response),
                    Some(ReplyTo::Nobody) | None => {}
                    Some(to) => self.out.replies.push((to, response)),
                }
            }
            Action::PersistConfig => self.config_dirty = true,
            // The engine's change set says what to write (Engine::take_changes).
            Action::PersistState => {}
            Action::FenceNode { node, reason } => self.out.fences.push((node, reason)),
            Action::ArmTimer { timer, at } => {
                self.timers.insert((clock::instant_of(at), timer.0), timer);
            }
            Action::Log(record) => self.out.logs.push(record),
        }
    }

    /// When the next timer fires.
    pub fn next_timer(&self) -> Option<Instant> {
        self.timers.keys().next().map(|k| k.0)
    }

    /// Feeds the timers that are due.
    pub fn fire_timers(&mut self) {
        let now = Instant::now();
        let due: Vec<(Instant, u64)> = self
            .timers
            .range(..=(now, u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            if let Some(timer) = self.timers.remove(&key) {
                self.feed(EventKind::TimerFired { timer });
            }
        }
    }

    /// Writes what the batch changed in one transaction, with `extra` writes, if `compares`
    /// hold. `Ok(false)`: they did not (nothing was written).
    pub async fn commit(
        &mut self,
        compares: Vec<Compare>,
        extra: Vec<Op>,
    ) -> Result<bool, StoreError> {
        let config = std::mem::take(&mut self.config_dirty);
        self.persist
            .commit_guarded(&mut self.engine, config, compares, extra)
            .await
    }

    /// Whether the batch changed the configuration (for the message when it cannot be saved).
    pub fn config_changed(&self) -> bool {
        self.config_dirty
    }

    /// What the batch must do now that it is durable.
    pub fn take_output(&mut self) -> Output {
        std::mem::take(&mut self.out)
    }

    /// Goes back to what the store holds, after a batch that could not be saved: its engine
    /// rebuilt from the stored configuration and runtime state (as after a restart, with the
    /// runs in flight kept in flight), the batch's output dropped. Returns the requests that
    /// were waiting for an answer: the rebuilt engine knows none of them.
    pub async fn reload(&mut self) -> Result<Vec<ReplyTo>, StoreError> {
        let loaded = self.persist.load().await?;
        let Some(config) = loaded.config else {
            return Err(StoreError::Corrupt {
                store: self.persist.describe(),
                key: "config".into(),
                message: "the configuration is gone from the store".into(),
            });
        };
        self.engine = match loaded.state {
            Some(state) => Engine::restore(config, state),
            None => Engine::new(config),
        };
        self.config_dirty = false;
        self.timers.clear();
        self.out = Output::default();
        Ok(self.take_pending())
    }

    /// The requests still waiting for an answer, taken (the host is going away: deposed).
    pub fn take_pending(&mut self) -> Vec<ReplyTo> {
        self.watches.clear();
        self.pending.drain().map(|(_, to)| to).collect()
    }
}
