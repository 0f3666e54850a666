//! End-to-end tests of rgm: a fixture boots a real rgmd in a temporary directory (and kills it
//! on Drop), and the tests drive the real command binaries against it.
//!
//! The binaries are those of the workspace's build, found beside the test executable's
//! directory (`<target dir>/<profile>/`, wherever `CARGO_TARGET_DIR` or `--target-dir` put
//! it; `RGM_BIN_DIR` overrides): `cargo test --workspace` and `cargo nextest run --workspace`
//! build every one of them, because every binary's package has tests.

pub mod cluster;
pub mod etcd;
pub mod netns;
pub mod netns_cluster;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binaries the tests need.
pub const BINARIES: &[&str] = &[
    "rgmd",
    "clresourcetype",
    "clresourcegroup",
    "clresource",
    "cllog",
    "scha_cluster_get",
    "scha_resource_get",
    "scha_resource_setstatus",
    "scha_control",
    "rgm-echo-server",
    "scha_resourcegroup_get",
    "rgm-pmf",
    "generic_svc_start",
    "generic_svc_stop",
    "generic_validate",
    "generic_monitor_start",
    "generic_monitor_stop",
    "ocf_svc_start",
    "ocf_svc_stop",
    "ocf_validate",
    "ocf_monitor_start",
    "ocf_monitor_stop",
    "ocf_update",
    "clnode",
    "lh_prenet_start",
    "lh_start",
    "lh_stop",
    "lh_validate",
    "lh_monitor_start",
    "lh_monitor_stop",
];

/// The environment variable that names the directory of the binaries under test, when they
/// are not beside the test executable.
pub const BIN_DIR_ENV: &str = "RGM_BIN_DIR";

/// Where the workspace's binaries are: `$RGM_BIN_DIR`, else the profile directory the test
/// executable was built into (`<target dir>/<profile>/deps/<test>`), which follows
/// `CARGO_TARGET_DIR`.
pub fn bin_dir() -> PathBuf {
    let dir = match std::env::var_os(BIN_DIR_ENV).filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => std::env::current_exe()
            .expect("own path")
            .parent()
            .and_then(Path::parent)
            .expect("<target dir>/<profile>/deps/<test>")
            .to_path_buf(),
    };
    for b in BINARIES {
        assert!(
            dir.join(b).is_file(),
            "{} is missing: build the workspace first (cargo build --workspace --bins), or \
             name the binaries' directory in {BIN_DIR_ENV}",
            dir.join(b).display()
        );
    }
    dir
}

/// A command's result.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A one-node cluster: rgmd in a temporary directory.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub node: String,
    /// Options given to rgmd beyond the node, cluster, state directory and socket.
    pub rgmd_options: Vec<String>,
    /// Environment variables set for rgmd (NOTIFY_SOCKET, JOURNAL_STREAM, ...).
    pub rgmd_env: Vec<(String, String)>,
    /// Where rgmd's stderr goes (a file), instead of the test's stderr.
    pub rgmd_stderr: Option<PathBuf>,
    rgmd: Option<Child>,
}

impl Cluster {
    pub fn start() -> Cluster {
        Cluster::start_with(|_| Vec::new())
    }

    /// Starts rgmd with more options, made from the cluster's directory.
    pub fn start_with(options: impl FnOnce(&Path) -> Vec<String>) -> Cluster {
        let mut c = Cluster::unbooted();
        c.rgmd_options = options(c.dir.path());
        c.boot();
        c
    }

    /// A cluster directory without rgmd: set its options, then [`Cluster::boot`] or
    /// [`Cluster::spawn`].
    pub fn unbooted() -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("run")).unwrap();
        Cluster {
            dir,
            bin: bin_dir(),
            node: "node1".into(),
            rgmd_options: Vec::new(),
            rgmd_env: Vec::new(),
            rgmd_stderr: None,
            rgmd: None,
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("rgmd.sock")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Where test resources keep their pid files and records.
    pub fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// Starts rgmd and waits until it answers.
    pub fn boot(&mut self) {
        self.spawn();
        wait_for("rgmd to answer", Duration::from_secs(30), || {
            self.run("scha_cluster_get", &["-O", "NODENAME_LOCAL"]).code == 0
        });
    }

    /// Starts rgmd without waiting for it.
    pub fn spawn(&mut self) {
        let stderr = match &self.rgmd_stderr {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("rgmd's stderr file")),
            None => Stdio::inherit(),
        };
        let child = Command::new(self.bin.join("rgmd"))
            .args(["--node", &self.node, "--cluster", "e2e", "--state-dir"])
            .arg(self.state_dir())
            .arg("--socket")
            .arg(self.socket())
            .args(&self.rgmd_options)
            .envs(self.rgmd_env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start rgmd");
        self.rgmd = Some(child);
    }

    /// rgmd's process id.
    pub fn pid(&self) -> i32 {
        self.rgmd.as_ref().expect("rgmd running").id() as i32
    }

    /// Whether rgmd is still running (not exited).
    pub fn rgmd_running(&mut self) -> bool {
        self.rgmd
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// kill -9 rgmd (its methods' processes live on, as after a daemon crash).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.rgmd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM rgmd and wait for it; returns its exit code.
    pub fn stop(&mut self) -> i32 {
        kill(self.pid(), "TERM");
        self.stop_wait()
    }

    /// Waits for rgmd to exit (after a signal the test sent); returns its exit code.
    pub fn stop_wait(&mut self) -> i32 {
        let mut c = self.rgmd.take().expect("rgmd running");
        c.wait().expect("wait for rgmd").code().unwrap_or(-1)
    }

    /// Runs a command of rgm against this cluster.
    pub fn run(&self, cmd: &str, args: &[&str]) -> Run {
        self.run_as(cmd, args, None)
    }

    /// Runs a command as another user (uid, gid).
    pub fn run_as(&self, cmd: &str, args: &[&str], user: Option<(u32, u32)>) -> Run {
        let mut c = Command::new(self.bin.join(cmd));
        c.args(args).env("RGM_SOCKET", self.socket());
        if let Some((uid, gid)) = user {
            use std::os::unix::process::CommandExt;
            c.uid(uid).gid(gid);
        }
        c.output()
            .unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"))
            .into()
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, cmd: &str, args: &[&str]) -> String {
        let r = self.run(cmd, args);
        assert_eq!(
            r.code,
            0,
            "`{cmd} {}` failed: {}{}",
            args.join(" "),
            r.stdout,
            r.stderr
        );
        r.stdout
    }

    /// Runs a command that must fail; returns it.
    pub fn fails(&self, cmd: &str, args: &[&str]) -> Run {
        let r = self.run(cmd, args);
        assert_ne!(
            r.code,
            0,
            "`{cmd} {}` should have failed: {}",
            args.join(" "),
            r.stdout
        );
        r
    }

    /// The human cluster log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("cluster.log")).unwrap_or_default()
    }

    /// The stored configuration, as the text of docs/config-format.md (empty when none), read
    /// from the store beside the running rgmd.
    pub fn config_text(&self) -> String {
        let Ok(store) = rgm_store::LocalStore::open_read_only(&self.state_dir()) else {
            return String::new();
        };
        let layout = rgm_store::Layout::local();
        let kvs = store
            .range(&layout.config_prefix())
            .expect("read the store")
            .kvs;
        match layout.load_config(&kvs).expect("a readable configuration") {
            Some(cfg) => rgm_core::serial::to_json(&cfg),
            None => String::new(),
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.kill9();
        // What rgmd made for its methods below the test's cgroup goes too (killed, removed).
        drop(rgm_exec::scratch::ScratchCgroup::of_child_rgmd(
            &self.state_dir(),
        ));
        // The services and probes the tests started record their pids under run/.
        let Ok(entries) = std::fs::read_dir(self.run_dir()) else {
            return;
        };
        for e in entries.flatten() {
            let is_pid_file = e.path().extension().is_some_and(|x| x == "pid");
            let pid = std::fs::read_to_string(e.path())
                .ok()
                .and_then(|p| p.trim().parse::<i32>().ok());
            if let (true, Some(pid)) = (is_pid_file, pid) {
                kill(pid, "KILL");
            }
        }
    }
}

pub fn kill(pid: i32, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Waits for a condition with a deadline (never sleep-and-hope).
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}
