//! clresourcetype, clresourcegroup and clresource as an administrator runs them, against a
//! fake rgmd: the exact request each command line becomes, `+`, output, exit statuses and
//! the one-line errors (missing daemon, refusals, usage).

mod common;

use common::{FakeDaemon, rich_view, run_with, sample_view};
use rgm_core::engine::{AdminRequest, Operands};
use rgm_core::testkit::edits;
use rgm_core::{ErrorCode, InstalledNodesEdit};
use rgm_proto::Response;

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
            name: "app2".into(),
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
fn clrg_create_sends_one_request_per_group_with_the_nodelist_first() {
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
        [
            AdminRequest::CreateGroup {
                name: "rgA".into(),
                scalable: true,
                edits: e.clone()
            },
            AdminRequest::CreateGroup {
                name: "rgB".into(),
                scalable: true,
                edits: e
            },
        ]
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
fn refusals_print_each_line_and_exit_with_the_code() {
    let d = FakeDaemon::answering(rich_view(), |_| Response::Refused {
        code: ErrorCode::Depend,
        messages: vec![
            "resource app, property Resource_dependencies: cycle app -> db -> app".into(),
            "nothing was changed".into(),
        ],
    });
    let r = d.run("clrs", &["set", "-p", "Resource_dependencies=db", "app"]);
    assert_eq!(r.code, 8);
    assert_eq!(
        r.stderr,
        "clrs: resource app, property Resource_dependencies: cycle app -> db -> app\nclrs: nothing was changed\n"
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn done_messages_such_as_validate_output_go_to_stdout() {
    let d = FakeDaemon::answering(rich_view(), |_| Response::Done {
        messages: vec!["VALIDATE on n1: config ok".into()],
    });
    let r = d.run("clrs", &["enable", "app"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "VALIDATE on n1: config ok\n", "")
    );
}

#[test]
fn a_missing_daemon_is_one_line_naming_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    for bin in ["clrg", "clresource", "clrt"] {
        let r = run_with(bin, &["list"], &[("RGM_SOCKET", sock.as_os_str())]);
        assert_eq!(r.code, 18, "{bin}");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("cannot reach rgmd at {}", sock.display())),
            "{}",
            r.stderr
        );
    }
    // --socket wins over the environment.
    let d = FakeDaemon::new(rich_view());
    let s = d.socket.to_str().unwrap();
    let r = run_with(
        "clrg",
        &["list", "--socket", s],
        &[("RGM_SOCKET", sock.as_os_str())],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "rg1\nrg2\n"));
}

#[test]
fn usage_errors_are_one_line_and_send_nothing() {
    let d = FakeDaemon::new(rich_view());
    for (bin, args) in [
        ("clrg", &["online"][..]),
        ("clrg", &["frobnicate"]),
        ("clrs", &["create", "-t", "rec", "x"]),
        ("clrs", &["set", "-p", "novalue", "app"]),
        ("clrs", &["clear", "-f", "START_FAILED", "app"]),
        ("clrg", &["evacuate", "-n", "n1", "rg1"]),
        ("clrg", &["list", "-o", "xml"]),
    ] {
        let r = d.run(bin, args);
        assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with(&format!("{bin}: ")), "{}", r.stderr);
    }
    assert_eq!(d.changes(), []);
    let r = d.run("clrg", &["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("evacuate"));
}

#[test]
fn read_subcommands_print_the_view() {
    let d = FakeDaemon::new(sample_view());
    let r = d.run("clrg", &["status"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .starts_with("=== Cluster Resource Groups ===\n\nGroup Name      Node Name")
    );
    let r = d.run("clrs", &["status", "-n", "theo", "orangecat-nfs"]);
    assert!(
        r.stdout.ends_with(
            "orangecat-nfs   theo        Online        Online - LogicalHostname online.\n"
        ),
        "{}",
        r.stdout
    );
    let r = d.run("clrs", &["list", "+"]);
    assert_eq!(r.stdout, "nfs-stor\norangecat-nfs\n");
    let r = d.run("clrt", &["list"]);
    assert_eq!(r.stdout, "TEST.app:1\n");
    let r = d.run("clrt", &["list", "-v"]);
    assert_eq!(
        r.stdout,
        "Resource Type   Node List\n-------------   ---------\nTEST.app:1      <All>\n"
    );
    let r = d.run("clrs", &["list-props", "nfs-stor"]);
    assert!(
        r.stdout.starts_with("Start_timeout\nStop_timeout\n"),
        "{}",
        r.stdout
    );
    let r = d.run("clrg", &["show", "nfs-rg"]);
    assert!(
        r.stdout
            .starts_with("=== Resource Groups and Resources ===\n\nResource Group:")
    );
    let r = d.run("clrt", &["show", "app"]);
    assert!(r.stdout.starts_with("=== Registered Resource Types ===\n\nResource Type:                                  TEST.app:1\n"));
}

#[test]
fn json_output_on_every_read_subcommand() {
    let d = FakeDaemon::new(rich_view());
    for (bin, sub) in [
        ("clrt", "list"),
        ("clrt", "list-props"),
        ("clrt", "show"),
        ("clrg", "list"),
        ("clrg", "show"),
        ("clrg", "status"),
        ("clrs", "list"),
        ("clrs", "list-props"),
        ("clrs", "show"),
        ("clrs", "status"),
    ] {
        let r = d.run(bin, &[sub, "-o", "json"]);
        assert_eq!(r.code, 0, "{bin} {sub}: {}", r.stderr);
        let doc: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{bin} {sub}: {e}"));
        assert!(doc.is_array(), "{bin} {sub}");
    }
    let r = d.run("clrg", &["list", "-o", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap(),
        serde_json::json!(["rg1", "rg2"])
    );
    let r = d.run("clrs", &["status", "-o", "json", "-g", "rg1", "app"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc[0]["nodes"][0]["state"], "ONLINE_NOT_MONITORED");
}

#[test]
fn unknown_objects_on_read_subcommands_exit_with_their_code() {
    let d = FakeDaemon::new(rich_view());
    for (bin, args, code, msg) in [
        (
            "clrg",
            &["show", "nope"][..],
            12,
            "clrg: resource group nope: does not exist\n",
        ),
        (
            "clrs",
            &["status", "nope"],
            14,
            "clrs: resource nope: does not exist\n",
        ),
        (
            "clrt",
            &["show", "nope"],
            13,
            "clrt: resource type nope: does not exist\n",
        ),
        (
            "clrg",
            &["status", "-n", "n9"],
            11,
            "clrg: node n9: is not a cluster node\n",
        ),
    ] {
        let r = d.run(bin, args);
        assert_eq!(
            (r.code, r.stderr.as_str(), r.stdout.as_str()),
            (code, msg, ""),
            "{args:?}"
        );
    }
}
