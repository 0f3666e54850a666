//! Fencing cannot wedge the cluster and is never skipped (issue 9, rule 3): a join never
//! cancels a fence that is owed, a late report never marks a live member down.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, Operands, RState, RgState};
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

fn fence_failed(h: &mut Harness, node: &str) {
    h.event(EventKind::FenceFailed {
        node: node.into(),
        reason: "the fence command exited 1".into(),
    });
}

/// Fires the timers due after `secs` seconds.
fn after(h: &mut Harness, secs: u64) {
    h.advance_ms(secs * 1000);
    h.fire_timers();
}

#[test]
fn rule3_a_failed_fence_of_a_dead_node_is_retried_with_backoff_each_try_logged() {
    let mut h = online_on_n1();
    h.event(EventKind::NodeDied { node: "n1".into() });
    assert_eq!(h.fenced, vec!["n1"]);
    fence_failed(&mut h, "n1");
    assert!(h.log_texts().iter().any(
        |t| t.contains("cannot fence node n1 (attempt 1)") && t.contains("trying again in 5 s")
    ));
    after(&mut h, 4);
    assert_eq!(h.fenced.len(), 1);
    after(&mut h, 1);
    assert_eq!(h.fenced, vec!["n1", "n1"]);
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("fencing node n1 again (attempt 2)"))
    );
    fence_failed(&mut h, "n1");
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("trying again in 10 s"))
    );
    after(&mut h, 10);
    assert_eq!(h.fenced.len(), 3);
    // Nothing of the group starts elsewhere meanwhile.
    assert!(h.trace_on("n2").is_empty(), "{:?}", h.trace());
    // The fence is done at last: the group fails over.
    h.event(EventKind::NodeFenced { node: "n1".into() });
    h.succeed_all();
    assert_eq!(h.state("db", "n2"), RState::Online);
    assert_eq!(h.engine.node_record("n1").unwrap().fence_attempts, 0);
}

#[test]
fn rule3_a_request_waiting_on_a_fence_that_cannot_be_done_ends_with_the_reason() {
    let mut h = online_on_n1();
    h.event(EventKind::NodeDied { node: "n1".into() });
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    assert!(
        h.reply(id).is_none(),
        "waits while the fence may still come"
    );
    fence_failed(&mut h, "n1");
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("node n1 has left the cluster and could not be fenced")
            && err.contains("clnode confirm-down n1"),
        "{err}"
    );
}

#[test]
fn rule3_confirm_down_by_the_administrator_lets_the_groups_fail_over() {
    let mut h = online_on_n1();
    h.event(EventKind::NodeDied { node: "n1".into() });
    fence_failed(&mut h, "n1");
    let id = h.request(AdminRequest::ConfirmNodeDown { node: "n1".into() });
    assert!(h.ok(id).messages[0].contains("node n1 confirmed down"));
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("confirmed down by the administrator"))
    );
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.state("db", "n2"), RState::Online);
    // The retry timer finds nothing to do, and a late report changes nothing.
    after(&mut h, 10);
    assert_eq!(h.fenced, vec!["n1"]);
    h.event(EventKind::NodeFenced { node: "n1".into() });
    assert_eq!(h.state("db", "n2"), RState::Online);
}

#[test]
fn confirm_down_of_a_member_is_refused() {
    let mut h = online_on_n1();
    let id = h.request(AdminRequest::ConfirmNodeDown { node: "n1".into() });
    assert!(h.err(id).messages[0].contains("node n1 is a cluster member"));
    let id = h.request(AdminRequest::ConfirmNodeDown { node: "n9".into() });
    assert!(h.err(id).messages[0].contains("node n9 is not a cluster node"));
    assert_eq!(h.state("db", "n1"), RState::Online);
}

#[test]
fn a_join_asked_while_a_member_was_being_fenced_is_dropped_when_the_fence_fails() {
    // Seed 184: n1's HARD stop failure asked for its fence; n1 "joined" meanwhile; the fence
    // failed (n1 stays a member); later n1 died and was fenced, and the stale join brought it
    // back as a member. The join is dropped when the fence fails.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &["Failover_mode=HARD"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    offline(&mut h, &["rg1"]);
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::Stop, "n1", 1);
    assert_eq!(h.fenced, vec!["n1"]);
    h.join("n1");
    assert!(h.engine.node_record("n1").unwrap().join_after_fence);
    h.event(EventKind::FenceFailed {
        node: "n1".into(),
        reason: "no fence command".into(),
    });
    assert!(!h.engine.node_record("n1").unwrap().join_after_fence);
    h.event(EventKind::NodeDied { node: "n1".into() });
    h.event(EventKind::NodeFenced { node: "n1".into() });
    assert!(!h.engine.node_up("n1"), "no join was asked since n1 died");
}

#[test]
fn rule3_a_switch_waiting_on_the_fence_of_a_hard_stop_failure_ends_with_the_fence_s_reason() {
    // Found through the three-node cluster (tests/e2e/cluster_engine_rules.rs): the STOP of a
    // HARD resource fails in a switch, its node dies while being fenced, the fence fails.
    // The switch used to end saying the group starts nowhere until the STOP_FAILED resource
    // is cleared — but the fence clears it, and the way out is to confirm the node down.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &["Failover_mode=HARD"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::Stop, "n1", 1);
    assert_eq!(h.fenced, vec!["n1"]);
    h.event(EventKind::NodeDied { node: "n1".into() });
    assert!(
        h.reply(id).is_none(),
        "waits while the fence may still come"
    );
    fence_failed(&mut h, "n1");
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("node n1 has left the cluster and could not be fenced")
            && err.contains("clnode confirm-down n1")
            && !err.contains("until that is cleared"),
        "{err}"
    );
    let confirm = h.request(AdminRequest::ConfirmNodeDown { node: "n1".into() });
    h.ok(confirm);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.group_state("rg1", "n2"), RgState::Online);
}
