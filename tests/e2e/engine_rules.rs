//! The engine's rules through the real commands against a real rgmd: ONLINE_FAULTED where a
//! user looks (issue 9 rule 7), `create` of several objects all or nothing and the bound on
//! timeouts (issue 10 findings 4 and 5), and `clnode confirm-down` refusing a live member.

use rgm_e2e::Cluster;

use crate::support::group_with;

/// RG_STATE three ways: `clrg status`, `scha_resourcegroup_get -O RG_STATE` and
/// `clrg status -o json`.
fn rg_states(c: &Cluster) -> (String, String, String) {
    let status = c.ok("clresourcegroup", &["status", "rg1"]);
    let scha = c.ok("scha_resourcegroup_get", &["-O", "RG_STATE", "-G", "rg1"]);
    let json = c.ok("clresourcegroup", &["status", "-o", "json", "rg1"]);
    (status, scha.trim().to_string(), json)
}

#[test]
fn rule7_online_faulted_shows_in_status_scha_and_json() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[]), ("web", &[])]);
    // web's START fails under Failover_mode NONE: the group finishes starting, faulted.
    std::fs::write(c.run_dir().join("fail.web.start"), "").unwrap();
    let r = c.run("clresourcegroup", &["online", "-M", "rg1"]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    let (status, scha, json) = rg_states(&c);
    assert!(status.contains("Online_faulted"), "{status}");
    assert_eq!(scha, "ONLINE_FAULTED");
    assert!(json.contains("\"ONLINE_FAULTED\""), "{json}");

    // Started again without the failure, then a probe sets web FAULTED: faulted again.
    std::fs::remove_file(c.run_dir().join("fail.web.start")).unwrap();
    c.ok("clresourcegroup", &["restart", "rg1"]);
    assert_eq!(rg_states(&c).1, "ONLINE");
    c.ok(
        "scha_resource_setstatus",
        &["-R", "web", "-G", "rg1", "-s", "FAULTED", "-m", "no answer"],
    );
    let (status, scha, json) = rg_states(&c);
    assert!(status.contains("Online_faulted"), "{status}");
    assert_eq!(scha, "ONLINE_FAULTED");
    assert!(json.contains("\"ONLINE_FAULTED\""), "{json}");
    c.ok(
        "scha_resource_setstatus",
        &["-R", "web", "-G", "rg1", "-s", "OK"],
    );
    assert_eq!(rg_states(&c).1, "ONLINE");
}

#[test]
fn create_with_one_existing_operand_creates_nothing() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    let before = c.config_text();
    let r = c.fails("clresourcegroup", &["create", "y1", "rg1"]);
    assert!(
        r.stderr.contains("resource group rg1: already exists"),
        "{}",
        r.stderr
    );
    assert_eq!(c.config_text(), before, "y1 was not created");
    let r = c.fails(
        "clresource",
        &["create", "-g", "rg1", "-t", "TEST.rec", "x1", "db"],
    );
    assert!(
        r.stderr.contains("resource db: already exists"),
        "{}",
        r.stderr
    );
    assert_eq!(c.config_text(), before, "x1 was not created");
}

#[test]
fn a_timeout_beyond_the_bound_is_refused_with_the_bound() {
    let c = Cluster::start();
    group_with(&c, &[("db", &[])]);
    let before = c.config_text();
    let r = c.fails(
        "clresource",
        &["set", "-p", "Start_timeout=9223372036854775807", "db"],
    );
    assert!(
        r.stderr.contains("Start_timeout") && r.stderr.contains("2147483647"),
        "{}",
        r.stderr
    );
    assert_eq!(c.config_text(), before);
}

#[test]
fn clnode_confirm_down_refuses_a_live_member_and_an_unknown_node() {
    let c = Cluster::start();
    let r = c.fails("clnode", &["confirm-down", "node1"]);
    assert!(
        r.stderr.contains("node node1 is a cluster member"),
        "{}",
        r.stderr
    );
    let r = c.fails("clnode", &["confirm-down", "nosuch"]);
    assert!(
        r.stderr.contains("node nosuch is not a cluster node"),
        "{}",
        r.stderr
    );
}

/// Takes the group offline when the test ends, pass or fail: the echo example's probe and
/// service are daemons its methods leave running, stopped only by its MONITOR_STOP and STOP.
struct OfflineOnDrop<'a>(&'a Cluster);

impl Drop for OfflineOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.run("clresourcegroup", &["offline", "+"]);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn rule10_the_echo_probe_shows_a_refused_giveover_as_faulted_and_it_is_logged_once() {
    let c = Cluster::start();
    let rtr = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/echo/ACME.echo");
    c.ok(
        "clresourcetype",
        &["register", "-f", &rtr.to_string_lossy()],
    );
    c.ok("clresourcegroup", &["create", "echo-rg"]);
    let port = free_port().to_string();
    let run_dir = c.run_dir().to_string_lossy().into_owned();
    c.ok(
        "clresource",
        &[
            "create",
            "-g",
            "echo-rg",
            "-t",
            "ACME.echo",
            "-p",
            &format!("Port={port}"),
            "-p",
            &format!("Run_dir={run_dir}"),
            "-p",
            "Thorough_probe_interval=1",
            "-p",
            "Retry_count=0",
            "echo",
        ],
    );
    let _offline = OfflineOnDrop(&c);
    c.ok("clresourcegroup", &["online", "-M", "echo-rg"]);
    // The service dies; on one node the probe's GIVEOVER cannot be done.
    let pid: i32 = std::fs::read_to_string(c.run_dir().join("rgm-echo-echo.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    rgm_e2e::kill(pid, "KILL");
    let state = || {
        c.ok(
            "scha_resourcegroup_get",
            &["-O", "RG_STATE", "-G", "echo-rg"],
        )
        .trim()
        .to_string()
    };
    let status = || c.ok("clresource", &["status", "echo"]);
    rgm_e2e::wait_for(
        "the probe's refused GIVEOVER",
        std::time::Duration::from_secs(30),
        || status().contains("GIVEOVER refused"),
    );
    assert!(status().contains("no other node"), "{}", status());
    assert_eq!(state(), "ONLINE_FAULTED");
    // The probe keeps asking every second (each round sets its status message twice); the
    // refusal is logged once per Retry_interval (300 s).
    let rounds = || {
        c.log()
            .matches("status msg on node node1 change to <no answer on port")
            .count()
    };
    rgm_e2e::wait_for(
        "four more probe rounds",
        std::time::Duration::from_secs(60),
        || rounds() >= 5,
    );
    let log = c.log();
    assert_eq!(
        log.matches("scha_control GIVEOVER by resource echo refused")
            .count(),
        1,
        "{log}"
    );
    assert_eq!(state(), "ONLINE_FAULTED");
}
