//! A cluster losing its president mid-transition, or its store, and a preferred node coming
//! back (issue 12's scenarios 4, 5 and 7): nothing runs twice, and what was configured online
//! comes back online.

use std::time::{Duration, Instant};

use rgm_e2e::cluster::TestCluster;

const NODES: &[&str] = &["n1", "n2", "n3"];

/// How many times `node` began `method` of `resource`.
fn began(c: &TestCluster, node: &str, method: &str, resource: &str) -> usize {
    let line = format!("{node} {method} {resource} begin");
    c.calls().iter().filter(|l| **l == line).count()
}

/// A group rg1 whose first node is not the president, with a START that takes 3 s, brought
/// online in the background through `via`'s socket; returns its host and the command.
fn slow_start_on_a_non_president(
    c: &TestCluster,
    president: &str,
    via: &str,
) -> (
    &'static str,
    std::thread::JoinHandle<std::io::Result<std::process::Output>>,
) {
    let host = *NODES.iter().find(|n| **n != president).unwrap();
    let mut nodelist = vec![host];
    nodelist.extend(NODES.iter().filter(|n| **n != host));
    c.lock_group(host, "rg1", &nodelist, &[], "r1");
    c.ok(host, "clrs", &["set", "-p", "Start_delay=3000", "r1"]);
    let bin = c.bin.clone();
    let socket = c.node(if via.is_empty() { host } else { via }).socket();
    let online = std::thread::spawn(move || {
        std::process::Command::new(bin.join("clrg"))
            .args(["online", "-M", "rg1"])
            .env("RGM_SOCKET", socket)
            .output()
    });
    (host, online)
}

#[test]
fn a_president_crashing_mid_start_is_replaced_within_the_lease_and_nothing_starts_twice() {
    let mut c = TestCluster::start(NODES, 3);
    let president = c.president("n1").unwrap();
    let (host, online) = slow_start_on_a_non_president(&c, &president, "");
    c.wait("START running on the host", Duration::from_secs(20), || {
        began(&c, host, "start", "r1") == 1
    });
    let crashed = Instant::now();
    c.crash(&president);
    let witness = *NODES
        .iter()
        .find(|n| **n != president && **n != host)
        .unwrap();
    c.wait("a new president", Duration::from_secs(15), || {
        c.president(witness).is_some_and(|p| p != president)
    });
    let elected = crashed.elapsed();
    assert!(
        elected <= Duration::from_secs(c.ttl + 2),
        "a new president only after {elected:?}"
    );
    c.wait(
        "the transition to complete",
        Duration::from_secs(30),
        || c.online_on(witness, "rg1") == [host],
    );
    assert_eq!(
        began(&c, host, "start", "r1"),
        1,
        "START ran twice: {:?}",
        c.calls()
    );
    assert_eq!(c.violations(), "");
    let _ = online.join();
}

#[test]
fn a_short_store_outage_moves_nothing() {
    let c = TestCluster::start(NODES, 5);
    c.lock_group("n1", "rg1", NODES, &[], "r1");
    c.ok("n1", "clrg", &["online", "-M", "rg1"]);
    let host = c.online_on("n1", "rg1").pop().unwrap();
    let calls = c.calls().len();
    // Shorter than what the lease allows between two renewals and the fail-fast deadline
    // (TTL/2 - TTL/5 = 1.5 s at TTL 5).
    c.etcd.pause();
    std::thread::sleep(Duration::from_millis(1000));
    c.etcd.resume();
    // Give the cluster every chance to react: two renewal periods.
    let settled = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settled {
        assert!(c.service_runs(&host, "r1"), "the service stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.online_on(&host, "rg1"), vec![host.clone()]);
    assert_eq!(
        c.calls().len(),
        calls,
        "methods ran: {:?}",
        &c.calls()[calls..]
    );
    for n in NODES {
        assert!(
            !c.node(n).log().contains("fences itself"),
            "{n} fenced itself"
        );
    }
}

#[test]
fn a_long_store_outage_fences_every_node_and_the_cluster_comes_back_as_configured() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "rg1", NODES, &[], "r1");
    c.ok("n1", "clrg", &["online", "-M", "rg1"]);
    let host = c.online_on("n1", "rg1").pop().unwrap();
    c.etcd.pause();
    // Every node stops its resources at half the lease: the store is the quorum.
    c.wait(
        "the service stopped by its node",
        Duration::from_secs(10),
        || !c.service_runs(&host, "r1"),
    );
    std::thread::sleep(Duration::from_secs(c.ttl + 1));
    c.etcd.resume();
    c.wait("the group online again", Duration::from_secs(40), || {
        NODES.iter().any(|n| c.online_on(n, "rg1").len() == 1)
    });
    for n in NODES {
        assert!(
            c.node(n).log().contains("fences itself"),
            "{n} did not fence itself"
        );
    }
    assert_eq!(c.violations(), "");
}

#[test]
fn failback_brings_a_group_back_to_its_preferred_node_and_without_it_the_group_stays() {
    let mut c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "back", &["n1", "n2", "n3"], &["Failback=TRUE"], "rb");
    c.lock_group("n1", "stay", &["n1", "n2", "n3"], &["Failback=FALSE"], "rs");
    c.ok("n2", "clrg", &["online", "-M", "back", "stay"]);
    assert_eq!(c.online_on("n2", "back"), ["n1"]);
    assert_eq!(c.online_on("n2", "stay"), ["n1"]);
    c.crash("n1");
    c.wait("both groups moved off n1", Duration::from_secs(20), || {
        c.online_on("n2", "back").len() == 1
            && c.online_on("n2", "back") != ["n1"]
            && c.online_on("n2", "stay").len() == 1
            && c.online_on("n2", "stay") != ["n1"]
    });
    let stayed_on = c.online_on("n2", "stay");
    c.restart("n1");
    c.wait(
        "the Failback group back on n1",
        Duration::from_secs(30),
        || c.online_on("n2", "back") == ["n1"],
    );
    assert_eq!(
        c.online_on("n2", "stay"),
        stayed_on,
        "the other group moved"
    );
    assert_eq!(c.violations(), "");
}

#[test]
fn an_rgmd_restarted_within_its_lease_takes_over_its_start_and_never_runs_two_at_once() {
    let mut c = TestCluster::start(NODES, 5);
    let president = c.president("n1").unwrap();
    let (host, online) = slow_start_on_a_non_president(&c, &president, &president);
    c.wait("START running on the host", Duration::from_secs(20), || {
        began(&c, host, "start", "r1") == 1
    });
    // kill -9 of the host's rgmd alone (its START runs on), and a new rgmd at once: it
    // carries on the membership and takes the START over instead of launching it again.
    c.restart(host);
    c.wait(
        "the group online on its host",
        Duration::from_secs(30),
        || c.online_on(&president, "rg1") == [host],
    );
    let log = c.node(host).log();
    assert!(
        log.contains("carries on its membership") && log.contains("taken over"),
        "{log}"
    );
    // The adopted START's exit status cannot be read (it is not the new rgmd's child): as
    // after a crash on one node, the engine stops the resource and starts it again — each
    // step after the one before has ended, never two at once.
    let calls: Vec<String> = c
        .calls()
        .into_iter()
        .filter(|l| l.starts_with(&format!("{host} ")))
        .collect();
    let want: Vec<String> = [
        "start r1 begin",
        "start r1 end",
        "stop r1 begin",
        "stop r1 end",
        "start r1 begin",
        "start r1 end",
    ]
    .iter()
    .map(|s| format!("{host} {s}"))
    .collect();
    assert_eq!(calls, want, "{}", c.node(&president).log());
    assert!(c.service_runs(host, "r1"));
    assert_eq!(c.violations(), "");
    let _ = online.join();
}
