//! Bringing groups online and offline: method order, parallelism, states and replies
//! (reference §d.4).

mod common;

use common::*;
use rgm_core::engine::{RState, RgState};
use rtreg::Method;

/// db <- app <- web, all in one group.
fn three_tier(nodes: &[&str]) -> rgm_core::testkit::Harness {
    let mut cfg = cluster(nodes);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    full(&mut cfg, "web", "rg1", &["Resource_dependencies=app"]);
    started(cfg, nodes)
}

#[test]
fn online_runs_prenet_start_then_start_then_monitor_in_dependency_order() {
    let mut h = three_tier(&["n1"]);
    let id = online(&mut h, &["rg1"]);
    assert_eq!(h.group_state("rg1", "n1"), RgState::PendingOnline);
    // Only db may PRENET_START first: app and web wait for the resources they depend on.
    assert_eq!(h.pending_list(), ["db:PRENET_START@n1"]);
    h.succeed_all();
    assert_eq!(
        h.trace_on("n1"),
        [
            "db:PRENET_START",
            "app:PRENET_START",
            "web:PRENET_START",
            "db:START",
            "db:MONITOR_START",
            "app:START",
            "app:MONITOR_START",
            "web:START",
            "web:MONITOR_START",
        ]
    );
    for r in ["db", "app", "web"] {
        assert_eq!(h.state(r, "n1"), RState::Online);
    }
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
    h.ok(id);
}

#[test]
fn offline_stops_monitors_then_dependents_first_then_postnet_stop() {
    let mut h = three_tier(&["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    h.clear_trace();
    let id = offline(&mut h, &["rg1"]);
    // Every monitor may stop at once.
    assert_eq!(
        h.pending_set(),
        ["app:MONITOR_STOP", "db:MONITOR_STOP", "web:MONITOR_STOP"]
            .map(String::from)
            .into()
    );
    h.succeed_all();
    assert_eq!(
        &h.trace_on("n1")[3..],
        [
            "web:STOP",
            "app:STOP",
            "db:STOP",
            "web:POSTNET_STOP",
            "app:POSTNET_STOP",
            "db:POSTNET_STOP"
        ]
    );
    assert_eq!(h.group_state("rg1", "n1"), RgState::Offline);
    for r in ["db", "app", "web"] {
        assert_eq!(h.state(r, "n1"), RState::Offline);
    }
    h.ok(id);
}

#[test]
fn independent_resources_run_in_parallel() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    for r in ["a", "b", "c"] {
        full(&mut cfg, r, "rg1", &[]);
    }
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    assert_eq!(h.pending.len(), 3, "{:?}", h.pending_list());
    for r in ["a", "b", "c"] {
        h.finish(r, Method::PrenetStart, "n1", 0);
    }
    // START waits for every PRENET_START of the group, then all go together.
    assert_eq!(
        h.pending_set(),
        ["a:START", "b:START", "c:START"].map(String::from).into()
    );
}

#[test]
fn start_waits_for_every_prenet_start_of_the_group() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "a", "rg1", &[]);
    full(&mut cfg, "b", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.finish("a", Method::PrenetStart, "n1", 0);
    assert_eq!(
        h.pending_list(),
        ["b:PRENET_START@n1"],
        "a's START must wait for b's PRENET_START"
    );
    h.finish("b", Method::PrenetStart, "n1", 0);
    assert_eq!(
        h.pending_set(),
        ["a:START", "b:START"].map(String::from).into()
    );
}

#[test]
fn the_cluster_log_brackets_every_method_and_states() {
    let mut h = three_tier(&["n1"]);
    online(&mut h, &["rg1"]);
    let run = h.find("db", Method::PrenetStart, "n1").unwrap();
    h.advance_ms(20_000);
    h.complete(run, rgm_core::engine::MethodResult::exited(0, 20_000));
    let texts = h.log_texts();
    let has = |s: &str| texts.iter().any(|t| t == s);
    assert!(
        has(
            "launching method <full_prenet_start> for resource <db>, resource group <rg1>, node <n1>, timeout <3600> seconds"
        ),
        "{texts:#?}"
    );
    assert!(
        has(
            "method <full_prenet_start> completed successfully for resource <db>, resource group <rg1>, node <n1>, time used: 0% of timeout <3600 seconds>"
        ),
        "{texts:#?}"
    );
    assert!(has(
        "resource group rg1 state on node n1 change to RG_PENDING_ONLINE"
    ));
    assert!(has(
        "resource db state on node n1 change to R_PRENET_STARTING"
    ));
    assert!(has(
        "resource db state on node n1 change to R_PRENET_STARTED"
    ));
    // START's timeout is 100 s: 50 s is 50%.
    h.finish("app", Method::PrenetStart, "n1", 0);
    h.finish("web", Method::PrenetStart, "n1", 0);
    let run = h.find("db", Method::Start, "n1").unwrap();
    h.complete(run, rgm_core::engine::MethodResult::exited(0, 50_000));
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.ends_with("time used: 50% of timeout <100 seconds>"))
    );
}
