//! A cluster of three rgmd on a real etcd (issue 12's scenarios 1 to 3): one president, a group
//! online on one node and switched to another, a node that crashes or hangs — and never one
//! resource on two nodes (the test type's shared lock records any such start).

use std::time::Duration;

use rgm_e2e::cluster::TestCluster;

const NODES: &[&str] = &["n1", "n2", "n3"];

#[test]
fn one_president_a_group_online_once_and_a_switch_that_moves_it() {
    let c = TestCluster::start(NODES, 3);
    let president = c.president("n1").expect("a president");
    for n in NODES {
        assert_eq!(
            c.president(n).as_deref(),
            Some(president.as_str()),
            "as {n} sees it"
        );
    }
    c.lock_group("n2", "rg1", NODES, &[], "r1");
    c.ok("n3", "clrg", &["online", "-M", "rg1"]);
    assert_eq!(
        c.online_on("n1", "rg1"),
        ["n1"],
        "the first node of the Nodelist"
    );
    assert!(c.service_runs("n1", "r1"));
    c.ok("n2", "clrg", &["switch", "-n", "n2", "rg1"]);
    let clrg = c.ok("n1", "clrg", &["status"]).stdout;
    let clnode = c.ok("n1", "clnode", &["status", "-o", "json"]).stdout;
    assert!(
        clnode.contains(&format!("\"name\": \"{president}\"")),
        "{clnode}"
    );
    for n in NODES {
        assert_eq!(c.online_on(n, "rg1"), ["n2"], "as {n} sees it");
        // Every node answers the same.
        assert_eq!(
            c.ok(n, "clrg", &["status"]).stdout,
            clrg,
            "clrg status on {n}"
        );
        assert_eq!(
            c.ok(n, "clnode", &["status", "-o", "json"]).stdout,
            clnode,
            "clnode status on {n}"
        );
    }
    let presidents = clnode.matches("\"president\": true").count();
    assert_eq!(presidents, 1, "{clnode}");
    assert!(c.service_runs("n2", "r1") && !c.service_runs("n1", "r1"));
    assert_eq!(c.violations(), "");
}

#[test]
fn a_crashed_node_s_group_is_online_elsewhere_within_the_lease_and_never_twice() {
    let mut c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "rg1", NODES, &[], "r1");
    c.ok("n1", "clrg", &["online", "-M", "rg1"]);
    let host = c.online_on("n1", "rg1").pop().expect("online somewhere");
    let other = NODES.iter().find(|n| **n != host).unwrap();
    c.crash(&host);
    let took = c.wait(
        "the group online on another node",
        Duration::from_secs(20),
        || {
            let on = c.online_on(other, "rg1");
            on.len() == 1 && on[0] != host
        },
    );
    assert!(took < Duration::from_secs(8), "failover took {took:?}");
    assert_eq!(c.violations(), "");
}

#[test]
fn a_hung_node_stops_its_services_before_they_start_elsewhere_and_rejoins() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "rg1", NODES, &[], "r1");
    c.ok("n1", "clrg", &["online", "-M", "rg1"]);
    let host = c.online_on("n1", "rg1").pop().expect("online somewhere");
    let other = *NODES.iter().find(|n| **n != host).unwrap();
    c.signal_rgmd(&host, "STOP");
    // Its watchdog kills the service at half the lease, before the lease expires.
    c.wait(
        "the hung node's service killed",
        Duration::from_secs(10),
        || !c.service_runs(&host, "r1"),
    );
    c.wait(
        "the group online elsewhere",
        Duration::from_secs(20),
        || {
            let on = c.online_on(other, "rg1");
            on.len() == 1 && on[0] != host
        },
    );
    let booted = boots(&c, &host);
    c.signal_rgmd(&host, "CONT");
    // It learns it lost its lease, fences itself and rejoins as a new incarnation, whose
    // joining runs BOOT again.
    c.wait(
        "the hung node back as a member",
        Duration::from_secs(20),
        || {
            c.view_from(other).is_some_and(|v| {
                v["nodes"]
                    .as_array()
                    .is_some_and(|ns| ns.iter().any(|x| x["name"] == host && x["up"] == true))
            })
        },
    );
    assert!(
        c.node(&host).log().contains("fences itself"),
        "{}",
        c.node(&host).log()
    );
    c.wait("BOOT on the rejoined node", Duration::from_secs(20), || {
        boots(&c, &host) > booted
    });
    assert_eq!(c.violations(), "");
    assert_eq!(c.online_on(other, "rg1").len(), 1);
}

/// How many times BOOT of r1 began on `node`.
fn boots(c: &TestCluster, node: &str) -> usize {
    let line = format!("{node} boot r1 begin");
    c.calls().iter().filter(|l| **l == line).count()
}

#[test]
fn sigterm_moves_a_node_s_groups_to_other_nodes_and_it_leaves() {
    let mut c = TestCluster::start(NODES, 3);
    c.lock_group("n2", "rg1", NODES, &[], "r1");
    c.ok("n2", "clrg", &["online", "-M", "rg1"]);
    let host = c.online_on("n2", "rg1").pop().expect("online somewhere");
    let other = *NODES.iter().find(|n| **n != host).unwrap();
    let code = c.stop(&host);
    assert_eq!(code, Some(0), "{}", c.node(&host).log());
    // Stopping waited for the move; the view may still come from a president being elected
    // (the one that left may have been president): read it until one answers.
    let mut on = Vec::new();
    c.wait(
        "a view of rg1 from another node",
        Duration::from_secs(15),
        || {
            on = c.online_on(other, "rg1");
            !on.is_empty()
        },
    );
    assert!(on.len() == 1 && on[0] != host, "rg1 on {on:?}");
    // Its membership ended with it: the cluster knows at once, without waiting for the lease.
    c.wait("the node seen down", Duration::from_secs(5), || {
        c.view_from(other).is_some_and(|v| {
            v["nodes"]
                .as_array()
                .is_some_and(|ns| ns.iter().any(|x| x["name"] == host && x["up"] == false))
        })
    });
    assert!(c.node(&host).log().contains("moved to other nodes"));
    assert_eq!(c.violations(), "");
}
