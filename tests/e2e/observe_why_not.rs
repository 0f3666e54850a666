//! "Why not" through the real command (issue 16): `clrg status -v` and `-o json` give, for a
//! group that is not where it should be, the engine's reason on each node.

use rgm_e2e::Cluster;

use crate::support::group_with;

fn why_json(c: &Cluster, group: &str) -> serde_json::Value {
    let out = c.ok("clresourcegroup", &["status", "-v", "-o", "json", group]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    doc[0]["why_not"].clone()
}

#[test]
fn a_group_where_it_should_be_has_no_reason() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let out = c.ok("clresourcegroup", &["status", "-v"]);
    assert!(
        out.contains("Every resource group is where it should be."),
        "{out}"
    );
    assert_eq!(why_json(&c, "rg1"), serde_json::Value::Null);
}

#[test]
fn blocked_by_a_dependency_in_another_group() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    c.ok("clresourcegroup", &["create", "appg"]);
    c.ok(
        "clresource",
        &[
            "create",
            "-g",
            "appg",
            "-t",
            "TEST.rec",
            "-p",
            "Resource_dependencies=db",
            "app",
        ],
    );
    // rg1 (with db) stays offline: app cannot start.
    let r = c.run("clresourcegroup", &["online", "-M", "appg"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let out = c.ok("clresourcegroup", &["status", "-v"]);
    assert!(
        out.contains(
            "PENDING_ONLINE_BLOCKED on node1: resource app depends on db, which is not online and is not coming online"
        ),
        "{out}"
    );
    let why = why_json(&c, "appg");
    assert_eq!(why["wanted"], true);
    let reason = &why["nodes"][0]["reasons"][0];
    assert_eq!(reason["kind"], "dependency_blocked");
    assert_eq!(reason["resource"], "app");
    assert_eq!(reason["dependency"], "db");
    // Once db's group is online, app follows and nothing is left to explain.
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    rgm_e2e::wait_for("appg online", std::time::Duration::from_secs(20), || {
        why_json(&c, "appg").is_null()
    });
}

#[test]
fn start_failed_and_stop_failed() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[]), ("web", &[])]);
    std::fs::write(c.run_dir().join("fail.web.start"), "").unwrap();
    let r = c.run("clresourcegroup", &["online", "-M", "rg1"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let out = c.ok("clresourcegroup", &["status", "-v", "rg1"]);
    assert!(
        out.contains("ONLINE_FAULTED on node1: web is START_FAILED"),
        "{out}"
    );
    std::fs::remove_file(c.run_dir().join("fail.web.start")).unwrap();
    std::fs::write(c.run_dir().join("fail.db.stop"), "").unwrap();
    let r = c.run("clresourcegroup", &["offline", "rg1"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let why = why_json(&c, "rg1");
    assert_eq!(why["nodes"][0]["state"], "ERROR_STOP_FAILED");
    assert_eq!(why["nodes"][0]["reasons"][0]["kind"], "stop_failed");
    assert_eq!(why["nodes"][0]["reasons"][0]["resource"], "db");
    let text = why["nodes"][0]["reasons"][0]["text"].as_str().unwrap();
    assert!(text.contains("clrs clear -f STOP_FAILED db"), "{text}");
}

#[test]
fn pingpong_interval_after_a_failed_start() {
    let c = Cluster::start();
    group_with(&c, &[("db", &["-p", "Failover_mode=SOFT"])]);
    c.ok(
        "clresourcegroup",
        &["set", "-p", "Pingpong_interval=3600", "rg1"],
    );
    std::fs::write(c.run_dir().join("fail.db.start"), "").unwrap();
    let r = c.run("clresourcegroup", &["online", "-M", "rg1"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let out = c.ok("clresourcegroup", &["status", "-v", "rg1"]);
    assert!(
        out.contains("rg1: wanted online on 1 node, online on none"),
        "{out}"
    );
    assert!(
        out.contains("OFFLINE on node1: failed to start there")
            && out.contains("(Pingpong_interval 3600 s)"),
        "{out}"
    );
    let why = why_json(&c, "rg1");
    assert_eq!(why["nodes"][0]["reasons"][0]["kind"], "ping_pong");
    assert_eq!(why["nodes"][0]["reasons"][0]["interval_secs"], 3600);
}
