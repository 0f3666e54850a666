//! The fault monitor loop of the built-in types (what MONITOR_START leaves running, under its
//! own process monitor): every Thorough_probe_interval seconds it checks the service and acts
//! as Solaris's data service library does:
//!
//! - healthy: Status OK (or DEGRADED) with the check's message;
//! - failed: Status FAULTED with the reason, then `scha_control RESOURCE_RESTART` while the
//!   resource's restarts within Retry_interval (Num_resource_restarts, which also counts the
//!   process monitor's restarts) are below Retry_count, and `GIVEOVER` once they are not — or
//!   at once for a failure that restarting here cannot mend (a hard error);
//! - a GIVEOVER that rgmd refuses (no node can take the group) leaves Status FAULTED with the
//!   reason, and is not asked again within Retry_interval: one request, so one cluster-log
//!   record, per Retry_interval, however short the probe interval. Probing goes on, so a
//!   service that recovers goes back to OK;
//! - Failover_mode LOG_ONLY: Status only, never a request; RESTART_ONLY, or a type's own
//!   "no failover" switch: restarts, never a GIVEOVER;
//! - a configuration error: Status FAULTED and `scha_control RESOURCE_DISABLE` (stopped here,
//!   not failed over).

use std::time::{Duration, Instant};

use rgm_core::config::FailoverMode;
use rgm_core::engine::{ControlTag, Status};

use crate::args::MethodArgs;
use crate::method::Ctx;
use crate::props::ResourceProps;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Healthy; the message goes to Status_msg.
    Ok(String),
    /// Running but impaired: Status DEGRADED, nothing done.
    Degraded(String),
    /// Failed: restart, then give over.
    Failed(String),
    /// Failed in a way a restart here cannot mend: give over at once.
    Hard(String),
    /// Misconfigured: stop it here (RESOURCE_DISABLE), no failover.
    Misconfigured(String),
    /// Nothing to say this time (the service is being restarted by its process monitor).
    Busy,
}

/// A type's check of its service.
pub trait Check {
    fn check(&mut self, props: &ResourceProps) -> Health;
    /// Whether a GIVEOVER may be asked for (RGM.generic's Failover_enabled).
    fn failover_allowed(&self, _props: &ResourceProps) -> bool {
        true
    }
}

/// What the loop remembers between checks.
#[derive(Debug, Default)]
pub struct Memory {
    /// When rgmd last refused a GIVEOVER.
    pub refused_at: Option<Instant>,
}

/// Runs the loop for the resource of `args` until killed. Returns only if rgmd cannot be
/// reached at the start.
pub fn run(who: &str, args: MethodArgs, mut check: impl Check) -> i32 {
    let mut ctx = match Ctx::for_args(who, args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{who}: {e}");
            return 1;
        }
    };
    let mut memory = Memory::default();
    loop {
        let interval = ctx
            .props
            .int("Thorough_probe_interval")
            .unwrap_or(60)
            .max(1);
        std::thread::sleep(Duration::from_secs(interval as u64));
        if ctx.refresh().is_err() {
            // rgmd closes a connection left idle longer than its --idle-timeout: connect again.
            match Ctx::for_args(who, ctx.args.clone()) {
                Ok(c) => ctx = c,
                Err(e) => {
                    eprintln!("{who}: {e}");
                    continue;
                }
            }
        }
        let health = check.check(&ctx.props);
        react(&mut ctx, &mut memory, &check, health);
    }
}

/// Acts on one check's result.
pub fn react(ctx: &mut Ctx, memory: &mut Memory, check: &dyn Check, health: Health) {
    let (group, resource) = (ctx.args.group.clone(), ctx.args.resource.clone());
    let (reason, hard) = match health {
        Health::Busy => return,
        Health::Ok(msg) => return ctx.set_status(Status::Ok, &msg),
        Health::Degraded(msg) => return ctx.set_status(Status::Degraded, &msg),
        Health::Misconfigured(msg) => {
            let text = format!("{msg}; configuration error: stopped here, not failed over");
            ctx.set_status(Status::Faulted, &text);
            println!("{resource}: {text}");
            if let Err(e) = ctx
                .rgm
                .control(ControlTag::ResourceDisable, &group, &resource)
            {
                ctx.set_status(
                    Status::Faulted,
                    &format!("{msg}; RESOURCE_DISABLE refused: {e}"),
                );
            }
            return;
        }
        Health::Failed(msg) => (msg, false),
        Health::Hard(msg) => (msg, true),
    };
    let props = &ctx.props;
    let mode = props.failover_mode();
    if mode == FailoverMode::LogOnly {
        let text = format!("{reason} (Failover_mode LOG_ONLY: not restarted)");
        return ctx.set_status(Status::Faulted, &text);
    }
    let retry_count = props.int("Retry_count").unwrap_or(2);
    let retry_interval = props.int("Retry_interval").unwrap_or(300).max(0) as u64;
    let restarts = props.restarts();
    if !hard && (retry_count < 0 || restarts < retry_count) {
        ctx.set_status(Status::Faulted, &format!("{reason}; restarting"));
        println!("{resource}: {reason}; asking for a restart");
        if let Err(e) = ctx
            .rgm
            .control(ControlTag::ResourceRestart, &group, &resource)
        {
            ctx.set_status(Status::Faulted, &format!("{reason}; restart refused: {e}"));
        }
        return;
    }
    let why_not = if mode == FailoverMode::RestartOnly {
        Some("Failover_mode is RESTART_ONLY".to_string())
    } else if !check.failover_allowed(props) {
        Some("Failover_enabled is FALSE".to_string())
    } else {
        None
    };
    let used_up = if hard {
        "a restart here cannot mend it".to_string()
    } else {
        format!("restarted {restarts} time(s) within Retry_interval (Retry_count {retry_count})")
    };
    if let Some(why) = why_not {
        let text = format!("{reason}; {used_up}; not failed over: {why}");
        return ctx.set_status(Status::Faulted, &text);
    }
    let window = Duration::from_secs(retry_interval);
    if memory.refused_at.is_some_and(|t| t.elapsed() < window) {
        // Asked within Retry_interval already: the status says why it stays here.
        return;
    }
    println!("{resource}: {reason}; {used_up}; asking for a giveover");
    match ctx.rgm.control(ControlTag::Giveover, &group, &resource) {
        Ok(()) => {}
        Err(e) => {
            memory.refused_at = Some(Instant::now());
            let text = format!("{reason}; {used_up}; giveover refused: {e}");
            println!("{resource}: {text}");
            ctx.set_status(Status::Faulted, &text);
        }
    }
}
