//! Many seeds on several threads, under a watchdog. One `Engine::handle` call has no bound on
//! its work, so an engine that loops forever inside one event would stop the run (and eat the
//! machine's memory) without a word: the watchdog notices a worker whose event has not
//! returned within `hang_after`, records a `hang` violation with its seed and step, stops
//! handing out seeds, and returns once the other workers are done. The stuck thread cannot be
//! stopped; it is left behind (the caller is expected to exit soon).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::invariants::{Checker, Kind, Violation};
use crate::{Options, run_seed_watched};

/// The outcome of many seeds.
#[derive(Debug, Default)]
pub struct Summary {
    /// Schedules that finished (plus the one that hung, if any).
    pub schedules: u64,
    /// (seed, its violations), by seed, for the seeds with any.
    pub violations: Vec<(u64, Vec<Violation>)>,
    /// The seeds and steps where the engine did not return (their threads are still stuck).
    pub hung: Vec<(u64, usize)>,
    /// Every seed's counters, added up.
    pub stats: std::collections::BTreeMap<String, u64>,
}

#[derive(Default)]
struct Slot {
    busy: AtomicBool,
    seed: AtomicU64,
    step: AtomicU64,
    beats: AtomicU64,
}

struct Shared {
    next: AtomicU64,
    end: AtomicU64,
    slots: Vec<Slot>,
    done: AtomicU64,
    found: Mutex<Vec<(u64, Vec<Violation>)>>,
    stats: Mutex<std::collections::BTreeMap<String, u64>>,
}

/// Runs seeds `from..from + count` on `jobs` threads; `report` is called (from the workers)
/// with each finished seed's outcome line when given.
pub fn run_seeds(
    from: u64,
    count: u64,
    opts: &Options,
    jobs: usize,
    hang_after: Duration,
    report: Option<fn(u64, &crate::SeedRun, Duration)>,
) -> Summary {
    let jobs = jobs.max(1);
    let shared = Arc::new(Shared {
        next: AtomicU64::new(from),
        end: AtomicU64::new(from + count),
        slots: (0..jobs).map(|_| Slot::default()).collect(),
        done: AtomicU64::new(0),
        found: Mutex::new(Vec::new()),
        stats: Mutex::new(std::collections::BTreeMap::new()),
    });
    let mut handles = Vec::new();
    for i in 0..jobs {
        let shared = Arc::clone(&shared);
        let opts = opts.clone();
        handles.push(std::thread::spawn(move || {
            let slot = &shared.slots[i];
            loop {
                let seed = shared.next.fetch_add(1, Ordering::SeqCst);
                if seed >= shared.end.load(Ordering::SeqCst) {
                    break;
                }
                slot.seed.store(seed, Ordering::SeqCst);
                slot.busy.store(true, Ordering::SeqCst);
                let started = Instant::now();
                let run = run_seed_watched(seed, &opts, &Checker::default(), &mut |step, _| {
                    slot.step.store(step as u64, Ordering::SeqCst);
                    slot.beats.fetch_add(1, Ordering::SeqCst);
                });
                slot.busy.store(false, Ordering::SeqCst);
                if let Some(report) = report {
                    report(seed, &run, started.elapsed());
                }
                {
                    let mut all = shared.stats.lock().expect("no poisoned lock");
                    for (k, v) in &run.stats {
                        *all.entry(k.clone()).or_default() += v;
                    }
                }
                if !run.violations.is_empty() {
                    let found = (seed, run.violations);
                    shared.found.lock().expect("no poisoned lock").push(found);
                }
                shared.done.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // The watchdog: a worker whose heartbeat has not moved for `hang_after` is stuck.
    let mut seen: Vec<(u64, Instant)> = (0..jobs).map(|_| (0, Instant::now())).collect();
    let mut hung: Vec<(usize, u64, usize)> = Vec::new();
    loop {
        std::thread::sleep(Duration::from_millis(20));
        let stuck = |hung: &[(usize, u64, usize)], i: usize| hung.iter().any(|(j, _, _)| *j == i);
        if handles
            .iter()
            .enumerate()
            .all(|(i, h)| h.is_finished() || stuck(&hung, i))
        {
            break;
        }
        for (i, slot) in shared.slots.iter().enumerate() {
            if stuck(&hung, i) {
                continue;
            }
            let beats = slot.beats.load(Ordering::SeqCst);
            if beats != seen[i].0 || !slot.busy.load(Ordering::SeqCst) {
                seen[i] = (beats, Instant::now());
            } else if seen[i].1.elapsed() >= hang_after {
                let seed = slot.seed.load(Ordering::SeqCst);
                let step = slot.step.load(Ordering::SeqCst) as usize;
                hung.push((i, seed, step));
                // Hand out no more seeds: the stuck thread eats memory until the process ends.
                shared.end.store(0, Ordering::SeqCst);
            }
        }
    }
    let mut violations = std::mem::take(&mut *shared.found.lock().expect("no poisoned lock"));
    let schedules = shared.done.load(Ordering::SeqCst) + hung.len() as u64;
    for (_, seed, step) in &hung {
        violations.push((
            *seed,
            vec![Violation::new(
                Kind::Hang,
                *step,
                format!(
                    "the engine did not return from one event within {} s (it loops without bound)",
                    hang_after.as_secs()
                ),
            )],
        ));
    }
    violations.sort_by_key(|(seed, _)| *seed);
    hung.sort_by_key(|(_, seed, _)| *seed);
    let stats = std::mem::take(&mut *shared.stats.lock().expect("no poisoned lock"));
    Summary {
        schedules,
        violations,
        stats,
        hung: hung
            .into_iter()
            .map(|(_, seed, step)| (seed, step))
            .collect(),
    }
}
