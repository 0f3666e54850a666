//! The scha_* commands against a fake rgmd serving a view of n1: values one per line, the
//! optags of reference §g.6 (case-insensitive), and the SCHA_ERR exit codes of §g.7.

mod common;

use common::{FakeDaemon, rich_view, run_with};
use rgm_core::ErrorCode;
use rgm_core::engine::{ControlTag, Status};
use rgm_proto::{Request, Response};

fn get(d: &FakeDaemon, bin: &str, args: &[&str]) -> (i32, String) {
    let r = d.run(bin, args);
    if r.code == 0 {
        assert_eq!(r.stderr, "", "{args:?}");
    } else {
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with(&format!("{bin}: ")), "{}", r.stderr);
    }
    (r.code, r.stdout)
}

#[test]
fn scha_resource_get_answers_every_kind_of_optag() {
    let d = FakeDaemon::new(rich_view());
    let cases: &[(&[&str], &str)] = &[
        (
            &["-O", "RESOURCE_STATE", "-R", "app", "-G", "rg1"],
            "ONLINE_NOT_MONITORED\n",
        ),
        (
            &["-O", "resource_state_node", "-R", "app", "n2"],
            "OFFLINE\n",
        ),
        (&["-O", "STATUS", "-R", "app"], "UNKNOWN\n\n"),
        (
            &["-O", "Extension", "-R", "app", "Conf"],
            "STRING\n/etc/rec.conf\n",
        ),
        (&["-O", "EXTENSION", "-R", "app", "Port"], "INT\n80\n"),
        (
            &["-O", "EXTENSION_NODE", "-R", "app", "Port", "n2"],
            "INT\n8080\n",
        ),
        (&["-O", "ALL_EXTENSIONS", "-R", "app"], "Port\nConf\n"),
        (&["-O", "TYPE", "-R", "app"], "ACME.rec:1\n"),
        (&["-O", "TYPE_VERSION", "-R", "app"], "1\n"),
        (&["-O", "GROUP", "-R", "app"], "rg1\n"),
        (&["-O", "START_TIMEOUT", "-R", "app"], "3600\n"),
        (&["-O", "FAILOVER_MODE", "-R", "app"], "NONE\n"),
        (&["-O", "R_DESCRIPTION", "-R", "app"], "\n"),
        (&["-O", "RESOURCE_DEPENDENCIES", "-R", "app"], "db\n"),
        (
            &["-O", "RESOURCE_DEPENDENCIES_Q", "-R", "app"],
            "db{LOCAL_NODE}\nlh@n2\n",
        ),
        (&["-O", "RESOURCE_DEPENDENCIES_WEAK", "-R", "app"], ""),
        (&["-O", "NETWORK_RESOURCES_USED", "-R", "app"], ""),
        (&["-O", "ON_OFF_SWITCH", "-R", "app"], "ENABLED\n"),
        (
            &["-O", "MONITORED_SWITCH_NODE", "-R", "app", "n2"],
            "ENABLED\n",
        ),
        (&["-O", "NUM_RESOURCE_RESTARTS", "-R", "app"], "0\n"),
        (&["-O", "NUM_RG_RESTARTS", "-R", "app"], "0\n"),
        (&["-O", "RETRY_COUNT", "-R", "db"], "2\n"),
        (&["-O", "START", "-R", "app"], "/opt/ACME/bin/rec_start\n"),
        (&["-O", "RT_BASEDIR", "-R", "app"], "/opt/ACME/bin\n"),
        (&["-O", "FAILOVER", "-R", "app"], "FALSE\n"),
        (&["-O", "INIT_NODES", "-R", "app"], "RG_PRIMARIES\n"),
        (&["-O", "INSTALLED_NODES", "-R", "lh"], "n1\nn2\n"),
        (&["-O", "IS_LOGICAL_HOSTNAME", "-R", "lh"], "TRUE\n"),
    ];
    for (args, want) in cases {
        assert_eq!(
            get(&d, "scha_resource_get", args),
            (0, want.to_string()),
            "{args:?}"
        );
    }
}

#[test]
fn scha_resource_get_exit_codes() {
    let d = FakeDaemon::new(rich_view());
    let cases: &[(&[&str], i32)] = &[
        (&["-O", "NO_SUCH_TAG", "-R", "app"], 4),
        (&["-O", "TYPE", "-R", "nope"], 14),
        (&["-O", "TYPE", "-R", "app", "-G", "nope"], 12),
        (&["-O", "TYPE", "-R", "app", "-G", "rg2"], 14),
        (&["-O", "RETRY_COUNT", "-R", "app"], 15),
        (&["-O", "EXTENSION", "-R", "app", "Nope"], 15),
        (&["-O", "RESOURCE_STATE_NODE", "-R", "app", "n9"], 11),
        (&["-O", "RESOURCE_STATE_NODE", "-R", "app"], 3),
        (&["-O", "TYPE", "-R", "app", "extra"], 3),
        (&["-R", "app"], 3),
    ];
    for (args, code) in cases {
        assert_eq!(
            get(&d, "scha_resource_get", args),
            (*code, String::new()),
            "{args:?}"
        );
    }
}

#[test]
fn group_type_and_cluster_queries() {
    let d = FakeDaemon::new(rich_view());
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "scha_resourcegroup_get",
            &["-O", "RG_STATE", "-G", "rg1"],
            0,
            "ONLINE\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "rg_state_node", "-G", "rg1", "n2"],
            0,
            "OFFLINE\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "RG_STATE", "-G", "rg2"],
            0,
            "UNMANAGED\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "NODELIST", "-G", "rg1"],
            0,
            "n1\nn2\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "RESOURCE_LIST", "-G", "rg1"],
            0,
            "db\nlh\napp\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "FAILBACK", "-G", "rg1"],
            0,
            "FALSE\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "PINGPONG_INTERVAL", "-G", "rg1"],
            0,
            "3600\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "RG_MODE", "-G", "rg1"],
            0,
            "Failover\n",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "RG_DEPENDENCIES", "-G", "rg1"],
            0,
            "",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "BOGUS", "-G", "rg1"],
            4,
            "",
        ),
        (
            "scha_resourcegroup_get",
            &["-O", "NODELIST", "-G", "nope"],
            12,
            "",
        ),
        (
            "scha_resourcetype_get",
            &["-O", "RT_VERSION", "-T", "ACME.lh"],
            0,
            "2\n",
        ),
        (
            "scha_resourcetype_get",
            &["-O", "INSTALLED_NODES", "-T", "rec"],
            0,
            "n1\nn2\nn3\n",
        ),
        (
            "scha_resourcetype_get",
            &["-O", "RESOURCE_LIST", "-T", "TEST.app:1"],
            0,
            "db\n",
        ),
        (
            "scha_resourcetype_get",
            &["-O", "IS_SHARED_ADDRESS", "-T", "lh"],
            0,
            "FALSE\n",
        ),
        (
            "scha_resourcetype_get",
            &["-O", "MONITOR_START", "-T", "app"],
            0,
            "/opt/TEST/bin/app_monitor_start\n",
        ),
        ("scha_resourcetype_get", &["-O", "BOOT", "-T", "app"], 0, ""),
        (
            "scha_resourcetype_get",
            &["-O", "RT_VERSION", "-T", "nope"],
            13,
            "",
        ),
        ("scha_resourcetype_get", &["-O", "NOPE", "-T", "app"], 4, ""),
        ("scha_cluster_get", &["-O", "CLUSTERNAME"], 0, "test\n"),
        ("scha_cluster_get", &["-O", "nodename_local"], 0, "n1\n"),
        ("scha_cluster_get", &["-O", "NODEID_LOCAL"], 0, "1\n"),
        (
            "scha_cluster_get",
            &["-O", "ALL_NODENAMES"],
            0,
            "n1\nn2\nn3\n",
        ),
        ("scha_cluster_get", &["-O", "ALL_NODEIDS"], 0, "1\n2\n3\n"),
        ("scha_cluster_get", &["-O", "NODESTATE_LOCAL"], 0, "UP\n"),
        (
            "scha_cluster_get",
            &["-O", "NODESTATE_NODE", "n3"],
            0,
            "UP\n",
        ),
        (
            "scha_cluster_get",
            &["-O", "NODENAME_NODEID", "2"],
            0,
            "n2\n",
        ),
        (
            "scha_cluster_get",
            &["-O", "NODEID_NODENAME", "n3"],
            0,
            "3\n",
        ),
        (
            "scha_cluster_get",
            &["-O", "ALL_RESOURCEGROUPS"],
            0,
            "rg1\nrg2\n",
        ),
        (
            "scha_cluster_get",
            &["-O", "ALL_RESOURCETYPES"],
            0,
            "ACME.lh:2\nACME.rec:1\nTEST.app:1\n",
        ),
        ("scha_cluster_get", &["-O", "NODENAME_NODEID", "9"], 11, ""),
        ("scha_cluster_get", &["-O", "NODESTATE_NODE", "n9"], 11, ""),
        ("scha_cluster_get", &["-O", "NOPE"], 4, ""),
    ];
    for (bin, args, code, want) in cases {
        assert_eq!(
            get(&d, bin, args),
            (*code, want.to_string()),
            "{bin} {args:?}"
        );
    }
}

#[test]
fn scha_control_sends_the_request_and_exits_with_the_answer() {
    let d = FakeDaemon::answering(rich_view(), |r| match r {
        Request::Control {
            tag: ControlTag::Giveover,
            ..
        } => Response::refused(
            ErrorCode::Checks,
            "resource app: no other node can master rg1",
        ),
        _ => Response::Done { messages: vec![] },
    });
    let r = d.run(
        "scha_control",
        &["-O", "resource_restart", "-G", "rg1", "-R", "app"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let r = d.run(
        "scha_control",
        &["-O", "GIVEOVER", "-G", "rg1", "-R", "app"],
    );
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            16,
            "scha_control: resource app: no other node can master rg1\n"
        )
    );
    let r = d.run("scha_control", &["-O", "EXPLODE", "-G", "rg1", "-R", "app"]);
    assert_eq!(r.code, 4);
    let control = |tag| Request::Control {
        tag,
        group: "rg1".into(),
        resource: "app".into(),
    };
    assert_eq!(
        d.changes(),
        [
            control(ControlTag::ResourceRestart),
            control(ControlTag::Giveover)
        ]
    );
}

#[test]
fn scha_resource_setstatus_sends_status_and_message() {
    let d = FakeDaemon::new(rich_view());
    let r = d.run(
        "scha_resource_setstatus",
        &[
            "-R",
            "app",
            "-G",
            "rg1",
            "-s",
            "degraded",
            "-m",
            "slow disk",
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    let r = d.run(
        "scha_resource_setstatus",
        &["-R", "app", "-G", "rg1", "-s", "OK"],
    );
    assert_eq!(r.code, 0);
    let r = d.run(
        "scha_resource_setstatus",
        &["-R", "app", "-G", "rg1", "-s", "GREAT"],
    );
    assert_eq!(r.code, 17);
    assert_eq!(
        d.changes(),
        [
            Request::SetStatus {
                resource: "app".into(),
                group: "rg1".into(),
                status: Status::Degraded,
                message: Some("slow disk".into())
            },
            Request::SetStatus {
                resource: "app".into(),
                group: "rg1".into(),
                status: Status::Ok,
                message: None
            },
        ]
    );
    let refusing = FakeDaemon::answering(rich_view(), |_| {
        Response::refused(ErrorCode::Access, "permission denied")
    });
    let r = refusing.run(
        "scha_resource_setstatus",
        &["-R", "app", "-G", "rg1", "-s", "OK"],
    );
    assert_eq!(r.code, 6);
}

#[test]
fn every_scha_command_without_a_daemon_exits_18() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    for (bin, args) in [
        ("scha_resource_get", &["-O", "TYPE", "-R", "app"][..]),
        ("scha_resourcegroup_get", &["-O", "NODELIST", "-G", "rg1"]),
        ("scha_resourcetype_get", &["-O", "START", "-T", "app"]),
        ("scha_cluster_get", &["-O", "CLUSTERNAME"]),
        ("scha_control", &["-O", "RESTART", "-G", "rg1", "-R", "app"]),
        (
            "scha_resource_setstatus",
            &["-R", "app", "-G", "rg1", "-s", "OK"],
        ),
    ] {
        let r = run_with(bin, args, &[("RGM_SOCKET", sock.as_os_str())]);
        assert_eq!(r.code, 18, "{bin}");
        assert_eq!(r.stderr.lines().count(), 1, "{bin}: {}", r.stderr);
        assert!(
            r.stderr.contains(sock.to_str().unwrap()),
            "{bin}: {}",
            r.stderr
        );
    }
}

#[test]
fn queries_of_one_object_ask_rgmd_for_that_object_only() {
    use rgm_proto::{Query, ViewScope};
    let d = FakeDaemon::new(rich_view());
    get(
        &d,
        "scha_resource_get",
        &["-O", "GROUP", "-R", "app", "-G", "rg1"],
    );
    get(
        &d,
        "scha_resourcegroup_get",
        &["-O", "RG_STATE", "-G", "rg1"],
    );
    get(
        &d,
        "scha_resourcetype_get",
        &["-O", "RT_VERSION", "-T", "ACME.rec"],
    );
    assert_eq!(
        d.requests(),
        [
            Request::Query(Query::Scoped(ViewScope {
                resources: vec!["app".into()],
                groups: vec!["rg1".into()],
                ..ViewScope::default()
            })),
            Request::Query(Query::Scoped(ViewScope::group("rg1"))),
            Request::Query(Query::Scoped(ViewScope::default())),
        ]
    );
}
