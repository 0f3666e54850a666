//! Registering a type, creating a group and resources, online and offline, VALIDATE, restarts
//! and a hung STOP, through the real commands against a real rgmd.

use std::time::{Duration, Instant};

use rgm_e2e::{Cluster, alive, wait_for};

use crate::support::{argvs, calls, group_with};

fn position(calls: &[String], call: &str) -> usize {
    calls
        .iter()
        .position(|c| c == call)
        .unwrap_or_else(|| panic!("{call} was not called: {calls:?}"))
}

#[test]
fn online_and_offline_run_the_methods_in_dependency_order_with_solaris_argv() {
    let c = Cluster::start();
    group_with(
        &c,
        &[("db", &[]), ("app", &["-p", "Resource_dependencies=db"])],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let calls = calls(&c);
    let at = |call: &str| position(&calls, call);
    assert!(
        at("init db") < at("prenet_start db"),
        "INIT when the group is managed: {calls:?}"
    );
    assert!(at("prenet_start db") < at("prenet_start app"));
    assert!(
        at("prenet_start app") < at("start db"),
        "START after every PRENET_START"
    );
    assert!(at("start db") < at("start app"));
    assert!(at("start db") < at("monitor_start db"));
    // The exact argv of rt_callbacks(1HA), every token its own element.
    assert_eq!(
        argvs(&c, "db", "start")[0],
        ["-R", "db", "-T", "TEST.rec:1", "-G", "rg1"]
    );
    // The environment: cleared, then HOME, PATH with rgm's commands first, RGM_SOCKET.
    let env = std::fs::read_to_string(c.run_dir().join("env.db.start")).unwrap();
    let vars: Vec<&str> = env.lines().map(|l| l.split('=').next().unwrap()).collect();
    for v in &vars {
        assert!(
            ["HOME", "PATH", "RGM_SOCKET", "PWD", "SHLVL", "_", "OLDPWD"].contains(v),
            "{v} leaked into the method's environment: {env}"
        );
    }
    assert!(env.contains("HOME=/\n"));
    assert!(
        env.contains(&format!(
            "PATH={}:/usr/bin:/bin:/usr/sbin:/sbin\n",
            c.bin.display()
        )),
        "{env}"
    );
    assert!(env.contains(&format!("RGM_SOCKET={}\n", c.socket().display())));
    let status = c.ok("clresourcegroup", &["status"]);
    assert!(
        status.contains("rg1             node1             No             Online"),
        "{status}"
    );
    assert!(
        c.ok("clresource", &["status"])
            .contains("app             node1       Online")
    );

    c.ok("clresourcegroup", &["offline", "rg1"]);
    let calls = crate::support::calls(&c);
    let at = |call: &str| {
        calls
            .iter()
            .rposition(|c| c == call)
            .unwrap_or_else(|| panic!("{call}: {calls:?}"))
    };
    assert!(
        at("stop app") < at("stop db"),
        "dependents stop first: {calls:?}"
    );
    assert!(at("monitor_stop db") < at("stop db"));
    assert!(
        at("stop db") < at("postnet_stop app"),
        "POSTNET_STOP after every STOP"
    );
    assert!(at("postnet_stop app") < at("postnet_stop db"));
    assert!(c.ok("clresourcegroup", &["status"]).contains("Offline"));
    let log = c.log();
    assert!(log.contains("launching method <rec_start> for resource <db>, resource group <rg1>, node <node1>, timeout <30> seconds"));
    assert!(log.contains("method <rec_start> completed successfully for resource <db>, resource group <rg1>, node <node1>, time used: 0% of timeout <30 seconds>"));
    assert!(log.contains("resource group rg1 state on node node1 change to RG_ONLINE"));
}

#[test]
fn validate_gets_the_rt_callbacks_arguments_and_can_veto() {
    let c = Cluster::start();
    group_with(&c, &[("r1", &[]), ("r3", &[]), ("r4", &[])]);
    let hostile = r#"two words "quoted" ; $(touch /tmp/rgm-pwned) `x` and a
newline"#;
    c.ok(
        "clresource",
        &[
            "create",
            "-g",
            "rg1",
            "-t",
            "TEST.rec",
            "-p",
            "Resource_dependencies=r1@node1,r3{local_node},r4",
            "-x",
            &format!("Label={hostile}"),
            "x",
        ],
    );
    let argv = &argvs(&c, "x", "validate")[0];
    assert_eq!(
        argv[..7],
        ["-c", "-R", "x", "-T", "TEST.rec:1", "-G", "rg1"]
    );
    let pairs: Vec<(&str, &str)> = argv[7..]
        .chunks(2)
        .map(|p| (p[0].as_str(), p[1].as_str()))
        .collect();
    assert!(
        pairs.contains(&("-r", "Resource_dependencies=r1,r3,r4")),
        "{pairs:?}"
    );
    assert!(pairs.contains(&("-r", "Resource_dependencies_Q=r1@node1,r3{local_node},r4")));
    assert!(
        pairs.contains(&("-x", &format!("Label={hostile}"))),
        "the value arrives intact: {pairs:?}"
    );
    assert!(pairs.contains(&("-x", "Port=80")));
    assert!(pairs.contains(&("-g", "Nodelist=node1")));
    assert!(!std::path::Path::new("/tmp/rgm-pwned").exists());

    // An update passes only what changes.
    c.ok("clresource", &["set", "-x", "Port=8080", "x"]);
    let argv = argvs(&c, "x", "validate").pop().unwrap();
    assert_eq!(
        argv,
        [
            "-u",
            "-R",
            "x",
            "-T",
            "TEST.rec:1",
            "-G",
            "rg1",
            "-x",
            "Port=8080"
        ]
    );

    // A veto: nothing changes and the method's words reach the administrator.
    let before = c.config_text();
    let r = c.fails("clresource", &["set", "-x", "Port=666", "x"]);
    assert_eq!(r.code, 10, "SCHA_ERR_METHOD");
    assert!(
        r.stderr
            .contains("VALIDATE of resource x failed on node node1"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("Port 666 is cursed"), "{}", r.stderr);
    assert_eq!(c.config_text(), before);
    let r = c.fails(
        "clresource",
        &[
            "create", "-g", "rg1", "-t", "TEST.rec", "-x", "Port=666", "y",
        ],
    );
    assert!(r.stderr.contains("Port 666 is cursed"));
    assert!(!c.ok("clresource", &["list"]).lines().any(|l| l == "y"));
    assert_eq!(c.config_text(), before);
}

#[test]
fn resource_restart_restarts_its_restart_dependents() {
    let c = Cluster::start();
    group_with(
        &c,
        &[
            ("fs", &[]),
            ("db", &["-p", "Resource_dependencies_restart=fs"]),
        ],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let before = calls(&c).len();
    c.ok(
        "scha_control",
        &["-O", "RESOURCE_RESTART", "-R", "fs", "-G", "rg1"],
    );
    let calls: Vec<String> = calls(&c)[before..].to_vec();
    let at = |call: &str| position(&calls, call);
    assert!(at("stop db") < at("stop fs"), "{calls:?}");
    assert!(at("start fs") < at("start db"), "{calls:?}");
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("prenet_start") || c.starts_with("postnet_stop"))
    );
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "NUM_RESOURCE_RESTARTS", "-R", "fs", "-G", "rg1"]
        )
        .trim(),
        "1"
    );
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "db", "-G", "rg1"]
        )
        .trim(),
        "ONLINE"
    );
}

#[test]
fn a_hung_stop_is_stop_failed_after_timeout_plus_grace_and_clear_recovers_it() {
    let c = Cluster::start();
    group_with(&c, &[("r", &["-p", "Stop_timeout=1"])]);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    std::fs::write(c.run_dir().join("hang.r.stop"), "").unwrap();
    let t = Instant::now();
    let r = c.fails("clresourcegroup", &["offline", "rg1"]);
    let took = t.elapsed();
    assert!(
        took >= Duration::from_secs(11),
        "SIGTERM at 1 s, SIGKILL 10 s later: took {took:?}"
    );
    assert!(r.stderr.contains("STOP_FAILED"), "{}", r.stderr);
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "r", "-G", "rg1"]
        )
        .trim(),
        "STOP_FAILED"
    );
    assert!(c.log().contains(
        "Method <rec_stop> on resource <r>, resource group <rg1>, node <node1>: Timeout."
    ));
    // Nothing of the hung method survives: not it, not its TERM-ignoring grandchild.
    for f in ["hung.pid", "grandchild.pid"] {
        let pid: i32 = std::fs::read_to_string(c.run_dir().join(f))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        wait_for(&format!("{f} to be gone"), Duration::from_secs(5), || {
            !alive(pid)
        });
    }
    // STOP_FAILED keeps the group from starting until the administrator clears it.
    std::fs::remove_file(c.run_dir().join("hang.r.stop")).unwrap();
    c.fails("clresourcegroup", &["online", "rg1"]);
    c.ok(
        "clresource",
        &["clear", "-f", "STOP_FAILED", "-n", "node1", "r"],
    );
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "r", "-G", "rg1"]
        )
        .trim(),
        "OFFLINE"
    );
    c.ok("clresourcegroup", &["online", "rg1"]);
    assert_eq!(
        c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "r", "-G", "rg1"]
        )
        .trim(),
        "ONLINE"
    );
}
