//! Where groups go: Nodelist preference, Pingpong_interval, Failback, affinities, evacuation,
//! remastering, scalable groups, node death with fencing, Auto_start_on_new_cluster.

mod common;

use common::*;
use rgm_core::engine::{
    AdminRequest, ControlTag, EventKind, MethodResult, Operands, RState, RgState,
};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn where_online(h: &Harness, group: &str) -> Vec<String> {
    ["n1", "n2", "n3"]
        .into_iter()
        .filter(|n| h.group_state(group, n) == RgState::Online)
        .map(String::from)
        .collect()
}

#[test]
fn nodelist_order_is_preference() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &["Nodelist=n3,n1,n2"]);
    full(&mut cfg, "app", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    let id = online(&mut h, &["rg1"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "rg1"), ["n3"]);
}

#[test]
fn pingpong_interval_keeps_a_failing_group_from_bouncing_back() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Pingpong_interval=600"]);
    full(&mut cfg, "app", "rg1", &["Failover_mode=SOFT"]);
    let mut h = started(cfg, &["n1", "n2"]);
    let id = online(&mut h, &["rg1"]);
    // START fails everywhere: n1, then n2; n1 is excluded for 600 s, so it stops there.
    h.run_until_idle(|m| MethodResult::exited(if m.method == Method::Start { 1 } else { 0 }, 10));
    assert_eq!(h.group_state("rg1", "n1"), RgState::Offline);
    assert_eq!(h.group_state("rg1", "n2"), RgState::Offline);
    let starts: Vec<String> = h
        .trace()
        .iter()
        .filter(|t| t.2 == "START")
        .map(|t| t.0.clone())
        .collect();
    assert_eq!(starts, ["n1", "n2"]);
    let e = h.err(id);
    assert!(
        e.messages[0].contains("the group failed to start there within Pingpong_interval"),
        "{:?}",
        e.messages
    );
    // A node rejoining does not retry within the interval ...
    h.event(EventKind::NodeDied { node: "n2".into() });
    h.event(EventKind::NodeFenced { node: "n2".into() });
    h.join("n2");
    h.succeed_all();
    assert_eq!(h.trace().iter().filter(|t| t.2 == "START").count(), 2);
    // ... but the administrator may ask again at once.
    let id = online(&mut h, &["rg1"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "rg1"), ["n1"]);
}

#[test]
fn failback_moves_a_group_home_when_its_preferred_node_rejoins() {
    for failback in [true, false] {
        let mut cfg = cluster(&["n1", "n2"]);
        group(&mut cfg, "rg1", &[&format!("Failback={failback}")]);
        full(&mut cfg, "app", "rg1", &[]);
        let mut h = started(cfg, &["n1", "n2"]);
        online(&mut h, &["rg1"]);
        h.succeed_all();
        assert_eq!(where_online(&h, "rg1"), ["n1"]);
        h.event(EventKind::NodeDied { node: "n1".into() });
        h.succeed_all();
        assert_eq!(h.fenced, ["n1"]);
        assert!(
            where_online(&h, "rg1").is_empty(),
            "nothing moves before the fence"
        );
        h.event(EventKind::NodeFenced { node: "n1".into() });
        h.succeed_all();
        assert_eq!(where_online(&h, "rg1"), ["n2"]);
        h.join("n1");
        h.succeed_all();
        let expected = if failback { ["n1"] } else { ["n2"] };
        assert_eq!(where_online(&h, "rg1"), expected, "Failback={failback}");
    }
}

#[test]
fn strong_positive_affinity_follows_and_strong_negative_evicts() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "db", &[]);
    group(&mut cfg, "app", &["RG_affinities=++db"]);
    group(
        &mut cfg,
        "batch",
        &["RG_affinities=--db", "Nodelist=n2,n1,n3"],
    );
    full(&mut cfg, "d", "db", &[]);
    full(&mut cfg, "a", "app", &[]);
    full(&mut cfg, "b", "batch", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    let id = online(&mut h, &["db", "app", "batch"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "db"), ["n1"]);
    assert_eq!(where_online(&h, "app"), ["n1"]);
    assert_eq!(where_online(&h, "batch"), ["n2"]);
    // db moves to n2: app follows it, batch is evicted from n2 to another node.
    let id = switch(&mut h, "db", "n2");
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "db"), ["n2"]);
    assert_eq!(where_online(&h, "app"), ["n2"]);
    assert_eq!(where_online(&h, "batch"), ["n1"]);
}

#[test]
fn a_giveover_under_a_delegating_affinity_moves_the_target_group() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "db", &[]);
    group(&mut cfg, "app", &["RG_affinities=+++db"]);
    full(&mut cfg, "d", "db", &[]);
    full(&mut cfg, "a", "app", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["db", "app"]);
    h.succeed_all();
    let id = h.control(ControlTag::Giveover, "app", "a", "n1");
    // MONITOR_CHECK runs for db's resources on the candidate first.
    assert_eq!(h.pending_list(), ["d:MONITOR_CHECK@n2"]);
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "db"), ["n2"]);
    assert_eq!(where_online(&h, "app"), ["n2"]);
}

#[test]
fn a_failed_monitor_check_refuses_the_giveover() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "a", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let id = h.control(ControlTag::Giveover, "rg1", "a", "n1");
    h.finish("a", Method::MonitorCheck, "n2", 1);
    h.succeed_all();
    let e = h.err(id);
    assert_eq!(e.code, rgm_core::ErrorCode::Checks);
    assert!(e.messages[0].contains("MONITOR_CHECK failed on every candidate node (n2)"));
    assert_eq!(where_online(&h, "rg1"), ["n1"]);
}

#[test]
fn evacuate_moves_every_group_off_and_keeps_them_off() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Failback=TRUE"]);
    group(&mut cfg, "rg2", &[]);
    full(&mut cfg, "a", "rg1", &[]);
    full(&mut cfg, "b", "rg2", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1", "rg2"]);
    h.succeed_all();
    let id = h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 60,
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "rg1"), ["n2"]);
    assert_eq!(where_online(&h, "rg2"), ["n2"]);
    // Within the window a remaster cannot bring them back; after it, it does.
    let id = h.request(AdminRequest::Remaster {
        groups: Operands::All,
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "rg1"), ["n2"]);
    h.advance_ms(61_000);
    let id = h.request(AdminRequest::Remaster {
        groups: Operands::All,
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(where_online(&h, "rg1"), ["n1"]);
    assert_eq!(where_online(&h, "rg2"), ["n1"]);
}

#[test]
fn scalable_groups_keep_desired_primaries() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    rgm_core::testkit::must(
        &mut cfg,
        rgm_core::Change::CreateGroup {
            name: "web".into(),
            scalable: true,
            edits: rgm_core::testkit::edits(&["Desired_primaries=2"]),
        },
    );
    rgm_core::testkit::must(
        &mut cfg,
        rgm_core::Change::SetManaged {
            group: "web".into(),
            managed: true,
        },
    );
    full(&mut cfg, "w", "web", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["web"]);
    h.succeed_all();
    assert_eq!(where_online(&h, "web"), ["n1", "n2"]);
    h.event(EventKind::NodeDied { node: "n1".into() });
    h.event(EventKind::NodeFenced { node: "n1".into() });
    h.succeed_all();
    assert_eq!(where_online(&h, "web"), ["n2", "n3"]);
    assert_eq!(h.state("w", "n1"), RState::Offline);
}

#[test]
fn auto_start_on_new_cluster() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "auto", &[]);
    group(&mut cfg, "manual", &["Auto_start_on_new_cluster=FALSE"]);
    full(&mut cfg, "a", "auto", &[]);
    full(&mut cfg, "m", "manual", &[]);
    let mut h = Harness::new(cfg);
    h.join("n1");
    h.succeed_all();
    assert_eq!(h.state("a", "n1"), RState::Online);
    assert_eq!(h.state("m", "n1"), RState::Offline);
}

#[test]
fn quiesce_kill_stops_the_churn() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "a", "rg1", &["Failover_mode=SOFT"]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.finish("a", Method::PrenetStart, "n1", 0);
    assert!(h.find("a", Method::Start, "n1").is_some());
    let id = h.request(AdminRequest::Quiesce {
        groups: Operands::named(&["rg1"]),
        kill: true,
    });
    assert_eq!(h.killed.len(), 1);
    let run = h.find("a", Method::Start, "n1").unwrap();
    h.complete(
        run,
        MethodResult {
            outcome: rgm_core::engine::MethodOutcome::Cancelled,
            duration_ms: 5,
            output: String::new(),
        },
    );
    h.succeed_all();
    h.ok(id);
    // Killed START: START_FAILED, and no failover while quiescing.
    assert_eq!(h.state("a", "n1"), RState::StartFailed);
    assert!(h.trace().iter().all(|t| t.0 == "n1"));
}

#[test]
fn a_run_with_no_result_counts_as_timed_out() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "a", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.finish("a", Method::PrenetStart, "n1", 0);
    // START's timeout is 100 s; with the 10 s grace and 30 s margin, the run is lost at 140 s.
    h.advance_ms(139_000);
    h.fire_timers();
    assert!(h.find("a", Method::Start, "n1").is_some());
    h.advance_ms(2_000);
    h.fire_timers();
    assert_eq!(h.state("a", "n1"), RState::StartFailed);
    assert!(h.log_texts().iter().any(|t| {
        t.contains("no result arrived within the timeout and grace period; treated as a Timeout")
    }));
}
