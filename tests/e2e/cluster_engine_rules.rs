//! Rules 1 to 5 of the engine issue (issue 9) through the real commands on a three-node
//! cluster on etcd (issue 12's scenario 8): a dependency going away stops only its
//! `_offline_restart` dependents, wherever they run; a dependent that fails to stop never pins
//! what it depends on; a fence that cannot be done is retried, or confirmed by hand; `--` holds
//! at every instant; RG_dependencies rule 4 holds for every request form. Each test reads the
//! test type's method-call log (`<node> <method> <resource> begin|end`, in the order the calls
//! happened on the machine) for the order of what ran.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rgm_e2e::Run;
use rgm_e2e::cluster::TestCluster;
use rgm_e2e::etcd::Etcd;

const NODES: &[&str] = &["n1", "n2", "n3"];

/// How long a cluster may take to settle what a command set going.
const LIMIT: Duration = Duration::from_secs(30);

/// The index of `line` in `calls` at or after `from`.
fn position_from(calls: &[String], from: usize, line: &str) -> Option<usize> {
    calls
        .iter()
        .skip(from)
        .position(|l| l == line)
        .map(|i| i + from)
}

/// `resource`'s state on `node` as `via` sees it (`online`, `stop_failed`, `offline`, ...).
fn state(c: &TestCluster, via: &str, resource: &str, node: &str) -> String {
    c.view_from(via)
        .and_then(|v| {
            v["resources"][resource]["nodes"][node]["state"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "offline".into())
}

/// The pid of `resource`'s service on `node` (from its pid file), if it has one.
fn service_pid(c: &TestCluster, node: &str, resource: &str) -> Option<String> {
    std::fs::read_to_string(c.node(node).run_dir.join(format!("{resource}.pid")))
        .ok()
        .map(|p| p.trim().to_string())
}

/// Whether `node` is up as `via` sees it.
fn node_up(c: &TestCluster, via: &str, node: &str) -> Option<bool> {
    let v = c.view_from(via)?;
    v["nodes"]
        .as_array()?
        .iter()
        .find(|x| x["name"] == node)
        .and_then(|x| x["up"].as_bool())
}

/// A command against `node`'s rgmd that must answer within `limit` (a request that never
/// ends fails the test instead of hanging it).
fn run_within(c: &TestCluster, node: &str, bin: &str, args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(c.bin.join(bin))
        .args(args)
        .env("RGM_SOCKET", c.node(node).socket())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run a command");
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("wait for a command").is_some() {
            return child.wait_with_output().expect("its output").into();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("its output");
            panic!(
                "{bin} {} on {node} did not answer within {limit:?}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Makes the STOP of `resource` fail from now on (the test type's `<resource>.stop-fails`).
fn stop_fails(c: &TestCluster, resource: &str) {
    std::fs::write(c.shared().join(format!("{resource}.stop-fails")), "").unwrap();
}

/// dbg (Nodelist n1, n3) holds db; org (n2) holds orr, with
/// `Resource_dependencies_offline_restart=db{ANY_NODE}`: both unmanaged, offline.
fn db_and_an_offline_restart_dependent(c: &TestCluster) {
    c.lock_group("n1", "dbg", &["n1", "n3"], &[], "db");
    c.lock_group("n1", "org", &["n2"], &[], "orr");
    c.ok(
        "n1",
        "clrs",
        &[
            "set",
            "-p",
            "Resource_dependencies_offline_restart=db{ANY_NODE}",
            "orr",
        ],
    );
}

#[test]
fn rule1_a_dependency_going_away_stops_only_its_offline_restart_dependents() {
    let c = TestCluster::start(NODES, 3);
    db_and_an_offline_restart_dependent(&c);
    // Strong: app is left running; offline_restart: orr stops and comes back with db.
    c.lock_group("n1", "appg", &["n2"], &[], "app");
    c.ok(
        "n1",
        "clrs",
        &["set", "-p", "Resource_dependencies=db{ANY_NODE}", "app"],
    );
    c.ok("n2", "clrg", &["online", "-M", "dbg", "appg", "org"]);
    c.wait("db on n1, app and orr on n2", LIMIT, || {
        c.online_on("n2", "dbg") == ["n1"]
            && c.online_on("n2", "appg") == ["n2"]
            && c.online_on("n2", "org") == ["n2"]
    });
    let app_pid = service_pid(&c, "n2", "app");
    let from = c.calls().len();

    // The example: a switch of db's group does not stop app.
    c.ok("n3", "clrg", &["switch", "-n", "n3", "dbg"]);
    c.wait("db on n3 and orr started again on n2", LIMIT, || {
        c.online_on("n2", "dbg") == ["n3"]
            && position_from(&c.calls(), from, "n2 start orr end").is_some()
            && c.online_on("n2", "org") == ["n2"]
    });
    let calls = c.calls();
    let at = |line: &str| {
        position_from(&calls, from, line).unwrap_or_else(|| panic!("no `{line}`: {calls:?}"))
    };
    assert!(
        position_from(&calls, from, "n2 stop app begin").is_none(),
        "the strong dependent app was stopped: {calls:?}"
    );
    assert_eq!(
        service_pid(&c, "n2", "app"),
        app_pid,
        "app's service changed"
    );
    assert!(c.service_runs("n2", "app"));
    // Both going down: the dependent first; back once db is back.
    assert!(at("n2 stop orr end") < at("n1 stop db begin"), "{calls:?}");
    assert!(
        at("n3 start db end") < at("n2 start orr begin"),
        "{calls:?}"
    );

    // db offline everywhere: orr stops, app stays; db back: orr starts again.
    let from = c.calls().len();
    c.ok("n1", "clrg", &["offline", "dbg"]);
    c.wait("db and orr offline", LIMIT, || {
        c.online_on("n1", "dbg").is_empty() && !c.service_runs("n2", "orr")
    });
    assert!(c.service_runs("n2", "app"), "app stopped with db");
    c.ok("n1", "clrg", &["online", "dbg"]);
    c.wait("orr started again once db is back", LIMIT, || {
        position_from(&c.calls(), from, "n2 start orr end").is_some() && c.service_runs("n2", "orr")
    });
    let calls = c.calls();
    assert!(
        position_from(&calls, from, "n2 stop app begin").is_none(),
        "{calls:?}"
    );
    assert_eq!(service_pid(&c, "n2", "app"), app_pid);
    assert_eq!(c.violations(), "");
}

#[test]
fn rule2_a_stop_failed_dependent_never_pins_its_dependency_s_stop() {
    let c = TestCluster::start(NODES, 3);
    // One group: app depends on db, app's STOP fails; `clrg offline` still stops db.
    c.lock_group("n1", "g1", &["n1", "n2"], &[], "db1");
    c.ok(
        "n1",
        "clrs",
        &[
            "create",
            "-g",
            "g1",
            "-t",
            "CLUSTER.lock",
            "-p",
            "Resource_dependencies=db1",
            "app1",
        ],
    );
    c.ok("n2", "clrg", &["online", "-M", "g1"]);
    assert!(c.service_runs("n1", "db1") && c.service_runs("n1", "app1"));
    stop_fails(&c, "app1");
    let offline = run_within(&c, "n2", "clrg", &["offline", "g1"], LIMIT);
    c.wait("db1 stopped though app1 failed to stop", LIMIT, || {
        state(&c, "n3", "app1", "n1") == "stop_failed" && !c.service_runs("n1", "db1")
    });
    let calls = c.calls();
    assert!(
        calls.iter().any(|l| l == "n1 stop db1 end"),
        "db1 was not stopped: {calls:?} ({offline:?})"
    );
    assert_eq!(state(&c, "n3", "db1", "n1"), "offline");

    // Across groups: orr (offline_restart on db, another node) fails to stop; the switch
    // of db's group ends, db online on the other node.
    db_and_an_offline_restart_dependent(&c);
    c.ok("n2", "clrg", &["online", "-M", "dbg", "org"]);
    assert_eq!(c.online_on("n2", "dbg"), ["n1"]);
    assert_eq!(c.online_on("n2", "org"), ["n2"]);
    stop_fails(&c, "orr");
    let switch = run_within(&c, "n3", "clrg", &["switch", "-n", "n3", "dbg"], LIMIT);
    c.wait("db on n3", LIMIT, || c.online_on("n1", "dbg") == ["n3"]);
    assert_eq!(
        state(&c, "n1", "orr", "n2"),
        "stop_failed",
        "switch: {switch:?}"
    );
    assert!(!c.service_runs("n1", "db"));
    assert_eq!(c.violations(), "");
}

/// A fence command that records the node it fences and then waits until the test lets it go
/// (`release`), and fails: the fence cannot be done.
fn hanging_fence(dir: &Path) -> Vec<String> {
    let script = dir.join("fence");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$RGM_FENCE_NODE\" >>'{d}/fenced'\ni=0\nwhile [ ! -e '{d}/release' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\nexit 1\n",
            d = dir.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    vec!["--fence-command".into(), script.display().to_string()]
}

/// What [`hard_stop_failure_then_crash`] leaves: the cluster, the node being fenced, the
/// node hg was switched to, the president, the fence command's directory and the switch.
struct Fencing {
    c: TestCluster,
    victim: String,
    other: String,
    president: String,
    dir: tempfile::TempDir,
    switch: std::thread::JoinHandle<std::io::Result<std::process::Output>>,
}

/// A cluster whose fence command hangs, with group hg (resource hr, Failover_mode=HARD)
/// online on a node that is not the president (the president runs the fence command and
/// must outlive the node); hr's STOP fails in a switch to the other node, so its node
/// is fenced, and it crashes while the fence command runs.
fn hard_stop_failure_then_crash() -> Fencing {
    let dir = tempfile::tempdir().unwrap();
    let args = hanging_fence(dir.path());
    let mut c = TestCluster::start_with(rgm_e2e::bin_dir(), NODES, 3, Etcd::start(), |_| {
        (Vec::new(), args.clone())
    });
    let president = c.president("n1").expect("a president");
    let others: Vec<String> = NODES
        .iter()
        .filter(|n| **n != president)
        .map(|n| n.to_string())
        .collect();
    let (victim, other) = (others[0].clone(), others[1].clone());
    c.lock_group(
        &other,
        "hg",
        &[&victim, &other],
        &["Pingpong_interval=0"],
        "hr",
    );
    c.ok(&other, "clrs", &["set", "-p", "Failover_mode=HARD", "hr"]);
    c.ok(&other, "clrg", &["online", "-M", "hg"]);
    assert_eq!(c.online_on(&other, "hg"), std::slice::from_ref(&victim));
    // A member cannot be confirmed down.
    let refused = c.run(&other, "clnode", &["confirm-down", &victim]);
    assert_ne!(refused.code, 0, "{refused:?}");
    stop_fails(&c, "hr");
    let (bin, socket, to) = (c.bin.clone(), c.node(&other).socket(), other.clone());
    let switch = std::thread::spawn(move || {
        Command::new(bin.join("clrg"))
            .args(["switch", "-n", &to, "hg"])
            .env("RGM_SOCKET", socket)
            .output()
    });
    let fenced = dir.path().join("fenced");
    c.wait("the fence command running", LIMIT, || {
        std::fs::read_to_string(&fenced).is_ok_and(|f| f.lines().any(|l| l == victim))
    });
    c.crash(&victim);
    // (A node being fenced shows as down already; it has left once its lease is gone.)
    c.wait("the fenced node gone from the cluster", LIMIT, || {
        c.node(&president)
            .log()
            .contains(&format!("node {victim} left the cluster"))
    });
    assert_eq!(node_up(&c, &other, &victim), Some(false));
    // Its fence is owed: nothing of it starts elsewhere.
    assert!(c.online_on(&other, "hg").is_empty());
    assert!(!c.service_runs(&other, "hr"));
    Fencing {
        c,
        victim,
        other,
        president,
        dir,
        switch,
    }
}

#[test]
fn rule3_a_failed_fence_of_a_dead_node_is_retried_and_its_groups_fail_over() {
    let f = hard_stop_failure_then_crash();
    let (c, victim, other) = (&f.c, &f.victim, &f.other);
    std::fs::write(f.dir.path().join("release"), "").unwrap();
    let log = || c.node(&f.president).log();
    c.wait("the failed fence logged", LIMIT, || {
        log().contains(&format!("cannot fence node {victim} (attempt 1)"))
    });
    // The request that waited on the fence ends, with the reason and the way out.
    let switch = f.switch.join().unwrap().unwrap();
    let said = String::from_utf8_lossy(&switch.stderr).into_owned();
    assert!(said.contains("confirm-down"), "{said}");
    // Tried again: by then the node has been out of the cluster for its whole lease, which
    // fences it.
    c.wait("hg online on the other node", LIMIT, || {
        c.online_on(other, "hg") == [other.clone()]
    });
    let log = log();
    assert!(
        log.contains(&format!("fencing node {victim} again (attempt 2)")),
        "{log}"
    );
    assert!(c.service_runs(other, "hr"));
    assert_eq!(c.violations(), "");
}

#[test]
fn rule3_confirm_down_lets_the_groups_fail_over_while_the_fence_cannot_be_done() {
    let f = hard_stop_failure_then_crash();
    let (c, victim, other) = (&f.c, &f.victim, &f.other);
    let confirmed = c.ok(other, "clnode", &["confirm-down", victim]);
    assert!(
        format!("{}{}", confirmed.stdout, confirmed.stderr).contains("confirmed down"),
        "{confirmed:?}"
    );
    c.wait("hg online on the other node", LIMIT, || {
        c.online_on(other, "hg") == [other.clone()]
    });
    assert!(
        c.node(&f.president).log().contains(&format!(
            "node {victim} is confirmed down by the administrator"
        )),
        "{}",
        c.node(&f.president).log()
    );
    // The fence command failing later changes nothing.
    std::fs::write(f.dir.path().join("release"), "").unwrap();
    let _ = f.switch.join();
    assert_eq!(c.online_on(other, "hg"), std::slice::from_ref(other));
    assert_eq!(c.violations(), "");
}

#[test]
fn rule4_a_strong_negative_affinity_holds_at_every_instant() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "t", NODES, &[], "rt");
    c.lock_group(
        "n1",
        "enemy",
        &["n2", "n3", "n1"],
        &["RG_affinities=--t"],
        "re",
    );
    c.ok("n1", "clrg", &["online", "-M", "t", "enemy"]);
    c.wait("t on n1, enemy on n2", LIMIT, || {
        c.online_on("n1", "t") == ["n1"] && c.online_on("n1", "enemy") == ["n2"]
    });
    let from = c.calls().len();
    c.ok("n3", "clrg", &["switch", "-n", "n2", "t"]);
    c.wait("t on n2, enemy on n3", LIMIT, || {
        c.online_on("n1", "t") == ["n2"] && c.online_on("n1", "enemy") == ["n3"]
    });
    let calls = c.calls();
    let at = |line: &str| {
        position_from(&calls, from, line).unwrap_or_else(|| panic!("no `{line}`: {calls:?}"))
    };
    // The enemy is off n2 before t's first method there.
    assert!(at("n2 stop re end") < at("n2 start rt begin"), "{calls:?}");

    // An enemy that cannot leave (its STOP fails) keeps t from starting on its node: the
    // switch ends, and t never starts there.
    stop_fails(&c, "re");
    let from = c.calls().len();
    let switch = run_within(&c, "n1", "clrg", &["switch", "-n", "n3", "t"], LIMIT);
    c.wait("re STOP_FAILED on n3", LIMIT, || {
        state(&c, "n1", "re", "n3") == "stop_failed"
    });
    let calls = c.calls();
    assert!(
        position_from(&calls, from, "n3 start rt begin").is_none(),
        "t started beside its enemy: {calls:?} ({switch:?})"
    );
    assert!(!c.service_runs("n3", "rt"));
    assert_eq!(c.violations(), "");
}

#[test]
fn rule5_rg_dependencies_hold_for_offline_on_a_node_evacuate_switch_and_remaster() {
    let c = TestCluster::start(NODES, 3);
    c.lock_group("n1", "base", &["n1"], &[], "rb");
    c.lock_group("n1", "top", &["n2", "n3"], &["RG_dependencies=base"], "rt");
    c.ok("n3", "clrg", &["online", "-M", "base", "top"]);
    assert_eq!(c.online_on("n3", "base"), ["n1"]);
    assert_eq!(c.online_on("n3", "top"), ["n2"]);
    let refused_for_top = |r: &Run| {
        assert_ne!(r.code, 0, "{r:?}");
        assert!(
            r.stderr
                .contains("resource group top depends on resource group base"),
            "{r:?}"
        );
    };
    // Neither may leave base offline everywhere while top stays online.
    refused_for_top(&c.run("n2", "clrg", &["offline", "-n", "n1", "base"]));
    refused_for_top(&c.run("n3", "clrg", &["evacuate", "-n", "n1", "+"]));
    assert_eq!(c.online_on("n3", "base"), ["n1"]);

    // With somewhere else to go, base moves; top, online on another node, stays.
    let from = c.calls().len();
    c.ok("n1", "clrg", &["set", "-p", "Nodelist=n1,n3", "base"]);
    c.ok("n2", "clrg", &["switch", "-n", "n3", "base"]);
    assert_eq!(c.online_on("n1", "base"), ["n3"]);
    c.ok("n2", "clrg", &["remaster", "base"]);
    c.wait("base back on n1", LIMIT, || {
        c.online_on("n1", "base") == ["n1"]
    });
    c.ok("n2", "clrg", &["evacuate", "-n", "n1", "-T", "0", "+"]);
    c.wait("base on n3", LIMIT, || c.online_on("n1", "base") == ["n3"]);
    let calls = c.calls();
    assert!(
        position_from(&calls, from, "n2 stop rt begin").is_none(),
        "top was stopped: {calls:?}"
    );
    assert_eq!(c.online_on("n1", "top"), ["n2"]);

    // Both offline: top may not come back alone.
    c.ok("n2", "clrg", &["offline", "base", "top"]);
    let switch = c.run("n1", "clrg", &["switch", "-n", "n3", "top"]);
    assert_ne!(switch.code, 0, "{switch:?}");
    assert!(
        switch.stderr.contains("depends on resource group base"),
        "{switch:?}"
    );
    let online = c.run("n1", "clrg", &["online", "top"]);
    assert_ne!(online.code, 0, "{online:?}");
    assert!(c.online_on("n1", "top").is_empty());
    assert_eq!(c.violations(), "");
}
