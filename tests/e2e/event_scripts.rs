//! rgmd's node event scripts through the real daemon: `init` failing keeps rgmd from
//! starting; `startup` runs before the node hosts anything and is retried until it succeeds;
//! a failing `monitor` makes the node unhealthy and a good one healthy again; `shutdown` runs
//! once the groups have left the node.

use std::path::PathBuf;
use std::time::Duration;

use rgm_e2e::{Cluster, wait_for};

use crate::support::{calls, group_with, set_mode};

const PATIENCE: Duration = Duration::from_secs(60);

/// An events directory whose one script appends `event EVENT` to the rec type's calls file
/// and fails `EVENT` while a file `fail.EVENT` exists in the run directory.
fn events_dir(c: &Cluster) -> PathBuf {
    let dir = c.dir.path().join("events");
    std::fs::create_dir_all(&dir).unwrap();
    let run = c.run_dir();
    let script = dir.join("10.gate.script");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ -e {run}/fail.$1 ]; then echo \"$1 refused\"; exit 1; fi\necho \"event $*\" >>{run}/calls\n",
            run = run.display()
        ),
    )
    .unwrap();
    set_mode(&script, 0o755);
    dir
}

fn with_events(c: &mut Cluster, interval: &str) {
    let dir = events_dir(c);
    c.rgmd_options = vec![
        "--events-dir".into(),
        dir.display().to_string(),
        "--monitor-interval".into(),
        interval.into(),
    ];
}

fn fail(c: &Cluster, event: &str, failing: bool) {
    let flag = c.run_dir().join(format!("fail.{event}"));
    if failing {
        std::fs::write(flag, "").unwrap();
    } else {
        std::fs::remove_file(flag).unwrap();
    }
}

fn group_state(c: &Cluster) -> String {
    c.run("scha_resourcegroup_get", &["-O", "RG_STATE", "-G", "rg1"])
        .stdout
        .trim()
        .to_string()
}

#[test]
fn a_failing_init_keeps_rgmd_from_starting_and_says_which_script() {
    let mut c = Cluster::unbooted();
    with_events(&mut c, "15");
    std::fs::write(c.run_dir().join("fail.init"), "").unwrap();
    let stderr = c.dir.path().join("rgmd.err");
    c.rgmd_stderr = Some(stderr.clone());
    c.spawn();
    assert_eq!(c.stop_wait(), 2, "rgmd must refuse to start");
    let err = std::fs::read_to_string(stderr).unwrap();
    assert!(
        err.contains(
            "the init event failed on node node1 (failed: script 10.gate exited 1: init refused)"
        ),
        "{err}"
    );
}

#[test]
fn the_node_hosts_nothing_until_startup_succeeds_its_monitor_sets_its_health_and_shutdown_runs_last()
 {
    let mut c = Cluster::unbooted();
    with_events(&mut c, "1");
    c.boot();
    assert_eq!(
        calls(&c)[..3],
        ["event init", "event setup", "event startup"],
        "init, setup and startup run in order when rgmd starts"
    );
    // Anyone may read the scripts' status; running an event needs an administrator.
    // nobody, in the socket's group (root's), may reach the socket.
    set_mode(c.dir.path(), 0o750);
    let nobody = Some((65534, 0));
    let r = c.run_as("clnode", &["event", "run", "monitor"], nobody);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stderr.contains("permission denied"), "{}", r.stderr);
    let r = c.run_as("clnode", &["event", "script", "list"], nobody);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("10.gate   yes       10.gate.script"),
        "{}",
        r.stdout
    );
    group_with(&c, &[("r1", &[])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(group_state(&c), "ONLINE");
    // shutdown runs after the group has left the node.
    assert_eq!(c.stop(), 0);
    let all = calls(&c);
    let stop = all
        .iter()
        .rposition(|l| l == "stop r1")
        .expect("r1 stopped");
    let shutdown = all
        .iter()
        .rposition(|l| l == "event shutdown")
        .expect("shutdown ran");
    assert!(stop < shutdown, "{all:#?}");

    // A startup that fails: the node is unhealthy and hosts nothing (the group would start on
    // a new cluster), and startup is run again.
    fail(&c, "startup", true);
    let before = calls(&c).len();
    c.boot();
    wait_for("a second try of startup", PATIENCE, || {
        c.log()
            .matches("event <startup> on node <node1> failed")
            .count()
            >= 2
    });
    assert!(
        c.log().contains("node node1 is unhealthy (its startup event has not succeeded (failed: script 10.gate exited 1: startup refused); it is run again every 5 s)"),
        "{}",
        c.log()
    );
    assert!(
        !calls(&c)[before..].iter().any(|l| l == "start r1"),
        "r1 started on a node whose startup failed"
    );
    assert_eq!(group_state(&c), "OFFLINE");
    let status = c.run("clnode", &["event", "status", "startup"]);
    assert_eq!(status.code, 10, "{status:?}");
    assert!(
        status.stdout.contains("10.gate   ERROR    1"),
        "{}",
        status.stdout
    );
    // Once it succeeds, the node is healthy and the group comes online.
    fail(&c, "startup", false);
    wait_for("rg1 online once startup succeeded", PATIENCE, || {
        group_state(&c) == "ONLINE"
    });
    let now = calls(&c)[before..].to_vec();
    let startup = now.iter().position(|l| l == "event startup").unwrap();
    let start = now.iter().position(|l| l == "start r1").unwrap();
    assert!(startup < start, "{now:#?}");

    // monitor: failing makes the node unhealthy, succeeding healthy again.
    fail(&c, "monitor", true);
    wait_for("the node unhealthy", PATIENCE, || {
        c.log()
            .contains("node node1 is unhealthy (its monitor event failed: script 10.gate exited 1: monitor refused)")
    });
    // One node: no healthy node can take the group, so it stays.
    assert!(
        c.log()
            .contains("resource group rg1 stays on unhealthy node node1")
    );
    fail(&c, "monitor", false);
    wait_for("the node healthy again", PATIENCE, || {
        c.log()
            .contains("node node1 is healthy again (its monitor event succeeded)")
    });
    assert_eq!(group_state(&c), "ONLINE");
}
