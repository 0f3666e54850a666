//! What every method of a built-in type does first (read its command line, connect to rgmd,
//! take the resource's properties) and the process monitors it starts and stops.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use rgm_core::engine::Status;
use rgm_exec::os::{ChildOutput, OsChild as _, ProcessOs as _, SpawnSpec};

use crate::args::MethodArgs;
use crate::client::Rgm;
use crate::pmf::{Files, Options};
use crate::props::ResourceProps;

/// A method's context: its arguments, its connection to rgmd and the resource.
#[derive(Debug)]
pub struct Ctx {
    pub args: MethodArgs,
    pub rgm: Rgm,
    pub props: ResourceProps,
    /// The resource's state directory.
    pub dir: PathBuf,
}

impl Ctx {
    /// Reads argv, connects to rgmd and reads the resource. `who` names the method.
    pub fn load(who: &str) -> Result<Ctx, String> {
        let args = MethodArgs::parse(std::env::args().skip(1))?;
        Ctx::for_args(who, args)
    }

    pub fn for_args(who: &str, args: MethodArgs) -> Result<Ctx, String> {
        let mut rgm = Rgm::connect(who).map_err(|e| e.to_string())?;
        let view = rgm
            .resource_view(&args.resource)
            .map_err(|e| e.to_string())?;
        let props = ResourceProps::new(view, &args.resource)?;
        let dir = crate::statedir::resource_dir(&args.resource)
            .map_err(|e| format!("state directory of {}: {e}", args.resource))?;
        Ok(Ctx {
            args,
            rgm,
            props,
            dir,
        })
    }

    /// Reads the resource again.
    pub fn refresh(&mut self) -> Result<(), String> {
        let view = self
            .rgm
            .resource_view(&self.args.resource)
            .map_err(|e| e.to_string())?;
        self.props = ResourceProps::new(view, &self.args.resource)?;
        Ok(())
    }

    /// Sets the resource's Status on this node, unless it already is that.
    pub fn set_status(&mut self, status: Status, message: &str) {
        let current = self
            .props
            .view
            .resource_on(&self.args.resource, self.props.node())
            .map(|x| (x.status, x.status_msg.clone()));
        if current == Some((status, message.to_string())) {
            return;
        }
        let (g, r) = (self.args.group.clone(), self.args.resource.clone());
        if let Err(e) = self.rgm.set_status(&g, &r, status, message) {
            eprintln!("cannot set the status of {r}: {e}");
        }
    }

    /// A method timeout of this resource.
    pub fn timeout(&self, property: &str) -> Duration {
        Duration::from_secs(self.props.int(property).unwrap_or(3600).max(1) as u64)
    }
}

/// Runs a method body: prints its message (rgmd logs a method's output) and returns the exit
/// status, 0 for `Ok`.
pub fn finish(result: Result<String, String>) -> i32 {
    match result {
        Ok(msg) => {
            if !msg.is_empty() {
                println!("{msg}");
            }
            0
        }
        Err(msg) => {
            println!("{msg}");
            1
        }
    }
}

/// Starts `rgm-pmf` with `options`, detached (its own process group; it outlives the method),
/// unless a monitor for the tag already runs. Returns the monitor's files.
pub fn start_monitor(options: &Options) -> Result<Files, String> {
    let files = Files::new(&options.dir, &options.tag);
    if files.running().is_some() {
        return Ok(files);
    }
    let _ = std::fs::remove_file(&files.state);
    let pmf = crate::run::bin_dir()
        .map(|d| d.join("rgm-pmf"))
        .filter(|p| p.is_file())
        .ok_or("rgm-pmf is not installed beside this program")?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&files.log)
        .map_err(|e| format!("{}: {e}", files.log.display()))?;
    let err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", files.log.display()))?;
    let spec = SpawnSpec {
        program: pmf,
        args: options.to_args().into_iter().map(Into::into).collect(),
        env: Some(crate::run::env(&[]).vars()),
        cwd: Some(PathBuf::from("/")),
        null_stdin: true,
        output: ChildOutput::Pipes {
            stdout: log.into(),
            stderr: err.into(),
        },
        cgroup: None,
        parent_death_signal: None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(async { rgm_exec::RealOs.spawn(spec).map(|c| c.pid()) })
        .map_err(|e| format!("cannot start rgm-pmf: {e}"))?;
    // It writes its pid file once it holds its lock.
    let deadline = Instant::now() + Duration::from_secs(10);
    while files.running().is_none() {
        if Instant::now() > deadline {
            return Err(format!(
                "rgm-pmf did not start (see {})",
                files.log.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(files)
}

/// Stops a monitor and what it runs: `SIGTERM` (the monitor sends its stop signal to the whole
/// service), SIGKILL to the service after `graceful`, and if the monitor is still there after
/// `hard` more, SIGKILL to it and to everything below it. `Ok` once nothing of it is left.
pub fn stop_monitor(files: &Files, graceful: Duration, hard: Duration) -> Result<(), String> {
    let Some(pmf) = files.running() else {
        return Ok(());
    };
    let pid = Pid::from_raw(pmf.pid as i32);
    let _ = nix::sys::signal::kill(pid, Signal::SIGTERM);
    if wait_gone(&pmf, graceful) {
        return Ok(());
    }
    let _ = nix::sys::signal::kill(pid, Signal::SIGUSR2);
    if wait_gone(&pmf, hard) {
        return Ok(());
    }
    let left = rgm_exec::tree::descendants(pmf.pid);
    let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
    for m in &left {
        let _ = nix::sys::signal::kill(Pid::from_raw(m.pid as i32), Signal::SIGKILL);
    }
    let _ = std::fs::remove_file(&files.pid);
    Err(format!(
        "the process monitor {} did not stop; it and {} process(es) below it were killed",
        pmf.pid,
        left.len()
    ))
}

/// Waits until the recorded process has ended, at most `limit`.
pub fn wait_gone(p: &crate::statedir::Recorded, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while p.alive() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The fault monitor's process monitor: restarts the probe `Monitor_retry_count` times within
/// `Monitor_retry_interval` minutes, like Solaris's PMF does for fault monitors.
pub fn probe_options(ctx: &Ctx, probe_argv: Vec<String>) -> Options {
    Options {
        dir: ctx.dir.clone(),
        tag: "probe".into(),
        retries: ctx.props.int("Monitor_retry_count").unwrap_or(4),
        period: Duration::from_secs(
            (ctx.props.int("Monitor_retry_interval").unwrap_or(2).max(0) as u64) * 60,
        ),
        level: -1,
        stop_signal: Signal::SIGTERM,
        resource: None,
        argv: probe_argv,
    }
}

/// MONITOR_START of a type whose probe is this program run with `--probe`.
pub fn monitor_start(who: &str) -> i32 {
    finish((|| {
        let ctx = Ctx::load(who)?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut argv = vec![exe.display().to_string(), "--probe".to_string()];
        argv.extend(ctx.args.standard());
        let files = start_monitor(&probe_options(&ctx, argv))?;
        Ok(format!(
            "fault monitor of {} started (log: {})",
            ctx.args.resource,
            files.log.display()
        ))
    })())
}

/// MONITOR_STOP: stops the fault monitor.
pub fn monitor_stop(who: &str) -> i32 {
    finish((|| {
        let ctx = Ctx::load(who)?;
        let files = Files::new(&ctx.dir, "probe");
        let t = ctx.timeout("Monitor_stop_timeout");
        stop_monitor(&files, t.mul_f64(0.5), t.mul_f64(0.3))?;
        Ok(String::new())
    })())
}
