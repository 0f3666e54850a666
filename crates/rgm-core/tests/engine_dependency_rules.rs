//! Issue 9, rules 1, 2 and 6 (r_properties(5), Resource_dependencies: "If this resource is
//! brought offline at the same time as those in the list, this resource stops before those in
//! the list. However, if this resource remains online or fails to stop, a resource in the list
//! stops anyway."): what a dependency going down does to its dependents, what a dependent does
//! to its dependency's stop, and nothing left STARTING in a settled group.

mod common;

use common::*;
use rgm_core::engine::{MethodResult, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// Where `method` of `resource` on `node` is in a trace.
fn at(t: &[(String, String, String)], node: &str, resource: &str, method: &str) -> usize {
    t.iter()
        .position(|x| x.0 == node && x.1 == resource && x.2 == method)
        .unwrap_or_else(|| panic!("{resource}:{method} on {node} missing: {t:?}"))
}

/// dbg (Nodelist n1, n3) holds db; appg (n2) holds app with `kind=db{ANY_NODE}`.
fn across_nodes(kind: &str) -> Harness {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "dbg", &["Nodelist=n1,n3"]);
    group(&mut cfg, "appg", &["Nodelist=n2"]);
    full(&mut cfg, "db", "dbg", &[]);
    full(
        &mut cfg,
        "app",
        "appg",
        &[&format!("{kind}=db{{ANY_NODE}}")],
    );
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["dbg"]);
    h.succeed_all();
    online(&mut h, &["appg"]);
    h.succeed_all();
    assert_eq!(h.state("app", "n2"), RState::Online);
    h.clear_trace();
    h
}

#[test]
fn rule1_a_strong_dependent_is_not_stopped_when_what_it_depends_on_switches() {
    let mut h = across_nodes("Resource_dependencies");
    let id = switch(&mut h, "dbg", "n3");
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("db", "n3"), RState::Online);
    assert!(
        h.trace_on("n2").is_empty(),
        "app was touched: {:?}",
        h.trace()
    );
    assert_eq!(h.state("app", "n2"), RState::Online);
}

#[test]
fn rule1_a_weak_dependent_is_not_stopped_when_what_it_depends_on_goes_offline() {
    let mut h = across_nodes("Resource_dependencies_weak");
    let id = offline(&mut h, &["dbg"]);
    h.succeed_all();
    h.ok(id);
    assert!(h.trace_on("n2").is_empty(), "{:?}", h.trace());
    assert_eq!(h.state("app", "n2"), RState::Online);
}

#[test]
fn rule1_an_offline_restart_dependent_stops_when_its_dependency_goes_offline_and_starts_when_it_is_back()
 {
    let mut h = across_nodes("Resource_dependencies_offline_restart");
    let id = switch(&mut h, "dbg", "n3");
    h.succeed_all();
    h.ok(id);
    let t = h.trace();
    let pos = |n: &str, r: &str, m: &str| at(&t, n, r, m);
    assert!(pos("n2", "app", "STOP") < pos("n1", "db", "STOP"));
    assert!(pos("n3", "db", "START") < pos("n2", "app", "START"));
    assert_eq!(h.state("app", "n2"), RState::Online);
}

#[test]
fn rule1_a_restart_dependent_is_left_running_while_its_dependency_moves_and_restarted_once_it_is_back()
 {
    let mut h = across_nodes("Resource_dependencies_restart");
    let id = switch(&mut h, "dbg", "n3");
    h.succeed_all();
    h.ok(id);
    let t = h.trace();
    let pos = |n: &str, r: &str, m: &str| at(&t, n, r, m);
    // db went down on n1 while app ran; app is restarted after db is up on n3.
    assert!(pos("n1", "db", "STOP") < pos("n3", "db", "START"));
    assert!(pos("n3", "db", "START") < pos("n2", "app", "STOP"));
    assert!(pos("n2", "app", "STOP") < pos("n2", "app", "START"));
    assert_eq!(
        h.trace_on("n2"),
        vec![
            "app:MONITOR_STOP",
            "app:STOP",
            "app:START",
            "app:MONITOR_START"
        ]
    );
    assert_eq!(h.state("app", "n2"), RState::Online);
}

#[test]
fn rule2_a_dependent_that_fails_to_stop_does_not_keep_its_dependency_running() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let id = offline(&mut h, &["rg1"]);
    h.run_until_idle(|m| {
        let fail = m.resource == "app" && m.method == Method::Stop;
        MethodResult::exited(i32::from(fail), 10)
    });
    assert_eq!(h.state("app", "n1"), RState::StopFailed);
    // db stops anyway, with every stop method, once app has failed to stop.
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(pos("app:STOP") < pos("db:STOP"), "{t:?}");
    assert!(t.contains(&"db:POSTNET_STOP".to_string()), "{t:?}");
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.group_state("rg1", "n1"), RgState::ErrorStopFailed);
    assert!(h.err(id).messages[0].contains("app is STOP_FAILED"));
}

#[test]
fn rule2_a_dependent_that_stays_online_does_not_keep_its_dependency_running() {
    // Across groups: a switch of db's group ends, app stays online on n2.
    let mut h = across_nodes("Resource_dependencies");
    let id = offline(&mut h, &["dbg"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.state("app", "n2"), RState::Online);
    // When both go offline together, the dependent stops first.
    online(&mut h, &["dbg"]);
    h.succeed_all();
    h.clear_trace();
    let id = offline(&mut h, &["dbg", "appg"]);
    h.succeed_all();
    h.ok(id);
    let t = h.trace();
    let app = t
        .iter()
        .position(|x| x.1 == "app" && x.2 == "STOP")
        .unwrap();
    let db = t.iter().position(|x| x.1 == "db" && x.2 == "STOP").unwrap();
    assert!(app < db, "{t:?}");
}

#[test]
fn rule6_a_strong_dependent_of_a_failed_start_goes_back_offline() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["rg1"]);
    h.run_until_idle(|m| {
        let fail = m.resource == "db" && m.method == Method::Start;
        MethodResult::exited(i32::from(fail), 10)
    });
    // app's PRENET_START is undone by its POSTNET_STOP; nothing is left STARTING.
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(pos("app:PRENET_START") < pos("app:POSTNET_STOP"), "{t:?}");
    assert!(!t.contains(&"app:START".to_string()), "{t:?}");
    assert_eq!(h.state("app", "n1"), RState::Offline);
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    h.err(id);
    // It does not start PRENET_START again by itself.
    assert!(h.pending.is_empty());
}
