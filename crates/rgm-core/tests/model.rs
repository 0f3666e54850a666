//! The model accepts valid configurations and refuses invalid ones with a message naming the
//! object and property at fault; a refused change leaves the configuration untouched.

use rgm_core::testkit::{TypeBuilder, cluster, edits, group, must, resource};
use rgm_core::{Change, ClusterConfig, ErrorCode, NothingRunning};
use rtreg::{Method, PropertyType, Tunability, UpgradeTunability, Value};

/// Applies a change that must be refused; checks nothing changed; returns the messages.
fn refused(cfg: &mut ClusterConfig, change: Change) -> Vec<String> {
    let before = cfg.clone();
    let err = cfg
        .apply(&change, &NothingRunning)
        .expect_err("the change should be refused");
    assert_eq!(*cfg, before, "a refused change modified the configuration");
    err.0.iter().map(|e| e.to_string()).collect()
}

fn update_resource(name: &str, props: &[&str]) -> Change {
    Change::UpdateResource {
        name: name.into(),
        edits: edits(props),
    }
}

fn update_group(name: &str, props: &[&str]) -> Change {
    Change::UpdateGroup {
        name: name.into(),
        edits: edits(props),
    }
}

fn create_resource(name: &str, group: &str, rtype: &str, props: &[&str]) -> Change {
    Change::CreateResource {
        name: name.into(),
        group: group.into(),
        type_name: rtype.into(),
        edits: edits(props),
        enabled: true,
    }
}

fn register(cfg: &mut ClusterConfig, spec: rtreg::ResourceTypeSpec) {
    must(
        cfg,
        Change::RegisterType {
            spec: Box::new(spec),
            installed_nodes: None,
            rt_system: None,
        },
    );
}

#[test]
fn a_new_group_gets_every_node_and_failover_mode() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &[]);
    let g = cfg.group("rg1").unwrap();
    assert_eq!(g.nodelist(), ["n1", "n2", "n3"]);
    assert!(!g.is_scalable() && !g.managed);
    assert_eq!((g.maximum_primaries(), g.desired_primaries()), (1, 1));
    must(
        &mut cfg,
        Change::CreateGroup {
            name: "web".into(),
            scalable: true,
            edits: edits(&["Nodelist=n2,n3"]),
        },
    );
    let g = cfg.group("web").unwrap();
    assert!(g.is_scalable());
    assert_eq!((g.maximum_primaries(), g.desired_primaries()), (2, 2));
}

#[test]
fn names_are_checked() {
    let mut cfg = cluster(&["n1"]);
    let msgs = refused(
        &mut cfg,
        Change::CreateGroup {
            name: "9lives".into(),
            scalable: false,
            edits: vec![],
        },
    );
    assert_eq!(
        msgs,
        ["resource group 9lives: `9lives` must start with a letter, not `9`"]
    );
    group(&mut cfg, "rg1", &[]);
    let msgs = refused(
        &mut cfg,
        create_resource("bad.name", "rg1", "TEST.app", &[]),
    );
    assert!(msgs[0].contains("contains `.`"), "{msgs:?}");
    let msgs = refused(
        &mut cfg,
        Change::CreateGroup {
            name: "rg1".into(),
            scalable: false,
            edits: vec![],
        },
    );
    assert_eq!(msgs, ["resource group rg1: already exists"]);
}

#[test]
fn unknown_properties_get_a_suggestion() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Failbak=TRUE"])),
        ["resource group rg1, property Failbak: no such property; did you mean Failback?"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("app", &["Retry_cont=3"])),
        ["resource app, property Retry_cont: no such property; did you mean Retry_count?"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("app", &["Whatever=3"])),
        ["resource app, property Whatever: no such property"]
    );
}

#[test]
fn values_are_checked_against_type_bounds_and_enums() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Desired_primaries=lots"])),
        ["resource group rg1, property Desired_primaries: `lots` is not an integer"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("app", &["Retry_count=11"])),
        ["resource app, property Retry_count: 11 is above the maximum 10"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("app", &["Failover_mode=MEDIUM"])),
        [
            "resource app, property Failover_mode: `MEDIUM` is not one of NONE, SOFT, HARD, RESTART_ONLY, LOG_ONLY"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Failback=maybe"])),
        ["resource group rg1, property Failback: `maybe` is not a boolean (TRUE or FALSE)"]
    );
    must(
        &mut cfg,
        update_resource("app", &["Failover_mode=soft", "Retry_count=10"]),
    );
    let r = cfg.resource("app").unwrap();
    assert_eq!(cfg.failover_mode(r), rgm_core::FailoverMode::Soft);
    assert_eq!(
        cfg.resource_property(r, "failover_mode", None),
        Some(Value::Str("SOFT".into()))
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    let msgs = refused(
        &mut cfg,
        create_resource(
            "app",
            "rg1",
            "TEST.app:1",
            &["Retry_count=99", "Nope=1", "Failover_mode=X"],
        ),
    );
    assert_eq!(msgs.len(), 3, "{msgs:?}");
}

#[test]
fn tunability_is_enforced() {
    let mut cfg = cluster(&["n1", "n2"]);
    let spec = TypeBuilder::new("TEST", "tun", "1")
        .extension("Fixed", PropertyType::Int, Some(Value::Int(1)))
        .with(|p| p.tunable = Tunability::None)
        .extension("Once", PropertyType::Int, Some(Value::Int(1)))
        .with(|p| p.tunable = Tunability::AtCreation)
        .extension("Offline", PropertyType::Int, Some(Value::Int(1)))
        .with(|p| p.tunable = Tunability::WhenDisabled)
        .extension("Any", PropertyType::Int, Some(Value::Int(1)))
        .build();
    register(&mut cfg, spec);
    group(&mut cfg, "rg1", &[]);
    // Everything may be set at creation.
    must(
        &mut cfg,
        create_resource("r", "rg1", "tun", &["Fixed=2", "Once=2", "Offline=2"]),
    );
    assert_eq!(
        refused(&mut cfg, update_resource("r", &["Fixed=3"])),
        [
            "resource r, property Fixed: is not tunable: it cannot be changed after the resource is created"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("r", &["Once=3"])),
        ["resource r, property Once: can be set only when the resource is created"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("r", &["Offline=3"])),
        [
            "resource r, property Offline: can be changed only while the resource is disabled on every node; it is enabled on n1, n2"
        ]
    );
    must(&mut cfg, update_resource("r", &["Any=3"]));
    must(
        &mut cfg,
        Change::SetEnabled {
            resource: "r".into(),
            nodes: Some(vec!["n1".into()]),
            enabled: false,
        },
    );
    assert!(
        refused(&mut cfg, update_resource("r", &["Offline=3"]))[0].ends_with("it is enabled on n2")
    );
    must(
        &mut cfg,
        Change::SetEnabled {
            resource: "r".into(),
            nodes: None,
            enabled: false,
        },
    );
    must(&mut cfg, update_resource("r", &["Offline=3"]));
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["RG_mode=Scalable"])),
        ["resource group rg1, property RG_mode: can be set only when the group is created"]
    );
}

#[test]
fn query_only_properties_cannot_be_set() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    assert_eq!(
        refused(&mut cfg, update_resource("app", &["Resource_state=ONLINE"])),
        ["resource app, property Resource_state: is maintained by the RGM and cannot be set"]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["RG_state=ONLINE"])),
        ["resource group rg1, property RG_state: is maintained by the RGM and cannot be set"]
    );
}

#[test]
fn primaries_are_checked() {
    let mut cfg = cluster(&["n1", "n2", "n3"]);
    group(&mut cfg, "rg1", &[]);
    assert_eq!(
        refused(
            &mut cfg,
            update_group("rg1", &["Maximum_primaries=2", "Desired_primaries=3"])
        ),
        ["resource group rg1: Desired_primaries (3) is greater than Maximum_primaries (2)"]
    );
    assert_eq!(
        refused(
            &mut cfg,
            update_group("rg1", &["Nodelist=n1", "Maximum_primaries=2"])
        ),
        [
            "resource group rg1, property Maximum_primaries: Maximum_primaries (2) is greater than the 1 node(s) of Nodelist"
        ]
    );
}

#[test]
fn failover_types_stay_out_of_scalable_groups() {
    let mut cfg = cluster(&["n1", "n2"]);
    register(
        &mut cfg,
        TypeBuilder::new("TEST", "fo", "1").failover(true).build(),
    );
    must(
        &mut cfg,
        Change::CreateGroup {
            name: "web".into(),
            scalable: true,
            edits: vec![],
        },
    );
    assert_eq!(
        refused(&mut cfg, create_resource("db", "web", "TEST.fo", &[])),
        [
            "resource db: type TEST.fo:1 is a failover type (Failover=TRUE) and cannot be in a group with Maximum_primaries 2"
        ]
    );
    group(&mut cfg, "rg1", &[]);
    must(&mut cfg, create_resource("db", "rg1", "fo", &[]));
    let msgs = refused(&mut cfg, update_group("rg1", &["Maximum_primaries=2"]));
    assert!(
        msgs[0].starts_with("resource db: type TEST.fo:1 is a failover type"),
        "{msgs:?}"
    );
}

#[test]
fn single_instance_types_have_one_resource() {
    let mut cfg = cluster(&["n1"]);
    register(
        &mut cfg,
        TypeBuilder::new("TEST", "one", "1")
            .single_instance()
            .build(),
    );
    group(&mut cfg, "rg1", &[]);
    must(&mut cfg, create_resource("a", "rg1", "one", &[]));
    assert_eq!(
        refused(&mut cfg, create_resource("b", "rg1", "one", &[])),
        ["resource b: type TEST.one:1 is Single_instance and already has resource a"]
    );
}

#[test]
fn nodelists_name_cluster_nodes_where_the_types_are_installed() {
    let mut cfg = cluster(&["n1", "n2"]);
    assert_eq!(
        refused(
            &mut cfg,
            Change::CreateGroup {
                name: "rg1".into(),
                scalable: false,
                edits: edits(&["Nodelist=n1,n9"])
            }
        ),
        ["resource group rg1: node n9 is not a cluster node"]
    );
    must(
        &mut cfg,
        Change::RegisterType {
            spec: Box::new(TypeBuilder::new("TEST", "local", "1").build()),
            installed_nodes: Some(vec!["n1".into()]),
            rt_system: None,
        },
    );
    group(&mut cfg, "rg1", &["Nodelist=n1"]);
    must(&mut cfg, create_resource("r", "rg1", "local", &[]));
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Nodelist+=n2"])),
        [
            "resource group rg1, property Nodelist: node n2 is not in Installed_nodes of type TEST.local:1 (used by resource r)"
        ]
    );
    assert_eq!(
        refused(
            &mut cfg,
            Change::UpdateType {
                name: "local".into(),
                installed_nodes: Some(rgm_core::InstalledNodesEdit::Set(vec!["n2".into()])),
                rt_system: None
            }
        ),
        [
            "resource group rg1, property Nodelist: node n1 is not in Installed_nodes of type TEST.local:1 (used by resource r)"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Nodelist=n1,n1"])),
        ["resource group rg1, property Nodelist: node n1 is listed twice"]
    );
}

#[test]
fn deletions_that_would_strand_something_are_refused() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "db", "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    let err = cfg
        .apply(
            &Change::UnregisterType {
                name: "TEST.app:1".into(),
            },
            &NothingRunning,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource type TEST.app:1: still has resources: app, db"
    );
    assert_eq!(err.code(), ErrorCode::State);
    must(
        &mut cfg,
        Change::SetEnabled {
            resource: "db".into(),
            nodes: None,
            enabled: false,
        },
    );
    assert_eq!(
        refused(&mut cfg, Change::DeleteResource { name: "db".into() }),
        ["resource db: app depend(s) on it"]
    );
    assert_eq!(
        refused(&mut cfg, Change::DeleteResource { name: "app".into() }),
        ["resource app: is enabled; disable it first (or use -F)"]
    );
    assert_eq!(
        refused(&mut cfg, Change::DeleteGroup { name: "rg1".into() }),
        ["resource group rg1: still has resources: db, app (delete them first, or use -F)"]
    );
    must(
        &mut cfg,
        Change::SetEnabled {
            resource: "app".into(),
            nodes: None,
            enabled: false,
        },
    );
    must(&mut cfg, Change::DeleteResource { name: "app".into() });
    must(&mut cfg, Change::DeleteResource { name: "db".into() });
    must(&mut cfg, Change::DeleteGroup { name: "rg1".into() });
    must(&mut cfg, Change::UnregisterType { name: "app".into() });
    assert!(cfg.groups.is_empty() && cfg.resources.is_empty() && cfg.types.is_empty());
}

#[test]
fn rg_dependency_rules_5_and_6() {
    let mut cfg = cluster(&["n1"]);
    group(
        &mut cfg,
        "base",
        &["Desired_primaries=0", "Auto_start_on_new_cluster=FALSE"],
    );
    assert_eq!(
        refused(
            &mut cfg,
            Change::CreateGroup {
                name: "top".into(),
                scalable: false,
                edits: edits(&["RG_dependencies=base"])
            }
        ),
        [
            "resource group top, property Desired_primaries: depends on group base, which has Desired_primaries 0, so this group cannot have Desired_primaries above 0",
            "resource group top, property Auto_start_on_new_cluster: depends on group base, which has Auto_start_on_new_cluster FALSE, so this group cannot have it TRUE",
        ]
    );
    must(
        &mut cfg,
        update_group(
            "base",
            &["Desired_primaries=1", "Auto_start_on_new_cluster=TRUE"],
        ),
    );
    group(&mut cfg, "top", &["RG_dependencies=base"]);
    // The other direction: changing the depended-on group is checked against its dependents.
    let msgs = refused(&mut cfg, update_group("base", &["Desired_primaries=0"]));
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0]
            .starts_with("resource group top, property Desired_primaries: depends on group base")
    );
}

#[test]
fn references_must_exist() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    assert_eq!(
        refused(
            &mut cfg,
            update_resource("app", &["Resource_dependencies=ghost"])
        ),
        [
            "resource app, property Resource_dependencies: names resource ghost, which does not exist"
        ]
    );
    assert_eq!(
        refused(
            &mut cfg,
            update_resource("app", &["Resource_dependencies_weak=app"])
        ),
        ["resource app, property Resource_dependencies_weak: cannot refer to itself"]
    );
    assert_eq!(
        refused(
            &mut cfg,
            update_resource("app", &["Resource_dependencies=db{NEARBY}"])
        ),
        [
            "resource app, property Resource_dependencies: `db{NEARBY}`: unknown qualifier {NEARBY}; use LOCAL_NODE, ANY_NODE or FROM_RG_AFFINITIES"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["RG_affinities=++nowhere"])),
        [
            "resource group rg1, property RG_affinities: names resource group nowhere, which does not exist"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["RG_affinities=*rg2"])),
        [
            "resource group rg1, property RG_affinities: `*rg2`: an affinity is +group, ++group, +++group, -group or --group"
        ]
    );
    assert_eq!(
        refused(
            &mut cfg,
            create_resource("app2", "rg1", "TEST.app", &["Network_resources_used=app"])
        ),
        [
            "resource app2, property Network_resources_used: names network address resource app, which does not exist"
        ]
    );
}

#[test]
fn dependency_cycles_are_spelled_out() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "db", "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &["Resource_dependencies=db"]);
    assert_eq!(
        refused(
            &mut cfg,
            update_resource("db", &["Resource_dependencies_restart=app"])
        ),
        ["resource app: would make a dependency cycle: app -> db -> app"]
    );
    // Per-node dependencies that never meet on one node are not a cycle.
    resource(&mut cfg, "a", "rg1", &["Resource_dependencies=db@n1"]);
    resource(&mut cfg, "b", "rg1", &["Resource_dependencies=a@n2"]);
    must(
        &mut cfg,
        update_resource("a", &["Resource_dependencies+=b@n1"]),
    );
    assert_eq!(
        refused(
            &mut cfg,
            update_resource("b", &["Resource_dependencies+=a@n1"])
        ),
        ["resource a: would make a dependency cycle: a -> b -> a"]
    );
    // Groups: RG_dependencies plus strong positive affinities.
    group(&mut cfg, "rg2", &["RG_dependencies=rg1"]);
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["RG_affinities=++rg2"])),
        ["resource group rg1: would make a dependency cycle: rg1 -> rg2 -> rg1"]
    );
    must(&mut cfg, update_group("rg1", &["RG_affinities=+rg2"]));
}

#[test]
fn per_node_values() {
    let mut cfg = cluster(&["n1", "n2"]);
    let spec = TypeBuilder::new("TEST", "pn", "1")
        .extension("Port", PropertyType::Int, Some(Value::Int(80)))
        .with(|p| p.per_node = true)
        .build();
    register(&mut cfg, spec);
    group(&mut cfg, "rg1", &[]);
    must(
        &mut cfg,
        create_resource("web", "rg1", "pn", &["Port{n2}=8080"]),
    );
    let r = cfg.resource("web").unwrap();
    assert_eq!(
        cfg.resource_property(r, "Port", Some("n1")),
        Some(Value::Int(80))
    );
    assert_eq!(
        cfg.resource_property(r, "Port", Some("n2")),
        Some(Value::Int(8080))
    );
    assert_eq!(
        refused(&mut cfg, update_resource("web", &["Retry_count{n1}=1"])),
        ["resource web, property Retry_count: no such property"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("web", &["R_description{n1}=x"])),
        [
            "resource web, property R_description: is not a per-node property, so it takes no {node} list"
        ]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("web", &["Port{n7}=1"])),
        ["resource web, property Port: node n7 is not a cluster node"]
    );
    // A value for all nodes replaces the per-node ones.
    must(&mut cfg, update_resource("web", &["Port=81"]));
    let r = cfg.resource("web").unwrap();
    assert_eq!(
        cfg.resource_property(r, "Port", Some("n2")),
        Some(Value::Int(81))
    );
}

#[test]
fn extension_properties_without_default_are_required() {
    let mut cfg = cluster(&["n1"]);
    let spec = TypeBuilder::new("TEST", "req", "1")
        .extension("Confdir", PropertyType::String, None)
        .build();
    register(&mut cfg, spec);
    group(&mut cfg, "rg1", &[]);
    assert_eq!(
        refused(&mut cfg, create_resource("r", "rg1", "req", &[])),
        [
            "resource r, property Confdir: has no default and must be given when the resource is created"
        ]
    );
    must(
        &mut cfg,
        create_resource("r", "rg1", "req", &["Confdir=/etc/x"]),
    );
}

#[test]
fn types_are_found_by_full_or_short_name() {
    let mut cfg = cluster(&["n1"]);
    register(&mut cfg, TypeBuilder::new("ACME", "rec", "1").build());
    for name in ["ACME.rec:1", "ACME.rec", "rec:1", "rec"] {
        assert_eq!(
            cfg.resolve_type(name).unwrap().name(),
            "ACME.rec:1",
            "{name}"
        );
    }
    register(&mut cfg, TypeBuilder::new("ACME", "rec", "2").build());
    let err = cfg.resolve_type("ACME.rec").unwrap_err();
    assert_eq!(
        err.to_string(),
        "resource type ACME.rec: the name is ambiguous; it could be ACME.rec:1, ACME.rec:2"
    );
    assert_eq!(cfg.resolve_type("ghost").unwrap_err().code(), ErrorCode::Rt);
}

#[test]
fn type_version_follows_upgrade_directives() {
    let mut cfg = cluster(&["n1"]);
    register(&mut cfg, TypeBuilder::new("ACME", "svc", "1").build());
    group(&mut cfg, "rg1", &[]);
    must(&mut cfg, create_resource("s", "rg1", "ACME.svc:1", &[]));
    register(
        &mut cfg,
        TypeBuilder::new("ACME", "svc", "2")
            .upgrade_from(&[("1", UpgradeTunability::WhenDisabled)])
            .build(),
    );
    assert_eq!(
        refused(&mut cfg, update_resource("s", &["Type_version=3"])),
        ["resource s, property Type_version: no version `3` of type svc is registered"]
    );
    assert_eq!(
        refused(&mut cfg, update_resource("s", &["Type_version=2"])),
        [
            "resource s, property Type_version: moving from version `1` to `2` is allowed only WHEN_DISABLED (#$upgrade_from of ACME.svc:2)"
        ]
    );
    must(
        &mut cfg,
        Change::SetEnabled {
            resource: "s".into(),
            nodes: None,
            enabled: false,
        },
    );
    must(&mut cfg, update_resource("s", &["Type_version=2"]));
    let r = cfg.resource("s").unwrap();
    assert_eq!(r.type_name, "ACME.svc:2");
    assert_eq!(
        cfg.resource_property(r, "Type_version", None),
        Some(Value::Str("2".into()))
    );
}

#[test]
fn array_edits_and_method_timeouts() {
    let mut cfg = cluster(&["n1", "n2"]);
    group(&mut cfg, "rg1", &["Nodelist=n1"]);
    must(&mut cfg, update_group("rg1", &["Nodelist+=n2"]));
    assert_eq!(cfg.group("rg1").unwrap().nodelist(), ["n1", "n2"]);
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Nodelist-=n5"])),
        ["resource group rg1, property Nodelist: `n5` is not in the current value"]
    );
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Failback+=TRUE"])),
        ["resource group rg1, property Failback: is not a STRINGARRAY, so += and -= do not apply"]
    );
    resource(&mut cfg, "app", "rg1", &["Start_timeout=30"]);
    let r = cfg.resource("app").unwrap();
    assert_eq!(cfg.method_timeout(r, Method::Start), 30);
    assert_eq!(cfg.method_timeout(r, Method::Stop), 3600);
    // A timeout exists only for a declared method.
    assert!(
        refused(&mut cfg, update_resource("app", &["Boot_timeout=5"]))[0]
            .contains("no such property")
    );
}

#[test]
fn protected_objects() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &["RG_system=TRUE"]);
    assert_eq!(
        refused(&mut cfg, update_group("rg1", &["Failback=TRUE"])),
        [
            "resource group rg1, property RG_system: is TRUE, which protects the group from changes; set RG_system=FALSE first"
        ]
    );
    must(&mut cfg, update_group("rg1", &["RG_system=FALSE"]));
    must(
        &mut cfg,
        Change::UpdateType {
            name: "app".into(),
            installed_nodes: None,
            rt_system: Some(true),
        },
    );
    assert!(
        refused(&mut cfg, Change::UnregisterType { name: "app".into() })[0]
            .contains("protects the type from deletion")
    );
}

#[test]
fn unmanaging_needs_every_resource_disabled() {
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    must(
        &mut cfg,
        Change::SetManaged {
            group: "rg1".into(),
            managed: true,
        },
    );
    assert_eq!(
        refused(
            &mut cfg,
            Change::SetManaged {
                group: "rg1".into(),
                managed: false
            }
        ),
        [
            "resource group rg1: cannot be unmanaged while resources are enabled: app; disable them first"
        ]
    );
}

#[test]
fn whole_configurations_are_checked_by_the_same_rules() {
    assert_eq!(
        rgm_core::testkit::chained_cluster(3, 1000, 5).check(),
        Ok(())
    );
    let mut cfg = cluster(&["n1"]);
    group(&mut cfg, "rg1", &[]);
    resource(&mut cfg, "app", "rg1", &[]);
    assert_eq!(cfg.check(), Ok(()));
    cfg.resources.get_mut("app").unwrap().properties.insert(
        "Resource_dependencies".into(),
        Value::Array(vec!["ghost".into()]),
    );
    assert_eq!(
        cfg.check().unwrap_err().to_string(),
        "resource app, property Resource_dependencies: names resource ghost, which does not exist"
    );
}
