//! Readable reports: a schedule as one line per event with its time, and (verbose) what the
//! engine did in answer — methods launched, kills, fences, replies and its decisions.

use rgm_core::ClusterConfig;
use rgm_core::engine::log::msg;
use rgm_core::engine::{Action, Time};

use crate::event::{SimEvent, Timed};
use crate::generator;
use crate::invariants::Checker;
use crate::replay_observed;

/// The engine's answer to one event, one short line per notable action.
pub fn actions(actions: &[Action]) -> Vec<String> {
    let mut out = Vec::new();
    for a in actions {
        match a {
            Action::RunMethod(run) => out.push(format!(
                "run {} of {} on {} (run {})",
                run.method.keyword(),
                run.resource,
                run.node,
                run.run.0
            )),
            Action::KillMethod { run, node } => out.push(format!("kill run {} on {node}", run.0)),
            Action::FenceNode { node, reason } => out.push(format!("fence {node}: {reason}")),
            Action::Reply { id, result } => out.push(match result {
                Ok(_) => format!("reply to request {}: ok", id.0),
                Err(e) => format!(
                    "reply to request {}: {:?}: {}",
                    id.0,
                    e.code,
                    e.messages.first().cloned().unwrap_or_default()
                ),
            }),
            Action::Log(rec)
                if matches!(
                    rec.id,
                    msg::FAILOVER
                        | msg::NO_FAILOVER
                        | msg::STOP_FAILED
                        | msg::PLACEMENT
                        | msg::RESTART
                        | msg::BLOCKED
                        | msg::CLEARED
                        | msg::METHOD_LOST
                ) =>
            {
                out.push(format!("log: {}", rec.text))
            }
            _ => {}
        }
    }
    out
}

fn clock(t: Time) -> String {
    format!("{:>9.3}s", t.0 as f64 / 1000.0)
}

/// The configuration, indented.
pub fn config(cfg: &ClusterConfig) -> Vec<String> {
    generator::describe(cfg)
        .into_iter()
        .map(|l| format!("  {l}"))
        .collect()
}

/// Replays `events` (then the calm phase) and writes one line per event: its number, the
/// time, what happened, the request id it carried; with `verbose`, the engine's answer.
/// Events that no longer applied are marked. Returns the lines and the violations (all of
/// them with `keep_going`, else the first).
pub fn trace(
    cfg: &ClusterConfig,
    events: &[Timed],
    checker: &Checker<'_>,
    verbose: bool,
    keep_going: bool,
) -> (Vec<String>, Vec<String>) {
    let mut lines = Vec::new();
    let mut index = 0;
    let mut print = |w: &crate::driver::World, ev: &Timed, applied: bool| {
        index += 1;
        let id = match ev.event {
            SimEvent::Admin(_) | SimEvent::Control { .. } | SimEvent::Status { .. } if applied => {
                format!("  [request {}]", w.last_request())
            }
            _ => String::new(),
        };
        let skipped = if applied {
            ""
        } else {
            "  (does not apply: skipped)"
        };
        let note = w
            .last_note
            .as_ref()
            .map(|n| format!("  ({n})"))
            .unwrap_or_default();
        lines.push(format!(
            "{index:>5} {} {}{id}{note}{skipped}",
            clock(w.now),
            ev.event
        ));
        if verbose {
            for a in actions(&w.last_actions) {
                lines.push(format!("{:>18}-> {a}", ""));
            }
        }
    };
    let first = replay_observed(cfg, events, checker, keep_going, &mut print);
    let mut violations: Vec<String> = first.violations.iter().map(|v| v.to_string()).collect();
    let stopped_early = !keep_going && first.violations.iter().any(|v| v.step < events.len());
    if !stopped_early {
        // Show the calm phase too: replay the events followed by the calm ones.
        let calm = first.calm.clone();
        lines.push(format!(
            "      -- calm phase: owed fences and rejoins, pending runs succeed oldest first ({} events) --",
            calm.len()
        ));
        let all: Vec<Timed> = events.iter().chain(&calm).cloned().collect();
        let mut calm_lines = Vec::new();
        let mut index = 0;
        let again = replay_observed(cfg, &all, checker, keep_going, &mut |w, ev, applied| {
            index += 1;
            if index <= events.len() {
                return;
            }
            let skipped = if applied {
                ""
            } else {
                "  (does not apply: skipped)"
            };
            let note = w
                .last_note
                .as_ref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default();
            calm_lines.push(format!(
                "{index:>5} {} {}{note}{skipped}",
                clock(w.now),
                ev.event
            ));
            if verbose {
                for a in actions(&w.last_actions) {
                    calm_lines.push(format!("{:>18}-> {a}", ""));
                }
            }
        });
        if !verbose && calm_lines.len() > 60 {
            let cut = calm_lines.len() - 60;
            lines.push(format!("      ... {cut} earlier lines of the calm phase"));
            calm_lines.drain(..cut);
        }
        lines.extend(calm_lines);
        violations = again.violations.iter().map(|v| v.to_string()).collect();
    }
    (lines, violations)
}
