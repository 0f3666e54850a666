//! RGM.LogicalHostname in network namespaces the test makes: a LAN (a bridge in a namespace
//! of its own), two node namespaces each with its own rgmd, and a client namespace. The
//! client's neighbour entries for the logical host's IPv4 and IPv6 addresses start out
//! pointing at a MAC nobody has; the group comes online in node A (the entries follow A's MAC
//! within a second: the announcements, not traffic, move them), goes offline there (the
//! addresses are gone from A), then comes online in node B (the entries follow B). Each node's
//! takeip and releaseip event scripts ran with the interface, address and mask bits.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rgm_e2e::netns::{HostSpec, Lan, ip};
use rgm_e2e::{Cluster, wait_for};

use crate::agents::Node;
use crate::support::set_mode;

const V4: &str = "192.0.2.50";
const V6: &str = "2001:db8::50";
const NOBODY: &str = "02:00:00:00:00:ee";

/// The node namespaces `a`, `b` and the client `c`.
fn hosts() -> [HostSpec; 3] {
    [
        HostSpec::new("a", "02:00:00:00:00:0a", "192.0.2.1/24", "2001:db8::1/64"),
        HostSpec::new("b", "02:00:00:00:00:0b", "192.0.2.2/24", "2001:db8::2/64"),
        HostSpec::new(
            "c",
            "02:00:00:00:00:0c",
            "192.0.2.100/24",
            "2001:db8::100/64",
        ),
    ]
}

/// rgmd in a node namespace, with an events directory whose script records its calls.
struct NsNode {
    node: Node,
    rgmd: Option<Child>,
    calls: PathBuf,
}

impl NsNode {
    fn start(lan: &Lan, host: &str) -> NsNode {
        let cluster = Cluster::unbooted();
        let events = cluster.dir.path().join("events");
        std::fs::create_dir_all(&events).unwrap();
        let calls = cluster.dir.path().join("event-calls");
        let script = events.join("10.record.script");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$RGM_NODE $*\" >>{}\n", calls.display()),
        )
        .unwrap();
        set_mode(&script, 0o755);
        let name = format!("n{host}");
        // nsenter changes the network namespace only (`ip netns exec` also remounts /sys,
        // hiding the cgroup file system rgmd runs its methods in).
        let rgmd = Command::new("nsenter")
            .arg(format!("--net={}", lan.ns_path(host).display()))
            .arg(cluster.bin.join("rgmd"))
            .args(["--node", &name, "--cluster", &name, "--state-dir"])
            .arg(cluster.state_dir())
            .arg("--socket")
            .arg(cluster.socket())
            .arg("--events-dir")
            .arg(&events)
            .args(["--monitor-interval", "3600"])
            .stdout(Stdio::null())
            .spawn()
            .expect("start rgmd in its namespace");
        let n = NsNode {
            node: Node(cluster),
            rgmd: Some(rgmd),
            calls,
        };
        wait_for("rgmd to answer", Duration::from_secs(30), || {
            n.node
                .run("scha_cluster_get", &["-O", "NODENAME_LOCAL"])
                .code
                == 0
        });
        n.node
            .ok("clresourcetype", &["register", "RGM.LogicalHostname"]);
        n.node.ok("clresourcegroup", &["create", "lh-rg"]);
        n.node.ok(
            "clresource",
            &[
                "create",
                "-g",
                "lh-rg",
                "-t",
                "RGM.LogicalHostname",
                "-x",
                &format!("HostnameList={V4},{V6}"),
                "-p",
                "Thorough_probe_interval=1",
                "lh",
            ],
        );
        n
    }

    /// The takeip/releaseip calls its event scripts saw.
    fn address_events(&self) -> Vec<String> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("takeip") || l.contains("releaseip"))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for NsNode {
    fn drop(&mut self) {
        if let Some(mut c) = self.rgmd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits until the client's entries for both addresses point at `mac`; how long it took from
/// `since`.
fn entries_follow(lan: &Lan, mac: &str, since: Instant) -> Duration {
    let mut last = (None, None);
    wait_for(
        &format!("the client's entries to point at {mac}"),
        Duration::from_secs(10),
        || {
            last = (lan.neighbour("c", V4), lan.neighbour("c", V6));
            last.0.as_deref() == Some(mac) && last.1.as_deref() == Some(mac)
        },
    );
    since.elapsed()
}

#[test]
fn a_logical_hostname_moves_between_namespaced_nodes_and_the_client_follows() {
    let lan = Lan::new("lh", &hosts());
    let a = NsNode::start(&lan, "a");
    let b = NsNode::start(&lan, "b");
    lan.seed_neighbour("c", V4, NOBODY);
    lan.seed_neighbour("c", V6, NOBODY);

    // Online in A: the addresses are on A's eth0 (the interface found from the subnet) and
    // the client's entries point at A.
    let begun = Instant::now();
    a.node.ok("clresourcegroup", &["online", "-M", "lh-rg"]);
    let returned = begun.elapsed();
    let took = entries_follow(&lan, "02:00:00:00:00:0a", begun);
    assert!(
        took < returned + Duration::from_secs(1),
        "the client followed A {took:?} after the online began (which took {returned:?})"
    );
    assert!(lan.holds("a", V4) && lan.holds("a", V6));
    assert!(!lan.holds("b", V4) && !lan.holds("b", V6));
    a.node.wait_status("lh", "OK", "LogicalHostname online.");
    println!("client followed A in {took:?} from the start of clrg online");

    // Offline in A: the addresses are gone from it.
    a.node.ok("clresourcegroup", &["offline", "lh-rg"]);
    assert!(!lan.holds("a", V4) && !lan.holds("a", V6));
    assert_eq!(
        a.address_events(),
        [
            format!("na takeip eth0 {V4} 24"),
            format!("na takeip eth0 {V6} 64"),
            format!("na releaseip eth0 {V4} 24"),
            format!("na releaseip eth0 {V6} 64"),
        ]
    );

    // Online in B: the client's entries follow B within a second of the command returning.
    let begun = Instant::now();
    b.node.ok("clresourcegroup", &["online", "-M", "lh-rg"]);
    let returned = begun.elapsed();
    let took = entries_follow(&lan, "02:00:00:00:00:0b", begun);
    assert!(
        took < returned + Duration::from_secs(1),
        "the client followed B {took:?} after the online began (which took {returned:?})"
    );
    println!("client followed B in {took:?} (clrg online took {returned:?})");
    assert!(lan.holds("b", V4) && lan.holds("b", V6));
    assert_eq!(
        b.address_events(),
        [
            format!("nb takeip eth0 {V4} 24"),
            format!("nb takeip eth0 {V6} 64")
        ]
    );
    // The fault monitor sees an address taken away behind rgm's back, and the restart it asks
    // for (STOP, START) puts it back.
    ip(&[
        "-n",
        &lan.ns("b"),
        "addr",
        "del",
        &format!("{V4}/24"),
        "dev",
        "eth0",
    ]);
    wait_for(
        "the probe to see the address missing",
        Duration::from_secs(30),
        || !b.node.log_lines(&format!("{V4} is not on eth0")).is_empty(),
    );
    wait_for("the address back on B", Duration::from_secs(30), || {
        lan.holds("b", V4)
    });
    b.node.wait_status("lh", "OK", "LogicalHostname online.");
    b.node.ok("clresourcegroup", &["offline", "lh-rg"]);
    assert!(!lan.holds("b", V4) && !lan.holds("b", V6));
}
