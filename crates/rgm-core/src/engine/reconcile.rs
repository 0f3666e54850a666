//! The reconciler: after every event, each group marked dirty is placed, every resource of it
//! is moved one method closer to its target where the rules allow (starts: PRENET_START,
//! START, MONITOR_START; stops: MONITOR_STOP, STOP, POSTNET_STOP; monitor on/off), and the
//! group's state on each node is derived and logged.

use rtreg::Method;

use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::readiness::{Phase, Ready, Want};
use crate::engine::runtime::RunPurpose;
use crate::engine::state::{RState, RgState, Status};
use crate::engine::{Bounce, Engine};

/// What to do with a resource on a node now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Run(Method),
    /// Move to a state without a method (the type lacks the method for this step).
    Become(RState),
}

impl Engine {
    pub(crate) fn reconcile(&mut self) {
        while let Some(g) = self.dirty.pop_first() {
            self.reconcile_group(&g);
        }
    }

    fn reconcile_group(&mut self, group: &str) {
        let (Some(g), Some(gid)) = (self.facts.group(group), self.facts.group_id(group)) else {
            return;
        };
        let members = g.member_ids.clone();
        self.place(group);
        // Every node: the states of a group live wherever its resources ran.
        let nodes = self.facts.nodes.clone();
        let quiescing = self.rt.group(group).is_some_and(|x| x.quiescing);
        // One pass decides the steps and the group's state on each node. Launching a method
        // only moves a resource into a running state, which unblocks nothing and keeps the
        // group pending, so the state derived before the launches stays right; a state reached
        // without a method marks the group dirty and it is derived again.
        let memos = std::mem::take(&mut self.memos);
        let (steps, states, memos) = {
            let mut want = Want::with_memos(self, memos);
            let mut steps = Vec::new();
            let mut states = Vec::new();
            for &n in &nodes {
                let name = self.rt.node_name(n);
                // Where the group neither should be nor is, nothing can happen.
                let active = self.members_active_on(&members, n);
                if active || want.group_up_at(gid, group, n) {
                    for &r in &members {
                        if let Some(step) = next_step(&mut want, r, n) {
                            steps.push((r, n, step));
                        }
                    }
                }
                let (s, why) = group_state(&mut want, (gid, group), &members, n, active);
                states.push((name.to_string(), s, why));
            }
            (steps, states, want.into_memos())
        };
        self.memos = memos;
        // The steps were chosen from one snapshot: a group may not become active on more nodes
        // than it may be online on (Maximum_primaries, 1 for a failover group) within the pass.
        let limit = self
            .facts
            .group(group)
            .map(|g| if g.scalable { g.maximum_primaries.max(1) } else { 1 } as usize)
            .unwrap_or(1);
        let mut active: Vec<u32> = nodes
            .iter()
            .copied()
            .filter(|n| self.members_active_on(&members, *n))
            .collect();
        let mut launched_on: Vec<String> = Vec::new();
        for (r, n, step) in steps {
            let (r, n_id) = (self.rt.res_name(r).to_string(), n);
            let n = self.rt.node_name(n_id).to_string();
            let first_start = matches!(
                step,
                Step::Run(Method::PrenetStart | Method::Start)
                    | Step::Become(RState::OnlineUnmonitored)
            ) && !active.contains(&n_id);
            if first_start {
                if active.len() >= limit {
                    continue;
                }
                active.push(n_id);
            }
            match step {
                Step::Become(state) => self.become_state(&r, &n, state),
                Step::Run(_) if quiescing => {}
                Step::Run(method) => {
                    self.start_step(&r, &n, method);
                    launched_on.push(n);
                }
            }
        }
        self.record_group_states(group, states, &launched_on);
    }

    /// A state reached without a method; a bounce ends when the resource is down.
    fn become_state(&mut self, r: &str, n: &str, state: RState) {
        let was = self.rt.state(r, n);
        self.set_state(r, n, state);
        if state == RState::Offline {
            self.finish_bounce(r, n);
        }
        if state == RState::OnlineUnmonitored && !was.is_started() {
            self.restart_dependents_on_return(r, n);
        }
    }

    pub(crate) fn finish_bounce(&mut self, r: &str, n: &str) {
        let x = self.rt.res_mut(r, n);
        if let Some(b) = x.bounce.take() {
            x.resume_without_prenet = b == Bounce::Resource;
            self.touch_resource(r);
        }
    }

    /// Launches a transition method and moves the resource into its running state.
    fn start_step(&mut self, r: &str, n: &str, method: Method) {
        let running = match method {
            Method::PrenetStart => RState::PrenetStarting,
            Method::Start => RState::Starting,
            Method::MonitorStart => RState::MonitorStarting,
            Method::MonitorStop => RState::MonitorStopping,
            Method::Stop => RState::Stopping,
            Method::PostnetStop => RState::PostnetStopping,
            _ => return,
        };
        if let Some(run) = self.launch(r, n, method, RunPurpose::Transition, None) {
            let x = self.rt.res_mut(r, n);
            x.busy = Some(run);
            x.state = running;
            self.log(LogRecord::resource_state(r, n, running));
            if method == Method::Start {
                // Nobody knows its health until a method or its monitor says.
                self.set_status_by_rgm(r, n, crate::engine::Status::Unknown);
            }
        }
    }

    /// Records and logs the group's state on each node; a finished group restart resumes.
    fn record_group_states(
        &mut self,
        group: &str,
        states: Vec<(String, RgState, Option<String>)>,
        launched_on: &[String],
    ) {
        for (n, mut state, why) in states {
            if launched_on.contains(&n)
                && !matches!(state, RgState::PendingOnline | RgState::PendingOffline)
            {
                // Something was just launched here, so the group is on its way.
                state = if self.group_targets(group, &n) {
                    RgState::PendingOnline
                } else {
                    RgState::PendingOffline
                };
            }
            // A group that has never been anything but offline on a node has no record there.
            let unchanged = match self.rt.group_node(group, &n) {
                Some(gn) => gn.state == state && gn.blocked == why && !gn.restarting,
                None => state == RgState::Offline,
            };
            if unchanged {
                continue;
            }
            let gn = self.rt.group_node_mut(group, &n);
            let restarted = gn.restarting && state == RgState::Offline;
            if restarted {
                gn.restarting = false;
            }
            let changed = gn.state != state;
            gn.state = state;
            gn.blocked = why.clone();
            if restarted {
                self.dirty.insert(group);
            }
            if changed {
                self.log(LogRecord::group_state(group, &n, state));
                if let (RgState::PendingOnlineBlocked, Some(why)) = (state, why) {
                    self.log(LogRecord::decision(
                        msg::BLOCKED,
                        Severity::Warning,
                        format!("resource group {group} is blocked on node {n}: {why}"),
                        &[("group", group), ("node", &n)],
                    ));
                }
                self.touch_group(group);
                if matches!(
                    state,
                    RgState::Offline
                        | RgState::PendingOffline
                        | RgState::ErrorStopFailed
                        | RgState::Unmanaged
                ) {
                    self.touch_targets(group);
                }
            }
        }
    }
}

/// The next step for resource `r` on node `n` (ids), if one may be taken now.
fn next_step(want: &mut Want<'_>, r: u32, n: u32) -> Option<Step> {
    let e = want.e;
    let x = e.rt.res_at(r, n);
    if x.is_some_and(|x| x.busy.is_some()) || !want.node_up(n) {
        return None;
    }
    let state = x.map(|x| x.state).unwrap_or_default();
    let has = |m: Method| e.has_method_at(r, m);
    let up = want.up_at(r, n);
    let monitored = e
        .facts
        .res(r)
        .is_some_and(|res| res.monitored.on(e.rt.node_name(n)));
    let bounce = x.and_then(|x| x.bounce);
    match (state, up) {
        (RState::Offline, true) => {
            let skip_prenet = x.is_some_and(|x| x.resume_without_prenet);
            if has(Method::PrenetStart) && !skip_prenet {
                (want.start_ready_at(r, n, Phase::Prenet) == Ready::Go)
                    .then_some(Step::Run(Method::PrenetStart))
            } else {
                start_or_skip(want, r, n)
            }
        }
        (RState::PrenetStarted, true) => match want.start_ready_at(r, n, Phase::Start) {
            // It will not start here (as things stand, or until another group's resource is
            // online: PENDING_ONLINE_BLOCKED): undo PRENET_START, so it is left OFFLINE, not
            // STARTING (reference §c.4).
            Ready::Never(_) | Ready::Blocked(_) => undo_prenet(want, r, n),
            _ => start_or_skip(want, r, n),
        },
        (RState::OnlineUnmonitored, true) if monitored && has(Method::MonitorStart) => {
            Some(Step::Run(Method::MonitorStart))
        }
        (RState::Online, true) if !monitored => Some(Step::Run(Method::MonitorStop)),
        (RState::Online, false) => Some(Step::Run(Method::MonitorStop)),
        (RState::OnlineUnmonitored | RState::MonitorFailed | RState::StartFailed, false) => {
            if !want.stop_ready(e.rt.res_name(r), e.rt.node_name(n)) {
                return None;
            }
            if has(Method::Stop) {
                Some(Step::Run(Method::Stop))
            } else {
                Some(Step::Become(RState::Stopped))
            }
        }
        (RState::Stopped, false) | (RState::PrenetStarted, false) => {
            let full = bounce != Some(crate::engine::Bounce::Resource);
            if full && has(Method::PostnetStop) {
                want.postnet_ready(e.rt.res_name(r), e.rt.node_name(n))
                    .then_some(Step::Run(Method::PostnetStop))
            } else {
                Some(Step::Become(RState::Offline))
            }
        }
        // A bounce that found the resource already down ends here.
        (RState::Offline, false) if bounce.is_some() => Some(Step::Become(RState::Offline)),
        // Stopped, but wanted again before POSTNET_STOP: finish the stop first.
        (RState::Stopped, true) => {
            if has(Method::PostnetStop) {
                want.postnet_ready(e.rt.res_name(r), e.rt.node_name(n))
                    .then_some(Step::Run(Method::PostnetStop))
            } else {
                Some(Step::Become(RState::Offline))
            }
        }
        _ => None,
    }
}

fn undo_prenet(want: &mut Want<'_>, r: u32, n: u32) -> Option<Step> {
    let e = want.e;
    if e.has_method_at(r, Method::PostnetStop) {
        want.postnet_ready(e.rt.res_name(r), e.rt.node_name(n))
            .then_some(Step::Run(Method::PostnetStop))
    } else {
        Some(Step::Become(RState::Offline))
    }
}

fn start_or_skip(want: &mut Want<'_>, r: u32, n: u32) -> Option<Step> {
    if want.start_ready_at(r, n, Phase::Start) != Ready::Go {
        return None;
    }
    if want.e.has_method_at(r, Method::Start) {
        Some(Step::Run(Method::Start))
    } else {
        Some(Step::Become(RState::OnlineUnmonitored))
    }
}

/// The group's state on a node (reference §c.4), with the reason when it is blocked.
/// The group comes with its id; `members` are its resources' ids, `n` the node's; `active`:
/// some member is not offline.
fn group_state(
    want: &mut Want<'_>,
    (gid, group): (u32, &str),
    members: &[u32],
    n: u32,
    active: bool,
) -> (RgState, Option<String>) {
    let e = want.e;
    let Some(g) = e.facts.group(group) else {
        return (RgState::Offline, None);
    };
    if !g.managed {
        return (RgState::Unmanaged, None);
    }
    let node = e.rt.node_name(n);
    // One scan: is anything STOP_FAILED or in flight here?
    let (mut stop_failed, mut busy) = (false, false);
    if active {
        for &r in members {
            if let Some(x) = e.rt.res_at(r, n) {
                stop_failed |= x.state == RState::StopFailed;
                busy |= x.busy.is_some();
            }
        }
    } else {
        busy = members
            .iter()
            .any(|r| e.rt.res_at(*r, n).is_some_and(|x| x.busy.is_some()));
    }
    if stop_failed {
        return (RgState::ErrorStopFailed, None);
    }
    let active = active || busy;
    if !want.group_up_at(gid, group, n) {
        let state = if active {
            RgState::PendingOffline
        } else {
            RgState::Offline
        };
        return (state, None);
    }
    if !active {
        // Nothing of the group has run here: a group-level gate keeps it from starting.
        match want.group_may_start(group, node) {
            Ready::Never(_) => return (RgState::Offline, None),
            Ready::Blocked(why) => {
                return (RgState::PendingOnlineBlocked, Some(why.to_string()));
            }
            _ => {}
        }
    }
    let mut pending = busy;
    let mut faulted = false;
    let mut blocked: Option<String> = None;
    for &r in members {
        let x = e.rt.res_at(r, n);
        let state = x.map(|x| x.state).unwrap_or_default();
        if !want.up_at(r, n) {
            if state != RState::Offline {
                pending = true;
            }
            continue;
        }
        // A started resource whose Status is FAULTED (scha_resource_setstatus) faults its group
        // as a failed start does (reference §c.4).
        let status_faulted = state.is_started() && x.is_some_and(|x| x.status == Status::Faulted);
        faulted |= status_faulted;
        match state {
            RState::StartFailed => faulted = true,
            RState::Online | RState::MonitorFailed => {}
            RState::OnlineUnmonitored => {
                let monitored = e.facts.res(r).is_some_and(|f| f.monitored.on(node));
                if monitored && e.has_method_at(r, Method::MonitorStart) {
                    pending = true;
                }
            }
            RState::Offline | RState::PrenetStarted => {
                let phase = if state == RState::Offline
                    && e.has_method_at(r, Method::PrenetStart)
                    && !x.is_some_and(|x| x.resume_without_prenet)
                {
                    Phase::Prenet
                } else {
                    Phase::Start
                };
                match want.start_ready_at(r, n, phase) {
                    Ready::Go | Ready::Wait => pending = true,
                    Ready::Blocked(why) => {
                        blocked.get_or_insert(why.to_string());
                    }
                    Ready::Never(_) => faulted = true,
                }
            }
            _ => pending = true,
        }
    }
    if pending {
        (RgState::PendingOnline, None)
    } else if let Some(why) = blocked {
        (RgState::PendingOnlineBlocked, Some(why))
    } else if faulted {
        (RgState::OnlineFaulted, None)
    } else {
        (RgState::Online, None)
    }
}
