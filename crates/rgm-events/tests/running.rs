//! Events run over real scripts through rgm-exec: order, arguments, the first failure, one
//! deadline for the whole event and the kill of what a late script started, monitors giving
//! way to other events, health from startup and monitor.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rgm_events::{EventsConfig, Health, HealthPlan, NodeEvents, spawn_health};
use rgm_exec::{CgroupMode, Launcher, LauncherConfig};
use rgm_proto::events::{EventResult, ScriptResult};

struct Dir {
    _tmp: tempfile::TempDir,
    events: PathBuf,
    calls: PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        let events = tmp.path().join("events");
        std::fs::create_dir(&events).unwrap();
        let calls = tmp.path().join("calls");
        Dir {
            events,
            calls,
            _tmp: tmp,
        }
    }

    /// A script that records `name args...` in the calls file, then runs `body`.
    fn script(&self, file: &str, body: &str, mode: u32) {
        let path = self.events.join(file);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{file} $*\" >>{}\n{body}\n",
                self.calls.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.calls)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.events.parent().unwrap().join(name)
    }

    fn node(&self, timeout: Duration) -> NodeEvents {
        let mut config = EventsConfig::new(self.events.clone(), "n1");
        config.timeout = timeout;
        config.grace = Duration::from_secs(1);
        let launcher = Launcher::new(LauncherConfig {
            cgroups: CgroupMode::Disabled,
            ..LauncherConfig::default()
        });
        NodeEvents::new(config, launcher, None)
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn results(r: &rgm_proto::events::EventReport) -> Vec<(&str, ScriptResult)> {
    r.scripts
        .iter()
        .map(|s| (s.name.as_str(), s.result))
        .collect()
}

/// Waits for a condition, for 10 s at most.
async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn alive(pid: &str) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_run_in_order_with_the_event_and_its_arguments_until_the_first_failure() {
    let d = Dir::new();
    d.script("01.first", "exit 0", 0o755);
    d.script("10.zeta.script", "echo zeta out; echo zeta err >&2", 0o755);
    d.script("10.alpha", "exit 0", 0o755);
    d.script("20.off", "exit 0", 0o644);
    d.script(
        "30.fails",
        "[ \"$1\" = takeip ] && { echo broken; exit 3; }; exit 0",
        0o755,
    );
    d.script("40.last", "exit 0", 0o755);
    d.script("40.last~", "exit 0", 0o755);
    let node = d.node(Duration::from_secs(10));
    let r = node
        .run("takeip", &args(&["eth0", "10.0.0.5", "24"]), None)
        .await
        .unwrap();
    assert_eq!(r.result, EventResult::Failed);
    assert_eq!(
        results(&r),
        [
            ("01.first", ScriptResult::Ok),
            ("10.alpha", ScriptResult::Ok),
            ("10.zeta", ScriptResult::Ok),
            ("20.off", ScriptResult::Disabled),
            ("30.fails", ScriptResult::Error),
        ]
    );
    assert_eq!(r.scripts[4].exit_status, Some(3));
    assert_eq!(r.scripts[4].output, "broken\n");
    assert!(
        r.scripts[2].output.contains("zeta out\n") && r.scripts[2].output.contains("zeta err\n")
    );
    assert_eq!(
        d.calls(),
        [
            "01.first takeip eth0 10.0.0.5 24",
            "10.alpha takeip eth0 10.0.0.5 24",
            "10.zeta.script takeip eth0 10.0.0.5 24",
            "30.fails takeip eth0 10.0.0.5 24",
        ]
    );
    assert_eq!(node.status("takeip").unwrap(), Some(r));
    assert_eq!(node.status("monitor").unwrap(), None);
    let ok = node.run("monitor", &[], None).await.unwrap();
    assert_eq!(ok.result, EventResult::Ok);
    assert_eq!(ok.scripts.len(), 6);
    // Wrong calls are refused before anything runs.
    assert!(node.run("takeip", &args(&["eth0"]), None).await.is_err());
    assert!(node.run("bogus", &[], None).await.is_err());
    assert!(node.status("bogus").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deadline_for_the_whole_event_and_a_late_script_is_killed_with_what_it_started() {
    let d = Dir::new();
    d.script("10.slow", "sleep 0.6", 0o755);
    // Ignores SIGTERM, and leaves a grandchild that does too: SIGKILL after the grace.
    let pids = d.path("pids");
    d.script(
        "20.hangs",
        &format!(
            "trap '' TERM\nsh -c 'trap \"\" TERM; echo $$ >>{p}; exec sleep 1000' &\necho $$ >>{p}\necho hanging\nwait",
            p = pids.display()
        ),
        0o755,
    );
    d.script("30.never", "exit 0", 0o755);
    let node = d.node(Duration::from_secs(1));
    let begun = Instant::now();
    let r = node.run("monitor", &[], None).await.unwrap();
    let took = begun.elapsed();
    assert_eq!(r.result, EventResult::Timedout);
    assert_eq!(
        results(&r),
        [
            ("10.slow", ScriptResult::Ok),
            ("20.hangs", ScriptResult::Timedout)
        ]
    );
    assert_eq!(r.scripts[1].output, "hanging\n");
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_secs(3),
        "the event ends at its deadline: {took:?}"
    );
    let pids: Vec<String> = std::fs::read_to_string(&pids)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    assert_eq!(pids.len(), 2);
    wait_until("the late script and its grandchild to be killed", || {
        !pids.iter().any(|p| alive(p))
    })
    .await;
    // An event asked with a deadline already spent times out at its first script.
    let r = node
        .run("monitor", &[], Some(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(r.result, EventResult::Timedout);
    assert_eq!(results(&r), [("10.slow", ScriptResult::Timedout)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_event_cancels_a_running_monitor_and_a_monitor_gives_way_to_a_running_event() {
    let d = Dir::new();
    let started = d.path("started");
    let block = d.path("block");
    d.script(
        "10.wait",
        &format!(
            "[ -e {b} ] || exit 0\ncase \"$1\" in monitor|takeip) echo $$ > {s}.$1.pgid; touch {s}.$1; sleep 1000;; esac",
            b = block.display(),
            s = started.display()
        ),
        0o755,
    );
    let node = d.node(Duration::from_secs(60));
    let first = node.run("monitor", &[], None).await.unwrap();
    assert_eq!(first.result, EventResult::Ok);
    std::fs::write(&block, "").unwrap();
    let bg = {
        let node = node.clone();
        tokio::spawn(async move { node.run("monitor", &[], None).await.unwrap() })
    };
    wait_until("the monitor to start", || {
        PathBuf::from(format!("{}.monitor", started.display())).exists()
    })
    .await;
    let ip = node.run("ipreallocated", &[], None).await.unwrap();
    assert_eq!(ip.result, EventResult::Ok);
    let cancelled = bg.await.unwrap();
    assert_eq!(cancelled.result, EventResult::Cancelled);
    // A monitor while takeip runs is cancelled at once.
    let take = {
        let node = node.clone();
        tokio::spawn(async move {
            node.run(
                "takeip",
                &args(&["eth0", "10.0.0.5", "24"]),
                Some(Duration::from_secs(2)),
            )
            .await
            .unwrap()
        })
    };
    wait_until("takeip to start", || {
        PathBuf::from(format!("{}.takeip", started.display())).exists()
    })
    .await;
    let m = node.run("monitor", &[], None).await.unwrap();
    assert_eq!(m.result, EventResult::Cancelled);
    assert!(m.scripts.is_empty());
    assert_eq!(take.await.unwrap().result, EventResult::Timedout);
    // Cancelled runs are not kept: the monitor's status is still the first one.
    assert_eq!(node.status("monitor").unwrap(), Some(first));
    // What was cancelled or timed out is killed, its `sleep` too (each script leads its own
    // process group): nothing outlives the test.
    for event in ["monitor", "takeip"] {
        let pgid = std::fs::read_to_string(format!("{}.{event}.pgid", started.display()))
            .unwrap()
            .trim()
            .to_string();
        wait_until(
            &format!("the {event} script's processes to be killed"),
            || !group_alive(&pgid),
        )
        .await;
    }
}

/// Whether a process of process group `pgid` is alive (not a zombie).
fn group_alive(pgid: &str) -> bool {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            // state, ppid, pgrp
            fields.len() > 2 && fields[0] != "Z" && fields[2] == pgid
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_is_retried_until_it_succeeds_then_monitor_failures_make_the_node_unhealthy() {
    let d = Dir::new();
    let ready = d.path("ready");
    let sick = d.path("sick");
    d.script(
        "10.service",
        &format!(
            "case \"$1\" in startup) [ -e {r} ] || {{ echo not ready; exit 1; }};; monitor) [ -e {s} ] && {{ echo sick; exit 2; }};; esac; exit 0",
            r = ready.display(),
            s = sick.display()
        ),
        0o755,
    );
    let node = d.node(Duration::from_secs(10));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Health>();
    let mut plan = HealthPlan::new(true, Duration::from_millis(200));
    plan.startup_retry = Duration::from_millis(200);
    let task = spawn_health(node.clone(), plan, tx);
    let first = rx.recv().await.unwrap();
    assert!(!first.healthy);
    assert!(
        first.reason.starts_with(
            "its startup event has not succeeded (failed: script 10.service exited 1: not ready)"
        ),
        "{}",
        first.reason
    );
    std::fs::write(&ready, "").unwrap();
    let up = rx.recv().await.unwrap();
    assert_eq!(
        up,
        Health {
            healthy: true,
            reason: "its startup event succeeded".into()
        }
    );
    std::fs::write(&sick, "").unwrap();
    let down = rx.recv().await.unwrap();
    assert_eq!(
        down,
        Health {
            healthy: false,
            reason: "its monitor event failed: script 10.service exited 2: sick".into()
        }
    );
    std::fs::remove_file(&sick).unwrap();
    assert!(rx.recv().await.unwrap().healthy);
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the health task ends when nobody listens")
        .unwrap();
}
