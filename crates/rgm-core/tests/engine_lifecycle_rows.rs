//! The rows of the callbacks' table issue 9 found untested (seed rt_callbacks; reference §d.2,
//! §d.3): VALIDATE's argv with all four `_Q` names and `-X name{nodeid}`, INIT and FINI when a
//! Nodelist grows or shrinks, and VALIDATE when none of its nodes is up.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, Operands};
use rgm_core::testkit::{TypeBuilder, edits, must};
use rgm_core::{Change, ClusterConfig};
use rtreg::{Method, PropertyType, Value};

/// TEST.full plus ACME.web (VALIDATE, INIT, FINI; a per-node extension `Port`).
fn with_web(nodes: &[&str]) -> ClusterConfig {
    let mut cfg = cluster(nodes);
    let spec = TypeBuilder::new("ACME", "web", "1")
        .methods(&[Method::Validate, Method::Init, Method::Fini])
        .extension("Port", PropertyType::Int, Some(Value::Int(80)))
        .with(|p| p.per_node = true)
        .build();
    register(&mut cfg, spec);
    cfg
}

#[test]
fn validate_gets_all_four_qualified_dependency_lists_and_per_node_values() {
    let mut cfg = with_web(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    for r in ["a", "b", "c", "d"] {
        full(&mut cfg, r, "rg1", &[]);
    }
    let mut h = started(cfg, &["n1", "n2"]);
    h.request(AdminRequest::CreateResource {
        names: vec!["w".into()],
        group: "rg1".into(),
        type_name: "ACME.web".into(),
        edits: edits(&[
            "Resource_dependencies=a{LOCAL_NODE}",
            "Resource_dependencies_weak=b@n2",
            "Resource_dependencies_restart=c{ANY_NODE}",
            "Resource_dependencies_offline_restart=d",
            "Port{n2}=8080",
        ]),
        enabled: true,
    });
    let args = validate_args(&h, "w", "n1").join(" ");
    for expected in [
        "-r Resource_dependencies=a",
        "-r Resource_dependencies_Q=a{LOCAL_NODE}",
        "-r Resource_dependencies_weak=",
        "-r Resource_dependencies_Q_weak=b@n2",
        "-r Resource_dependencies_restart=c",
        "-r Resource_dependencies_Q_restart=c{ANY_NODE}",
        "-r Resource_dependencies_offline_restart=d",
        "-r Resource_dependencies_Q_offline_restart=d",
        "-x Port=80",
        "-X Port{1}=80",
        "-X Port{2}=8080",
    ] {
        assert!(args.contains(expected), "{expected} missing from: {args}");
    }
    // On n2 the plain weak list names b (b@n2 applies there), and -x carries n2's Port.
    let args = validate_args(&h, "w", "n2").join(" ");
    assert!(args.contains("-r Resource_dependencies_weak=b"), "{args}");
    assert!(args.contains("-x Port=8080"), "{args}");
}

#[test]
fn a_growing_nodelist_runs_init_on_the_new_node_and_a_shrinking_one_fini_on_the_old() {
    let mut cfg = with_web(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &["Nodelist=n1,n2"]);
    must(
        &mut cfg,
        Change::CreateResource {
            name: "w".into(),
            group: "rg1".into(),
            type_name: "ACME.web:1".into(),
            edits: vec![],
            enabled: true,
        },
    );
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    let id = h.request(AdminRequest::UpdateGroup {
        groups: Operands::named(&["rg1"]),
        edits: edits(&["Nodelist=n1,n2,n3"]),
    });
    h.succeed_all();
    h.ok(id);
    let inits: Vec<(String, String)> = h
        .trace()
        .into_iter()
        .filter(|t| t.2 == "INIT" || t.2 == "FINI")
        .map(|t| (t.0, t.2))
        .collect();
    assert_eq!(inits, [("n3".to_string(), "INIT".to_string())]);
    h.clear_trace();
    let id = h.request(AdminRequest::UpdateGroup {
        groups: Operands::named(&["rg1"]),
        edits: edits(&["Nodelist=n2,n3"]),
    });
    h.succeed_all();
    h.ok(id);
    let finis: Vec<(String, String)> = h
        .trace()
        .into_iter()
        .filter(|t| t.2 == "INIT" || t.2 == "FINI")
        .map(|t| (t.0, t.2))
        .collect();
    assert_eq!(finis, [("n1".to_string(), "FINI".to_string())]);
}

#[test]
fn a_change_that_validate_cannot_check_anywhere_is_refused() {
    let mut cfg = with_web(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &["Nodelist=n2,n3"]);
    let mut h = started(cfg, &["n1", "n2", "n3"]);
    for n in ["n2", "n3"] {
        h.event(EventKind::NodeDied { node: n.into() });
        h.event(EventKind::NodeFenced { node: n.into() });
    }
    let before = h.engine.config().clone();
    let id = h.request(AdminRequest::CreateResource {
        names: vec!["w".into()],
        group: "rg1".into(),
        type_name: "ACME.web".into(),
        edits: vec![],
        enabled: true,
    });
    let e = h.err(id);
    assert!(
        e.messages[0].contains(
            "VALIDATE of resource w cannot run: none of its nodes (n2, n3) is a cluster member; nothing was changed"
        ),
        "{:?}",
        e.messages
    );
    assert_eq!(h.engine.config(), &before);
}
