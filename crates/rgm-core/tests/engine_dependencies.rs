//! Dependencies between resources and groups at run time: cross-group blocking, restart and
//! offline_restart propagation, weak ordering, recursive enable/disable, RG_dependencies.

mod common;

use common::*;
use rgm_core::ErrorCode;
use rgm_core::engine::{AdminRequest, ControlTag, Operands, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn disable(h: &mut Harness, r: &[&str], recursive: bool) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::Disable {
        resources: Operands::named(r),
        nodes: None,
        recursive,
    })
}

fn enable(h: &mut Harness, r: &[&str], recursive: bool) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::Enable {
        resources: Operands::named(r),
        nodes: None,
        recursive,
    })
}

#[test]
fn a_cross_group_strong_dependency_blocks_until_it_is_online() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "dbg", &[]);
    group(&mut cfg, "appg", &[]);
    full(&mut cfg, "db", "dbg", &[]);
    full(&mut cfg, "app", "appg", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["appg"]);
    h.succeed_all();
    assert_eq!(h.group_state("appg", "n1"), RgState::PendingOnlineBlocked);
    assert_eq!(h.state("app", "n1"), RState::Offline);
    assert!(h.log_texts().iter().any(|t| t
        == "resource group appg is blocked on node n1: resource app depends on db, which is not online and is not coming online"));
    assert!(
        h.err(id).messages[0].contains("PENDING_ONLINE_BLOCKED"),
        "{:?}",
        h.err(id)
    );
    // Once db is online, the blocked group goes on by itself.
    let id = online(&mut h, &["dbg"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("app", "n1"), RState::Online);
    assert_eq!(h.group_state("appg", "n1"), RgState::Online);
    let trace = h.trace_on("n1");
    let db_up = trace.iter().position(|t| t == "db:START").unwrap();
    let app_prenet = trace.iter().position(|t| t == "app:PRENET_START").unwrap();
    assert!(
        db_up < app_prenet,
        "a cross-group dependent waits for START too: {trace:?}"
    );
}

/// fs <-restart- db <-strong- app, db <-offline_restart- cache.
fn chain() -> Harness {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "fs", "rg1", &[]);
    full(&mut cfg, "db", "rg1", &["Resource_dependencies_restart=fs"]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    full(
        &mut cfg,
        "cache",
        "rg1",
        &["Resource_dependencies_offline_restart=db"],
    );
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    h.clear_trace();
    h
}

#[test]
fn a_restart_restarts_restart_dependents_after_it_and_leaves_strong_ones_running() {
    let mut h = chain();
    let id = h.control(ControlTag::ResourceRestart, "rg1", "fs", "n1");
    h.succeed_all();
    h.ok(id);
    let t = h.trace_on("n1");
    let pos = |s: &str| {
        t.iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s} missing from {t:?}"))
    };
    // db (restart dependency) and cache (offline_restart on db) go down before fs stops,
    // and come back after fs is up again.
    assert!(pos("db:STOP") < pos("fs:STOP"));
    assert!(pos("cache:STOP") < pos("db:STOP"));
    assert!(pos("fs:START") < pos("db:START"));
    assert!(pos("db:START") < pos("cache:START"));
    // app only strongly depends on db: not restarted.
    assert!(!t.iter().any(|x| x.starts_with("app:")), "{t:?}");
    for r in ["fs", "db", "app", "cache"] {
        assert_eq!(h.state(r, "n1"), RState::Online, "{r}");
    }
    assert_eq!(h.engine.num_resource_restarts("fs", "n1", h.now), 1);
}

#[test]
fn disabling_needs_dependents_down_first_or_recursion() {
    let mut h = chain();
    let id = disable(&mut h, &["db"], false);
    let e = h.err(id);
    assert_eq!(e.code, ErrorCode::Depend);
    assert_eq!(
        e.messages,
        ["app, cache depend(s) on db and are online; disable them too or use -r"]
    );
    let id = disable(&mut h, &["db"], true);
    h.succeed_all();
    h.ok(id);
    for r in ["db", "app", "cache"] {
        assert_eq!(h.state(r, "n1"), RState::Offline, "{r}");
    }
    assert_eq!(h.state("fs", "n1"), RState::Online);
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(pos("app:STOP") < pos("db:STOP") && pos("cache:STOP") < pos("db:STOP"));
    // Enabling app alone is refused while db is disabled; -r enables db too.
    let id = enable(&mut h, &["app"], false);
    assert!(h.err(id).messages[0].contains("depends on db, which is disabled"));
    let id = enable(&mut h, &["app"], true);
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("app", "n1"), RState::Online);
    assert_eq!(h.state("db", "n1"), RState::Online);
    // cache is still disabled.
    assert_eq!(h.state("cache", "n1"), RState::Offline);
}

#[test]
fn weak_dependents_start_even_if_what_they_depend_on_fails() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies_weak=db"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    h.finish("app", Method::PrenetStart, "n1", 0);
    // Both starting: the weak dependent waits for db's START.
    assert_eq!(h.pending_list(), ["db:START@n1"]);
    h.finish("db", Method::Start, "n1", 1);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    assert_eq!(h.state("app", "n1"), RState::Online);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
}

#[test]
fn rg_dependencies_order_starts_and_stops_and_rule_4() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "base", &[]);
    group(&mut cfg, "top", &["RG_dependencies=base"]);
    full(&mut cfg, "b", "base", &[]);
    full(&mut cfg, "t", "top", &[]);
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["top"]);
    assert!(
        h.err(id).messages[0]
            .contains("depends on resource group base (RG_dependencies), which is offline")
    );
    let id = online(&mut h, &["top", "base"]);
    h.succeed_all();
    h.ok(id);
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(
        pos("b:MONITOR_START") < pos("t:PRENET_START"),
        "rule 2: {t:?}"
    );
    h.clear_trace();
    let id = offline(&mut h, &["base"]);
    assert!(h.err(id).messages[0].contains("resource group top depends on resource group base"));
    let id = offline(&mut h, &["base", "top"]);
    h.succeed_all();
    h.ok(id);
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
    assert!(pos("t:POSTNET_STOP") < pos("b:STOP"), "rule 3: {t:?}");
}
