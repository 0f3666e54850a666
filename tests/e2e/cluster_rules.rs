//! Dependencies and affinities between groups on different nodes (issue 12's scenarios 8 and
//! 9): a `++` group follows, a `--` group is evicted before its enemy starts on its node, a
//! `{ANY_NODE}` dependency is met from another node, and a node outside a group's Nodelist
//! never hosts it.

use std::time::Duration;

use rgm_e2e::cluster::TestCluster;

const NODES: &[&str] = &["n1", "n2", "n3"];

/// How long a cluster may take to settle what a command set going.
const LIMIT: Duration = Duration::from_secs(20);

fn position(calls: &[String], line: &str) -> Option<usize> {
    calls.iter().position(|l| l == line)
}

#[test]
fn a_strong_positive_affinity_follows_and_a_strong_negative_one_is_evicted_first() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "leader", NODES, &[], "rl");
    c.lock_group("n1", "friend", NODES, &["RG_affinities=++leader"], "rf");
    c.lock_group(
        "n1",
        "enemy",
        &["n2", "n3", "n1"],
        &["RG_affinities=--leader"],
        "re",
    );
    c.ok("n1", "clrg", &["online", "-M", "leader", "friend", "enemy"]);
    c.wait("leader and friend on n1, enemy on n2", LIMIT, || {
        c.online_on("n1", "leader") == ["n1"]
            && c.online_on("n1", "friend") == ["n1"]
            && c.online_on("n1", "enemy") == ["n2"]
    });
    // The leader moves onto the enemy's node: the friend follows, the enemy leaves first.
    c.ok("n3", "clrg", &["switch", "-n", "n2", "leader"]);
    c.wait("leader and friend on n2, enemy elsewhere", LIMIT, || {
        let enemy = c.online_on("n1", "enemy");
        c.online_on("n1", "leader") == ["n2"]
            && c.online_on("n1", "friend") == ["n2"]
            && enemy.len() == 1
            && enemy[0] != "n2"
    });
    let calls = c.calls();
    let evicted = position(&calls, "n2 stop re end").expect("the enemy stopped on n2");
    let started = position(&calls, "n2 start rl begin").expect("the leader started on n2");
    assert!(
        evicted < started,
        "the leader started before the enemy left: {calls:?}"
    );
    assert_eq!(c.violations(), "");
}

#[test]
fn an_any_node_dependency_is_met_from_another_node() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "dbg", &["n1", "n3"], &[], "db");
    c.lock_group("n1", "appg", &["n2"], &[], "app");
    c.ok(
        "n1",
        "clrs",
        &["set", "-p", "Resource_dependencies=db{ANY_NODE}", "app"],
    );
    c.ok("n2", "clrg", &["online", "-M", "dbg", "appg"]);
    c.wait("db on n1, app on n2", LIMIT, || {
        c.online_on("n2", "dbg") == ["n1"] && c.online_on("n2", "appg") == ["n2"]
    });
    let calls = c.calls();
    let db = position(&calls, "n1 start db end").expect("db started");
    let app = position(&calls, "n2 start app begin").expect("app started");
    assert!(db < app, "app started before db was online: {calls:?}");
    assert_eq!(c.violations(), "");
}

#[test]
fn a_node_outside_the_nodelist_never_hosts_the_group() {
    let mut c = TestCluster::start(NODES, 3);
    c.lock_group("n3", "rg1", &["n1", "n2"], &[], "r1");
    c.ok("n3", "clrg", &["online", "-M", "rg1"]);
    c.wait("rg1 on n1", LIMIT, || c.online_on("n3", "rg1") == ["n1"]);
    c.crash("n1");
    c.wait("rg1 on n2", Duration::from_secs(20), || {
        c.online_on("n3", "rg1") == ["n2"]
    });
    c.crash("n2");
    // Two lease periods: time enough for it to have moved had it been allowed to.
    c.wait("n2 gone", Duration::from_secs(20), || {
        c.view_from("n3").is_some_and(|v| {
            v["nodes"]
                .as_array()
                .is_some_and(|ns| ns.iter().any(|x| x["name"] == "n2" && x["up"] == false))
        })
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(c.online_on("n3", "rg1").is_empty());
    assert!(!c.service_runs("n3", "r1"));
    assert_eq!(c.violations(), "");
}
