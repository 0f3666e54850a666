//! The closed event loop: every input — a command's request, a method's end, a line of method
//! output, a timer, a fence done, a signal — is a [`LoopEvent`] handled in one place, which feeds
//! the engine and carries out its actions in order.
//!
//! Durability: the configuration is saved as soon as the engine asks (a failure to save is
//! fatal); at the end of each batch of events the runtime state is saved, then the batch's
//! replies are sent and its method runs launched. So nothing is acknowledged before it is on
//! disk, and a crash never forgets a start that was under way.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use rgm_core::ErrorCode;
use rgm_core::engine::{
    Action, AdminRequest, Engine, Event, EventKind, LogRecord, MethodResult, MethodRun, Operands,
    RequestId, RunId, Severity, TimerId,
};
use rgm_exec::OutputLine;
use rgm_proto::{ClusterView, Query, Request, Response};

use crate::clock;
use crate::cluster_log::{ClusterLog, DAEMON};
use crate::executor::Executor;
use crate::fence::Fencer;
use crate::store::{STATE_FORMAT, Store, StoredState};

/// Everything the loop reacts to.
pub enum LoopEvent {
    Client {
        request: Request,
        reply: oneshot::Sender<Response>,
    },
    MethodDone {
        run: RunId,
        result: MethodResult,
    },
    Output(OutputLine),
    /// A fence action ended.
    Fenced {
        node: String,
        ok: bool,
        message: String,
    },
    /// SIGTERM or SIGINT: take this node's groups offline, then exit.
    Shutdown,
}

/// How the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every group of this node went offline cleanly.
    Clean,
    /// Shut down, but something could not be stopped (the reason).
    Unclean(String),
}

pub struct Daemon {
    pub engine: Engine,
    pub node: String,
    pub store: Box<dyn Store>,
    pub log: ClusterLog,
    pub executor: Box<dyn Executor>,
    pub fencer: Fencer,
    pub boot_id: String,
    pending: HashMap<RequestId, oneshot::Sender<Response>>,
    next_request: u64,
    timers: BTreeMap<(Instant, u64), TimerId>,
    to_launch: Vec<MethodRun>,
    to_reply: Vec<(oneshot::Sender<Response>, Response)>,
    state_dirty: bool,
    shutting_down: Option<RequestId>,
    exit: Option<Exit>,
}

impl Daemon {
    pub fn new(
        engine: Engine,
        node: String,
        store: Box<dyn Store>,
        log: ClusterLog,
        executor: Box<dyn Executor>,
        fencer: Fencer,
        boot_id: String,
    ) -> Daemon {
        Daemon {
            engine,
            node,
            store,
            log,
            executor,
            fencer,
            boot_id,
            pending: HashMap::new(),
            next_request: 1,
            timers: BTreeMap::new(),
            to_launch: Vec::new(),
            to_reply: Vec::new(),
            state_dirty: false,
            shutting_down: None,
            exit: None,
        }
    }

    /// Writes a daemon record (start, recovery, stop) to the cluster log.
    pub fn note(&mut self, severity: Severity, text: String) {
        let record = LogRecord::decision(DAEMON, severity, text, &[("node", &self.node.clone())]);
        self.log.write(clock::now(), &record);
    }

    /// Runs until shut down.
    pub async fn run(
        &mut self,
        mut events: mpsc::UnboundedReceiver<LoopEvent>,
    ) -> anyhow::Result<Exit> {
        self.feed(EventKind::NodeJoined {
            node: self.node.clone(),
        })?;
        self.flush()?;
        loop {
            let next = self.timers.keys().next().map(|k| k.0);
            let first = tokio::select! {
                ev = events.recv() => ev,
                _ = sleep_until(next), if next.is_some() => {
                    self.fire_timers()?;
                    self.flush()?;
                    continue;
                }
            };
            let Some(ev) = first else {
                anyhow::bail!("every event source closed");
            };
            self.on_event(ev)?;
            // Take what else is ready in one batch: one state write covers them all.
            for _ in 0..1024 {
                match events.try_recv() {
                    Ok(ev) => self.on_event(ev)?,
                    Err(_) => break,
                }
            }
            self.flush()?;
            if let Some(exit) = self.exit.take() {
                return Ok(exit);
            }
        }
    }

    fn on_event(&mut self, ev: LoopEvent) -> anyhow::Result<()> {
        match ev {
            LoopEvent::Client { request, reply } => self.client(request, reply)?,
            LoopEvent::MethodDone { run, result } => {
                self.feed(EventKind::MethodFinished { run, result })?
            }
            LoopEvent::Output(line) => self.log.write_output(clock::now(), &line),
            LoopEvent::Fenced { node, ok, message } => {
                if ok {
                    self.note(
                        Severity::Notice,
                        format!("fence of node {node} done: {message}"),
                    );
                    self.feed(EventKind::NodeFenced { node: node.clone() })?;
                    if node == self.node {
                        // This node survived its own fence (the action did not reboot it):
                        // it comes back as a fresh member.
                        self.feed(EventKind::NodeJoined { node })?;
                    }
                } else {
                    self.feed(EventKind::FenceFailed {
                        node,
                        reason: message,
                    })?;
                }
            }
            LoopEvent::Shutdown => self.begin_shutdown()?,
        }
        Ok(())
    }

    fn client(&mut self, request: Request, reply: oneshot::Sender<Response>) -> anyhow::Result<()> {
        if self.shutting_down.is_some() && request.is_change() {
            let _ = reply.send(Response::refused(
                ErrorCode::Reconf,
                "rgmd is shutting down",
            ));
            return Ok(());
        }
        if let Err(refusal) = crate::admission::admit(&request, &self.engine, &self.node) {
            let _ = reply.send(refusal);
            return Ok(());
        }
        // The id is taken only once the request is known to go to the engine, so the ids in
        // the cluster log have no gaps.
        let id = RequestId(self.next_request);
        let kind = match request {
            Request::Query(Query::View) => {
                let view = ClusterView::of(&self.engine, &self.node, clock::now());
                let _ = reply.send(Response::View(Box::new(view)));
                return Ok(());
            }
            Request::Admin(request) => EventKind::Request { id, request },
            Request::Control {
                tag,
                group,
                resource,
            } => EventKind::Control {
                id,
                tag,
                group,
                resource,
                node: self.node.clone(),
            },
            Request::SetStatus {
                resource,
                group,
                status,
                message,
            } => {
                match self.engine.config().resources.get(&resource) {
                    Some(r) if r.group != group => {
                        let msg = format!(
                            "resource {resource} is in resource group {}, not {group}",
                            r.group
                        );
                        let _ = reply.send(Response::refused(ErrorCode::Rg, msg));
                        return Ok(());
                    }
                    _ => {}
                }
                EventKind::SetStatus {
                    id,
                    resource,
                    node: self.node.clone(),
                    status,
                    message,
                }
            }
        };
        self.next_request += 1;
        self.pending.insert(id, reply);
        self.feed(kind)
    }

    fn request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        id
    }

    /// Hands an event to the engine and carries out what it decides.
    pub fn feed(&mut self, kind: EventKind) -> anyhow::Result<()> {
        let now = clock::now();
        let actions = self.engine.handle(Event::new(now, kind));
        for action in actions {
            self.act(action)?;
        }
        Ok(())
    }

    fn act(&mut self, action: Action) -> anyhow::Result<()> {
        match action {
            Action::RunMethod(run) => self.to_launch.push(run),
            Action::KillMethod { run, .. } => self.executor.kill(run),
            Action::Reply { id, result } => {
                let response = match result {
                    Ok(answer) => Response::Done {
                        messages: answer.messages,
                    },
                    Err(e) => Response::Refused {
                        code: e.code,
                        messages: e.messages,
                    },
                };
                if self.shutting_down == Some(id) {
                    self.exit = Some(match response {
                        Response::Refused { messages, .. } => Exit::Unclean(messages.join("; ")),
                        _ => Exit::Clean,
                    });
                } else if let Some(tx) = self.pending.remove(&id) {
                    self.to_reply.push((tx, response));
                }
            }
            Action::PersistConfig => {
                // Fatal on failure: a change must never be acknowledged without being on disk.
                if let Err(e) = self.store.save_config(self.engine.config()) {
                    anyhow::bail!(
                        "cannot save the configuration, stopping without acknowledging the change: {e}"
                    );
                }
            }
            Action::PersistState => self.state_dirty = true,
            Action::FenceNode { node, reason } => self.fencer.fence(&node, &reason),
            Action::ArmTimer { timer, at } => {
                self.timers.insert((clock::instant_of(at), timer.0), timer);
            }
            Action::Log(record) => self.log.write(clock::now(), &record),
        }
        Ok(())
    }

    /// Saves the runtime state if it changed, then sends the batch's replies and launches its
    /// method runs.
    fn flush(&mut self) -> anyhow::Result<()> {
        if std::mem::take(&mut self.state_dirty) {
            let state = StoredState {
                format: STATE_FORMAT.to_string(),
                boot_id: self.boot_id.clone(),
                node: self.node.clone(),
                snapshot: self.engine.snapshot(),
            };
            if let Err(e) = self.store.save_state(&state) {
                anyhow::bail!(
                    "cannot save the runtime state, stopping before launching methods: {e}"
                );
            }
        }
        for (tx, response) in std::mem::take(&mut self.to_reply) {
            let _ = tx.send(response);
        }
        for run in std::mem::take(&mut self.to_launch) {
            self.executor.start(run);
        }
        Ok(())
    }

    fn fire_timers(&mut self) -> anyhow::Result<()> {
        let now = Instant::now();
        let due: Vec<(Instant, u64)> = self
            .timers
            .range(..=(now, u64::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in due {
            if let Some(timer) = self.timers.remove(&key) {
                self.feed(EventKind::TimerFired { timer })?;
            }
        }
        Ok(())
    }

    /// SIGTERM: take this node's groups offline; the loop ends when that is done.
    fn begin_shutdown(&mut self) -> anyhow::Result<()> {
        if self.shutting_down.is_some() {
            return Ok(());
        }
        self.note(
            Severity::Notice,
            format!(
                "rgmd on node {} stopping: taking its resource groups offline",
                self.node
            ),
        );
        let id = self.request_id();
        self.shutting_down = Some(id);
        self.feed(EventKind::Request {
            id,
            request: AdminRequest::Offline {
                groups: Operands::All,
                nodes: Some(vec![self.node.clone()]),
            },
        })
    }

    /// After a clean shutdown, the next start is a new cluster (Auto_start_on_new_cluster).
    pub fn forget_state(&mut self) {
        if let Err(e) = self.store.clear_state() {
            tracing::error!("cannot clear the runtime state: {e}");
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
