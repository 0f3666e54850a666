//! One node of a chaos run: rgmd in a cgroup of its own (so that everything it starts can be
//! counted and, at the end, killed), its state directory, and the commands run against it.
//! Dropping it kills rgmd and everything in the cgroup and removes the cgroup; the run's
//! directory is removed too unless it is kept (a failed run's, for a look at its state and log).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rgm_exec::scratch::ScratchCgroup;

/// How long rgmd may take to answer after a start.
const BOOT_LIMIT: Duration = Duration::from_secs(30);

/// A command's result.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub struct Node {
    /// The run's directory: `state/`, `run/` (the type's records), `type/` (its copy of
    /// tests/chaos), rgmd's stderr.
    pub dir: PathBuf,
    bin: PathBuf,
    cgroup: ScratchCgroup,
    rgmd: Option<Child>,
    /// Keep `dir` when dropped.
    pub keep: bool,
}

impl Node {
    /// A node for run `name`: its directory and cgroup (rgmd is not started yet).
    pub fn new(bin: &Path, name: &str) -> Result<Node> {
        let dir = std::env::temp_dir().join(format!("rgm-chaos-{}-{name}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(dir.join("run"))?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        let cgroup = ScratchCgroup::new(&format!("rgm-chaos-{}-{name}", std::process::id()))
            .map_err(|e| {
                anyhow::anyhow!("the chaos harness runs rgmd in a cgroup of its own: {e}")
            })?;
        Ok(Node {
            dir,
            bin: bin.to_path_buf(),
            cgroup,
            rgmd: None,
            keep: false,
        })
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("rgmd.sock")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.join("state")
    }

    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// Starts rgmd in the node's cgroup and waits until it answers. An rgmd that exits
    /// instead (a store it cannot load) is an error with its stderr.
    pub fn start(&mut self) -> Result<()> {
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("rgmd.stderr"))?;
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "echo $$ > {}/cgroup.procs || exit 97; exec \"$0\" \"$@\"",
                self.cgroup.dir().display()
            ))
            .arg(self.bin.join("rgmd"))
            .args(["--node", "node1", "--cluster", "chaos", "--state-dir"])
            .arg(self.state_dir())
            .arg("--socket")
            .arg(self.socket())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .context("cannot start rgmd")?;
        self.rgmd = Some(child);
        let deadline = Instant::now() + BOOT_LIMIT;
        loop {
            if let Some(status) = self.rgmd.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                self.rgmd = None;
                bail!(
                    "rgmd exited at start with {status}: {}",
                    tail(&self.dir.join("rgmd.stderr"), 5)
                );
            }
            if self.run("scha_cluster_get", &["-O", "NODENAME_LOCAL"]).code == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("rgmd did not answer within {BOOT_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// kill -9 rgmd; what it started lives on.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.rgmd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A command of rgm against this node.
    pub fn command(&self, cmd: &str, args: &[String]) -> Command {
        let mut c = Command::new(self.bin.join(cmd));
        c.args(args)
            .env("RGM_SOCKET", self.socket())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Runs a command to its end.
    pub fn run(&self, cmd: &str, args: &[&str]) -> Output {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        match self.command(cmd, &args).output() {
            Ok(o) => Output {
                code: o.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            },
            Err(e) => Output {
                code: -1,
                stdout: String::new(),
                stderr: format!("cannot run {cmd}: {e}"),
            },
        }
    }

    /// Runs a command that must succeed; its stdout.
    pub fn ok(&self, cmd: &str, args: &[&str]) -> Result<String> {
        let o = self.run(cmd, args);
        if o.code != 0 {
            bail!(
                "`{cmd} {}` failed ({}): {}",
                args.join(" "),
                o.code,
                o.stderr.trim()
            );
        }
        Ok(o.stdout)
    }

    /// Every process in the node's cgroup, with its command line (NULs as spaces).
    pub fn processes(&self) -> Vec<(u32, String)> {
        self.cgroup
            .processes()
            .into_iter()
            .filter_map(|pid| {
                let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
                let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                Some((pid, text))
            })
            .collect()
    }

    /// The last lines of the cluster log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.state_dir().join("cluster.log"), lines)
    }
}

impl Drop for Node {
    /// rgmd, then everything in the cgroup (which goes with the node), then the directory.
    fn drop(&mut self) {
        self.kill9();
        if let Err(e) = self.cgroup.kill() {
            eprintln!("chaos: {e}");
        }
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The last `n` lines of a file.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
