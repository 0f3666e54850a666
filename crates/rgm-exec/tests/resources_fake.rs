//! Resources' cgroups, run files, adoption of an earlier rgmd's runs and starts held back for
//! lack of file descriptors, on a [`FakeOs`] with tokio's clock paused: every timing is exact.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;
use rgm_exec::fake::{FakeOs, FakeProgram, FakeTarget, Leftover, OnTerm};
use rgm_exec::resources::{instance_name, resource_dir_name};
use rgm_exec::runfile::{self, Ended, RunRecord};
use rgm_exec::{
    Adoption, Launcher, LauncherConfig, MethodRequest, MethodStatus, MethodTags, Placement,
};
use tokio::time::Instant;

const START: &str = "/opt/rt/bin/start";
const STOP: &str = "/opt/rt/bin/stop";
const PARENT: &str = "/cg/rgm-methods";
const OWNER: &str = "/var/lib/rgm";
const SECOND: Duration = Duration::from_secs(1);

fn tags(method: &str, resource: &str) -> MethodTags {
    MethodTags {
        method: method.into(),
        resource: resource.into(),
        group: "rg1".into(),
        node: "node1".into(),
    }
}

fn launcher(os: &FakeOs) -> Launcher<FakeOs> {
    Launcher::with_os(
        LauncherConfig {
            owner: Some(OWNER.into()),
            ..LauncherConfig::default()
        },
        os.clone(),
    )
}

fn resource_dir(resource: &str) -> PathBuf {
    Path::new(PARENT)
        .join(instance_name(Path::new(OWNER)))
        .join(resource_dir_name(resource))
}

fn placed(
    path: &str,
    resource: &str,
    leftovers: &str,
    runs: &Path,
    key: u64,
    timeout: Duration,
) -> MethodRequest {
    let mut req = MethodRequest::new(path, vec![], timeout, tags("START", resource));
    req.grace = SECOND;
    req.placement = Some(Placement {
        resource: resource.into(),
        leftovers: leftovers.into(),
        run_file: runs.join(key.to_string()),
    });
    req
}

fn daemon() -> Leftover {
    Leftover {
        on_term: OnTerm::Dies,
        escapes_group: true,
    }
}

#[tokio::test(start_paused = true)]
async fn what_a_start_leaves_goes_to_its_resources_leftovers_cgroup() {
    let os = FakeOs::with_cgroups(PARENT);
    let runs = tempfile::tempdir().unwrap();
    os.add_program(START, FakeProgram::exits(0).after(SECOND).leaves(daemon()));
    let l = launcher(&os);
    assert!(l.tracks_resources());
    let done = l
        .run(
            placed(START, "db", "start", runs.path(), 7, 60 * SECOND),
            None,
        )
        .await;
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.leftovers, 1);
    let spawn = &os.spawns()[0];
    let run_cgroup = spawn.cgroup.clone().unwrap();
    assert_eq!(run_cgroup.parent(), Some(resource_dir("db").as_path()));
    let daemon_pid = spawn.pid + 1;
    assert_eq!(
        os.cgroup_of(daemon_pid),
        Some(resource_dir("db").join("start"))
    );
    assert_eq!(l.leftovers_alive("db", "start"), Some(true));
    assert_eq!(l.leftovers_alive("db", "monitor"), Some(false));
    // The run file says where it ran and how it ended.
    let record = runfile::read(&runs.path().join("7")).unwrap().unwrap();
    assert_eq!(record.pid, spawn.pid);
    assert_eq!(record.cgroup.as_ref(), Some(&run_cgroup));
    assert_eq!(
        record.ended,
        Some(Ended {
            status: MethodStatus::Exited(0),
            timed_out: false,
            cancelled: false,
            killed: false,
            leftovers: 1,
        })
    );
    // The next run of the resource reuses the emptied run cgroup.
    os.add_program(STOP, FakeProgram::exits(0));
    let stop = placed(STOP, "db", "stop", runs.path(), 8, 60 * SECOND);
    assert!(l.run(stop, None).await.succeeded());
    assert_eq!(os.spawns()[1].cgroup.as_ref(), Some(&run_cgroup));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_kills_the_run_never_the_leftovers() {
    let os = FakeOs::with_cgroups(PARENT);
    let runs = tempfile::tempdir().unwrap();
    os.add_program(START, FakeProgram::exits(0).leaves(daemon()));
    os.add_program(STOP, FakeProgram::hangs().on_term(OnTerm::Ignores));
    let l = launcher(&os);
    let started = l
        .run(
            placed(START, "db", "start", runs.path(), 1, 60 * SECOND),
            None,
        )
        .await;
    assert_eq!(started.leftovers, 1);
    let daemon_pid = os.spawns()[0].pid + 1;
    let t0 = Instant::now();
    let stop = l
        .run(placed(STOP, "db", "stop", runs.path(), 2, 5 * SECOND), None)
        .await;
    assert!(stop.timed_out && stop.killed, "{stop:?}");
    assert_eq!(stop.duration, 6 * SECOND);
    assert!(os.live_processes().contains(&daemon_pid));
    let start_cgroup = resource_dir("db").join("start");
    for s in os.signals().iter().filter(|s| s.at >= t0) {
        assert_ne!(s.target, FakeTarget::Cgroup(start_cgroup.clone()));
        assert_ne!(s.target, FakeTarget::Process(daemon_pid));
    }
}

#[tokio::test(start_paused = true)]
async fn a_resource_and_the_node_are_killed_whole() {
    let os = FakeOs::with_cgroups(PARENT);
    let runs = tempfile::tempdir().unwrap();
    os.add_program(START, FakeProgram::exits(0).leaves(daemon()));
    let l = launcher(&os);
    for (key, r) in [(1, "db"), (2, "web"), (3, "app")] {
        let done = l
            .run(
                placed(START, r, "start", runs.path(), key, 60 * SECOND),
                None,
            )
            .await;
        assert_eq!(done.leftovers, 1);
    }
    l.kill_resource("db").unwrap();
    assert_eq!(l.leftovers_alive("db", "start"), Some(false));
    assert_eq!(l.leftovers_alive("web", "start"), Some(true));
    l.kill_node().unwrap();
    assert_eq!(l.leftovers_alive("web", "start"), Some(false));
    assert_eq!(l.leftovers_alive("app", "start"), Some(false));
    assert!(os.live_processes().is_empty());
    assert!(
        os.signals()
            .iter()
            .all(|s| s.signal == Signal::SIGKILL && matches!(s.target, FakeTarget::Cgroup(_)))
    );
}

#[tokio::test(start_paused = true)]
async fn without_an_owner_or_cgroups_resources_are_not_tracked() {
    let os = FakeOs::new();
    let l = launcher(&os);
    assert!(!l.tracks_resources());
    assert_eq!(l.leftovers_alive("db", "start"), None);
    assert_eq!(
        l.kill_node().unwrap_err().kind(),
        std::io::ErrorKind::Unsupported
    );
    // The run file is written all the same.
    let runs = tempfile::tempdir().unwrap();
    os.add_program(START, FakeProgram::exits(0));
    let done = l
        .run(
            placed(START, "db", "start", runs.path(), 4, 60 * SECOND),
            None,
        )
        .await;
    assert!(done.succeeded());
    let record = runfile::read(&runs.path().join("4")).unwrap().unwrap();
    assert_eq!(record.cgroup, None);
    assert!(record.ended.is_some());
}

#[tokio::test(start_paused = true)]
async fn a_bad_leftovers_name_is_refused() {
    let os = FakeOs::with_cgroups(PARENT);
    os.add_program(START, FakeProgram::exits(0));
    let runs = tempfile::tempdir().unwrap();
    let done = launcher(&os)
        .run(placed(START, "db", "run-1", runs.path(), 1, SECOND), None)
        .await;
    assert!(
        matches!(done.status, MethodStatus::SpawnFailed(_)),
        "{done:?}"
    );
    assert!(os.spawns().is_empty());
}

/// An earlier rgmd's run, as its launcher left it: a process in a run cgroup of `db`, and its
/// run file.
struct Earlier {
    os: FakeOs,
    runs: tempfile::TempDir,
    pid: u32,
    cgroup: PathBuf,
}

impl Earlier {
    fn new(on_term: OnTerm) -> Earlier {
        let os = FakeOs::with_cgroups(PARENT);
        let runs = tempfile::tempdir().unwrap();
        let cgroup = resource_dir("db").join("run-990");
        let pid = os.add_process(None, Some(cgroup.clone()), on_term);
        let e = Earlier {
            os,
            runs,
            pid,
            cgroup,
        };
        e.write(e.record());
        e
    }

    fn record(&self) -> RunRecord {
        RunRecord {
            pid: self.pid,
            start_time: u64::from(self.pid),
            cgroup: Some(self.cgroup.clone()),
            resource: "db".into(),
            leftovers: "start".into(),
            ended: None,
        }
    }

    fn write(&self, record: RunRecord) {
        runfile::write(&self.run_file(), &record).unwrap();
    }

    fn run_file(&self) -> PathBuf {
        self.runs.path().join("5")
    }

    fn adoption(&self, remaining: Duration) -> Adoption {
        Adoption {
            placement: Placement {
                resource: "db".into(),
                leftovers: "start".into(),
                run_file: self.run_file(),
            },
            remaining,
            grace: SECOND,
            tags: tags("START", "db"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn an_adopted_run_is_waited_for_and_its_leftovers_kept() {
    let e = Earlier::new(OnTerm::Dies);
    let leftover =
        e.os.add_process(Some(9999), Some(e.cgroup.clone()), OnTerm::Dies);
    let l = launcher(&e.os);
    let t0 = Instant::now();
    let running = l.adopt(e.adoption(60 * SECOND));
    assert_eq!(running.pid(), Some(e.pid));
    let os = e.os.clone();
    let pid = e.pid;
    tokio::spawn(async move {
        tokio::time::sleep(3 * SECOND).await;
        os.end_process(pid);
    });
    let done = running.wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert!(!done.timed_out && !done.killed, "{done:?}");
    let waited = Instant::now() - t0;
    assert!(
        waited >= 3 * SECOND && waited <= 3 * SECOND + Duration::from_millis(100),
        "{waited:?}"
    );
    assert_eq!(done.leftovers, 1);
    assert_eq!(
        e.os.cgroup_of(leftover),
        Some(resource_dir("db").join("start"))
    );
    assert!(e.os.signals().is_empty(), "nothing was signalled");
    let record = runfile::read(&e.run_file()).unwrap().unwrap();
    assert_eq!(record.ended.unwrap().status, MethodStatus::Unknown);
}

#[tokio::test(start_paused = true)]
async fn an_adopted_run_past_its_timeout_is_terminated_then_killed() {
    let e = Earlier::new(OnTerm::Ignores);
    let l = launcher(&e.os);
    let t0 = Instant::now();
    let done = l.adopt(e.adoption(2 * SECOND)).wait().await;
    assert!(done.timed_out && done.killed, "{done:?}");
    assert_eq!(done.status, MethodStatus::Unknown);
    let signals: Vec<(Duration, FakeTarget, Signal)> =
        e.os.signals()
            .into_iter()
            .map(|s| (s.at - t0, s.target, s.signal))
            .collect();
    assert!(signals.contains(&(2 * SECOND, FakeTarget::Group(e.pid), Signal::SIGTERM)));
    assert!(signals.contains(&(2 * SECOND, FakeTarget::Process(e.pid), Signal::SIGTERM)));
    assert!(signals.contains(&(
        3 * SECOND,
        FakeTarget::Cgroup(e.cgroup.clone()),
        Signal::SIGKILL
    )));
    assert!(e.os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_adopted_run_already_over_reports_at_once() {
    // Ended, its result recorded: reported as it was.
    let e = Earlier::new(OnTerm::Dies);
    let mut record = e.record();
    record.ended = Some(Ended {
        status: MethodStatus::Exited(0),
        timed_out: false,
        cancelled: false,
        killed: false,
        leftovers: 1,
    });
    e.write(record);
    let done = launcher(&e.os).adopt(e.adoption(60 * SECOND)).wait().await;
    assert_eq!(done.status, MethodStatus::Exited(0));
    assert_eq!(done.leftovers, 1);
    assert!(e.os.signals().is_empty());

    // Its pid now belongs to another process (other start time): not waited for, not signalled.
    let e = Earlier::new(OnTerm::Dies);
    let mut record = e.record();
    record.start_time += 1;
    e.write(record);
    e.os.end_process(e.pid);
    let t0 = Instant::now();
    let done = launcher(&e.os).adopt(e.adoption(60 * SECOND)).wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert_eq!(Instant::now(), t0);
    assert!(e.os.signals().is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_a_run_file_the_main_process_is_found_in_its_run_cgroup() {
    // rgmd died between the start and the run file: the run cgroup holds the main process (a
    // group leader in rgmd's session) and the daemon it already started (setsid).
    let e = Earlier::new(OnTerm::Dies);
    runfile::remove(&e.run_file()).unwrap();
    let daemon = e.os.add_daemon(Some(e.cgroup.clone()));
    let l = launcher(&e.os);
    let running = l.adopt(e.adoption(60 * SECOND));
    assert_eq!(
        running.pid(),
        Some(e.pid),
        "the main process, not the daemon"
    );
    let os = e.os.clone();
    let pid = e.pid;
    tokio::spawn(async move {
        tokio::time::sleep(2 * SECOND).await;
        os.end_process(pid);
    });
    let t0 = Instant::now();
    let done = running.wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert!(!done.timed_out, "{done:?}");
    assert!(Instant::now() - t0 >= 2 * SECOND);
    assert_eq!(done.leftovers, 1, "the daemon is kept, as any run's");
    assert_eq!(
        e.os.cgroup_of(daemon),
        Some(resource_dir("db").join("start"))
    );
    assert!(e.os.live_processes().contains(&daemon));
    // A second file-less run of the resource finds nothing more to wait for.
    let t0 = Instant::now();
    let done = l.adopt(e.adoption(60 * SECOND)).wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert_eq!(Instant::now(), t0);
}

#[tokio::test(start_paused = true)]
async fn without_a_run_file_and_its_main_process_gone_what_is_left_is_kept() {
    let e = Earlier::new(OnTerm::Dies);
    runfile::remove(&e.run_file()).unwrap();
    let daemon = e.os.add_daemon(Some(e.cgroup.clone()));
    e.os.end_process(e.pid);
    let t0 = Instant::now();
    let done = launcher(&e.os).adopt(e.adoption(60 * SECOND)).wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert_eq!(Instant::now(), t0, "nothing to wait for");
    assert_eq!(done.leftovers, 1);
    assert_eq!(
        e.os.cgroup_of(daemon),
        Some(resource_dir("db").join("start"))
    );
    assert!(e.os.signals().is_empty(), "the daemon is not killed");

    // Without cgroups, nothing can be found: unknown at once.
    let os = FakeOs::new();
    let l = launcher(&os);
    let t0 = Instant::now();
    let done = l.adopt(e.adoption(60 * SECOND)).wait().await;
    assert_eq!(done.status, MethodStatus::Unknown);
    assert_eq!(Instant::now(), t0);
}

#[tokio::test(start_paused = true)]
async fn empty_run_cgroups_of_an_earlier_rgmd_are_removed_populated_ones_kept() {
    let e = Earlier::new(OnTerm::Dies);
    let empty = resource_dir("db").join("run-991");
    let other = e.os.add_process(None, Some(empty.clone()), OnTerm::Dies);
    e.os.end_process(other);
    let _l = launcher(&e.os);
    let cgroups = e.os.cgroups();
    assert!(!cgroups.contains(&empty), "{cgroups:?}");
    assert!(cgroups.contains(&e.cgroup));
}

#[tokio::test(start_paused = true)]
async fn the_cgroups_of_an_rgmd_whose_state_directory_is_gone_are_removed() {
    let os = FakeOs::with_cgroups(PARENT);
    let gone = tempfile::tempdir().unwrap();
    let gone_path = gone.path().to_owned();
    let kept = tempfile::tempdir().unwrap();
    let dead_tree = Path::new(PARENT).join(instance_name(&gone_path));
    let live_tree = Path::new(PARENT).join(instance_name(kept.path()));
    for tree in [&dead_tree, &live_tree] {
        let p = os.add_process(None, Some(tree.join("r-db").join("start")), OnTerm::Dies);
        os.end_process(p);
    }
    let busy = os.add_process(
        None,
        Some(
            Path::new(PARENT)
                .join(instance_name(Path::new("/no/such/dir")))
                .join("r-x/start"),
        ),
        OnTerm::Dies,
    );
    drop(gone);
    let _l = launcher(&os);
    let cgroups = os.cgroups();
    assert!(
        !cgroups.iter().any(|c| c.starts_with(&dead_tree)),
        "{cgroups:?}"
    );
    assert!(cgroups.contains(&live_tree.join("r-db/start")));
    assert!(os.live_processes().contains(&busy), "never killed");
    assert!(cgroups.iter().any(|c| c.ends_with("r-x/start")));
}

#[tokio::test(start_paused = true)]
async fn a_start_without_file_descriptors_is_tried_again_until_its_timeout() {
    let os = FakeOs::with_cgroups(PARENT);
    os.add_program(
        START,
        FakeProgram::exits(0).fails_to_spawn_first(libc::EMFILE, 3),
    );
    let runs = tempfile::tempdir().unwrap();
    let l = launcher(&os);
    let t0 = Instant::now();
    let done = l
        .run(
            placed(START, "db", "start", runs.path(), 1, 60 * SECOND),
            None,
        )
        .await;
    assert!(done.succeeded(), "{done:?}");
    // 10 + 20 + 40 ms of backoff.
    assert_eq!(os.spawns()[0].at - t0, Duration::from_millis(70));

    // Never any: a timeout, not a failed method.
    os.add_program(STOP, FakeProgram::exits(0).fails_to_spawn(libc::ENFILE));
    let t0 = Instant::now();
    let done = l
        .run(placed(STOP, "db", "stop", runs.path(), 2, 5 * SECOND), None)
        .await;
    assert!(done.timed_out, "{done:?}");
    assert!(matches!(done.status, MethodStatus::SpawnFailed(_)));
    assert_eq!(Instant::now() - t0, 5 * SECOND);
}
