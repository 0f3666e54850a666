//! `cargo xtask demo`: rgm's main job, end to end, on the embedded store. It builds rgm, starts
//! rgmd in a temporary state directory, registers the example resource type
//! (examples/echo), creates a group of two dependent resources — showing a VALIDATE veto on the
//! way — brings it online, prints `clrg status`, `clrs status` and the cluster log, kills the
//! service to show the monitor restarting it, takes the group offline, and stops rgmd.
//!
//! `--nodes N` shows a cluster instead (`demo_cluster`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{cargo, run, target_dir, workspace_root};

pub fn main(args: &[String]) -> Result<()> {
    if let Some(i) = args.iter().position(|a| a == "--nodes") {
        let n = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .context("--nodes takes a number of nodes")?;
        return crate::demo_cluster::main(n);
    }
    if let Some(other) = args.first() {
        bail!("demo: unknown argument `{other}` (it takes only --nodes N)");
    }
    // One node needs no etcd: without protoc (a fresh machine), rgmd is built without its
    // etcd client.
    let mut build = cargo();
    build.args(["build", "--quiet", "--bins"]);
    if !crate::util::on_path("protoc") {
        build.arg("--no-default-features");
    }
    run(&mut build)?;
    let root = workspace_root();
    // Wherever CARGO_TARGET_DIR (or a config's target-dir) puts the build.
    let bin = target_dir()?.join("debug");
    let dir = std::env::temp_dir().join(format!("rgm-demo-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("run"))?;
    let demo = Demo::start(&bin, &dir)?;
    let result = demo.script(&root);
    demo.stop()?;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

struct Demo {
    bin: PathBuf,
    dir: PathBuf,
    socket: PathBuf,
    rgmd: Child,
}

impl Demo {
    fn start(bin: &Path, dir: &Path) -> Result<Demo> {
        let socket = dir.join("rgmd.sock");
        say(&format!(
            "starting rgmd (state in {})",
            dir.join("state").display()
        ));
        let rgmd = Command::new(bin.join("rgmd"))
            .args(["--node", "node1", "--cluster", "demo", "--state-dir"])
            .arg(dir.join("state"))
            .arg("--socket")
            .arg(&socket)
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start rgmd")?;
        let demo = Demo {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            socket,
            rgmd,
        };
        demo.wait_for("rgmd to listen", || {
            std::os::unix::net::UnixStream::connect(&demo.socket).is_ok()
        })?;
        Ok(demo)
    }

    fn script(&self, root: &Path) -> Result<()> {
        let rtr = root.join("examples/echo/ACME.echo");
        let (p1, p2) = (free_port()?, free_port()?);
        let run_dir = self.dir.join("run");
        let run_dir = run_dir.to_string_lossy();

        self.step(
            "clresourcetype",
            &["register", "-f", &rtr.to_string_lossy()],
        )?;
        self.step("clresourcetype", &["list"])?;
        self.step("clresourcegroup", &["create", "echo-rg"])?;
        say("VALIDATE refuses a port below 1024, and nothing is created:");
        let vetoed = self.cmd(
            "clresource",
            &[
                "create",
                "-g",
                "echo-rg",
                "-t",
                "ACME.echo",
                "-x",
                "Port=80",
                "-x",
                &format!("Run_dir={run_dir}"),
                "echo-db",
            ],
        )?;
        if vetoed {
            bail!("VALIDATE should have refused Port=80");
        }
        let db_port = format!("Port={p1}");
        let app_port = format!("Port={p2}");
        let run_dir_prop = format!("Run_dir={run_dir}");
        self.step(
            "clresource",
            &[
                "create",
                "-g",
                "echo-rg",
                "-t",
                "ACME.echo",
                "-x",
                &db_port,
                "-x",
                &run_dir_prop,
                "-p",
                "Thorough_probe_interval=1",
                "echo-db",
            ],
        )?;
        self.step(
            "clresource",
            &[
                "create",
                "-g",
                "echo-rg",
                "-t",
                "ACME.echo",
                "-x",
                &app_port,
                "-x",
                &run_dir_prop,
                "-p",
                "Thorough_probe_interval=1",
                "-p",
                "Resource_dependencies=echo-db",
                "echo-app",
            ],
        )?;
        self.step("clresourcegroup", &["online", "-M", "echo-rg"])?;
        self.step("clresourcegroup", &["status"])?;
        self.step("clresource", &["status"])?;
        self.show_log("the cluster log so far", 24)?;

        let pidfile = self.dir.join("run/rgm-echo-echo-db.pid");
        let pid = std::fs::read_to_string(&pidfile)
            .with_context(|| format!("cannot read {}", pidfile.display()))?;
        say(&format!(
            "killing the echo-db service (pid {}) behind rgm's back",
            pid.trim()
        ));
        run(Command::new("kill").args(["-KILL", pid.trim()]))?;
        say("its probe notices within Thorough_probe_interval and asks for RESOURCE_RESTART:");
        // Restarted, and the new probe has found the new service answering.
        self.wait_for("echo-db to be restarted by its monitor", || {
            let get = |optag: &str| {
                self.output(
                    "scha_resource_get",
                    &["-O", optag, "-R", "echo-db", "-G", "echo-rg"],
                )
                .unwrap_or_default()
            };
            get("NUM_RESOURCE_RESTARTS")
                .trim()
                .parse::<u32>()
                .unwrap_or(0)
                >= 1
                && get("RESOURCE_STATE").trim() == "ONLINE"
                && get("STATUS").lines().next() == Some("OK")
        })?;
        self.step(
            "scha_resource_get",
            &[
                "-O",
                "NUM_RESOURCE_RESTARTS",
                "-R",
                "echo-db",
                "-G",
                "echo-rg",
            ],
        )?;
        self.step("clresource", &["status"])?;
        self.show_log("the restart in the cluster log", 16)?;

        self.step("clresourcegroup", &["offline", "echo-rg"])?;
        self.step("clresourcegroup", &["status"])?;
        Ok(())
    }

    fn stop(mut self) -> Result<()> {
        say("stopping rgmd (SIGTERM: its groups go offline, then it exits)");
        run(Command::new("kill").args(["-TERM", &self.rgmd.id().to_string()]))?;
        let status = self.rgmd.wait()?;
        if !status.success() {
            bail!("rgmd exited with {status}");
        }
        say("done");
        Ok(())
    }

    /// Runs a command, echoing it and its output; fails when it fails.
    fn step(&self, cmd: &str, args: &[&str]) -> Result<()> {
        if !self.cmd(cmd, args)? {
            bail!("`{cmd} {}` failed", args.join(" "));
        }
        Ok(())
    }

    /// Runs a command, echoing it and its output; returns whether it succeeded.
    fn cmd(&self, cmd: &str, args: &[&str]) -> Result<bool> {
        println!("\n$ {cmd} {}", args.join(" "));
        let status = Command::new(self.bin.join(cmd))
            .args(args)
            .env("RGM_SOCKET", &self.socket)
            .status()
            .with_context(|| format!("cannot run {cmd}"))?;
        Ok(status.success())
    }

    fn output(&self, cmd: &str, args: &[&str]) -> Option<String> {
        let out = Command::new(self.bin.join(cmd))
            .args(args)
            .env("RGM_SOCKET", &self.socket)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn show_log(&self, title: &str, last: usize) -> Result<()> {
        let log = std::fs::read_to_string(self.dir.join("state/cluster.log"))?;
        let lines: Vec<&str> = log.lines().filter(|l| !l.contains("[ID 300200 ")).collect();
        say(&format!(
            "{title} (STATE_DIR/cluster.log, last {last} lines without method output):"
        ));
        for l in &lines[lines.len().saturating_sub(last)..] {
            println!("  {l}");
        }
        Ok(())
    }

    fn wait_for(&self, what: &str, mut cond: impl FnMut() -> bool) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !cond() {
            if Instant::now() > deadline {
                bail!("timed out waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

fn say(text: &str) {
    println!("\n==> {text}");
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
