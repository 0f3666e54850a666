//! Failover_mode=HARD: a STOP that fails makes rgmd fence its node through the administrator's
//! `--fence-command`; without one, the fence is refused loudly and the resource is left for
//! the administrator.

use std::path::Path;
use std::time::Duration;

use rgm_e2e::{Cluster, wait_for};

use crate::support::{calls, group_with, set_mode};

/// A fence command that records the reason it was given and "reboots" by exiting 0.
fn fence_script(dir: &Path) -> Vec<String> {
    let script = dir.join("fence");
    let record = dir.join("run").join("fenced");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$RGM_FENCE_REASON\" >>'{}'\n",
            record.display()
        ),
    )
    .unwrap();
    set_mode(&script, 0o755);
    vec!["--fence-command".into(), script.display().to_string()]
}

fn state_of_r(c: &Cluster) -> String {
    c.ok(
        "scha_resource_get",
        &["-O", "RESOURCE_STATE", "-R", "r", "-G", "rg1"],
    )
    .trim()
    .to_string()
}

#[test]
fn a_failed_stop_under_hard_runs_the_fence_command() {
    let c = Cluster::start_with(fence_script);
    group_with(&c, &[("r", &["-p", "Failover_mode=HARD"])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    std::fs::write(c.run_dir().join("fail.r.stop"), "").unwrap();
    c.ok("clresourcegroup", &["offline", "rg1"]);
    let reasons = std::fs::read_to_string(c.run_dir().join("fenced")).unwrap();
    assert_eq!(
        reasons.trim(),
        "STOP of resource r failed on node node1 and its Failover_mode is HARD"
    );
    let log = c.log();
    assert!(
        log.contains("fence of node node1 done: fence command ended: exit code 0"),
        "{log}"
    );
    assert!(log.contains("node node1 is fenced; its resources are offline"));
    // The node came back as a fresh member: BOOT ran, and nothing is left STOP_FAILED.
    assert_eq!(state_of_r(&c), "OFFLINE");
    wait_for(
        "BOOT after the node rejoined",
        Duration::from_secs(30),
        || calls(&c).contains(&"boot r".to_string()),
    );
}

#[test]
fn without_a_fence_command_the_resource_stays_stop_failed_for_the_administrator() {
    let c = Cluster::start();
    group_with(&c, &[("r", &["-p", "Failover_mode=HARD"])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    std::fs::write(c.run_dir().join("fail.r.stop"), "").unwrap();
    // The request ends (it used to wait for a fence that would never come) and says why.
    let r = c.fails("clresourcegroup", &["offline", "rg1"]);
    assert!(r.stderr.contains("STOP_FAILED"), "{}", r.stderr);
    assert!(
        c.log().contains(
            "cannot fence node node1: no --fence-command is configured (fence needed because STOP of resource r failed on node node1 and its Failover_mode is HARD)"
        ),
        "{}",
        c.log()
    );
    assert_eq!(state_of_r(&c), "STOP_FAILED");
    c.fails("clresourcegroup", &["online", "rg1"]);
    std::fs::remove_file(c.run_dir().join("fail.r.stop")).unwrap();
    c.ok(
        "clresource",
        &["clear", "-f", "STOP_FAILED", "-n", "node1", "r"],
    );
    c.ok("clresourcegroup", &["online", "rg1"]);
    assert_eq!(state_of_r(&c), "ONLINE");
}
