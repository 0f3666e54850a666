//! `RGM.LogicalHostname`: network addresses that move with their group, after Solaris
//! Cluster's `SUNW.LogicalHostname` (docs/events.md). A network address resource
//! (`Sysdefined_type = LOGICAL_HOSTNAME`): with Implicit_network_dependencies the group's other
//! resources start after it and stop before it, and Network_resources_used names it.
//!
//! - PRENET_START, as Solaris plumbs its addresses before any START: adds each address
//!   ([`plan`]) through netlink ([`netlink`]; IPv6 with `IFA_F_NODAD`), records it as held
//!   ([`held`], for the fail-fast), runs the node's `takeip IFACE IP MASKBITS` event scripts
//!   through rgmd, then announces the addresses ([`announce`]). A failure undoes what this
//!   run did (releaseip for each address taken, the addresses removed) and fails the method.
//! - START: checks that the addresses are there; Status OK, "LogicalHostname online.".
//! - STOP: removes each address (those recorded as held and those of HostnameList found on
//!   the node), then runs `releaseip IFACE IP MASKBITS`; a failing releaseip is reported in
//!   the method's output but does not fail STOP (the address is gone, which is what matters).
//! - VALIDATE: HostnameList resolves, NetIfList is well formed, and this node has an interface
//!   for every address. MONITOR_CHECK: the same with the interfaces up.
//! - MONITOR_START: the fault monitor ([`crate::probe`]) checks every Thorough_probe_interval
//!   that each address is on its interface and the interface up with a carrier.

pub mod announce;
pub mod held;
pub mod netlink;
pub mod plan;

use std::net::IpAddr;
use std::time::Duration;

use rgm_core::engine::Status;
use rgm_proto::events::EventResult;

use crate::args::MethodArgs;
use crate::method::{Ctx, finish};
use crate::probe::{Check, Health};
use crate::props::{Pending, ResourceProps};
use held::Held;
use netlink::Net;
use plan::Planned;

/// The Status_msg of a resource whose addresses are up.
pub const ONLINE: &str = "LogicalHostname online.";

/// The type's properties that say where the addresses go.
struct Where {
    hostnames: Vec<String>,
    netifs: Vec<String>,
    node: String,
    node_id: Option<u32>,
}

impl Where {
    fn of(props: &ResourceProps) -> Where {
        let node = props.node().to_string();
        Where {
            hostnames: props.array("HostnameList"),
            netifs: props.array("NetIfList"),
            node_id: props
                .view
                .nodes
                .iter()
                .find(|n| n.name == node)
                .map(|n| n.id),
            node,
        }
    }

    /// The addresses and their interfaces on this node.
    fn plan(&self, net: &Net) -> Result<Vec<Planned>, String> {
        let wanted = plan::hostnames(&self.hostnames)?;
        let iface = plan::interface(&self.netifs, &self.node, self.node_id)?;
        let links = net.links()?;
        let addrs = net.addresses()?;
        plan::plan(&wanted, iface.as_deref(), &self.node, &links, &addrs)
    }
}

/// `IFACE IP MASKBITS`, the arguments of takeip and releaseip.
fn event_args(iface: &str, ip: IpAddr, prefix: u8) -> Vec<String> {
    vec![iface.to_string(), ip.to_string(), prefix.to_string()]
}

/// Runs takeip or releaseip through rgmd; `Err` says why it did not succeed.
fn run_event(ctx: &mut Ctx, event: &str, args: Vec<String>) -> Result<(), String> {
    let call = format!("{event} {}", args.join(" "));
    let report = ctx
        .rgm
        .event(event, &args)
        .map_err(|e| format!("cannot run the event {call}: {e}"))?;
    match report.result {
        EventResult::Ok => Ok(()),
        _ => Err(format!(
            "the event {call} {} on node {}: {}",
            report.result.as_str().to_lowercase(),
            report.node,
            report
                .culprit()
                .map(|s| format!(
                    "script {} {}{}",
                    s.name,
                    s.result.as_str(),
                    s.output
                        .lines()
                        .next()
                        .map(|l| format!(": {l}"))
                        .unwrap_or_default()
                ))
                .unwrap_or_default()
        )),
    }
}

/// PRENET_START: every address taken and announced.
pub fn prenet_start() -> i32 {
    finish((|| {
        let mut ctx = Ctx::load("lh_prenet_start")?;
        let net = Net::open()?;
        let planned = Where::of(&ctx.props).plan(&net)?;
        bring_up(&mut ctx, &net, &planned)?;
        Ok(format!(
            "{} up and announced: {}",
            ctx.args.resource,
            describe(&planned)
        ))
    })())
}

/// Takes `planned` (record, add, takeip), then announces them. A failure undoes what was
/// taken.
fn bring_up(ctx: &mut Ctx, net: &Net, planned: &[Planned]) -> Result<(), String> {
    let dir = held::dir();
    let mut taken: Vec<&Planned> = Vec::new();
    if let Err(why) = take_all(ctx, net, &dir, planned, &mut taken) {
        let taken: Vec<Held> = taken
            .iter()
            .map(|p| held_of(&ctx.args.resource, p))
            .collect();
        let undone = release(ctx, net, &dir, taken);
        return Err(if undone.is_empty() {
            why
        } else {
            format!("{why} (undoing it: {})", undone.join("; "))
        });
    }
    let count = ctx.props.int("Announce_count").unwrap_or(3).max(1) as u32;
    let interval =
        Duration::from_millis(ctx.props.int("Announce_interval").unwrap_or(200).max(0) as u64);
    let targets: Vec<_> = planned.iter().map(|p| (p.link.clone(), p.ip)).collect();
    announce::announce(&targets, count, interval)
}

fn held_of(resource: &str, p: &Planned) -> Held {
    Held {
        resource: resource.to_string(),
        iface: p.link.name.clone(),
        index: p.link.index,
        ip: p.ip,
        prefix: p.prefix,
    }
}

fn take_all<'a>(
    ctx: &mut Ctx,
    net: &Net,
    dir: &std::path::Path,
    planned: &'a [Planned],
    taken: &mut Vec<&'a Planned>,
) -> Result<(), String> {
    for p in planned {
        if !p.link.up {
            return Err(format!("interface {} is down", p.link.name));
        }
        let h = held_of(&ctx.args.resource, p);
        held::record(dir, &h)
            .map_err(|e| format!("cannot record {} as held in {}: {e}", p.ip, dir.display()))?;
        if let Err(e) = net.add(p.link.index, p.ip, p.prefix) {
            let _ = held::forget(dir, &h.resource, p.ip);
            return Err(e);
        }
        taken.push(p);
        run_event(ctx, "takeip", event_args(&p.link.name, p.ip, p.prefix))?;
    }
    Ok(())
}

/// Removes each address, forgets it and runs releaseip for it. Returns what went wrong with
/// releaseip (never fatal); an address that cannot be removed is an `Err` line too.
fn release(ctx: &mut Ctx, net: &Net, dir: &std::path::Path, held: Vec<Held>) -> Vec<String> {
    let mut problems = Vec::new();
    for h in held {
        match net.remove(h.index, h.ip) {
            Ok(_) => {
                let _ = held::forget(dir, &h.resource, h.ip);
            }
            Err(e) => {
                problems.push(e);
                continue;
            }
        }
        if let Err(e) = run_event(ctx, "releaseip", event_args(&h.iface, h.ip, h.prefix)) {
            problems.push(e);
        }
    }
    problems
}

fn describe(planned: &[Planned]) -> String {
    planned
        .iter()
        .map(|p| format!("{}/{} on {}", p.ip, p.prefix, p.link.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is missing for the addresses to serve: an address not on its interface, an
/// interface down.
fn missing(net: &Net, planned: &[Planned]) -> Result<Vec<String>, String> {
    let addrs = net.addresses()?;
    Ok(planned
        .iter()
        .filter_map(|p| {
            if !p.link.usable() {
                Some(format!(
                    "interface {} is down or has no carrier",
                    p.link.name
                ))
            } else if !addrs
                .iter()
                .any(|a| a.index == p.link.index && a.ip == p.ip)
            {
                Some(format!("{} is not on {}", p.ip, p.link.name))
            } else {
                None
            }
        })
        .collect())
}

/// START: the addresses are up. One missing (a restart of the resource, which runs STOP
/// and START but not PRENET_START; an address removed behind rgm's back) is taken again.
pub fn start() -> i32 {
    finish((|| {
        let mut ctx = Ctx::load("lh_start")?;
        let net = Net::open()?;
        let planned = Where::of(&ctx.props).plan(&net)?;
        let addrs = net.addresses()?;
        let absent: Vec<Planned> = planned
            .iter()
            .filter(|p| {
                !addrs
                    .iter()
                    .any(|a| a.index == p.link.index && a.ip == p.ip)
            })
            .cloned()
            .collect();
        if !absent.is_empty() {
            bring_up(&mut ctx, &net, &absent)?;
        }
        let missing = missing(&net, &planned)?;
        if !missing.is_empty() {
            return Err(missing.join("; "));
        }
        ctx.set_status(Status::Ok, ONLINE);
        Ok(format!("{}: {}", ctx.args.resource, describe(&planned)))
    })())
}

/// STOP.
pub fn stop() -> i32 {
    finish((|| {
        let mut ctx = Ctx::load("lh_stop")?;
        let net = Net::open()?;
        let dir = held::dir();
        let resource = ctx.args.resource.clone();
        let mut targets = held::list(&dir, Some(&resource));
        // Addresses of HostnameList on the node but not recorded (an rgmd that died between
        // adding and recording, a hand-made copy) go too.
        if let Ok(planned) = Where::of(&ctx.props).plan(&net) {
            let addrs = net.addresses()?;
            for p in planned {
                let here = addrs
                    .iter()
                    .any(|a| a.index == p.link.index && a.ip == p.ip);
                if here && !targets.iter().any(|t| t.ip == p.ip) {
                    targets.push(held_of(&resource, &p));
                }
            }
        }
        let what = targets
            .iter()
            .map(|h| format!("{}/{} on {}", h.ip, h.prefix, h.iface))
            .collect::<Vec<_>>()
            .join(", ");
        let problems = release(&mut ctx, &net, &dir, targets);
        if let Some(bad) = problems.iter().find(|p| p.starts_with("cannot remove")) {
            return Err(bad.clone());
        }
        ctx.set_status(Status::Offline, "LogicalHostname offline.");
        let mut msg = format!(
            "{resource} down: {}",
            if what.is_empty() {
                "no address was up"
            } else {
                &what
            }
        );
        for p in problems {
            msg += &format!("\n{p}");
        }
        Ok(msg)
    })())
}

/// VALIDATE (`-c`/`-u`) and MONITOR_CHECK (told apart by their arguments).
pub fn validate() -> i32 {
    finish((|| {
        let args = MethodArgs::parse(std::env::args().skip(1))?;
        let net = Net::open()?;
        if args.is_validate() {
            let p = Pending::load("lh_validate", &args)?;
            let node = p.view.node.clone();
            let w = Where {
                hostnames: p.array("HostnameList")?,
                netifs: p.array("NetIfList")?,
                node_id: p.view.nodes.iter().find(|n| n.name == node).map(|n| n.id),
                node,
            };
            let planned = w.plan(&net)?;
            return Ok(format!("{}: {}", args.resource, describe(&planned)));
        }
        let ctx = Ctx::for_args("lh_monitor_check", args)?;
        let planned = Where::of(&ctx.props).plan(&net)?;
        let down: Vec<String> = planned
            .iter()
            .filter(|p| !p.link.usable())
            .map(|p| format!("interface {} is down or has no carrier", p.link.name))
            .collect();
        if !down.is_empty() {
            return Err(down.join("; "));
        }
        Ok(String::new())
    })())
}

/// The fault monitor's check.
#[derive(Debug, Default)]
pub struct LhCheck;

impl Check for LhCheck {
    fn check(&mut self, props: &ResourceProps) -> Health {
        let checked = Net::open().and_then(|net| {
            let planned = Where::of(props).plan(&net)?;
            missing(&net, &planned)
        });
        match checked {
            Ok(missing) if missing.is_empty() => Health::Ok(ONLINE.to_string()),
            Ok(missing) => Health::Failed(missing.join("; ")),
            Err(e) => Health::Failed(e),
        }
    }
}

/// MONITOR_START, or with `--probe` the fault monitor itself.
pub fn monitor_start() -> i32 {
    if std::env::args().nth(1).as_deref() == Some("--probe") {
        return match MethodArgs::parse(std::env::args().skip(2)) {
            Ok(args) => crate::probe::run("lh_probe", args, LhCheck),
            Err(e) => {
                eprintln!("lh probe: {e}");
                2
            }
        };
    }
    crate::method::monitor_start("lh_monitor_start")
}

/// MONITOR_STOP.
pub fn monitor_stop() -> i32 {
    crate::method::monitor_stop("lh_monitor_stop")
}
