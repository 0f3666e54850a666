//! rgm-sim: a deterministic simulator for the rgm engine (`cargo xtask sim`).
//!
//! From a seed it builds a random valid cluster ([`generator`]), drives an
//! [`rgm_core::engine::Engine`] through a fault phase of random events ([`schedule`]) —
//! methods completing in random orders and times, failing, timing out or losing their
//! results; node deaths, fences and rejoins; administrators' requests and scha_control calls —
//! then a calm phase in which only successes happen and the engine must become idle
//! ([`driver`]). After every step it checks the invariants ([`invariants`]). A schedule that
//! breaks one is replayed with events removed until the shortest trace that still breaks it
//! is left ([`shrink`]). Everything is a function of the seed: the same seed replays the same
//! schedule, event for event.

pub mod calm;
pub mod driver;
pub mod event;
pub mod generator;
pub mod invariants;
pub mod report;
pub mod restarts;
pub mod rng;
pub mod rules;
pub mod runner;
pub mod schedule;
pub mod shadow;
pub mod shrink;
pub mod spread;

use rgm_core::ClusterConfig;

use driver::World;
use event::Timed;
use invariants::{Checker, Violation};
use rng::Rng;
use schedule::Scheduler;

/// How to run a schedule.
#[derive(Debug, Clone)]
pub struct Options {
    /// Events of the fault phase (after the opening joins).
    pub steps: usize,
    /// Stop before the engine sees the event of this step (to list a schedule whose event
    /// there never returns).
    pub stop_before: Option<usize>,
    /// Go on after a violation, noting the first of each kind (a bug that breaks one
    /// invariant early then hides none of the others).
    pub keep_going: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            steps: 300,
            stop_before: None,
            keep_going: false,
        }
    }
}

/// What one seed did.
#[derive(Debug, Clone)]
pub struct SeedRun {
    pub seed: u64,
    pub config: ClusterConfig,
    /// The opening and fault-phase events (up to the violation that stopped it, if any).
    pub events: Vec<Timed>,
    /// The calm-phase events applied (derived from the state the fault phase left).
    pub calm: Vec<Timed>,
    /// The violations, by step: the first one, or (keep-going) the first of each kind.
    pub violations: Vec<Violation>,
    /// What happened and which rules were exercised, counted.
    pub stats: std::collections::BTreeMap<String, u64>,
}

impl SeedRun {
    pub fn first(&self) -> Option<&Violation> {
        self.violations.first()
    }
}

/// The calm phase's bound: generous for the cluster's size, so that only a livelock or a
/// stuck engine exceeds it.
pub fn settle_budget(config: &ClusterConfig) -> usize {
    300 + 30 * config.resources.len().max(1) * config.nodes.len().max(1)
}

/// The cluster a seed runs on.
pub fn seed_config(seed: u64) -> ClusterConfig {
    generator::cluster(&mut Rng::new(seed).fork())
}

/// Runs one seed.
pub fn run_seed(seed: u64, opts: &Options, checker: &Checker<'_>) -> SeedRun {
    run_seed_watched(seed, opts, checker, &mut |_, _| {})
}

/// [`run_seed`], calling `before` with each event and its step number just before the
/// engine sees it (a watchdog's heartbeat: the engine has no bound on one event's work).
pub fn run_seed_watched(
    seed: u64,
    opts: &Options,
    checker: &Checker<'_>,
    before: &mut dyn FnMut(usize, &Timed),
) -> SeedRun {
    let mut rng = Rng::new(seed);
    let config = generator::cluster(&mut rng.fork());
    let mut sched = Scheduler::new(rng.fork());
    let mut world = World::new(config.clone());
    world.keep_going = opts.keep_going;
    world.stop_before = opts.stop_before;
    let mut events = Vec::new();
    let mut calm = Vec::new();
    let mut stopped: Option<Violation> = None;
    let opening = sched.opening(&config);
    let total = opening.len() + opts.steps;
    let mut opening = opening.into_iter();
    while events.len() < total {
        let ev = opening.next().unwrap_or_else(|| sched.next(&world));
        events.push(ev.clone());
        if opts.stop_before == Some(world.step) {
            return SeedRun {
                seed,
                config,
                events,
                calm,
                violations: Vec::new(),
                stats: world.stats.into_inner(),
            };
        }
        before(world.step, &ev);
        if let Err(v) = world.apply(&ev, checker) {
            stopped = Some(v);
            break;
        }
    }
    if stopped.is_none() {
        let budget = settle_budget(&config);
        stopped = world.settle(checker, budget, &mut calm, before).err();
    }
    SeedRun {
        seed,
        config,
        events,
        calm,
        violations: collect(world.found, stopped),
        stats: world.stats.into_inner(),
    }
}

/// The violations found along the way and the one that stopped the run, by step.
fn collect(mut found: Vec<Violation>, stopped: Option<Violation>) -> Vec<Violation> {
    if let Some(v) = stopped
        && !found.iter().any(|f| f.kind == v.kind)
    {
        found.push(v);
    }
    found.sort_by_key(|v| v.step);
    found
}

/// What a replay did.
pub struct Replay {
    pub world: World,
    pub calm: Vec<Timed>,
    /// As [`SeedRun::violations`].
    pub violations: Vec<Violation>,
}

/// Replays recorded events on a fresh engine, then the calm phase; stops at the first
/// violation unless `keep_going`.
pub fn replay(
    config: &ClusterConfig,
    events: &[Timed],
    checker: &Checker<'_>,
    keep_going: bool,
) -> Replay {
    let mut world = World::new(config.clone());
    world.keep_going = keep_going;
    run_replay(world, events, checker, &mut |_, _, _| {})
}

/// [`replay`], keeping each event's actions and telling `observe` about each event (and
/// whether it applied) after it is applied. The calm phase is not observed: replay
/// `events` followed by the calm events to see it.
pub fn replay_observed(
    config: &ClusterConfig,
    events: &[Timed],
    checker: &Checker<'_>,
    keep_going: bool,
    observe: &mut dyn FnMut(&World, &Timed, bool),
) -> Replay {
    let mut world = World::new(config.clone());
    world.keep_actions = true;
    world.keep_going = keep_going;
    run_replay(world, events, checker, observe)
}

fn run_replay(
    mut world: World,
    events: &[Timed],
    checker: &Checker<'_>,
    observe: &mut dyn FnMut(&World, &Timed, bool),
) -> Replay {
    let mut calm = Vec::new();
    let mut stopped = None;
    for ev in events {
        match world.apply(ev, checker) {
            Ok(applied) => observe(&world, ev, applied),
            Err(v) => {
                observe(&world, ev, true);
                stopped = Some(v);
                break;
            }
        }
    }
    if stopped.is_none() {
        let budget = settle_budget(world.engine.config());
        stopped = world
            .settle(checker, budget, &mut calm, &mut |_, _| {})
            .err();
    }
    let found = std::mem::take(&mut world.found);
    Replay {
        world,
        calm,
        violations: collect(found, stopped),
    }
}
