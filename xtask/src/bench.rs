//! `cargo xtask bench [TARGET...] [--json]`: the performance figures, measured in release
//! builds. Targets: `core` (dependency graph), `engine` (the engine on the gen_cib workload;
//! `--vs-pacemaker`: against crm_simulate on the same workload, in one run),
//! `exec` (method launcher), `daemon` (rgmd end to end; `--sizes N,N,...`), `failover` (a
//! three-node cluster on etcd; alone: `cargo xtask bench failover [--json] [--trials N]
//! [--ttl S]`). Without a target, all but failover.
//! Performance targets live here, never in timed tests.

use anyhow::{Result, bail};

use crate::util::{cargo, run};

/// (target, package, bench name).
const BENCHES: &[(&str, &str, &str)] = &[
    ("core", "rgm-core", "graph"),
    ("engine", "rgm-core", "engine"),
    ("exec", "rgm-exec", "exec"),
    ("daemon", "rgmd", "daemon"),
];

pub fn main(args: &[String]) -> Result<()> {
    // The failover bench drives a cluster from here, not from a cargo bench.
    if args.first().map(String::as_str) == Some("failover") {
        return crate::bench_failover::main(&args[1..]);
    }
    let json = args.iter().any(|a| a == "--json");
    let wanted: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    // Options with a value go to the benches as they are.
    let sizes: Vec<String> = args
        .iter()
        .position(|a| a == "--sizes")
        .map(|i| args[i..(i + 2).min(args.len())].to_vec())
        .unwrap_or_default();
    let wanted: Vec<&str> = wanted
        .into_iter()
        .filter(|w| sizes.get(1).is_none_or(|s| s != w))
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
        if *target == "engine" && args.iter().any(|a| a == "--vs-pacemaker") {
            // The engine against crm_simulate on the same workload, side by side.
            cmd.arg("--vs-pacemaker");
        }
        if *target == "daemon" {
            // The daemon bench runs the real commands (scha_resource_get) beside rgmd.
            run(cargo().args([
                "build",
                "--release",
                "--bins",
                "-p",
                "rgm-cli",
                "-p",
                "rgmd",
            ]))?;
            cmd.args(&sizes);
        }
        run(&mut cmd)?;
    }
    Ok(())
}
