//! `cargo xtask chaos [--runs N] [--seed S] [--jobs J] [--trace] [--keep]`: the chaos harness of crash recovery
//! (issue 10, docs/recovery.md).
//!
//! Each run drives a real rgmd — in a cgroup of its own — with a real resource type,
//! CHAOS.lock (tests/chaos: START and STOP sleep random times, and the service holds an
//! exclusive lock on a per-resource file, so a second copy fails loudly), random administrator
//! commands (online, offline, switch, restart, create, delete, set, disable, enable; some
//! waited for, some left running), and `kill -9` of rgmd at random instants, each followed by
//! a restart. It checks, after every restart, that the configuration holds every acknowledged
//! change and no refused one; and at the end, once nothing moves, that every resource
//! reported ONLINE has exactly one running service (and a monitored one, one monitor), every
//! OFFLINE one none, that no second copy ever started, that acknowledged onlines and offlines
//! hold, and that the store loads.
//!
//! Runs are seeded (run i of `--seed S` has seed S+i) and reproducible up to the machine's
//! timing: the same commands, sleeps and kill instants. A violation prints the seed, the
//! trace and the end of the cluster log, keeps the run's directory, and fails the task; the
//! last line is `chaos: N runs in T s, K kills, C commands, V violations`.

mod check;
mod model;
mod node;
mod run;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, run as run_cmd, target_dir, workspace_root};

/// How many runs CI makes.
pub const CI_RUNS: u64 = 20;

struct Args {
    runs: u64,
    seed: u64,
    jobs: u64,
    /// Print every run's trace, not only failed ones'.
    trace: bool,
    /// Keep every run's directory, not only failed ones'.
    keep: bool,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut a = Args {
        runs: 100,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1),
        jobs: 4,
        trace: false,
        keep: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<u64> {
            it.next()
                .with_context(|| format!("{name} needs a number"))?
                .parse()
                .with_context(|| format!("{name} needs a number"))
        };
        match flag.as_str() {
            "--runs" => a.runs = value("--runs")?,
            "--seed" => a.seed = value("--seed")?,
            "--jobs" => a.jobs = value("--jobs")?.max(1),
            "--trace" => a.trace = true,
            "--keep" => a.keep = true,
            other => bail!(
                "chaos: unknown argument {other}\nusage: cargo xtask chaos [--runs N] [--seed S] [--jobs J] [--trace] [--keep]"
            ),
        }
    }
    Ok(a)
}

pub fn main(args: &[String]) -> Result<()> {
    let args = parse(args)?;
    run_cmd(cargo().args(["build", "--quiet", "--bins", "-p", "rgmd", "-p", "rgm-cli"]))?;
    let binaries = Binaries::take(&target_dir()?)?;
    let bin = binaries.dir.clone();
    let chaos_type = workspace_root().join("tests/chaos");
    eprintln!(
        "chaos: {} runs from seed {}, {} at a time",
        args.runs, args.seed, args.jobs
    );
    let started = Instant::now();
    let next = AtomicU64::new(0);
    let reports = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..args.jobs.min(args.runs) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= args.runs {
                        return;
                    }
                    let seed = args.seed.wrapping_add(i);
                    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run::run(seed, &bin, &chaos_type, args.keep)
                    }))
                    .unwrap_or_else(|panic| run::Report::panicked(seed, panic));
                    if !report.violations.is_empty() {
                        print_failure(&report);
                    } else if args.trace {
                        eprintln!(
                            "chaos: run of seed {}:\n  {}",
                            report.seed,
                            report.trace.join("\n  ")
                        );
                    }
                    let mut all = reports.lock().unwrap_or_else(|e| e.into_inner());
                    all.push(report);
                    if all.len() % 50 == 0 {
                        eprintln!("chaos: {} runs done", all.len());
                    }
                }
            });
        }
    });
    let reports = reports.into_inner().unwrap_or_else(|e| e.into_inner());
    let kills: u32 = reports.iter().map(|r| r.kills).sum();
    let commands: u32 = reports.iter().map(|r| r.commands).sum();
    let failed: Vec<u64> = reports
        .iter()
        .filter(|r| !r.violations.is_empty())
        .map(|r| r.seed)
        .collect();
    let violations: usize = reports.iter().map(|r| r.violations.len()).sum();
    println!(
        "chaos: {} runs in {:.1} s, {kills} kills, {commands} commands, {violations} violations",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        bail!(
            "chaos: violations in the runs of seeds {failed:?}; run one again with `cargo xtask chaos --runs 1 --seed SEED`"
        );
    }
    Ok(())
}

/// The binaries a run uses, linked (or copied) aside when the series begins, so that a build
/// during a long series cannot mix versions of rgmd and its commands.
struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    const NAMES: [&'static str; 5] = [
        "rgmd",
        "clresourcetype",
        "clresourcegroup",
        "clresource",
        "scha_cluster_get",
    ];

    fn take(target: &Path) -> Result<Binaries> {
        let dir = target.join(format!("chaos-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        for name in Self::NAMES {
            let from = target.join("debug").join(name);
            let to = dir.join(name);
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)
                    .with_context(|| format!("cannot copy {}", from.display()))?;
            }
        }
        Ok(Binaries { dir })
    }
}

impl Drop for Binaries {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn print_failure(r: &run::Report) {
    let mut text = format!("\nchaos: VIOLATION in the run of seed {}:\n", r.seed);
    for v in &r.violations {
        text.push_str(&format!("  - {v}\n"));
    }
    text.push_str("trace:\n");
    for t in &r.trace {
        text.push_str(&format!("  {t}\n"));
    }
    text.push_str(&r.log);
    if let Some(dir) = &r.kept {
        text.push_str(&format!(
            "\nthe run's directory is kept: {dir}\nagain: cargo xtask chaos --runs 1 --seed {}\n",
            r.seed
        ));
    }
    eprintln!("{text}");
}
