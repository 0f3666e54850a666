//! OCF resource agents, unmodified, through the real commands: Debian's `ocf:heartbeat:Dummy`
//! and `ocf:pacemaker:Dummy` (packages resource-agents and pacemaker-resource-agents, which
//! `cargo xtask ci` installs) through their whole life cycle, every fault knob of
//! ocf:pacemaker:Dummy driving its Failover_mode reaction, and the exact environment an agent
//! gets (its `envfile` knob).

use std::collections::BTreeMap;

use rgm_e2e::wait_for;

use crate::agents::{Node, PATIENCE};

/// Registers `ocf:PROVIDER:Dummy` and creates `r` in group rg1 with a state file of its own,
/// probed every second.
fn dummy(c: &Node, provider: &str, r: &str, extra: &[&str]) -> String {
    c.ok(
        "clresourcetype",
        &["register", &format!("ocf:{provider}:Dummy")],
    );
    c.ok("clresourcegroup", &["create", "rg1"]);
    let state = c.path(&format!("{r}.state"));
    let mut args = vec![
        "create".to_string(),
        "-g".into(),
        "rg1".into(),
        "-t".into(),
        format!("{provider}.Dummy"),
        "-p".into(),
        "Thorough_probe_interval=1".into(),
        "-x".into(),
        format!("state={state}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(r.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    c.ok("clresource", &args);
    state
}

/// Creates pm with `extra`, brings it online and waits until its giveover is refused (one
/// node); returns the Status message.
fn refused_giveover(c: &Node, extra: &[&str]) -> String {
    dummy(c, "pacemaker", "pm", extra);
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.wait_status("pm", "FAULTED", "giveover refused")
}

/// The kernel's node name, as `uname -n` (what ocf:pacemaker:Dummy compares fail_start_on to).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn heartbeat_dummy_lives_its_whole_life_cycle_and_a_stopped_agent_is_restarted() {
    let c = Node::start();
    let state = dummy(&c, "heartbeat", "hb", &[]);
    let types = c.ok("clresourcetype", &["list"]);
    assert!(types.lines().any(|l| l == "heartbeat.Dummy:1.0"), "{types}");
    // Parameters are extension properties; the unique one only changes while disabled.
    let props = c.ok("clresourcetype", &["list-props", "-v", "heartbeat.Dummy"]);
    let row = |name: &str| {
        props
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name}: {props}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(row("state")[1..4], ["extension", "string", "WHEN_DISABLED"]);
    assert_eq!(
        row("fake")[1..5],
        ["extension", "string", "ANYTIME", "dummy"]
    );
    assert_eq!(
        row("Thorough_probe_interval")[4],
        "10",
        "the monitor's interval"
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(c.state("hb"), "ONLINE");
    assert!(
        std::path::Path::new(&state).exists(),
        "start made the state file"
    );
    c.wait_status("hb", "OK", "running");
    // The agent says it is not running (7): the fault monitor restarts it.
    std::fs::remove_file(&state).unwrap();
    wait_for("the restart", PATIENCE, || c.restarts("hb") == 1);
    c.wait_status("hb", "OK", "running");
    assert!(std::path::Path::new(&state).exists(), "started again");
    c.ok("clresourcegroup", &["offline", "rg1"]);
    assert_eq!(c.state("hb"), "OFFLINE");
    assert!(
        !std::path::Path::new(&state).exists(),
        "stop removed the state file"
    );
    c.ok("clresource", &["delete", "-F", "hb"]);
    c.ok("clresourcetype", &["unregister", "heartbeat.Dummy"]);
}

/// The variables of the last `### ACTION @ ... ###` block of an envfile.
fn env_of(envfile: &str, action: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(envfile).unwrap();
    let block = text
        .split("### ")
        .filter(|b| b.starts_with(&format!("{action} @")))
        .last()
        .unwrap_or_else(|| panic!("no {action} in {text}"));
    block
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn pacemaker_dummy_gets_the_environment_pacemaker_gives_and_nothing_else() {
    let c = Node::start();
    let envfile = c.path("env");
    let state = dummy(
        &c,
        "pacemaker",
        "pm",
        &["-x", &format!("envfile={envfile}")],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.wait_status("pm", "OK", "running");
    let start = env_of(&envfile, "start");
    let socket = c.socket().display().to_string();
    let path = format!("{}:/usr/bin:/bin:/usr/sbin:/sbin", c.bin.display());
    let expected: BTreeMap<&str, &str> = [
        ("HOME", "/"),
        ("RGM_SOCKET", socket.as_str()),
        ("OCF_ROOT", "/usr/lib/ocf"),
        ("OCF_RA_VERSION_MAJOR", "1"),
        ("OCF_RA_VERSION_MINOR", "1"),
        ("OCF_RESOURCE_INSTANCE", "pm"),
        ("OCF_RESOURCE_TYPE", "Dummy"),
        ("OCF_RESOURCE_PROVIDER", "pacemaker"),
        ("OCF_EXIT_REASON_PREFIX", "ocf-exit-reason:"),
        ("OCF_RESKEY_state", state.as_str()),
        ("OCF_RESKEY_envfile", envfile.as_str()),
        ("OCF_RESKEY_CRM_meta_name", "start"),
        ("OCF_RESKEY_CRM_meta_timeout", "18000"),
        ("OCF_RESKEY_CRM_meta_interval", "0"),
        ("OCF_RESKEY_CRM_meta_on_node", "node1"),
        ("OCF_RESKEY_CRM_meta_on_node_uuid", "1"),
    ]
    .into();
    // rgm's PATH comes first; ocf-shellfuncs appends its own directories.
    assert!(start["PATH"].starts_with(&path), "{}", start["PATH"]);
    // What the agent's own shell and ocf-shellfuncs add (LC_ALL=C among them) is not rgm's.
    let own = |k: &str| {
        ["PWD", "SHLVL", "_", "OLDPWD", "LC_ALL", "PATH"].contains(&k)
            || k.starts_with("HA_")
            || k.starts_with("OCF_FUNCTIONS")
            || k.starts_with("__OCF")
            || (k.starts_with("OCF_")
                && !k.starts_with("OCF_RESKEY_")
                && !expected.contains_key(k)
                && [
                    "OCF_SUCCESS",
                    "OCF_ERR_",
                    "OCF_NOT_",
                    "OCF_RUNNING",
                    "OCF_FAILED",
                    "OCF_DEGRADED",
                ]
                .iter()
                .any(|p| k.starts_with(p)))
    };
    let passed: BTreeMap<&str, &str> = start
        .iter()
        .filter(|(k, _)| !own(k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(passed, expected, "the start action's environment");
    // The monitor: its interval and timeout in milliseconds.
    wait_for("a monitor call", PATIENCE, || {
        std::fs::read_to_string(&envfile)
            .unwrap()
            .contains("### monitor @")
    });
    let monitor = env_of(&envfile, "monitor");
    assert_eq!(monitor["OCF_RESKEY_CRM_meta_interval"], "1000");
    assert_eq!(monitor["OCF_RESKEY_CRM_meta_timeout"], "20000");
    assert_eq!(monitor["OCF_RESKEY_CRM_meta_name"], "monitor");
    assert!(
        !monitor.contains_key("OCF_CHECK_LEVEL"),
        "no depth was asked for"
    );
    // A reloadable parameter changes while online: UPDATE runs reload-agent.
    c.ok("clresource", &["set", "-x", "fake=changed", "pm"]);
    wait_for("reload-agent", PATIENCE, || {
        std::fs::read_to_string(&envfile)
            .unwrap()
            .contains("### reload-agent @")
    });
    assert_eq!(
        env_of(&envfile, "reload-agent")["OCF_RESKEY_fake"],
        "changed"
    );
    c.ok("clresourcegroup", &["offline", "rg1"]);
    assert_eq!(env_of(&envfile, "stop")["OCF_RESKEY_CRM_meta_name"], "stop");
}

#[test]
fn fail_start_on_this_host_is_a_failed_start_handled_by_failover_mode() {
    // SOFT (the OCF types' default): the group leaves the node; with no other node it is
    // offline, and the node is not tried again within Pingpong_interval.
    let c = Node::start();
    dummy(
        &c,
        "pacemaker",
        "pm",
        &["-x", &format!("fail_start_on={}", hostname())],
    );
    let r = c.fails("clresourcegroup", &["online", "-M", "rg1"]);
    assert!(
        r.stderr
            .contains("failed to start there within Pingpong_interval"),
        "{}",
        r.stderr
    );
    assert_eq!(c.state("pm"), "OFFLINE");
    assert_eq!(c.group_state("rg1"), "OFFLINE");
    assert_eq!(
        c.log_lines(
            "failing over from node node1: START of resource pm failed (Failover_mode SOFT)"
        )
        .len(),
        1
    );
    assert_eq!(
        c.log_lines("status msg on node node1 change to <start failed: exited with status 1 (OCF_ERR_GENERIC)>").len(),
        1
    );
    // NONE: the resource stays START_FAILED where it is.
    let c = Node::start();
    dummy(
        &c,
        "pacemaker",
        "pm",
        &[
            "-x",
            &format!("fail_start_on={}", hostname()),
            "-p",
            "Failover_mode=NONE",
        ],
    );
    let _ = c.run("clresourcegroup", &["online", "-M", "rg1"]);
    assert_eq!(c.state("pm"), "START_FAILED");
    let (status, msg) = c.status("pm");
    assert_eq!(status, "FAULTED");
    assert!(
        msg.contains("start failed") && msg.contains("OCF_ERR_GENERIC"),
        "{msg}"
    );
}

#[test]
fn check_level_30_fails_every_monitor_restarts_then_faults_with_the_exit_reason() {
    let c = Node::start();
    let msg = refused_giveover(
        &c,
        &[
            "-x",
            "OCF_CHECK_LEVEL=30",
            "-p",
            "Retry_count=1",
            "-p",
            "Retry_interval=3600",
        ],
    );
    assert!(
        msg.contains("hyperdrive quota reached"),
        "the exit reason: {msg}"
    );
    assert_eq!(
        c.restarts("pm"),
        1,
        "one restart (Retry_count 1), then the giveover"
    );
}

#[test]
fn check_level_30_under_log_only_is_only_reported() {
    let c = Node::start();
    dummy(
        &c,
        "pacemaker",
        "pm",
        &["-x", "OCF_CHECK_LEVEL=30", "-p", "Failover_mode=LOG_ONLY"],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    let msg = c.wait_status("pm", "FAULTED", "LOG_ONLY");
    assert!(msg.contains("hyperdrive quota reached"), "{msg}");
    assert_eq!(c.restarts("pm"), 0);
    assert!(
        c.log_lines("scha_control").is_empty(),
        "no request under LOG_ONLY"
    );
}

#[test]
fn check_level_20_fails_now_and_then_and_each_failure_is_a_restart() {
    let c = Node::start();
    dummy(
        &c,
        "pacemaker",
        "pm",
        &["-x", "OCF_CHECK_LEVEL=20", "-p", "Retry_count=100"],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    // One monitor in five fails at random ("smoke detected near CPU fan").
    wait_for("a random failure and its restart", PATIENCE, || {
        c.restarts("pm") >= 1
    });
    assert!(
        !c.log_lines("restarting resource pm on node node1 (scha_control RESOURCE_RESTART)")
            .is_empty()
    );
    c.wait_status("pm", "OK", "running");
}

/// Starts pm with OCF_CHECK_LEVEL 40, then makes its monitor return `rc`.
fn level_40(c: &Node, rc: &str) {
    let state = dummy(
        c,
        "pacemaker",
        "pm",
        &["-x", "OCF_CHECK_LEVEL=40", "-p", "Retry_count=2"],
    );
    c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    c.wait_status("pm", "OK", "running");
    std::fs::write(state, rc).unwrap();
}

#[test]
fn check_level_40_hard_errors_give_over_at_once_without_restarts() {
    for rc in ["2", "5"] {
        let c = Node::start();
        level_40(&c, rc);
        let msg = c.wait_status("pm", "FAULTED", "giveover refused");
        assert!(msg.contains("hard error on node node1"), "{rc}: {msg}");
        assert!(msg.contains("Kronosnet"), "the exit reason: {msg}");
        assert_eq!(
            c.restarts("pm"),
            0,
            "{rc}: a hard error is not restarted here"
        );
    }
}

#[test]
fn check_level_40_configuration_error_stops_it_without_failover() {
    let c = Node::start();
    level_40(&c, "6");
    wait_for("pm to be disabled and stopped", PATIENCE, || {
        c.state("pm") == "OFFLINE"
    });
    let enabled = c
        .run("scha_resource_get", &["-O", "ON_OFF_SWITCH", "-R", "pm"])
        .stdout;
    assert_eq!(enabled.trim(), "DISABLED");
    assert!(
        c.group_state("rg1").starts_with("ONLINE"),
        "the group stays"
    );
}

#[test]
fn check_level_40_degraded_and_promoted_are_running() {
    let c = Node::start();
    level_40(&c, "190");
    let msg = c.wait_status("pm", "DEGRADED", "OCF_DEGRADED");
    assert!(msg.contains("Kronosnet"), "{msg}");
    let state = c.path("pm.state");
    std::fs::write(&state, "8").unwrap();
    c.wait_status("pm", "OK", "promoted");
    std::fs::write(&state, "7").unwrap();
    wait_for("not running: a restart", PATIENCE, || c.restarts("pm") == 1);
}

#[test]
fn op_sleep_past_the_probe_timeout_is_a_failed_monitor_and_a_bad_op_sleep_is_refused() {
    let c = Node::start();
    let msg = refused_giveover(
        &c,
        &[
            "-x",
            "op_sleep=3",
            "-x",
            "Probe_timeout=1",
            "-p",
            "Retry_count=0",
        ],
    );
    assert!(msg.contains("timed out after 1 s"), "{msg}");
    // validate-all: op_sleep must be a number (OCF_ERR_CONFIGURED); the change is refused.
    let r = c.fails("clresource", &["set", "-x", "op_sleep=abc", "pm"]);
    assert!(r.stderr.contains("OCF_ERR_CONFIGURED"), "{}", r.stderr);
    let op = c
        .run(
            "scha_resource_get",
            &["-O", "EXTENSION", "-R", "pm", "op_sleep"],
        )
        .stdout;
    assert!(op.contains('3'), "{op}");
}
