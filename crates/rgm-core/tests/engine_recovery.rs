//! A restarted daemon takes over from its snapshot (docs/recovery.md, "What the engine does"):
//! one test per row of the table — every state a resource can be in when rgmd dies, and every
//! method that can be in flight. Runs in flight stay in flight with their ids until the new
//! daemon reports how they ended; a result that cannot be known (`MethodOutcome::Unknown`)
//! never skips a step.

mod common;

use common::*;
use rgm_core::engine::{
    Action, AdminRequest, Bounce, ControlTag, Engine, EventKind, MethodResult, Operands, RState,
    RgState, Snapshot, Time,
};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// rg1 on n1 (and n2, which stays out of it): db, and app depending on db.
fn one_group() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    started(cfg, &["n1", "n2"])
}

fn online_everything() -> Harness {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.succeed_all();
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
    h
}

/// rgmd dies and restarts on the same boot: the new engine, after its first event (this
/// node rejoining, as the daemon says first). A member rejoining runs no BOOT.
fn crash(h: &Harness) -> Harness {
    let mut r = h.restarted();
    r.join("n1");
    r.join("n2");
    assert!(
        !r.trace().iter().any(|t| t.2 == "BOOT"),
        "BOOT ran again: {:?}",
        r.trace()
    );
    r
}

fn pos(t: &[String], s: &str) -> usize {
    t.iter()
        .position(|x| x == s)
        .unwrap_or_else(|| panic!("{s} not in {t:?}"))
}

fn starts(t: &[String], resource: &str) -> usize {
    t.iter()
        .filter(|x| *x == &format!("{resource}:START"))
        .count()
}

// ----- resources at rest -----

#[test]
fn offline_resources_stay_offline() {
    let h = one_group();
    let mut r = crash(&h);
    r.succeed_all();
    assert!(r.trace_on("n1").is_empty(), "{:?}", r.trace_on("n1"));
    assert_eq!(r.state("db", "n1"), RState::Offline);
}

#[test]
fn started_resources_are_left_alone_and_no_boot_runs() {
    let h = online_everything();
    let mut r = crash(&h);
    r.succeed_all();
    assert!(r.trace().is_empty(), "{:?}", r.trace());
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.state("app", "n1"), RState::Online);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn start_failed_and_stop_failed_stay_so() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    h.finish("app", Method::PrenetStart, "n1", 0);
    h.finish("db", Method::Start, "n1", 1);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::StartFailed);
    let mut r = crash(&h);
    r.succeed_all();
    assert_eq!(r.state("db", "n1"), RState::StartFailed);
    assert!(!r.trace_on("n1").iter().any(|t| t.ends_with(":START")));

    let mut h = online_everything();
    offline(&mut h, &["rg1"]);
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("app", Method::Stop, "n1", 1);
    h.succeed_all();
    assert_eq!(h.state("app", "n1"), RState::StopFailed);
    let mut r = crash(&h);
    r.succeed_all();
    assert_eq!(r.state("app", "n1"), RState::StopFailed);
    assert!(!r.trace_on("n1").contains(&"app:STOP".to_string()));
}

#[test]
fn prenet_started_and_stopped_carry_on_with_the_next_step() {
    // PRENET_STARTED (no run): START comes next.
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    assert_eq!(h.state("db", "n1"), RState::PrenetStarted);
    // app's PRENET_START is in flight too; it ends well.
    let mut r = crash(&h);
    r.finish("app", Method::PrenetStart, "n1", 0);
    r.succeed_all();
    let t = r.trace_on("n1");
    assert_eq!(starts(&t, "db"), 1);
    assert!(!t.contains(&"db:PRENET_START".to_string()));
    assert_eq!(r.state("db", "n1"), RState::Online);

    // STOPPED (no run): POSTNET_STOP comes next.
    let mut h = online_everything();
    offline(&mut h, &["rg1"]);
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("app", Method::Stop, "n1", 0);
    assert_eq!(h.state("app", "n1"), RState::Stopped);
    let mut r = crash(&h);
    // db's STOP was launched as app's ended; app's POSTNET_STOP waits for it.
    assert!(r.find("app", Method::PostnetStop, "n1").is_none());
    r.finish("db", Method::Stop, "n1", 0);
    r.succeed_all();
    assert_eq!(
        r.trace_on("n1"),
        vec!["app:POSTNET_STOP", "db:POSTNET_STOP"]
    );
    assert_eq!(r.group_state("rg1", "n1"), RgState::Offline);
}

// ----- a method in flight -----

#[test]
fn a_run_in_flight_keeps_its_id_and_its_resource_stays_busy() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    let run = h.find("db", Method::PrenetStart, "n1").unwrap();
    let mut r = h.restarted();
    let actions = r.event(EventKind::NodeJoined { node: "n1".into() });
    assert!(r.engine.running().iter().any(|x| x.0 == run));
    assert_eq!(r.state("db", "n1"), RState::PrenetStarting);
    // Its lost-result timer is armed again, no earlier than grace + margin from now.
    let armed: Vec<Time> = actions
        .iter()
        .filter_map(|a| match a {
            Action::ArmTimer { at, .. } => Some(*at),
            _ => None,
        })
        .collect();
    assert!(!armed.is_empty(), "{actions:?}");
    assert!(armed.iter().all(|at| *at >= r.now.plus_secs(40)));
    // Nothing else of db runs while it is in flight.
    assert!(r.find("db", Method::PrenetStart, "n1").is_some());
    assert_eq!(r.trace_on("n1"), Vec::<String>::new());
}

#[test]
fn prenet_start_with_a_known_result_goes_on() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    let mut r = crash(&h);
    r.finish("db", Method::PrenetStart, "n1", 0);
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(!t.contains(&"db:POSTNET_STOP".to_string()), "{t:?}");
    assert_eq!(r.state("db", "n1"), RState::Online);
}

#[test]
fn prenet_start_unknown_runs_postnet_stop_then_starts_again() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    let mut r = crash(&h);
    r.unknown("db", Method::PrenetStart, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(
        pos(&t, "db:POSTNET_STOP") < pos(&t, "db:PRENET_START"),
        "{t:?}"
    );
    assert_eq!(starts(&t, "db"), 1);
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.state("app", "n1"), RState::Online);
}

/// rg1 coming online with db's START in flight.
fn start_in_flight() -> Harness {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    h.finish("db", Method::PrenetStart, "n1", 0);
    h.finish("app", Method::PrenetStart, "n1", 0);
    assert!(h.find("db", Method::Start, "n1").is_some());
    h
}

#[test]
fn start_unknown_runs_the_whole_stop_sequence_then_starts_again() {
    let h = start_in_flight();
    let mut r = crash(&h);
    // Never a second START while the first may still run: nothing until it is reported.
    r.succeed_all_but("db", Method::Start);
    assert_eq!(starts(&r.trace_on("n1"), "db"), 0);
    r.unknown("db", Method::Start, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "db:STOP") < pos(&t, "db:POSTNET_STOP"), "{t:?}");
    assert!(
        pos(&t, "db:POSTNET_STOP") < pos(&t, "db:PRENET_START"),
        "{t:?}"
    );
    assert!(pos(&t, "db:PRENET_START") < pos(&t, "db:START"), "{t:?}");
    assert_eq!(starts(&t, "db"), 1);
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.state("app", "n1"), RState::Online);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn start_with_a_known_result_is_used() {
    let h = start_in_flight();
    let mut r = crash(&h);
    r.finish("db", Method::Start, "n1", 0);
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(!t.contains(&"db:STOP".to_string()), "{t:?}");
    assert_eq!(starts(&t, "db"), 0);
    assert_eq!(r.state("db", "n1"), RState::Online);
}

#[test]
fn start_of_a_resource_restart_unknown_runs_stop_then_start_again() {
    let mut h = online_everything();
    h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("app", Method::Stop, "n1", 0);
    assert!(h.find("app", Method::Start, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("app", Method::Start, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert_eq!(t, vec!["app:STOP", "app:START", "app:MONITOR_START"]);
    assert_eq!(r.state("app", "n1"), RState::Online);
}

#[test]
fn monitor_start_unknown_runs_monitor_start_again() {
    let mut h = start_in_flight();
    h.finish("db", Method::Start, "n1", 0);
    assert!(h.find("db", Method::MonitorStart, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("db", Method::MonitorStart, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert_eq!(
        t.iter().filter(|x| *x == "db:MONITOR_START").count(),
        1,
        "{t:?}"
    );
    assert_eq!(starts(&t, "db"), 0);
    assert_eq!(r.state("db", "n1"), RState::Online);
}

/// rg1 going offline with both monitors stopping.
fn monitor_stop_in_flight() -> Harness {
    let mut h = online_everything();
    offline(&mut h, &["rg1"]);
    assert!(h.find("db", Method::MonitorStop, "n1").is_some());
    h
}

#[test]
fn monitor_stop_unknown_runs_monitor_stop_again() {
    let h = monitor_stop_in_flight();
    let mut r = crash(&h);
    r.unknown("db", Method::MonitorStop, "n1");
    r.unknown("app", Method::MonitorStop, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "db:MONITOR_STOP") < pos(&t, "db:STOP"), "{t:?}");
    assert_eq!(r.group_state("rg1", "n1"), RgState::Offline);
}

#[test]
fn stop_unknown_runs_stop_again() {
    let mut h = monitor_stop_in_flight();
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("app", Method::Stop, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "app:STOP") < pos(&t, "db:STOP"), "{t:?}");
    assert!(!t.iter().any(|x| x.ends_with(":START")), "{t:?}");
    assert_eq!(r.state("app", "n1"), RState::Offline);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Offline);
}

#[test]
fn stop_of_a_group_restart_unknown_runs_stop_again_then_start() {
    let mut h = online_everything();
    let id = h.request(AdminRequest::Restart {
        groups: Operands::named(&["rg1"]),
        nodes: None,
    });
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    assert!(h.reply(id).is_none());
    let mut r = crash(&h);
    r.unknown("app", Method::Stop, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "app:STOP") < pos(&t, "app:START"), "{t:?}");
    assert_eq!(r.state("app", "n1"), RState::Online, "{t:?}");
    assert_eq!(r.state("db", "n1"), RState::Online);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn stop_of_a_resource_restart_unknown_runs_stop_again_then_start() {
    let mut h = online_everything();
    h.control(ControlTag::ResourceRestart, "rg1", "app", "n1");
    h.finish("app", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    let mut r = crash(&h);
    assert_eq!(
        r.engine.resource_bounce("app", "n1"),
        Some(Bounce::Resource)
    );
    r.unknown("app", Method::Stop, "n1");
    r.succeed_all();
    assert_eq!(
        r.trace_on("n1"),
        vec!["app:STOP", "app:START", "app:MONITOR_START"]
    );
    assert_eq!(r.state("app", "n1"), RState::Online);
}

#[test]
fn stop_unknown_while_wanted_again_stops_then_starts() {
    // The group was taken offline, then online again while STOP ran: the STOP may have
    // happened, so it is run again and the resource started after it.
    let mut h = monitor_stop_in_flight();
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    online(&mut h, &["rg1"]);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("app", Method::Stop, "n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "app:STOP") < pos(&t, "app:START"), "{t:?}");
    assert_eq!(r.state("app", "n1"), RState::Online);
}

#[test]
fn postnet_stop_unknown_runs_postnet_stop_again() {
    let mut h = monitor_stop_in_flight();
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    h.finish("app", Method::Stop, "n1", 0);
    h.finish("db", Method::Stop, "n1", 0);
    h.finish("app", Method::PostnetStop, "n1", 0);
    assert!(h.find("db", Method::PostnetStop, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("db", Method::PostnetStop, "n1");
    r.succeed_all();
    assert_eq!(r.trace_on("n1"), vec!["db:POSTNET_STOP"]);
    assert_eq!(r.state("db", "n1"), RState::Offline);
    assert_eq!(r.group_state("rg1", "n1"), RgState::Offline);
}

#[test]
fn a_stop_that_fails_after_the_restart_is_stop_failed() {
    let mut h = monitor_stop_in_flight();
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    let mut r = crash(&h);
    r.finish("app", Method::Stop, "n1", 1);
    r.succeed_all();
    assert_eq!(r.state("app", "n1"), RState::StopFailed);
}

// ----- other methods in flight -----

#[test]
fn boot_unknown_runs_boot_again_before_the_node_masters_anything() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = Harness::new(cfg);
    h.join("n1");
    assert!(h.find("db", Method::Boot, "n1").is_some());
    let mut r = h.restarted();
    r.join("n1");
    assert!(r.trace().is_empty(), "{:?}", r.trace());
    r.unknown("db", Method::Boot, "n1");
    assert_eq!(r.trace_on("n1"), vec!["db:BOOT"]);
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "db:BOOT") < pos(&t, "db:START"), "{t:?}");
    assert_eq!(r.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn a_restored_member_that_dies_and_rejoins_runs_boot() {
    let h = online_everything();
    let mut r = crash(&h);
    r.event(EventKind::NodeDied { node: "n1".into() });
    r.event(EventKind::NodeFenced { node: "n1".into() });
    r.join("n1");
    assert!(
        r.trace_on("n1").contains(&"db:BOOT".to_string()),
        "{:?}",
        r.trace()
    );
}

#[test]
fn init_unknown_runs_init_again() {
    let mut cfg = cluster(&["n1"]);
    rgm_core::testkit::group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    h.request(AdminRequest::Manage {
        groups: Operands::named(&["rg1"]),
    });
    assert!(h.find("db", Method::Init, "n1").is_some());
    let mut r = h.restarted();
    r.join("n1");
    r.unknown("db", Method::Init, "n1");
    assert_eq!(r.trace_on("n1"), vec!["db:INIT"]);
    r.succeed_all();
    assert!(r.engine.config().groups["rg1"].managed);
}

#[test]
fn fini_of_a_change_that_was_not_made_is_undone_by_init() {
    let mut h = one_group();
    h.request(AdminRequest::DeleteResource {
        resources: Operands::named(&["app"]),
        force: true,
    });
    h.succeed_all_but("app", Method::Fini);
    assert!(h.find("app", Method::Fini, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("app", Method::Fini, "n1");
    r.succeed_all();
    assert!(r.engine.config().resources.contains_key("app"));
    assert!(r.trace_on("n1").contains(&"app:INIT".to_string()));
}

#[test]
fn update_unknown_runs_update_again_where_the_resource_is_online() {
    let mut h = online_everything();
    h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["db"]),
        edits: rgm_core::testkit::edits(&["Retry_count=1"]),
    });
    h.succeed_all_but("db", Method::Update);
    assert!(h.find("db", Method::Update, "n1").is_some());
    let mut r = crash(&h);
    r.unknown("db", Method::Update, "n1");
    assert_eq!(r.trace_on("n1"), vec!["db:UPDATE"]);
    r.succeed_all();
}

#[test]
fn validate_of_a_lost_request_changes_nothing() {
    let mut h = one_group();
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["db"]),
        edits: rgm_core::testkit::edits(&["Retry_count=1"]),
    });
    assert!(h.find("db", Method::Validate, "n1").is_some());
    let before = h.engine.config().clone();
    let mut r = crash(&h);
    // The new daemon's first request gets the same id as the lost one: the orphan's result
    // must not reach it.
    let again = online(&mut r, &["rg1"]);
    assert_eq!(again, id);
    r.finish("db", Method::Validate, "n1", 1);
    r.succeed_all();
    r.ok(again);
    assert_eq!(r.engine.config(), &before);
    assert!(!r.trace_on("n1").contains(&"db:UPDATE".to_string()));
}

#[test]
fn a_fence_owed_when_rgmd_died_is_asked_for_again() {
    let mut h = online_everything();
    h.event(EventKind::NodeDied { node: "n2".into() });
    assert_eq!(h.fenced, vec!["n2".to_string()]);
    let mut r = h.restarted();
    let actions = r.event(EventKind::NodeJoined { node: "n1".into() });
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::FenceNode { node, .. } if node == "n2")),
        "{actions:?}"
    );
    assert!(!r.engine.node_up("n2"));
}

// ----- older state files -----

#[test]
fn a_state_file_without_runs_redoes_the_step_in_flight() {
    // Written by an rgm that kept no runs: db was starting, app was stopping.
    let h = start_in_flight();
    let mut snapshot: Snapshot = h.engine.snapshot();
    snapshot.runs.clear();
    snapshot.next_run = 0;
    let mut r = Harness::with_engine(Engine::restore(h.engine.config().clone(), snapshot));
    r.now = h.now;
    r.join("n1");
    r.succeed_all();
    let t = r.trace_on("n1");
    assert!(pos(&t, "db:STOP") < pos(&t, "db:START"), "{t:?}");
    assert_eq!(r.state("db", "n1"), RState::Online);
}

#[test]
fn state_is_persisted_before_methods_are_launched() {
    let mut h = one_group();
    online(&mut h, &["rg1"]);
    let actions = h.event(EventKind::MethodFinished {
        run: h.find("db", Method::PrenetStart, "n1").unwrap(),
        result: MethodResult::exited(0, 1),
    });
    let persist = actions
        .iter()
        .position(|a| matches!(a, Action::PersistState));
    let run = actions
        .iter()
        .position(|a| matches!(a, Action::RunMethod(_)));
    assert!(
        persist.is_some() && run.is_some() && persist < run,
        "{actions:#?}"
    );
    // The run just launched is among the records to write.
    let changes = h.engine.take_changes();
    let launched = h.find("app", Method::PrenetStart, "n1").unwrap_or_else(|| {
        h.find("db", Method::Start, "n1")
            .expect("a run was launched")
    });
    assert!(changes.runs.contains(&launched));
}
