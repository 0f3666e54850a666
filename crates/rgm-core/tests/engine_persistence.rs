//! Per-record persistence: after every event the engine names exactly the runtime records that
//! changed (`Engine::take_changes`), each readable on its own; applying the change sets to a
//! stored copy reproduces `Engine::snapshot()`; the snapshot's JSON form is pinned by a golden
//! file and the state files of earlier versions still restore.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use common::*;
use rgm_core::engine::{
    AdminRequest, Engine, EventKind, Operands, RState, RunId, RuntimeChanges, Snapshot, Status,
};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn pairs(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The harness's engine with a store beside it that takes every change set.
struct Stored {
    h: Harness,
    store: Snapshot,
}

impl Stored {
    fn new(mut h: Harness) -> Stored {
        h.engine.take_changes();
        Stored {
            store: h.engine.snapshot(),
            h,
        }
    }

    /// Takes the change set, applies it to the store and checks the store equals the engine.
    fn take(&mut self) -> RuntimeChanges {
        let changes = self.h.engine.take_changes();
        self.store.apply(&changes, &self.h.engine);
        assert_eq!(self.store, self.h.engine.snapshot(), "after {changes:?}");
        changes
    }

    fn run(&self, resource: &str, method: Method, node: &str) -> RunId {
        self.h.find(resource, method, node).expect("pending run")
    }
}

fn two_nodes() -> Stored {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    group(&mut cfg, "rg2", &["Nodelist=n2,n1"]);
    full(&mut cfg, "web", "rg2", &[]);
    Stored::new(started(cfg, &["n1", "n2"]))
}

#[test]
fn a_join_names_the_node_and_its_boot_runs() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(
        &mut cfg,
        "rg1",
        &["Nodelist=n1,n2", "Auto_start_on_new_cluster=FALSE"],
    );
    full(&mut cfg, "db", "rg1", &[]);
    let mut s = Stored::new(Harness::new(cfg));
    s.h.join("n1");
    let c = s.take();
    let boot = s.run("db", Method::Boot, "n1");
    assert_eq!(c.nodes, names(&["n1"]));
    assert_eq!(c.runs, BTreeSet::from([boot]));
    assert!(c.next_run);
    assert!(c.resources.is_empty() && c.groups.is_empty() && c.group_nodes.is_empty());
    let node = s.h.engine.node_record("n1").unwrap();
    assert!(node.up && node.booting);
    let run = s.h.engine.run_record(boot).unwrap();
    assert_eq!((run.resource.as_str(), run.method), ("db", Method::Boot));
    // The BOOT ends: its run record goes, the node is no longer booting.
    s.h.finish("db", Method::Boot, "n1", 0);
    let c = s.take();
    assert_eq!(c.runs, BTreeSet::from([boot]));
    assert_eq!(c.nodes, names(&["n1"]));
    assert!(s.h.engine.run_record(boot).is_none());
    assert!(!c.next_run);
}

#[test]
fn a_request_names_the_group_the_resources_it_moves_and_the_runs_it_begins() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1"]);
    let c = s.take();
    let prenet = s.run("db", Method::PrenetStart, "n1");
    assert_eq!(c.groups, names(&["rg1"]));
    assert_eq!(c.group_nodes, pairs(&[("rg1", "n1")]));
    assert_eq!(c.resources, pairs(&[("db", "n1")]));
    assert_eq!(c.runs, BTreeSet::from([prenet]));
    assert!(c.next_run && c.nodes.is_empty());
    let g = s.h.engine.group_record("rg1").unwrap();
    assert!(g.wanted && g.primaries.contains("n1"));
    assert_eq!(
        s.h.engine.resource_record("db", "n1").unwrap().state,
        RState::PrenetStarting
    );
}

#[test]
fn a_method_result_names_the_run_that_ended_and_the_one_that_began() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1"]);
    s.take();
    let prenet = s.run("db", Method::PrenetStart, "n1");
    s.h.finish("db", Method::PrenetStart, "n1", 0);
    let c = s.take();
    let start = s.run("db", Method::Start, "n1");
    assert_eq!(c.runs, BTreeSet::from([prenet, start]));
    assert_eq!(c.resources, pairs(&[("db", "n1")]));
    assert!(c.groups.is_empty() && c.group_nodes.is_empty() && c.nodes.is_empty());
}

#[test]
fn a_status_update_names_only_its_resource_on_its_node() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1", "rg2"]);
    s.h.succeed_all();
    s.take();
    s.h.set_status("db", "n1", Status::Degraded, "slow");
    let c = s.take();
    assert_eq!(c.resources, pairs(&[("db", "n1")]));
    assert_eq!(c.len(), 1);
    let x = s.h.engine.resource_record("db", "n1").unwrap();
    assert_eq!(
        (x.status, x.status_msg.as_str()),
        (Status::Degraded, "slow")
    );
    // The same status again changes nothing.
    s.h.set_status("db", "n1", Status::Degraded, "slow");
    assert!(s.take().is_empty());
}

#[test]
fn a_refused_request_changes_nothing() {
    let mut s = two_nodes();
    online(&mut s.h, &["nosuch"]);
    assert!(s.take().is_empty());
}

#[test]
fn a_switch_names_both_nodes_of_the_group_and_nothing_of_the_other_group() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1", "rg2"]);
    s.h.succeed_all();
    s.take();
    s.h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    let c = s.take();
    // The group is now wanted on n2 (pending there) and leaving n1.
    assert_eq!(c.groups, names(&["rg1"]));
    assert_eq!(c.group_nodes, pairs(&[("rg1", "n1"), ("rg1", "n2")]));
    assert_eq!(c.resources, pairs(&[("db", "n1")]));
    s.h.succeed_all();
    let c = s.take();
    assert_eq!(c.group_nodes, pairs(&[("rg1", "n1"), ("rg1", "n2")]));
    assert_eq!(c.resources, pairs(&[("db", "n1"), ("db", "n2")]));
    assert!(!c.groups.contains("rg2"));
}

#[test]
fn evacuation_and_death_name_the_node() {
    let mut s = two_nodes();
    s.h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 60,
    });
    let c = s.take();
    assert_eq!(c.nodes, names(&["n1"]));
    assert!(
        s.h.engine
            .node_record("n1")
            .unwrap()
            .evacuated_until
            .is_some()
    );
    s.h.event(EventKind::NodeDied { node: "n2".into() });
    let c = s.take();
    assert_eq!(c.nodes, names(&["n2"]));
    assert!(s.h.engine.node_record("n2").unwrap().fencing);
}

#[test]
fn deleting_a_resource_names_its_records_as_removed() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1"]);
    s.h.succeed_all();
    offline(&mut s.h, &["rg1"]);
    s.h.succeed_all();
    s.take();
    assert!(s.h.engine.resource_record("db", "n1").is_some());
    let id = s.h.request(AdminRequest::DeleteResource {
        resources: Operands::named(&["db"]),
        force: true,
    });
    s.h.succeed_all();
    s.h.ok(id);
    let c = s.take();
    assert!(c.resources.contains(&("db".to_string(), "n1".to_string())));
    assert!(s.h.engine.resource_record("db", "n1").is_none());
}

#[test]
fn one_status_update_in_a_large_cluster_names_one_record() {
    let cfg = rgm_core::testkit::chained_cluster(3, 600, 6);
    let mut h = Harness::new(cfg);
    for n in ["node1", "node2", "node3"] {
        h.join(n);
    }
    h.succeed_all();
    let mut s = Stored::new(h);
    let r = s.h.engine.config().resources.keys().next().unwrap().clone();
    let node = (1..=3)
        .map(|i| format!("node{i}"))
        .find(|n| s.h.state(&r, n).is_started())
        .expect("started somewhere");
    s.h.set_status(&r, &node, Status::Degraded, "slow");
    assert_eq!(s.take().len(), 1);
    // FAULTED also makes its group ONLINE_FAULTED there: one record more.
    s.h.set_status(&r, &node, Status::Faulted, "gone");
    let c = s.take();
    assert_eq!((c.resources.len(), c.group_nodes.len(), c.len()), (1, 1, 2));
}

/// A snapshot with one of each kind of record, a run in flight among them.
fn representative() -> Snapshot {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1", "rg2"]);
    s.h.succeed_all();
    s.h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 60,
    });
    s.h.set_status("web", "n2", Status::Degraded, "slow");
    s.h.engine.snapshot()
}

#[test]
fn the_snapshot_format_is_pinned_by_a_golden_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/snapshot_v2.json");
    let actual = serde_json::to_string_pretty(&representative()).unwrap() + "\n";
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("golden file (UPDATE_EXPECT=1 writes it)");
    assert!(
        actual == expected,
        "the runtime state format changed; keep it readable by older state files and regenerate \
         with UPDATE_EXPECT=1\n--- actual ---\n{actual}"
    );
    let back: Snapshot = serde_json::from_str(&expected).unwrap();
    assert_eq!(back, representative(), "golden file does not read back");
    assert!(
        !back.runs.is_empty(),
        "the golden snapshot has a run in flight"
    );
}

#[test]
fn a_state_file_of_the_first_format_still_restores() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    // What rgm wrote before runs and node records were kept.
    let old = r#"{
      "groups": {"rg1": {"wanted": true, "primaries": ["n1"], "giveovers": [],
        "nodes": {"n1": {"state": "online", "failed_at": null, "restarts": [], "restarting": false}}}},
      "resources": {"db": {"n1": {"state": "online", "status": "OK", "status_msg": "fine",
        "bounce": null, "resume_without_prenet": false, "restarts": [1000]}}},
      "evacuations": {"n2": 99000},
      "up_nodes": ["n1"]
    }"#;
    let snapshot: Snapshot = serde_json::from_str(old).unwrap();
    let mut e = Engine::restore(cfg, snapshot);
    assert!(e.node_record("n1").unwrap().up);
    assert_eq!(
        e.node_record("n2").unwrap().evacuated_until,
        Some(rgm_core::engine::Time(99_000))
    );
    assert_eq!(e.resource_state("db", "n1"), RState::Online);
    assert_eq!(e.resource_status("db", "n1").1, "fine");
    assert_eq!(e.next_run_id(), RunId(1));
    // Nothing to write back but what the restore itself changed (nothing here).
    assert!(e.take_changes().is_empty());
}

#[test]
fn scha_control_health_gone_and_timers_name_what_they_change() {
    let mut s = two_nodes();
    online(&mut s.h, &["rg1", "rg2"]);
    s.h.succeed_all();
    s.take();
    // RESOURCE_IS_RESTARTED: the resource's restart history, nothing else.
    s.h.control(
        rgm_core::engine::ControlTag::ResourceIsRestarted,
        "rg1",
        "db",
        "n1",
    );
    let c = s.take();
    assert_eq!((c.resources.clone(), c.len()), (pairs(&[("db", "n1")]), 1));
    // A node's health: its record (and, here, nothing moves: rg2 has nowhere better to go).
    s.h.event(EventKind::NodeHealth {
        node: "n1".into(),
        healthy: true,
        reason: "fine".into(),
    });
    assert!(s.take().is_empty(), "healthy already: nothing changed");
    s.h.event(EventKind::NodeHealth {
        node: "n2".into(),
        healthy: false,
        reason: "monitor failed".into(),
    });
    let c = s.take();
    assert!(c.nodes.contains("n2"));
    assert_eq!(
        s.h.engine.node_record("n2").unwrap().unhealthy.as_deref(),
        Some("monitor failed")
    );
    // A resource found dead: its record, and the run of its restart.
    s.h.succeed_all();
    s.take();
    s.h.event(EventKind::ResourceGone {
        resource: "db".into(),
        node: "n1".into(),
        reason: "no process".into(),
    });
    let c = s.take();
    assert!(c.resources.contains(&("db".to_string(), "n1".to_string())));
    assert_eq!(c.runs.len(), 1, "MONITOR_STOP begins");
    // A run whose result never comes: its timer ends it (MONITOR_STOP_timeout is 3600 s).
    s.h.advance_ms(7_200_000);
    s.h.fire_timers();
    let c = s.take();
    assert!(!c.runs.is_empty());
    assert!(c.resources.contains(&("db".to_string(), "n1".to_string())));
}

#[test]
fn config_changes_name_the_objects_a_change_touched() {
    let mut s = two_nodes();
    // The first take after the engine began: compare everything.
    assert!(s.h.engine.take_config_changes().whole);
    assert!(s.h.engine.take_config_changes().is_empty());
    let v0 = s.h.engine.config_version();
    let id = s.h.request(AdminRequest::CreateResource {
        names: vec!["cache".into()],
        group: "rg1".into(),
        type_name: "TEST.full:1".into(),
        edits: rgm_core::testkit::edits(&["Resource_dependencies=db"]),
        enabled: true,
    });
    s.h.succeed_all();
    s.h.ok(id);
    let c = s.h.engine.take_config_changes();
    assert!(!c.whole);
    assert_eq!(c.groups, names(&["rg1"]));
    assert_eq!(c.resources, names(&["cache"]));
    // A reader that kept the version learns the same, without taking anything.
    assert_eq!(s.h.engine.config_changes_since(v0), Some(c));
    let v1 = s.h.engine.config_version();
    assert_ne!(v0, v1);
    assert!(s.h.engine.config_changes_since(v1).unwrap().is_empty());
    // A refused change names nothing.
    let id = s.h.request(AdminRequest::CreateResource {
        names: vec!["loop".into()],
        group: "rg1".into(),
        type_name: "TEST.full:1".into(),
        edits: rgm_core::testkit::edits(&["Resource_dependencies=nothing"]),
        enabled: true,
    });
    s.h.err(id);
    assert!(s.h.engine.take_config_changes().is_empty());
    // A node joining may touch anything.
    s.h.join("n3");
    assert!(s.h.engine.take_config_changes().whole);
    assert_eq!(s.h.engine.config_changes_since(v1), None);
    // Another engine's versions tell nothing.
    assert_eq!(two_nodes().h.engine.config_changes_since(v1), None);
}
