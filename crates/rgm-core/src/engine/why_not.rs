//! "Why is it not online there?": for every group that is not where it should be, the
//! engine's own reason on each node ([`Reason`]) — the start gate that blocks or waits, why
//! placement does not choose the node, what failed, what runs. A query: it changes nothing.
//! `clrg status -v`, `-o json` and the status page show it.

use serde::{Deserialize, Serialize};

use crate::deps::{AffinityKind, DependencyKind};
use crate::engine::Engine;
use crate::engine::event::Time;
use crate::engine::placement::Unfit;
use crate::engine::readiness::{Phase, Ready, Want};
use crate::engine::reason::Reason;
use crate::engine::state::{RState, RgState, Status};

/// A group that is not where it should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupWhyNot {
    pub group: String,
    /// Whether it is wanted online.
    pub wanted: bool,
    /// How many nodes it should be online on (1 for a failover group, Desired_primaries for
    /// a scalable one; 0 when not wanted).
    pub desired: i64,
    /// The nodes it should be online on now.
    pub primaries: Vec<String>,
    /// The nodes it is online on.
    pub online: Vec<String>,
    /// Each node it is not where it should be on, with why.
    pub nodes: Vec<NodeWhyNot>,
}

/// Why a group is not as it should be on one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeWhyNot {
    pub node: String,
    pub state: RgState,
    pub reasons: Vec<Reason>,
}

impl Engine {
    /// Every managed group (of `only`, or all) that is not where it should be — wanted and
    /// not online on as many nodes as it should be, or pending, blocked, faulted or
    /// STOP_FAILED somewhere —, with the reasons per node.
    /// `now` is the time of the question (how long ago something failed).
    pub fn why_not(&self, only: Option<&[String]>, now: Time) -> Vec<GroupWhyNot> {
        let mut want = Want::new(self);
        let names: Vec<String> = match only {
            Some(list) => list.to_vec(),
            None => self.cfg.groups.keys().cloned().collect(),
        };
        names
            .iter()
            .filter_map(|g| self.group_why_not(&mut want, g, now))
            .collect()
    }

    fn group_why_not(&self, want: &mut Want<'_>, group: &str, now: Time) -> Option<GroupWhyNot> {
        let g = self.cfg.groups.get(group)?;
        let facts = self.facts.group(group)?;
        if !g.managed {
            return None;
        }
        let grt = self.rt.group(group)?;
        let desired = match (grt.wanted, facts.scalable) {
            (false, _) => 0,
            (true, true) => facts.desired_primaries.max(0),
            (true, false) => 1,
        };
        let nodes = self.cfg.node_names();
        let states: Vec<(String, RgState)> = nodes
            .iter()
            .map(|n| (n.clone(), self.group_state(group, n)))
            .collect();
        let online: Vec<String> = states
            .iter()
            .filter(|(_, s)| *s == RgState::Online)
            .map(|(n, _)| n.clone())
            .collect();
        let unsettled = states
            .iter()
            .any(|(_, s)| !matches!(s, RgState::Online | RgState::Offline | RgState::Unmanaged));
        let short = grt.wanted
            && (online.len() < desired as usize
                || grt.primaries.iter().any(|p| !online.contains(p)));
        let unwanted_online = !grt.wanted && !online.is_empty();
        if !(unsettled || short || unwanted_online) {
            return None;
        }
        let mut out = Vec::new();
        for (n, s) in &states {
            let in_list = facts.nodelist.contains(n);
            if !in_list && *s == RgState::Offline {
                continue;
            }
            if *s == RgState::Online && grt.wanted && grt.primaries.contains(n) {
                continue;
            }
            let reasons = self.node_reasons(want, group, n, *s, desired, now);
            if !reasons.is_empty() {
                out.push(NodeWhyNot {
                    node: n.clone(),
                    state: *s,
                    reasons,
                });
            }
        }
        Some(GroupWhyNot {
            group: group.to_string(),
            wanted: grt.wanted,
            desired,
            primaries: grt.primaries.iter().cloned().collect(),
            online,
            nodes: out,
        })
    }

    fn node_reasons(
        &self,
        want: &mut Want<'_>,
        group: &str,
        node: &str,
        state: RgState,
        desired: i64,
        now: Time,
    ) -> Vec<Reason> {
        let members = self.facts.group(group).map(|f| f.members.clone());
        let members = members.unwrap_or_default();
        let grt = self.rt.group(group);
        let wanted = grt.is_some_and(|x| x.wanted);
        let primary = grt.is_some_and(|x| x.primaries.contains(node));
        let mut out = Vec::new();
        // A node owed a fence decides nothing for the group until it is fenced.
        if state != RgState::Offline || primary {
            out.extend(self.fence_reason(node));
        }
        match state {
            RgState::ErrorStopFailed => {
                for r in &members {
                    if self.rt.state(r, node) == RState::StopFailed {
                        out.push(Reason::StopFailed {
                            resource: r.clone(),
                        });
                    }
                }
            }
            RgState::OnlineFaulted => {
                out.extend(self.faults(&members, node));
                out.extend(self.never_on(want, &members, node));
            }
            RgState::PendingOnlineBlocked => out.extend(self.blocked_on(want, group, node)),
            RgState::PendingOnline | RgState::PendingOffline | RgState::Online => {
                if self.rt.group(group).is_some_and(|g| g.quiescing) {
                    out.push(Reason::Quiescing);
                }
                out.extend(self.running_on(group, node));
                if out.is_empty() {
                    out.extend(self.waits_on(want, group, node));
                }
            }
            RgState::Offline | RgState::Unmanaged => {
                if !wanted {
                    return out;
                }
                if let Some(fence) = self.fence_reason(node) {
                    out.push(fence);
                } else if let Err(unfit) = self.fitness(group, node, !primary) {
                    out.push(self.unfit_reason(group, node, unfit, now));
                } else if primary {
                    match want.group_may_start(group, node) {
                        Ready::Never(r) | Ready::Blocked(r) => out.push(r),
                        _ => out.extend(self.waits_on(want, group, node)),
                    }
                    out.extend(self.faults(&members, node));
                } else if let Some(at) = self.stop_failed_node(group) {
                    out.push(Reason::StopFailedOn { node: at });
                } else {
                    out.push(Reason::PrimariesElsewhere {
                        nodes: grt
                            .map(|x| x.primaries.iter().cloned().collect())
                            .unwrap_or_default(),
                        desired,
                    });
                }
            }
        }
        dedup(&mut out);
        out
    }

    /// START_FAILED resources and started ones whose Status is FAULTED.
    fn faults(&self, members: &[String], node: &str) -> Vec<Reason> {
        let mut out = Vec::new();
        for r in members {
            let Some(x) = self.rt.res(r, node) else {
                continue;
            };
            if x.state == RState::StartFailed {
                out.push(Reason::StartFailed {
                    resource: r.clone(),
                });
            } else if x.state.is_started() && x.status == Status::Faulted {
                out.push(Reason::StatusFaulted {
                    resource: r.clone(),
                    message: x.status_msg.clone(),
                });
            }
        }
        out
    }

    /// Members wanted up that will not start as things stand in their group (a hard
    /// dependency in the group that will not come online).
    fn never_on(&self, want: &mut Want<'_>, members: &[String], node: &str) -> Vec<Reason> {
        let mut out = Vec::new();
        for r in members {
            let state = self.rt.state(r, node);
            if !want.up(r, node) || !matches!(state, RState::Offline | RState::PrenetStarted) {
                continue;
            }
            if let Ready::Never(why) = want.start_ready(r, node, self.start_phase(r, node)) {
                out.push(why);
            }
        }
        out
    }

    /// The start step a resource not yet started is at.
    fn start_phase(&self, r: &str, node: &str) -> Phase {
        let prenet = self.rt.state(r, node) == RState::Offline
            && self.has_method(r, rtreg::Method::PrenetStart)
            && !self
                .rt
                .res(r, node)
                .is_some_and(|x| x.resume_without_prenet);
        if prenet { Phase::Prenet } else { Phase::Start }
    }

    /// Why a group is PENDING_ONLINE_BLOCKED: its group gate, else the first member whose
    /// start step is blocked (what the reconciler found).
    fn blocked_on(&self, want: &mut Want<'_>, group: &str, node: &str) -> Vec<Reason> {
        if let Ready::Blocked(r) | Ready::Never(r) = want.group_may_start(group, node) {
            return vec![r];
        }
        let members = self.facts.group(group).map(|f| f.members.clone());
        for r in members.unwrap_or_default() {
            let state = self.rt.state(&r, node);
            if !want.up(&r, node) || !matches!(state, RState::Offline | RState::PrenetStarted) {
                continue;
            }
            if let Ready::Blocked(why) = want.start_ready(&r, node, self.start_phase(&r, node)) {
                return vec![why];
            }
        }
        Vec::new()
    }

    /// The methods of the group running on the node.
    fn running_on(&self, group: &str, node: &str) -> Vec<Reason> {
        self.rt
            .runs()
            .values()
            .filter(|run| run.group == group && run.node == node)
            .map(|run| Reason::Running {
                resource: run.resource.clone(),
                method: run.method,
            })
            .collect()
    }

    /// What a group that is wanted on the node and has nothing running there waits for.
    fn waits_on(&self, want: &mut Want<'_>, group: &str, node: &str) -> Vec<Reason> {
        let mut out = Vec::new();
        if self.rt.node(node).is_some_and(|x| x.booting) {
            out.push(Reason::NodeBooting);
        }
        let Some(facts) = self.facts.group(group) else {
            return out;
        };
        for m in &self.facts.node_names {
            if m != node && self.group_active_on(group, m) {
                out.push(
                    self.fence_reason(m)
                        .unwrap_or(Reason::LeavingNode { node: m.clone() }),
                );
            }
        }
        for a in &facts.rg_affinities {
            let target_here = self.group_state_on(&a.group, node).is_online();
            match a.kind {
                AffinityKind::StrongPositive | AffinityKind::StrongPositiveDelegated
                    if !target_here =>
                {
                    out.push(Reason::AffinityTargetComing {
                        group: a.group.clone(),
                        node: node.to_string(),
                    });
                }
                AffinityKind::StrongNegative if self.group_active_on(&a.group, node) => {
                    out.push(Reason::AffinityLeaving {
                        group: a.group.clone(),
                        node: node.to_string(),
                    });
                }
                _ => {}
            }
        }
        for s in &facts.affine_sources {
            let repels = self.facts.group(s).is_some_and(|f| {
                f.rg_affinities
                    .iter()
                    .any(|a| a.kind == AffinityKind::StrongNegative && a.group == group)
            });
            if repels && self.group_active_on(s, node) {
                out.push(Reason::AffinityLeaving {
                    group: s.clone(),
                    node: node.to_string(),
                });
            }
        }
        for dep in &facts.rg_dependencies {
            if !self.group_state_on(dep, node).is_online()
                && self.rt.group(dep).is_some_and(|d| d.wanted)
            {
                let online_somewhere = self
                    .facts
                    .node_names
                    .iter()
                    .any(|m| self.group_state_on(dep, m).is_online());
                if !online_somewhere || want.group_up(dep, node) {
                    out.push(Reason::RgDependencyComing { group: dep.clone() });
                }
            }
        }
        for r in &facts.members {
            if !want.up(r, node) || self.rt.state(r, node).is_started() {
                continue;
            }
            for (d, edge, _) in self.graph.dependencies_of(r) {
                let hard = !matches!(edge.kind, DependencyKind::Weak);
                let started = self
                    .facts
                    .node_names
                    .iter()
                    .any(|m| self.rt.state(d, m).is_started());
                if hard && edge.applies_on(node) && !started {
                    out.push(Reason::DependencyComing {
                        resource: r.clone(),
                        dependency: d.to_string(),
                    });
                }
            }
        }
        out
    }

    /// A node owed a fence: being fenced, or a fence that could not be done.
    fn fence_reason(&self, node: &str) -> Option<Reason> {
        let x = self.rt.node(node)?;
        if !x.fencing {
            return None;
        }
        Some(if x.fence_attempts == 0 {
            Reason::Fencing {
                node: node.to_string(),
            }
        } else {
            Reason::FenceFailed {
                node: node.to_string(),
                attempts: x.fence_attempts,
                error: x.fence_error.clone().unwrap_or_default(),
            }
        })
    }

    fn unfit_reason(&self, group: &str, node: &str, unfit: Unfit, now: Time) -> Reason {
        match unfit {
            Unfit::NotInNodelist => Reason::NotInNodelist,
            Unfit::Down => Reason::NodeDown,
            Unfit::Booting => Reason::NodeBooting,
            Unfit::Evacuated => Reason::Evacuated {
                remaining_secs: self
                    .rt
                    .node(node)
                    .and_then(|x| x.evacuated_until)
                    .map(|t| t.secs_since(now))
                    .unwrap_or(0),
            },
            Unfit::Unhealthy(reason) => Reason::Unhealthy { reason },
            Unfit::PingPong => Reason::PingPong {
                failed_secs_ago: self
                    .rt
                    .group_node(group, node)
                    .and_then(|x| x.failed_at)
                    .map(|t| now.secs_since(t))
                    .unwrap_or(0),
                interval_secs: self
                    .cfg
                    .groups
                    .get(group)
                    .map(|g| g.pingpong_interval())
                    .unwrap_or(0),
            },
            Unfit::StrongPositive(group) => Reason::AffinityNotThere { group },
            Unfit::StrongNegative(group) => Reason::AffinityThere { group },
        }
    }
}

fn dedup(reasons: &mut Vec<Reason>) {
    let mut seen = Vec::new();
    reasons.retain(|r| {
        if seen.contains(r) {
            false
        } else {
            seen.push(r.clone());
            true
        }
    });
}
