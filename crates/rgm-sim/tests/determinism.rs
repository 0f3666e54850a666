//! Everything is a function of the seed: a seed replays event for event, and replaying its
//! recorded events on a fresh engine reproduces its violations (what the shrinker relies on).

use rgm_sim::invariants::Checker;
use rgm_sim::{Options, replay, run_seed};

#[test]
fn a_seed_runs_the_same_twice_and_replays_its_violations() {
    let checker = Checker::default();
    let opts = Options {
        steps: 150,
        keep_going: true,
        ..Options::default()
    };
    for seed in 0..60 {
        let a = run_seed(seed, &opts, &checker);
        let b = run_seed(seed, &opts, &checker);
        assert_eq!(a.config, b.config, "seed {seed}");
        assert_eq!(a.events, b.events, "seed {seed}");
        assert_eq!(a.calm, b.calm, "seed {seed}");
        assert_eq!(a.violations, b.violations, "seed {seed}");
        let r = replay(&a.config, &a.events, &checker, true);
        assert_eq!(r.violations, a.violations, "seed {seed}: replay differs");
        assert_eq!(r.calm, a.calm, "seed {seed}: calm phase differs");
    }
}
