//! The closed event loop: every input — a command's request, a method's end, a line of method
//! output, a timer, a fence done, a signal — is a [`LoopEvent`] handled in one place, which feeds
//! the engine and carries out its actions in order.
//!
//! Durability (group commit): at the end of each batch of events, everything the batch changed
//! in the configuration and the runtime state is written to the store in one transaction;
//! only then are the batch's cluster-log records written, its replies sent, its fences begun
//! and its method runs launched. So nothing is acknowledged or logged as done before it is
//! durable, and a crash never forgets a start that was under way.

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
use crate::persist::Persistence;
use crate::recovery::Step;

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
    pub persist: Persistence,
    pub log: ClusterLog,
    pub executor: Box<dyn Executor>,
    pub fencer: Fencer,
    pending: HashMap<RequestId, oneshot::Sender<Response>>,
    next_request: u64,
    timers: BTreeMap<(Instant, u64), TimerId>,
    to_launch: Vec<MethodRun>,
    to_reply: Vec<(oneshot::Sender<Response>, Response)>,
    to_log: Vec<LogRecord>,
    to_fence: Vec<(String, String)>,
    /// Runs whose results this batch fed: their run files go once the batch is saved.
    results: Vec<RunId>,
    config_dirty: bool,
    shutting_down: Option<RequestId>,
    exit: Option<Exit>,
}

impl Daemon {
    pub fn new(
        engine: Engine,
        node: String,
        persist: Persistence,
        log: ClusterLog,
        executor: Box<dyn Executor>,
        fencer: Fencer,
    ) -> Daemon {
        Daemon {
            engine,
            node,
            persist,
            log,
            executor,
            fencer,
            pending: HashMap::new(),
            next_request: 1,
            timers: BTreeMap::new(),
            to_launch: Vec::new(),
            to_reply: Vec::new(),
            to_log: Vec::new(),
            to_fence: Vec::new(),
            results: Vec::new(),
            config_dirty: false,
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
        // The previous rgmd's runs are adopted (their results come as any run's) and resources
        // with no sign of life are reported gone, before anything else (docs/recovery.md).
        for step in self.executor.take_over(&self.engine, &self.node) {
            match step {
                Step::Note(severity, text) => self.note(severity, text),
                Step::Event(kind) => self.feed(kind)?,
            }
        }
        self.flush().await?;
        loop {
            let next = self.timers.keys().next().map(|k| k.0);
            let first = tokio::select! {
                ev = events.recv() => ev,
                _ = sleep_until(next), if next.is_some() => {
                    self.fire_timers()?;
                    self.flush().await?;
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
            self.flush().await?;
            if let Some(exit) = self.exit.take() {
                return Ok(exit);
            }
        }
    }

    fn on_event(&mut self, ev: LoopEvent) -> anyhow::Result<()> {
        match ev {
            LoopEvent::Client { request, reply } => self.client(request, reply)?,
            LoopEvent::MethodDone { run, result } => {
                self.results.push(run);
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
        // The id is taken only once the request is known to go to the engine, so the ids in
        // the cluster log have no gaps.
        let id = RequestId(self.next_request);
        let kind = match request {
            Request::Query(Query::View) => {
                let view = ClusterView::of(&self.engine, &self.node, clock::now());
                let _ = reply.send(Response::View(Box::new(view)));
                return Ok(());
            }
            Request::Query(Query::Scoped(scope)) => {
                let view = ClusterView::scoped(&self.engine, &self.node, clock::now(), &scope);
                let _ = reply.send(Response::View(Box::new(view)));
                return Ok(());
            }
            Request::Query(Query::LogLocation) => {
                let _ = reply.send(self.log.location());
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
            Action::PersistConfig => self.config_dirty = true,
            // The engine's change set says what to write (Engine::take_changes).
            Action::PersistState => {}
            Action::FenceNode { node, reason } => self.to_fence.push((node, reason)),
            Action::ArmTimer { timer, at } => {
                self.timers.insert((clock::instant_of(at), timer.0), timer);
            }
            Action::Log(record) => self.to_log.push(record),
        }
        Ok(())
    }

    /// Commits what the batch changed, then writes its cluster-log records, sends its replies,
    /// begins its fences and launches its method runs.
    async fn flush(&mut self) -> anyhow::Result<()> {
        let config = std::mem::take(&mut self.config_dirty);
        if let Err(e) = self.persist.commit(&mut self.engine, config).await {
            let what = if config {
                "configuration"
            } else {
                "runtime state"
            };
            anyhow::bail!(
                "cannot save the {what}, stopping without acknowledging or launching anything: {e}"
            );
        }
        self.executor.saved(&std::mem::take(&mut self.results));
        let now = clock::now();
        for record in std::mem::take(&mut self.to_log) {
            self.log.write(now, &record);
        }
        for (tx, response) in std::mem::take(&mut self.to_reply) {
            let _ = tx.send(response);
        }
        for (node, reason) in std::mem::take(&mut self.to_fence) {
            self.fencer.fence(&node, &reason);
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
    pub async fn forget_state(&mut self) {
        if let Err(e) = self.persist.clear_state().await {
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
