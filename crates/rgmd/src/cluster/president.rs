//! The presidency: claiming it (a transaction that creates the `president` key on this node's
//! lease, only if there is none — its create revision is the epoch every later write of this
//! president checks), building the engine from the store when won, turning what the store
//! shows — members, results, forwarded requests — into engine events, and the writes that
//! carry the engine's decisions to the nodes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rgm_core::engine::{AdminRequest, Engine, EventKind, MethodResult, RunId};
use rgm_core::{Change, ClusterConfig, NothingRunning};
use rgm_proto::Response;
use rgm_store::{
    Compare, KeyValue, Layout, LeaseId, Op, Revision, Store, StoreError, Txn, WatchEvent,
};

use super::keys::{Assignment, Forwarded, Keys, MemberRecord, PresidentRecord, json};
use super::watcher::WatchChange;
use crate::host::{Host, Output, ReplyTo};
use crate::persist::Persistence;

/// This node's presidency.
#[derive(Debug)]
pub struct Presidency {
    pub epoch: Revision,
    /// The members as the store shows them (`None` until the first read).
    members: Option<BTreeMap<String, MemberRecord>>,
    /// The incarnation of each node the engine believes up (`known/<node>`).
    known: BTreeMap<String, String>,
    known_writes: Vec<Op>,
    /// Keys read and handled: deleted with the next commit.
    consumed: Vec<String>,
    /// Nodes reported dead because the incarnation the engine knew lost its lease (its member
    /// key went, or came back as a newer incarnation's): that incarnation has stopped its
    /// resources (fail-fast), so the fence it is owed is done, even once the node is a member
    /// again. Kept while the engine owes that fence.
    lapsed: BTreeSet<String>,
    /// Reconfigurations and takeover runs, for the nodes' event scripts.
    pub reconfig: crate::node_events_cluster::Reconfig,
}

/// Claims the presidency for `node` on `lease` if nobody holds it: `Some(epoch)` when won.
pub async fn claim(
    store: &dyn Store,
    keys: &Keys,
    node: &str,
    incarnation: &str,
    lease: LeaseId,
) -> Result<Option<Revision>, StoreError> {
    let record = PresidentRecord {
        node: node.to_string(),
        incarnation: incarnation.to_string(),
    };
    let done = store
        .txn(
            Txn::new()
                .when([Compare::missing(keys.president())])
                .and_then([Op::Put {
                    key: keys.president(),
                    value: json(&record),
                    lease,
                }]),
        )
        .await?;
    Ok(done.succeeded.then_some(done.revision))
}

/// Builds the engine from what the store holds: the configuration (a new one, with the
/// members as nodes, for a cluster's first president) and the runtime state a previous
/// president left, whose runs in flight go on where they run.
pub async fn load(
    store: Arc<dyn Store>,
    layout: Layout,
    cluster: &str,
    node: &str,
    boot_id: &str,
) -> Result<(Host, bool), String> {
    let mut persist = Persistence::new(Box::new(ArcStore(store)), layout, node, boot_id);
    let loaded = persist.load().await.map_err(|e| e.to_string())?;
    let (config, new) = match loaded.config {
        Some(c) => {
            c.check().map_err(|e| {
                format!(
                    "{}: the stored configuration breaks rgm's rules; fix it or restore a backup:\n{e}",
                    persist.describe()
                )
            })?;
            (c, false)
        }
        None => (ClusterConfig::new(cluster.to_string()), true),
    };
    let engine = match loaded.state {
        Some(s) => Engine::restore(config, s),
        None => Engine::new(config),
    };
    if new {
        persist
            .save_config(engine.config())
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok((Host::new(engine, persist, node), new))
}

impl Presidency {
    /// A presidency won at `epoch`, knowing the incarnations a previous one recorded
    /// (`known/<node>` keys).
    pub fn new(epoch: Revision, keys: &Keys, known: &[KeyValue]) -> Presidency {
        let known = known
            .iter()
            .filter_map(|kv| {
                let node = kv.key.strip_prefix(&keys.known_prefix())?;
                Some((
                    node.to_string(),
                    String::from_utf8_lossy(&kv.value).into_owned(),
                ))
            })
            .collect();
        Presidency {
            epoch,
            members: None,
            known,
            known_writes: Vec::new(),
            consumed: Vec::new(),
            lapsed: BTreeSet::new(),
            reconfig: crate::node_events_cluster::Reconfig::new(),
        }
    }

    /// The condition of every write of this president.
    pub fn guard(&self, keys: &Keys) -> Vec<Compare> {
        vec![Compare::created_at(keys.president(), self.epoch)]
    }

    /// The members seen. A node the engine believes up that is no member any more, or that
    /// is a member in another incarnation than the engine knew (it died and joined again,
    /// maybe while there was no president), dies; a member the engine does not believe up
    /// joins (added to the configuration first when it is new to the cluster). The
    /// incarnation the engine knows of each node is kept in the store (`known/<node>`), so a
    /// later president tells a node that rejoined from one that stayed.
    pub fn members(&mut self, host: &mut Host, keys: &Keys, change: WatchChange) {
        let mut now = self.members.take().unwrap_or_default();
        match change {
            WatchChange::Resync(kvs) => {
                now.clear();
                for kv in kvs {
                    if let Some(m) = member(keys, &kv) {
                        now.insert(m.node.clone(), m);
                    }
                }
            }
            WatchChange::Events(events) => {
                for e in events {
                    match e {
                        WatchEvent::Put(kv) => {
                            if let Some(m) = member(keys, &kv) {
                                now.insert(m.node.clone(), m);
                            }
                        }
                        WatchEvent::Delete { key, .. } => {
                            if let Some(n) = keys.member_of(&key) {
                                now.remove(n);
                            }
                        }
                    }
                }
            }
        }
        // (Not `node_up`, false while a node is being fenced: a member whose fence is under
        // way must still be seen to die, or its fence failing would leave it a member for
        // ever, its groups wedged.)
        for n in host.engine.config().node_names() {
            if !host.engine.node_in_membership(&n) {
                continue;
            }
            let same = now
                .get(&n)
                .is_some_and(|m| self.known.get(&n) == Some(&m.incarnation));
            if !same {
                self.lapsed.insert(n.clone());
                host.feed(EventKind::NodeDied { node: n.clone() });
                self.forget_known(keys, &n);
            }
        }
        for (n, m) in &now {
            if !host.engine.config().nodes.contains_key(n) {
                host.internal_request(AdminRequest::AddNode { name: n.clone() }, ReplyTo::Nobody);
            }
            // Health first: a node joining before its startup event succeeded hosts nothing.
            // Compared with what the engine holds, so a new president also corrects a health
            // that changed while there was none.
            let reason = if !m.reason.is_empty() {
                m.reason.clone()
            } else if m.healthy {
                "its monitor event succeeded again".into()
            } else {
                "its monitor event failed".into()
            };
            let engine_says = host.engine.node_record(n).and_then(|x| x.unhealthy);
            let changed = match (engine_says, m.healthy) {
                (None, healthy) => !healthy,
                (Some(_), true) => true,
                (Some(was), false) => was != reason,
            };
            if changed {
                host.feed(EventKind::NodeHealth {
                    node: n.clone(),
                    healthy: m.healthy,
                    reason,
                });
            }
            if !host.engine.node_in_membership(n) {
                host.feed(EventKind::NodeJoined { node: n.clone() });
                self.known.insert(n.clone(), m.incarnation.clone());
                self.known_writes
                    .push(Op::put(keys.known(n), m.incarnation.clone()));
            }
        }
        self.members = Some(now);
    }

    fn forget_known(&mut self, keys: &Keys, node: &str) {
        if self.known.remove(node).is_some() {
            self.known_writes.push(Op::delete(keys.known(node)));
        }
    }

    /// The incarnation of a member (for its assignments).
    pub fn incarnation(&self, node: &str) -> Option<&str> {
        self.members
            .as_ref()?
            .get(node)
            .map(|m| m.incarnation.as_str())
    }

    pub fn is_member(&self, node: &str) -> bool {
        self.members.as_ref().is_some_and(|m| m.contains_key(node))
    }

    /// Whether the fence `node` is owed is done by its lease lapsing: it is no member, or the
    /// incarnation that died lost its lease (a store outage: it rejoined as a newer
    /// incarnation before this president read the members). Without this, a node that rejoined
    /// first would be owed a fence only a `--fence-command` could give, for ever.
    pub fn fenced_by_lease(&self, node: &str) -> bool {
        !self.is_member(node) || self.lapsed.contains(node)
    }

    /// Forgets the lapsed incarnations whose fence is done or no longer owed.
    pub fn keep_lapsed(&mut self, owed: impl Fn(&str) -> bool) {
        self.lapsed.retain(|n| owed(n));
    }

    /// Results seen: each fed to the engine once; its result and assignment keys go.
    pub fn results(&mut self, host: &mut Host, keys: &Keys, change: WatchChange) {
        for kv in puts(change) {
            self.consumed.push(kv.key.clone());
            let Some((node, run)) = keys.split(&keys.results(), &kv.key) else {
                continue;
            };
            self.consumed.push(keys.assignment(node, RunId(run)));
            let result: MethodResult = match serde_json::from_slice(&kv.value) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(key = %kv.key, error = %e, "unreadable result; the run will count as lost");
                    continue;
                }
            };
            host.feed(EventKind::MethodFinished {
                run: RunId(run),
                result,
            });
        }
    }

    /// Requests forwarded by nodes: each goes to the engine once, answered through the store.
    pub fn requests(&mut self, host: &mut Host, keys: &Keys, change: WatchChange) {
        for kv in puts(change) {
            self.consumed.push(kv.key.clone());
            let Some((node, seq)) = keys.split(&keys.requests(), &kv.key) else {
                continue;
            };
            match serde_json::from_slice::<Forwarded>(&kv.value) {
                Ok(f) => host.request(
                    f.request,
                    &f.node,
                    ReplyTo::Forwarded {
                        node: node.to_string(),
                        seq,
                    },
                ),
                Err(e) => tracing::warn!(key = %kv.key, error = %e, "unreadable request; dropped"),
            }
        }
    }

    /// The writes that carry a batch's decisions to the nodes: assignments, kills, answers to
    /// forwarded requests, and the deletion of what was consumed. Runs for nodes that are not
    /// members are left out: the engine counts them lost.
    pub fn writes(&mut self, keys: &Keys, out: &Output) -> Vec<Op> {
        let mut ops = Vec::new();
        for run in &out.launch {
            let Some(incarnation) = self.incarnation(&run.node) else {
                continue;
            };
            let a = Assignment {
                incarnation: incarnation.to_string(),
                run: run.clone(),
                assigned_ms: crate::clock::now().0,
            };
            ops.push(Op::put(keys.assignment(&run.node, run.run), json(&a)));
        }
        for (run, node) in &out.kill {
            ops.push(Op::put(keys.kill(node, *run), "{}"));
        }
        for (to, response) in &out.replies {
            if let ReplyTo::Forwarded { node, seq } = to {
                ops.push(Op::put(keys.reply(node, *seq), json(response)));
            }
        }
        ops.append(&mut self.known_writes);
        let mut seen = std::collections::BTreeSet::new();
        for key in self.consumed.drain(..) {
            if seen.insert(key.clone()) {
                ops.push(Op::delete(key));
            }
        }
        ops
    }
}

fn member(keys: &Keys, kv: &KeyValue) -> Option<MemberRecord> {
    keys.member_of(&kv.key)?;
    serde_json::from_slice(&kv.value).ok()
}

fn puts(change: WatchChange) -> Vec<KeyValue> {
    match change {
        WatchChange::Resync(kvs) => kvs,
        WatchChange::Events(events) => events
            .into_iter()
            .filter_map(|e| match e {
                WatchEvent::Put(kv) => Some(kv),
                WatchEvent::Delete { .. } => None,
            })
            .collect(),
    }
}

/// A shared store as the boxed store a [`Persistence`] owns.
struct ArcStore(Arc<dyn Store>);

impl Store for ArcStore {
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn get(&self, key: &str) -> rgm_store::StoreFuture<'_, Option<KeyValue>> {
        self.0.get(key)
    }
    fn range(&self, prefix: &str) -> rgm_store::StoreFuture<'_, rgm_store::Range> {
        self.0.range(prefix)
    }
    fn txn(&self, txn: Txn) -> rgm_store::StoreFuture<'_, rgm_store::TxnResponse> {
        self.0.txn(txn)
    }
    fn watch(&self, prefix: &str, from: Revision) -> rgm_store::StoreFuture<'_, rgm_store::Watch> {
        self.0.watch(prefix, from)
    }
    fn grant_lease(&self, ttl_secs: i64) -> rgm_store::StoreFuture<'_, LeaseId> {
        self.0.grant_lease(ttl_secs)
    }
    fn keep_alive(&self, lease: LeaseId) -> rgm_store::StoreFuture<'_, i64> {
        self.0.keep_alive(lease)
    }
    fn revoke(&self, lease: LeaseId) -> rgm_store::StoreFuture<'_, ()> {
        self.0.revoke(lease)
    }
}

/// The answer a forwarded request gets when the president that took it went away first.
pub fn lost_answer() -> Response {
    Response::refused(
        rgm_core::ErrorCode::Reconf,
        "the president changed while the request was being carried out; `clrg status` shows its effect",
    )
}

/// Adds a node to a configuration being built (tests, the first president).
pub fn with_node(mut cfg: ClusterConfig, node: &str) -> ClusterConfig {
    if !cfg.nodes.contains_key(node) {
        let _ = cfg.apply(
            &Change::AddNode {
                name: node.to_string(),
            },
            &NothingRunning,
        );
    }
    cfg
}
