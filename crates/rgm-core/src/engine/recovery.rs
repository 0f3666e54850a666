//! Taking over from a previous rgmd (docs/recovery.md): restoring the records, keeping the
//! runs that were in flight in flight until the daemon reports how they ended, and what to do
//! for each method whose result cannot be known ([`MethodOutcome::Unknown`]) — never skipping
//! a step: a start that may have half happened is stopped and started again, a stop that may
//! not have happened is run again.

use std::collections::BTreeMap;

use rtreg::Method;

use crate::config::ClusterConfig;
use crate::engine::Engine;
use crate::engine::action::Action;
use crate::engine::event::{MethodOutcome, MethodResult, RunId};
use crate::engine::log::{LogRecord, Severity, msg};
use crate::engine::readiness::Want;
use crate::engine::runtime::{Bounce, Run, RunPurpose, Runtime, Snapshot};
use crate::engine::state::RState;

/// What a restore leaves for the first event (which brings the time).
#[derive(Debug, Clone, Default)]
pub(crate) struct Restored {
    /// Runs whose lost-result timers must be armed again.
    runs: Vec<RunId>,
    /// Nodes still owed a fence.
    fences: Vec<String>,
}

pub(super) fn restore(config: ClusterConfig, snapshot: Snapshot) -> Engine {
    let Snapshot {
        groups,
        resources,
        mut nodes,
        runs,
        next_run,
        evacuations,
        up_nodes,
    } = snapshot;
    // Older state files kept evacuations and members apart.
    for (n, until) in evacuations {
        nodes.entry(n).or_default().evacuated_until = Some(until);
    }
    for n in up_nodes {
        nodes.entry(n).or_default().up = true;
    }
    let mut group_records = crate::fxhash::FxMap::default();
    let mut group_nodes = crate::fxhash::FxMap::default();
    for (g, s) in groups {
        group_records.insert(g.clone(), s.group);
        group_nodes.insert(g, s.nodes);
    }
    let after_runs = runs.keys().map(|r| r.0 + 1).max().unwrap_or(1);
    let mut rt = Runtime::load(
        resources,
        group_records,
        group_nodes,
        nodes,
        next_run.max(after_runs),
    );
    rt.formed = true;
    let mut e = Engine::with_runtime(config, rt);
    let restored_runs = e.restore_runs(runs);
    let fences =
        e.rt.nodes()
            .iter()
            .filter(|(_, x)| x.fencing)
            .map(|(n, _)| n.clone())
            .collect();
    e.finish_legacy_steps();
    e.restored = Some(Restored {
        runs: restored_runs,
        fences,
    });
    // The first event carries on where the snapshot left off.
    e.dirty.extend(e.cfg.groups.keys().cloned());
    e
}

impl Engine {
    /// Takes the runs in flight back: each keeps its id and its resource stays busy with it.
    /// An operation's run becomes an orphan: its operation ended with the previous rgmd.
    fn restore_runs(&mut self, runs: BTreeMap<RunId, Run>) -> Vec<RunId> {
        let mut ids = Vec::new();
        for (id, mut run) in runs {
            run.timer = self.new_timer();
            let orphan = matches!(run.purpose, RunPurpose::Op(_));
            if run.purpose == RunPurpose::Transition
                && let Some(x) = self.rt.res_get_mut(&run.resource, &run.node)
            {
                x.busy = Some(id);
            }
            self.rt.load_run(id, run);
            if orphan {
                self.rt.set_run_purpose(id, RunPurpose::Orphan);
            }
            ids.push(id);
        }
        ids
    }

    /// Resources recorded in the middle of a method with no run recorded (state files written
    /// before runs were kept): the step's result cannot be known. (On a node that left the
    /// cluster the states wait for its fence, which takes them offline.)
    fn finish_legacy_steps(&mut self) {
        let mut caught: Vec<(String, String, Method)> = Vec::new();
        for (r, nodes) in self.rt.resources() {
            for (n, x) in nodes {
                if x.busy.is_some() || !self.rt.node_up(n) {
                    continue;
                }
                let method = match x.state {
                    RState::PrenetStarting => Method::PrenetStart,
                    RState::Starting => Method::Start,
                    RState::MonitorStarting => Method::MonitorStart,
                    RState::MonitorStopping => Method::MonitorStop,
                    RState::Stopping => Method::Stop,
                    RState::PostnetStopping => Method::PostnetStop,
                    _ => continue,
                };
                caught.push((r.to_string(), n.to_string(), method));
            }
        }
        caught.sort();
        for (r, n, method) in caught {
            self.unknown_step(&r, &n, method);
        }
    }

    fn new_timer(&mut self) -> crate::engine::event::TimerId {
        let t = crate::engine::event::TimerId(self.next_timer);
        self.next_timer += 1;
        t
    }

    /// The first event after a restore: the lost-result timers of the restored runs (the
    /// daemon has at least grace + margin to account for their processes), and the fences
    /// still owed.
    pub(crate) fn resume_restored(&mut self, restored: Restored) {
        let margin = self
            .settings
            .grace_secs
            .saturating_add(self.settings.lost_margin_secs);
        for id in restored.runs {
            let Some(run) = self.rt.run(id) else {
                continue;
            };
            let at = self
                .lost_deadline(run.started, run.timeout_secs)
                .max(self.now.plus_secs(margin));
            let timer = run.timer;
            self.emit(Action::ArmTimer { timer, at });
        }
        for node in restored.fences {
            self.log(LogRecord::decision(
                msg::FENCE,
                Severity::Error,
                format!("fencing node {node}: its fence was asked for before rgmd restarted and is still owed"),
                &[("node", &node)],
            ));
            self.emit(Action::FenceNode {
                node,
                reason: "a fence asked for before rgmd restarted is still owed".into(),
            });
        }
    }

    /// A transition method whose result cannot be known: what might have happened is undone
    /// or done again (docs/recovery.md).
    pub(crate) fn unknown_step(&mut self, r: &str, n: &str, method: Method) {
        let what = match method {
            Method::PrenetStart => {
                self.set_state(r, n, RState::PrenetStarted);
                self.set_bounce(r, n, Bounce::Recovery);
                "running POSTNET_STOP, then starting it again"
            }
            Method::Start => {
                // The START of a resource restart is redone the same way (STOP, START).
                let restart = self.rt.res(r, n).is_some_and(|x| x.resume_without_prenet);
                self.set_state(r, n, RState::OnlineUnmonitored);
                if restart {
                    self.set_bounce(r, n, Bounce::Resource);
                    "running STOP, then START again"
                } else {
                    self.set_bounce(r, n, Bounce::Recovery);
                    "running the whole stop sequence, then starting it again"
                }
            }
            Method::MonitorStart | Method::MonitorStop => {
                let monitored = self
                    .facts
                    .resource(r)
                    .is_some_and(|x| x.monitored.on(n) && x.methods.has(Method::MonitorStart));
                if monitored && Want::new(self).up(r, n) {
                    self.set_state(r, n, RState::OnlineUnmonitored);
                    "running MONITOR_START again"
                } else {
                    self.set_state(r, n, RState::Online);
                    "running MONITOR_STOP again"
                }
            }
            Method::Stop => {
                self.set_state(r, n, RState::OnlineUnmonitored);
                if Want::new(self).base(r, n) {
                    self.set_bounce(r, n, Bounce::Recovery);
                    "running STOP again, then starting it again"
                } else {
                    "running STOP again"
                }
            }
            Method::PostnetStop => {
                self.set_state(r, n, RState::Stopped);
                "running POSTNET_STOP again"
            }
            _ => return,
        };
        let group = self
            .facts
            .resource(r)
            .map(|x| x.group.clone())
            .unwrap_or_default();
        self.log(LogRecord::decision(
            msg::RECOVERY,
            Severity::Warning,
            format!(
                "{} of resource {r} on node {n} ended with a previous rgmd and its result is unknown: {what}",
                method.keyword()
            ),
            &[("resource", r), ("group", &group), ("node", n), ("method", method.keyword())],
        ));
        self.touch_resource(r);
    }

    fn set_bounce(&mut self, r: &str, n: &str, bounce: Bounce) {
        let x = self.rt.res_mut(r, n);
        if x.bounce.is_none() {
            x.bounce = Some(bounce);
        }
    }

    /// BOOT whose result cannot be known is run again (BOOT must be idempotent).
    pub(crate) fn boot_unknown(&mut self, info: &Run) {
        let (r, n) = (info.resource.as_str(), info.node.as_str());
        if self.cfg.resources.contains_key(r) && self.rt.node_up(n) {
            self.launch(r, n, Method::Boot, RunPurpose::Boot, None);
        }
    }

    /// A run of an operation that ended with a previous rgmd has ended. Its operation's change
    /// was not made (changes are applied only after their runs end): INIT whose result is
    /// unknown runs again, FINI is undone by INIT (the resource stays managed), UPDATE whose
    /// result is unknown runs again where the resource is online; VALIDATE and MONITOR_CHECK
    /// served a request that is gone.
    pub(crate) fn orphan_finished(&mut self, info: &Run, result: &MethodResult) {
        let (r, n) = (info.resource.as_str(), info.node.as_str());
        let unknown = result.outcome == MethodOutcome::Unknown;
        let managed = self
            .cfg
            .resources
            .get(r)
            .and_then(|x| self.cfg.groups.get(&x.group))
            .is_some_and(|g| g.managed);
        let up = self.rt.node_up(n);
        let again = match info.method {
            Method::Init if unknown && managed && up => Some(Method::Init),
            Method::Fini if managed && up => Some(Method::Init),
            Method::Update if unknown && up && self.rt.state(r, n).is_started() => {
                Some(Method::Update)
            }
            _ => None,
        };
        let what = match again {
            Some(m) => format!("running {} on it again", m.keyword()),
            None => "nothing more to do".to_string(),
        };
        self.log(LogRecord::decision(
            msg::RECOVERY,
            Severity::Notice,
            format!(
                "{} of resource {r} on node {n} served a request that ended with a previous rgmd: {what}",
                info.method.keyword()
            ),
            &[("resource", r), ("group", &info.group), ("node", n)],
        ));
        if let Some(m) = again {
            self.launch(r, n, m, RunPurpose::Orphan, None);
        }
    }
}
