//! The shrinker: a deliberately strict test-only predicate ("no resource is ever
//! START_FAILED") breaks on a long schedule, and delta debugging cuts that schedule down to
//! the few events that matter: a node joins, a start method fails or outlives its timeout.

use rgm_core::engine::RState;
use rgm_sim::driver::World;
use rgm_sim::event::SimEvent;
use rgm_sim::invariants::{Checker, Kind};
use rgm_sim::{Options, replay, run_seed, shrink};

fn never_start_failed(w: &World) -> Option<String> {
    let cfg = w.engine.config();
    cfg.resources.keys().find_map(|r| {
        w.shadow
            .instances(r)
            .find(|(_, s)| *s == RState::StartFailed)
            .map(|(n, _)| format!("{r} is START_FAILED on {n}"))
    })
}

#[test]
fn a_long_schedule_shrinks_to_the_events_that_matter() {
    let checker = Checker::with_extra("never-start-failed", &never_start_failed);
    let kind = Kind::Custom("never-start-failed");
    let opts = Options {
        keep_going: true,
        ..Options::default()
    };
    // The first seed whose schedule reaches the predicate late, after many events.
    let (run, v) = (0..200)
        .find_map(|seed| {
            let run = run_seed(seed, &opts, &checker);
            let v = run.violations.iter().find(|v| v.kind == kind)?.clone();
            (v.step >= 40).then_some((run, v))
        })
        .expect("some seed has a start fail late");
    let (events, shrunk) = shrink::shrink(&run.config, &run.events, kind, &checker);
    assert_eq!(shrunk.kind, kind);
    assert!(
        events.len() <= 12 && events.len() * 3 < v.step,
        "seed {}: {} events (violation at step {}) shrank only to {}: {events:#?}",
        run.seed,
        run.events.len(),
        v.step,
        events.len()
    );
    // The shrunk trace reproduces it, and every event in it is needed.
    let again = replay(&run.config, &events, &checker, true);
    assert!(again.violations.iter().any(|v| v.kind == kind));
    for i in 0..events.len() {
        let mut fewer = events.clone();
        fewer.remove(i);
        let r = replay(&run.config, &fewer, &checker, true);
        assert!(
            !r.violations.iter().any(|v| v.kind == kind),
            "event {} ({}) could go too",
            i + 1,
            events[i].event
        );
    }
    // A start fails only on a node that joined (and, in the calm phase, the other nodes
    // join by themselves; a start may fail by its method failing or by outliving its
    // timeout, which the delays between events decide).
    assert!(
        events.iter().any(|t| matches!(t.event, SimEvent::Join(_))),
        "{events:#?}"
    );
}
