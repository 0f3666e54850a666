//! The invariants about where groups are and what the runtime keeps: a `--` pair never both
//! on one node (**strong-negative**), nothing left half started or half stopped once the
//! engine is at rest (**at-rest**) nor, at any step, while nothing is in flight
//! (**midway**), and histories no longer than their windows (**bounded**).

use rgm_core::deps::AffinityKind;
use rgm_core::engine::RState;

use crate::driver::World;
use crate::invariants::{Kind, Violation};

/// `group` and a group it has `--` for (or that has `--` for it) are never both active on one
/// node; `pending` is a resource leaving OFFLINE that the shadow does not show yet.
pub(crate) fn strong_negative(
    w: &World,
    step: usize,
    group: &str,
    pending: Option<(&str, &str)>,
) -> Option<Violation> {
    let cfg = w.engine.config();
    let active = |g: &str, n: &str| {
        w.shadow.group_active_on(cfg, g, n)
            || pending.is_some_and(|(r, pn)| {
                pn == n && cfg.resources.get(r).is_some_and(|x| x.group == g)
            })
    };
    let pairs: Vec<(String, String)> = cfg
        .groups
        .values()
        .flat_map(|g| {
            g.rg_affinities()
                .into_iter()
                .filter(|a| a.kind == AffinityKind::StrongNegative)
                .map(|a| (g.name.clone(), a.group))
                .collect::<Vec<_>>()
        })
        .filter(|(s, t)| s == group || t == group)
        .collect();
    for (s, t) in pairs {
        for n in cfg.node_names() {
            if active(&s, &n) && active(&t, &n) {
                return Some(Violation::new(
                    Kind::StrongNegative,
                    step,
                    format!("{s} has --{t}, yet both are active on node {n}"),
                ));
            }
        }
    }
    None
}

/// Once the engine is idle after the calm phase: nothing STARTING or STOPPING on a member
/// node, and nothing not wanted up there that is not OFFLINE or STOP_FAILED.
pub(crate) fn at_rest(w: &World, step: usize) -> Option<Violation> {
    member_states(w).find_map(|(n, r, s)| {
        let half = is_half(s);
        let stuck = !w.engine.resource_wanted_up(&r, &n)
            && !matches!(s, RState::Offline | RState::StopFailed);
        (half || stuck).then(|| {
            Violation::new(
                Kind::AtRest,
                step,
                format!(
                    "at rest, {r} on {n} is {s}{}",
                    if half {
                        ""
                    } else {
                        " though it is not wanted up there"
                    }
                ),
            )
        })
    })
}

/// Every (node, resource, state) on the member nodes (those not being fenced).
fn member_states(w: &World) -> impl Iterator<Item = (String, String, RState)> + '_ {
    let cfg = w.engine.config();
    cfg.node_names()
        .into_iter()
        .filter(|n| w.node_up(n))
        .flat_map(move |n| {
            cfg.resources
                .keys()
                .map(move |r| (n.clone(), r.clone(), w.engine.resource_state(r, &n)))
        })
}

/// Publicly STARTING or STOPPING: half started or half stopped.
fn is_half(s: RState) -> bool {
    matches!(s.public_name(), "STARTING" | "STOPPING")
}

/// After every step: a resource on a member node shows STARTING or STOPPING only while a
/// method of it runs there, or something it may wait for is in flight (a method anywhere — a
/// barrier of its group, a dependency's start, a dependent's stop, an evicted group's stop —
/// or a fence owed, which the engine asks for again until it is done). With nothing in
/// flight nothing would ever move it on by itself.
pub(crate) fn midway(w: &World, step: usize) -> Option<Violation> {
    if !w.engine.running().is_empty() || !w.fence_owed.is_empty() {
        return None;
    }
    member_states(w)
        .find(|(_, _, s)| is_half(*s))
        .map(|(n, r, s)| {
            Violation::new(
                Kind::Midway,
                step,
                format!(
                    "{r} on {n} is {s} ({}) while no method runs and no fence is owed",
                    s.public_name()
                ),
            )
        })
}

/// Every restart history spans less than its window, every giveover list less than the
/// group's Pingpong_interval.
pub(crate) fn bounded(w: &World, step: usize) -> Option<Violation> {
    let cfg = w.engine.config();
    let span = |times: &[rgm_core::engine::Time]| {
        let (lo, hi) = (times.iter().min(), times.iter().max());
        match (lo, hi) {
            (Some(lo), Some(hi)) => hi.secs_since(*lo),
            _ => 0,
        }
    };
    let retry = |r: &str| {
        cfg.resources
            .get(r)
            .and_then(|x| cfg.resource_int(x, "Retry_interval"))
            .unwrap_or(0)
    };
    let s = &w.stored;
    for (r, nodes) in &s.resources {
        for (n, x) in nodes {
            if !x.restarts.is_empty() && span(&x.restarts) >= retry(r).max(1) {
                return Some(Violation::new(
                    Kind::Bounded,
                    step,
                    format!(
                        "{r} on {n} keeps {} restarts over {} s, beyond its Retry_interval",
                        x.restarts.len(),
                        span(&x.restarts)
                    ),
                ));
            }
        }
    }
    for (g, gs) in &s.groups {
        let window = cfg
            .groups
            .get(g)
            .map(|x| x.resources.iter().map(|r| retry(r)).max().unwrap_or(0))
            .unwrap_or(0);
        for (n, x) in &gs.nodes {
            if !x.restarts.is_empty() && span(&x.restarts) >= window.max(1) {
                return Some(Violation::new(
                    Kind::Bounded,
                    step,
                    format!("group {g} on {n} keeps restarts beyond its resources' Retry_interval"),
                ));
            }
        }
        let pingpong = cfg
            .groups
            .get(g)
            .map(|x| x.pingpong_interval())
            .unwrap_or(0);
        let times: Vec<rgm_core::engine::Time> = gs.group.giveovers.iter().map(|x| x.2).collect();
        if !times.is_empty() && span(&times) >= pingpong.max(1) {
            return Some(Violation::new(
                Kind::Bounded,
                step,
                format!("group {g} keeps giveovers beyond its Pingpong_interval"),
            ));
        }
    }
    None
}
