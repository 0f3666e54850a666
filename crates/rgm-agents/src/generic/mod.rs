//! `RGM.generic`: a command run as a highly available service, after Solaris Cluster's
//! `SUNW.gds` (docs/developing-resource-types.md lists every difference).
//!
//! - START runs `Start_command` (an argv; no shell unless it says `sh -c`) under `rgm-pmf`,
//!   which restarts it when it dies (counted against Retry_count within Retry_interval), and
//!   returns once the service passes its check, or fails before Start_timeout.
//! - STOP runs `Stop_command` if there is one, then sends `Stop_signal` to every process of the
//!   service, then SIGKILL: 80 % and 15 % of Stop_timeout, as SUNW.gds does.
//! - The check (START's readiness and the fault monitor's probe): `Probe_command` exiting 0
//!   within Probe_timeout (201: fail over at once); else, with Network_aware and a Port_list, a
//!   TCP connection to each port; else the service's processes being alive.
//! - VALIDATE checks the commands can be found and runs `Validate_command`; MONITOR_CHECK runs
//!   `Validate_command` on the node a giveover would go to.

mod check;
mod validate;

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use rgm_core::engine::Status;

use crate::args::MethodArgs;
use crate::method::{Ctx, finish, start_monitor, stop_monitor, wait_gone};
use crate::pmf::{Files, Options, parse_signal};
use crate::probe::{Check as _, Health};
pub use check::GenericCheck;

/// The process monitor's tag of the service.
pub const SERVICE_TAG: &str = "svc";

/// START.
pub fn start() -> i32 {
    finish((|| {
        let mut ctx = Ctx::load("generic_svc_start")?;
        let argv = ctx.props.array("Start_command");
        if argv.is_empty() {
            return Err(format!("{}: Start_command is empty", ctx.args.resource));
        }
        let signal_text = ctx
            .props
            .string("Stop_signal")
            .unwrap_or_else(|| "TERM".into());
        let stop_signal = parse_signal(&signal_text)
            .ok_or_else(|| format!("Stop_signal {signal_text} is not a signal"))?;
        let options = Options {
            dir: ctx.dir.clone(),
            tag: SERVICE_TAG.into(),
            retries: ctx.props.int("Retry_count").unwrap_or(2),
            period: Duration::from_secs(
                ctx.props.int("Retry_interval").unwrap_or(370).max(0) as u64
            ),
            level: ctx.props.int("Child_mon_level").unwrap_or(-1),
            stop_signal,
            resource: Some((ctx.args.resource.clone(), ctx.args.group.clone())),
            argv,
        };
        let files = start_monitor(&options)?;
        let budget = ctx.timeout("Start_timeout").mul_f64(0.9);
        let started = Instant::now();
        let mut check = GenericCheck::new(ctx.dir.clone());
        loop {
            match check.check(&ctx.props) {
                Health::Ok(msg) => {
                    ctx.set_status(Status::Ok, &msg);
                    return Ok(format!("{} started: {msg}", ctx.args.resource));
                }
                Health::Busy => {}
                Health::Failed(why)
                | Health::Hard(why)
                | Health::Misconfigured(why)
                | Health::Degraded(why) => {
                    if files.running().is_none() || started.elapsed() >= budget {
                        let t = ctx.timeout("Stop_timeout");
                        let _ = stop_monitor(&files, t.mul_f64(0.8), t.mul_f64(0.15));
                        return Err(format!(
                            "{} did not start within {} s: {why} (service log: {})",
                            ctx.args.resource,
                            budget.as_secs(),
                            files.log.display()
                        ));
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    })())
}

/// STOP.
pub fn stop() -> i32 {
    finish((|| {
        let ctx = Ctx::load("generic_svc_stop")?;
        let files = Files::new(&ctx.dir, SERVICE_TAG);
        let Some(pmf) = files.running() else {
            return Ok(format!("{} is not running", ctx.args.resource));
        };
        let t = ctx.timeout("Stop_timeout");
        let started = Instant::now();
        let stop_command = ctx.props.array("Stop_command");
        if !stop_command.is_empty() {
            // No restarts while the stop command works; the monitor ends with the service.
            let _ = nix::sys::signal::kill(Pid::from_raw(pmf.pid as i32), Signal::SIGUSR1);
            let cmd = crate::run::Command::new("Stop_command", stop_command, t.mul_f64(0.8));
            let f = crate::run::run(&cmd);
            print!("{}", f.output);
            if !f.ok() {
                println!(
                    "Stop_command {}; stopping the service with Stop_signal",
                    f.how
                );
            }
            let left = t.mul_f64(0.8).saturating_sub(started.elapsed());
            if wait_gone(&pmf, left) {
                return Ok(format!("{} stopped by Stop_command", ctx.args.resource));
            }
        }
        let graceful = t.mul_f64(0.8).saturating_sub(started.elapsed());
        stop_monitor(&files, graceful, t.mul_f64(0.15))?;
        Ok(format!("{} stopped", ctx.args.resource))
    })())
}

/// VALIDATE (`-c`/`-u`) and MONITOR_CHECK (the same program, told apart by its arguments).
pub fn validate() -> i32 {
    finish((|| {
        let args = MethodArgs::parse(std::env::args().skip(1))?;
        if args.is_validate() {
            validate::validate(&args)
        } else {
            validate::monitor_check(&args)
        }
    })())
}

/// MONITOR_START, or with `--probe` the fault monitor itself.
pub fn monitor_start() -> i32 {
    if std::env::args().nth(1).as_deref() == Some("--probe") {
        let args = match MethodArgs::parse(std::env::args().skip(2)) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("generic probe: {e}");
                return 2;
            }
        };
        let dir = match crate::statedir::resource_dir(&args.resource) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("generic probe: {e}");
                return 1;
            }
        };
        return crate::probe::run("generic_probe", args, GenericCheck::new(dir));
    }
    crate::method::monitor_start("generic_monitor_start")
}

/// MONITOR_STOP.
pub fn monitor_stop() -> i32 {
    crate::method::monitor_stop("generic_monitor_stop")
}
