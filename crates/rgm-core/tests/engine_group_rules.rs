//! Issue 9, rules 4, 5, 7, 8, 9 and 10: `--` at every instant, RG_dependencies rule 4 for
//! every request form, ONLINE_FAULTED, evacuation without a window and Desired_primaries in
//! Nodelist order, bounded history, and refusals logged once per window.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, ControlTag, MethodResult, Operands, RState, RgState, Status};
use rgm_core::testkit::Harness;
use rtreg::Method;

/// Whether some resource of `group` is not offline on `node`.
fn active(h: &Harness, group: &str, node: &str) -> bool {
    h.engine.config().groups[group]
        .resources
        .iter()
        .any(|r| h.state(r, node) != RState::Offline)
}

#[test]
fn rule4_a_strong_negative_affinity_holds_at_every_instant() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "t", &["Nodelist=n1"]);
    group(&mut cfg, "a", &["Nodelist=n1,n2", "RG_affinities=--t"]);
    full(&mut cfg, "tr", "t", &[]);
    full(&mut cfg, "ar", "a", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["a"]);
    h.succeed_all();
    assert_eq!(h.state("ar", "n1"), RState::Online);
    h.clear_trace();
    let id = online(&mut h, &["t"]);
    // One method at a time: after every event, never both on n1.
    for _ in 0..100 {
        assert!(
            !(active(&h, "a", "n1") && active(&h, "t", "n1")),
            "a and t both on n1: {:?}",
            h.trace()
        );
        let Some(&run) = h.pending.keys().next() else {
            break;
        };
        h.complete(run, MethodResult::exited(0, 1));
    }
    h.ok(id);
    assert_eq!(h.state("tr", "n1"), RState::Online);
    assert_eq!(h.state("ar", "n2"), RState::Online);
    let t = h.trace();
    let a_stop = t.iter().position(|x| x.1 == "ar" && x.2 == "STOP").unwrap();
    let t_first = t.iter().position(|x| x.1 == "tr").unwrap();
    assert!(
        a_stop < t_first,
        "a is evicted before t starts there: {t:?}"
    );
}

/// base (Nodelist n1, resource b with `b_props`) and top (n1, n2; RG_dependencies=base),
/// both online on n1.
fn rule4_pair(b_props: &[&str]) -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "base", &["Nodelist=n1"]);
    group(&mut cfg, "top", &["Nodelist=n1,n2", "RG_dependencies=base"]);
    full(&mut cfg, "b", "base", b_props);
    full(&mut cfg, "t", "top", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["base", "top"]);
    h.run_until_idle(|_| MethodResult::exited(0, 1));
    h
}

fn refused_for_top(h: &Harness, id: rgm_core::engine::RequestId) {
    let err = h.err(id);
    assert_eq!(err.code, rgm_core::ErrorCode::Depend, "{err:?}");
    assert!(
        err.messages[0].contains("resource group top depends on resource group base"),
        "{err:?}"
    );
}

#[test]
fn rule5_offline_on_a_node_may_not_leave_a_dependency_offline_everywhere() {
    let mut h = rule4_pair(&[]);
    let id = h.request(AdminRequest::Offline {
        groups: Operands::named(&["base"]),
        nodes: Some(vec!["n1".into()]),
    });
    refused_for_top(&h, id);
    assert_eq!(h.group_state("base", "n1"), RgState::Online);
    // Taking top off too is allowed.
    let id = h.request(AdminRequest::Offline {
        groups: Operands::named(&["base", "top"]),
        nodes: Some(vec!["n1".into()]),
    });
    h.succeed_all();
    h.ok(id);
}

#[test]
fn rule5_evacuate_may_not_leave_a_dependency_offline_everywhere() {
    let mut h = rule4_pair(&[]);
    let id = h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 60,
    });
    refused_for_top(&h, id);
    assert_eq!(h.group_state("top", "n1"), RgState::Online);
}

#[test]
fn rule5_switch_may_not_bring_a_dependent_online_while_its_dependency_is_offline() {
    let mut h = rule4_pair(&[]);
    h.request(AdminRequest::Offline {
        groups: Operands::named(&["base", "top"]),
        nodes: None,
    });
    h.succeed_all();
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["top"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    let err = h.err(id);
    assert!(
        err.messages[0].contains("depends on resource group base"),
        "{err:?}"
    );
}

#[test]
fn rule5_remaster_never_leaves_a_dependency_offline_everywhere() {
    // b's START fails under NONE: base stays on n1, ONLINE_FAULTED, and n1 is out of a fresh
    // choice for Pingpong_interval. Remastering base finds no better node: it stays where it
    // is (a remaster that would leave it nowhere is refused), and top stays online.
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "base", &["Nodelist=n1"]);
    group(&mut cfg, "top", &["Nodelist=n1,n2", "RG_dependencies=base"]);
    full(&mut cfg, "b", "base", &[]);
    full(&mut cfg, "t", "top", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["base", "top"]);
    h.run_until_idle(|m| {
        let fail = m.resource == "b" && m.method == Method::Start;
        MethodResult::exited(i32::from(fail), 1)
    });
    assert_eq!(h.group_state("base", "n1"), RgState::OnlineFaulted);
    assert_eq!(h.state("t", "n1"), RState::Online);
    let id = h.request(AdminRequest::Remaster {
        groups: Operands::named(&["base"]),
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.engine.group_primaries("base"), vec!["n1"]);
    assert_eq!(h.state("t", "n1"), RState::Online);
}

#[test]
fn rule7_a_faulted_status_makes_the_group_online_faulted_and_ok_makes_it_online_again() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
    h.set_status("db", "n1", Status::Faulted, "no answer on port 7");
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
    assert_eq!(RgState::OnlineFaulted.public_name(), "ONLINE_FAULTED");
    assert_eq!(RgState::OnlineFaulted.display_name(), "Online_faulted");
    h.set_status("db", "n1", Status::Degraded, "slow");
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
}

#[test]
fn rule7_a_start_failure_makes_the_group_online_faulted() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "web", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.run_until_idle(|m| {
        let fail = m.resource == "web" && m.method == Method::Start;
        MethodResult::exited(i32::from(fail), 1)
    });
    assert_eq!(h.state("db", "n1"), RState::Online);
    assert_eq!(h.group_state("rg1", "n1"), RgState::OnlineFaulted);
}

#[test]
fn rule8_evacuate_with_no_window_still_moves_every_group_off() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let id = h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 0,
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.state("db", "n2"), RState::Online);
    // No window: a switch back right away is allowed.
    h.advance_ms(1_000);
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n1".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.state("db", "n1"), RState::Online);
}

#[test]
fn rule8_lowering_desired_primaries_keeps_the_first_nodes_of_the_nodelist() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    rgm_core::testkit::group(
        &mut cfg,
        "web",
        &[
            "Nodelist=n3,n1,n2",
            "RG_mode=Scalable",
            "Maximum_primaries=3",
            "Desired_primaries=3",
        ],
    );
    cfg.groups.get_mut("web").unwrap().managed = true;
    rgm_core::testkit::resource(&mut cfg, "w", "web", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["web"]);
    h.succeed_all();
    assert_eq!(h.engine.group_primaries("web").len(), 3);
    let id = h.request(AdminRequest::UpdateGroup {
        groups: Operands::named(&["web"]),
        edits: rgm_core::testkit::edits(&["Desired_primaries=1"]),
    });
    h.succeed_all();
    h.ok(id);
    assert_eq!(h.engine.group_primaries("web"), vec!["n3"]);
}

#[test]
fn rule9_restart_history_stays_bounded_after_ten_thousand_restarts() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2", "Pingpong_interval=60"]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let size = |h: &Harness| serde_json::to_string(&h.engine.snapshot()).unwrap().len();
    let mut sizes = Vec::new();
    for i in 0..10_000u32 {
        // Spread over about four days (Retry_interval is 300 s).
        h.advance_ms(35_000);
        let node = if h.state("db", "n1").is_started() {
            "n1"
        } else {
            "n2"
        };
        let tag = match i % 50 {
            0 => ControlTag::Giveover,
            25 => ControlTag::Restart,
            _ => ControlTag::ResourceIsRestarted,
        };
        let id = h.control(tag, "rg1", "db", node);
        h.succeed_all();
        assert!(h.reply(id).is_some());
        if i % 1_000 == 999 {
            sizes.push(size(&h));
        }
    }
    let x = h.engine.resource_record("db", "n1").unwrap();
    assert!(x.restarts.len() <= 10, "{:?}", x.restarts.len());
    let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(hi - lo <= 200, "the snapshot grows: {sizes:?}");
}

#[test]
fn rule10_identical_refusals_are_logged_once_per_retry_interval_with_a_count() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    h.clear_trace();
    let refused = |h: &Harness| {
        h.log_texts()
            .iter()
            .filter(|t| t.contains("GIVEOVER by resource db refused"))
            .cloned()
            .collect::<Vec<_>>()
    };
    // A probe asking every 5 s for a giveover that cannot be done (no other node).
    for _ in 0..50 {
        h.advance_ms(5_000);
        let id = h.control(ControlTag::Giveover, "rg1", "db", "n1");
        assert!(h.err(id).messages[0].contains("no other node"));
    }
    assert_eq!(refused(&h).len(), 1, "{:?}", refused(&h));
    assert!(
        !h.log_texts()
            .iter()
            .any(|t| t.starts_with("request refused")),
        "the refusal is not logged twice"
    );
    // Past Retry_interval (300 s): logged again, with the count of those not logged.
    h.advance_ms(300_000);
    h.control(ControlTag::Giveover, "rg1", "db", "n1");
    let lines = refused(&h);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[1].contains("(49 identical refusal(s) since the last one logged)"),
        "{lines:?}"
    );
}
