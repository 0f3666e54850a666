//! The rows of the Failover_mode and scha_control tables issue 9 found untested (reference
//! §e.1–§e.4): stop timeouts under each mode, Suspend_automatic_recovery, what counts toward
//! Retry_count, negative and undeclared Retry_count/Retry_interval, GIVEOVER refusals,
//! IGNORE_FAILED_START in PRENET_START, CHANGE_STATE_*, group restarts.

mod common;

use common::*;
use rgm_core::ErrorCode;
use rgm_core::engine::{
    AdminRequest, ControlTag, MethodOutcome, MethodResult, Operands, RState, RgState,
};
use rgm_core::testkit::{Harness, TypeBuilder, must};
use rgm_core::{Change, ClusterConfig};
use rtreg::Method;

const MODES: [&str; 5] = ["NONE", "SOFT", "HARD", "RESTART_ONLY", "LOG_ONLY"];

/// rg1 (Nodelist n1, n2) holding `app` (`props`), online on n1.
fn online_on_n1_with(cfg: ClusterConfig) -> Harness {
    let mut h = started(cfg, &["n1", "n2"]);
    let id = online_on(&mut h, "rg1", "n1");
    h.succeed_all();
    h.ok(id);
    h.clear_trace();
    h
}

fn rg1_with(props: &[&str]) -> ClusterConfig {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "app", "rg1", props);
    cfg
}

fn online_on_n1(props: &[&str]) -> Harness {
    online_on_n1_with(rg1_with(props))
}

fn suspend(h: &mut Harness) {
    let id = h.request(AdminRequest::Suspend {
        groups: Operands::named(&["rg1"]),
        kill: false,
    });
    h.succeed_all();
    h.ok(id);
}

fn timed_out() -> MethodResult {
    MethodResult {
        outcome: MethodOutcome::TimedOut { killed: true },
        duration_ms: 100_000,
        output: String::new(),
    }
}

#[test]
fn a_stop_method_timeout_is_stop_failed_under_every_mode_but_hard_which_fences() {
    for failing in [Method::MonitorStop, Method::Stop, Method::PostnetStop] {
        for mode in MODES {
            let mut h = online_on_n1(&[&format!("Failover_mode={mode}")]);
            offline(&mut h, &["rg1"]);
            h.run_until_idle(|m| {
                if m.method == failing {
                    timed_out()
                } else {
                    MethodResult::exited(0, 1)
                }
            });
            let ctx = format!("{mode} {failing}");
            assert_eq!(h.state("app", "n1"), RState::StopFailed, "{ctx}");
            assert_eq!(h.fenced.is_empty(), mode != "HARD", "{ctx}");
        }
    }
}

#[test]
fn suspended_recovery_moves_nothing_after_a_start_failure_under_soft_and_hard() {
    for mode in ["SOFT", "HARD"] {
        let mut h = online_on_n1(&[&format!("Failover_mode={mode}")]);
        suspend(&mut h);
        let id = h.request(AdminRequest::Restart {
            groups: Operands::named(&["rg1"]),
            nodes: None,
        });
        h.run_until_idle(|m| MethodResult::exited(i32::from(m.method == Method::Start), 1));
        assert_eq!(h.state("app", "n1"), RState::StartFailed, "{mode}");
        assert!(
            h.trace().iter().all(|t| t.0 == "n1"),
            "{mode}: {:?}",
            h.trace()
        );
        assert!(
            h.log_texts()
                .iter()
                .any(|t| t.contains("automatic recovery is suspended")),
            "{mode}"
        );
        h.err(id);
    }
}

#[test]
fn suspended_recovery_does_not_fence_after_a_hard_stop_failure() {
    let mut h = online_on_n1(&["Failover_mode=HARD"]);
    suspend(&mut h);
    offline(&mut h, &["rg1"]);
    h.run_until_idle(|m| MethodResult::exited(i32::from(m.method == Method::Stop), 1));
    assert_eq!(h.state("app", "n1"), RState::StopFailed);
    assert!(h.fenced.is_empty());
}

#[test]
fn scha_control_recovery_requests_are_refused_while_suspended() {
    let mut h = online_on_n1(&["Failover_mode=SOFT"]);
    suspend(&mut h);
    for tag in [
        ControlTag::Giveover,
        ControlTag::CheckGiveover,
        ControlTag::Restart,
        ControlTag::CheckRestart,
        ControlTag::ResourceRestart,
        ControlTag::ResourceIsRestarted,
    ] {
        let id = h.control(tag, "rg1", "app", "n1");
        let e = h.err(id);
        assert_eq!(e.code, ErrorCode::Checks, "{}", tag.name());
        assert!(e.messages[0].contains("suspended"), "{:?}", e.messages);
    }
    // Disabling is not a recovery: allowed.
    let id = h.control(ControlTag::ResourceDisable, "rg1", "app", "n1");
    h.succeed_all();
    h.ok(id);
}

#[test]
fn resource_is_restarted_counts_toward_retry_count() {
    let mut h = online_on_n1(&["Failover_mode=RESTART_ONLY"]);
    for _ in 0..2 {
        let id = h.control(ControlTag::ResourceIsRestarted, "rg1", "app", "n1");
        h.ok(id);
    }
    assert!(
        h.trace().is_empty(),
        "nothing is run for it: {:?}",
        h.trace()
    );
    assert_eq!(h.engine.num_resource_restarts("app", "n1", h.now), 2);
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    assert!(h.err(id).messages[0].contains("Retry_count is 2"));
}

#[test]
fn a_negative_retry_count_allows_any_number_of_restarts() {
    let mut h = online_on_n1(&["Failover_mode=RESTART_ONLY", "Retry_count=-1"]);
    for _ in 0..20 {
        let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
        h.succeed_all();
        h.ok(id);
    }
    assert_eq!(h.engine.num_resource_restarts("app", "n1", h.now), 20);
}

/// A type that does not declare Retry_count and Retry_interval.
fn undeclared() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    let spec = TypeBuilder::new("TEST", "bare", "1")
        .methods(&[Method::MonitorStart, Method::MonitorStop])
        .build();
    register(&mut cfg, spec);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    must(
        &mut cfg,
        Change::CreateResource {
            name: "app".into(),
            group: "rg1".into(),
            type_name: "TEST.bare:1".into(),
            edits: rgm_core::testkit::edits(&["Failover_mode=RESTART_ONLY"]),
            enabled: true,
        },
    );
    online_on_n1_with(cfg)
}

#[test]
fn an_undeclared_retry_count_allows_no_restart_under_restart_only() {
    let mut h = undeclared();
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    let e = h.err(id);
    assert!(
        e.messages[0].contains("Retry_count is 0"),
        "{:?}",
        e.messages
    );
}

#[test]
fn an_undeclared_retry_interval_counts_no_restart() {
    // A resource of a type declaring neither counts nothing.
    let mut h = undeclared();
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["app"]),
        edits: rgm_core::testkit::edits(&["Failover_mode=NONE"]),
    });
    h.succeed_all();
    h.ok(id);
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.engine.num_resource_restarts("app", "n1", h.now), 0);
    assert!(
        h.engine
            .resource_record("app", "n1")
            .unwrap()
            .restarts
            .is_empty()
    );
}

#[test]
fn giveover_is_refused_where_the_group_is_not_online() {
    let mut h = online_on_n1(&["Failover_mode=SOFT"]);
    let id = h.control(ControlTag::Giveover, "rg1", "app", "n2");
    let e = h.err(id);
    assert_eq!(e.code, ErrorCode::State);
    assert!(
        e.messages[0].contains("resource group rg1 is not online on node n2"),
        "{:?}",
        e.messages
    );
}

#[test]
fn giveover_back_to_a_node_given_away_from_waits_for_pingpong_interval() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(
        &mut cfg,
        "rg1",
        &["Nodelist=n1,n2", "Pingpong_interval=600"],
    );
    full(&mut cfg, "app", "rg1", &["Failover_mode=SOFT"]);
    let mut h = online_on_n1_with(cfg);
    let id = h.control(ControlTag::Giveover, "rg1", "app", "n1");
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.group_state("rg1", "n2"), RgState::Online);
    // Back to n1 within Pingpong_interval: no other node for this resource's GIVEOVER.
    h.advance_ms(60_000);
    let id = h.control(ControlTag::Giveover, "rg1", "app", "n2");
    let e = h.err(id);
    assert_eq!(e.code, ErrorCode::Checks);
    assert!(e.messages[0].contains("no other node"), "{:?}", e.messages);
    // After it, allowed.
    h.advance_ms(600_000);
    let id = h.control(ControlTag::Giveover, "rg1", "app", "n2");
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn ignore_failed_start_during_prenet_start_keeps_the_group_where_it_is() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "app", "rg1", &["Failover_mode=SOFT"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online_on(&mut h, "rg1", "n1");
    assert!(h.find("app", Method::PrenetStart, "n1").is_some());
    let id = h.control(ControlTag::IgnoreFailedStart, "rg1", "app", "n1");
    h.ok(id);
    h.finish("app", Method::PrenetStart, "n1", 1);
    h.succeed_all();
    assert_eq!(h.state("app", "n1"), RState::StartFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    assert!(h.trace().iter().all(|t| t.0 == "n1"));
}

#[test]
fn change_state_online_and_offline_set_a_proxy_resources_state() {
    let mut cfg = cluster(&["n1"]);
    let mut spec = TypeBuilder::new("TEST", "proxy", "1").build();
    spec.proxy = true;
    register(&mut cfg, spec);
    group(&mut cfg, "rg1", &[]);
    must(
        &mut cfg,
        Change::CreateResource {
            name: "px".into(),
            group: "rg1".into(),
            type_name: "TEST.proxy:1".into(),
            edits: vec![],
            enabled: true,
        },
    );
    full(&mut cfg, "app", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    let id = h.control(ControlTag::ChangeStateOnline, "rg1", "px", "n1");
    h.ok(id);
    assert_eq!(h.state("px", "n1"), RState::Online);
    let id = h.control(ControlTag::ChangeStateOffline, "rg1", "px", "n1");
    h.ok(id);
    assert_eq!(h.state("px", "n1"), RState::Offline);
    // Not for other types.
    let id = h.control(ControlTag::ChangeStateOnline, "rg1", "app", "n1");
    assert_eq!(h.err(id).code, ErrorCode::Inval);
}

#[test]
fn a_group_restart_counts_in_num_rg_restarts() {
    let mut h = online_on_n1(&["Failover_mode=SOFT"]);
    for _ in 0..2 {
        let id = h.control(ControlTag::Restart, "rg1", "app", "n1");
        h.succeed_all();
        h.ok(id);
    }
    assert_eq!(h.engine.num_rg_restarts("app", "n1", h.now), 2);
    h.advance_ms(301_000);
    assert_eq!(h.engine.num_rg_restarts("app", "n1", h.now), 0);
}

/// A restart asked by scha_control `tag` whose START fails on n1, under SOFT.
fn restart_whose_start_fails(tag: ControlTag) -> (Harness, rgm_core::engine::RequestId) {
    let mut h = online_on_n1(&["Failover_mode=SOFT"]);
    let id = h.control(tag, "rg1", "app", "n1");
    h.run_until_idle(|m| {
        let fail = m.method == Method::Start && m.node == "n1";
        MethodResult::exited(i32::from(fail), 1)
    });
    (h, id)
}

#[test]
fn a_group_restart_whose_start_fails_relocates_under_soft() {
    let (h, id) = restart_whose_start_fails(ControlTag::Restart);
    assert_eq!(h.group_state("rg1", "n2"), RgState::Online);
    assert_eq!(h.state("app", "n1"), RState::Offline);
    // It asked for the group back online on n1: that is not where it is.
    h.err(id);
}

#[test]
fn a_resource_restart_whose_start_fails_relocates_under_soft() {
    let (h, id) = restart_whose_start_fails(ControlTag::ResourceRestart);
    assert_eq!(h.group_state("rg1", "n2"), RgState::Online);
    assert_eq!(h.state("app", "n1"), RState::Offline);
    assert!(h.err(id).messages[0].contains("did not restart on node n1"));
}
