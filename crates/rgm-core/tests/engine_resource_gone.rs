//! A resource found dead after a restart (`EventKind::ResourceGone`) is not called online: its
//! Status is FAULTED with the reason and Failover_mode decides (docs/engine.md): restarts
//! within Retry_count, then a giveover (NONE, SOFT, HARD); START_FAILED where neither may be
//! done (LOG_ONLY, RESTART_ONLY past its retries, no other node, recovery suspended).

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, Operands, RState, RgState, Status};
use rgm_core::testkit::Harness;

/// db (Failover_mode `mode`, Retry_count 2 within 300 s) online on n1 of n1, n2.
fn online_with(mode: &str, nodes: &[&str]) -> Harness {
    let mut cfg = cluster(nodes);
    group(&mut cfg, "rg1", &[&format!("Nodelist={}", nodes.join(","))]);
    full(&mut cfg, "db", "rg1", &[&format!("Failover_mode={mode}")]);
    let mut h = started(cfg, nodes);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Online);
    h.clear_trace();
    h
}

fn gone(h: &mut Harness, resource: &str, node: &str) {
    h.advance_ms(1_000);
    h.event(EventKind::ResourceGone {
        resource: resource.into(),
        node: node.into(),
        reason: "no process left in its cgroup".into(),
    });
}

fn faulted_with_reason(h: &Harness) {
    let (status, msg) = h.engine.resource_status("db", "n1");
    assert_eq!(status, Status::Faulted);
    assert_eq!(msg, "no process left in its cgroup");
}

/// Restarts within Retry_count (2), then a giveover to n2: NONE, SOFT and HARD alike.
#[test]
fn gone_under_none_soft_and_hard_restarts_within_retry_count_then_gives_over() {
    for mode in ["NONE", "SOFT", "HARD"] {
        let mut h = online_with(mode, &["n1", "n2"]);
        for round in 1..=2 {
            gone(&mut h, "db", "n1");
            if round == 1 {
                faulted_with_reason(&h);
            }
            assert_eq!(
                h.trace_on("n1"),
                vec!["db:MONITOR_STOP"],
                "{mode} round {round}"
            );
            h.succeed_all();
            assert_eq!(
                h.trace_on("n1"),
                vec!["db:MONITOR_STOP", "db:STOP", "db:START", "db:MONITOR_START"],
                "{mode}"
            );
            assert_eq!(h.state("db", "n1"), RState::Online);
            h.clear_trace();
        }
        assert_eq!(h.engine.num_resource_restarts("db", "n1", h.now), 2);
        gone(&mut h, "db", "n1");
        h.succeed_all();
        assert_eq!(h.state("db", "n1"), RState::Offline, "{mode}");
        assert_eq!(h.state("db", "n2"), RState::Online, "{mode}");
        assert!(h.trace_on("n1").contains(&"db:STOP".to_string()));
        assert!(
            h.log_texts()
                .iter()
                .any(|t| t.contains("moving resource group rg1 to node n2"))
        );
    }
}

#[test]
fn gone_under_restart_only_restarts_then_stays_start_failed() {
    let mut h = online_with("RESTART_ONLY", &["n1", "n2"]);
    for _ in 0..2 {
        gone(&mut h, "db", "n1");
        h.succeed_all();
        assert_eq!(h.state("db", "n1"), RState::Online);
    }
    h.clear_trace();
    gone(&mut h, "db", "n1");
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    assert!(h.trace().is_empty(), "{:?}", h.trace());
    faulted_with_reason(&h);
}

#[test]
fn gone_under_log_only_is_start_failed_at_once() {
    let mut h = online_with("LOG_ONLY", &["n1", "n2"]);
    gone(&mut h, "db", "n1");
    h.succeed_all();
    assert!(h.trace().is_empty(), "{:?}", h.trace());
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    faulted_with_reason(&h);
}

#[test]
fn gone_past_retries_with_no_other_node_is_start_failed() {
    let mut h = online_with("SOFT", &["n1"]);
    for _ in 0..2 {
        gone(&mut h, "db", "n1");
        h.succeed_all();
    }
    gone(&mut h, "db", "n1");
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("no other node can master"))
    );
}

#[test]
fn gone_with_recovery_suspended_is_start_failed() {
    let mut h = online_with("SOFT", &["n1", "n2"]);
    let id = h.request(AdminRequest::Suspend {
        groups: Operands::named(&["rg1"]),
        kill: false,
    });
    h.ok(id);
    gone(&mut h, "db", "n1");
    h.succeed_all();
    assert!(h.trace().is_empty(), "{:?}", h.trace());
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
}

#[test]
fn gone_of_a_resource_not_online_there_changes_nothing() {
    let mut h = online_with("SOFT", &["n1", "n2"]);
    gone(&mut h, "db", "n2");
    gone(&mut h, "nosuch", "n1");
    assert!(h.trace().is_empty());
    assert_eq!(h.engine.resource_status("db", "n2").0, Status::Offline);
    assert_eq!(h.state("db", "n1"), RState::Online);
}
