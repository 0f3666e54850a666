//! Every row of the Failover_mode tables (reference §e.1): what a start or stop failure leads
//! to, and which scha_control requests each mode allows.

mod common;

use common::*;
use rgm_core::ErrorCode;
use rgm_core::engine::{ControlTag, MethodOutcome, MethodResult, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

const MODES: [&str; 5] = ["NONE", "SOFT", "HARD", "RESTART_ONLY", "LOG_ONLY"];

/// rg1 (Nodelist n1, n2) holding `app` with the given Failover_mode, online on n1.
fn online_on_n1(mode: &str) -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &[&format!("Failover_mode={mode}")]);
    let mut h = started(cfg, &["n1", "n2"]);
    let id = online_on(&mut h, "rg1", "n1");
    h.succeed_all();
    h.ok(id);
    h.clear_trace();
    h
}

/// Brings rg1 online on n1 with the given method of app failing there.
fn start_failing(
    mode: &str,
    failing: Method,
    outcome: MethodOutcome,
) -> (Harness, rgm_core::engine::RequestId) {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &[&format!("Failover_mode={mode}")]);
    let mut h = started(cfg, &["n1", "n2"]);
    let id = online(&mut h, &["rg1"]);
    h.run_until_idle(|m| {
        if m.method == failing && m.node == "n1" {
            MethodResult {
                outcome: outcome.clone(),
                duration_ms: 10,
                output: String::new(),
            }
        } else {
            MethodResult::exited(0, 10)
        }
    });
    (h, id)
}

#[test]
fn start_failure_relocates_under_soft_and_hard_only() {
    for failing in [Method::Start, Method::PrenetStart] {
        for outcome in [
            MethodOutcome::Exited(1),
            MethodOutcome::TimedOut { killed: true },
        ] {
            for mode in MODES {
                let (h, id) = start_failing(mode, failing, outcome.clone());
                let ctx = format!("{mode}, {failing} {outcome:?}");
                if matches!(mode, "SOFT" | "HARD") {
                    assert_eq!(h.group_state("rg1", "n2"), RgState::Online, "{ctx}");
                    assert_eq!(h.group_state("rg1", "n1"), RgState::Offline, "{ctx}");
                    // The failed resource was cleaned up on n1 before the group started on n2.
                    let trace = h.trace();
                    let stop_n1 = trace
                        .iter()
                        .position(|t| t.0 == "n1" && t.2 == "STOP")
                        .expect("STOP on n1");
                    let start_n2 = trace
                        .iter()
                        .position(|t| t.0 == "n2")
                        .expect("anything on n2");
                    assert!(stop_n1 < start_n2, "{ctx}: {trace:?}");
                    assert!(
                        h.log_texts()
                            .iter()
                            .any(|t| t.starts_with("resource group rg1 failing over from node n1"))
                    );
                    h.ok(id);
                } else {
                    assert_eq!(h.state("app", "n1"), RState::StartFailed, "{ctx}");
                    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted, "{ctx}");
                    assert!(
                        h.trace().iter().all(|t| t.0 == "n1"),
                        "{ctx}: nothing may run on n2"
                    );
                    let e = h.err(id);
                    assert!(
                        e.messages[0].contains("node n1: ONLINE_FAULTED (app is START_FAILED)"),
                        "{ctx}: {:?}",
                        e.messages
                    );
                }
            }
        }
    }
}

#[test]
fn monitor_start_failure_is_monitor_failed_without_failover() {
    for mode in MODES {
        let (h, id) = start_failing(mode, Method::MonitorStart, MethodOutcome::Exited(1));
        assert_eq!(h.state("app", "n1"), RState::MonitorFailed, "{mode}");
        assert_eq!(h.group_state("rg1", "n1"), RgState::Online, "{mode}");
        assert!(
            h.ok(id)
                .messages
                .iter()
                .any(|m| m.contains("MONITOR_START failed"))
        );
    }
}

#[test]
fn stop_failure_is_stop_failed_except_hard_which_fences() {
    for failing in [Method::MonitorStop, Method::Stop, Method::PostnetStop] {
        for mode in MODES {
            let mut h = online_on_n1(mode);
            // Switch to n2: the stop on n1 fails.
            let id = h.request(rgm_core::engine::AdminRequest::Switch {
                groups: rgm_core::engine::Operands::named(&["rg1"]),
                nodes: vec!["n2".into()],
                enable: false,
                monitor: false,
                manage: false,
            });
            h.run_until_idle(|m| MethodResult::exited(if m.method == failing { 1 } else { 0 }, 10));
            let ctx = format!("{mode} {failing}");
            assert_eq!(h.state("app", "n1"), RState::StopFailed, "{ctx}");
            assert!(
                h.trace().iter().all(|t| t.0 == "n1"),
                "{ctx}: nothing may start on n2"
            );
            if mode == "HARD" {
                assert_eq!(h.fenced, ["n1"], "{ctx}");
                assert!(h.reply(id).is_none(), "{ctx}: waits for the fence");
                h.event(rgm_core::engine::EventKind::NodeFenced { node: "n1".into() });
                h.succeed_all();
                assert_eq!(h.state("app", "n1"), RState::Offline, "{ctx}");
                assert_eq!(h.group_state("rg1", "n2"), RgState::Online, "{ctx}");
                h.ok(id);
            } else {
                assert!(h.fenced.is_empty(), "{ctx}");
                assert_eq!(
                    h.group_state("rg1", "n1"),
                    RgState::ErrorStopFailed,
                    "{ctx}"
                );
                let e = h.err(id);
                assert!(
                    e.messages.iter().any(|m| m.contains("STOP_FAILED")),
                    "{ctx}: {:?}",
                    e.messages
                );
                // Until it is cleared, the group may not be brought online anywhere.
                let refused = online(&mut h, &["rg1"]);
                assert!(
                    h.err(refused).messages[0].contains("resource app is STOP_FAILED on node n1"),
                    "{ctx}: {:?}",
                    h.err(refused)
                );
                // Cleared by the administrator, the group may start again.
                let clear = h.request(rgm_core::engine::AdminRequest::ClearStopFailed {
                    resources: rgm_core::engine::Operands::named(&["app"]),
                    nodes: vec!["n1".into()],
                });
                h.succeed_all();
                h.ok(clear);
                assert_eq!(h.state("app", "n1"), RState::Offline, "{ctx}");
                assert_eq!(h.group_state("rg1", "n2"), RgState::Online, "{ctx}");
            }
        }
    }
}

/// A fence that cannot be done (no fence command, or it failed) leaves the resource
/// STOP_FAILED for the administrator, and the operation that waited on the fence ends.
#[test]
fn a_failed_fence_leaves_stop_failed_and_ends_the_wait() {
    let mut h = online_on_n1("HARD");
    let id = h.request(rgm_core::engine::AdminRequest::Offline {
        groups: rgm_core::engine::Operands::named(&["rg1"]),
        nodes: None,
    });
    h.run_until_idle(|m| MethodResult::exited(if m.method == Method::Stop { 1 } else { 0 }, 10));
    assert_eq!(h.fenced, ["n1"]);
    assert!(h.reply(id).is_none(), "waits for the fence");
    h.event(rgm_core::engine::EventKind::FenceFailed {
        node: "n1".into(),
        reason: "no --fence-command is configured".into(),
    });
    h.succeed_all();
    assert_eq!(h.state("app", "n1"), RState::StopFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::ErrorStopFailed);
    let e = h.err(id);
    assert!(
        e.messages.iter().any(|m| m.contains("STOP_FAILED")),
        "{:?}",
        e.messages
    );
    assert!(
        h.log_texts().iter().any(|l| l.contains(
            "cannot fence node n1: no --fence-command is configured; its STOP_FAILED resources stay so"
        )),
        "{:?}",
        h.log_texts()
    );
    // The administrator makes sure it is stopped and clears it; the group may start again.
    let clear = h.request(rgm_core::engine::AdminRequest::ClearStopFailed {
        resources: rgm_core::engine::Operands::named(&["app"]),
        nodes: vec!["n1".into()],
    });
    h.succeed_all();
    h.ok(clear);
    let again = online(&mut h, &["rg1"]);
    h.succeed_all();
    h.ok(again);
    assert_eq!(h.state("app", "n1"), RState::Online);
}

/// Which scha_control requests each mode allows (reference §e.1, second table).
#[test]
fn scha_control_per_failover_mode() {
    use ControlTag::*;
    for mode in MODES {
        for tag in [
            Giveover,
            CheckGiveover,
            Restart,
            CheckRestart,
            ResourceRestart,
            ResourceIsRestarted,
            ResourceDisable,
        ] {
            let mut h = online_on_n1(mode);
            let id = h.control(tag, "rg1", "app", "n1");
            h.succeed_all();
            let allowed = match mode {
                "NONE" | "SOFT" | "HARD" => true,
                "RESTART_ONLY" => {
                    matches!(tag, ResourceRestart | ResourceIsRestarted | ResourceDisable)
                }
                _ => false,
            };
            let ctx = format!("{mode} {}", tag.name());
            match h.reply(id) {
                Some(Ok(_)) => assert!(allowed, "{ctx} should be refused"),
                Some(Err(e)) => {
                    assert!(!allowed, "{ctx} should be allowed: {:?}", e.messages);
                    assert_eq!(e.code, ErrorCode::Checks, "{ctx}");
                }
                None => panic!("{ctx}: no reply"),
            }
            if allowed {
                let where_ = match tag {
                    Giveover => Some("n2"),
                    CheckGiveover | CheckRestart | Restart | ResourceRestart
                    | ResourceIsRestarted => Some("n1"),
                    _ => None,
                };
                if let Some(n) = where_ {
                    assert_eq!(h.group_state("rg1", n), RgState::Online, "{ctx}");
                }
                if tag == ResourceDisable {
                    assert_eq!(h.state("app", "n1"), RState::Offline, "{ctx}");
                }
            }
        }
    }
}

#[test]
fn restart_only_allows_retry_count_restarts_within_retry_interval() {
    let mut h = online_on_n1("RESTART_ONLY");
    // Retry_count is 2 for TEST.full.
    for _ in 0..2 {
        let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
        h.succeed_all();
        h.ok(id);
    }
    assert_eq!(h.engine.num_resource_restarts("app", "n1", h.now), 2);
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    let e = h.err(id);
    assert_eq!(e.code, ErrorCode::Checks);
    assert!(
        e.messages[0].contains("Retry_count is 2"),
        "{:?}",
        e.messages
    );
    // The window slides: after Retry_interval (300 s) the count is back to zero.
    h.advance_ms(301_000);
    assert_eq!(h.engine.num_resource_restarts("app", "n1", h.now), 0);
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    h.succeed_all();
    h.ok(id);
}

#[test]
fn resource_restart_skips_prenet_and_postnet() {
    let mut h = online_on_n1("NONE");
    let id = h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    h.succeed_all();
    h.ok(id);
    assert_eq!(
        h.trace_on("n1"),
        [
            "app:MONITOR_STOP",
            "app:STOP",
            "app:START",
            "app:MONITOR_START"
        ]
    );
    assert_eq!(h.state("app", "n1"), RState::Online);
}

#[test]
fn ignore_failed_start_keeps_the_group_where_it_is() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Failover_mode=SOFT"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online_on(&mut h, "rg1", "n1");
    h.finish("app", Method::PrenetStart, "n1", 0);
    // The START method, failing, asks for IGNORE_FAILED_START before it exits.
    let id = h.control(ControlTag::IgnoreFailedStart, "rg1", "app", "n1");
    h.ok(id);
    h.finish("app", Method::Start, "n1", 1);
    h.succeed_all();
    assert_eq!(h.state("app", "n1"), RState::StartFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    assert!(h.trace().iter().all(|t| t.0 == "n1"));
}
