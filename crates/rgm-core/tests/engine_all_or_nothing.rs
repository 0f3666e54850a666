//! A request that names several objects is checked and VALIDATEd whole before any of it is
//! applied (issue 10, finding 4): `clrg create y1 existing` creates nothing, one VALIDATE
//! veto leaves every resource of `clrs create` or `clrs set` as it was.

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, MethodResult, Operands};
use rgm_core::testkit::{Harness, edits};
use rtreg::Method;

fn cluster_with_rg1() -> Harness {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    started(cfg, &["n1", "n2"])
}

fn create_groups(h: &mut Harness, names: &[&str]) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::CreateGroup {
        names: names.iter().map(|s| s.to_string()).collect(),
        scalable: false,
        edits: vec![],
    })
}

fn create_resources(
    h: &mut Harness,
    names: &[&str],
    props: &[&str],
) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::CreateResource {
        names: names.iter().map(|s| s.to_string()).collect(),
        group: "rg1".into(),
        type_name: "TEST.full".into(),
        edits: edits(props),
        enabled: true,
    })
}

#[test]
fn creating_groups_with_one_that_exists_creates_none() {
    let mut h = cluster_with_rg1();
    let before = h.engine.config().clone();
    let id = create_groups(&mut h, &["y1", "rg1", "y2"]);
    let err = h.err(id);
    assert_eq!(err.messages, ["resource group rg1: already exists"]);
    assert_eq!(h.engine.config(), &before);
    assert_eq!(h.persisted_config, 0);
    let id = create_groups(&mut h, &["y1", "y2"]);
    h.ok(id);
    assert!(h.engine.config().groups.contains_key("y1"));
    assert!(h.engine.config().groups.contains_key("y2"));
}

#[test]
fn every_problem_of_every_operand_is_reported() {
    let mut h = cluster_with_rg1();
    let id = create_groups(&mut h, &["rg1", "bad name", "y"]);
    let err = h.err(id).messages.join("\n");
    assert!(err.contains("resource group rg1: already exists"), "{err}");
    assert!(err.contains("bad name"), "{err}");
    assert!(!h.engine.config().groups.contains_key("y"));
}

#[test]
fn creating_resources_with_one_that_exists_creates_none() {
    let mut h = cluster_with_rg1();
    let id = create_resources(&mut h, &["x1", "db"], &[]);
    assert_eq!(h.err(id).messages, ["resource db: already exists"]);
    assert!(h.pending.is_empty(), "nothing was validated either");
    assert!(!h.engine.config().resources.contains_key("x1"));
}

#[test]
fn one_validate_veto_creates_no_resource() {
    let mut h = cluster_with_rg1();
    let before = h.engine.config().clone();
    let id = create_resources(&mut h, &["x1", "x2"], &["Retry_count=1"]);
    // Every VALIDATE runs before anything is created: x1's on both nodes, then x2's.
    assert_eq!(h.pending_set(), ["x1:VALIDATE"].map(String::from).into());
    h.run_until_idle(|r| {
        let code = i32::from(r.resource == "x2" && r.node == "n2");
        MethodResult::exited(code, 1)
    });
    let err = h.err(id).messages.join("\n");
    assert!(
        err.contains("VALIDATE of resource x2 failed on node n2"),
        "{err}"
    );
    assert_eq!(h.engine.config(), &before);
    assert!(!h.trace().iter().any(|t| t.2 == "INIT"), "{:?}", h.trace());
    // Without the veto both are created, then INIT runs for both.
    let id = create_resources(&mut h, &["x1", "x2"], &["Retry_count=1"]);
    h.succeed_all();
    h.ok(id);
    assert!(h.engine.config().resources.contains_key("x1"));
    assert!(h.engine.config().resources.contains_key("x2"));
    assert!(h.trace_on("n1").contains(&"x2:INIT".to_string()));
}

#[test]
fn one_validate_veto_changes_no_resource_of_a_set() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "a", "rg1", &[]);
    full(&mut cfg, "b", "rg1", &[]);
    let mut h = started(cfg, &["n1"]);
    let before = h.engine.config().clone();
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["a", "b"]),
        edits: edits(&["Retry_count=1"]),
    });
    h.finish("a", Method::Validate, "n1", 0);
    assert!(
        h.engine.config() == &before,
        "nothing applied before b's VALIDATE"
    );
    h.finish("b", Method::Validate, "n1", 1);
    assert!(h.err(id).messages[1].contains("VALIDATE of resource b failed"));
    assert_eq!(h.engine.config(), &before);
}
