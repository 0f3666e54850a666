//! Membership requests (`clnode add`, `clnode remove`): a node is added to the configuration;
//! removing one is refused while it is a member, hosts a group, or is named in the
//! configuration — each use named — and otherwise takes its runtime records with it.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, Operands};
use rgm_core::testkit::Harness;

fn two_groups() -> Harness {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    group(&mut cfg, "rg2", &["Nodelist=n2,n1"]);
    full(&mut cfg, "db", "rg1", &[]);
    started(cfg, &["n1", "n2", "n3"])
}

fn remove(h: &mut Harness, node: &str) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::RemoveNode { name: node.into() })
}

#[test]
fn a_node_is_added_to_the_configuration_and_joins_by_starting() {
    let mut h = two_groups();
    let id = h.request(AdminRequest::AddNode { name: "n4".into() });
    h.ok(id);
    assert!(h.engine.config().nodes.contains_key("n4"));
    assert!(!h.engine.node_up("n4"));
    let id = h.request(AdminRequest::AddNode { name: "n4".into() });
    assert!(h.err(id).messages[0].contains("already exists"));
    h.join("n4");
    assert!(h.engine.node_up("n4"));
}

#[test]
fn removing_a_member_is_refused() {
    let mut h = two_groups();
    let id = remove(&mut h, "n3");
    assert!(h.err(id).messages[0].contains("node n3 is a cluster member"));
    assert!(h.engine.config().nodes.contains_key("n3"));
}

#[test]
fn removing_a_node_named_in_nodelists_is_refused_naming_the_groups() {
    let mut h = two_groups();
    h.event(EventKind::NodeDied { node: "n2".into() });
    h.event(EventKind::NodeFenced { node: "n2".into() });
    let id = remove(&mut h, "n2");
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("node n2: is named in the Nodelist of resource group(s) rg1, rg2"),
        "{err}"
    );
    assert!(h.engine.config().nodes.contains_key("n2"));
}

#[test]
fn removing_a_node_being_fenced_is_refused() {
    let mut h = two_groups();
    online(&mut h, &["rg1"]);
    h.succeed_all();
    // n1 left the cluster and its fence is still owed: it hosts rg1 until fenced.
    h.event(EventKind::NodeDied { node: "n1".into() });
    h.event(EventKind::FenceFailed {
        node: "n1".into(),
        reason: "no fence command".into(),
    });
    let id = remove(&mut h, "n1");
    assert!(h.err(id).messages[0].contains("being fenced"));
}

#[test]
fn a_node_named_nowhere_and_down_is_removed_with_its_records() {
    let mut h = two_groups();
    h.event(EventKind::NodeDied { node: "n3".into() });
    h.event(EventKind::NodeFenced { node: "n3".into() });
    h.engine.take_changes();
    let id = remove(&mut h, "n3");
    h.ok(id);
    assert!(!h.engine.config().nodes.contains_key("n3"));
    assert!(h.engine.node_record("n3").is_none());
    assert!(h.engine.take_changes().nodes.contains("n3"));
    // Its id is not given again.
    let id = h.request(AdminRequest::AddNode { name: "n4".into() });
    h.ok(id);
    assert_eq!(h.engine.config().nodes["n4"].id, 4);
    let id = h.request(AdminRequest::Online {
        groups: Operands::named(&["rg1"]),
        nodes: Some(vec!["n3".into()]),
        enable: false,
        monitor: false,
        manage: false,
    });
    assert!(h.err(id).messages[0].contains("node n3 is not a cluster node"));
}
