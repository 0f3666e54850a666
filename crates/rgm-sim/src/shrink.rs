//! The shrinker: delta debugging over a schedule's recorded events. It replays the schedule
//! with chunks of events removed — halves, then quarters, down to single events — and keeps
//! every removal after which the same invariant is still broken, until no single event can
//! go. Events that no longer apply are skipped by the driver, so every candidate replays.
//! Replays go on past other violations (keep-going), so that an earlier bug does not hide
//! the one being shrunk. Last, it tries the survivors with every delay flattened to 10 ms,
//! for a readable trace.

use rgm_core::ClusterConfig;

use crate::event::Timed;
use crate::invariants::{Checker, Kind, Violation};
use crate::replay;

/// Stops shrinking after this many replays (the trace is then short already, if not minimal).
const MAX_REPLAYS: usize = 4_000;

/// The shortest event list found that still breaks `kind`, and its violation. `events` must
/// break it.
pub fn shrink(
    config: &ClusterConfig,
    events: &[Timed],
    kind: Kind,
    checker: &Checker<'_>,
) -> (Vec<Timed>, Violation) {
    let replays = std::cell::Cell::new(0usize);
    let attempt = |candidate: &[Timed]| -> Option<Violation> {
        replays.set(replays.get() + 1);
        replay(config, candidate, checker, true)
            .violations
            .into_iter()
            .find(|v| v.kind == kind)
    };
    let mut best = attempt(events)
        .unwrap_or_else(|| panic!("the schedule to shrink does not break {}", kind.name()));
    let mut cur: Vec<Timed> = events.to_vec();
    // Events after the violating one (when it was not in the calm phase) cannot matter.
    if best.step < cur.len() {
        cur.truncate(best.step + 1);
    }
    let mut chunk = cur.len().div_ceil(2).max(1);
    loop {
        let mut removed = false;
        let mut i = 0;
        while i < cur.len() && replays.get() < MAX_REPLAYS {
            let end = (i + chunk).min(cur.len());
            let candidate: Vec<Timed> = cur[..i].iter().chain(&cur[end..]).cloned().collect();
            match attempt(&candidate) {
                Some(v) => {
                    best = v;
                    cur = candidate;
                    removed = true;
                }
                None => i += chunk,
            }
        }
        if replays.get() >= MAX_REPLAYS || (chunk == 1 && !removed) {
            break;
        }
        if !removed {
            chunk = chunk.div_ceil(2).max(1);
        }
    }
    let flat: Vec<Timed> = cur
        .iter()
        .map(|t| Timed {
            dt_ms: 10,
            event: t.event.clone(),
        })
        .collect();
    if let Some(v) = attempt(&flat) {
        return (flat, v);
    }
    (cur, best)
}
