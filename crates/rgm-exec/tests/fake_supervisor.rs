//! The supervisor's state machine, driven through the public launcher on a [`FakeOs`] with
//! tokio's clock paused: every timing below is exact.

use std::ffi::OsString;
use std::time::Duration;

use nix::sys::signal::Signal;
use rgm_exec::fake::{FakeOs, FakeProgram, FakeSignal, FakeTarget, Leftover, OnTerm};
use rgm_exec::{
    CgroupMode, Launcher, LauncherConfig, MethodEnv, MethodFinished, MethodRequest, MethodStatus,
    MethodTags, Refusal, Stream,
};
use tokio::time::Instant;

const PROGRAM: &str = "/opt/rt/bin/method";
const SECOND: Duration = Duration::from_secs(1);

fn tags() -> MethodTags {
    MethodTags {
        method: "START".into(),
        resource: "rs1".into(),
        group: "rg1".into(),
        node: "node1".into(),
    }
}

fn request(timeout: Duration, grace: Duration) -> MethodRequest {
    let mut req = MethodRequest::new(PROGRAM, vec!["-R".into(), "rs1".into()], timeout, tags());
    req.grace = grace;
    req
}

fn launcher(os: &FakeOs) -> Launcher<FakeOs> {
    Launcher::with_os(LauncherConfig::default(), os.clone())
}

/// The signals sent, as (seconds after `t0`, target kind, signal).
fn signals(os: &FakeOs, t0: Instant) -> Vec<(f64, &'static str, Signal)> {
    os.signals()
        .into_iter()
        .map(|FakeSignal { at, target, signal }| {
            let kind = match target {
                FakeTarget::Process(_) => "process",
                FakeTarget::Group(_) => "group",
                FakeTarget::Cgroup(_) => "cgroup",
            };
            ((at - t0).as_secs_f64(), kind, signal)
        })
        .collect()
}

async fn run(os: &FakeOs, program: FakeProgram, req: MethodRequest) -> (MethodFinished, Instant) {
    os.add_program(PROGRAM, program);
    let t0 = Instant::now();
    let done = launcher(os).run(req, None).await;
    (done, t0)
}

#[tokio::test(start_paused = true)]
async fn exits_in_time_without_signals() {
    let os = FakeOs::new();
    let (done, t0) = run(
        &os,
        FakeProgram::exits(0).after(3 * SECOND),
        request(10 * SECOND, SECOND),
    )
    .await;
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.status, MethodStatus::Exited(0));
    assert_eq!(done.duration, 3 * SECOND);
    assert!(!done.timed_out && !done.killed && !done.cancelled);
    assert!(signals(&os, t0).is_empty());
}

#[tokio::test(start_paused = true)]
async fn non_zero_exit_is_reported() {
    let os = FakeOs::new();
    let (done, _) = run(&os, FakeProgram::exits(3), request(10 * SECOND, SECOND)).await;
    assert_eq!(done.status, MethodStatus::Exited(3));
    assert!(!done.succeeded());
}

#[tokio::test(start_paused = true)]
async fn hung_method_gets_sigterm_at_its_timeout() {
    let os = FakeOs::new();
    let (done, t0) = run(&os, FakeProgram::hangs(), request(5 * SECOND, 10 * SECOND)).await;
    assert!(done.timed_out && !done.killed);
    assert_eq!(done.status, MethodStatus::Signaled(15));
    assert_eq!(signals(&os, t0), [(5.0, "group", Signal::SIGTERM)]);
    assert!(!done.succeeded());
    assert!(os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn sigkill_after_the_grace_period_when_sigterm_is_ignored() {
    let os = FakeOs::new();
    let (done, t0) = run(
        &os,
        FakeProgram::hangs().on_term(OnTerm::Ignores),
        request(5 * SECOND, 10 * SECOND),
    )
    .await;
    assert!(done.timed_out && done.killed);
    assert_eq!(done.status, MethodStatus::Signaled(9));
    assert_eq!(done.duration, 15 * SECOND);
    assert_eq!(
        signals(&os, t0),
        [
            (5.0, "group", Signal::SIGTERM),
            (15.0, "group", Signal::SIGKILL)
        ]
    );
    assert!(os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn default_grace_is_ten_seconds() {
    let os = FakeOs::new();
    os.add_program(PROGRAM, FakeProgram::hangs().on_term(OnTerm::Ignores));
    let t0 = Instant::now();
    let req = MethodRequest::new(PROGRAM, vec![], 60 * SECOND, tags());
    let done = launcher(&os).run(req, None).await;
    assert_eq!(done.duration, 70 * SECOND);
    assert_eq!(signals(&os, t0)[1], (70.0, "group", Signal::SIGKILL));
}

#[tokio::test(start_paused = true)]
async fn a_method_that_cleans_up_within_the_grace_period_is_not_killed() {
    let os = FakeOs::new();
    let (done, t0) = run(
        &os,
        FakeProgram::hangs().on_term(OnTerm::ExitsAfter(3 * SECOND, 0)),
        request(5 * SECOND, 10 * SECOND),
    )
    .await;
    assert!(done.timed_out && !done.killed);
    assert_eq!(done.status, MethodStatus::Exited(0));
    assert!(
        !done.succeeded(),
        "a timed-out method fails whatever it exits with"
    );
    assert_eq!(done.duration, 8 * SECOND);
    assert_eq!(signals(&os, t0), [(5.0, "group", Signal::SIGTERM)]);
}

#[tokio::test(start_paused = true)]
async fn a_grandchild_that_ignores_sigterm_is_killed() {
    let os = FakeOs::new();
    let program = FakeProgram::hangs().leaves(Leftover {
        on_term: OnTerm::Ignores,
        escapes_group: false,
    });
    let (done, t0) = run(&os, program, request(2 * SECOND, 3 * SECOND)).await;
    assert_eq!(
        done.status,
        MethodStatus::Signaled(15),
        "the main process obeyed"
    );
    assert!(done.timed_out && done.killed);
    assert_eq!(done.duration, 5 * SECOND);
    assert_eq!(
        signals(&os, t0),
        [
            (2.0, "group", Signal::SIGTERM),
            (5.0, "group", Signal::SIGKILL)
        ]
    );
    assert!(os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_escaped_process_is_found_through_the_cgroup() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods");
    let program = FakeProgram::hangs().leaves(Leftover {
        on_term: OnTerm::Ignores,
        escapes_group: true,
    });
    let (done, t0) = run(&os, program, request(2 * SECOND, 3 * SECOND)).await;
    assert!(done.timed_out && done.killed);
    let sent = signals(&os, t0);
    assert_eq!(sent[0], (2.0, "group", Signal::SIGTERM));
    assert!(
        sent.contains(&(2.0, "process", Signal::SIGTERM)),
        "{sent:?}"
    );
    assert!(sent.contains(&(5.0, "cgroup", Signal::SIGKILL)), "{sent:?}");
    assert!(os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_cgroup_kill_each_member_gets_sigkill() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods").without_cgroup_kill();
    let program = FakeProgram::hangs().leaves(Leftover {
        on_term: OnTerm::Ignores,
        escapes_group: true,
    });
    let (done, t0) = run(&os, program, request(2 * SECOND, 3 * SECOND)).await;
    assert!(done.killed);
    let sent = signals(&os, t0);
    assert!(
        sent.contains(&(5.0, "process", Signal::SIGKILL)),
        "{sent:?}"
    );
    assert!(os.live_processes().is_empty());
}

#[tokio::test(start_paused = true)]
async fn without_cgroups_an_escaped_process_is_out_of_reach() {
    let os = FakeOs::new();
    let program = FakeProgram::hangs().leaves(Leftover {
        on_term: OnTerm::Ignores,
        escapes_group: true,
    });
    let (done, _) = run(&os, program, request(2 * SECOND, 3 * SECOND)).await;
    assert!(done.timed_out && !done.killed);
    assert_eq!(
        os.live_processes().len(),
        1,
        "the documented limit of process groups"
    );
}

#[tokio::test(start_paused = true)]
async fn cancel_stops_the_method_gracefully() {
    let os = FakeOs::new();
    os.add_program(PROGRAM, FakeProgram::hangs().on_term(OnTerm::Ignores));
    let launcher = launcher(&os);
    let t0 = Instant::now();
    let running = launcher.start(request(100 * SECOND, 4 * SECOND), None);
    let canceller = running.canceller();
    tokio::time::sleep(7 * SECOND).await;
    assert_eq!(running.pid(), Some(os.spawns()[0].pid));
    let waiter = tokio::spawn(running.wait());
    canceller.cancel();
    let done = waiter.await.unwrap();
    assert!(done.cancelled && !done.timed_out && done.killed);
    assert_eq!(done.duration, 11 * SECOND);
    assert_eq!(
        signals(&os, t0),
        [
            (7.0, "group", Signal::SIGTERM),
            (11.0, "group", Signal::SIGKILL)
        ]
    );
    canceller.cancel(); // after the end: nothing happens
}

#[tokio::test(start_paused = true)]
async fn a_start_method_leaves_its_daemon_running_and_its_cgroup_is_removed_later() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods");
    let daemon = Leftover {
        on_term: OnTerm::Dies,
        escapes_group: true,
    };
    let launcher = launcher(&os);
    os.add_program(PROGRAM, FakeProgram::exits(0).after(SECOND).leaves(daemon));
    let done = launcher.run(request(100 * SECOND, SECOND), None).await;
    assert!(done.succeeded() && !done.killed);
    assert!(
        os.signals().is_empty(),
        "leftovers of a successful method are left alone"
    );
    let live = os.live_processes();
    assert_eq!(live.len(), 1);
    let leftovers = launcher.leftover_cgroups();
    assert_eq!(leftovers.len(), 1);
    assert_eq!(launcher.sweep_cgroups(), 1, "still populated");
    os.end_process(live[0]);
    assert_eq!(launcher.sweep_cgroups(), 0);
    assert!(!os.cgroups().contains(&leftovers[0]));
}

#[tokio::test(start_paused = true)]
async fn empty_cgroups_are_reused_and_removed_with_the_launcher() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods");
    os.add_program(PROGRAM, FakeProgram::exits(0));
    let launcher = launcher(&os);
    assert!(launcher.uses_cgroups());
    for _ in 0..3 {
        assert!(
            launcher
                .run(request(SECOND, SECOND), None)
                .await
                .succeeded()
        );
    }
    let spawns = os.spawns();
    assert!(spawns.iter().all(|s| s.cgroup == spawns[0].cgroup));
    let parent = std::path::Path::new("/cg/rgm-methods");
    let methods = |os: &FakeOs| {
        os.cgroups()
            .into_iter()
            .filter(|c| c.parent() == Some(parent))
            .count()
    };
    assert_eq!(methods(&os), 1);
    drop(launcher);
    assert_eq!(methods(&os), 0);
}

#[tokio::test(start_paused = true)]
async fn cgroups_can_be_disabled() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods");
    os.add_program(PROGRAM, FakeProgram::exits(0));
    let launcher = Launcher::with_os(
        LauncherConfig {
            cgroups: CgroupMode::Disabled,
            ..LauncherConfig::default()
        },
        os.clone(),
    );
    assert!(!launcher.uses_cgroups());
    assert!(
        launcher
            .run(request(SECOND, SECOND), None)
            .await
            .succeeded()
    );
    assert_eq!(os.spawns()[0].cgroup, None);
}

#[tokio::test(start_paused = true)]
async fn what_the_method_is_started_with() {
    let os = FakeOs::new();
    os.add_program(PROGRAM, FakeProgram::exits(0));
    let mut req = request(SECOND, SECOND);
    req.env = MethodEnv {
        bin_dir: Some("/opt/rgm/bin".into()),
        ld_library_path: None,
        rgm_socket: Some("/run/rgm.sock".into()),
        extra: vec![],
    };
    launcher(&os).run(req, None).await;
    let spawn = &os.spawns()[0];
    assert_eq!(spawn.args, [OsString::from("-R"), OsString::from("rs1")]);
    assert_eq!(spawn.cwd.as_deref(), Some(std::path::Path::new("/")));
    assert_eq!(
        spawn.env.as_deref().unwrap(),
        [
            ("HOME".into(), "/".into()),
            (
                "PATH".into(),
                "/opt/rgm/bin:/usr/bin:/bin:/usr/sbin:/sbin".into()
            ),
            ("RGM_SOCKET".into(), "/run/rgm.sock".into()),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn output_lines_carry_the_tags() {
    let os = FakeOs::new();
    os.add_program(
        PROGRAM,
        FakeProgram::exits(0).stdout("one\ntwo\n").stderr("oops\n"),
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let done = launcher(&os).run(request(SECOND, SECOND), Some(tx)).await;
    let mut lines = Vec::new();
    while let Ok(line) = rx.try_recv() {
        assert_eq!(*line.tags, tags());
        lines.push((line.stream, line.text));
    }
    lines.sort();
    assert_eq!(
        lines,
        [
            (Stream::Stdout, "one".to_owned()),
            (Stream::Stdout, "two".to_owned()),
            (Stream::Stderr, "oops".to_owned()),
        ]
    );
    assert_eq!(done.output.lines, 3);
    assert_eq!(done.output.total_bytes, 13);
}

#[tokio::test(start_paused = true)]
async fn unknown_program_is_refused_without_starting() {
    let os = FakeOs::new();
    let done = launcher(&os).run(request(SECOND, SECOND), None).await;
    assert_eq!(
        done.status,
        MethodStatus::Refused(Refusal::NotFound {
            path: PROGRAM.into()
        })
    );
    assert_eq!(done.pid, None);
    assert!(os.spawns().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_start_failure_is_a_finished_run() {
    let os = FakeOs::new();
    let (done, _) = run(
        &os,
        FakeProgram::exits(0).fails_to_spawn(libc::ENOEXEC),
        request(SECOND, SECOND),
    )
    .await;
    match done.status {
        MethodStatus::SpawnFailed(failure) => {
            assert_eq!(failure.errno, Some(libc::ENOEXEC));
            assert_eq!(failure.path, std::path::PathBuf::from(PROGRAM));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_busy_file_is_retried_then_reported() {
    let os = FakeOs::new();
    let (done, t0) = run(
        &os,
        FakeProgram::exits(0).fails_to_spawn(libc::ETXTBSY),
        request(SECOND, SECOND),
    )
    .await;
    assert!(
        matches!(done.status, MethodStatus::SpawnFailed(ref f) if f.errno == Some(libc::ETXTBSY))
    );
    assert_eq!(Instant::now() - t0, SECOND, "retried until the timeout");
    let (_, t0) = run(
        &os,
        FakeProgram::exits(0).fails_to_spawn(libc::ETXTBSY),
        request(60 * SECOND, SECOND),
    )
    .await;
    assert_eq!(Instant::now() - t0, 5 * SECOND, "for five seconds at most");
}

#[tokio::test(start_paused = true)]
async fn many_methods_at_once() {
    let os = FakeOs::new();
    os.add_program(PROGRAM, FakeProgram::exits(0).after(2 * SECOND));
    let launcher = launcher(&os);
    let t0 = Instant::now();
    let running: Vec<_> = (0..200)
        .map(|_| launcher.start(request(10 * SECOND, SECOND), None))
        .collect();
    for r in running {
        assert!(r.wait().await.succeeded());
    }
    assert_eq!(Instant::now() - t0, 2 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn a_cgroup_that_cannot_be_joined_turns_cgroups_off() {
    let os = FakeOs::with_cgroups("/cg/rgm-methods").with_failing_cgroup_join();
    os.add_program(PROGRAM, FakeProgram::exits(0));
    let launcher = launcher(&os);
    assert!(launcher.uses_cgroups());
    let done = launcher.run(request(SECOND, SECOND), None).await;
    assert!(done.succeeded(), "{done:?}");
    assert!(!launcher.uses_cgroups());
    assert_eq!(os.spawns().len(), 1);
    assert_eq!(os.spawns()[0].cgroup, None);
    assert!(
        launcher
            .run(request(SECOND, SECOND), None)
            .await
            .succeeded()
    );
}

#[tokio::test(start_paused = true)]
async fn an_enormous_timeout_does_not_overflow() {
    let os = FakeOs::new();
    let (done, _) = run(
        &os,
        FakeProgram::exits(0).after(SECOND),
        request(Duration::MAX, Duration::MAX),
    )
    .await;
    assert!(done.succeeded());
}
