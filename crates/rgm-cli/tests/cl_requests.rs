//! clresourcetype, clresourcegroup and clresource against a fake rgmd: the exact request
//! each command line becomes, with `+`, `-g`/`-t` narrowing and `-p`/`-x`/`-y` order.

mod common;

use common::{FakeDaemon, rich_view};
use rgm_core::InstalledNodesEdit;
use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::testkit::edits;

#[test]
fn clrs_create_becomes_the_exact_request() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run(
        "clrs",
        &[
            "create",
            "-g",
            "rg1",
            "-t",
            "rec",
            "-p",
            "Port{n1}=80",
            "-x",
            "Conf=/x",
            "-d",
            "app2",
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        d.admin(),
        [AdminRequest::CreateResource {
            names: vec!["app2".into()],
            group: "rg1".into(),
            type_name: "rec".into(),
            edits: edits(&["Port{n1}=80", "Conf=/x"]),
            enabled: false,
        }]
    );
}

#[test]
fn edits_keep_command_line_order_across_p_x_and_y() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run(
        "clresource",
        &[
            "set",
            "-y",
            "Retry_count=3",
            "-x",
            "Conf=/y",
            "-p",
            "Resource_dependencies+=db",
            "-p",
            "R_description=a=b",
            "app",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        d.admin(),
        [AdminRequest::UpdateResource {
            resources: Operands::named(&["app"]),
            edits: edits(&[
                "Retry_count=3",
                "Conf=/y",
                "Resource_dependencies+=db",
                "R_description=a=b"
            ]),
        }]
    );
}

#[test]
fn clrg_subcommands_become_their_requests() {
    let d = FakeDaemon::new(rich_view());
    let runs: &[&[&str]] = &[
        &["online", "-e", "-M", "-n", "n1", "+"],
        &["offline", "rg1", "rg2"],
        &["switch", "-m", "-n", "n2,n1", "rg1"],
        &["add-node", "-n", "n3", "rg1"],
        &["remove-node", "-n", "n1", "rg1"],
        &["suspend", "-k", "+"],
        &["quiesce", "rg1"],
        &["evacuate", "-n", "n1", "-T", "30", "+"],
        &["delete", "-F", "rg2"],
        &["set", "-p", "Failback=TRUE", "-p", "Nodelist-=n3", "rg2"],
    ];
    for args in runs {
        let r = d.run("clrg", args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    let all = Operands::All;
    let rg1 = || Operands::named(&["rg1"]);
    assert_eq!(
        d.admin(),
        [
            AdminRequest::Online {
                groups: all.clone(),
                nodes: Some(vec!["n1".into()]),
                enable: true,
                monitor: false,
                manage: true
            },
            AdminRequest::Offline {
                groups: Operands::named(&["rg1", "rg2"]),
                nodes: None
            },
            AdminRequest::Switch {
                groups: rg1(),
                nodes: vec!["n2".into(), "n1".into()],
                enable: false,
                monitor: true,
                manage: false
            },
            AdminRequest::UpdateGroup {
                groups: rg1(),
                edits: edits(&["Nodelist+=n3"])
            },
            AdminRequest::UpdateGroup {
                groups: rg1(),
                edits: edits(&["Nodelist-=n1"])
            },
            AdminRequest::Suspend {
                groups: all.clone(),
                kill: true
            },
            AdminRequest::Quiesce {
                groups: rg1(),
                kill: false
            },
            AdminRequest::Evacuate {
                node: "n1".into(),
                seconds: 30
            },
            AdminRequest::DeleteGroup {
                groups: Operands::named(&["rg2"]),
                force: true
            },
            AdminRequest::UpdateGroup {
                groups: Operands::named(&["rg2"]),
                edits: edits(&["Failback=TRUE", "Nodelist-=n3"])
            },
        ]
    );
}

#[test]
fn clrg_create_sends_one_request_for_every_group_with_the_nodelist_first() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run(
        "clresourcegroup",
        &[
            "create",
            "-S",
            "-n",
            "n1,n2",
            "-p",
            "Failback=TRUE",
            "rgA",
            "rgB",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = edits(&["Nodelist=n1,n2", "Failback=TRUE"]);
    assert_eq!(
        d.admin(),
        [AdminRequest::CreateGroup {
            names: vec!["rgA".into(), "rgB".into()],
            scalable: true,
            edits: e
        }]
    );
}

#[test]
fn clrs_g_and_t_choose_names_from_the_view() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run(
        "clrs",
        &["disable", "-r", "-n", "n2", "-t", "rec,TEST.app", "+"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = d.run("clrs", &["enable", "+"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = d.run("clrs", &["clear", "-f", "stop_failed", "-g", "rg1", "db"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = d.run("clrs", &["monitor", "-g", "rg2", "+"]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (14, "clrs: no resource matches the operands, -g and -t")
    );
    assert_eq!(
        d.admin(),
        [
            AdminRequest::Disable {
                resources: Operands::named(&["db", "app"]),
                nodes: Some(vec!["n2".into()]),
                recursive: true
            },
            AdminRequest::Enable {
                resources: Operands::All,
                nodes: None,
                recursive: false
            },
            AdminRequest::ClearStopFailed {
                resources: Operands::named(&["db"]),
                nodes: vec!["n1".into(), "n2".into(), "n3".into()]
            },
        ]
    );
}

#[test]
fn clrt_set_add_node_and_remove_node() {
    let d = FakeDaemon::new(rich_view());
    for args in [
        &["set", "-p", "RT_system=true", "-N", "rec"][..],
        &["add-node", "-n", "n3", "ACME.lh"],
        &["remove-node", "-n", "n2", "ACME.lh:2"],
        &["set", "-p", "Installed_nodes+=n3", "+"],
    ] {
        let r = d.run("clrt", args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    let upd = |name: &str, nodes, sys| AdminRequest::UpdateType {
        name: name.into(),
        installed_nodes: nodes,
        rt_system: sys,
    };
    assert_eq!(
        d.admin(),
        [
            upd("rec", Some(InstalledNodesEdit::All), Some(true)),
            upd(
                "ACME.lh",
                Some(InstalledNodesEdit::Add(vec!["n3".into()])),
                None
            ),
            upd(
                "ACME.lh:2",
                Some(InstalledNodesEdit::Remove(vec!["n2".into()])),
                None
            ),
            upd(
                "ACME.lh:2",
                Some(InstalledNodesEdit::Add(vec!["n3".into()])),
                None
            ),
            upd(
                "ACME.rec:1",
                Some(InstalledNodesEdit::Add(vec!["n3".into()])),
                None
            ),
            upd(
                "TEST.app:1",
                Some(InstalledNodesEdit::Add(vec!["n3".into()])),
                None
            ),
        ]
    );
    let r = d.run("clrt", &["set", "-p", "Failover=TRUE", "rec"]);
    assert_eq!(r.code, 15);
    assert!(
        r.stderr.starts_with("clrt: property Failover: "),
        "{}",
        r.stderr
    );
}

#[test]
fn the_other_subcommands_become_their_requests() {
    let d = FakeDaemon::new(rich_view());
    let runs: &[(&str, &[&str])] = &[
        ("clrg", &["manage", "rg2"]),
        ("clrg", &["unmanage", "+"]),
        ("clrg", &["resume", "rg1"]),
        ("clrg", &["remaster", "+"]),
        ("clrg", &["restart", "-n", "n1", "rg1"]),
        ("clrs", &["delete", "-F", "app"]),
        ("clrs", &["monitor", "-n", "n1,n2", "+"]),
        ("clrs", &["unmonitor", "app", "db"]),
        (
            "clrs",
            &["create", "-g", "rg2", "-t", "TEST.app:1", "r1", "r2"],
        ),
        ("clrt", &["unregister", "ACME.lh", "rec"]),
    ];
    for (bin, args) in runs {
        let r = d.run(bin, args);
        assert_eq!(r.code, 0, "{bin} {args:?}: {}", r.stderr);
    }
    let create = |names: &[&str]| AdminRequest::CreateResource {
        names: names.iter().map(|n| n.to_string()).collect(),
        group: "rg2".into(),
        type_name: "TEST.app:1".into(),
        edits: vec![],
        enabled: true,
    };
    assert_eq!(
        d.admin(),
        [
            AdminRequest::Manage {
                groups: Operands::named(&["rg2"])
            },
            AdminRequest::Unmanage {
                groups: Operands::All
            },
            AdminRequest::Resume {
                groups: Operands::named(&["rg1"])
            },
            AdminRequest::Remaster {
                groups: Operands::All
            },
            AdminRequest::Restart {
                groups: Operands::named(&["rg1"]),
                nodes: Some(vec!["n1".into()])
            },
            AdminRequest::DeleteResource {
                resources: Operands::named(&["app"]),
                force: true
            },
            AdminRequest::Monitor {
                resources: Operands::All,
                nodes: Some(vec!["n1".into(), "n2".into()])
            },
            AdminRequest::Unmonitor {
                resources: Operands::named(&["app", "db"]),
                nodes: None
            },
            create(&["r1", "r2"]),
            AdminRequest::UnregisterType {
                names: Operands::named(&["ACME.lh", "rec"])
            },
        ]
    );
}

#[test]
fn a_refusal_stops_a_series_of_requests() {
    let d = FakeDaemon::answering(rich_view(), |r| match r {
        rgm_proto::Request::Admin(AdminRequest::Evacuate { node, .. }) if node == "n1" => {
            rgm_proto::Response::refused(rgm_core::ErrorCode::Node, "node n1: not a cluster node")
        }
        _ => rgm_proto::Response::Done { messages: vec![] },
    });
    let r = d.run("clrg", &["evacuate", "-n", "n2,n1,n3", "+"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (11, "clrg: node n1: not a cluster node\n")
    );
    assert_eq!(d.admin().len(), 2, "n3 is not attempted");
}

#[test]
fn create_with_several_operands_is_one_request() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run("clrg", &["create", "a", "b", "c"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        d.admin(),
        [AdminRequest::CreateGroup {
            names: vec!["a".into(), "b".into(), "c".into()],
            scalable: false,
            edits: vec![]
        }]
    );
}
