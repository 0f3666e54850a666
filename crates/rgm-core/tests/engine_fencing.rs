//! Fencing cannot wedge the cluster and is never skipped (issue 9, rule 3): a join never
//! cancels a fence that is owed, a late report never marks a live member down.

mod common;

use common::*;
use rgm_core::engine::{EventKind, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// rg1 (Nodelist n1, n2) online on n1.
fn online_on_n1() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Online);
    h.clear_trace();
    h
}

#[test]
fn rule3_a_join_never_cancels_a_pending_fence() {
    let mut h = online_on_n1();
    h.event(EventKind::NodeDied { node: "n1".into() });
    assert_eq!(h.fenced, vec!["n1".to_string()]);
    // n1 comes back before its fence is reported: it may not join yet, nothing moves.
    h.join("n1");
    assert!(!h.engine.node_up("n1"));
    assert!(h.trace().is_empty(), "{:?}", h.trace());
    assert!(h.log_texts().iter().any(|t| t.contains("owed a fence")));
    // Once fenced, its resources are offline, the group fails over, and n1 joins (BOOT).
    h.event(EventKind::NodeFenced { node: "n1".into() });
    assert!(h.engine.node_up("n1"));
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.state("db", "n2"), RState::Online);
    assert!(h.trace_on("n1").contains(&"db:BOOT".to_string()));
}

#[test]
fn rule3_a_late_node_fenced_never_marks_a_live_member_down() {
    let mut h = online_on_n1();
    h.event(EventKind::NodeFenced { node: "n1".into() });
    assert!(h.engine.node_up("n1"));
    assert_eq!(h.state("db", "n1"), RState::Online);
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("no fence of it is owed"))
    );
    assert!(h.find("db", Method::Start, "n2").is_none());
}
