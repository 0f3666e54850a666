//! Behaviours the simulator (crates/rgm-sim) caught the engine getting wrong, each pinned
//! with the smallest case that shows it.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, ControlTag, MethodResult, Operands, RState};
use rgm_core::testkit::{Harness, edits, must};
use rgm_core::{Change, NothingRunning};
use rtreg::Method;

/// Contradictory strong affinities are refused by the model...
#[test]
fn cycles_through_strong_affinities_are_refused() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "ga", &[]);
    group(&mut cfg, "gb", &["RG_affinities=--ga"]);
    let err = cfg
        .apply(
            &Change::UpdateGroup {
                name: "ga".into(),
                edits: edits(&["RG_affinities=++gb"]),
            },
            &NothingRunning,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource group ga: would make a dependency cycle: ga -> gb -> ga"
    );
    group(&mut cfg, "gc", &["RG_affinities=--gb"]);
    let err = cfg
        .apply(
            &Change::UpdateGroup {
                name: "ga".into(),
                edits: edits(&["RG_affinities=--gc"]),
            },
            &NothingRunning,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("would make a dependency cycle"),
        "{err}"
    );
}

/// ... and if such a configuration reaches the engine anyway (a hand-edited store, which rgmd
/// refuses to load: `ClusterConfig::check`), each event still returns.
#[test]
fn chasing_affinities_cannot_make_the_engine_loop() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "ga", &[]);
    group(&mut cfg, "gb", &[]);
    full(&mut cfg, "a", "ga", &[]);
    full(&mut cfg, "b", "gb", &[]);
    // Written past the model's checks, as a hand-edited store could be.
    cfg.groups.get_mut("ga").unwrap().properties.insert(
        "RG_affinities".into(),
        rtreg::Value::Array(vec!["++gb".into()]),
    );
    cfg.groups.get_mut("gb").unwrap().properties.insert(
        "RG_affinities".into(),
        rtreg::Value::Array(vec!["--ga".into()]),
    );
    assert!(
        cfg.check()
            .unwrap_err()
            .to_string()
            .contains("would make a dependency cycle")
    );
    let mut h = Harness::new(cfg);
    h.join("n1");
    for _ in 0..20 {
        let Some(&run) = h.pending.keys().next() else {
            break;
        };
        h.complete(run, MethodResult::exited(0, 1));
    }
    assert!(
        h.log_texts().iter().any(|t| t.contains("does not settle")),
        "{:#?}",
        h.log_texts()
    );
}

/// A START_FAILED dependent is stopped (cleanup) before what it depends on.
#[test]
fn a_failed_dependent_is_stopped_before_what_it_depends_on() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(
        &mut cfg,
        "app",
        "rg1",
        &["Resource_dependencies=db", "Failover_mode=SOFT"],
    );
    let mut h = started(cfg, &["n1", "n2"]);
    online_on(&mut h, "rg1", "n1");
    h.run_until_idle(|m| {
        MethodResult::exited(
            i32::from(m.resource == "app" && m.method == Method::Start && m.node == "n1"),
            10,
        )
    });
    let t = h.trace_on("n1");
    let pos = |s: &str| {
        t.iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s}: {t:?}"))
    };
    assert!(pos("app:STOP") < pos("db:STOP"), "{t:?}");
    assert_eq!(h.state("app", "n2"), RState::Online);
}

/// A scalable group becomes active on no more nodes than Maximum_primaries, even for a moment.
#[test]
fn a_scalable_group_never_overlaps_beyond_maximum_primaries() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    must(
        &mut cfg,
        Change::CreateGroup {
            name: "web".into(),
            scalable: true,
            edits: edits(&["Maximum_primaries=2", "Desired_primaries=2"]),
        },
    );
    must(
        &mut cfg,
        Change::SetManaged {
            group: "web".into(),
            managed: true,
        },
    );
    full(&mut cfg, "w", "web", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["web"]);
    h.succeed_all();
    h.clear_trace();
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["web"]),
        nodes: vec!["n2".into(), "n3".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    // n1 is still stopping: nothing may start on n3 yet (n1 and n2 are two active nodes).
    h.finish("w", Method::MonitorStop, "n1", 0);
    assert!(
        h.find("w", Method::PrenetStart, "n3").is_none(),
        "{:?}",
        h.pending_list()
    );
    h.succeed_all();
    h.ok(id);
    assert!(h.trace_on("n3").contains(&"w:START".to_string()));
}

/// A dependent does not start while what it depends on is being restarted.
#[test]
fn a_dependent_waits_while_its_dependency_restarts() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    h.request(AdminRequest::Disable {
        resources: Operands::named(&["app"]),
        nodes: None,
        recursive: false,
    });
    online(&mut h, &["rg1"]);
    h.succeed_all();
    h.control(ControlTag::ResourceRestart, "rg1", "db", "n1");
    assert!(h.find("db", Method::MonitorStop, "n1").is_some());
    // app is enabled while db is going down for its restart: app waits for db to be back.
    h.request(AdminRequest::Enable {
        resources: Operands::named(&["app"]),
        nodes: None,
        recursive: false,
    });
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::Stop, "n1", 0);
    if h.find("app", Method::PrenetStart, "n1").is_some() {
        h.finish("app", Method::PrenetStart, "n1", 0);
    }
    assert!(
        h.find("app", Method::Start, "n1").is_none(),
        "{:?}",
        h.pending_list()
    );
    h.succeed_all();
    let t = h.trace_on("n1");
    let start_db = t.iter().rposition(|x| x == "db:START").unwrap();
    let start_app = t.iter().position(|x| x == "app:START").unwrap();
    assert!(start_db < start_app, "{t:?}");
}

/// A restart is refused where the resource is going offline.
#[test]
fn no_restart_for_a_resource_on_its_way_down() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    offline(&mut h, &["rg1"]);
    let id = h.control(ControlTag::ResourceRestart, "rg1", "db", "n1");
    assert_eq!(h.err(id).code, rgm_core::ErrorCode::State);
}

/// A member of a group leaving a node while its start method runs — and then failing — is
/// stopped (its cleanup STOP) before the group's POSTNET_STOPs run, as every STOP of the group
/// is (seed 2286).
#[test]
fn postnet_stop_waits_for_the_cleanup_stop_of_a_failed_member() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "ip", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=ip"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.finish("ip", Method::PrenetStart, "n1", 0);
    offline(&mut h, &["rg1"]);
    assert!(h.find("ip", Method::PostnetStop, "n1").is_none());
    h.finish("app", Method::PrenetStart, "n1", 1);
    h.succeed_all();
    let t = h.trace_on("n1");
    let pos = |s: &str| t.iter().position(|x| x == s).unwrap_or(usize::MAX);
    assert!(pos("app:STOP") < pos("ip:POSTNET_STOP"), "{t:?}");
    assert_eq!(h.state("ip", "n1"), RState::Offline);
}
