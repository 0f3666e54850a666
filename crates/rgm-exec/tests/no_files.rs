//! File descriptors running out (issue 10, finding 3): a method already running is not
//! affected, and one that cannot be started for lack of descriptors is started once there are
//! some again, not reported as failed. A test binary of its own: it lowers the process's
//! RLIMIT_NOFILE, which no other test may share.

mod common;

use std::fs::File;
use std::time::Duration;

use common::{LogCapture, Scratch, wait_until};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rgm_exec::{CgroupMode, Launcher, LauncherConfig, MethodRequest, MethodStatus, MethodTags};

const SECOND: Duration = Duration::from_secs(1);

fn request(path: std::path::PathBuf) -> MethodRequest {
    let tags = MethodTags {
        method: "START".into(),
        resource: "rs1".into(),
        group: "rg1".into(),
        node: "node1".into(),
    };
    MethodRequest::new(path, vec![], 60 * SECOND, tags)
}

/// Descriptors opened on /dev/null until there are none left under a soft limit just above
/// the highest one open now.
fn use_up_descriptors() -> Vec<File> {
    let highest = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap();
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, highest + 1, hard).unwrap();
    let mut held = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => held.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                return held;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_without_descriptors_waits_for_them_and_running_methods_go_on() {
    let log = LogCapture::default();
    tracing::subscriber::set_global_default(log.clone()).unwrap();
    let s = Scratch::new();
    let first = s.script(
        "first",
        "trap 'echo first done; exit 0' USR1\nwhile :; do sleep 0.02; done\n",
    );
    let second = s.script("second", "echo second ran\n");
    let l = Launcher::new(LauncherConfig {
        cgroups: CgroupMode::Auto,
        ..LauncherConfig::default()
    });
    let running = l.start(request(first), None);
    let first_pid = wait_until(10 * SECOND, || running.pid()).expect("the first method starts");
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();

    let held = use_up_descriptors();
    let waiting = l.start(request(second), None);
    let tried = wait_until(10 * SECOND, || {
        log.records()
            .iter()
            .any(|r| r.contains("lack of file descriptors"))
            .then_some(())
    });
    assert!(tried.is_some(), "{:?}", log.records());
    assert_eq!(waiting.pid(), None, "not started without descriptors");

    // The running method is not affected: it ends, and its report is whole.
    kill(Pid::from_raw(first_pid as i32), Signal::SIGUSR1).unwrap();
    let done = running.wait().await;
    assert_eq!(done.status, MethodStatus::Exited(0), "{done:?}");
    assert_eq!(done.output.text, "first done\n");

    // Descriptors come back: the waiting method starts and succeeds.
    drop(held);
    setrlimit(Resource::RLIMIT_NOFILE, soft, hard).unwrap();
    let done = waiting.wait().await;
    assert!(done.succeeded(), "{done:?}");
    assert_eq!(done.output.text, "second ran\n");
    assert!(
        !log.records()
            .iter()
            .any(|r| r.starts_with("ERROR") && r.contains("cannot start")),
        "{:?}",
        log.records()
    );
}
