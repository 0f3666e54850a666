//! Project automation, run as `cargo xtask <task>`.
//!
//! * `ci`    — install what the tests need, then every check CI runs.
//! * `demo`  — rgm's main job end to end on the embedded store (`--nodes N`: a cluster).
//! * `bench` — the performance figures (release builds), `--json` for machines.
//! * `sim`   — the engine simulator over seeded random clusters and faults.
//! * `chaos` — a real rgmd killed at random instants under random commands; checks recovery.
//! * `dist`  — the Debian package (`rgm_<version>_<arch>.deb`), built with dpkg-deb.
//! * `install` — the package's tree without a package (`--prefix`, `--destdir`).
//! * `fuzz`  — the cargo-fuzz targets of `fuzz/` (nightly).
//!
//! Each task lives in a module of its own; this file only dispatches.

mod bench;
mod bench_failover;
mod chaos;
mod ci;
mod completions;
mod demo;
mod demo_cluster;
mod dist;
mod fuzz;
mod install;
mod man;
#[cfg(test)]
mod package_tests;
mod sim;
mod tidy;
mod util;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  ci      install what the tests need, then fmt, clippy and every test
  demo    [--nodes N]  rgm end to end: rgmd, the example type, a group online, a restart,
          offline; with --nodes, a cluster on etcd and a node crash
  bench   [core|engine|exec|daemon]... [--json]  performance figures in release builds;
          bench engine --vs-pacemaker: the engine against crm_simulate, side by side;
          bench failover [--json] [--trials N] [--ttl S]: a cluster's failover times
  sim     [--seeds N]  the engine simulator over seeded random clusters
  chaos   [--runs N] [--seed S] [--jobs J] [--trace] [--keep]  kill -9 rgmd at random instants; check recovery
  dist    [--uncompressed]  the Debian package target/dist/rgm_<version>_<arch>.deb (release)
  install [--prefix DIR] [--destdir DIR]  the same tree without a package (prefix /usr/local)
  fuzz    [--seconds N] [--target T]...  the fuzz targets (nightly), N s each (300)
";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("ci") => ci::main(&rest),
        Some("demo") => demo::main(&rest),
        Some("bench") => bench::main(&rest),
        Some("sim") => sim::main(&rest),
        Some("chaos") => chaos::main(&rest),
        Some("dist") => dist::main(&rest),
        Some("install") => install::main(&rest),
        Some("fuzz") => fuzz::main(&rest),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}
