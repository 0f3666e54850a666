//! Size limits hold for every change, whoever sends it: a value over 64 KiB, an array grown past
//! it, a type over its limits are refused naming the object and property, and nothing changes.

use rgm_core::testkit::{TypeBuilder, cluster, edits, group};
use rgm_core::{Change, ClusterConfig, ErrorCode, NothingRunning};
use rtreg::limits::MAX_VALUE_BYTES;
use rtreg::{PropertyType, Value};

fn refused(cfg: &mut ClusterConfig, change: Change) -> (ErrorCode, Vec<String>) {
    let before = cfg.clone();
    let err = cfg
        .apply(&change, &NothingRunning)
        .expect_err("the change should be refused");
    assert_eq!(*cfg, before, "a refused change modified the configuration");
    (err.code(), err.0.iter().map(|e| e.to_string()).collect())
}

fn with_app() -> ClusterConfig {
    let mut cfg = cluster(&["n1"]);
    let spec = TypeBuilder::new("ACME", "big", "1")
        .extension(
            "Note",
            PropertyType::String,
            Some(Value::Str(String::new())),
        )
        .extension(
            "List",
            PropertyType::StringArray,
            Some(Value::Array(vec![])),
        )
        .build();
    cfg.apply(
        &Change::RegisterType {
            spec: Box::new(spec),
            installed_nodes: None,
            rt_system: None,
        },
        &NothingRunning,
    )
    .unwrap();
    group(&mut cfg, "rg", &[]);
    cfg
}

#[test]
fn a_value_over_the_limit_is_refused_with_its_size() {
    let mut cfg = with_app();
    let big = format!("Note={}", "x".repeat(MAX_VALUE_BYTES + 1));
    let (code, msgs) = refused(
        &mut cfg,
        Change::CreateResource {
            name: "r".into(),
            group: "rg".into(),
            type_name: "ACME.big".into(),
            edits: edits(&[&big]),
            enabled: true,
        },
    );
    assert_eq!(code, ErrorCode::Prop);
    assert_eq!(
        msgs,
        ["resource r, property Note: the value is 65537 bytes long; the limit is 65536 bytes"]
    );
    let (_, msgs) = refused(
        &mut cfg,
        Change::UpdateGroup {
            name: "rg".into(),
            edits: edits(&[&format!("Pathprefix={}", "/p".repeat(MAX_VALUE_BYTES))]),
        },
    );
    assert_eq!(
        msgs,
        [
            "resource group rg, property Pathprefix: the value is 131072 bytes long; the limit is 65536 bytes"
        ]
    );
}

#[test]
fn an_array_grown_past_the_limit_is_refused() {
    let mut cfg = with_app();
    cfg.apply(
        &Change::CreateResource {
            name: "b".into(),
            group: "rg".into(),
            type_name: "ACME.big".into(),
            edits: edits(&[&format!("List={}", "a".repeat(40_000))]),
            enabled: true,
        },
        &NothingRunning,
    )
    .unwrap();
    let (_, msgs) = refused(
        &mut cfg,
        Change::UpdateResource {
            name: "b".into(),
            edits: edits(&[&format!("List+={}", "b".repeat(30_000))]),
        },
    );
    assert_eq!(
        msgs,
        ["resource b, property List: the value is 70001 bytes long; the limit is 65536 bytes"]
    );
}

#[test]
fn a_type_over_its_limits_is_refused_whoever_built_it() {
    let mut cfg = cluster(&["n1"]);
    let mut spec = TypeBuilder::new("ACME", "huge", "1").build();
    spec.rt_description = "d".repeat(MAX_VALUE_BYTES + 10);
    spec.methods
        .insert(rtreg::Method::Start, "/opt/acme/\u{1b}]0;owned\u{7}".into());
    let (code, msgs) = refused(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(spec),
            installed_nodes: None,
            rt_system: None,
        },
    );
    assert_eq!(code, ErrorCode::Prop);
    assert_eq!(
        msgs,
        [
            "resource type ACME.huge:1, property START: /opt/acme/\\u{1b}]0;owned\\u{7} holds a control character",
            "resource type ACME.huge:1, property RT_description: is 65546 bytes long; the limit is 65536 bytes",
        ]
    );
}
