//! Node health (issue 13, `EventKind::NodeHealth`): an unhealthy node is chosen as a primary
//! for no group; its groups move to healthy nodes as a switch would, or stay (with the reason
//! logged) when no healthy node can take them; healthy again, it may host groups again and
//! Failback applies. A node whose `startup` has not succeeded is reported unhealthy before it
//! joins, and hosts nothing.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, Operands, RState, RgState};
use rgm_core::testkit::Harness;
use rtreg::Method;

fn health(h: &mut Harness, node: &str, healthy: bool, reason: &str) {
    h.event(EventKind::NodeHealth {
        node: node.into(),
        healthy,
        reason: reason.into(),
    });
}

/// rg1 (Nodelist n1, n2, n3; `props`) holding db, online on n1.
fn online_on_n1(props: &[&str]) -> Harness {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    let mut all = vec!["Nodelist=n1,n2,n3"];
    all.extend_from_slice(props);
    group(&mut cfg, "rg1", &all);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Online);
    h.clear_trace();
    h
}

#[test]
fn groups_on_an_unhealthy_node_move_to_a_healthy_node_as_a_switch_would() {
    let mut h = online_on_n1(&[]);
    health(&mut h, "n1", false, "monitor: 10.interfaces failed");
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Offline);
    assert_eq!(h.state("db", "n2"), RState::Online);
    let t = h.trace();
    let stop = t.iter().position(|x| x.0 == "n1" && x.2 == "STOP").unwrap();
    let start = t
        .iter()
        .position(|x| x.0 == "n2" && x.2 == "START")
        .unwrap();
    assert!(stop < start, "{t:?}");
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("node n1 is unhealthy"))
    );
}

#[test]
fn an_unhealthy_node_is_not_chosen_as_a_primary() {
    let mut h = online_on_n1(&[]);
    health(&mut h, "n2", false, "monitor failed");
    h.request(AdminRequest::Evacuate {
        node: "n1".into(),
        seconds: 60,
    });
    h.succeed_all();
    assert_eq!(h.state("db", "n3"), RState::Online);
    assert_eq!(h.state("db", "n2"), RState::Offline);
    // A switch to it by name is refused, and says why.
    let id = h.request(AdminRequest::Switch {
        groups: Operands::named(&["rg1"]),
        nodes: vec!["n2".into()],
        enable: false,
        monitor: false,
        manage: false,
    });
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("node n2 is unhealthy (monitor failed)"),
        "{err}"
    );
    assert!(h.trace_on("n2").is_empty());
}

#[test]
fn a_group_that_no_healthy_node_can_take_stays_where_it_is_with_the_reason() {
    let mut h = online_on_n1(&[]);
    health(&mut h, "n2", false, "monitor failed");
    health(&mut h, "n3", false, "monitor failed");
    health(&mut h, "n1", false, "monitor failed");
    h.succeed_all();
    assert!(h.trace().is_empty(), "{:?}", h.trace());
    assert_eq!(h.state("db", "n1"), RState::Online);
    assert_eq!(h.group_state("rg1", "n1"), RgState::Online);
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.contains("resource group rg1 stays on unhealthy node n1"))
    );
}

#[test]
fn a_node_healthy_again_hosts_groups_again_and_failback_applies() {
    let mut h = online_on_n1(&["Failback=TRUE"]);
    health(&mut h, "n1", false, "monitor failed");
    h.succeed_all();
    assert_eq!(h.state("db", "n2"), RState::Online);
    health(&mut h, "n1", true, "monitor passed");
    h.succeed_all();
    assert_eq!(h.state("db", "n1"), RState::Online);
    assert_eq!(h.state("db", "n2"), RState::Offline);
    // Without Failback the group stays where it went.
    let mut h = online_on_n1(&[]);
    health(&mut h, "n1", false, "monitor failed");
    h.succeed_all();
    health(&mut h, "n1", true, "monitor passed");
    h.succeed_all();
    assert_eq!(h.state("db", "n2"), RState::Online);
    assert_eq!(h.state("db", "n1"), RState::Offline);
}

#[test]
fn a_node_whose_startup_has_not_succeeded_hosts_nothing() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &["Nodelist=n1"]);
    full(&mut cfg, "db", "rg1", &[]);
    let mut h = Harness::new(cfg);
    health(&mut h, "n1", false, "startup event not yet done");
    h.join("n1");
    h.succeed_all();
    assert_eq!(h.trace_on("n1"), vec!["db:BOOT"]);
    assert_eq!(h.state("db", "n1"), RState::Offline);
    health(&mut h, "n1", true, "startup event done");
    h.succeed_all();
    assert!(h.trace_on("n1").contains(&"db:START".to_string()));
    assert_eq!(h.state("db", "n1"), RState::Online);
}

#[test]
fn a_scalable_group_keeps_an_unhealthy_node_only_to_reach_desired_primaries() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    rgm_core::testkit::group(
        &mut cfg,
        "web",
        &[
            "Nodelist=n1,n2,n3",
            "RG_mode=Scalable",
            "Maximum_primaries=2",
            "Desired_primaries=2",
        ],
    );
    cfg.groups.get_mut("web").unwrap().managed = true;
    rgm_core::testkit::resource(&mut cfg, "w", "web", &[]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    online(&mut h, &["web"]);
    h.succeed_all();
    assert_eq!(h.engine.group_primaries("web"), vec!["n1", "n2"]);
    health(&mut h, "n1", false, "monitor failed");
    h.succeed_all();
    assert_eq!(h.engine.group_primaries("web"), vec!["n2", "n3"]);
    health(&mut h, "n2", false, "monitor failed");
    h.succeed_all();
    // Only n3 is healthy: n2 stays so that two nodes serve.
    assert_eq!(h.engine.group_primaries("web").len(), 2);
    assert!(h.engine.group_primaries("web").contains(&"n3".to_string()));
    let _ = Method::Start;
}
