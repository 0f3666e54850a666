//! The launcher on real processes: arguments, environment, containment, timeouts, output and
//! refusals. Tests that depend on containment run twice: with cgroups where this machine allows
//! them, and with process groups only (the fallback).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{LogCapture, Scratch, alive, assert_all_gone, dead, eventually, kill_now};
use rgm_exec::{
    CgroupMode, Launcher, LauncherConfig, MethodEnv, MethodFinished, MethodRequest, MethodStatus,
    MethodTags, Refusal, Stream, ValidateArgs, ValidateMode,
};

const SECOND: Duration = Duration::from_secs(1);

fn tags(method: &str) -> MethodTags {
    MethodTags {
        method: method.into(),
        resource: "rs1".into(),
        group: "rg1".into(),
        node: "node1".into(),
    }
}

fn launcher(mode: CgroupMode) -> Launcher {
    Launcher::new(LauncherConfig {
        cgroups: mode,
        ..LauncherConfig::default()
    })
}

/// A request with a short timeout and grace, so tests of the kill path are quick.
fn request(path: PathBuf, timeout: Duration) -> MethodRequest {
    let mut req = MethodRequest::new(
        path,
        rgm_exec::standard_args("rs1", "RGM.test:1", "rg1", None),
        timeout,
        tags("START"),
    );
    req.grace = SECOND;
    req
}

/// Runs one test body with cgroups (where available) and with process groups only.
macro_rules! both_modes {
    ($name:ident, |$mode:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn body($mode: CgroupMode) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn with_cgroups() {
                body(CgroupMode::Auto).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn process_groups_only() {
                body(CgroupMode::Disabled).await
            }
        }
    };
}

fn nul_split(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect::<Vec<_>>()
        .split_last()
        .map(|(_, init)| init.to_vec())
        .unwrap_or_default()
}

/// The process group (field 5) of a recorded /proc/<pid>/stat.
fn pgrp_of(stat: &str) -> u32 {
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(2).unwrap().parse().unwrap()
}

both_modes!(arguments_and_environment_are_exactly_as_promised, |mode| {
    let s = Scratch::new();
    let bin = Scratch::new();
    bin.script("scha_resource_get", "echo from-rgm-bin\n");
    let method = s.script(
        "validate",
        "cat /proc/$$/cmdline > @D@/cmdline\n\
         cat /proc/$$/environ > @D@/environ\n\
         readlink /proc/$$/cwd > @D@/cwd\n\
         readlink /proc/$$/fd/0 > @D@/stdin\n\
         cat /proc/$$/stat > @D@/stat\n\
         cat /proc/$$/cgroup > @D@/cgroup\n\
         echo $$ > @D@/main.pid\n\
         scha_resource_get > @D@/which\n",
    );
    let hostile = [
        "two words",
        "it's",
        "\"quoted\"",
        "semi; colon",
        &format!("$(touch {}/pwned)", s.path().display()),
        "`touch pwned`",
        "line one\nline two",
        "",
        "*",
        "ünïcødé",
        "-R",
        "a=b=c",
    ];
    let mut args = ValidateArgs::new(ValidateMode::Create, "rs1", "RGM.test:1", "rg1")
        .dependency(
            "Resource_dependencies",
            &["r1"],
            &["r1@n1", "r2{local_node}"],
        )
        .per_node("Port", 2, "8080");
    for (i, value) in hostile.iter().enumerate() {
        args = args.extension(&format!("P{i}"), value);
    }
    let mut argv = args.build();
    argv.push(String::new());
    argv.push("$HOME".into());
    let mut req = request(method.clone(), 30 * SECOND);
    req.args = argv.clone();
    req.env = MethodEnv {
        bin_dir: Some(bin.path().to_owned()),
        ld_library_path: Some("/opt/rgm/lib".into()),
        rgm_socket: Some("/run/rgm/test.sock".into()),
        extra: vec![],
    };
    let l = launcher(mode);
    let done = l.run(req, None).await;
    assert!(done.succeeded(), "{done:?}");

    let cmdline = nul_split(&s.read_bytes("cmdline"));
    assert_eq!(cmdline[0], "/bin/sh");
    assert_eq!(cmdline[1], method.display().to_string());
    assert_eq!(
        &cmdline[2..],
        &argv[..],
        "every value arrives as one intact element"
    );
    assert!(!s.file("pwned").exists(), "no shell evaluated a value");

    let mut environ = nul_split(&s.read_bytes("environ"));
    environ.sort();
    let path = format!(
        "PATH={}:/usr/bin:/bin:/usr/sbin:/sbin",
        bin.path().display()
    );
    let mut expected = vec![
        "HOME=/".to_owned(),
        "LD_LIBRARY_PATH=/opt/rgm/lib".to_owned(),
        path,
        "RGM_SOCKET=/run/rgm/test.sock".to_owned(),
    ];
    expected.sort();
    assert_eq!(environ, expected, "nothing of our own environment leaks in");

    assert_eq!(s.read("cwd").trim(), "/");
    assert_eq!(s.read("stdin").trim(), "/dev/null");
    assert_eq!(s.read("which").trim(), "from-rgm-bin");
    let pid = s.pid("main.pid");
    assert_eq!(pgrp_of(&s.read("stat")), pid, "a process group of its own");
    assert_eq!(done.pid, Some(pid));
    let cgroup = s.read("cgroup");
    let own = cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or("");
    if l.uses_cgroups() {
        assert!(own.contains("/rgm-methods/m-"), "{cgroup}");
    } else {
        assert!(!own.contains("rgm-methods"), "{cgroup}");
    }
});

#[tokio::test]
async fn minimal_environment() {
    let s = Scratch::new();
    let method = s.script("start", "cat /proc/$$/environ > @D@/environ\n");
    let done = launcher(CgroupMode::Disabled)
        .run(request(method, 30 * SECOND), None)
        .await;
    assert!(done.succeeded());
    let mut environ = nul_split(&s.read_bytes("environ"));
    environ.sort();
    assert_eq!(environ, ["HOME=/", "PATH=/usr/bin:/bin:/usr/sbin:/sbin"]);
}

#[tokio::test]
async fn exit_codes_and_signals() {
    let s = Scratch::new();
    let l = launcher(CgroupMode::Auto);
    let code = s.script("code", "exit 42\n");
    let done = l.run(request(code, 30 * SECOND), None).await;
    assert_eq!(done.status, MethodStatus::Exited(42));
    assert!(!done.succeeded() && !done.timed_out && !done.killed);

    let signal = s.script("signal", "kill -USR1 $$\nsleep 5\n");
    let done = l.run(request(signal, 30 * SECOND), None).await;
    assert_eq!(done.status, MethodStatus::Signaled(libc::SIGUSR1));
    assert!(!done.succeeded() && !done.timed_out);
}

both_modes!(a_hung_method_is_terminated_at_its_timeout, |mode| {
    let s = Scratch::new();
    let method = s.script(
        "start",
        "echo $$ > @D@/main.pid\nsleep 1000 &\necho $! > @D@/child.pid\nwait\n",
    );
    let started = Instant::now();
    let done = launcher(mode).run(request(method, SECOND), None).await;
    assert!(done.timed_out && !done.killed, "{done:?}");
    assert_eq!(done.status, MethodStatus::Signaled(libc::SIGTERM));
    assert!(!done.succeeded());
    assert!(started.elapsed() >= SECOND);
    let main = s.pid("main.pid");
    assert_all_gone(&[main, s.pid("child.pid")], main);
});

both_modes!(
    a_method_that_ignores_sigterm_is_killed_after_the_grace,
    |mode| {
        let s = Scratch::new();
        let method = s.script(
            "stop",
            "trap '' TERM\necho $$ > @D@/main.pid\nsleep 1000 &\necho $! > @D@/child.pid\n\
         while :; do wait; done\n",
        );
        let done = launcher(mode).run(request(method, SECOND), None).await;
        assert!(done.timed_out && done.killed, "{done:?}");
        assert_eq!(done.status, MethodStatus::Signaled(libc::SIGKILL));
        assert!(
            done.duration >= 2 * SECOND,
            "timeout plus grace: {:?}",
            done.duration
        );
        let main = s.pid("main.pid");
        assert_all_gone(&[main, s.pid("child.pid")], main);
    }
);

both_modes!(
    a_background_grandchild_that_ignores_sigterm_is_killed,
    |mode| {
        let s = Scratch::new();
        let method = s.script(
            "start",
            "echo $$ > @D@/main.pid\n\
         sh -c 'trap \"\" TERM; exec sleep 1000' &\n\
         echo $! > @D@/child.pid\n\
         wait\n",
        );
        let done = launcher(mode).run(request(method, SECOND), None).await;
        assert!(done.timed_out && done.killed, "{done:?}");
        assert_eq!(
            done.status,
            MethodStatus::Signaled(libc::SIGTERM),
            "the main process obeyed"
        );
        let main = s.pid("main.pid");
        assert_all_gone(&[main, s.pid("child.pid")], main);
    }
);

both_modes!(a_process_that_calls_setsid, |mode| {
    let s = Scratch::new();
    let method = s.script(
        "start",
        "echo $$ > @D@/main.pid\n\
         setsid sh -c 'trap \"\" TERM; echo $$ > @D@/escaped.pid; exec sleep 1000' &\n\
         wait\n",
    );
    let l = launcher(mode);
    let done = l.run(request(method, SECOND), None).await;
    assert!(done.timed_out, "{done:?}");
    let main = s.pid("main.pid");
    let escaped = s.pid("escaped.pid");
    if l.uses_cgroups() {
        assert!(done.killed, "found through the cgroup: {done:?}");
        assert_all_gone(&[main, escaped], main);
    } else {
        // The documented limit of process groups: a process in a session of its own is out of
        // reach. The rest of the method is gone.
        assert!(!done.killed);
        assert_all_gone(&[main], main);
        assert!(alive(escaped));
        kill_now(escaped);
    }
});

both_modes!(
    a_start_method_that_leaves_a_daemon_finishes_promptly,
    |mode| {
        let s = Scratch::new();
        let method = s.script(
            "start",
            "sleep 1000 &\necho $! > @D@/daemon.pid\n\
         (while :; do echo tick; sleep 0.05; done) &\necho $! > @D@/talker.pid\n\
         echo started\nexit 0\n",
        );
        let l = launcher(mode);
        let done = l.run(request(method, 60 * SECOND), None).await;
        assert!(done.succeeded(), "{done:?}");
        assert!(
            done.duration < 30 * SECOND,
            "did not wait for EOF: {:?}",
            done.duration
        );
        assert!(!done.killed);
        assert!(done.output.text.contains("started\n"), "{:?}", done.output);
        let daemon = s.pid("daemon.pid");
        let talker = s.pid("talker.pid");
        assert!(
            alive(daemon),
            "leftovers of a method that exited on its own are left alone"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            alive(talker),
            "a leftover that keeps writing to its stdout does not die of SIGPIPE"
        );
        if l.uses_cgroups() {
            assert_eq!(l.leftover_cgroups().len(), 1);
        }
        kill_now(daemon);
        kill_now(talker);
        let swept = eventually(5 * SECOND, || (l.sweep_cgroups() == 0).then_some(())).await;
        assert!(
            swept.is_some(),
            "the cgroup is removed once its processes are gone"
        );
        assert!(l.leftover_cgroups().is_empty());
    }
);

both_modes!(cancel_stops_a_running_method, |mode| {
    let s = Scratch::new();
    let method = s.script(
        "monitor_start",
        "trap '' TERM\necho $$ > @D@/main.pid\nwhile :; do sleep 1; done\n",
    );
    let running = launcher(mode).start(request(method, 100 * SECOND), None);
    let main = s.wait_pid("main.pid").await;
    let pid = eventually(10 * SECOND, || running.pid()).await;
    assert_eq!(pid, Some(main));
    running.cancel();
    let done = running.wait().await;
    assert!(done.cancelled && !done.timed_out && done.killed, "{done:?}");
    assert!(!done.succeeded());
    assert_all_gone(&[main], main);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_megabytes_of_output_stay_bounded() {
    let s = Scratch::new();
    let method = s.script(
        "flood",
        "yes 'the quick brown fox jumps over the lazy dog, again and again and again, forever' \
         | head -c 100000000\necho >&2 done\n",
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let done = launcher(CgroupMode::Auto)
        .run(request(method, 60 * SECOND), Some(tx))
        .await;
    let elapsed = started.elapsed();
    assert!(done.succeeded(), "{done:?}");
    let out = &done.output;
    assert_eq!(out.total_bytes, 100_000_000 + 5);
    assert!(
        out.text.len() <= rgm_exec::DEFAULT_OUTPUT_LIMIT,
        "{}",
        out.text.len()
    );
    assert!(out.truncated());
    assert!(out.text.ends_with("done\n"), "the tail is kept");
    assert!(out.lines > 1_000_000);
    assert!(out.lines_not_forwarded > 0);
    let mut forwarded = 0;
    while let Ok(line) = rx.try_recv() {
        forwarded += line.text.len();
    }
    assert!(forwarded <= rgm_exec::DEFAULT_FORWARD_LIMIT, "{forwarded}");
    eprintln!("100 MB of output took {elapsed:?}");
    assert!(elapsed < 30 * SECOND, "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_without_newline_is_cut_not_buffered() {
    let s = Scratch::new();
    let method = s.script("flood", "head -c 10000000 /dev/zero | tr '\\0' x\n");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let done = launcher(CgroupMode::Disabled)
        .run(request(method, 60 * SECOND), Some(tx))
        .await;
    assert!(done.succeeded());
    assert_eq!(done.output.total_bytes, 10_000_000);
    let first = rx.try_recv().unwrap();
    assert_eq!(first.text.len(), rgm_exec::output::MAX_LINE);
}

#[tokio::test]
async fn output_is_tagged_and_validate_output_is_kept_whole() {
    let s = Scratch::new();
    let method = s.script(
        "validate",
        "echo 'Port must be a number'\necho 'see the guide' >&2\nprintf 'no newline'\nexit 1\n",
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut req = request(method, 30 * SECOND);
    req.tags = tags("VALIDATE");
    let done = launcher(CgroupMode::Auto).run(req, Some(tx)).await;
    assert_eq!(done.status, MethodStatus::Exited(1));
    let mut lines = Vec::new();
    while let Ok(line) = rx.try_recv() {
        assert_eq!(*line.tags, tags("VALIDATE"));
        lines.push((line.stream, line.text));
    }
    lines.sort();
    assert_eq!(
        lines,
        [
            (Stream::Stdout, "Port must be a number".to_owned()),
            (Stream::Stdout, "no newline".to_owned()),
            (Stream::Stderr, "see the guide".to_owned()),
        ]
    );
    let text = &done.output.text;
    for line in ["Port must be a number\n", "see the guide\n", "no newline\n"] {
        assert!(text.contains(line), "{text:?}");
    }
    assert!(!done.output.truncated());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_methods_at_once() {
    let s = Scratch::new();
    let method = s.script("start", "echo \"$2\"\nsleep 0.2\n");
    let l = launcher(CgroupMode::Auto);
    let started = Instant::now();
    let running: Vec<_> = (0..100)
        .map(|i| {
            let mut req = request(method.clone(), 30 * SECOND);
            req.args = rgm_exec::standard_args(&format!("rs{i}"), "RGM.test:1", "rg1", None);
            l.start(req, None)
        })
        .collect();
    for (i, r) in running.into_iter().enumerate() {
        let done = r.wait().await;
        assert!(done.succeeded(), "{done:?}");
        assert_eq!(done.output.text, format!("rs{i}\n"));
    }
    assert!(started.elapsed() < 20 * SECOND, "{:?}", started.elapsed());
}

fn refused(done: &MethodFinished) -> &Refusal {
    match &done.status {
        MethodStatus::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_file_is_refused_with_a_log_record() {
    let logs = LogCapture::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    let s = Scratch::new();
    let path = s.file("no-such-method");
    let done = launcher(CgroupMode::Disabled)
        .run(request(path.clone(), SECOND), None)
        .await;
    assert_eq!(refused(&done), &Refusal::NotFound { path: path.clone() });
    assert!(!done.succeeded());
    assert_eq!(done.pid, None);
    let records = logs.records();
    let record = records
        .iter()
        .find(|r| r.starts_with("ERROR") && r.contains("refusing to run method"))
        .unwrap_or_else(|| panic!("no refusal record in {records:?}"));
    assert!(record.contains(&path.display().to_string()), "{record}");
    assert!(record.contains("does not exist"), "{record}");
}

#[tokio::test]
async fn a_non_executable_file_is_refused() {
    let s = Scratch::new();
    let path = s.write("start", "#!/bin/sh\nexit 0\n", 0o644);
    let done = launcher(CgroupMode::Disabled)
        .run(request(path, SECOND), None)
        .await;
    assert!(matches!(
        refused(&done),
        Refusal::NotExecutable { mode: 0o644, .. }
    ));
}

#[tokio::test]
async fn a_world_writable_file_is_refused() {
    let s = Scratch::new();
    let path = s.write("start", "#!/bin/sh\nexit 0\n", 0o777);
    let done = launcher(CgroupMode::Disabled)
        .run(request(path.clone(), SECOND), None)
        .await;
    let refusal = refused(&done);
    assert!(matches!(refusal, Refusal::WritableByOthers { .. }));
    assert!(refusal.to_string().contains(&path.display().to_string()));
}

#[tokio::test]
async fn a_file_in_a_world_writable_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = Scratch::new();
    let path = s.script("start", "exit 0\n");
    std::fs::set_permissions(s.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let done = launcher(CgroupMode::Disabled)
        .run(request(path, SECOND), None)
        .await;
    assert!(matches!(refused(&done), Refusal::DirectoryWritable { .. }));
}

#[tokio::test]
async fn a_bad_interpreter_line_is_a_start_failure_that_names_it() {
    let s = Scratch::new();
    let path = s.write("start", "#!/no/such/interpreter\nexit 0\n", 0o755);
    for mode in [CgroupMode::Auto, CgroupMode::Disabled] {
        let l = launcher(mode);
        let done = l.run(request(path.clone(), SECOND), None).await;
        match &done.status {
            MethodStatus::SpawnFailed(failure) => {
                assert_eq!(failure.errno, Some(libc::ENOENT));
                assert_eq!(failure.path, path);
                assert!(failure.reason.contains("/no/such/interpreter"), "{failure}");
                assert!(failure.reason.contains("interpreter"), "{failure}");
                assert!(!failure.reason.contains("disappeared"), "{failure}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            l.uses_cgroups(),
            mode == CgroupMode::Auto && l.cgroup_parent().is_some(),
            "a failing method does not turn cgroups off"
        );
    }
}

/// A file the kernel cannot execute (a script without `#!`) is run by /bin/sh, as execvp(3)
/// does, with cgroups and without.
#[tokio::test]
async fn a_script_without_an_interpreter_line_runs_under_sh() {
    let s = Scratch::new();
    let path = s.write("start", "echo \"sh runs $1\"\n", 0o755);
    for mode in [CgroupMode::Auto, CgroupMode::Disabled] {
        let done = launcher(mode)
            .run(request(path.clone(), 30 * SECOND), None)
            .await;
        assert!(done.succeeded(), "{mode:?}: {done:?}");
        assert_eq!(done.output.text, "sh runs -R\n", "{mode:?}");
    }
}

#[tokio::test]
async fn method_cgroups_do_not_outlive_the_launcher() {
    let s = Scratch::new();
    let method = s.script("start", "cat /proc/$$/cgroup > @D@/cgroup\n");
    let l = launcher(CgroupMode::Auto);
    let Some(parent) = l.cgroup_parent().map(|p| p.to_owned()) else {
        eprintln!("no writable cgroup v2 here; the fallback is covered by the other tests");
        return;
    };
    assert!(l.run(request(method, 30 * SECOND), None).await.succeeded());
    let own = s.read("cgroup");
    let name = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .and_then(|p| p.rsplit('/').next())
        .unwrap()
        .to_owned();
    assert!(name.starts_with("m-"), "{own}");
    drop(l);
    assert!(!parent.join(&name).exists(), "removed with the launcher");
}

/// Where we are root and a cgroup2 file system is mounted read-write (as on the project's test
/// machines), the "with_cgroups" variants above really use cgroups.
#[test]
fn cgroups_are_used_where_writable() {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let rw_cgroup2 = mountinfo.lines().any(|line| {
        let Some((before, after)) = line.split_once(" - ") else {
            return false;
        };
        after.starts_with("cgroup2 ")
            && before
                .split(' ')
                .nth(5)
                .is_some_and(|o| o.split(',').any(|f| f == "rw"))
    });
    let l = launcher(CgroupMode::Auto);
    if nix::unistd::geteuid().is_root() && rw_cgroup2 {
        assert!(l.uses_cgroups());
        let parent = l.cgroup_parent().unwrap();
        assert!(parent.ends_with("rgm-methods"), "{}", parent.display());
    }
    assert!(!launcher(CgroupMode::Disabled).uses_cgroups());
}

#[test]
fn dead_and_alive_helpers_agree_with_proc() {
    assert!(alive(std::process::id()));
    assert!(dead(u32::MAX - 1));
}
