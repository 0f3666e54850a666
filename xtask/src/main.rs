//! Project automation, run as `cargo xtask <task>`.
//!
//! * `ci`    — install what the tests need, then every check CI runs.
//! * `bench` — the performance figures (release builds), `--json` for machines.
//!
//! Each task lives in a module of its own; this file only dispatches.

mod bench;
mod ci;
mod tidy;
mod util;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  ci      install what the tests need, then fmt, clippy and every test
  bench   [core|exec]... [--json]  performance figures in release builds
";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("ci") => ci::main(&rest),
        Some("bench") => bench::main(&rest),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}
