//! Each behaviour of a start, on both ways of starting: `clone3` (where this kernel has it, it
//! must be the one in use) and the fork fallback.

use std::ffi::OsString;
use std::io::Read as _;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};

use super::probe::{born_alive, probe_killed_cgroup};
use super::*;
use crate::os::{ChildOutput, ExitKind, OsChild, SpawnSpec};
use crate::scratch::ScratchCgroup;

#[derive(Debug, Clone, Copy)]
enum Way {
    Clone3,
    Fork,
}

const WAYS: [Way; 2] = [Way::Clone3, Way::Fork];

fn clone3_expected() -> bool {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    raw::CLONE3 && at_least(&release, (5, 7))
}

fn start(way: Way, spec: SpawnSpec) -> io::Result<RealChild> {
    match way {
        Way::Clone3 => match spawn_cloned(&spec) {
            Ok(started) => started,
            Err(Unusable(e)) => panic!("clone3 refused on this kernel: {e}"),
        },
        Way::Fork => spawn_forked(spec),
    }
}

/// The ways this machine can start processes: `clone3` only where its kernel has it.
fn ways() -> Vec<Way> {
    WAYS.into_iter()
        .filter(|w| !matches!(w, Way::Clone3) || clone3_expected())
        .collect()
}

fn spec(program: &str, args: &[&str]) -> SpawnSpec {
    SpawnSpec {
        program: PathBuf::from(program),
        args: args.iter().map(OsString::from).collect(),
        env: Some(vec![("PATH".into(), "/usr/bin:/bin".into())]),
        cwd: Some(PathBuf::from("/")),
        null_stdin: true,
        output: ChildOutput::Inherit,
        cgroup: None,
        parent_death_signal: None,
    }
}

/// Gives `spec` pipes for stdout and stderr; returns their read ends.
fn piped(spec: &mut SpawnSpec) -> (OwnedFd, OwnedFd) {
    let (out_r, out_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
    spec.output = ChildOutput::Pipes {
        stdout: out_w,
        stderr: err_w,
    };
    (out_r, err_r)
}

fn read_all(fd: OwnedFd) -> String {
    let mut text = String::new();
    File::from(fd).read_to_string(&mut text).unwrap();
    text
}

/// Runs `spec` to its end: (exit, stdout, stderr).
async fn run(way: Way, mut spec: SpawnSpec) -> (ExitKind, String, String) {
    let (out, err) = piped(&mut spec);
    let mut child = start(way, spec).unwrap_or_else(|e| panic!("{way:?}: {e}"));
    let exit = child.wait().await.unwrap();
    (exit, read_all(out), read_all(err))
}

/// Writes an executable file through a child (see `tests/common`: a file this process held
/// open for writing while another test's child was being started would be busy at `exec`).
fn executable(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let status = std::process::Command::new("/bin/sh")
        .args([
            "-c",
            "printf '%s' \"$1\" > \"$2\" && chmod 755 \"$2\"",
            "sh",
        ])
        .arg(text)
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    path
}

fn scratch_cgroup(tag: &str) -> ScratchCgroup {
    let name = format!("rgm-spawn-{tag}-{}", std::process::id());
    ScratchCgroup::new(&name).expect("these tests run as root with a writable cgroup v2")
}

/// The cgroup v2 path of a process (the `0::` line of its `/proc/PID/cgroup`).
fn cgroup_of(pid: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap()
        .to_string()
}

fn relative_cgroup(dir: &Path) -> String {
    let own = crate::cgroup::own_dir().unwrap();
    let mine = cgroup_of("self");
    let below = dir.strip_prefix(&own).unwrap();
    Path::new(&mine).join(below).display().to_string()
}

/// Kills a test's process when dropped, should the test fail before it ends.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.0 as i32), Signal::SIGKILL);
    }
}

#[test]
fn clone3_is_the_way_where_the_kernel_has_it() {
    assert_eq!(clone3_in_use(), clone3_expected());
    assert!(at_least("5.7.0", (5, 7)));
    assert!(at_least("6.1.0-13-amd64", (5, 7)));
    assert!(!at_least("5.4.0-150-generic", (5, 7)));
    assert!(!at_least("4.19.1", (5, 7)));
}

#[tokio::test]
async fn argv_environment_cwd_and_null_stdin() {
    for way in ways() {
        let mut s = spec(
            "/bin/sh",
            &[
                "-c",
                "printf '%s|' \"$0\" \"$1\" \"$PWD\" \"$RGM_X\" \"$(readlink /proc/self/fd/0)\"; env | wc -l",
                "zero",
                "one two",
            ],
        );
        s.env = Some(vec![
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("RGM_X".into(), "a b=c".into()),
        ]);
        s.cwd = Some(PathBuf::from("/tmp"));
        let (exit, out, err) = run(way, s).await;
        assert_eq!(exit, ExitKind::Code(0), "{way:?}: {err}");
        // sh adds PWD, SHLVL and _ to the two variables given.
        let (fields, count) = out.rsplit_once('|').unwrap();
        assert_eq!(fields, "zero|one two|/tmp|a b=c|/dev/null", "{way:?}");
        assert!(
            count.trim().parse::<u32>().unwrap() <= 5,
            "{way:?}: {count}"
        );
    }
}

#[tokio::test]
async fn inherited_environment_and_path_search() {
    for way in ways() {
        // A bare name is looked up on the PATH the program gets...
        let mut s = spec("sh", &["-c", "echo found; exit 3"]);
        s.env = Some(vec![("PATH".into(), "/nonexistent:/usr/bin:/bin".into())]);
        let (exit, out, _) = run(way, s).await;
        assert_eq!(
            (exit, out.as_str()),
            (ExitKind::Code(3), "found\n"),
            "{way:?}"
        );
        // ...or on ours, with our environment, when it gets ours.
        let mut s = spec("sh", &["-c", "test -n \"$PATH\" && echo inherited"]);
        s.env = None;
        let (exit, out, _) = run(way, s).await;
        assert_eq!(
            (exit, out.as_str()),
            (ExitKind::Code(0), "inherited\n"),
            "{way:?}"
        );
        let missing = start(way, spec("rgm-no-such-program", &[])).unwrap_err();
        assert_eq!(missing.raw_os_error(), Some(libc::ENOENT), "{way:?}");
    }
}

#[tokio::test]
async fn own_process_group_in_our_session() {
    for way in ways() {
        let mut s = spec("/bin/cat", &["/proc/self/stat"]);
        let (out, _err) = piped(&mut s);
        let mut child = start(way, s).unwrap();
        let pid = child.pid();
        assert_eq!(child.wait().await.unwrap(), ExitKind::Code(0));
        let stat = read_all(out);
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let (pgrp, session): (u32, u32) = (fields[2].parse().unwrap(), fields[3].parse().unwrap());
        assert_eq!(pgrp, pid, "{way:?}: its own process group");
        let ours = nix::unistd::getsid(None).unwrap().as_raw() as u32;
        assert_eq!(session, ours, "{way:?}: our session, not one of its own");
    }
}

#[tokio::test]
async fn signal_mask_kept_and_sigpipe_default() {
    for way in ways() {
        let mut blocked = SigSet::empty();
        blocked.add(Signal::SIGUSR1);
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&blocked), None).unwrap();
        let mut s = spec("/bin/cat", &["/proc/self/status"]);
        s.parent_death_signal = Some(Signal::SIGKILL);
        let (exit, out, _) = run(way, s).await;
        pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&blocked), None).unwrap();
        assert_eq!(exit, ExitKind::Code(0));
        let field = |name: &str| {
            let line = out.lines().find(|l| l.starts_with(name)).unwrap();
            u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
        };
        // The starting thread's mask, as std's Command keeps it.
        let usr1 = 1u64 << (libc::SIGUSR1 - 1);
        assert_eq!(field("SigBlk:"), usr1, "{way:?}: the thread's mask");
        let sigpipe = 1u64 << (libc::SIGPIPE - 1);
        assert_eq!(
            field("SigIgn:") & sigpipe,
            0,
            "{way:?}: SIGPIPE not ignored"
        );
    }
}

#[tokio::test]
async fn born_in_its_cgroup_with_its_children() {
    for way in ways() {
        let cgroup = scratch_cgroup(&format!("{way:?}").to_lowercase());
        let expected = relative_cgroup(cgroup.dir());
        let before = cgroup_of("self");
        // Its first look at itself, and its child's.
        let mut s = spec(
            "/bin/sh",
            &["-c", "cat /proc/self/cgroup; sh -c 'cat /proc/self/cgroup'"],
        );
        s.cgroup = Some(cgroup.dir().to_owned());
        let (exit, out, err) = run(way, s).await;
        assert_eq!(exit, ExitKind::Code(0), "{way:?}: {err}");
        let seen: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("0::")).collect();
        assert_eq!(seen, [expected.as_str(); 2], "{way:?}");
        // As soon as the start returns, it is there; we are not.
        let mut s = spec("/bin/sleep", &["30"]);
        s.cgroup = Some(cgroup.dir().to_owned());
        let mut child = start(way, s).unwrap();
        let sleeper = KillOnDrop(child.pid());
        assert_eq!(cgroup_of(&child.pid().to_string()), expected, "{way:?}");
        assert_eq!(
            cgroup_of("self"),
            before,
            "{way:?}: the parent stays where it was"
        );
        drop(sleeper);
        assert_eq!(child.wait().await.unwrap(), ExitKind::Signal(libc::SIGKILL));
    }
}

#[tokio::test]
async fn a_cgroup_that_cannot_take_it_fails_the_start() {
    for way in ways() {
        let mut s = spec("/bin/true", &[]);
        s.cgroup = Some(PathBuf::from("/proc/self"));
        assert!(start(way, s).is_err(), "{way:?}: not a cgroup");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn parent_death_signal_when_the_starting_thread_ends() {
    for way in ways() {
        let runtime = tokio::runtime::Handle::current();
        let starter = std::thread::spawn(move || {
            let _entered = runtime.enter();
            let mut s = spec("/bin/sleep", &["30"]);
            s.parent_death_signal = Some(Signal::SIGKILL);
            start(way, s).unwrap()
        });
        let mut child = starter.join().unwrap();
        let _sleeper = KillOnDrop(child.pid());
        let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .expect("the child of a thread that ended gets its signal")
            .unwrap();
        assert_eq!(exit, ExitKind::Signal(libc::SIGKILL), "{way:?}");
    }
}

#[tokio::test]
async fn exec_failures_come_back_with_their_errno() {
    let dir = tempfile::tempdir().unwrap();
    let not_executable = dir.path().join("plain");
    std::fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    let bad_interpreter = executable(dir.path(), "bad", "#!/rgm/no/such/interpreter\n");
    for way in ways() {
        let cases = [
            (spec("/rgm/no/such/file", &[]), libc::ENOENT),
            (spec(not_executable.to_str().unwrap(), &[]), libc::EACCES),
            (spec("/tmp", &[]), libc::EACCES),
            (spec(bad_interpreter.to_str().unwrap(), &[]), libc::ENOENT),
        ];
        for (s, errno) in cases {
            let program = s.program.clone();
            let e = start(way, s).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(errno), "{way:?} {program:?}: {e}");
        }
        // A failure of the set-up before exec, too.
        let mut s = spec("/bin/true", &[]);
        s.cwd = Some(PathBuf::from("/rgm/no/such/dir"));
        let e = start(way, s).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT), "{way:?}: {e}");
    }
}

#[tokio::test]
async fn a_file_without_a_format_is_run_by_sh() {
    let dir = tempfile::tempdir().unwrap();
    let script = executable(dir.path(), "noshebang", "echo \"run by sh: $0 $1\"\n");
    for way in ways() {
        let (exit, out, err) = run(way, spec(script.to_str().unwrap(), &["arg1"])).await;
        assert_eq!(exit, ExitKind::Code(0), "{way:?}: {err}");
        assert_eq!(
            out,
            format!("run by sh: {} arg1\n", script.display()),
            "{way:?}"
        );
    }
}

#[tokio::test]
async fn exit_codes_and_signals() {
    for way in ways() {
        let (exit, _, _) = run(way, spec("/bin/sh", &["-c", "exit 7"])).await;
        assert_eq!(exit, ExitKind::Code(7), "{way:?}");
        let (exit, _, _) = run(way, spec("/bin/sh", &["-c", "kill -TERM $$"])).await;
        assert_eq!(exit, ExitKind::Signal(libc::SIGTERM), "{way:?}");
        // Waiting again gives the same answer.
        let mut child = start(way, spec("/bin/true", &[])).unwrap();
        assert_eq!(child.wait().await.unwrap(), ExitKind::Code(0));
        assert_eq!(child.wait().await.unwrap(), ExitKind::Code(0));
    }
}

#[tokio::test]
async fn a_dropped_child_is_reaped_when_it_ends() {
    for way in ways() {
        let child = start(way, spec("/bin/sleep", &["0.05"])).unwrap();
        let pid = child.pid();
        drop(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while crate::procfs::stat(pid).is_some() {
            assert!(Instant::now() < deadline, "{way:?}: {pid} not reaped");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[tokio::test]
async fn a_cgroup_killed_before_takes_new_processes() {
    for way in ways() {
        let cgroup = scratch_cgroup(&format!("killed-{way:?}").to_lowercase());
        assert!(crate::cgroup::kill(cgroup.dir()).unwrap(), "cgroup.kill");
        let mut s = spec("/bin/sh", &["-c", "exit 5"]);
        s.cgroup = Some(cgroup.dir().to_owned());
        let (exit, _, err) = run(way, s).await;
        assert_eq!(exit, ExitKind::Code(5), "{way:?}: {err}");
    }
}

#[test]
fn the_probe_finds_the_kernel_that_kills_children_born_into_killed_cgroups() {
    if !clone3_expected() {
        // Nothing here is used without clone3.
        assert!(!clone3_in_use());
        return;
    }
    // What the probe looks for, seen directly: born into a cgroup killed once (this test's
    // own cgroup never was).
    let killed = scratch_cgroup("probe-check");
    assert!(crate::cgroup::kill(killed.dir()).unwrap(), "cgroup.kill");
    let lives = born_alive(killed.dir());
    drop(killed);
    let near = scratch_cgroup("probe-near");
    assert_eq!(probe_killed_cgroup(&near.dir().join("x")), lives);
    assert_eq!(born_in_cgroup(&near.dir().join("x")), lives);
}

#[tokio::test]
async fn a_clone_can_join_its_cgroup_before_exec() {
    if !clone3_expected() {
        // Nothing here is used without clone3.
        assert!(!clone3_in_use());
        return;
    }
    let cgroup = scratch_cgroup("join");
    let procs = OpenOptions::new()
        .write(true)
        .open(cgroup.dir().join("cgroup.procs"))
        .unwrap();
    let argv = [
        CString::from(c"/bin/cat"),
        CString::from(c"/proc/self/cgroup"),
    ];
    let (out_r, out_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
    let request = raw::ExecRequest {
        candidates: &argv[..1],
        argv: &argv,
        envp: &[],
        cwd: None,
        stdio: [None, Some(out_w.as_raw_fd()), None],
        cgroup: None,
        cgroup_procs: Some(procs.as_raw_fd()),
        death_signal: None,
    };
    let raw::Cloned::Started(_, pidfd) = raw::clone_exec(&request) else {
        panic!("not started");
    };
    drop(out_w);
    assert_eq!(
        raw::wait(pidfd.as_fd(), true).unwrap(),
        Some(ExitKind::Code(0))
    );
    let out = read_all(out_r);
    let expected = relative_cgroup(cgroup.dir());
    assert_eq!(
        out.lines().find_map(|l| l.strip_prefix("0::")),
        Some(expected.as_str())
    );
}
