//! rgmd killed in the middle of a method, or together with every process it started, and
//! started again: it never runs a service twice and never calls a dead one online (issue 10,
//! docs/recovery.md). rgmd runs in a cgroup of its own, made by the fixture and removed —
//! with everything in it — when the test ends, whatever happens.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rgm_e2e::{Cluster, wait_for};
use rgm_exec::scratch::ScratchCgroup;

use crate::support::set_mode;

const LONG: Duration = Duration::from_secs(60);

/// A cgroup for one rgmd (and so for everything it starts), under the test's own cgroup;
/// everything in it is killed and it is removed when dropped.
pub struct RgmdCgroup {
    pub dir: PathBuf,
    scratch: ScratchCgroup,
}

impl RgmdCgroup {
    pub fn new(name: &str) -> RgmdCgroup {
        let scratch = ScratchCgroup::new(&format!("rgm-e2e-{}-{name}", std::process::id()))
            .unwrap_or_else(|e| panic!("these tests run rgmd in a cgroup of its own: {e}"));
        RgmdCgroup {
            dir: scratch.dir().to_owned(),
            scratch,
        }
    }

    /// The running services: processes whose command line is `sleep 100`.
    pub fn services(&self) -> Vec<u32> {
        self.running(b"sleep\x00100\x00")
    }

    /// The running fault monitors: processes whose command line is `sleep 200`.
    pub fn monitors(&self) -> Vec<u32> {
        self.running(b"sleep\x00200\x00")
    }

    /// The services once exactly `n` run. A START (or MONITOR_START) that leaves its process
    /// in the background may end before that process has exec'd `sleep`.
    pub fn wait_services(&self, n: usize) -> Vec<u32> {
        wait_for(&format!("{n} service(s)"), LONG, || {
            self.services().len() == n
        });
        self.services()
    }

    /// The fault monitors once exactly `n` run (as [`RgmdCgroup::wait_services`]).
    pub fn wait_monitors(&self, n: usize) -> Vec<u32> {
        wait_for(&format!("{n} monitor(s)"), LONG, || {
            self.monitors().len() == n
        });
        self.monitors()
    }

    fn running(&self, cmdline: &[u8]) -> Vec<u32> {
        self.scratch
            .processes()
            .into_iter()
            .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == cmdline))
            .collect()
    }

    /// `echo 1 > cgroup.kill`: rgmd and everything it started die at once.
    pub fn kill_all(&self) {
        self.scratch.kill().expect("cgroup.kill");
    }
}

/// A one-node cluster whose rgmd runs in a cgroup of its own: the commands are those of the
/// build, rgmd a wrapper that joins the cgroup and execs the real one. Dropping it kills rgmd,
/// then everything left in the cgroup, so nothing it started outlives the test.
pub struct Contained {
    pub c: Cluster,
    pub cg: RgmdCgroup,
}

impl Contained {
    pub fn start(name: &str) -> Contained {
        let cg = RgmdCgroup::new(name);
        let mut c = Cluster::unbooted();
        let real = c.bin.clone();
        let wrapped = c.dir.path().join("bin");
        std::fs::create_dir(&wrapped).unwrap();
        for b in rgm_e2e::BINARIES.iter().filter(|b| **b != "rgmd") {
            std::os::unix::fs::symlink(real.join(b), wrapped.join(b)).unwrap();
        }
        let rgmd = wrapped.join("rgmd");
        std::fs::write(
            &rgmd,
            format!(
                "#!/bin/sh\necho $$ > {}/cgroup.procs || exit 97\nexec {} \"$@\"\n",
                cg.dir.display(),
                real.join("rgmd").display()
            ),
        )
        .unwrap();
        set_mode(&rgmd, 0o755);
        c.bin = wrapped;
        c.boot();
        Contained { c, cg }
    }

    /// Registers TEST.svc, whose START starts `sleep 100` (unless its recorded one runs) and
    /// whose STOP stops it; creates group `mg` with resource `svc` (`extra` arguments), and
    /// makes the first START sleep `start_sleep` and the first STOP `stop_sleep` seconds
    /// before doing anything.
    pub fn service_group(&self, extra: &[&str], start_sleep: u32, stop_sleep: u32) {
        self.group_of(svc_type(&self.c, false), extra, start_sleep, stop_sleep);
    }

    /// The same with a fault monitor: MONITOR_START starts `sleep 200`, MONITOR_STOP stops it.
    pub fn monitored_group(&self) {
        self.group_of(svc_type(&self.c, true), &[], 0, 0);
    }

    fn group_of(&self, rtr: PathBuf, extra: &[&str], start_sleep: u32, stop_sleep: u32) {
        let run = self.c.run_dir();
        std::fs::write(run.join("sleep.start"), start_sleep.to_string()).unwrap();
        std::fs::write(run.join("sleep.stop"), stop_sleep.to_string()).unwrap();
        self.c.ok(
            "clresourcetype",
            &["register", "-f", &rtr.to_string_lossy()],
        );
        self.c.ok("clresourcegroup", &["create", "mg"]);
        let mut args = vec!["create", "-g", "mg", "-t", "TEST.svc"];
        args.extend_from_slice(extra);
        args.push("svc");
        self.c.ok("clresource", &args);
    }

    /// Starts a command in the background (it is killed with rgmd, or ends by itself).
    pub fn background(&self, cmd: &str, args: &[&str]) -> Child {
        self.spawn(cmd, args, Stdio::null())
    }

    /// [`Contained::background`], keeping its stderr for the test to read.
    pub fn background_output(&self, cmd: &str, args: &[&str]) -> Child {
        self.spawn(cmd, args, Stdio::piped())
    }

    fn spawn(&self, cmd: &str, args: &[&str], stderr: Stdio) -> Child {
        Command::new(self.c.bin.join(cmd))
            .args(args)
            .env("RGM_SOCKET", self.c.socket())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap()
    }

    pub fn state(&self) -> String {
        self.c
            .run(
                "scha_resource_get",
                &["-O", "RESOURCE_STATE", "-R", "svc", "-G", "mg"],
            )
            .stdout
            .trim()
            .to_string()
    }

    pub fn group_state(&self) -> String {
        self.c
            .run("scha_resourcegroup_get", &["-O", "RG_STATE", "-G", "mg"])
            .stdout
            .trim()
            .to_string()
    }

    /// Waits until the group has settled ONLINE; its one resource is then online (a type
    /// without a monitor is ONLINE_NOT_MONITORED).
    pub fn wait_online(&self) {
        wait_for("mg to be ONLINE", LONG, || self.group_state() == "ONLINE");
        assert_eq!(self.state(), "ONLINE_NOT_MONITORED", "{}", self.c.log());
    }

    /// Waits for a file the type's methods write under run/.
    pub fn wait_file(&self, name: &str) {
        let path = self.c.run_dir().join(name);
        wait_for(name, LONG, || path.exists());
    }

    /// The `method resource` lines the type's methods wrote when they began, in call order.
    pub fn calls(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| !l.ends_with(" done"))
            .collect()
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.c.run_dir().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Waits until every method call that began has ended — including one an earlier rgmd
    /// started, which would land late if nobody waited for it.
    pub fn wait_quiet(&self) {
        wait_for("every method call to end", LONG, || {
            let lines = self.lines();
            let done = lines.iter().filter(|l| l.ends_with(" done")).count();
            done * 2 == lines.len()
        });
    }
}

/// Writes TEST.svc (with a fault monitor when `monitor`) into the cluster's directory; returns
/// its RTR file.
fn svc_type(c: &Cluster, monitor: bool) -> PathBuf {
    let bin = c.dir.path().join("svc");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        r#"#!/bin/bash
RUN={run}
method=$(basename "$0")
R=unknown
args=("$@")
for ((i = 0; i < ${{#args[@]}}; i++)); do
	[ "${{args[i]}}" = -R ] && R=${{args[i + 1]}}
done
svc=$RUN/$R.service
echo "$method $R" >>"$RUN/calls"
# Whether the process in pid file $1 runs command line $2 (a pid that died may be anyone's
# now: never signal it on the strength of a pid file alone).
is() {{ [ -f "$1" ] && [ "$(tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" 2>/dev/null)" = "$2" ]; }}
running() {{ is "$svc" "sleep 100 "; }}
# The first call of a method sleeps as long as sleep.<method> says, later ones do not.
nap() {{ s=$(cat "$RUN/sleep.$1"); echo 0 >"$RUN/sleep.$1"; sleep "$s"; }}
case $method in
start)
	touch "$RUN/$R.starting"
	if ! running; then
		nap start
		setsid sleep 100 </dev/null >/dev/null 2>&1 &
		echo $! >"$svc"
	fi
	;;
stop)
	touch "$RUN/$R.stopping"
	nap stop
	running && kill "$(cat "$svc")"
	rm -f "$svc"
	;;
monitor_start)
	setsid sleep 200 </dev/null >/dev/null 2>&1 &
	echo $! >"$RUN/$R.monitor"
	;;
monitor_stop)
	is "$RUN/$R.monitor" "sleep 200 " && kill "$(cat "$RUN/$R.monitor")"
	rm -f "$RUN/$R.monitor"
	;;
esac
echo "$method $R done" >>"$RUN/calls"
exit 0
"#,
        run = c.run_dir().display()
    );
    for m in ["start", "stop", "monitor_start", "monitor_stop"] {
        let path = bin.join(m);
        std::fs::write(&path, &script).unwrap();
        set_mode(&path, 0o755);
    }
    let monitor = if monitor {
        "MONITOR_START = monitor_start;\nMONITOR_STOP = monitor_stop;\n"
    } else {
        ""
    };
    let rtr = format!(
        r#"RESOURCE_TYPE = "svc";
VENDOR_ID = TEST;
RT_VERSION = "1";
RT_BASEDIR = {bin};
START = start;
STOP = stop;
{monitor}{{ PROPERTY = Start_timeout; MIN = 1; DEFAULT = 60; }}
{{ PROPERTY = Stop_timeout; MIN = 1; DEFAULT = 60; }}
{{ PROPERTY = Failover_mode; DEFAULT = NONE; TUNABLE = ANYTIME; }}
{{ PROPERTY = Retry_count; MIN = 0; MAX = 10; DEFAULT = 2; TUNABLE = ANYTIME; }}
{{ PROPERTY = Retry_interval; MIN = 0; MAX = 3600; DEFAULT = 300; TUNABLE = ANYTIME; }}
"#,
        bin = bin.display()
    );
    let path = c.dir.path().join("TEST.svc");
    std::fs::write(&path, rtr).unwrap();
    path
}

/// Issue 10's first reproduction: rgmd dies while START runs (it sleeps 2 s, then starts the
/// service). The restarted rgmd waits for that START, stops what it may have started, and
/// starts it again: one service, Online.
#[test]
fn a_start_interrupted_by_a_crash_is_waited_for_and_redone_never_doubled() {
    let mut t = Contained::start("start");
    t.service_group(&[], 2, 0);
    let mut online = t.background("clresourcegroup", &["online", "-M", "mg"]);
    t.wait_file("svc.starting");
    t.c.kill9();
    let _ = online.wait();
    t.c.boot();
    t.wait_online();
    t.wait_quiet();
    t.cg.wait_services(1);
    let calls = t.calls();
    assert_eq!(
        calls,
        ["start svc", "stop svc", "start svc"],
        "the START was waited for, then the whole stop, then START again"
    );
    let log = t.c.log();
    assert!(log.contains("started by the previous rgmd"), "{log}");
    assert!(log.contains("result is unknown"), "{log}");
    let runs: Vec<String> = std::fs::read_dir(t.c.state_dir().join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        runs,
        ["left"],
        "every run file is gone once its result is saved"
    );
}

/// Issue 10's second reproduction: rgmd dies while the STOP of a group restart runs (it sleeps
/// 2 s, then kills the service). The restarted rgmd waits for it, runs STOP again, then starts
/// the resource again: Online, with exactly one service. (Had it not waited, the second STOP —
/// which does not sleep — and the START would run first, and the first STOP would then kill
/// the new service.)
#[test]
fn a_stop_interrupted_by_a_crash_is_waited_for_redone_and_the_restart_finished() {
    let mut t = Contained::start("stop");
    t.service_group(&[], 0, 2);
    t.c.ok("clresourcegroup", &["online", "-M", "mg"]);
    t.wait_online();
    let first = t.cg.wait_services(1);
    let mut restart = t.background("clresourcegroup", &["restart", "mg"]);
    t.wait_file("svc.stopping");
    t.c.kill9();
    let _ = restart.wait();
    t.c.boot();
    t.wait_online();
    t.wait_quiet();
    let now = t.cg.services();
    assert_eq!(now.len(), 1, "exactly one service runs");
    assert_ne!(now, first, "the service was restarted");
    assert_eq!(
        t.calls(),
        ["start svc", "stop svc", "stop svc", "start svc"],
        "the STOP was waited for and run again, then START"
    );
}

/// Issue 10's third reproduction: rgmd and everything it started die together (cgroup.kill of
/// its cgroup). The restarted rgmd finds the service gone and does not call it ONLINE:
/// Failover_mode applies — here a restart, within Retry_count.
#[test]
fn a_service_that_died_with_rgmd_is_not_called_online_and_is_restarted() {
    let mut t = Contained::start("gone");
    t.service_group(&[], 0, 0);
    t.c.ok("clresourcegroup", &["online", "-M", "mg"]);
    t.wait_online();
    t.cg.wait_services(1);
    t.cg.kill_all();
    t.c.kill9();
    t.c.boot();
    t.wait_online();
    t.cg.wait_services(1);
    assert_eq!(t.calls(), ["start svc", "stop svc", "start svc"]);
    let log = t.c.log();
    assert!(log.contains("no sign of life"), "{log}");
}

/// The same with Failover_mode=LOG_ONLY: the resource may not be restarted, so it is
/// START_FAILED — never ONLINE with no service.
#[test]
fn a_service_that_died_with_rgmd_under_log_only_is_start_failed() {
    let mut t = Contained::start("gone-log-only");
    t.service_group(&["-p", "Failover_mode=LOG_ONLY"], 0, 0);
    t.c.ok("clresourcegroup", &["online", "-M", "mg"]);
    t.wait_online();
    t.cg.kill_all();
    t.c.kill9();
    t.c.boot();
    wait_for("svc to be START_FAILED", LONG, || {
        t.state() == "START_FAILED"
    });
    assert!(t.cg.services().is_empty());
    let status = t.c.ok("clresource", &["status", "svc"]);
    assert!(status.contains("Faulted"), "{status}");
}

/// A fault monitor that died with rgmd (its service did not): the resource is not called
/// ONLINE without it; it is restarted, monitor included.
#[test]
fn a_monitor_that_died_with_rgmd_is_started_again() {
    let mut t = Contained::start("monitor");
    t.monitored_group();
    t.c.ok("clresourcegroup", &["online", "-M", "mg"]);
    wait_for("mg to be ONLINE", LONG, || t.group_state() == "ONLINE");
    assert_eq!(t.state(), "ONLINE");
    let monitors = t.cg.wait_monitors(1);
    t.c.kill9();
    rgm_e2e::kill(monitors[0] as i32, "KILL");
    wait_for("the monitor to die", LONG, || t.cg.monitors().is_empty());
    t.c.boot();
    wait_for("the monitor to run again", LONG, || {
        t.cg.monitors().len() == 1
    });
    wait_for("mg to be ONLINE", LONG, || t.group_state() == "ONLINE");
    t.wait_quiet();
    assert_eq!(t.state(), "ONLINE");
    t.cg.wait_services(1);
    t.cg.wait_monitors(1);
    let log = t.c.log();
    assert!(log.contains("its fault monitor"), "{log}");
}

/// A type whose methods leave nothing running has no evidence to check: after a kill -9 it is
/// trusted, left alone, and rgmd says so.
#[test]
fn a_resource_that_left_nothing_running_is_trusted_and_said_so() {
    let mut t = Contained::start("trusted");
    crate::support::group_with(&t.c, &[("db", &[])]);
    t.c.ok("clresourcegroup", &["online", "-M", "rg1"]);
    t.c.kill9();
    t.c.boot();
    assert_eq!(
        t.c.ok(
            "scha_resource_get",
            &["-O", "RESOURCE_STATE", "-R", "db", "-G", "rg1"]
        )
        .trim(),
        "ONLINE"
    );
    let log = t.c.log();
    assert!(log.contains("taken as running, without evidence"), "{log}");
    assert!(log.contains(": db"), "{log}");
}
