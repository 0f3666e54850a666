//! Conformance of rgm's node event scripts with CTDB's own event daemon: one directory of
//! scripts with tricky names, run by rgmd (through `clnode event`) and by Debian's
//! `ctdb-eventd` in test mode (through its client `ctdb-event`), event by event. For each
//! event: the same scripts run, in the same order, with the same arguments; the same result
//! per script and for the event; the same output. docs/events.md lists where rgm differs on
//! purpose (rgm kills a script past the deadline; ctdb-eventd leaves it running).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rgm_e2e::{Cluster, kill, wait_for};

const EVENTD: &str = "/usr/libexec/ctdb/ctdb-eventd";
const EVENT_CLIENT: &str = "/usr/libexec/ctdb/ctdb-event";

/// The scripts: (file, body after the line that records the call, mode). Each records
/// `FILE ARGS...` in its side's calls file (the first line of every script).
fn scripts(side: &Path) -> Vec<(String, String, u32)> {
    let flag = |name: &str| side.join(name).display().to_string();
    vec![
        ("01.first.script".into(), "exit 0".into(), 0o755),
        // A duplicate NN: both run, in alphabetical order.
        ("10.dup.script".into(), "exit 0".into(), 0o755),
        ("10.alpha.script".into(), "exit 0".into(), 0o755),
        // An editor's backup and a package manager's leftover: never run.
        ("20.tilde.script~".into(), "exit 9".into(), 0o755),
        ("23.old.script.dpkg-old".into(), "exit 9".into(), 0o755),
        // Not executable: DISABLED.
        ("21.noexec.script".into(), "exit 9".into(), 0o644),
        (
            "30.printer.script".into(),
            "echo \"printer out $1\"\necho \"printer err $1\" >&2\nexit 0".into(),
            0o755,
        ),
        (
            "40.failer.script".into(),
            "case \"$1\" in takeip) echo \"broken $2 $3\"; exit 3;; esac\nexit 0".into(),
            0o755,
        ),
        (
            "50.sleepy.script".into(),
            format!(
                "if [ \"$1\" = monitor ] && [ -e {slow} ]; then echo $$ >>{pids}; echo sleeping; exec sleep 20; fi\nexit 0",
                slow = flag("slow"),
                pids = flag("sleepy.pids")
            ),
            0o755,
        ),
        ("60.last.script".into(), "exit 0".into(), 0o755),
    ]
}

/// One side's directory of scripts and its calls file.
struct Side {
    dir: PathBuf,
    scripts: PathBuf,
}

impl Side {
    fn new(dir: PathBuf, scripts_dir: PathBuf) -> Side {
        std::fs::create_dir_all(&scripts_dir).unwrap();
        for (file, body, mode) in scripts(&dir) {
            let path = scripts_dir.join(&file);
            let text = format!(
                "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>{}\n{body}\n",
                dir.join("calls").display()
            );
            std::fs::write(&path, text).unwrap();
            crate::support::set_mode(&path, mode);
        }
        Side {
            dir,
            scripts: scripts_dir,
        }
    }

    /// The calls recorded since the last take.
    fn take_calls(&self) -> Vec<String> {
        let path = self.dir.join("calls");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let _ = std::fs::remove_file(&path);
        text.lines().map(str::to_string).collect()
    }

    fn kill_sleepers(&self) {
        let pids = std::fs::read_to_string(self.dir.join("sleepy.pids")).unwrap_or_default();
        for pid in pids.split_whitespace().filter_map(|p| p.parse().ok()) {
            kill(pid, "KILL");
        }
    }
}

/// ctdb-eventd in test mode, in a directory of its own (`CTDB_BASE`); killed on drop.
struct Eventd {
    base: PathBuf,
    side: Side,
    child: Child,
}

impl Eventd {
    fn start(base: PathBuf) -> Eventd {
        assert!(
            Path::new(EVENTD).is_file() && Path::new(EVENT_CLIENT).is_file(),
            "{EVENTD} is missing: the conformance test runs Debian's ctdb-eventd; install the \
             ctdb package (apt-get install ctdb; `cargo xtask ci` installs it)"
        );
        for d in ["share/events/legacy", "run", "var"] {
            std::fs::create_dir_all(base.join(d)).unwrap();
        }
        std::fs::write(
            base.join("ctdb.conf"),
            format!(
                "[logging]\n\tlocation = file:{}\n\tlog level = INFO\n",
                base.join("eventd.log").display()
            ),
        )
        .unwrap();
        let side = Side::new(base.clone(), base.join("events/legacy"));
        let child = Command::new(EVENTD)
            .args(["-P", &std::process::id().to_string()])
            .env("CTDB_TEST_MODE", "yes")
            .env("CTDB_BASE", &base)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ctdb-eventd");
        let socket = base.join("run/eventd.socket");
        wait_for("ctdb-eventd's socket", Duration::from_secs(20), || {
            socket.exists()
        });
        Eventd { base, side, child }
    }

    /// `ctdb-event ARGS...`: (exit status, stdout).
    fn client(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(EVENT_CLIENT)
            .args(args)
            .env("CTDB_TEST_MODE", "yes")
            .env("CTDB_BASE", &self.base)
            .output()
            .expect("run ctdb-event");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Runs an event; its result and each script's.
    fn run(&self, timeout: u64, event: &[&str]) -> Outcome {
        let t = timeout.to_string();
        let mut args = vec!["run", t.as_str(), "legacy"];
        args.extend_from_slice(event);
        let (code, _) = self.client(&args);
        let result = match code {
            0 => "OK",
            110 => "TIMEDOUT",
            _ => "FAILED",
        };
        let (_, status) = self.client(&["status", "legacy", event[0]]);
        let mut scripts = Vec::new();
        let mut outputs: Vec<(String, String)> = Vec::new();
        for line in status.lines() {
            if let Some(out) = line.trim_start().strip_prefix("OUTPUT:") {
                if let Some((name, _)) = scripts.last() {
                    let out = out.trim();
                    if !out.is_empty() {
                        outputs.push((String::clone(name), out.to_string()));
                    }
                }
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(name), Some(word)) = (words.next(), words.next()) else {
                continue;
            };
            let result = match word {
                "CANNOT" => "CANNOT_RUN",
                other => other,
            };
            scripts.push((name.to_string(), result.to_string()));
        }
        Outcome {
            result: result.into(),
            scripts,
            calls: self.side.take_calls(),
            failure_output: outputs,
        }
    }

    /// What ctdb-eventd logged of a script's output.
    fn logged(&self, script: &str) -> Vec<String> {
        let log = std::fs::read_to_string(self.base.join("eventd.log")).unwrap_or_default();
        let tag = format!(": {script}: ");
        log.lines()
            .filter_map(|l| l.split_once(&tag).map(|(_, text)| text.to_string()))
            .collect()
    }

    /// `script list`: (name, enabled).
    fn list(&self) -> Vec<(String, bool)> {
        let (_, out) = self.client(&["script", "list", "legacy"]);
        out.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                (
                    l[2..].split_whitespace().next().unwrap().to_string(),
                    l.starts_with('*'),
                )
            })
            .collect()
    }
}

impl Drop for Eventd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.side.kill_sleepers();
    }
}

/// What one side did for one event.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    result: String,
    /// (script, result), in order.
    scripts: Vec<(String, String)>,
    /// `FILE ARGS...` of each script run, in order.
    calls: Vec<String>,
    /// The output of scripts that did not succeed: (script, line).
    failure_output: Vec<(String, String)>,
}

/// rgmd with the same scripts, driven through `clnode event`.
struct Rgm {
    cluster: Cluster,
    side: Side,
}

impl Rgm {
    fn start() -> Rgm {
        let mut cluster = Cluster::unbooted();
        let dir = cluster.dir.path().join("rgm-side");
        let side = Side::new(dir.clone(), dir.join("events"));
        cluster.rgmd_options = vec![
            "--events-dir".into(),
            side.scripts.display().to_string(),
            "--monitor-interval".into(),
            "3600".into(),
            "--grace".into(),
            "1".into(),
        ];
        cluster.boot();
        // rgmd ran init, setup, startup and its first monitor when it started.
        wait_for("rgmd's first monitor", Duration::from_secs(30), || {
            cluster.run("clnode", &["event", "status", "monitor"]).code == 0
        });
        side.take_calls();
        Rgm { cluster, side }
    }

    fn run(&self, timeout: u64, event: &[&str]) -> Outcome {
        let t = timeout.to_string();
        let mut args = vec!["event", "run", "--timeout", t.as_str()];
        args.extend_from_slice(event);
        self.cluster.run("clnode", &args);
        let status = self
            .cluster
            .run("clnode", &["event", "status", "-o", "json", event[0]]);
        let report: serde_json::Value = serde_json::from_str(&status.stdout)
            .unwrap_or_else(|e| panic!("clnode event status: {e}: {status:?}"));
        let mut scripts = Vec::new();
        let mut outputs = Vec::new();
        for s in report["scripts"].as_array().unwrap() {
            let name = s["name"].as_str().unwrap().to_string();
            let result = s["result"].as_str().unwrap().to_string();
            if !["OK", "DISABLED"].contains(&result.as_str()) {
                for line in s["output"].as_str().unwrap().lines() {
                    outputs.push((name.clone(), line.to_string()));
                }
            }
            scripts.push((name, result));
        }
        let result = match report["result"].as_str().unwrap() {
            "OK" => "OK",
            "TIMEDOUT" => "TIMEDOUT",
            _ => "FAILED",
        };
        Outcome {
            result: result.into(),
            scripts,
            calls: self.side.take_calls(),
            failure_output: outputs,
        }
    }

    /// The output 30.printer kept in the last run of `event`.
    fn printer_output(&self, event: &str) -> Vec<String> {
        let status = self
            .cluster
            .run("clnode", &["event", "status", "-o", "json", event]);
        let report: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        report["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "30.printer")
            .map(|s| {
                s["output"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn list(&self) -> Vec<(String, bool)> {
        let out = self
            .cluster
            .ok("clnode", &["event", "script", "list", "-o", "json"]);
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        list["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["enabled"].as_bool().unwrap(),
                )
            })
            .collect()
    }
}

impl Drop for Rgm {
    fn drop(&mut self) {
        self.side.kill_sleepers();
    }
}

/// Runs one case on both sides and checks they agree; returns the agreed outcome.
fn case(rgm: &Rgm, ctdb: &Eventd, timeout: u64, event: &[&str]) -> Outcome {
    let theirs = ctdb.run(timeout, event);
    let ours = rgm.run(timeout, event);
    assert_eq!(
        ours,
        theirs,
        "rgm (left) and ctdb-eventd (right) differ on `{}`",
        event.join(" ")
    );
    println!(
        "{:<42} {:<9} {}",
        event.join(" "),
        ours.result,
        ours.scripts
            .iter()
            .map(|(s, r)| format!("{s}={r}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    ours
}

fn names(outcome: &Outcome) -> Vec<&str> {
    outcome.scripts.iter().map(|(s, _)| s.as_str()).collect()
}

#[test]
fn rgm_runs_event_scripts_as_ctdb_eventd_does() {
    let rgm = Rgm::start();
    let ctdb = Eventd::start(rgm.cluster.dir.path().join("ctdb-side"));

    // The same scripts are listed, enabled or not, in the same order.
    assert_eq!(
        rgm.list(),
        ctdb.list(),
        "script list: rgm (left), ctdb (right)"
    );

    // Every script succeeds; the duplicate NN runs alphabetically; ~, .dpkg-old ignored.
    let startup = case(&rgm, &ctdb, 10, &["startup"]);
    assert_eq!(startup.result, "OK");
    assert_eq!(
        names(&startup),
        [
            "01.first",
            "10.alpha",
            "10.dup",
            "21.noexec",
            "30.printer",
            "40.failer",
            "50.sleepy",
            "60.last"
        ]
    );
    assert_eq!(startup.scripts[3].1, "DISABLED");
    assert_eq!(startup.calls.len(), 7);
    // The printer's output, stdout and stderr, as ctdb-eventd logged it.
    // (stdout and stderr are two pipes for rgm, one for ctdb-eventd: lines of the two
    // streams may interleave differently.)
    let mut printed = rgm.printer_output("startup");
    printed.sort();
    assert_eq!(printed, ["printer err startup", "printer out startup"]);
    let logged = ctdb.logged("30.printer");
    assert!(
        printed.iter().all(|l| logged.contains(l)),
        "ctdb-eventd logged {logged:?}"
    );

    // The first failure stops the event; its output is kept; the arguments follow $1.
    let takeip = case(&rgm, &ctdb, 10, &["takeip", "eth0", "192.0.2.10", "24"]);
    assert_eq!(takeip.result, "FAILED");
    assert_eq!(
        takeip.scripts.last().unwrap(),
        &("40.failer".into(), "ERROR".into())
    );
    assert_eq!(
        takeip.failure_output,
        [(
            "40.failer".to_string(),
            "broken eth0 192.0.2.10".to_string()
        )]
    );
    assert_eq!(takeip.calls[0], "01.first.script takeip eth0 192.0.2.10 24");

    for event in [
        &["releaseip", "eth0", "192.0.2.10", "24"][..],
        &["updateip", "eth0", "eth1", "192.0.2.10", "24"],
        &["ipreallocated"],
        &["startrecovery"],
        &["recovered"],
    ] {
        assert_eq!(case(&rgm, &ctdb, 10, event).result, "OK", "{event:?}");
    }

    // Disabled by the execute bit on both sides: skipped.
    rgm.cluster
        .ok("clnode", &["event", "script", "disable", "60.last"]);
    ctdb.client(&["script", "disable", "legacy", "60.last"]);
    assert_eq!(rgm.list(), ctdb.list());
    let disabled = case(&rgm, &ctdb, 10, &["ipreallocated"]);
    assert_eq!(
        disabled.scripts.last().unwrap(),
        &("60.last".into(), "DISABLED".into())
    );
    rgm.cluster
        .ok("clnode", &["event", "script", "enable", "60.last"]);
    ctdb.client(&["script", "enable", "legacy", "60.last"]);

    // One deadline for the whole event: the script running at it is TIMEDOUT.
    for side in [&rgm.side.dir, &ctdb.side.dir] {
        std::fs::write(side.join("slow"), "").unwrap();
    }
    let monitor = case(&rgm, &ctdb, 2, &["monitor"]);
    assert_eq!(monitor.result, "TIMEDOUT");
    assert_eq!(
        monitor.scripts.last().unwrap(),
        &("50.sleepy".into(), "TIMEDOUT".into())
    );
    // rgm's choice: the late script is killed (ctdb-eventd leaves it running).
    let pid: i32 = std::fs::read_to_string(rgm.side.dir.join("sleepy.pids"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    wait_for(
        "rgm to kill the late script",
        Duration::from_secs(20),
        || !rgm_e2e::alive(pid),
    );
    for side in [&rgm.side.dir, &ctdb.side.dir] {
        std::fs::remove_file(side.join("slow")).unwrap();
    }

    // A dangling symbolic link stops every event with CANNOT RUN.
    for dir in [&rgm.side.scripts, &ctdb.side.scripts] {
        std::os::unix::fs::symlink(
            "/nonexistent/rgm-conformance",
            dir.join("22.dangling.script"),
        )
        .unwrap();
    }
    assert_eq!(rgm.list(), ctdb.list());
    let broken = case(&rgm, &ctdb, 10, &["monitor"]);
    assert_eq!(broken.result, "FAILED");
    assert_eq!(
        broken.scripts.last().unwrap(),
        &("22.dangling".into(), "CANNOT_RUN".into())
    );
    let broken = case(&rgm, &ctdb, 10, &["takeip", "eth1", "2001:db8::10", "64"]);
    assert_eq!(broken.result, "FAILED");
}
