//! Helpers shared by the tests that start real processes.
//!
//! Test callbacks are shell scripts written into a private temporary directory (mode 0700, so
//! the launcher's directory check passes) at mode 0755. They record their pids in files; the
//! tests wait for conditions with deadlines instead of sleeping and hoping.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// A private directory for one test's scripts and records.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Scratch { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Path of a record file in the scratch directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes an executable `#!/bin/sh` script. `@D@` in `body` stands for the scratch
    /// directory.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        self.write(name, &format!("#!/bin/sh\n{body}"), 0o755)
    }

    /// Writes a file with `text` at `mode`; `@D@` stands for the scratch directory.
    ///
    /// A `cat` child writes it, not this process: a test process forks all the time (the
    /// launcher's cgroup path), and a fork that happened while this process held the file open
    /// for writing would keep it "busy" (`ETXTBSY`) until that child's `exec`.
    pub fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        use std::io::Write as _;
        let path = self.file(name);
        let text = text.replace("@D@", &self.path().display().to_string());
        let mut cat = std::process::Command::new("/bin/sh")
            .args(["-c", "cat > \"$1\"", "sh"])
            .arg(&path)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("start cat");
        let mut stdin = cat.stdin.take().expect("cat's stdin");
        stdin.write_all(text.as_bytes()).expect("write script");
        drop(stdin);
        assert!(cat.wait().expect("cat").success());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    }

    /// Waits for a pid file to be written, and reads it.
    pub fn pid(&self, name: &str) -> u32 {
        let path = self.file(name);
        let found = wait_until(Duration::from_secs(10), || {
            std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok())
        });
        found.unwrap_or_else(|| panic!("{} was not written", path.display()))
    }

    /// Like [`pid`](Self::pid), without blocking the runtime.
    pub async fn wait_pid(&self, name: &str) -> u32 {
        let path = self.file(name);
        let found = eventually(Duration::from_secs(10), || {
            std::fs::read_to_string(&path)
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok())
        })
        .await;
        found.unwrap_or_else(|| panic!("{} was not written", path.display()))
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).expect("read record")
    }

    pub fn read_bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.file(name)).expect("read record")
    }
}

/// Polls `check` every 10 ms until it gives `Some`, for at most `within`.
pub fn wait_until<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls `check` every 10 ms on tokio's clock until it gives `Some`, for at most `within`.
pub async fn eventually<T>(within: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The state letter of a process, `None` when it does not exist.
pub fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..].trim_start().chars().next()
}

/// Gone from /proc, or a zombie (it runs nothing any more).
pub fn dead(pid: u32) -> bool {
    matches!(state(pid), None | Some('Z') | Some('X'))
}

pub fn alive(pid: u32) -> bool {
    !dead(pid)
}

/// Asserts that every pid is dead (waiting up to 10 s) and that process group `pgid` is empty:
/// `kill(-pgid, 0)` fails with ESRCH once whoever adopted the orphans has reaped them. Where
/// nobody reaps orphans, members that are all zombies are accepted too.
pub fn assert_all_gone(pids: &[u32], pgid: u32) {
    for &pid in pids {
        assert!(
            wait_until(Duration::from_secs(10), || dead(pid).then_some(())).is_some(),
            "process {pid} of the method survived (state {:?})",
            state(pid)
        );
    }
    let empty = wait_until(Duration::from_secs(10), || {
        (killpg(Pid::from_raw(pgid as i32), None) == Err(Errno::ESRCH)).then_some(())
    });
    if empty.is_none() {
        let live: Vec<u32> = group_members(pgid)
            .into_iter()
            .filter(|&p| alive(p))
            .collect();
        assert!(
            live.is_empty(),
            "process group {pgid} still has live members {live:?}"
        );
    }
}

/// Every process whose process group is `pgid`.
pub fn group_members(pgid: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(close) = stat.rfind(')') else {
            continue;
        };
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if fields.get(2).and_then(|f| f.parse::<u32>().ok()) == Some(pgid) {
            pids.push(pid);
        }
    }
    pids
}

/// Kills a process left running on purpose, and waits for it.
pub fn kill_now(pid: u32) {
    let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
    assert!(wait_until(Duration::from_secs(10), || dead(pid).then_some(())).is_some());
}

/// A tracing subscriber that keeps every event as `LEVEL field=value ...`.
#[derive(Clone, Default)]
pub struct LogCapture {
    pub records: Arc<Mutex<Vec<String>>>,
}

impl LogCapture {
    pub fn records(&self) -> Vec<String> {
        self.records.lock().unwrap().clone()
    }
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl tracing::Subscriber for LogCapture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!("{} ", event.metadata().level()));
        event.record(&mut fields);
        self.records.lock().unwrap().push(fields.0);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// A cgroup v2 directory a test makes for the methods it runs (the launcher's parent), under
/// the test process's own cgroup, killed and removed on drop. `None` where there is no
/// writable cgroup v2 — but where we are root, failing to make it is a test failure, not a
/// skip.
pub struct TestCgroup {
    pub dir: PathBuf,
    _scratch: rgm_exec::scratch::ScratchCgroup,
}

impl TestCgroup {
    pub fn new(name: &str) -> Option<TestCgroup> {
        match rgm_exec::scratch::ScratchCgroup::new(&format!(
            "rgm-test-{}-{name}",
            std::process::id()
        )) {
            Ok(scratch) => Some(TestCgroup {
                dir: scratch.dir().to_owned(),
                _scratch: scratch,
            }),
            Err(e) if nix::unistd::geteuid().is_root() => panic!("{e}"),
            Err(_) => None,
        }
    }

    /// The cgroup a process is in (its `0::` line), `None` when it does not exist.
    pub fn of(pid: u32) -> Option<String> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("0::"))
            .map(str::to_owned)
    }
}

/// The kernel's start time of a process (field 22 of its stat).
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()
}
