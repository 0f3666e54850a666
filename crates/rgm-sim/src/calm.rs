//! The calm phase: once faults stop, only what a healthy cluster does happens — fences asked
//! for are reported done (a failed one is asked for again by its retry timer), nodes rejoin, pending runs succeed (oldest first), due timers fire — and the
//! engine must become idle, with every request answered, within a bounded number of steps.
//! It is a function of the state the fault phase left, so a replay repeats it exactly.

use crate::driver::World;
use crate::event::{Outcome, SimEvent, Timed};
use crate::invariants::{Checker, Kind, Violation};

impl World {
    /// The calm phase: only successful completions, owed fences and rejoins, and due timers,
    /// until the engine is idle. Returns the events it applied.
    pub fn settle(
        &mut self,
        checker: &Checker<'_>,
        budget: usize,
        events: &mut Vec<Timed>,
        before: &mut dyn FnMut(usize, &Timed),
    ) -> Result<(), Violation> {
        for _ in 0..budget {
            let down = self
                .engine
                .config()
                .node_names()
                .into_iter()
                .find(|n| !self.alive.contains(n) && !self.fence_owed.contains(n));
            let ev = if let Some(n) = self.fence_asked.first() {
                Timed {
                    dt_ms: 10,
                    event: SimEvent::Fenced(n.clone()),
                }
            } else if let Some(n) = down {
                Timed {
                    dt_ms: 10,
                    event: SimEvent::Join(n),
                }
            } else if let Some(p) = self.pending.values().next() {
                Timed {
                    dt_ms: 10,
                    event: SimEvent::Complete {
                        resource: p.run.resource.clone(),
                        node: p.run.node.clone(),
                        method: p.run.method,
                        outcome: Outcome::Success,
                    },
                }
            } else if !self.engine.is_idle() || !self.fence_owed.is_empty() {
                // (A fence that failed is asked for again when its retry timer fires.)
                let Some(at) = self.next_timer() else {
                    return Err(Violation::new(
                        Kind::Settle,
                        self.step,
                        "the engine is not idle (or a fence is owed), yet nothing is in flight and no timer is armed"
                            .into(),
                    ));
                };
                Timed {
                    dt_ms: at.0.saturating_sub(self.now.0),
                    event: SimEvent::FireTimers,
                }
            } else {
                return match self.outstanding.first() {
                    Some(id) => Err(Violation::new(
                        Kind::Reply,
                        self.step,
                        format!("request {} was never answered", id.0),
                    )),
                    None => Ok(()),
                };
            };
            events.push(ev.clone());
            if self.stop_before == Some(self.step) {
                return Ok(());
            }
            before(self.step, &ev);
            self.apply(&ev, checker)?;
        }
        Err(Violation::new(
            Kind::Settle,
            self.step,
            format!(
                "still busy after {budget} calm steps: {} runs pending ({})",
                self.pending.len(),
                self.pending
                    .values()
                    .take(6)
                    .map(|p| format!(
                        "{} of {} on {}",
                        p.run.method.keyword(),
                        p.run.resource,
                        p.run.node
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ))
    }
}
