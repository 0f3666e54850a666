//! Dry runs (issue 16): a request planned on a copy of the engine changes nothing, and the
//! real request then runs exactly the methods the plan said, in its waves' order.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, Operands, PlannedRun, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn switch_request(group: &str, node: &str) -> AdminRequest {
    AdminRequest::Switch {
        groups: Operands::named(&[group]),
        nodes: vec![node.to_string()],
        enable: false,
        monitor: false,
        manage: false,
    }
}

fn two_resources_online() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "a", "rg", &[]);
    full(&mut cfg, "b", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    h.clear_trace();
    h.launched.clear();
    h
}

fn label(r: &PlannedRun) -> String {
    format!("{} {} {}", r.node, r.method.keyword(), r.resource)
}

#[test]
fn a_planned_switch_changes_nothing_and_the_real_one_does_what_it_said() {
    let mut h = two_resources_online();
    h.engine.take_changes();
    let snapshot = h.engine.snapshot();
    let plan = h.engine.plan_request(switch_request("rg", "n2"), h.now);
    // Nothing changed, nothing asked for.
    assert_eq!(h.engine.snapshot(), snapshot);
    assert!(h.engine.take_changes().is_empty());
    assert!(h.pending.is_empty());
    assert!(plan.accepted, "{:?}", plan.messages);
    assert!(plan.settled);
    let waves: Vec<Vec<String>> = plan
        .waves
        .iter()
        .map(|w| {
            let mut w: Vec<String> = w.iter().map(label).collect();
            w.sort();
            w
        })
        .collect();
    assert_eq!(
        waves,
        vec![
            vec!["n1 MONITOR_STOP a", "n1 MONITOR_STOP b"],
            vec!["n1 STOP a", "n1 STOP b"],
            vec!["n1 POSTNET_STOP a", "n1 POSTNET_STOP b"],
            vec!["n2 PRENET_START a", "n2 PRENET_START b"],
            vec!["n2 START a", "n2 START b"],
            vec!["n2 MONITOR_START a", "n2 MONITOR_START b"],
        ]
    );
    assert!(
        plan.groups
            .contains(&("rg".into(), "n2".into(), RgState::Offline, RgState::Online))
    );
    assert!(
        plan.resources
            .contains(&("a".into(), "n1".into(), RState::Online, RState::Offline))
    );
    // The real switch, wave by wave: each wave's runs are what is pending.
    let id = h.request(switch_request("rg", "n2"));
    for planned in &waves {
        let mut pending: Vec<String> = h
            .pending
            .values()
            .map(|r| format!("{} {} {}", r.node, r.method.keyword(), r.resource))
            .collect();
        pending.sort();
        assert_eq!(&pending, planned);
        let runs: Vec<_> = h.pending.keys().copied().collect();
        for run in runs {
            h.complete(run, rgm_core::engine::MethodResult::exited(0, 1));
        }
    }
    assert!(h.pending.is_empty());
    h.ok(id);
    assert_eq!(h.group_state("rg", "n2"), RgState::Online);
}

#[test]
fn a_refused_request_plans_no_method() {
    let mut h = two_resources_online();
    let plan = h.engine.plan_request(switch_request("rg", "n9"), h.now);
    assert!(!plan.accepted);
    assert!(plan.waves.is_empty());
    assert!(plan.code.is_some());
    assert!(
        plan.messages.iter().any(|m| m.contains("n9")),
        "{:?}",
        plan.messages
    );
    // The engine is as it was: a real request still works.
    let id = h.request(switch_request("rg", "n2"));
    h.succeed_all();
    h.ok(id);
}

#[test]
fn a_planned_configuration_change_runs_validate_and_stores_nothing() {
    let h = two_resources_online();
    let config = h.engine.config().clone();
    let plan = h.engine.plan_request(
        AdminRequest::UpdateResource {
            resources: Operands::named(&["a"]),
            edits: rgm_core::testkit::edits(&["Retry_count=5"]),
        },
        h.now,
    );
    assert!(plan.accepted, "{:?}", plan.messages);
    assert_eq!(h.engine.config(), &config);
    let methods: Vec<Method> = plan.waves.iter().flatten().map(|r| r.method).collect();
    assert!(methods.contains(&Method::Validate), "{methods:?}");
}
