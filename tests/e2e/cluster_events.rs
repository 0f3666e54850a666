//! The node event scripts' health on a cluster: each node runs `startup` once it has joined
//! and `monitor` after it, and publishes its health in its member record, which the president
//! feeds to the engine. A node whose monitor fails is UNHEALTHY on every node's `clnode
//! status` and its groups move to a healthy node; a node whose startup fails hosts nothing
//! (a switch to it is refused) until a later try — every 5 s — succeeds.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use rgm_e2e::bin_dir;
use rgm_e2e::cluster::TestCluster;
use rgm_e2e::etcd::Etcd;

/// The health column of `node` in `clnode status` as `via` prints it.
fn health(c: &TestCluster, via: &str, node: &str) -> String {
    let out = c.ok(via, "clnode", &["status"]).stdout;
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(node))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_default()
        .to_string()
}

/// A flag file of `node` its event script looks at (`sick`: monitor fails; `no-startup`:
/// startup fails).
fn flag(c: &TestCluster, node: &str, name: &str) -> PathBuf {
    c.node(node).run_dir.join(name)
}

#[test]
fn an_unhealthy_node_hosts_nothing_and_every_node_shows_it() {
    let mut c = TestCluster::start_with(bin_dir(), &["n1", "n2"], 3, Etcd::start(), |n| {
        let events = n.run_dir.join("events");
        std::fs::create_dir_all(&events).unwrap();
        let script = events.join("20.gate.script");
        let dir = n.run_dir.display();
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ncase \"$1\" in\n\
                 startup) [ -e {dir}/no-startup ] && {{ echo startup blocked; exit 1; }} ;;\n\
                 monitor) [ -e {dir}/sick ] && {{ echo the disk is gone; exit 1; }} ;;\n\
                 esac\nexit 0\n"
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let args = [
            "--events-dir",
            &events.display().to_string(),
            "--monitor-interval",
            "1",
        ];
        (Vec::new(), args.map(str::to_string).to_vec())
    });
    c.lock_group("n1", "rg", &["n1", "n2"], &[], "r1");
    c.ok("n1", "clresourcegroup", &["online", "-M", "rg"]);
    let patience = Duration::from_secs(30);
    c.wait("rg online on n1", patience, || {
        c.online_on("n2", "rg") == ["n1"]
    });
    assert_eq!(health(&c, "n2", "n1"), "Healthy");

    // n1's monitor fails: unhealthy on every node's status, and rg moves to n2.
    std::fs::write(flag(&c, "n1", "sick"), "").unwrap();
    c.wait("rg to move to n2", patience, || {
        c.online_on("n1", "rg") == ["n2"]
    });
    for via in ["n1", "n2"] {
        assert_eq!(health(&c, via, "n1"), "Unhealthy");
        assert_eq!(health(&c, via, "n2"), "Healthy");
    }
    let president = c.president("n1").unwrap();
    let log = c.node(&president).log();
    assert!(
        log.contains("node n1 is unhealthy (its monitor event failed: script 20.gate exited 1"),
        "{log}"
    );
    std::fs::remove_file(flag(&c, "n1", "sick")).unwrap();
    c.wait("n1 healthy again", patience, || {
        health(&c, "n2", "n1") == "Healthy"
    });

    // n2 crashes (rg comes back to n1) and starts again with a startup that fails: it is a
    // member, unhealthy, and hosts nothing until its startup succeeds.
    std::fs::write(flag(&c, "n2", "no-startup"), "").unwrap();
    c.crash("n2");
    c.wait("rg back on n1", patience, || {
        c.online_on("n1", "rg") == ["n1"]
    });
    c.restart("n2");
    c.wait("n2 a member again, unhealthy", patience, || {
        health(&c, "n1", "n2") == "Unhealthy"
    });
    // A new member is unhealthy until its startup succeeds: wait for the failure itself.
    c.wait("n2's startup failure recorded", patience, || {
        c.president("n1").is_some_and(|p| {
            c.node(&p)
                .log()
                .contains("its startup event has not succeeded (failed: script 20.gate exited 1")
        })
    });
    let refused = c.run("n1", "clresourcegroup", &["switch", "-n", "n2", "rg"]);
    assert_ne!(refused.code, 0, "a switch to a node whose startup failed");
    assert!(refused.stderr.contains("unhealthy"), "{}", refused.stderr);
    std::fs::remove_file(flag(&c, "n2", "no-startup")).unwrap();
    // Tried again within 5 s.
    c.wait("n2's startup to succeed", Duration::from_secs(15), || {
        health(&c, "n1", "n2") == "Healthy"
    });
    c.ok("n1", "clresourcegroup", &["switch", "-n", "n2", "rg"]);
    assert_eq!(c.online_on("n1", "rg"), ["n2"]);
    assert_eq!(c.violations(), "");
}
