//! RGM.LogicalHostname on a cluster whose nodes are network namespaces the test makes
//! ([`NsCluster`]: a LAN, etcd on it, one namespace per node with its own rgmd, and a client
//! namespace). A group holding a LogicalHostname (IPv4 and IPv6) and a TCP service
//! (rgm-echo-server under RGM.generic) moves from n1 to n2 with `clrg switch`, then fails over
//! back to n1 when n2's rgmd is killed:
//!
//! - the client reaches the service at the same addresses, served from the node holding them;
//! - its neighbour entries point at the new node's MAC within 1 s of its takeip (the address's
//!   start), moved by the announcements alone;
//! - the old node no longer holds the addresses; after the crash they were gone from it (its
//!   watchdog's fail-fast) before the new node added them;
//! - takeip, releaseip, startrecovery, recovered and ipreallocated ran with the right
//!   arguments on the right nodes (each node's event script records its calls).

use std::time::{Duration, Instant};

use rgm_e2e::netns_cluster::NsCluster;
use rgm_e2e::{bin_dir, wait_for};

const V4: &str = "192.0.2.60";
const V6: &str = "2001:db8::60";
const PORT: u16 = 7060;
const NOBODY: &str = "02:00:00:00:00:ee";

/// Waits until the client reaches the service at both addresses on `node`.
fn client_reaches(c: &NsCluster, node: &str) {
    for addr in [V4, V6] {
        let pid = c.served_by(addr, PORT).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            c.lan.runs_in(pid, node),
            "the service at {addr} answered from pid {pid}, not on {node}"
        );
    }
}

/// When the client's entries for both addresses first pointed at `node`'s MAC.
fn follows(c: &NsCluster, node: &str, during: impl FnOnce()) -> f64 {
    c.entries_follow([V4, V6], c.mac(node), during)
        .unwrap_or_else(|| panic!("the client's entries never pointed at {node}"))
}

#[test]
fn a_logical_hostname_switches_and_fails_over_between_namespaced_cluster_nodes() {
    let c = NsCluster::start(bin_dir(), "lc", &["n1", "n2"], 3);
    let cl = &c.cluster;
    // Each node's startup ran once it had joined, and every node shows both healthy.
    for n in ["n1", "n2"] {
        c.wait_call(n, 0, &format!("{n} startup"));
        let status = cl.ok(n, "clnode", &["status"]).stdout;
        assert_eq!(status.matches("Healthy").count(), 2, "{status}");
    }
    c.lh_group("n1", "lh-rg", &["n1", "n2"], &[V4, V6], PORT);
    c.lan.seed_neighbour("c", V4, NOBODY);
    c.lan.seed_neighbour("c", V6, NOBODY);

    // Online on n1, its first node: the client reaches the service there.
    cl.ok("n1", "clresourcegroup", &["online", "-M", "lh-rg"]);
    wait_for("lh-rg online on n1", Duration::from_secs(30), || {
        cl.online_on("n2", "lh-rg") == ["n1"]
    });
    follows(&c, "n1", || {});
    client_reaches(&c, "n1");
    c.wait_call("n1", 0, "n1 ipreallocated");
    c.wait_call("n2", 0, "n2 ipreallocated");

    // Switch to n2.
    let (from1, from2) = (c.calls("n1").len(), c.calls("n2").len());
    let followed = follows(&c, "n2", || {
        cl.ok("n2", "clresourcegroup", &["switch", "-n", "n2", "lh-rg"]);
    });
    assert_eq!(cl.online_on("n1", "lh-rg"), ["n2"]);
    assert!(c.lan.holds("n2", V4) && c.lan.holds("n2", V6));
    assert!(
        !c.lan.holds("n1", V4) && !c.lan.holds("n1", V6),
        "n1 still holds an address"
    );
    client_reaches(&c, "n2");
    let took = c.wait_call("n2", from2, &format!("n2 takeip eth0 {V4} 24"));
    println!(
        "switch: the client followed n2 {:.3} s after its takeip",
        followed - took
    );
    assert!(
        followed - took < 1.0,
        "the client followed n2 {:.3} s after its takeip",
        followed - took
    );
    for (n, from) in [("n1", from1), ("n2", from2)] {
        c.wait_call(n, from, &format!("{n} ipreallocated"));
    }
    let addresses = ["takeip", "releaseip"];
    assert_eq!(
        c.lines("n1", from1, &addresses),
        [
            format!("n1 releaseip eth0 {V4} 24"),
            format!("n1 releaseip eth0 {V6} 64")
        ]
    );
    assert_eq!(
        c.lines("n2", from2, &addresses),
        [
            format!("n2 takeip eth0 {V4} 24"),
            format!("n2 takeip eth0 {V6} 64")
        ]
    );
    // ipreallocated came after the addresses moved, on both nodes; a switch is no
    // reconfiguration.
    for (n, from) in [("n1", from1), ("n2", from2)] {
        let lines = c.lines(
            n,
            from,
            &["takeip", "releaseip", "ipreallocated", "startrecovery"],
        );
        assert_eq!(
            lines.last().map(String::as_str),
            Some(&*format!("{n} ipreallocated")),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("startrecovery")),
            "{lines:?}"
        );
    }

    // n2's rgmd dies: its watchdog removes the addresses (and kills the service) before n1
    // adds them.
    let from1 = c.calls("n1").len();
    let mut gone: Option<Instant> = None;
    let mut taken: Option<Instant> = None;
    cl.signal_rgmd("n2", "KILL");
    wait_for("the addresses back on n1", Duration::from_secs(60), || {
        let (on1, on2) = (c.lan.holds("n1", V4), c.lan.holds("n2", V4));
        assert!(!(on1 && on2), "{V4} is on n1 and n2 at once");
        if !on2 && gone.is_none() {
            gone = Some(Instant::now());
        }
        if on1 && taken.is_none() {
            taken = Some(Instant::now());
        }
        taken.is_some()
    });
    let (gone, taken) = (gone.unwrap(), taken.unwrap());
    assert!(gone < taken, "n1 took {V4} before n2 let it go");
    println!(
        "crash: n2 let {V4} go {:.3} s before n1 took it",
        (taken - gone).as_secs_f64()
    );
    assert!(!c.lan.holds("n2", V6), "n2 still holds {V6}");
    let n2 = cl.node("n2");
    let watchdog = std::fs::read_to_string(n2.state_dir.join("watchdog.log")).unwrap_or_default();
    assert!(
        watchdog.contains(&format!("removed {V4}/24 on eth0 (lh)")),
        "n2's watchdog log: {watchdog}"
    );
    assert!(n2.state_dir.join("failfast.fired").exists());
    let followed = follows(&c, "n1", || {});
    let took = c.wait_call("n1", from1, &format!("n1 takeip eth0 {V4} 24"));
    assert!(
        followed - took < 1.0,
        "the client followed n1 {:.3} s after its takeip",
        followed - took
    );
    client_reaches(&c, "n1");
    // n2's death was a reconfiguration with a takeover in it, seen by n1, the survivor.
    for e in ["startrecovery", "recovered", "ipreallocated"] {
        c.wait_call("n1", from1, &format!("n1 {e}"));
    }
    assert_eq!(
        c.lines(
            "n1",
            from1,
            &["startrecovery", "takeip", "recovered", "ipreallocated"]
        ),
        [
            "n1 startrecovery".to_string(),
            format!("n1 takeip eth0 {V4} 24"),
            format!("n1 takeip eth0 {V6} 64"),
            "n1 recovered".to_string(),
            "n1 ipreallocated".to_string(),
        ]
    );
}
