//! Restarting rgmd the documented way (`rgmd --restart`, i.e. SIGUSR2; docs/operating.md)
//! keeps every service up (issue 15): the old rgmd exits with status 75 leaving its groups as
//! they are, the new one adopts them — same processes, still Online, no method run again — and
//! monitoring goes on through the new rgmd; a stop (SIGTERM) after that still stops everything.
//! On a node of a cluster the next rgmd carries the membership (and presidency) on.

use std::process::Command;
use std::time::Duration;

use rgm_e2e::cluster::TestCluster;
use rgm_e2e::{Run, alive, wait_for};

use crate::agents::{Node, PATIENCE, descendants};
use crate::crash_recovery::Contained;

/// The exit status of an rgmd that exited for a restart (`RestartForceExitStatus=` in the unit).
const RESTART_STATUS: i32 = 75;

/// `rgmd --restart` against the socket of `c` (the real binary, not a test wrapper).
fn restart(c: &rgm_e2e::Cluster) -> Run {
    Command::new(rgm_e2e::bin_dir().join("rgmd"))
        .args(["--restart", "--socket"])
        .arg(c.socket())
        .output()
        .expect("run rgmd --restart")
        .into()
}

#[test]
fn a_restart_leaves_the_service_running_and_the_new_rgmd_adopts_it() {
    let mut t = Contained::start("restart");
    t.monitored_group();
    t.c.ok("clresourcegroup", &["online", "-M", "mg"]);
    wait_for("mg to be ONLINE", PATIENCE, || t.group_state() == "ONLINE");
    assert_eq!(t.state(), "ONLINE");
    let services = t.cg.services();
    let monitors = t.cg.monitors();
    assert_eq!((services.len(), monitors.len()), (1, 1));
    let old = t.c.pid();

    let r = restart(&t.c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.trim(),
        format!(
            "rgmd (pid {old}) exited for a restart, leaving its resource groups running; start rgmd again and it adopts them"
        )
    );
    assert_eq!(t.c.stop_wait(), RESTART_STATUS);
    assert_eq!(t.cg.services(), services, "the service outlived rgmd");
    assert_eq!(t.cg.monitors(), monitors, "its monitor too");
    let log = t.c.log();
    assert!(
        log.contains("restarting: its resource groups stay as they are"),
        "{log}"
    );

    t.c.boot();
    assert_ne!(t.c.pid(), old);
    assert_eq!(t.group_state(), "ONLINE");
    assert_eq!(t.state(), "ONLINE");
    t.wait_quiet();
    assert_eq!(t.cg.services(), services, "the same service, adopted");
    assert_eq!(t.cg.monitors(), monitors);
    assert_eq!(
        t.calls(),
        ["start svc", "monitor_start svc"],
        "nothing was stopped or started again"
    );
    let status = t.c.ok("clresourcegroup", &["status", "mg"]);
    assert!(status.contains("Online"), "{status}");

    // A stop still stops: STOP methods in order, then rgmd exits 0 with nothing left.
    assert_eq!(t.c.stop(), 0);
    assert_eq!(
        t.calls(),
        [
            "start svc",
            "monitor_start svc",
            "monitor_stop svc",
            "stop svc"
        ]
    );
    assert!(t.cg.services().is_empty() && t.cg.monitors().is_empty());
}

#[test]
fn monitoring_goes_on_through_the_new_rgmd() {
    let mut c = Node::start();
    crate::generic_type::daemonised_group(&c);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.wait_status("svc1", "OK", "running");
    let pmf = c.monitor_pid("svc1", "svc").expect("the process monitor");
    let probe = c.monitor_pid("svc1", "probe").expect("the fault monitor");
    let service = descendants(pmf);
    assert_eq!(service.len(), 1, "{service:?}");

    let r = restart(&c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(c.stop_wait(), RESTART_STATUS);
    assert!(alive(service[0]) && alive(pmf) && alive(probe));
    c.boot();
    assert_eq!(c.state("svc1"), "ONLINE");
    assert_eq!(c.restarts("svc1"), 0);

    // The service dies: its monitor restarts it and the new rgmd counts the restart.
    rgm_e2e::kill(service[0], "KILL");
    wait_for("the service to run again", PATIENCE, || {
        let now = descendants(pmf);
        now.len() == 1 && now[0] != service[0]
    });
    wait_for("the new rgmd to count the restart", PATIENCE, || {
        c.restarts("svc1") == 1
    });
    assert_eq!(c.state("svc1"), "ONLINE");
    assert_eq!(
        c.monitor_pid("svc1", "probe"),
        Some(probe),
        "the same fault monitor"
    );
    wait_for(
        "the probe to report through the new rgmd",
        Duration::from_secs(30),
        || c.status("svc1").0 == "OK",
    );
}

/// A restart while START runs: the old rgmd does not wait for it, the command waiting is told
/// (exit status 5), and the new rgmd adopts the START and waits for it. Its result cannot be
/// known (its parent is gone), so the recovery rules redo it — STOP, then START — and the
/// service is Online, once.
#[test]
fn a_restart_during_a_start_leaves_it_running_for_the_new_rgmd() {
    let mut t = Contained::start("restart-start");
    // START sleeps 20 s before it starts the service: rgmd's exit must not wait for it.
    t.service_group(&[], 20, 0);
    let online = t.background_output("clresourcegroup", &["online", "-M", "mg"]);
    t.wait_file("svc.starting");
    let r = restart(&t.c);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(t.c.stop_wait(), RESTART_STATUS);
    let calls = std::fs::read_to_string(t.c.run_dir().join("calls")).unwrap();
    assert_eq!(
        calls, "start svc\n",
        "START still runs: rgmd did not wait for it"
    );
    let waited = online.wait_with_output().expect("the command's answer");
    assert_eq!(waited.status.code(), Some(5));
    let said = String::from_utf8_lossy(&waited.stderr);
    assert!(
        said.contains("rgmd restarted before the request was done"),
        "{said}"
    );

    t.c.boot();
    t.wait_online();
    t.wait_quiet();
    assert_eq!(
        t.calls(),
        ["start svc", "stop svc", "start svc"],
        "the START was waited for, then redone"
    );
    t.cg.wait_services(1);
    assert!(t.c.log().contains("started by the previous rgmd"));
}

/// On a node of a cluster (here the president, hosting the group), the next rgmd carries on
/// the membership and the office: the service runs on untouched, nothing moves, and the
/// cluster goes on.
#[test]
fn in_a_cluster_a_restart_in_place_keeps_the_membership_the_presidency_and_the_service() {
    let mut c = TestCluster::start(&["n1", "n2"], 5);
    let president = c.president("n1").expect("a president");
    let other = if president == "n1" { "n2" } else { "n1" };
    // The group runs on the president: the harder case (the office passes too).
    c.lock_group(&president, "rg1", &[&president, other], &[], "r1");
    c.ok(&president, "clrg", &["online", "-M", "rg1"]);
    assert!(c.service_runs(&president, "r1"));
    let service = std::fs::read_to_string(c.node(&president).run_dir.join("r1.pid")).unwrap();
    let rgmd = c.node(&president).rgmd_pid().expect("the president's rgmd");
    let r: Run = Command::new(c.bin.join("rgmd"))
        .args(["--restart", "--socket"])
        .arg(c.node(&president).socket())
        .output()
        .expect("rgmd --restart")
        .into();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!alive(rgmd));
    // What systemd does on status 75: start rgmd again.
    let i = c.index(&president);
    c.boot(i);
    c.wait("the office carried on", PATIENCE, || {
        c.president(other).as_deref() == Some(president.as_str())
    });
    let log = c.node(&president).log();
    assert!(log.contains("carries on its membership"), "{log}");
    assert_eq!(c.online_on(other, "rg1"), std::slice::from_ref(&president));
    assert!(c.service_runs(&president, "r1"));
    let now = std::fs::read_to_string(c.node(&president).run_dir.join("r1.pid")).unwrap();
    assert_eq!(now, service, "the service was started again");
    assert!(
        !c.calls().iter().any(|l| l.ends_with("stop r1 begin")),
        "{:?}",
        c.calls()
    );
    // The cluster goes on as before.
    c.ok(other, "clrg", &["switch", "-n", other, "rg1"]);
    assert_eq!(c.online_on(other, "rg1"), [other.to_string()]);
    assert_eq!(c.violations(), "");
}
