//! INIT, FINI, BOOT, UPDATE and VALIDATE: when they run, where, with which arguments, and
//! what a VALIDATE failure does (seed rt_callbacks; reference §d.2, §d.3).

mod common;

use common::*;
use rgm_core::engine::{AdminRequest, EventKind, MethodResult, Operands, RState};
use rgm_core::testkit::{Harness, edits};
use rtreg::Method;

fn create(h: &mut Harness, name: &str, group: &str, props: &[&str]) -> rgm_core::engine::RequestId {
    h.request(AdminRequest::CreateResource {
        names: vec![name.into()],
        group: group.into(),
        type_name: "TEST.full".into(),
        edits: edits(props),
        enabled: true,
    })
}

fn validate_args(h: &Harness, resource: &str, node: &str) -> Vec<String> {
    h.launched
        .iter()
        .find(|r| r.method == Method::Validate && r.resource == resource && r.node == node)
        .and_then(|r| r.validate.clone())
        .expect("a VALIDATE run")
        .to_args()
}

#[test]
fn validate_on_create_gets_every_property_with_both_dependency_forms() {
    let mut cfg = cluster(&["node1", "node2"]);
    group(&mut cfg, "rg1", &[]);
    for r in ["r1", "r2", "r3", "r4"] {
        full(&mut cfg, r, "rg1", &[]);
    }
    let mut h = started(cfg, &["node1", "node2"]);
    let id = create(
        &mut h,
        "x",
        "rg1",
        &[
            "Resource_dependencies=r1@node1,r2@node2,r3{local_node},r4",
            "Retry_count=1",
        ],
    );
    // VALIDATE runs on the Init_nodes set (RG_PRIMARIES: the Nodelist) before anything changes.
    assert_eq!(h.pending_set(), ["x:VALIDATE"].map(String::from).into());
    assert_eq!(h.pending.len(), 2);
    assert!(
        !h.engine.config().resources.contains_key("x"),
        "created only after VALIDATE"
    );
    let args = validate_args(&h, "x", "node1");
    assert_eq!(args[0], "-c");
    let pairs: Vec<(String, String)> = args[1..]
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    let has = |flag: &str, kv: &str| pairs.iter().any(|(f, v)| f == flag && v == kv);
    assert!(has("-r", "Resource_dependencies=r1,r3,r4"), "{pairs:?}");
    assert!(
        has(
            "-r",
            "Resource_dependencies_Q=r1@node1,r2@node2,r3{local_node},r4"
        ),
        "{pairs:?}"
    );
    assert!(has("-r", "Retry_count=1"));
    assert!(has("-r", "Failover_mode=NONE"));
    assert!(has("-r", "Start_timeout=100"));
    assert!(has("-g", "Nodelist=node1,node2"));
    assert!(has("-g", "RG_mode=Failover"));
    let args2 = validate_args(&h, "x", "node2");
    assert!(
        args2
            .windows(2)
            .any(|w| w[0] == "-r" && w[1] == "Resource_dependencies=r2,r3,r4")
    );
    h.succeed_all();
    h.ok(id);
    assert!(h.engine.config().resources.contains_key("x"));
    // The group is managed: INIT ran on the Init_nodes set after the creation.
    assert!(
        h.trace()
            .iter()
            .filter(|t| t.1 == "x" && t.2 == "INIT")
            .count()
            == 2
    );
}

#[test]
fn a_validate_failure_anywhere_vetoes_the_change_with_its_output() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Retry_count=1"]);
    let mut h = started(cfg, &["n1", "n2"]);
    let before = h.engine.config().clone();
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["app"]),
        edits: edits(&["Retry_count=5"]),
    });
    // -u: only the property being updated.
    assert_eq!(
        validate_args(&h, "app", "n1"),
        ["-u", "-r", "Retry_count=5"]
    );
    let on_n2 = h.find("app", Method::Validate, "n2").unwrap();
    h.finish("app", Method::Validate, "n1", 0);
    h.complete(
        on_n2,
        MethodResult {
            outcome: rgm_core::engine::MethodOutcome::Exited(3),
            duration_ms: 5,
            output: "Retry_count 5 is too many for this service\n".into(),
        },
    );
    let e = h.err(id);
    assert_eq!(
        e.messages[0],
        "VALIDATE refused the change; nothing was changed:"
    );
    assert!(
        e.messages
            .iter()
            .any(|m| m == "VALIDATE of resource app failed on node n2 (exit code 3)")
    );
    assert!(
        e.messages
            .iter()
            .any(|m| m.contains("Retry_count 5 is too many"))
    );
    assert!(
        *h.engine.config() == before,
        "a vetoed change changes nothing"
    );
}

#[test]
fn update_runs_where_the_resource_is_online_after_the_change() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    online_on(&mut h, "rg1", "n1");
    h.succeed_all();
    h.clear_trace();
    let id = h.request(AdminRequest::UpdateResource {
        resources: Operands::named(&["app"]),
        edits: edits(&["Retry_count=1"]),
    });
    h.succeed_all();
    h.ok(id);
    let updates: Vec<_> = h.trace().into_iter().filter(|t| t.2 == "UPDATE").collect();
    assert_eq!(
        updates,
        [("n1".to_string(), "app".to_string(), "UPDATE".to_string())]
    );
    // A group property change validates every resource of the group with -g only.
    h.clear_trace();
    let id = h.request(AdminRequest::UpdateGroup {
        groups: Operands::named(&["rg1"]),
        edits: edits(&["Failback=TRUE"]),
    });
    assert_eq!(
        validate_args(&h, "app", "n1"),
        ["-u", "-g", "Failback=TRUE"]
    );
    h.succeed_all();
    h.ok(id);
}

#[test]
fn manage_runs_init_and_unmanage_runs_fini() {
    let mut cfg = cluster(&["n1", "n2"]);
    rgm_core::testkit::group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "app", "rg1", &[]);
    let mut h = started(cfg, &["n1", "n2"]);
    let id = h.request(AdminRequest::Manage {
        groups: Operands::named(&["rg1"]),
    });
    assert_eq!(h.pending_set(), ["app:INIT"].map(String::from).into());
    h.succeed_all();
    h.ok(id);
    assert!(h.engine.config().groups["rg1"].managed);
    // Unmanage needs the resources disabled; FINI runs, then the group is unmanaged.
    let id = h.request(AdminRequest::Unmanage {
        groups: Operands::named(&["rg1"]),
    });
    assert!(h.err(id).messages[0].contains("cannot be unmanaged while resources are enabled: app"));
    let id = h.request(AdminRequest::Disable {
        resources: Operands::named(&["app"]),
        nodes: None,
        recursive: false,
    });
    h.succeed_all();
    h.ok(id);
    let id = h.request(AdminRequest::Unmanage {
        groups: Operands::named(&["rg1"]),
    });
    assert_eq!(h.pending_set(), ["app:FINI"].map(String::from).into());
    h.succeed_all();
    h.ok(id);
    assert!(!h.engine.config().groups["rg1"].managed);
    assert_eq!(
        h.group_state("rg1", "n1"),
        rgm_core::engine::RgState::Unmanaged
    );
}

#[test]
fn boot_runs_on_a_joining_node_before_it_masters_anything() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "base", &[]);
    group(&mut cfg, "top", &["RG_dependencies=base"]);
    full(&mut cfg, "b", "base", &[]);
    full(&mut cfg, "t", "top", &[]);
    let mut h = Harness::new(cfg);
    h.join("n1");
    // BOOT of base's resources first (RG_dependencies rule 1), nothing else yet.
    assert_eq!(h.pending_list(), ["b:BOOT@n1"]);
    h.finish("b", Method::Boot, "n1", 0);
    assert_eq!(h.pending_list(), ["t:BOOT@n1"]);
    h.finish("t", Method::Boot, "n1", 1); // a BOOT failure is only logged
    // Now the groups (Auto_start_on_new_cluster) start.
    h.succeed_all();
    assert_eq!(h.state("b", "n1"), RState::Online);
    assert_eq!(h.state("t", "n1"), RState::Online);
    assert!(
        h.log_texts()
            .iter()
            .any(|t| t.starts_with("Method <full_boot> failed on resource <t>"))
    );
}

#[test]
fn delete_force_disables_stops_finis_and_deletes() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    full(&mut cfg, "db", "rg1", &[]);
    full(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let mut h = started(cfg, &["n1"]);
    online(&mut h, &["rg1"]);
    h.succeed_all();
    let id = h.request(AdminRequest::DeleteResource {
        resources: Operands::named(&["db"]),
        force: false,
    });
    assert_eq!(
        h.err(id).messages,
        [
            "resource db: is enabled; disable it first (or use -F)",
            "resource db: app depend(s) on it"
        ]
    );
    h.clear_trace();
    let id = h.request(AdminRequest::DeleteGroup {
        groups: Operands::named(&["rg1"]),
        force: true,
    });
    h.succeed_all();
    h.ok(id);
    assert!(h.engine.config().groups.is_empty() && h.engine.config().resources.is_empty());
    let trace = h.trace_on("n1");
    let fini = trace.iter().position(|t| t.ends_with(":FINI")).unwrap();
    let last_stop = trace.iter().rposition(|t| t.ends_with("STOP")).unwrap();
    assert!(last_stop < fini, "{trace:?}");
}

#[test]
fn unknown_objects_are_refused_at_once() {
    let cfg = cluster(&["n1"]);
    let mut h = started(cfg, &["n1"]);
    let id = online(&mut h, &["ghost"]);
    assert_eq!(h.err(id).messages, ["resource group ghost: does not exist"]);
    assert_eq!(h.err(id).code, rgm_core::ErrorCode::Rg);
    let id = h.request(AdminRequest::Enable {
        resources: Operands::named(&["nope"]),
        nodes: None,
        recursive: false,
    });
    assert_eq!(h.err(id).code, rgm_core::ErrorCode::Rsrc);
    let _ = EventKind::NodeJoined { node: "x".into() };
}
