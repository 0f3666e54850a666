//! The fault phase: at each step, a random event chosen from what the world allows now —
//! complete a pending run (success, non-zero exit, signal, timeout, not run; after a random
//! delay), lose a result, fire due timers, an administrator's request on random groups,
//! resources and nodes, a scha_control from a (mostly) started resource, a status update, a
//! node death, the owed `NodeFenced`, a rejoin, rgmd restarting (the runs it leaves then often
//! end with a result that cannot be known).

use rgm_core::ClusterConfig;
use rgm_core::PropertyEdit;
use rgm_core::engine::{AdminRequest, ControlTag, Operands, RState, Status};

use crate::driver::World;
use crate::event::{Outcome, SimEvent, Timed};
use crate::rng::Rng;

/// Chooses the events of one schedule.
pub struct Scheduler {
    rng: Rng,
}

const STATUSES: [Status; 5] = [
    Status::Ok,
    Status::Degraded,
    Status::Faulted,
    Status::Unknown,
    Status::Offline,
];

impl Scheduler {
    pub fn new(rng: Rng) -> Scheduler {
        Scheduler { rng }
    }

    /// The opening: some nodes (usually all) join, in random order.
    pub fn opening(&mut self, cfg: &ClusterConfig) -> Vec<Timed> {
        let mut nodes = cfg.node_names();
        self.rng.shuffle(&mut nodes);
        let keep = if self.rng.percent(75) {
            nodes.len()
        } else {
            self.rng.range(1, nodes.len() as u64) as usize
        };
        nodes
            .into_iter()
            .take(keep)
            .map(|n| Timed {
                dt_ms: self.rng.below(200),
                event: SimEvent::Join(n),
            })
            .collect()
    }

    /// How long before the next event: mostly moments, sometimes seconds or minutes.
    fn delay(&mut self) -> u64 {
        match self.rng.weighted(&[60, 30, 9, 1]) {
            0 => self.rng.below(200),
            1 => self.rng.range(200, 5_000),
            2 => self.rng.range(5_000, 60_000),
            _ => self.rng.range(60_000, 600_000),
        }
    }

    /// The next event of the fault phase.
    pub fn next(&mut self, w: &World) -> Timed {
        let dt_ms = self.delay();
        let cfg = w.engine.config();
        let down: Vec<String> = cfg
            .node_names()
            .into_iter()
            .filter(|n| !w.alive.contains(n) && !w.fence_owed.contains(n))
            .collect();
        let alive: Vec<String> = w.alive.iter().cloned().collect();
        let owed: Vec<String> = w.fence_owed.iter().cloned().collect();
        let asked: Vec<String> = w.fence_asked.iter().cloned().collect();
        let pending = !w.pending.is_empty();
        let weights = [
            if pending { 60 } else { 0 },
            if pending { 1 } else { 0 },
            if w.due_timers().is_empty() { 0 } else { 10 },
            8,
            5,
            1,
            // Rare: a death brings a fence, a rejoin and BOOTs; most time goes to the groups.
            if alive.is_empty() { 0 } else { 1 },
            if asked.is_empty() { 0 } else { 15 },
            if down.is_empty() { 0 } else { 5 },
            // A node owed a fence asks to join (it may only once fenced).
            if owed.is_empty() { 0 } else { 2 },
            // Rare: rgmd restarts on the same boot.
            1,
            // A resource found dead.
            2,
            // A node's health changes.
            2,
            // A fence fails.
            if asked.is_empty() { 0 } else { 4 },
        ];
        let event = match self.rng.weighted(&weights) {
            0 => self.complete(w),
            1 => {
                let p = &w
                    .pending
                    .values()
                    .nth(self.rng.index(w.pending.len()))
                    .expect("pending")
                    .run;
                SimEvent::Lose {
                    resource: p.resource.clone(),
                    node: p.node.clone(),
                    method: p.method,
                }
            }
            2 => SimEvent::FireTimers,
            3 => SimEvent::Admin(self.admin(w)),
            4 => self.control(w),
            5 => SimEvent::Status {
                resource: self.resource(cfg),
                node: self.rng.pick(&cfg.node_names()).clone(),
                status: *self.rng.pick(&STATUSES),
            },
            6 => SimEvent::Die(self.rng.pick(&alive).clone()),
            7 => SimEvent::Fenced(self.rng.pick(&asked).clone()),
            8 => SimEvent::Join(self.rng.pick(&down).clone()),
            9 => SimEvent::Join(self.rng.pick(&owed).clone()),
            10 => SimEvent::Restart,
            11 => self.gone(w),
            12 => SimEvent::Health {
                node: self.rng.pick(&cfg.node_names()).clone(),
                healthy: self.rng.percent(50),
            },
            _ => SimEvent::FenceFails(self.rng.pick(&asked).clone()),
        };
        Timed { dt_ms, event }
    }

    fn complete(&mut self, w: &World) -> SimEvent {
        let pending = w
            .pending
            .values()
            .nth(self.rng.index(w.pending.len()))
            .expect("pending");
        let p = &pending.run;
        let outcome = match self.rng.weighted(&[88, 6, 2, 3, 1]) {
            // A previous rgmd's run: the new one often cannot know how it ended.
            _ if pending.restored && self.rng.percent(50) => Outcome::Unknown,
            0 => Outcome::Success,
            1 => Outcome::Exit(*self.rng.pick(&[1, 2, 100])),
            2 => Outcome::Signal(*self.rng.pick(&[9, 11, 15])),
            3 => Outcome::Timeout,
            _ => Outcome::NotRun,
        };
        SimEvent::Complete {
            resource: p.resource.clone(),
            node: p.node.clone(),
            method: p.method,
            outcome,
        }
    }

    fn resource(&mut self, cfg: &ClusterConfig) -> String {
        let all: Vec<&String> = cfg.resources.keys().collect();
        if all.is_empty() {
            return "nothing".into();
        }
        (*self.rng.pick(&all)).clone()
    }

    fn groups(&mut self, cfg: &ClusterConfig) -> Operands {
        let all: Vec<String> = cfg.groups.keys().cloned().collect();
        if all.is_empty() || self.rng.percent(8) {
            return Operands::All;
        }
        Operands::Named(self.rng.subset(&all, 2))
    }

    fn resources(&mut self, cfg: &ClusterConfig) -> Operands {
        let all: Vec<String> = cfg.resources.keys().cloned().collect();
        if all.is_empty() || self.rng.percent(5) {
            return Operands::All;
        }
        Operands::Named(self.rng.subset(&all, 2))
    }

    /// Some nodes, or (None) none named.
    fn maybe_nodes(&mut self, cfg: &ClusterConfig, percent: u64) -> Option<Vec<String>> {
        self.rng
            .percent(percent)
            .then(|| self.rng.subset(&cfg.node_names(), 2))
    }

    /// One group and nodes from its Nodelist (at most its Maximum_primaries, usually).
    fn group_and_nodes(&mut self, cfg: &ClusterConfig) -> (Operands, Vec<String>) {
        let names: Vec<&String> = cfg.groups.keys().collect();
        if names.is_empty() {
            return (Operands::All, cfg.node_names());
        }
        let g = &cfg.groups[*self.rng.pick(&names)];
        let max = if g.is_scalable() {
            g.maximum_primaries().max(1) as usize
        } else {
            1
        };
        let list = if self.rng.percent(90) {
            g.nodelist()
        } else {
            cfg.node_names()
        };
        let extra = usize::from(self.rng.percent(5));
        let nodes = self.rng.subset(&list, max + extra);
        (Operands::Named(vec![g.name.clone()]), nodes)
    }

    /// A random administrator's request.
    fn admin(&mut self, w: &World) -> AdminRequest {
        use AdminRequest as R;
        let cfg = w.engine.config();
        let flag = |rng: &mut Rng| rng.percent(10);
        match self.rng.weighted(&[
            14, 10, 8, 5, 6, 6, 3, 3, 2, 2, 2, 2, 3, 3, 3, 2, 1, 1, 2, 1, 1,
        ]) {
            0 => R::Online {
                groups: self.groups(cfg),
                nodes: if self.rng.percent(30) {
                    Some(self.group_and_nodes(cfg).1)
                } else {
                    None
                },
                enable: flag(&mut self.rng),
                monitor: flag(&mut self.rng),
                manage: flag(&mut self.rng),
            },
            1 => R::Offline {
                groups: self.groups(cfg),
                nodes: self.maybe_nodes(cfg, 30),
            },
            2 => {
                let (groups, nodes) = self.group_and_nodes(cfg);
                R::Switch {
                    groups,
                    nodes,
                    enable: flag(&mut self.rng),
                    monitor: flag(&mut self.rng),
                    manage: flag(&mut self.rng),
                }
            }
            3 => R::Restart {
                groups: self.groups(cfg),
                nodes: self.maybe_nodes(cfg, 25),
            },
            4 => R::Enable {
                resources: self.resources(cfg),
                nodes: self.maybe_nodes(cfg, 25),
                recursive: self.rng.percent(50),
            },
            5 => R::Disable {
                resources: self.resources(cfg),
                nodes: self.maybe_nodes(cfg, 25),
                recursive: self.rng.percent(50),
            },
            6 => R::Monitor {
                resources: self.resources(cfg),
                nodes: self.maybe_nodes(cfg, 25),
            },
            7 => R::Unmonitor {
                resources: self.resources(cfg),
                nodes: self.maybe_nodes(cfg, 25),
            },
            8 => R::Suspend {
                groups: self.groups(cfg),
                kill: self.rng.percent(30),
            },
            9 => R::Resume {
                groups: self.groups(cfg),
            },
            10 => R::Quiesce {
                groups: self.groups(cfg),
                kill: self.rng.percent(40),
            },
            11 => R::Evacuate {
                node: self.rng.pick(&cfg.node_names()).clone(),
                seconds: *self.rng.pick(&[0, 10, 60, 300]),
            },
            12 => R::Remaster {
                groups: self.groups(cfg),
            },
            13 => self.clear(w),
            14 => R::UpdateResource {
                resources: self.resources(cfg),
                edits: vec![self.resource_edit()],
            },
            15 => R::UpdateGroup {
                groups: self.groups(cfg),
                edits: vec![self.group_edit()],
            },
            16 => R::Manage {
                groups: self.groups(cfg),
            },
            17 => R::Unmanage {
                groups: self.groups(cfg),
            },
            18 => {
                let owed: Vec<String> = w.fence_owed.iter().cloned().collect();
                let node = if !owed.is_empty() && self.rng.percent(90) {
                    self.rng.pick(&owed).clone()
                } else {
                    self.rng.pick(&cfg.node_names()).clone()
                };
                R::ConfirmNodeDown { node }
            }
            19 => R::RemoveNode {
                name: self.rng.pick(&cfg.node_names()).clone(),
            },
            _ => R::AddNode {
                name: format!("n{}", cfg.nodes.len() + 1 + self.rng.below(2) as usize),
            },
        }
    }

    fn resource_edit(&mut self) -> PropertyEdit {
        const MODES: [&str; 5] = ["NONE", "SOFT", "HARD", "RESTART_ONLY", "LOG_ONLY"];
        const INTERVALS: [&str; 2] = ["10", "300"];
        match self.rng.below(3) {
            0 => PropertyEdit::set("Failover_mode", self.rng.pick_str(&MODES)),
            1 => PropertyEdit::set("Retry_count", &self.rng.range(0, 3).to_string()),
            _ => PropertyEdit::set("Retry_interval", self.rng.pick_str(&INTERVALS)),
        }
    }

    fn group_edit(&mut self) -> PropertyEdit {
        const FLAGS: [&str; 2] = ["TRUE", "FALSE"];
        const PINGPONG: [&str; 3] = ["0", "60", "3600"];
        match self.rng.below(3) {
            0 => PropertyEdit::set("Failback", self.rng.pick_str(&FLAGS)),
            1 => PropertyEdit::set("Pingpong_interval", self.rng.pick_str(&PINGPONG)),
            _ => PropertyEdit::set("RG_description", "changed by the simulator"),
        }
    }

    /// `clrs clear -f STOP_FAILED`, usually for a resource that is STOP_FAILED somewhere.
    fn clear(&mut self, w: &World) -> AdminRequest {
        let cfg = w.engine.config();
        let failed: Vec<(String, String)> = cfg
            .resources
            .keys()
            .flat_map(|r| {
                w.shadow
                    .instances(r)
                    .filter(|(_, s)| *s == RState::StopFailed)
                    .map(|(n, _)| (r.clone(), n.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let (r, n) = if !failed.is_empty() && self.rng.percent(90) {
            self.rng.pick(&failed).clone()
        } else {
            (self.resource(cfg), self.rng.pick(&cfg.node_names()).clone())
        };
        AdminRequest::ClearStopFailed {
            resources: Operands::Named(vec![r]),
            nodes: vec![n],
        }
    }

    /// A resource found dead, usually one that is started there.
    fn gone(&mut self, w: &World) -> SimEvent {
        let cfg = w.engine.config();
        let started: Vec<(String, String)> = cfg
            .resources
            .keys()
            .flat_map(|r| {
                w.shadow
                    .started_nodes(r)
                    .into_iter()
                    .map(|n| (r.clone(), n))
                    .collect::<Vec<_>>()
            })
            .collect();
        let (resource, node) = if !started.is_empty() && self.rng.percent(90) {
            self.rng.pick(&started).clone()
        } else {
            (self.resource(cfg), self.rng.pick(&cfg.node_names()).clone())
        };
        SimEvent::Gone { resource, node }
    }

    /// A scha_control, usually from a resource started on the calling node.
    fn control(&mut self, w: &World) -> SimEvent {
        let cfg = w.engine.config();
        let started: Vec<(String, String)> = cfg
            .resources
            .keys()
            .flat_map(|r| {
                w.shadow
                    .started_nodes(r)
                    .into_iter()
                    .map(|n| (r.clone(), n))
                    .collect::<Vec<_>>()
            })
            .collect();
        let (resource, node) = if !started.is_empty() && self.rng.percent(90) {
            self.rng.pick(&started).clone()
        } else {
            (self.resource(cfg), self.rng.pick(&cfg.node_names()).clone())
        };
        let group = cfg
            .resources
            .get(&resource)
            .map(|r| r.group.clone())
            .unwrap_or_default();
        let tag = match self.rng.weighted(&[4, 2, 3, 2, 6, 3, 1, 2, 1]) {
            0 => ControlTag::Giveover,
            1 => ControlTag::CheckGiveover,
            2 => ControlTag::Restart,
            3 => ControlTag::CheckRestart,
            4 => ControlTag::ResourceRestart,
            5 => ControlTag::ResourceIsRestarted,
            6 => ControlTag::IgnoreFailedStart,
            7 => ControlTag::ResourceDisable,
            _ => ControlTag::ChangeStateOnline,
        };
        SimEvent::Control {
            tag,
            group,
            resource,
            node,
        }
    }
}
