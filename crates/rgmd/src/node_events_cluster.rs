//! The node event scripts in a cluster on etcd (docs/events.md, "In a cluster").
//!
//! - **Startup and health.** Once this rgmd's node has joined (its member key exists) it runs
//!   `startup` until it succeeds (every 5 s), then `monitor` every MonitorInterval. A new
//!   incarnation's member record says the node is unhealthy until `startup` has succeeded,
//!   and each change of health is published in the record (`MemberRecord::healthy`, with the
//!   scripts' reason): the president feeds it to the engine, so an unhealthy node hosts
//!   nothing and its groups move to healthy nodes.
//! - **Reconfigurations and takeover runs.** The president watches what its engine decides
//!   ([`Reconfig`]): a membership change (a node joined, died or was fenced), a failover, or a
//!   new president begins a reconfiguration; the engine at rest ends it. A method run of a
//!   network address resource (LogicalHostname) is a takeover run; it ends when the engine is
//!   at rest. With the batch that decides it, the president writes the key `events`
//!   ([`NodeEventsNotice`]: `startrecovery`, `recovered`, `ipreallocated`, in that order);
//!   every node watches the key and runs each notice's events once, in order.
//! - **Fail-fast.** A node that fences itself removes every public address it holds
//!   (`Daemon::release_addresses`) before killing its resources' processes; rgm-watchdog
//!   does the same when rgmd cannot.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use rgm_core::engine::log::msg;
use rgm_core::engine::{Engine, Severity};
use rgm_store::{Op, Revision, WatchEvent};
use rtreg::Method;

use crate::cluster::keys::{Keys, json};
use crate::cluster::member::MemberCommand;
use crate::cluster::watcher::WatchChange;
use crate::event_loop::Daemon;
use crate::host::Output;

/// The value of the key `events`: node events the president asks every node to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEventsNotice {
    /// The president's epoch.
    pub epoch: Revision,
    /// Its count of notices (for the log; nodes run each revision of the key once).
    pub seq: u64,
    /// The events, in the order they run.
    pub events: Vec<String>,
}

pub const STARTRECOVERY: &str = "startrecovery";
pub const RECOVERED: &str = "recovered";
pub const IPREALLOCATED: &str = "ipreallocated";

/// The president's view of reconfigurations and takeover runs.
#[derive(Debug)]
pub struct Reconfig {
    /// `startrecovery` is due (a new president begins with one).
    begin: bool,
    /// A reconfiguration is under way: `startrecovery` announced, `recovered` not yet.
    recovering: bool,
    /// Addresses moved since the last `ipreallocated`.
    takeover: bool,
    seq: u64,
}

impl Default for Reconfig {
    fn default() -> Self {
        Reconfig::new()
    }
}

impl Reconfig {
    /// A new presidency: taking the office is a reconfiguration of its own.
    pub fn new() -> Reconfig {
        Reconfig {
            begin: true,
            recovering: false,
            takeover: false,
            seq: 0,
        }
    }

    /// The node events a batch of the engine's decisions calls for, in order: `startrecovery`
    /// when a reconfiguration begins, `recovered` when the engine is at rest after one (no
    /// method running, no request under way, no node waiting for its fence), then
    /// `ipreallocated` when addresses moved meanwhile.
    pub fn observe(&mut self, engine: &Engine, out: &Output) -> Vec<&'static str> {
        const BEGINS: [u32; 4] = [
            msg::NODE_JOINED,
            msg::NODE_DIED,
            msg::NODE_FENCED,
            msg::FAILOVER,
        ];
        if out.logs.iter().any(|r| BEGINS.contains(&r.id)) {
            self.begin = true;
        }
        let cfg = engine.config();
        let moves_address = |run: &rgm_core::engine::MethodRun| {
            matches!(
                run.method,
                Method::PrenetStart | Method::Start | Method::Stop | Method::PostnetStop
            ) && cfg
                .resources
                .get(&run.resource)
                .and_then(|r| cfg.type_of(r).ok())
                .is_some_and(|t| t.is_network_address())
        };
        if out.launch.iter().any(moves_address) {
            self.takeover = true;
        }
        let mut events = Vec::new();
        if std::mem::take(&mut self.begin) && !self.recovering {
            self.recovering = true;
            events.push(STARTRECOVERY);
        }
        if at_rest(engine) {
            if std::mem::take(&mut self.recovering) {
                events.push(RECOVERED);
            }
            if std::mem::take(&mut self.takeover) {
                events.push(IPREALLOCATED);
            }
        }
        events
    }

    /// The write announcing what [`Reconfig::observe`] found, if anything.
    pub fn write(
        &mut self,
        keys: &Keys,
        epoch: Revision,
        engine: &Engine,
        out: &Output,
    ) -> Option<Op> {
        let events = self.observe(engine, out);
        if events.is_empty() {
            return None;
        }
        self.seq += 1;
        let notice = NodeEventsNotice {
            epoch,
            seq: self.seq,
            events: events.into_iter().map(str::to_string).collect(),
        };
        Some(Op::put(keys.node_events(), json(&notice)))
    }
}

/// Whether the engine is at rest: no method runs, no request under way, no node waiting to
/// be fenced (a dead node's groups move once it is).
fn at_rest(engine: &Engine) -> bool {
    engine.is_idle()
        && engine
            .config()
            .node_names()
            .iter()
            .all(|n| !engine.node_record(n).is_some_and(|r| r.fencing))
}

/// This node's side: what it has run of the president's notices, and the task that runs them.
#[derive(Debug, Clone, Default)]
pub struct ClusterEvents {
    /// The health watch (startup, then monitor) has begun.
    health_started: bool,
    /// The last revision of the key `events` seen.
    seen: Option<Revision>,
    /// The task running notices' events one after the other.
    runner: Option<mpsc::UnboundedSender<Vec<String>>>,
}

impl Daemon {
    /// This node joined the cluster (its member key exists): the first time, it begins
    /// running `startup`, then `monitor`.
    pub(crate) fn member_joined(&mut self) {
        let Some(tx) = self.cluster.as_ref().map(|l| l.events.clone()) else {
            return;
        };
        let Some(events) = self.events.as_mut() else {
            return;
        };
        if !std::mem::replace(&mut events.cluster.health_started, true) {
            events.watch_health(true, tx);
        }
    }

    /// The node's health changed: publish it in the member record.
    pub(crate) fn publish_health(&mut self, healthy: bool, reason: String) {
        if let Some(link) = self.cluster.as_ref() {
            let _ = link.member.send(MemberCommand::Health { healthy, reason });
        }
    }

    /// The key `events` changed: run each new notice's events once, in order. The first read
    /// (and a read after the watch lost its history) only says where the key stands: a
    /// notice written before this node watched is not for it.
    pub(crate) fn node_events_announced(&mut self, change: WatchChange) {
        let Some(host) = self.events.as_mut() else {
            return;
        };
        let side = &mut host.cluster;
        let mut todo = Vec::new();
        match change {
            WatchChange::Resync(kvs) => {
                let rev = kvs.iter().map(|kv| kv.mod_revision).max().unwrap_or(0);
                side.seen = Some(side.seen.unwrap_or(0).max(rev));
            }
            WatchChange::Events(es) => {
                for e in es {
                    let WatchEvent::Put(kv) = e else { continue };
                    if side.seen.is_some_and(|s| kv.mod_revision <= s) {
                        continue;
                    }
                    side.seen = Some(kv.mod_revision);
                    match serde_json::from_slice::<NodeEventsNotice>(&kv.value) {
                        Ok(n) => todo.push(n.events),
                        Err(e) => {
                            tracing::warn!(error = %e, "unreadable node events notice; ignored")
                        }
                    }
                }
            }
        }
        if todo.is_empty() {
            return;
        }
        let runner = match &host.cluster.runner {
            Some(r) if !r.is_closed() => r.clone(),
            _ => {
                let (tx, mut rx) = mpsc::unbounded_channel::<Vec<String>>();
                let scripts = host.clone();
                tokio::spawn(async move {
                    while let Some(events) = rx.recv().await {
                        for event in events {
                            // Logged as every run is (node_events' notes).
                            let _ = scripts.run(&event, &[]).await;
                        }
                    }
                });
                host.cluster.runner = Some(tx.clone());
                tx
            }
        };
        for events in todo {
            let _ = runner.send(events);
        }
    }

    /// The fail-fast's part for addresses (and a new incarnation's, for what an earlier one
    /// left): every public address this node holds is removed from its interface, each
    /// removal in the cluster log (`node N <why>: removed …`).
    pub(crate) fn release_addresses(&mut self, why: &str) {
        let Some(socket) = self.events.as_ref().map(|e| e.socket().to_path_buf()) else {
            return;
        };
        let node = self.node.clone();
        for line in release_addresses_of(&socket) {
            self.note(Severity::Warning, format!("node {node} {why}: {line}"));
        }
    }
}

/// Removes every address recorded as held by the rgmd of `socket` (on a thread of its own:
/// netlink runs its own runtime).
pub fn release_addresses_of(socket: &Path) -> Vec<String> {
    use rgm_agents::logical_hostname::held;
    let dir = held::dir_for_socket(socket);
    std::thread::spawn(move || held::release_all(&dir))
        .join()
        .unwrap_or_else(|_| vec!["removing the addresses this node holds panicked".into()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rgm_core::Change;
    use rgm_core::engine::{AdminRequest, MethodResult, Operands};
    use rgm_core::testkit::{Harness, TypeBuilder, cluster, group, must};

    /// Two nodes and a group holding a LogicalHostname.
    fn harness() -> Harness {
        let mut cfg = cluster(&["n1", "n2"]);
        let lh = TypeBuilder::new("RGM", "LogicalHostname", "1")
            .logical_hostname()
            .methods(&[Method::PrenetStart])
            .build();
        must(
            &mut cfg,
            Change::RegisterType {
                spec: Box::new(lh),
                installed_nodes: None,
                rt_system: None,
            },
        );
        group(&mut cfg, "rg", &["Nodelist=n1,n2"]);
        must(
            &mut cfg,
            Change::CreateResource {
                name: "lh".into(),
                group: "rg".into(),
                type_name: "RGM.LogicalHostname:1".into(),
                edits: vec![],
                enabled: true,
            },
        );
        Harness::new(cfg)
    }

    /// What `f` makes the engine decide, as a batch's output.
    fn batch(h: &mut Harness, f: impl FnOnce(&mut Harness)) -> Output {
        let (launched, logged) = (h.launched.len(), h.log.len());
        f(h);
        Output {
            launch: h.launched[launched..].to_vec(),
            logs: h.log[logged..].to_vec(),
            ..Output::default()
        }
    }

    #[test]
    fn recoveries_bracket_membership_changes_and_takeovers_end_with_ipreallocated() {
        let mut h = harness();
        let mut r = Reconfig::new();
        // A new president: a reconfiguration of its own, over at once when nothing runs.
        let o = batch(&mut h, |_| {});
        assert_eq!(r.observe(&h.engine, &o), [STARTRECOVERY, RECOVERED]);
        let o = batch(&mut h, |_| {});
        assert!(r.observe(&h.engine, &o).is_empty(), "nothing happened");

        // The nodes join (one recovery), then the group is brought online on n1: the
        // address's start is a takeover run, ended by ipreallocated once all is at rest.
        let o = batch(&mut h, |h| h.join("n1"));
        assert_eq!(r.observe(&h.engine, &o), [STARTRECOVERY, RECOVERED]);
        let o = batch(&mut h, |h| h.join("n2"));
        assert_eq!(r.observe(&h.engine, &o), [STARTRECOVERY, RECOVERED]);
        let o = batch(&mut h, |h| {
            h.request(AdminRequest::Online {
                groups: Operands::Named(vec!["rg".into()]),
                nodes: None,
                enable: false,
                monitor: false,
                manage: true,
            });
        });
        assert!(r.observe(&h.engine, &o).is_empty(), "under way");
        let o = batch(&mut h, |h| h.run_until_idle(|_| MethodResult::exited(0, 1)));
        assert_eq!(r.observe(&h.engine, &o), [IPREALLOCATED]);
        assert_eq!(h.engine.group_primaries("rg"), ["n1"]);

        // A switch moves the address: no recovery, one ipreallocated once it is done.
        let o = batch(&mut h, |h| {
            h.request(AdminRequest::Switch {
                groups: Operands::Named(vec!["rg".into()]),
                nodes: vec!["n2".into()],
                enable: false,
                monitor: false,
                manage: false,
            });
        });
        assert!(r.observe(&h.engine, &o).is_empty(), "under way");
        let o = batch(&mut h, |h| h.run_until_idle(|_| MethodResult::exited(0, 1)));
        assert_eq!(r.observe(&h.engine, &o), [IPREALLOCATED]);

        // n2 dies: a recovery, the address fails over to n1, then ipreallocated.
        let o = batch(&mut h, |h| {
            h.event(rgm_core::engine::EventKind::NodeDied { node: "n2".into() });
        });
        assert_eq!(r.observe(&h.engine, &o), [STARTRECOVERY]);
        let o = batch(&mut h, |h| {
            h.event(rgm_core::engine::EventKind::NodeFenced { node: "n2".into() });
            h.run_until_idle(|_| MethodResult::exited(0, 1));
        });
        assert_eq!(r.observe(&h.engine, &o), [RECOVERED, IPREALLOCATED]);
        assert_eq!(h.engine.group_primaries("rg"), ["n1"]);
    }

    /// In a network namespace of the test thread's own, from inside a runtime as rgmd's loop
    /// calls it: every address recorded beside the socket is removed, and its record.
    #[test]
    fn the_fail_fast_removes_the_addresses_recorded_beside_the_socket() {
        use rgm_agents::logical_hostname::held::{self, Held};
        use rgm_agents::logical_hostname::netlink::Net;
        std::thread::spawn(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
                .expect("a network namespace of our own (the tests run as root)");
            let d = tempfile::tempdir().unwrap();
            let socket = d.path().join("rgmd.sock");
            let dir = held::dir_for_socket(&socket);
            let net = Net::open().unwrap();
            let lo = net
                .links()
                .unwrap()
                .into_iter()
                .find(|l| l.name == "lo")
                .unwrap();
            let ip: std::net::IpAddr = "192.0.2.99".parse().unwrap();
            assert!(net.add(lo.index, ip, 24).unwrap());
            let h = Held {
                resource: "lh".into(),
                iface: "lo".into(),
                index: lo.index,
                ip,
                prefix: 24,
            };
            held::record(&dir, &h).unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let done = rt.block_on(async { release_addresses_of(&socket) });
            assert_eq!(done, ["removed 192.0.2.99/24 on lo (lh)"]);
            assert!(!net.addresses().unwrap().iter().any(|a| a.ip == ip));
            assert!(held::list(&dir, None).is_empty());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_notice_is_one_write_of_the_key_every_node_watches() {
        let h = harness();
        let keys = Keys::new("c");
        let mut r = Reconfig::new();
        let Some(Op::Put { key, value, .. }) = r.write(&keys, 7, &h.engine, &Output::default())
        else {
            panic!("a new president announces a recovery");
        };
        assert_eq!(key, "/rgm/v1/c/events");
        let n: NodeEventsNotice = serde_json::from_slice(&value).unwrap();
        assert_eq!(
            n,
            NodeEventsNotice {
                epoch: 7,
                seq: 1,
                events: vec![STARTRECOVERY.into(), RECOVERED.into()]
            }
        );
        assert!(r.write(&keys, 7, &h.engine, &Output::default()).is_none());
    }
}
