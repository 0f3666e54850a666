//! clresourcetype, clresourcegroup and clresource against a fake rgmd: what they print and
//! their exit statuses — refusals, the daemon's notes, a missing daemon, usage errors,
//! unknown objects, and the text and JSON of the read subcommands.

mod common;

use common::{FakeDaemon, rich_view, run_with, sample_view};
use rgm_core::ErrorCode;
use rgm_proto::Response;

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
