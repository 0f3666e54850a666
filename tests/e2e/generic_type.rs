//! RGM.generic through the real commands: registered from rt_reg/, a command kept running by
//! its process monitor, restarts counted against Retry_count, the fault monitor's giveover
//! refused on a one-node cluster (Status FAULTED, one refusal per Retry_interval, back to OK
//! once the service recovers), and STOP reaching every process of the service.

use rgm_e2e::{alive, wait_for};

use crate::agents::{Node, PATIENCE, descendants};

fn generic_group(c: &Node, resource: &str, extra: &[&str]) {
    c.ok("clresourcetype", &["register", "RGM.generic"]);
    c.ok("clresourcegroup", &["create", "rg1"]);
    let mut args = vec![
        "create",
        "-g",
        "rg1",
        "-t",
        "RGM.generic",
        "-p",
        "Thorough_probe_interval=1",
    ];
    args.extend_from_slice(extra);
    args.push(resource);
    c.ok("clresource", &args);
}

/// Group rg1 with RGM.generic resource svc1, whose service daemonises: its sleep leaves the
/// process group with setsid and outlives the shell that started it. Two restarts within 600 s.
pub(crate) fn daemonised_group(c: &Node) {
    generic_group(
        c,
        "svc1",
        &[
            "-x",
            "Start_command=sh,-c,setsid sleep 1000 & exit 0",
            "-p",
            "Retry_count=2",
            "-p",
            "Retry_interval=600",
        ],
    );
}

/// `clresource create` of an RGM.generic resource `bad` with these `-x` values, which must
/// be refused; returns what it printed on stderr.
fn refused(c: &Node, values: &[&str]) -> String {
    let mut args = vec!["create", "-g", "rg1", "-t", "RGM.generic"];
    for v in values {
        args.extend(["-x", v]);
    }
    args.push("bad");
    c.fails("clresource", &args).stderr
}

/// The live processes of a resource's service.
fn service(c: &Node, r: &str) -> Vec<i32> {
    c.monitor_pid(r, "svc").map(descendants).unwrap_or_default()
}

#[test]
fn a_command_runs_under_its_monitor_is_restarted_when_it_dies_and_stops_with_its_whole_tree() {
    let c = Node::start();
    daemonised_group(&c);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(c.state("svc1"), "ONLINE");
    c.wait_status("svc1", "OK", "running");
    let first = service(&c, "svc1");
    assert_eq!(first.len(), 1, "the setsid sleep is the service: {first:?}");
    // Killed: the process monitor restarts it, and rgmd counts the restart.
    rgm_e2e::kill(first[0], "KILL");
    wait_for("the service to be restarted", PATIENCE, || {
        let now = service(&c, "svc1");
        now.len() == 1 && now[0] != first[0]
    });
    wait_for("rgmd to count the restart", PATIENCE, || {
        c.restarts("svc1") == 1
    });
    assert_eq!(c.state("svc1"), "ONLINE");
    // Offline: Stop_signal reaches the daemonised sleep; the monitor ends with it.
    let second = service(&c, "svc1");
    let pmf = c.monitor_pid("svc1", "svc").expect("the monitor runs");
    c.ok("clresourcegroup", &["offline", "rg1"]);
    assert_eq!(c.state("svc1"), "OFFLINE");
    assert!(!alive(second[0]), "the service outlived STOP");
    assert!(!alive(pmf), "the process monitor outlived STOP");
    assert!(
        c.monitor_pid("svc1", "probe").is_none(),
        "the fault monitor outlived STOP"
    );
}

#[test]
fn a_service_that_keeps_dying_uses_up_retry_count_then_is_faulted_when_no_node_can_take_it() {
    let c = Node::start();
    generic_group(
        &c,
        "flaky",
        &[
            "-x",
            "Start_command=sh,-c,sleep 0.3; exit 1",
            "-p",
            "Retry_count=2",
            "-p",
            "Retry_interval=600",
        ],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    // Two restarts by the process monitor, counted by rgmd; then it gives up, and the probe
    // asks for a giveover, which one node cannot grant.
    let msg = c.wait_status("flaky", "FAULTED", "giveover refused");
    assert!(msg.contains("process monitor gave up"), "{msg}");
    assert_eq!(c.restarts("flaky"), 2);
    assert_eq!(c.state("flaky"), "ONLINE");
}

#[test]
fn a_refused_giveover_leaves_status_faulted_is_asked_once_per_retry_interval_and_recovery_is_seen()
{
    let c = Node::start();
    let healthy = c.path("healthy");
    let probes = c.path("probes");
    std::fs::write(&healthy, "").unwrap();
    let probe = format!("Probe_command=sh,-c,echo >>{probes}; test -e {healthy}");
    generic_group(
        &c,
        "web",
        &[
            "-x",
            "Start_command=sleep,1000",
            "-x",
            &probe,
            "-p",
            "Retry_count=0",
            "-p",
            "Retry_interval=3600",
        ],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.wait_status("web", "OK", "Probe_command succeeded");
    std::fs::remove_file(&healthy).unwrap();
    let msg = c.wait_status("web", "FAULTED", "giveover refused");
    assert!(
        msg.contains("no other node can master resource group rg1"),
        "{msg}"
    );
    // Five more probes fail within Retry_interval: no second request.
    let count = || {
        std::fs::read_to_string(&probes)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let seen = count();
    wait_for("five more probes", PATIENCE, || count() >= seen + 5);
    let refusals = c.log_lines("scha_control GIVEOVER by resource web refused");
    assert_eq!(
        refusals.len(),
        1,
        "one refusal per Retry_interval: {refusals:#?}"
    );
    // Solaris shows the group ONLINE_FAULTED; rgm's engine does once issue 9 (rule 7) lands.
    let group = c.group_state("rg1");
    assert!(
        ["ONLINE", "ONLINE_FAULTED"].contains(&group.as_str()),
        "{group}"
    );
    assert_eq!(c.state("web"), "ONLINE");
    // The service recovers: the probe sees it.
    std::fs::write(&healthy, "").unwrap();
    c.wait_status("web", "OK", "Probe_command succeeded");
}

#[test]
fn stop_command_stops_the_service_and_validate_refuses_what_cannot_run() {
    let c = Node::start();
    let pidfile = c.path("svc.pid");
    let stopped = c.path("stopped");
    let start = format!("Start_command=sh,-c,echo $$ >{pidfile}; exec sleep 1000");
    let stop = format!("Stop_command=sh,-c,echo yes >{stopped}; kill $(cat {pidfile})");
    generic_group(&c, "db", &["-x", &start, "-x", &stop]);
    // VALIDATE: a command that cannot be found is refused, naming the property.
    let e = refused(&c, &["Start_command=no-such-program-x"]);
    assert!(
        e.contains("Start_command: no-such-program-x: no such command"),
        "{e}"
    );
    let e = refused(
        &c,
        &[
            "Start_command=sleep,1",
            "Validate_command=sh,-c,echo the disk is missing; exit 1",
        ],
    );
    assert!(e.contains("the disk is missing"), "{e}");
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(pid));
    c.ok("clresourcegroup", &["offline", "rg1"]);
    assert_eq!(std::fs::read_to_string(&stopped).unwrap().trim(), "yes");
    assert!(!alive(pid));
    let log = std::fs::read_to_string(c.agent_dir("db").join("svc.log")).unwrap();
    assert!(log.contains("standing down"), "{log}");
}
