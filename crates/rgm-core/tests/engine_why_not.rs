//! "Why not" (issue 16): for a group that is not where it should be, `Engine::why_not` gives
//! the engine's own reason on each node. One test per kind of reason the reports carry.

mod common;

use common::*;
use rgm_core::engine::{
    AdminRequest, ControlTag, EventKind, MethodResult, Operands, Reason, RgState, Status,
};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// The reasons for `group` on `node` (empty when the group or node is not reported).
fn reasons(h: &Harness, group: &str, node: &str) -> Vec<Reason> {
    h.engine
        .why_not(None, h.now)
        .into_iter()
        .filter(|g| g.group == group)
        .flat_map(|g| g.nodes)
        .filter(|n| n.node == node)
        .flat_map(|n| n.reasons)
        .collect()
}

fn has(h: &Harness, group: &str, node: &str, want: &Reason) {
    let got = reasons(h, group, node);
    assert!(
        got.contains(want),
        "{group} on {node}: expected {want:?} ({want}); got {got:?}; report: {:#?}",
        h.engine.why_not(None, h.now)
    );
}

fn s(x: &str) -> String {
    x.to_string()
}

/// Two groups of one resource each, created in this order, on `nodes` (all joined).
fn two_groups(
    nodes: &[&str],
    first: (&str, &[&str], &str),
    second: (&str, &[&str], &str),
) -> Harness {
    let mut cfg = cluster(nodes);
    for (g, props, r) in [first, second] {
        group(&mut cfg, g, props);
        full(&mut cfg, r, g, &[]);
    }
    started(cfg, nodes)
}

#[test]
fn a_group_where_it_should_be_is_not_reported() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    assert!(h.engine.why_not(None, h.now).is_empty());
    // Offline by the administrator is where it should be, too.
    offline(&mut h, &["rg"]);
    h.succeed_all();
    assert!(h.engine.why_not(None, h.now).is_empty());
}

#[test]
fn dependency_blocked_names_the_resource_and_what_it_waits_for() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "dbg", &[]);
    group(&mut cfg, "appg", &[]);
    full(&mut cfg, "db", "dbg", &[]);
    full(&mut cfg, "app", "appg", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["appg"]);
    h.succeed_all();
    assert_eq!(h.group_state("appg", "n1"), RgState::PendingOnlineBlocked);
    let want = Reason::DependencyBlocked {
        resource: s("app"),
        dependency: s("db"),
        node: None,
    };
    has(&h, "appg", "n1", &want);
    assert_eq!(
        want.to_string(),
        "resource app depends on db, which is not online and is not coming online"
    );
    let report = h.engine.why_not(None, h.now);
    assert_eq!(report[0].nodes[0].state, RgState::PendingOnlineBlocked);
}

#[test]
fn dependency_not_online_within_the_group() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "db", "rg", &[]);
    full(&mut cfg, "app", "rg", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    h.request(AdminRequest::Disable {
        resources: Operands::named(&["db"]),
        nodes: None,
        recursive: false,
    });
    h.succeed_all();
    online(&mut h, &["rg"]);
    h.succeed_all();
    has(
        &h,
        "rg",
        "n1",
        &Reason::DependencyNotOnline {
            resource: s("app"),
            dependency: s("db"),
        },
    );
}

#[test]
fn dependency_coming_while_the_other_group_starts() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "dbg", &[]);
    group(&mut cfg, "appg", &[]);
    full(&mut cfg, "db", "dbg", &[]);
    full(&mut cfg, "app", "appg", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["dbg", "appg"]);
    h.succeed_all_but("db", Method::Start);
    has(
        &h,
        "appg",
        "n1",
        &Reason::DependencyComing {
            resource: s("app"),
            dependency: s("db"),
        },
    );
    has(
        &h,
        "dbg",
        "n1",
        &Reason::Running {
            resource: s("db"),
            method: Method::Start,
        },
    );
}

/// A failover group whose STOP failed on n1 (Failover_mode NONE): STOP_FAILED there, and
/// it starts nowhere else.
fn stop_failed() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    switch(&mut h, "rg", "n2");
    h.run_until_idle(|m| MethodResult::exited(if m.method == Method::Stop { 1 } else { 0 }, 10));
    h
}

#[test]
fn stop_failed_on_the_node_and_stop_failed_elsewhere() {
    let h = stop_failed();
    assert_eq!(h.group_state("rg", "n1"), RgState::ErrorStopFailed);
    has(&h, "rg", "n1", &Reason::StopFailed { resource: s("app") });
    has(&h, "rg", "n2", &Reason::StopFailedOn { node: s("n1") });
}

#[test]
fn start_failed_and_status_faulted() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &["Nodelist=n1"]);
    full(&mut cfg, "a", "rg", &["Failover_mode=NONE"]);
    full(&mut cfg, "b", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.run_until_idle(|m| {
        let fail = m.method == Method::Start && m.resource == "a";
        MethodResult::exited(if fail { 1 } else { 0 }, 10)
    });
    assert_eq!(h.group_state("rg", "n1"), RgState::OnlineFaulted);
    has(&h, "rg", "n1", &Reason::StartFailed { resource: s("a") });
    h.set_status("b", "n1", Status::Faulted, "disk full");
    has(
        &h,
        "rg",
        "n1",
        &Reason::StatusFaulted {
            resource: s("b"),
            message: s("disk full"),
        },
    );
}

#[test]
fn primaries_elsewhere_for_a_failover_group_faulted_on_its_node() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    h.set_status("app", "n1", Status::Faulted, "slow");
    has(
        &h,
        "rg",
        "n2",
        &Reason::PrimariesElsewhere {
            nodes: vec![s("n1")],
            desired: 1,
        },
    );
}

#[test]
fn affinity_target_absent_when_it_cannot_come() {
    let mut h = two_groups(
        &["n1"],
        ("gc", &[], "r10"),
        ("gb", &["RG_affinities=++gc"], "r6"),
    );
    online(&mut h, &["gc"]);
    h.succeed_all();
    online(&mut h, &["gb"]);
    h.control(ControlTag::ResourceRestart, "gc", "r10", "n1");
    h.finish("r10", Method::MonitorStop, "n1", 0);
    h.finish("r10", Method::Stop, "n1", 1);
    h.succeed_all();
    assert_eq!(h.group_state("gb", "n1"), RgState::PendingOnlineBlocked);
    has(
        &h,
        "gb",
        "n1",
        &Reason::AffinityTargetAbsent {
            group: s("gc"),
            node: s("n1"),
        },
    );
}

#[test]
fn affinity_target_coming_while_it_starts() {
    let mut h = two_groups(
        &["n1"],
        ("gc", &[], "r10"),
        ("gb", &["RG_affinities=++gc"], "r6"),
    );
    online(&mut h, &["gc", "gb"]);
    h.succeed_all_but("r10", Method::Start);
    has(
        &h,
        "gb",
        "n1",
        &Reason::AffinityTargetComing {
            group: s("gc"),
            node: s("n1"),
        },
    );
}

#[test]
fn affinity_not_there_and_affinity_there_in_placement() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "t", &[]);
    group(&mut cfg, "pos", &["RG_affinities=++t"]);
    group(&mut cfg, "neg", &["RG_affinities=--t"]);
    full(&mut cfg, "rt", "t", &[]);
    full(&mut cfg, "rp", "pos", &[]);
    full(&mut cfg, "rn", "neg", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["t"]);
    h.succeed_all();
    online(&mut h, &["neg"]);
    h.succeed_all();
    has(&h, "neg", "n1", &Reason::AffinityThere { group: s("t") });
    offline(&mut h, &["t"]);
    h.succeed_all();
    online(&mut h, &["pos"]);
    h.succeed_all();
    has(&h, "pos", "n1", &Reason::AffinityNotThere { group: s("t") });
}

#[test]
fn repelled_by_a_stop_failed_group_with_a_strong_negative_affinity() {
    let mut h = two_groups(
        &["n1", "n2"],
        ("a", &["Nodelist=n1"], "ra"),
        ("s", &["Nodelist=n1,n2", "RG_affinities=--a"], "rs"),
    );
    online(&mut h, &["s"]);
    h.succeed_all();
    // a comes to n1: s must leave first, and its STOP fails there.
    online(&mut h, &["a"]);
    h.run_until_idle(|m| {
        let fail = m.method == Method::Stop && m.resource == "rs";
        MethodResult::exited(if fail { 1 } else { 0 }, 10)
    });
    assert_eq!(h.group_state("a", "n1"), RgState::PendingOnlineBlocked);
    has(
        &h,
        "a",
        "n1",
        &Reason::RepelledBy {
            group: s("s"),
            node: s("n1"),
        },
    );
}

#[test]
fn a_strong_negative_target_stop_failed_on_the_node() {
    let mut h = two_groups(
        &["n1", "n2"],
        ("t", &["Nodelist=n1,n2"], "rt"),
        ("a", &["Nodelist=n1", "RG_affinities=--t"], "ra"),
    );
    online(&mut h, &["t"]);
    h.succeed_all();
    // t is to leave n1, and its STOP fails there: a, which may only run on n1, is blocked.
    switch(&mut h, "t", "n2");
    h.run_until_idle(|m| {
        let fail = m.method == Method::Stop && m.resource == "rt";
        MethodResult::exited(if fail { 1 } else { 0 }, 10)
    });
    online(&mut h, &["a"]);
    h.succeed_all();
    assert_eq!(h.group_state("a", "n1"), RgState::PendingOnlineBlocked);
    has(
        &h,
        "a",
        "n1",
        &Reason::AffinityTargetStopFailed {
            group: s("t"),
            node: s("n1"),
        },
    );
}

#[test]
fn affinity_leaving_while_the_other_group_stops() {
    let mut h = two_groups(
        &["n1", "n2"],
        ("a", &["Nodelist=n1"], "ra"),
        ("s", &["Nodelist=n1,n2", "RG_affinities=--a"], "rs"),
    );
    online(&mut h, &["s"]);
    h.succeed_all();
    online(&mut h, &["a"]);
    h.succeed_all_but("rs", Method::Stop);
    has(
        &h,
        "a",
        "n1",
        &Reason::AffinityLeaving {
            group: s("s"),
            node: s("n1"),
        },
    );
}

#[test]
fn rg_dependency_coming_and_stop_failed() {
    let mut h = two_groups(
        &["n1"],
        ("base", &[], "rb"),
        ("top", &["RG_dependencies=base"], "rt"),
    );
    // Coming.
    online(&mut h, &["base", "top"]);
    h.succeed_all_but("rb", Method::Start);
    has(
        &h,
        "top",
        "n1",
        &Reason::RgDependencyComing { group: s("base") },
    );
    // STOP_FAILED: base restarts and its STOP fails; then top restarts.
    h.succeed_all();
    h.control(ControlTag::Restart, "base", "rb", "n1");
    h.run_until_idle(|m| {
        let fail = m.method == Method::Stop && m.resource == "rb";
        MethodResult::exited(if fail { 1 } else { 0 }, 10)
    });
    assert_eq!(h.group_state("base", "n1"), RgState::ErrorStopFailed);
    h.request(AdminRequest::Restart {
        groups: Operands::named(&["top"]),
        nodes: None,
    });
    h.succeed_all();
    let got = reasons(&h, "top", "n1");
    assert!(
        got.contains(&Reason::RgDependencyStopFailed {
            group: s("base"),
            node: s("n1")
        }),
        "{got:?} {:#?}",
        h.engine.why_not(None, h.now)
    );
}

#[test]
fn rg_dependency_offline_when_it_is_not_wanted() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "base", &[]);
    group(&mut cfg, "top", &["RG_dependencies=base"]);
    full(&mut cfg, "rb", "base", &[]);
    full(&mut cfg, "rt", "top", &[]);
    let mut cfg2 = cfg;
    for g in cfg2.groups.values_mut() {
        g.properties
            .insert("Auto_start_on_new_cluster".into(), rtreg::Value::Bool(true));
    }
    // base is not wanted (Auto_start off for it alone); top comes up by itself and blocks.
    cfg2.groups.get_mut("base").unwrap().properties.insert(
        "Auto_start_on_new_cluster".into(),
        rtreg::Value::Bool(false),
    );
    let mut h = Harness::new(cfg2);
    h.join("n1");
    h.succeed_all();
    assert_eq!(h.group_state("top", "n1"), RgState::PendingOnlineBlocked);
    has(
        &h,
        "top",
        "n1",
        &Reason::RgDependencyOffline { group: s("base") },
    );
}

#[test]
fn leaving_node_during_a_switch() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    switch(&mut h, "rg", "n2");
    h.succeed_all_but("app", Method::Stop);
    has(&h, "rg", "n2", &Reason::LeavingNode { node: s("n1") });
    has(
        &h,
        "rg",
        "n1",
        &Reason::Running {
            resource: s("app"),
            method: Method::Stop,
        },
    );
}

#[test]
fn node_down_and_pingpong() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &["Pingpong_interval=3600"]);
    full(&mut cfg, "app", "rg", &["Failover_mode=SOFT"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg"]);
    h.run_until_idle(|m| MethodResult::exited(if m.method == Method::Start { 1 } else { 0 }, 10));
    h.advance_ms(180_000);
    has(
        &h,
        "rg",
        "n1",
        &Reason::PingPong {
            failed_secs_ago: 180,
            interval_secs: 3600,
        },
    );
    has(&h, "rg", "n2", &Reason::NodeDown);
    assert_eq!(
        reasons(&h, "rg", "n1")[0].to_string(),
        "failed to start there 3 min ago (Pingpong_interval 3600 s)"
    );
}

#[test]
fn unhealthy_and_evacuated() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    h.event(EventKind::NodeHealth {
        node: s("n2"),
        healthy: false,
        reason: s("disk errors"),
    });
    h.request(AdminRequest::Evacuate {
        node: s("n1"),
        seconds: 600,
    });
    h.succeed_all();
    has(
        &h,
        "rg",
        "n2",
        &Reason::Unhealthy {
            reason: s("disk errors"),
        },
    );
    let got = reasons(&h, "rg", "n1");
    assert!(
        got.iter()
            .any(|r| matches!(r, Reason::Evacuated { remaining_secs } if *remaining_secs > 500)),
        "{got:?}"
    );
}

#[test]
fn node_booting() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    // Auto_start_on_new_cluster (the default): wanted as soon as n1 joins; BOOT runs first.
    let mut h = Harness::new(cfg);
    h.join("n1");
    assert!(h.pending.values().any(|r| r.method == Method::Boot));
    has(&h, "rg", "n1", &Reason::NodeBooting);
}

#[test]
fn fencing_and_fence_failed() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "app", "rg", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg"]);
    h.succeed_all();
    h.event(EventKind::NodeDied { node: s("n1") });
    // n2, the new primary, waits for n1's fence; and n1 is reported as being fenced.
    has(&h, "rg", "n2", &Reason::Fencing { node: s("n1") });
    has(&h, "rg", "n1", &Reason::Fencing { node: s("n1") });
    h.event(EventKind::FenceFailed {
        node: s("n1"),
        reason: s("no fence command"),
    });
    has(
        &h,
        "rg",
        "n2",
        &Reason::FenceFailed {
            node: s("n1"),
            attempts: 1,
            error: s("no fence command"),
        },
    );
}

#[test]
fn quiescing_while_a_start_runs() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg", &[]);
    full(&mut cfg, "a", "rg", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg"]);
    h.finish("a", Method::PrenetStart, "n1", 0);
    h.request(AdminRequest::Quiesce {
        groups: Operands::named(&["rg"]),
        kill: false,
    });
    assert_eq!(h.group_state("rg", "n1"), RgState::PendingOnline);
    has(&h, "rg", "n1", &Reason::Quiescing);
    has(
        &h,
        "rg",
        "n1",
        &Reason::Running {
            resource: s("a"),
            method: Method::Start,
        },
    );
}

#[test]
fn every_reason_kind_has_a_json_kind_and_a_sentence() {
    let all = [
        Reason::DependencyBlocked {
            resource: s("app"),
            dependency: s("db"),
            node: Some(s("n1")),
        },
        Reason::NotInNodelist,
        Reason::Deleted {
            object: s("resource"),
        },
        Reason::PingPong {
            failed_secs_ago: 7300,
            interval_secs: 3600,
        },
    ];
    let json: Vec<serde_json::Value> = all
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    assert_eq!(json[0]["kind"], "dependency_blocked");
    assert_eq!(json[0]["node"], "n1");
    assert_eq!(all[1].kind(), "not_in_nodelist");
    assert_eq!(
        all[0].to_string(),
        "resource app depends on db, which is not online on node n1 and is not coming online"
    );
    assert_eq!(
        all[3].to_string(),
        "failed to start there 2 h ago (Pingpong_interval 3600 s)"
    );
    let back: Reason = serde_json::from_value(json[0].clone()).unwrap();
    assert_eq!(back, all[0]);
}
