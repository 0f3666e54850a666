//! `cargo xtask sim [--seeds N] [other rgm-sim options]`: the engine simulator (crate
//! `rgm-sim`), in a release build. Its last line is `sim: N schedules, V invariant violations`;
//! it fails when V > 0, printing the seed and the shortest trace of the first violation.

use anyhow::Result;

use crate::util::{cargo, run};

/// How many seeds CI runs.
pub const CI_SEEDS: u32 = 3000;

pub fn main(args: &[String]) -> Result<()> {
    run(cargo()
        .args(["run", "--quiet", "--release", "-p", "rgm-sim", "--"])
        .args(args))
}
