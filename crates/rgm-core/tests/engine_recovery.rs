//! A restarted daemon takes over from its snapshot: started resources are trusted, a start
//! caught half-way is stopped and started again, a stop caught half-way is finished
//! (docs/recovery.md).

mod common;

use common::*;
use rgm_core::engine::{Engine, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn restored(h: &Harness) -> Harness {
    let engine = Engine::restore(h.engine.config().clone(), h.engine.snapshot());
    let mut r = Harness::with_engine(engine);
    r.now = h.now;
    r.join("n1");
    r
}

fn one_group() -> Harness {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    started(cfg, &["n1"])
}

#[test]
fn started_resources_are_not_started_twice() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let mut r = restored(&h);
    // BOOT runs on the joining node (the type has BOOT), nothing else.
    r.succeed_all();
    assert!(r.trace().iter().all(|t| t.2 == "BOOT"), "{:?}", r.trace());
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.state("app", "n1"), RState::Online);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn a_start_caught_half_way_is_stopped_then_started_again() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    h.finish("app", Method::PrenetStart, "n1", 0);
    assert!(h.find("db", Method::Start, "n1").is_some());
    // The daemon dies here: db's START may or may not have happened.
    let mut r = restored(&h);
    r.succeed_all();
    let t = r.trace_on("n1");
    let pos = |s: &str| {
        t.iter()
            .position(|x| x == s)
            .unwrap_or_else(|| panic!("{s}: {t:?}"))
    };
    assert!(pos("db:STOP") < pos("db:POSTNET_STOP"));
    assert!(pos("db:POSTNET_STOP") < pos("db:START"));
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.state("app", "n1"), RState::Online);
}

#[test]
fn a_stop_caught_half_way_is_finished() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.succeed_all();
    offline(&mut h, &["rg1"]);
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    let mut r = restored(&h);
    r.succeed_all();
    assert_eq!(r.state("db", "n1"), RState::Offline);
    assert_eq!(r.state("app", "n1"), RState::Offline);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Offline);
    assert!(r.trace_on("n1").contains(&"app:STOP".to_string()));
    assert!(!r.trace_on("n1").iter().any(|t| t.ends_with(":START")));
}

#[test]
fn state_is_persisted_before_methods_are_launched() {
    let mut h = one_group();
    let id = h.request(rgm_core::engine::AdminRequest::Online {
        groups: rgm_core::engine::Operands::named(&["rg1"]),
        nodes: None,
        enable: false,
        monitor: false,
        manage: false,
    });
    let _ = id;
    let actions = h.event(rgm_core::engine::EventKind::MethodFinished {
        run: h.find("db", Method::PrenetStart, "n1").unwrap(),
        result: rgm_core::engine::MethodResult::exited(0, 1),
    });
    let persist = actions
        .iter()
        .position(|a| matches!(a, rgm_core::engine::Action::PersistState));
    let run = actions
        .iter()
        .position(|a| matches!(a, rgm_core::engine::Action::RunMethod(_)));
    assert!(
        persist.is_some() && run.is_some() && persist < run,
        "{actions:#?}"
    );
}
