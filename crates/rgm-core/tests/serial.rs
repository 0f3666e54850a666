//! The persisted configuration format: pinned by a golden file, round-trips at scale, and
//! refuses what it cannot read with a clear reason.

use std::path::PathBuf;

use rgm_core::serial::{from_json, to_json};
use rgm_core::testkit::{TypeBuilder, chained_cluster, cluster, edits, group, must, resource};
use rgm_core::{Change, ClusterConfig};
use rtreg::{PropertyType, Value};

/// A small configuration that uses every part of the format.
fn representative() -> ClusterConfig {
    let mut cfg = cluster(&["n1", "n2"]);
    let spec = TypeBuilder::new("ACME", "web", "2")
        .extension("Port", PropertyType::Int, Some(Value::Int(80)))
        .with(|p| p.per_node = true)
        .build();
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(spec),
            installed_nodes: Some(vec!["n1".into(), "n2".into()]),
            rt_system: None,
        },
    );
    group(&mut cfg, "db-rg", &["Failback=TRUE"]);
    resource(&mut cfg, "db", "db-rg", &["Retry_count=3"]);
    must(
        &mut cfg,
        Change::CreateGroup {
            name: "web-rg".into(),
            scalable: true,
            edits: edits(&["RG_dependencies=db-rg", "RG_affinities=+db-rg"]),
        },
    );
    must(
        &mut cfg,
        Change::CreateResource {
            name: "web".into(),
            group: "web-rg".into(),
            type_name: "ACME.web".into(),
            edits: edits(&["Port{n2}=8080", "Resource_dependencies=db{ANY_NODE}"]),
            enabled: true,
        },
    );
    must(
        &mut cfg,
        Change::SetManaged {
            group: "db-rg".into(),
            managed: true,
        },
    );
    must(
        &mut cfg,
        Change::SetMonitored {
            resource: "db".into(),
            nodes: Some(vec!["n2".into()]),
            monitored: false,
        },
    );
    cfg
}

#[test]
fn the_format_is_pinned_by_a_golden_file() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/config_v1.json");
    let actual = to_json(&representative());
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).expect("golden file (UPDATE_EXPECT=1 writes it)");
    assert!(
        actual == expected,
        "the persisted configuration format changed; if that is deliberate, bump CONFIG_VERSION, \
         migrate, and regenerate with UPDATE_EXPECT=1\n--- actual ---\n{actual}"
    );
    assert!(
        from_json(&expected).unwrap() == representative(),
        "golden file does not read back"
    );
}

#[test]
fn a_large_configuration_round_trips() {
    let cfg = chained_cluster(3, 10_000, 5);
    assert_eq!(cfg.resources.len(), 10_000);
    assert_eq!(cfg.groups.len(), 1_000);
    let text = to_json(&cfg);
    assert!(
        from_json(&text).unwrap() == cfg,
        "10,000 resources do not round-trip"
    );
}

#[test]
fn unreadable_configurations_say_why() {
    let good = to_json(&representative());
    let err = |text: &str| from_json(text).unwrap_err().to_string();
    assert!(err("{").starts_with("not valid JSON"));
    assert_eq!(
        err(&good.replacen("\"rgm-config\"", "\"other\"", 1)),
        "not an rgm configuration (format is `other`, expected `rgm-config`)"
    );
    assert_eq!(
        err(&good.replacen("\"version\": 1", "\"version\": 2", 1)),
        "configuration version 2 is not one this rgm reads (it reads version 1)"
    );
    assert!(
        err(r#"{"format":"rgm-config","version":1,"config":{"nodes":5}}"#)
            .starts_with("configuration does not match version 1")
    );
}
