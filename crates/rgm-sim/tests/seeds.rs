//! The engine against 200 seeded schedules: no invariant may break. This test fails while the
//! engine bugs the simulator found are open (see the failure message for the seeds and what
//! broke); it asserts the real condition regardless.

use std::time::Duration;

use rgm_sim::Options;
use rgm_sim::runner::run_seeds;

#[test]
fn two_hundred_schedules_break_no_invariant() {
    let opts = Options {
        steps: 200,
        ..Options::default()
    };
    // A debug build is slower: give an event 30 s before calling it a hang.
    let summary = run_seeds(0, 200, &opts, 2, Duration::from_secs(30), None);
    let lines: Vec<String> = summary
        .violations
        .iter()
        .map(|(seed, vs)| {
            let what: Vec<String> = vs.iter().map(|v| v.to_string()).collect();
            format!("seed {seed}: {}", what.join("; "))
        })
        .collect();
    assert!(
        lines.is_empty(),
        "{} of {} schedules broke an invariant (`cargo run --release -p rgm-sim -- --seed S` shows one):\n{}",
        lines.len(),
        summary.schedules,
        lines.join("\n")
    );
    assert_eq!(summary.schedules, 200);
}
