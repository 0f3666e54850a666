//! `cargo xtask bench [TARGET...] [--json]`: the performance figures, measured in release
//! builds. Targets: `core` (dependency graph), `engine` (the engine on the gen_cib workload),
//! `exec` (method launcher). Without a target, all.
//! Performance targets live here, never in timed tests.

use anyhow::{Result, bail};

use crate::util::{cargo, run};

/// (target, package, bench name).
const BENCHES: &[(&str, &str, &str)] = &[
    ("core", "rgm-core", "graph"),
    ("engine", "rgm-core", "engine"),
    ("exec", "rgm-exec", "exec"),
];

pub fn main(args: &[String]) -> Result<()> {
    let json = args.iter().any(|a| a == "--json");
    let wanted: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    for w in &wanted {
        if !BENCHES.iter().any(|(t, _, _)| t == w) {
            let known: Vec<&str> = BENCHES.iter().map(|(t, _, _)| *t).collect();
            bail!("unknown bench target `{w}` (known: {})", known.join(", "));
        }
    }
    for (target, package, bench) in BENCHES {
        if !wanted.is_empty() && !wanted.contains(target) {
            continue;
        }
        let mut cmd = cargo();
        cmd.args(["bench", "--quiet", "-p", package, "--bench", bench, "--"]);
        if json {
            cmd.arg("--json");
        }
        run(&mut cmd)?;
    }
    Ok(())
}
