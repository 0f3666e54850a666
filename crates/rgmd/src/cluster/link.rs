//! The event loop's side of the cluster: what this node knows of its membership, its
//! presidency and its commands in flight, and how the loop reacts to [`ClusterEvent`]s and
//! commits a batch in a cluster. The handlers are methods of the [`Daemon`], kept here.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use rgm_core::ErrorCode;
use rgm_core::engine::{EventKind, Severity, Time};
use rgm_proto::Response;
use rgm_store::{Compare, KeyValue, Layout, LeaseId, Op, Revision, Store, Txn, WatchEvent};

use super::agent::{Agent, Todo};
use super::forward::Forwarder;
use super::keys::{Keys, PresidentRecord, json};
use super::member::MemberCommand;
use super::president::{self, Presidency};
use super::watchdog::{self, Order};
use super::watcher::{self, WatchChange, WatchKind};
use super::{ClusterEvent, ClusterSpec};
use crate::event_loop::{Daemon, Exit, LoopEvent};
use crate::host::{Output, ReplyTo};

/// How long a node that could not load the cluster waits before it claims the presidency
/// again.
const CLAIM_BACKOFF: Duration = Duration::from_secs(10);

/// How long a president that could not write waits before it takes the office up again.
const RETAKE_BACKOFF: Duration = Duration::from_millis(500);

/// How long the groups a stopping node moved away stay away from it (Solaris' default for
/// an evacuation).
const EVACUATION_SECONDS: i64 = 60;

/// What this node knows of its cluster.
pub struct ClusterLink {
    pub spec: ClusterSpec,
    pub store: Arc<dyn Store>,
    pub keys: Keys,
    boot_id: String,
    state_dir: PathBuf,
    pub(crate) events: UnboundedSender<LoopEvent>,
    pub(crate) member: UnboundedSender<MemberCommand>,
    /// The method cgroups' directory (the fail-fast kills everything in it).
    methods_cgroup: Option<PathBuf>,
    lease: Option<LeaseId>,
    incarnation: Option<String>,
    /// When the last successful renewal was sent (the fail-fast deadline counts from it).
    renewed: Option<Instant>,
    presidency: Option<Presidency>,
    /// Who holds the presidency, as last seen: (record, create revision).
    president_seen: Option<(PresidentRecord, Revision)>,
    /// Try to become president at the next commit.
    claim: bool,
    /// Become president at this epoch at the next commit (claimed, or resumed).
    take_office: Option<Revision>,
    /// A new president: requests forwarded before may never be answered.
    recheck_forwarded: bool,
    /// No claim before this (the last presidency could not load the cluster).
    claim_after: Option<Instant>,
    pub agent: Agent,
    pub forward: Forwarder,
    node_watches: Vec<JoinHandle<()>>,
    president_watches: Vec<JoinHandle<()>>,
    last_trouble: Option<Instant>,
    /// Leaving (SIGTERM): no new presidency.
    pub leaving: bool,
    /// This rgmd carries on its previous rgmd's membership and has not yet read the
    /// assignments that rgmd was given (they are adopted, never launched again).
    inheriting: bool,
}

impl ClusterLink {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        spec: ClusterSpec,
        store: Arc<dyn Store>,
        boot_id: &str,
        state_dir: PathBuf,
        events: UnboundedSender<LoopEvent>,
        member: UnboundedSender<MemberCommand>,
        methods_cgroup: Option<PathBuf>,
    ) -> ClusterLink {
        let keys = Keys::new(&spec.name);
        let president = watcher::spawn(
            Arc::clone(&store),
            keys.president(),
            WatchKind::President,
            events.clone(),
        );
        // Watched from before the node joins, so no notice about its joining is missed.
        let node_events = watcher::spawn(
            Arc::clone(&store),
            keys.node_events(),
            WatchKind::NodeEvents,
            events.clone(),
        );
        ClusterLink {
            spec,
            store,
            keys,
            boot_id: boot_id.to_string(),
            state_dir,
            events,
            member,
            methods_cgroup,
            lease: None,
            incarnation: None,
            renewed: None,
            presidency: None,
            president_seen: None,
            claim: false,
            take_office: None,
            recheck_forwarded: false,
            claim_after: None,
            agent: Agent::default(),
            forward: Forwarder::new(),
            node_watches: vec![president, node_events],
            president_watches: Vec::new(),
            last_trouble: None,
            leaving: false,
            inheriting: false,
        }
    }

    /// The layout of the configuration and state in the store.
    pub fn layout(&self) -> Layout {
        Layout::cluster(&self.spec.name)
    }

    /// When this node must have stopped everything unless its lease is renewed first.
    pub fn fail_fast_at(&self) -> Option<Instant> {
        self.lease?;
        Some(self.renewed? + self.spec.ttl / 2)
    }

    /// Whether the lease leaves time to start a method: at least half a TTL.
    pub fn may_start(&self) -> bool {
        self.fail_fast_at().is_some_and(|at| Instant::now() < at)
    }

    pub fn is_member(&self) -> bool {
        self.lease.is_some()
    }

    pub fn is_president(&self) -> bool {
        self.presidency.is_some()
    }

    /// The node holding the presidency, as last seen.
    pub fn president(&self) -> Option<&str> {
        self.president_seen.as_ref().map(|(p, _)| p.node.as_str())
    }

    fn watch(&self, prefix: String, kind: WatchKind) -> JoinHandle<()> {
        watcher::spawn(Arc::clone(&self.store), prefix, kind, self.events.clone())
    }

    fn arm_watchdog(&self) {
        if let Some(at) = self.fail_fast_at() {
            let _ = watchdog::order(&self.state_dir, Order::Armed(watchdog::instant_ns(at)));
        }
    }

    /// Tells the watchdog to stand down (this node runs nothing that needs it).
    pub fn disarm_watchdog(&self, exit: bool) {
        let order = if exit { Order::Exit } else { Order::Disarmed };
        let _ = watchdog::order(&self.state_dir, order);
    }
}

impl Drop for ClusterLink {
    fn drop(&mut self) {
        for h in self.node_watches.iter().chain(&self.president_watches) {
            h.abort();
        }
    }
}

impl Daemon {
    fn link(&mut self) -> &mut ClusterLink {
        self.cluster
            .as_mut()
            .expect("cluster handlers run in a cluster")
    }

    /// Something from the cluster.
    pub(crate) fn on_cluster(&mut self, ev: ClusterEvent) {
        match ev {
            ClusterEvent::Joined {
                lease,
                incarnation,
                resumed,
                at,
            } => self.joined(lease, incarnation, resumed, at),
            ClusterEvent::Renewed { sent } => {
                let link = self.link();
                if link.lease.is_some() {
                    link.renewed = Some(link.renewed.map_or(sent, |r| r.max(sent)));
                    link.arm_watchdog();
                }
            }
            ClusterEvent::Trouble { reason } => {
                let link = self.link();
                let quiet = link
                    .last_trouble
                    .is_some_and(|t| t.elapsed() < Duration::from_secs(10));
                if !quiet {
                    link.last_trouble = Some(Instant::now());
                    self.note(
                        Severity::Warning,
                        format!("cluster store trouble: {reason}"),
                    );
                }
            }
            ClusterEvent::LeaseLost { reason } => {
                if self.link().lease.is_some() {
                    self.fence_self(&format!("its lease was lost ({reason})"));
                }
            }
            ClusterEvent::Elected { epoch } => self.link().take_office = Some(epoch),
            ClusterEvent::Watched { kind, change } => self.watched(kind, change),
        }
    }

    fn joined(&mut self, lease: LeaseId, incarnation: String, resumed: bool, at: Instant) {
        let node = self.node.clone();
        let link = self.link();
        link.lease = Some(lease);
        link.incarnation = Some(incarnation.clone());
        link.renewed = Some(at);
        link.agent.forget();
        link.inheriting = resumed;
        link.arm_watchdog();
        for h in link.node_watches.drain(2..) {
            h.abort();
        }
        let watches = [
            (link.keys.assignments(&node), WatchKind::Assignments),
            (link.keys.kills(&node), WatchKind::Kills),
            (link.keys.replies(&node), WatchKind::Replies),
        ];
        for (prefix, kind) in watches {
            let h = link.watch(prefix, kind);
            link.node_watches.push(h);
        }
        link.claim = link.president_seen.is_none() && !link.leaving;
        // The previous rgmd of this incarnation was president (its record was seen before
        // this one knew its incarnation): this one takes the office over.
        if let Some((record, epoch)) = &link.president_seen
            && record.node == node
            && record.incarnation == incarnation
            && link.presidency.is_none()
        {
            link.take_office = Some(*epoch);
        }
        let cluster = link.spec.name.clone();
        if !resumed {
            // A new incarnation inherits nothing: whatever an earlier one of this node left
            // running (its watchdog or fence should have killed it) is killed now, before this
            // one runs anything, and its runs are forgotten; so are the addresses it held.
            self.release_addresses("joins as a new incarnation");
            let link = self.link();
            let left = link
                .methods_cgroup
                .clone()
                .map_or(0, |dir| watchdog::kill_tree(&dir, Duration::from_secs(5)));
            self.executor.forget_runs();
            if left > 0 {
                self.note(
                    Severity::Error,
                    format!("{left} processes of node {node}'s resources survived the kill"),
                );
            }
        }
        self.member_joined();
        self.note(
            Severity::Notice,
            format!(
                "node {node} {} cluster {cluster} (incarnation {incarnation})",
                if resumed {
                    "carries on its membership of"
                } else {
                    "joined"
                }
            ),
        );
    }

    fn watched(&mut self, kind: WatchKind, change: WatchChange) {
        match kind {
            WatchKind::President => self.president_changed(change),
            WatchKind::NodeEvents => self.node_events_announced(change),
            WatchKind::Members | WatchKind::Results | WatchKind::Requests => {
                let Some(link) = self.cluster.as_mut() else {
                    return;
                };
                let (Some(p), Some(host)) = (link.presidency.as_mut(), self.host.as_mut()) else {
                    return;
                };
                match kind {
                    WatchKind::Members => p.members(host, &link.keys, change),
                    WatchKind::Results => p.results(host, &link.keys, change),
                    _ => p.requests(host, &link.keys, change),
                }
            }
            WatchKind::Assignments => {
                let node = self.node.clone();
                let link = self.link();
                let Some(incarnation) = link.incarnation.clone() else {
                    return;
                };
                // The first reading after carrying on a membership: what it holds, the previous
                // rgmd was given.
                let inherited = std::mem::take(&mut link.inheriting)
                    && matches!(change, WatchChange::Resync(_));
                let seen: Vec<super::agent::AssignmentSeen> = match change {
                    WatchChange::Resync(kvs) => kvs
                        .into_iter()
                        .map(super::agent::AssignmentSeen::Put)
                        .collect(),
                    WatchChange::Events(es) => es.into_iter().map(Into::into).collect(),
                };
                let todo = link.agent.assignments(
                    &link.keys.clone(),
                    &node,
                    &incarnation,
                    seen,
                    inherited,
                );
                self.agent_do(todo);
            }
            WatchKind::Kills => {
                let node = self.node.clone();
                let link = self.link();
                let todo: Vec<Todo> = puts(change)
                    .iter()
                    .filter_map(|kv| link.agent.kill(&link.keys, &node, &kv.key))
                    .collect();
                self.agent_do(todo);
            }
            WatchKind::Replies => {
                let node = self.node.clone();
                let link = self.link();
                for kv in puts(change) {
                    link.forward.reply(&link.keys, &node, &kv);
                }
            }
        }
    }

    /// Runs or kills what the president assigned to this node.
    fn agent_do(&mut self, todo: Vec<Todo>) {
        for t in todo {
            match t {
                Todo::Launch(run) => {
                    if self.link().may_start() {
                        self.executor.start(run);
                    } else {
                        // Too little lease left to start anything: this node fences itself
                        // before long, and the president counts the run lost.
                        tracing::warn!(
                            run = run.run.0,
                            "not starting a method: the lease is about to lapse"
                        );
                    }
                }
                Todo::Adopt { run, assigned_ms } => {
                    let remaining = crate::recovery::time_left(
                        Time(assigned_ms),
                        run.timeout_secs,
                        crate::clock::now(),
                    );
                    let (id, what, resource) =
                        (run.run, run.method.keyword(), run.resource.clone());
                    let node = self.node.clone();
                    if self.executor.adopt_assigned(&run, remaining) {
                        self.note(
                            Severity::Notice,
                            format!(
                                "{what} of resource {resource} on node {node}, started by the previous rgmd: taken over; waiting for it to end, at most {} s more before it is stopped",
                                remaining.as_secs()
                            ),
                        );
                    } else {
                        // Never launched, or ended with its result saved: never run again. A
                        // result that never comes is counted lost by the president.
                        self.link().agent.abandon(id);
                    }
                }
                Todo::Kill(run) => self.executor.kill(run),
            }
        }
    }

    fn president_changed(&mut self, change: WatchChange) {
        let node = self.node.clone();
        let link = self.link();
        let latest: Option<KeyValue> = match change {
            WatchChange::Resync(kvs) => kvs.into_iter().next(),
            WatchChange::Events(es) => match es.into_iter().last() {
                Some(WatchEvent::Put(kv)) => Some(kv),
                Some(WatchEvent::Delete { .. }) => None,
                None => return,
            },
        };
        let seen = latest.and_then(|kv| {
            serde_json::from_slice::<PresidentRecord>(&kv.value)
                .ok()
                .map(|r| (r, kv.create_revision))
        });
        let changed = seen.as_ref().map(|s| s.1) != link.president_seen.as_ref().map(|s| s.1);
        link.president_seen = seen.clone();
        if changed {
            link.recheck_forwarded = true;
        }
        match seen {
            None => link.claim = link.lease.is_some() && !link.leaving,
            Some((record, epoch)) => {
                let mine =
                    record.node == node && link.incarnation.as_deref() == Some(&record.incarnation);
                if mine && link.presidency.is_none() {
                    // This node's previous rgmd was president and this one carries on its
                    // lease: it takes the office over.
                    link.take_office = Some(epoch);
                } else if !mine && link.presidency.is_some() {
                    self.step_down(&format!("node {} is president now", record.node));
                }
            }
        }
    }

    /// This node cannot be sure its lease holds: it stops every process of its resources
    /// now, before another node may start them, leaves the presidency, ends its lease and
    /// joins again as a new incarnation.
    pub(crate) fn fence_self(&mut self, why: &str) {
        let node = self.node.clone();
        self.note(
            Severity::Error,
            format!("node {node} fences itself: {why}; killing every process of its resources"),
        );
        self.release_addresses("fences itself");
        if let Some(dir) = self.link().methods_cgroup.clone() {
            let left = watchdog::kill_tree(&dir, Duration::from_secs(5));
            if left > 0 {
                self.note(
                    Severity::Error,
                    format!("{left} processes of node {node}'s resources survived the kill"),
                );
            }
        }
        self.step_down(why);
        let link = self.link();
        link.agent.forget();
        link.lease = None;
        link.incarnation = None;
        link.renewed = None;
        link.disarm_watchdog(false);
        let _ = link.member.send(MemberCommand::Abandon);
    }

    /// Leaves the presidency (deposed, fenced, or unable to write).
    fn step_down(&mut self, why: &str) {
        let link = self.link();
        if link.presidency.take().is_none() {
            return;
        }
        for h in link.president_watches.drain(..) {
            h.abort();
        }
        if let Some(mut host) = self.host.take() {
            for to in host.take_pending() {
                if let ReplyTo::Local(tx) = to {
                    let _ = tx.send(Response::refused(
                        ErrorCode::Reconf,
                        format!("this node stopped being president ({why}); `clrg status` shows the request's effect"),
                    ));
                }
            }
        }
        let node = self.node.clone();
        self.note(
            Severity::Warning,
            format!("node {node} is no longer president: {why}"),
        );
    }

    /// Commits a batch in a cluster: the president's transaction (checked against its
    /// epoch), this node's results (checked against its lease), its forwarded requests; then
    /// carries out what the president decided.
    pub(crate) async fn cluster_flush(&mut self) -> anyhow::Result<()> {
        self.take_office_if_due().await;
        for _ in 0..16 {
            let Some(host) = self.host.as_mut() else {
                break;
            };
            let link = self.cluster.as_mut().expect("in a cluster");
            let out = host.take_output();
            let Some(p) = link.presidency.as_mut() else {
                break;
            };
            let mut writes = p.writes(&link.keys, &out);
            let guard = p.guard(&link.keys);
            let epoch = p.epoch;
            writes.extend(p.reconfig.write(&link.keys, epoch, &host.engine, &out));
            let done = host.commit(guard, writes).await;
            match done {
                Ok(true) => {
                    let more = self.carry_out_cluster(out);
                    if !more {
                        break;
                    }
                }
                Ok(false) => {
                    self.step_down("another president's epoch is in the store (deposed)");
                    break;
                }
                Err(e) => {
                    // Still president by its key: build the engine again from the store, which
                    // holds everything up to the last commit, once the store answers again.
                    self.step_down(&format!("cannot write to the cluster store: {e}"));
                    let link = self.link();
                    link.take_office = Some(epoch);
                    link.claim_after = Some(Instant::now() + RETAKE_BACKOFF);
                    break;
                }
            }
        }
        self.write_results().await;
        self.send_forwarded().await;
        Ok(())
    }

    async fn take_office_if_due(&mut self) {
        let node = self.node.clone();
        let link = self.link();
        let backing_off = link.claim_after.is_some_and(|t| Instant::now() < t);
        if link.claim && link.presidency.is_none() && !link.leaving && !backing_off {
            link.claim = false;
            if let (Some(lease), Some(inc)) = (link.lease, link.incarnation.clone()) {
                match president::claim(&*link.store, &link.keys, &node, &inc, lease).await {
                    Ok(Some(epoch)) => link.take_office = Some(epoch),
                    Ok(None) => {}
                    Err(e) => tracing::debug!(error = %e, "cannot claim the presidency"),
                }
            }
        }
        if link.claim_after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        let Some(epoch) = link.take_office.take() else {
            return;
        };
        if link.presidency.is_some() || link.lease.is_none() {
            return;
        }
        let store = Arc::clone(&link.store);
        let layout = link.layout();
        let cluster = link.spec.name.clone();
        let boot = link.boot_id.clone();
        let known = store
            .range(&link.keys.known_prefix())
            .await
            .map(|r| r.kvs)
            .unwrap_or_default();
        match president::load(Arc::clone(&store), layout, &cluster, &node, &boot).await {
            Ok((host, new)) => {
                let link = self.link();
                link.presidency = Some(Presidency::new(epoch, &link.keys, &known));
                for (prefix, kind) in [
                    (link.keys.members(), WatchKind::Members),
                    (link.keys.results(), WatchKind::Results),
                    (link.keys.requests(), WatchKind::Requests),
                ] {
                    let h = link.watch(prefix, kind);
                    link.president_watches.push(h);
                }
                self.host = Some(host);
                self.note(
                    Severity::Notice,
                    format!(
                        "node {node} is president of cluster {cluster} (epoch {epoch}){}",
                        if new { "; a new configuration" } else { "" }
                    ),
                );
            }
            Err(e) => {
                self.note(
                    Severity::Error,
                    format!("node {node} won the presidency but cannot load the cluster: {e}"),
                );
                // Let another node try: give the office back, and wait before claiming it
                // again.
                let link = self.link();
                link.claim_after = Some(Instant::now() + CLAIM_BACKOFF);
                let _ = link
                    .store
                    .txn(
                        Txn::new()
                            .when([Compare::created_at(link.keys.president(), epoch)])
                            .and_then([Op::delete(link.keys.president())]),
                    )
                    .await;
            }
        }
    }

    /// What a committed batch of the president does here. Returns whether the engine has
    /// more to commit (a fence it could settle at once).
    fn carry_out_cluster(&mut self, mut out: Output) -> bool {
        let node = self.node.clone();
        // Nodes whose lease lapsed have fenced themselves (at half their lease, itself or
        // through their watchdog): they count as fenced at once.
        let mut fenced_now = Vec::new();
        let mut fences = Vec::new();
        {
            let owed: std::collections::BTreeSet<String> = self
                .host
                .as_ref()
                .map(|h| {
                    h.engine
                        .config()
                        .node_names()
                        .into_iter()
                        .filter(|n| h.engine.node_record(n).is_some_and(|x| x.fencing))
                        .collect()
                })
                .unwrap_or_default();
            let link = self.link();
            if let Some(p) = link.presidency.as_mut() {
                p.keep_lapsed(|n| owed.contains(n));
            }
            let p = link.presidency.as_ref();
            for (n, reason) in std::mem::take(&mut out.fences) {
                if p.is_some_and(|p| p.fenced_by_lease(&n)) {
                    fenced_now.push(n);
                } else {
                    fences.push((n, reason));
                }
            }
        }
        out.fences = fences;
        let mine: Vec<_> = out
            .launch
            .iter()
            .filter(|r| r.node == node)
            .cloned()
            .collect();
        let kills: Vec<_> = out
            .kill
            .iter()
            .filter(|(_, n)| *n == node)
            .cloned()
            .collect();
        out.kill = kills;
        let mut todo = Vec::new();
        for run in mine {
            if self.link().agent.launched_directly(run.run) {
                todo.push(Todo::Launch(run));
            }
        }
        out.launch.clear();
        let own = out.own_answer.take();
        self.carry_out(out);
        self.agent_do(todo);
        if let Some(answer) = own {
            self.own_answer(answer);
        }
        let more = !fenced_now.is_empty();
        for n in fenced_now {
            self.note(
                Severity::Notice,
                format!("node {n} is fenced: its lease lapsed, so it stopped its resources at half of it"),
            );
            if let Some(host) = self.host.as_mut() {
                host.feed(EventKind::NodeFenced { node: n });
            }
        }
        more
    }

    async fn write_results(&mut self) {
        let node = self.node.clone();
        let link = self.link();
        let results = link.agent.take_results();
        if results.is_empty() {
            return;
        }
        let Some(lease) = link.lease else {
            return;
        };
        let ops: Vec<Op> = results
            .iter()
            .map(|(run, result)| Op::put(link.keys.result(&node, *run), json(result)))
            .collect();
        let txn = Txn::new()
            .when([Compare::leased_by(link.keys.member(&node), lease)])
            .and_then(ops);
        match link.store.txn(txn).await {
            Ok(r) if r.succeeded => {
                let saved: Vec<_> = results.keys().copied().collect();
                self.executor.saved(&saved);
            }
            Ok(_) => tracing::warn!("results not written: this node's lease is gone"),
            Err(e) => {
                tracing::debug!(error = %e, "cannot write results; trying again");
                link.agent.results.extend(results);
            }
        }
    }

    async fn send_forwarded(&mut self) {
        let node = self.node.clone();
        let link = self.link();
        let ops = link.forward.ops(&link.keys, &node);
        if !ops.is_empty()
            && let Err(e) = link.store.txn(Txn::ops(ops)).await
        {
            link.forward
                .give_up_all(&format!("cannot reach the cluster store: {e}"));
        }
        if std::mem::take(&mut link.recheck_forwarded) && link.president_seen.is_some() {
            for seq in link.forward.waiting() {
                let key = link.keys.request(&node, seq);
                if let Ok(None) = link.store.get(&key).await {
                    // Taken by a president that is gone, never answered.
                    let answer = president::lost_answer();
                    if let Response::Refused { messages, .. } = answer {
                        link.forward.give_up(seq, &messages.join("; "));
                    }
                }
            }
        }
    }

    /// The answer to this node's own request (its evacuation when stopping).
    fn own_answer(&mut self, answer: Response) {
        self.finish_leaving(answer);
    }

    /// SIGTERM in a cluster: move this node's groups to other nodes, then leave.
    pub(crate) fn leave_cluster(&mut self) {
        let node = self.node.clone();
        let link = self.link();
        link.leaving = true;
        if !link.is_member() {
            self.finish_leaving(Response::Done { messages: vec![] });
            return;
        }
        // As `clnode evacuate` does by default: no group comes back for 60 s.
        let request = rgm_core::engine::AdminRequest::Evacuate {
            node: node.clone(),
            seconds: EVACUATION_SECONDS,
        };
        if let Some(host) = self.host.as_mut() {
            host.own_request(request);
            return;
        }
        let link = self.link();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let events = link.events.clone();
        link.forward.forward(rgm_proto::Request::Admin(request), tx);
        tokio::spawn(async move {
            let answer = rx
                .await
                .unwrap_or_else(|_| Response::refused(ErrorCode::Internal, "no answer"));
            let _ = events.send(LoopEvent::Left(answer));
        });
    }

    /// A restart in place: the membership (lease, presidency) is left for the next rgmd to
    /// carry on, and the watchdog stays armed — it kills the node's processes unless the next
    /// rgmd renews the lease within the fail-fast deadline.
    pub(crate) fn detach_for_restart(&mut self) {
        let link = self.link();
        let _ = link.member.send(MemberCommand::Detach);
    }

    /// The evacuation is done (or refused): end the lease, stand the watchdog down, exit.
    pub(crate) fn finish_leaving(&mut self, answer: Response) {
        let link = self.link();
        let _ = link.member.send(MemberCommand::Leave);
        link.disarm_watchdog(true);
        link.forward.give_up_all("rgmd is stopping");
        self.set_exit(match answer {
            Response::Refused { messages, .. } => Exit::Unclean(messages.join("; ")),
            _ => Exit::Clean,
        });
    }
}

fn puts(change: WatchChange) -> Vec<KeyValue> {
    match change {
        WatchChange::Resync(kvs) => kvs,
        WatchChange::Events(es) => es
            .into_iter()
            .filter_map(|e| match e {
                WatchEvent::Put(kv) => Some(kv),
                WatchEvent::Delete { .. } => None,
            })
            .collect(),
    }
}
