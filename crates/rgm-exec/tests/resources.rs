//! Resources' cgroups on real cgroups: what a START leaves is moved to its resource's
//! leftovers cgroup, a later run's timeout does not touch it, a resource and the node are
//! killed whole, and a run an earlier rgmd started is adopted. Each test makes its own cgroup
//! (the launcher's parent) and removes it, killing what is left, when it ends.

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Scratch, TestCgroup, alive, dead, start_time, wait_until};
use rgm_exec::resources::instance_name;
use rgm_exec::runfile::{self, RunRecord};
use rgm_exec::{
    Adoption, Launcher, LauncherConfig, MethodRequest, MethodStatus, MethodTags, Placement,
};

const SECOND: Duration = Duration::from_secs(1);

fn tags(method: &str) -> MethodTags {
    MethodTags {
        method: method.into(),
        resource: "db".into(),
        group: "rg1".into(),
        node: "node1".into(),
    }
}

fn launcher(cg: &TestCgroup, owner: &Path) -> Launcher {
    let l = Launcher::new(LauncherConfig {
        cgroup_parent: Some(cg.dir.clone()),
        owner: Some(owner.to_owned()),
        ..LauncherConfig::default()
    });
    assert!(l.tracks_resources());
    l
}

fn placement(s: &Scratch, resource: &str, leftovers: &str, key: u32) -> Placement {
    Placement {
        resource: resource.into(),
        leftovers: leftovers.into(),
        run_file: s.file(&format!("run.{key}")),
    }
}

fn placed(path: PathBuf, p: Placement, timeout: Duration) -> MethodRequest {
    let mut req = MethodRequest::new(path, vec![], timeout, tags("START"));
    req.grace = SECOND;
    req.placement = Some(p);
    req
}

/// The test's cgroup (the launcher's parent) and scratch directory; `None` (said) where there
/// is no writable cgroup v2 and we are not root.
fn scene(name: &str) -> Option<(TestCgroup, Scratch)> {
    let Some(cg) = TestCgroup::new(name) else {
        eprintln!("no writable cgroup v2 here");
        return None;
    };
    Some((cg, Scratch::new()))
}

/// Taking over the run of placement `p`, which may run `remaining` more.
fn adoption(p: Placement, remaining: Duration, grace: Duration) -> Adoption {
    Adoption {
        placement: p,
        remaining,
        grace,
        tags: tags("START"),
    }
}

fn gone(pid: u32) -> bool {
    wait_until(10 * SECOND, || dead(pid).then_some(())).is_some()
}

/// A START that leaves a daemon (which calls setsid) and records its pid in `<name>.pid`.
fn start_script(s: &Scratch, name: &str) -> PathBuf {
    s.script(
        name,
        &format!(
            "setsid sleep 1000 </dev/null >/dev/null 2>&1 &\necho $! > @D@/{name}.pid\nexit 0\n"
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leftovers_are_moved_kept_from_timeouts_and_killed_with_their_resource() {
    let Some((cg, s)) = scene("leftovers") else {
        return;
    };
    let l = launcher(&cg, s.path());
    let start = start_script(&s, "db");
    let done = l
        .run(
            placed(start, placement(&s, "db", "start", 1), 30 * SECOND),
            None,
        )
        .await;
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.leftovers, 1);
    let daemon = s.pid("db.pid");
    let where_ = TestCgroup::of(daemon).unwrap();
    assert!(where_.ends_with("/r-db/start"), "{where_}");
    assert_eq!(l.leftovers_alive("db", "start"), Some(true));
    let record = runfile::read(&s.file("run.1")).unwrap().unwrap();
    assert_eq!(record.ended.unwrap().leftovers, 1);
    assert!(record.start_time > 0);

    // A later run of the resource times out: it is killed, the daemon is not.
    let stop = s.script("stop", "trap '' TERM\nwhile :; do sleep 0.05; done\n");
    let done = l
        .run(placed(stop, placement(&s, "db", "stop", 2), SECOND), None)
        .await;
    assert!(done.timed_out && done.killed, "{done:?}");
    assert!(alive(daemon));

    l.kill_resource("db").unwrap();
    assert!(gone(daemon));
    assert_eq!(l.leftovers_alive("db", "start"), Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_is_killed_whole() {
    let Some((cg, s)) = scene("node") else {
        return;
    };
    let l = launcher(&cg, s.path());
    for (key, r) in [(1, "web"), (2, "app")] {
        let start = start_script(&s, r);
        let done = l
            .run(
                placed(start, placement(&s, r, "start", key), 30 * SECOND),
                None,
            )
            .await;
        assert_eq!(done.leftovers, 1, "{done:?}");
    }
    let (web, app) = (s.pid("web.pid"), s.pid("app.pid"));
    l.kill_resource("web").unwrap();
    assert!(gone(web));
    assert!(alive(app));
    l.kill_node().unwrap();
    assert!(gone(app));
    assert_eq!(l.leftovers_alive("app", "start"), Some(false));
}

/// A run as an earlier rgmd left it: `script` started by hand in process group of its own, in
/// a run cgroup of `db`, with its run file `run.5`.
fn earlier_run(cg: &TestCgroup, s: &Scratch, script: &Path) -> (std::process::Child, Placement) {
    let run_cgroup = cg
        .dir
        .join(instance_name(s.path()))
        .join("r-db")
        .join("run-7777");
    std::fs::create_dir_all(&run_cgroup).unwrap();
    let child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && exec {}",
            run_cgroup.display(),
            script.display()
        ))
        .process_group(0)
        .spawn()
        .unwrap();
    let pid = child.id();
    let p = placement(s, "db", "start", 5);
    let record = RunRecord {
        pid,
        start_time: start_time(pid).unwrap(),
        cgroup: Some(run_cgroup),
        resource: "db".into(),
        leftovers: "start".into(),
        ended: None,
    };
    runfile::write(&p.run_file, &record).unwrap();
    (child, p)
}

/// An earlier rgmd's START that has started its daemon (setsid; pid returned) and runs until
/// the file `go` appears.
fn earlier_start(cg: &TestCgroup, s: &Scratch) -> (std::process::Child, Placement, u32) {
    let script = s.script(
        "earlier",
        "setsid sleep 1000 </dev/null >/dev/null 2>&1 &\necho $! > @D@/daemon.pid\n\
         while [ ! -e @D@/go ]; do sleep 0.02; done\nexit 0\n",
    );
    let (child, p) = earlier_run(cg, s, &script);
    (child, p, s.pid("daemon.pid"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_rgmds_run_is_waited_for_and_its_leftovers_kept() {
    let Some((cg, s)) = scene("adopt") else {
        return;
    };
    let (mut child, p, daemon) = earlier_start(&cg, &s);
    let l = launcher(&cg, s.path());
    let running = l.adopt(adoption(p.clone(), 60 * SECOND, SECOND));
    assert_eq!(running.pid(), Some(child.id()));
    let go = s.file("go");
    let released = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::write(go, "").unwrap();
        Instant::now()
    });
    let done = running.wait().await;
    let ended_at = Instant::now();
    assert!(
        ended_at >= released.await.unwrap(),
        "waited for the process"
    );
    assert_eq!(done.status, MethodStatus::Unknown);
    assert!(!done.timed_out && !done.killed, "{done:?}");
    assert_eq!(done.leftovers, 1);
    assert!(TestCgroup::of(daemon).unwrap().ends_with("/r-db/start"));
    assert_eq!(l.leftovers_alive("db", "start"), Some(true));
    let _ = child.wait();
    let record = runfile::read(&p.run_file).unwrap().unwrap();
    assert_eq!(record.ended.unwrap().status, MethodStatus::Unknown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_run_file_an_earlier_run_is_found_in_its_run_cgroup() {
    let Some((cg, s)) = scene("adopt-no-file") else {
        return;
    };
    let (mut child, p, daemon) = earlier_start(&cg, &s);
    runfile::remove(&p.run_file).unwrap();
    let l = launcher(&cg, s.path());
    let running = l.adopt(adoption(p, 60 * SECOND, SECOND));
    assert_eq!(
        running.pid(),
        Some(child.id()),
        "the main process, not the daemon"
    );
    std::fs::write(s.file("go"), "").unwrap();
    let done = running.wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert!(!done.timed_out, "{done:?}");
    assert_eq!(done.leftovers, 1);
    assert!(TestCgroup::of(daemon).unwrap().ends_with("/r-db/start"));
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_earlier_rgmds_run_past_its_timeout_is_killed() {
    let Some((cg, s)) = scene("adopt-timeout") else {
        return;
    };
    let script = s.script(
        "earlier",
        "trap '' TERM\necho $$ > @D@/main.pid\nwhile :; do sleep 0.05; done\n",
    );
    let (mut child, p) = earlier_run(&cg, &s, &script);
    s.pid("main.pid");
    let l = launcher(&cg, s.path());
    let done = l
        .adopt(adoption(
            p,
            Duration::from_millis(300),
            Duration::from_millis(300),
        ))
        .wait()
        .await;
    assert!(done.timed_out && done.killed, "{done:?}");
    assert_eq!(done.status, MethodStatus::Unknown);
    assert_eq!(done.leftovers, 0);
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
}
