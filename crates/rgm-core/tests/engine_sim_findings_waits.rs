//! Waits that could last for ever, found by the simulator's **at-rest** and **hang** checks
//! (issue 9), each pinned with the smallest case: nothing may be left STARTING (a PRENET_START
//! done, its START never to come) or not stopped while nothing runs.

mod common;

use common::*;
use rgm_core::engine::{
    AdminRequest, ControlTag, EventKind, MethodResult, Operands, RState, RgState,
};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// Every run succeeds, and nothing is left half started or half stopped.
fn at_rest(h: &mut Harness) {
    h.succeed_all();
    let cfg = h.engine.config().clone();
    for r in cfg.resources.keys() {
        for n in cfg.node_names() {
            let s = h.state(r, &n);
            assert!(
                !matches!(s.public_name(), "STARTING" | "STOPPING"),
                "{r} on {n} is left {s}"
            );
        }
    }
}

#[test]
fn a_start_waiting_for_another_group_does_not_hold_its_groups_starts() {
    // Seed 136: ga's r1 waits for gb's r3, and gb's r4 waits for ga's r1; each group's
    // PRENET barrier waited for the other's member: neither START ever ran.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "ga", &[]);
    group(&mut cfg, "gb", &[]);
    full(&mut cfg, "r1", "ga", &[]);
    full(&mut cfg, "r2", "ga", &[]);
    full(&mut cfg, "r3", "gb", &[]);
    full(&mut cfg, "r4", "gb", &[]);
    rgm_core::testkit::must(
        &mut cfg,
        rgm_core::Change::UpdateResource {
            name: "r1".into(),
            edits: rgm_core::testkit::edits(&["Resource_dependencies=r3"]),
        },
    );
    rgm_core::testkit::must(
        &mut cfg,
        rgm_core::Change::UpdateResource {
            name: "r4".into(),
            edits: rgm_core::testkit::edits(&["Resource_dependencies=r1"]),
        },
    );
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["ga", "gb"]);
    at_rest(&mut h);
    h.ok(id);
    for r in ["r1", "r2", "r3", "r4"] {
        assert_eq!(h.state(r, "n1"), RState::Online, "{r}");
    }
}

#[test]
fn a_member_waiting_on_another_group_through_a_weak_dependency_does_not_hold_the_starts() {
    // Seed 1327 (the midway check): ga's r3 weakly depends on r2, r2 needs gb's r4, r4 needs
    // ga's r1 started. r3 waited for r2's PRENET_START, so it held ga's PRENET barrier: r1
    // was left PRENET_STARTED (STARTING) with nothing running, for ever.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "gb", &["Nodelist=n1"]);
    group(&mut cfg, "ga", &["Nodelist=n1,n2", "RG_affinities=+gb"]);
    full(&mut cfg, "r1", "ga", &[]);
    full(
        &mut cfg,
        "r4",
        "gb",
        &["Resource_dependencies_offline_restart=r1{FROM_RG_AFFINITIES}"],
    );
    full(
        &mut cfg,
        "r2",
        "ga",
        &["Resource_dependencies=r4{ANY_NODE}"],
    );
    full(&mut cfg, "r3", "ga", &["Resource_dependencies_weak=r2"]);
    let mut h = started(cfg, &["n1", "n2"]);
    let id = online(&mut h, &["ga", "gb"]);
    at_rest(&mut h);
    h.ok(id);
    for r in ["r1", "r2", "r3", "r4"] {
        assert_eq!(h.state(r, "n1"), RState::Online, "{r}");
    }
}

#[test]
fn a_group_whose_strong_negative_target_cannot_leave_the_node_is_blocked_not_waiting() {
    // Seed 2280 (the midway check): ga (`--gb`) was placed on n1, where gb was STOP_FAILED
    // and so could never leave; ga waited rather than blocked, so gd's d, which needs a,
    // was left PRENET_STARTED (STARTING) with nothing running.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "gb", &["Nodelist=n1,n2"]);
    group(&mut cfg, "ga", &["Nodelist=n1", "RG_affinities=--gb"]);
    group(&mut cfg, "gd", &["Nodelist=n2"]);
    full(&mut cfg, "b", "gb", &["Failover_mode=NONE"]);
    full(&mut cfg, "a", "ga", &[]);
    full(
        &mut cfg,
        "d",
        "gd",
        &["Resource_dependencies_restart=a{ANY_NODE}"],
    );
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["gb"]);
    h.succeed_all();
    switch(&mut h, "gb", "n2");
    h.finish("b", Method::MonitorStop, "n1", 0);
    h.finish("b", Method::Stop, "n1", 1);
    assert_eq!(h.state("b", "n1"), RState::StopFailed);
    online(&mut h, &["ga", "gd"]);
    at_rest(&mut h);
    assert_eq!(h.group_state("ga", "n1"), RgState::PendingOnlineBlocked);
    assert_eq!(h.state("a", "n1"), RState::Offline);
    assert_eq!(h.state("d", "n2"), RState::Offline);
}

#[test]
fn an_rg_dependency_on_a_group_blocked_on_the_node_blocks_rather_than_waits() {
    // Seed 6913 (the midway check): gd (RG_dependencies=gc) waited for gc, wanted on the
    // node but PENDING_ONLINE_BLOCKED there (its `++` target not coming), so gd's r was left
    // PRENET_STARTED (STARTING) with nothing running.
    // ge is blocked: e needs x, which is offline and not wanted.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gx", &[]);
    group(&mut cfg, "ge", &[]);
    group(&mut cfg, "gc", &["RG_affinities=++ge"]);
    group(&mut cfg, "gd", &["RG_dependencies=gc"]);
    full(&mut cfg, "x", "gx", &[]);
    full(&mut cfg, "e", "ge", &["Resource_dependencies=x"]);
    full(&mut cfg, "c", "gc", &[]);
    full(&mut cfg, "r", "gd", &[]);
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["gd", "gc", "ge"]);
    at_rest(&mut h);
    assert!(h.reply(id).is_some());
    assert_eq!(h.group_state("ge", "n1"), RgState::PendingOnlineBlocked);
    assert_eq!(h.group_state("gc", "n1"), RgState::PendingOnlineBlocked);
    assert_eq!(h.group_state("gd", "n1"), RgState::PendingOnlineBlocked);
    assert_eq!(h.state("r", "n1"), RState::Offline);
}

#[test]
fn a_weak_dependency_waits_only_for_a_start_that_is_running() {
    // Seed 2526: ga's r1 weakly depends on gb's r2; gb depends on ga (RG_dependencies). r2
    // did its PRENET_START while ga was empty-online, then r1 was enabled: r1 waited for r2,
    // r2 waited for ga.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "ga", &[]);
    group(&mut cfg, "gb", &["RG_dependencies=ga"]);
    full(&mut cfg, "r2", "gb", &[]);
    full(&mut cfg, "r1", "ga", &["Resource_dependencies_weak=r2"]);
    let mut h = started(cfg, &["n1"]);
    h.request(AdminRequest::Disable {
        resources: Operands::named(&["r1"]),
        nodes: None,
        recursive: false,
    });
    online(&mut h, &["ga", "gb"]);
    h.finish("r2", Method::PrenetStart, "n1", 0);
    let id = h.request(AdminRequest::Enable {
        resources: Operands::named(&["r1"]),
        nodes: None,
        recursive: false,
    });
    at_rest(&mut h);
    h.ok(id);
    assert_eq!(h.state("r1", "n1"), RState::Online);
    assert_eq!(h.state("r2", "n1"), RState::Online);
}

#[test]
fn a_dependency_stops_after_a_dependent_that_is_in_the_middle_of_its_stop() {
    // Seed 114: app's STOP was running (a switch away, then back); a restart of db must not
    // STOP db until app's STOP has ended.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    h.finish("app", Method::MonitorStop, "n1", 0);
    h.finish("db", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    // Back to n1 before app's STOP ends (n2 becomes unhealthy), then db restarts.
    h.event(EventKind::NodeHealth {
        node: "n2".into(),
        healthy: false,
        reason: "monitor failed".into(),
    });
    h.finish("db", Method::MonitorStart, "n1", 0);
    h.control(ControlTag::ResourceRestart, "rg1", "db", "n1");
    h.finish("db", Method::MonitorStop, "n1", 0);
    assert!(h.find("app", Method::Stop, "n1").is_some());
    assert!(
        h.find("db", Method::Stop, "n1").is_none(),
        "{:?}",
        h.pending_list()
    );
    h.finish("app", Method::Stop, "n1", 0);
    assert!(
        h.find("db", Method::Stop, "n1").is_some(),
        "{:?}",
        h.pending_list()
    );
    at_rest(&mut h);
}

#[test]
fn a_dependent_of_a_resource_that_will_not_come_is_not_prenet_started_again_and_again() {
    // Seed 2017: r6 (restart dependency on r5) did PRENET_START, was undone by POSTNET_STOP
    // because r5 waits for a group that never comes, and did it again for ever.
    let mut cfg = cluster(&["n1"]);
    group(
        &mut cfg,
        "never",
        &["Desired_primaries=0", "Auto_start_on_new_cluster=FALSE"],
    );
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "x", "never", &[]);
    full(
        &mut cfg,
        "r5",
        "rg1",
        &["Resource_dependencies=x{ANY_NODE}"],
    );
    full(&mut cfg, "r6", "rg1", &["Resource_dependencies_restart=r5"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    at_rest(&mut h);
    assert!(
        !h.trace_on("n1").contains(&"r6:PRENET_START".to_string()),
        "{:?}",
        h.trace()
    );
    assert_eq!(h.group_state("rg1", "n1"), RgState::PendingOnlineBlocked);
}

#[test]
fn a_prenet_started_resource_whose_dependency_left_goes_back_offline() {
    // Seed 2382: r4 did PRENET_START while gc's r6 was online; gc went offline: r4 is left
    // OFFLINE (PENDING_ONLINE_BLOCKED), not STARTING.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gc", &[]);
    group(&mut cfg, "gb", &[]);
    full(&mut cfg, "r6", "gc", &[]);
    full(
        &mut cfg,
        "r4",
        "gb",
        &["Resource_dependencies_restart=r6{LOCAL_NODE}"],
    );
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["gc", "gb"]);
    h.succeed_all_but("r4", Method::Start);
    h.request(AdminRequest::Offline {
        groups: Operands::named(&["gc"]),
        nodes: None,
    });
    at_rest(&mut h);
    // (r4's START, launched before, ran; then gc left and r4 follows its restart dependency.)
    assert_eq!(h.group_state("gc", "n1"), RgState::Offline);
}

#[test]
fn a_dependent_in_a_group_held_by_rg_dependencies_rule_3_does_not_hold_the_stop() {
    // Seed 3546: gb's r5 weakly depends on ga's r1, and ga depends on gb (RG_dependencies).
    // Restarting both: r1's STOP waited for r5, r5's for ga (rule 3).
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gb", &[]);
    group(&mut cfg, "ga", &["RG_dependencies=gb"]);
    full(&mut cfg, "r1", "ga", &[]);
    full(&mut cfg, "r5", "gb", &["Resource_dependencies_weak=r1"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["gb", "ga"]);
    h.run_until_idle(|m| {
        let fail = m.resource == "r5" && m.method == Method::PrenetStart;
        MethodResult::exited(i32::from(fail), 1)
    });
    assert_eq!(h.state("r5", "n1"), RState::StartFailed);
    let id = h.request(AdminRequest::Restart {
        groups: Operands::named(&["gb", "ga"]),
        nodes: None,
    });
    at_rest(&mut h);
    assert!(h.reply(id).is_some());
}

#[test]
fn a_group_going_offline_wakes_the_groups_whose_resources_depend_on_it() {
    // Seed 6314: ga went offline; gc's r5 (offline_restart on ga's r1) had to stop first, but
    // gc was never looked at again: r1 waited for ever.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "ga", &["Nodelist=n1"]);
    group(&mut cfg, "gc", &["Nodelist=n2"]);
    full(&mut cfg, "r1", "ga", &[]);
    full(
        &mut cfg,
        "r5",
        "gc",
        &["Resource_dependencies_offline_restart=r1{ANY_NODE}"],
    );
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["ga", "gc"]);
    h.succeed_all();
    let id = offline(&mut h, &["ga"]);
    at_rest(&mut h);
    h.ok(id);
    assert_eq!(h.state("r1", "n1"), RState::Offline);
    assert_eq!(h.state("r5", "n2"), RState::Offline);
}

#[test]
fn a_dependency_that_cannot_start_itself_blocks_rather_than_waits() {
    // Seed 1615: gd's r13 waited for gf's r21, which could never start (the address it needs
    // is disabled): gd stayed PENDING_ONLINE with r11 STARTING.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gf", &[]);
    group(&mut cfg, "gd", &[]);
    full(&mut cfg, "ip", "gf", &[]);
    full(&mut cfg, "r21", "gf", &["Resource_dependencies=ip"]);
    full(
        &mut cfg,
        "r13",
        "gd",
        &["Resource_dependencies_restart=r21{ANY_NODE}"],
    );
    full(&mut cfg, "r11", "gd", &["Resource_dependencies=r13"]);
    let mut h = started(cfg, &["n1"]);
    h.request(AdminRequest::Disable {
        resources: Operands::named(&["ip"]),
        nodes: None,
        recursive: false,
    });
    online(&mut h, &["gf", "gd"]);
    at_rest(&mut h);
    assert_eq!(h.group_state("gd", "n1"), RgState::PendingOnlineBlocked);
}

#[test]
fn a_strong_positive_affinity_for_a_stop_failed_group_blocks_rather_than_waits() {
    // Seed 9462: gb (++gc) did PRENET_STARTs while gc was online, then gc went STOP_FAILED:
    // gb waited for gc for ever with its resources STARTING.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gc", &[]);
    group(&mut cfg, "gb", &["RG_affinities=++gc"]);
    full(&mut cfg, "r10", "gc", &[]);
    full(&mut cfg, "r6", "gb", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["gc"]);
    h.succeed_all();
    online(&mut h, &["gb"]);
    h.control(ControlTag::ResourceRestart, "gc", "r10", "n1");
    h.finish("r10", Method::MonitorStop, "n1", 0);
    h.finish("r10", Method::Stop, "n1", 1);
    at_rest(&mut h);
    assert_eq!(h.state("r10", "n1"), RState::StopFailed);
    assert_eq!(h.state("r6", "n1"), RState::Offline);
    assert_eq!(h.group_state("gb", "n1"), RgState::PendingOnlineBlocked);
}

#[test]
fn a_member_waiting_on_another_group_through_its_group_does_not_hold_the_starts() {
    // Seed 2741: r4 needs r3 (same group), which needs a resource of another group that waits
    // for this group: the barrier waited on r4, so r6's START never came.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gb", &[]);
    group(&mut cfg, "gd", &[]);
    full(&mut cfg, "r11", "gd", &[]);
    full(&mut cfg, "r3", "gb", &["Resource_dependencies=r11"]);
    full(&mut cfg, "r4", "gb", &["Resource_dependencies=r3"]);
    full(&mut cfg, "r6", "gb", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["gb"]);
    at_rest(&mut h);
    assert_eq!(h.state("r6", "n1"), RState::Online);
}

#[test]
fn the_last_stop_of_a_stop_failed_group_wakes_the_group_it_depends_on() {
    // Seed 17112: gc (RG_dependencies=gb) was ERROR_STOP_FAILED on the node while one of its
    // resources still stopped; when that one stopped, gc's state did not change, and gb's
    // stop, waiting on gc (rule 3), was never looked at again.
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "gb", &[]);
    group(&mut cfg, "gc", &["RG_dependencies=gb"]);
    full(&mut cfg, "r6", "gb", &[]);
    full(&mut cfg, "a", "gc", &[]);
    full(&mut cfg, "b", "gc", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["gb", "gc"]);
    h.succeed_all();
    offline(&mut h, &["gb", "gc"]);
    h.finish("a", Method::MonitorStop, "n1", 0);
    h.finish("b", Method::MonitorStop, "n1", 0);
    h.finish("a", Method::Stop, "n1", 1);
    assert_eq!(h.group_state("gc", "n1"), RgState::ErrorStopFailed);
    assert!(
        h.find("r6", Method::Stop, "n1").is_none(),
        "gb waits for gc's stops"
    );
    h.finish("b", Method::Stop, "n1", 0);
    at_rest(&mut h);
    assert_eq!(h.state("r6", "n1"), RState::Offline);
}
