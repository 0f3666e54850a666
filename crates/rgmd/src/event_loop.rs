//! The closed event loop: every input — a command's request, a method's end, a line of method
//! output, a timer, a fence done, a signal — is a [`LoopEvent`] handled in one place, which feeds
//! the engine's [`Host`] and carries out what it decides.
//!
//! Durability (group commit): at the end of each batch of events, everything the batch changed
//! in the configuration and the runtime state is written to the store in one transaction;
//! only then are the batch's cluster-log records written, its replies sent, its fences begun
//! and its method runs launched. So nothing is acknowledged or logged as done before it is
//! durable, and a crash never forgets a start that was under way.

use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use rgm_core::ErrorCode;
use rgm_core::engine::{
    AdminRequest, EventKind, LogRecord, MethodResult, Operands, RunId, Severity,
};
use rgm_exec::OutputLine;
use rgm_proto::{Query, Request, Response};

use crate::clock;
use crate::cluster::{ClusterEvent, ClusterLink};
use crate::cluster_log::{ClusterLog, DAEMON};
use crate::executor::Executor;
use crate::fence::Fencer;
use crate::host::{Host, Output, ReplyTo};
use crate::recovery::Step;

/// How often rgmd tries again to save a runtime state the store could not write.
const SAVE_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// How long, on one node, a batch of nothing but method completions waits for more while
/// other runs are in flight, before it is saved: completions that come a few hundred
/// microseconds apart then share one transaction and one fsync (group commit), instead of
/// each rewriting the WAL's last block. The runs they unblock start at most this much later.
const COMMIT_WINDOW: std::time::Duration = std::time::Duration::from_millis(2);

/// A method's end or output: what a batch may wait for more of (see [`COMMIT_WINDOW`]).
fn is_method_news(ev: &LoopEvent) -> bool {
    matches!(ev, LoopEvent::MethodDone { .. } | LoopEvent::Output(_))
}

/// An administrator's request (on one node, a batch of its own).
fn is_admin(ev: &LoopEvent) -> bool {
    matches!(
        ev,
        LoopEvent::Client {
            request: Request::Admin(_) | Request::AdminAsync(_),
            ..
        }
    )
}

/// Everything the loop reacts to.
pub enum LoopEvent {
    Client {
        request: Request,
        reply: oneshot::Sender<Response>,
        /// Where progress reports go, when the client asked for them.
        progress: Option<crate::watch::ProgressTx>,
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
    /// SIGTERM or SIGINT: take this node's groups offline (in a cluster: to other nodes),
    /// then exit.
    Shutdown,
    /// SIGUSR2: exit leaving every group as it is, for the next rgmd to adopt
    /// (docs/operating.md, "Restarting rgmd").
    Restart,
    /// Something from the cluster's store.
    Cluster(ClusterEvent),
    /// The president answered this node's evacuation (it is leaving the cluster).
    Left(Response),
    /// The node's event scripts changed its health (`startup`, `monitor`; node_events).
    NodeHealth {
        healthy: bool,
        reason: String,
    },
    /// The HTTP side asks for metrics or the latest records (crate::http).
    Observe {
        what: crate::http::Observe,
        reply: oneshot::Sender<String>,
    },
}

/// How the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Exit {
    /// Every group of this node went offline cleanly.
    Clean,
    /// Shut down, but something could not be stopped (the reason).
    Unclean(String),
    /// Exited for a restart: the groups were left as they are, their processes running.
    Restart,
}

pub struct Daemon {
    pub node: String,
    /// The engine and its store: always on one node; in a cluster, while president.
    pub host: Option<Host>,
    /// The cluster, when rgmd runs on etcd.
    pub cluster: Option<ClusterLink>,
    pub log: ClusterLog,
    pub executor: Box<dyn Executor>,
    pub fencer: Fencer,
    /// This node's event scripts (node_events), once `init` and `setup` have run.
    pub events: Option<crate::node_events::NodeEventsHost>,
    /// Metrics and the latest records, for `--http`.
    pub observed: crate::http::Observed,
    /// Runs whose results this batch fed: their run files go once the batch is saved.
    results: Vec<RunId>,
    /// An administrator's request went to the engine in this batch (it is alone in it: see
    /// `run`). Not one refused before (while the runtime state is unsaved, say): then the
    /// batch holds nothing to refuse, and a failed save is held, never rolled back.
    batch_admin: bool,
    /// The runtime state could not be saved (one node): why, and what the unsaved batches
    /// must do once it is. See [`Daemon::flush`].
    unsaved: Option<(String, Output)>,
    /// Runs launched whose end has not come yet (those adopted at start-up are not counted:
    /// this only decides whether a batch waits for more completions, see [`COMMIT_WINDOW`]).
    running: usize,
    shutting_down: bool,
    exit: Option<Exit>,
}

impl Daemon {
    /// rgmd on one node: it hosts the engine.
    pub fn new(
        host: Host,
        node: String,
        log: ClusterLog,
        executor: Box<dyn Executor>,
        fencer: Fencer,
    ) -> Daemon {
        Daemon::with(Some(host), None, node, log, executor, fencer)
    }

    /// rgmd as a node of a cluster: it hosts the engine while it is president.
    pub fn clustered(
        cluster: ClusterLink,
        node: String,
        log: ClusterLog,
        executor: Box<dyn Executor>,
        fencer: Fencer,
    ) -> Daemon {
        Daemon::with(None, Some(cluster), node, log, executor, fencer)
    }

    fn with(
        host: Option<Host>,
        cluster: Option<ClusterLink>,
        node: String,
        log: ClusterLog,
        executor: Box<dyn Executor>,
        fencer: Fencer,
    ) -> Daemon {
        Daemon {
            node,
            host,
            cluster,
            log,
            executor,
            fencer,
            events: None,
            observed: Default::default(),
            results: Vec::new(),
            batch_admin: false,
            unsaved: None,
            running: 0,
            shutting_down: false,
            exit: None,
        }
    }

    /// Writes a daemon record (start, recovery, stop) to the cluster log.
    pub fn note(&mut self, severity: Severity, text: String) {
        let record = LogRecord::decision(DAEMON, severity, text, &[("node", &self.node.clone())]);
        let now = clock::now();
        self.log.write(now, &record);
        self.observed.records(now, std::slice::from_ref(&record));
    }

    pub(crate) fn set_exit(&mut self, exit: Exit) {
        self.exit = Some(exit);
    }

    /// Runs until shut down.
    pub async fn run(
        &mut self,
        mut events: mpsc::UnboundedReceiver<LoopEvent>,
    ) -> anyhow::Result<Exit> {
        let mut notes = Vec::new();
        if let (Some(host), None) = (self.host.as_mut(), &self.cluster) {
            host.feed(EventKind::NodeJoined {
                node: self.node.clone(),
            });
            // The previous rgmd's runs are adopted (their results come as any run's) and
            // resources with no sign of life are reported gone, before anything else
            // (docs/recovery.md).
            for step in self.executor.take_over(&host.engine, &self.node) {
                match step {
                    Step::Note(severity, text) => notes.push((severity, text)),
                    Step::Event(kind) => host.feed(kind),
                }
            }
        }
        for (severity, text) in notes {
            self.note(severity, text);
        }
        self.flush().await?;
        loop {
            let timer = self.host.as_ref().and_then(Host::next_timer);
            let fail_fast = self.cluster.as_ref().and_then(ClusterLink::fail_fast_at);
            let retry_save = self.unsaved.is_some();
            let first = tokio::select! {
                ev = events.recv() => ev,
                _ = sleep_until(timer), if timer.is_some() => {
                    if let Some(host) = self.host.as_mut() {
                        host.fire_timers();
                    }
                    self.flush().await?;
                    continue;
                }
                _ = tokio::time::sleep(SAVE_RETRY), if retry_save => {
                    self.flush().await?;
                    continue;
                }
                _ = sleep_until(fail_fast), if fail_fast.is_some() => {
                    // Checked again: a renewal may have come in meanwhile.
                    if self.cluster.as_ref().and_then(ClusterLink::fail_fast_at).is_some_and(|at| at <= Instant::now()) {
                        self.fence_self("its lease could not be renewed within half of it");
                    }
                    self.flush().await?;
                    continue;
                }
            };
            let Some(ev) = first else {
                anyhow::bail!("every event source closed");
            };
            let batch = Instant::now();
            // Take what else is ready in one batch: one state write covers them all. On one
            // node, an administrator's request is a batch of its own, so that a change the
            // store cannot save is refused alone and nothing else is undone with it.
            let mut next = Some(ev);
            let mut fed = 0;
            let mut only_method_news = true;
            loop {
                while let Some(ev) = next.take() {
                    let alone = self.cluster.is_none() && is_admin(&ev);
                    only_method_news &= is_method_news(&ev);
                    if alone && fed > 0 {
                        self.flush().await?;
                    }
                    self.on_event(ev);
                    fed += 1;
                    if alone {
                        self.flush().await?;
                        fed = 0;
                    }
                    if fed < 1024 {
                        next = events.try_recv().ok();
                    }
                }
                // Group commit on one node: while other runs may end any moment, a batch of
                // completions waits a little for them (see COMMIT_WINDOW).
                let wait = self.cluster.is_none()
                    && only_method_news
                    && self.running > 0
                    && (1..1024).contains(&fed);
                if !wait {
                    break;
                }
                match tokio::time::timeout_at((batch + COMMIT_WINDOW).into(), events.recv()).await {
                    Ok(Some(ev)) => next = Some(ev),
                    _ => break,
                }
            }
            self.flush().await?;
            self.observed.metrics.batch(batch.elapsed());
            if let Some(exit) = self.exit.take() {
                return Ok(exit);
            }
        }
    }

    fn on_event(&mut self, ev: LoopEvent) {
        match ev {
            LoopEvent::Client {
                request,
                reply,
                progress,
            } => self.client(request, reply, progress),
            LoopEvent::MethodDone { run, result } => match (&mut self.cluster, &mut self.host) {
                (Some(link), _) => link.agent.ended(run, result),
                (None, Some(host)) => {
                    self.running = self.running.saturating_sub(1);
                    self.results.push(run);
                    host.feed(EventKind::MethodFinished { run, result })
                }
                (None, None) => {}
            },
            LoopEvent::Output(line) => self.log.write_output(clock::now(), &line),
            LoopEvent::Fenced { node, ok, message } => {
                let Some(host) = self.host.as_mut() else {
                    return;
                };
                if ok {
                    host.feed(EventKind::NodeFenced { node: node.clone() });
                    if node == self.node && self.cluster.is_none() {
                        // This node survived its own fence (the action did not reboot it):
                        // it comes back as a fresh member.
                        host.feed(EventKind::NodeJoined { node: node.clone() });
                    }
                    self.note(
                        Severity::Notice,
                        format!("fence of node {node} done: {message}"),
                    );
                } else {
                    host.feed(EventKind::FenceFailed {
                        node,
                        reason: message,
                    });
                }
            }
            LoopEvent::Shutdown => self.begin_shutdown(),
            LoopEvent::Restart => self.restart(),
            LoopEvent::Cluster(ev) => {
                // What the president wrote may change the view this node shows.
                self.observed.changed();
                self.on_cluster(ev)
            }
            LoopEvent::Left(answer) => self.finish_leaving(answer),
            LoopEvent::NodeHealth { healthy, reason } => self.on_node_health(healthy, reason),
            LoopEvent::Observe { what, reply } => {
                let engine = self.host.as_ref().map(|h| &h.engine);
                let _ = reply.send(self.observed.answer(what, engine, &self.node));
            }
        }
    }

    fn client(
        &mut self,
        request: Request,
        reply: oneshot::Sender<Response>,
        progress: Option<crate::watch::ProgressTx>,
    ) {
        let request = match request {
            Request::Events(r) => {
                return crate::node_events::answer(self.events.as_ref(), r, reply);
            }
            other => other,
        };
        if self.shutting_down && request.is_change() {
            let _ = reply.send(Response::refused(
                ErrorCode::Reconf,
                "rgmd is shutting down",
            ));
            return;
        }
        if let Request::Query(Query::LogLocation) = request {
            let _ = reply.send(self.log.location());
            return;
        }
        if let (Some((why, _)), Some(host)) = (&self.unsaved, self.host.as_ref()) {
            // The runtime state is not saved: reads are answered from memory, changes wait.
            let response = match request {
                Request::Query(q) => host.query(q, &self.node),
                _ => Response::refused(
                    ErrorCode::Internal,
                    format!(
                        "cannot save the runtime state: {why}; changes are refused until it can be saved"
                    ),
                ),
            };
            let _ = reply.send(response);
            return;
        }
        if self.cluster.is_none() && matches!(request, Request::Admin(_)) {
            self.batch_admin = true;
        }
        match (self.host.as_mut(), self.cluster.as_mut()) {
            (Some(host), _) => {
                host.request_watched(request, &self.node, ReplyTo::Local(reply), progress)
            }
            (None, Some(link)) => {
                // Coarser: the president's runs are not reported here, only where it went.
                if let Some(tx) = progress.filter(|_| request.is_change()) {
                    let text = "sent to the cluster's president; waiting for its answer";
                    let _ = tx.try_send(rgm_proto::Progress::Note { text: text.into() });
                }
                link.forward.forward(request, reply)
            }
            (None, None) => {
                let _ = reply.send(Response::refused(ErrorCode::Internal, "rgmd has no engine"));
            }
        }
    }

    /// Commits what the batch changed, then writes its cluster-log records, sends its replies,
    /// begins its fences and launches its method runs.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.cluster.is_some() {
            return self.cluster_flush().await;
        }
        let Some(host) = self.host.as_mut() else {
            return Ok(());
        };
        let admin = std::mem::take(&mut self.batch_admin);
        let config = host.config_changed();
        match host.commit(Vec::new(), Vec::new()).await {
            Ok(_) => {
                self.executor.saved(&std::mem::take(&mut self.results));
                let mut out = host.take_output();
                if let Some((_, mut held)) = self.unsaved.take() {
                    held.append(out);
                    out = held;
                    let store = host.persist.describe();
                    self.note(
                        Severity::Notice,
                        format!("the runtime state is saved to {store} again; carrying on"),
                    );
                }
                self.carry_out(out);
                Ok(())
            }
            Err(e) if admin => self.refuse_unsaved_change(config, e).await,
            Err(e) => {
                let out = host.take_output();
                let store = host.persist.describe();
                match self.unsaved.as_mut() {
                    Some((why, held)) => {
                        *why = e.to_string();
                        held.append(out);
                    }
                    None => {
                        self.unsaved = Some((e.to_string(), out));
                        self.note(
                            Severity::Error,
                            format!(
                                "cannot save the runtime state ({store}): {e}; nothing is launched, acknowledged or logged as done until it can be (trying again every second); changes are refused meanwhile"
                            ),
                        );
                    }
                }
                Ok(())
            }
        }
    }

    /// An administrator's change the store could not save: the engine goes back to what the
    /// store holds and the change is refused with the reason; nothing of it is logged as done.
    async fn refuse_unsaved_change(
        &mut self,
        config: bool,
        e: rgm_store::StoreError,
    ) -> anyhow::Result<()> {
        let host = self.host.as_mut().expect("one node hosts its engine");
        let what = if config { "configuration" } else { "change" };
        let out = host.take_output();
        let why = format!("cannot save the {what}: {e}; nothing was changed");
        let waiting = match host.reload().await {
            Ok(waiting) => waiting,
            Err(e2) => anyhow::bail!(
                "{why}; and the store cannot be read back ({e2}): stopping without acknowledging or launching anything"
            ),
        };
        for (to, _) in out.replies {
            if let ReplyTo::Local(tx) = to {
                let _ = tx.send(Response::refused(ErrorCode::Internal, why.clone()));
            }
        }
        for to in waiting {
            if let ReplyTo::Local(tx) = to {
                let _ = tx.send(Response::refused(
                    ErrorCode::Reconf,
                    format!("rgmd went back to its saved state ({why}); what this request had begun goes on: `clrg status` shows it"),
                ));
            }
        }
        self.note(Severity::Error, why);
        Ok(())
    }

    /// What a durable batch does: records, replies, fences, kills and launches.
    pub(crate) fn carry_out(&mut self, mut out: Output) {
        let now = clock::now();
        // The records go before the launches begin: a batch that launches 10,000 runs also
        // holds twice as many records, and need not hold them beside the runs' tasks.
        let logs = std::mem::take(&mut out.logs);
        for record in &logs {
            self.log.write(now, record);
        }
        self.observed.records(now, &logs);
        drop(logs);
        if let Some(took) = self.host.as_mut().and_then(|h| h.persist.take_txn_time()) {
            self.observed.metrics.commit(took);
        }
        for (tx, report) in out.progress {
            let _ = tx.try_send(report);
        }
        for (to, response) in out.replies {
            if let ReplyTo::Local(tx) = to {
                let _ = tx.send(response);
            }
        }
        if let Some(answer) = out.own_answer {
            self.exit = Some(match answer {
                Response::Refused { messages, .. } => Exit::Unclean(messages.join("; ")),
                _ => Exit::Clean,
            });
        }
        for (node, reason) in out.fences {
            self.fencer.fence(&node, &reason);
        }
        for (run, _) in out.kill {
            self.executor.kill(run);
        }
        for run in out.launch {
            self.executor.start(run);
            self.running += 1;
        }
    }

    /// SIGTERM: take this node's groups offline; the loop ends when that is done.
    fn begin_shutdown(&mut self) {
        if self.shutting_down {
            return;
        }
        self.shutting_down = true;
        if self.cluster.is_some() {
            self.note(
                Severity::Notice,
                format!(
                    "rgmd on node {} stopping: moving its resource groups to other nodes",
                    self.node
                ),
            );
            self.leave_cluster();
            return;
        }
        self.note(
            Severity::Notice,
            format!(
                "rgmd on node {} stopping: taking its resource groups offline",
                self.node
            ),
        );
        let Some(host) = self.host.as_mut() else {
            return;
        };
        host.own_request(AdminRequest::Offline {
            groups: Operands::All,
            nodes: Some(vec![self.node.clone()]),
        });
    }

    /// SIGUSR2: answer whoever waits, and end the loop without stopping anything. Every
    /// batch is already saved, so the next rgmd restores the engine as it is now and adopts
    /// the runs in flight (docs/recovery.md).
    fn restart(&mut self) {
        if self.shutting_down {
            let node = self.node.clone();
            self.note(
                Severity::Warning,
                format!(
                    "rgmd on node {node} is already stopping; the restart asked for is not done"
                ),
            );
            return;
        }
        self.shutting_down = true;
        let node = self.node.clone();
        self.note(
            Severity::Notice,
            format!(
                "rgmd on node {node} restarting: its resource groups stay as they are and keep running; the next rgmd adopts them"
            ),
        );
        let why = "rgmd restarted before the request was done; what it set in motion goes on \
                   under the next rgmd (the status subcommands show where it stands)";
        if let Some(host) = self.host.as_mut() {
            for to in host.take_pending() {
                if let ReplyTo::Local(tx) = to {
                    let _ = tx.send(Response::refused(ErrorCode::Reconf, why));
                }
            }
        }
        if let Some(link) = self.cluster.as_mut() {
            link.forward.give_up_all(why);
        }
        if self.cluster.is_some() {
            self.detach_for_restart();
        }
        self.exit = Some(Exit::Restart);
    }

    /// After a clean shutdown, the next start is a new cluster (Auto_start_on_new_cluster).
    pub async fn forget_state(&mut self) {
        let Some(host) = self.host.as_mut() else {
            return;
        };
        if let Err(e) = host.persist.clear_state().await {
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
