//! `rgm-sim`: runs the deterministic simulator of the rgm engine over many seeds (or one) and
//! reports invariant violations with the shortest trace that reproduces them.
//!
//! ```text
//! rgm-sim [--seeds N] [--from S] [--steps K] [--jobs J] [--keep-going] [--shrink-each]
//!         [--allow INVARIANT,...] [--stats] [--verbose]
//! rgm-sim --seed S [--steps K] [--keep-going] [--allow INVARIANT,...] [--verbose]
//! ```
//!
//! The last line is always `sim: N schedules, V invariant violations` (V counts the schedules
//! that broke an invariant); the exit code is 1 when V > 0 and 2 on a usage error.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use rgm_sim::invariants::{Checker, Kind, Violation};
use rgm_sim::{Options, SeedRun, report, run_seed, run_seed_watched, runner, seed_config, shrink};

struct Args {
    seeds: u64,
    from: u64,
    one: Option<u64>,
    steps: usize,
    jobs: usize,
    verbose: bool,
    keep_going: bool,
    shrink_each: bool,
    allow: Vec<Kind>,
    stats: bool,
}

const USAGE: &str = "usage: rgm-sim [--seeds N] [--from S] [--seed S] [--steps K] [--jobs J] [--keep-going] [--shrink-each] [--allow INVARIANT,...] [--verbose]

  --seeds N      run seeds S..S+N (default 1000) and report the violations
  --from S       the first seed (default 0)
  --seed S       run one seed and print its configuration and full trace
  --steps K      events in each schedule's fault phase (default 300)
  --jobs J       worker threads (default: the number of CPUs)
  --keep-going   go on after a violation, noting the first of each invariant
  --shrink-each  shrink the first seed of every invariant broken, not only the first seed
  --allow K,..   known engine bugs: report these invariants but do not count them (implies
                 --keep-going)
  --stats        count the events applied, methods launched, states entered and rule checks
  --verbose      one line per seed; the engine's actions in traces";

/// How long one event may take before the engine is judged to loop without bound.
const HANG_AFTER: Duration = Duration::from_secs(10);

fn parse() -> Result<Args, String> {
    let mut a = Args {
        seeds: 1000,
        from: 0,
        one: None,
        steps: Options::default().steps,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        verbose: false,
        keep_going: false,
        shrink_each: false,
        allow: Vec::new(),
        stats: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = it.next().ok_or(format!("{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{name}: `{v}` is not a number"))
        };
        match arg.as_str() {
            "--seeds" => a.seeds = value("--seeds")?,
            "--from" => a.from = value("--from")?,
            "--seed" => a.one = Some(value("--seed")?),
            "--steps" => a.steps = value("--steps")? as usize,
            "--jobs" => a.jobs = (value("--jobs")? as usize).max(1),
            "--verbose" | "-v" => a.verbose = true,
            "--keep-going" => a.keep_going = true,
            "--stats" => a.stats = true,
            "--shrink-each" => a.shrink_each = true,
            "--allow" => {
                let v = it.next().ok_or("--allow needs invariant names")?;
                for name in v.split(',') {
                    let kind =
                        Kind::from_name(name).ok_or(format!("--allow: no invariant `{name}`"))?;
                    a.allow.push(kind);
                }
                a.keep_going = true;
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("rgm-sim: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    // An engine panic is reported as a violation; the default hook's message would be noise.
    std::panic::set_hook(Box::new(|_| {}));
    let opts = Options {
        steps: args.steps,
        keep_going: args.keep_going,
        ..Options::default()
    };
    let (schedules, violations) = match args.one {
        Some(seed) => (1, one_seed(seed, &opts, &args)),
        None => many_seeds(&args, &opts),
    };
    println!("sim: {schedules} schedules, {violations} invariant violations");
    if violations > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs one seed and prints its configuration and full trace; returns 1 on a violation of an
/// invariant not allowed.
fn one_seed(seed: u64, opts: &Options, args: &Args) -> u64 {
    let verbose = args.verbose;
    let checker = Checker::default();
    // First under the watchdog: an engine that never returns must not hang this command.
    let watched = runner::run_seeds(seed, 1, opts, 1, HANG_AFTER, None);
    if let Some(&(seed, step)) = watched.hung.first() {
        print_hang(seed, step, opts);
        return 1;
    }
    println!("seed {seed}");
    println!("configuration:");
    for l in report::config(&seed_config(seed)) {
        println!("{l}");
    }
    let run = run_seed_watched(seed, opts, &checker, &mut |step, ev| {
        if verbose {
            eprintln!("[step {step}] {}", ev.event);
        }
    });
    println!("trace:");
    let (lines, _) = report::trace(&run.config, &run.events, &checker, verbose, opts.keep_going);
    for l in lines {
        println!("{l}");
    }
    if run.violations.is_empty() {
        println!("no violation; settled after {} calm events", run.calm.len());
        return 0;
    }
    for v in &run.violations {
        println!("VIOLATION at {v}");
    }
    for v in &run.violations {
        print_shrunk(&run, v, &checker, verbose);
    }
    u64::from(run.violations.iter().any(|v| !args.allow.contains(&v.kind)))
}

fn print_shrunk(run: &SeedRun, v: &Violation, checker: &Checker<'_>, verbose: bool) {
    let (events, shrunk) = shrink::shrink(&run.config, &run.events, v.kind, checker);
    println!(
        "shortest trace found for {} in seed {} ({} of {} events; `rgm-sim --seed {} --keep-going --verbose` shows the full one):",
        v.kind.name(),
        run.seed,
        events.len(),
        run.events.len(),
        run.seed
    );
    let (lines, all) = report::trace(&run.config, &events, checker, true, true);
    for l in lines {
        println!("{l}");
    }
    println!("  => {shrunk}");
    for other in all.iter().filter(|o| **o != shrunk.to_string()) {
        println!("     (also: {other})");
    }
    if verbose {
        println!("configuration:");
        for l in report::config(&run.config) {
            println!("{l}");
        }
    }
}

/// Lists a schedule up to the event the engine never returned from, without replaying it.
fn print_hang(seed: u64, step: usize, opts: &Options) {
    let stop = Options {
        stop_before: Some(step),
        ..opts.clone()
    };
    let run = run_seed(seed, &stop, &Checker::default());
    println!(
        "seed {seed} hangs: the engine did not return from event {} within {} s; its schedule (not shrunk):",
        step + 1,
        HANG_AFTER.as_secs()
    );
    for (i, ev) in run.events.iter().chain(&run.calm).enumerate() {
        println!("{:>5} +{:>6}ms {}", i + 1, ev.dt_ms, ev.event);
    }
    println!("configuration:");
    for l in report::config(&run.config) {
        println!("{l}");
    }
}

fn progress(seed: u64, run: &SeedRun, took: Duration) {
    let what: Vec<String> = run.violations.iter().map(|v| v.to_string()).collect();
    println!(
        "seed {seed}: {} events, {} calm, {} ms: {}",
        run.events.len(),
        run.calm.len(),
        took.as_millis(),
        if what.is_empty() {
            "ok".to_string()
        } else {
            what.join("; ")
        }
    );
}

/// Runs `args.seeds` seeds on `args.jobs` threads; prints counts per invariant and the first
/// violation (or the first of each invariant), shrunk. Returns the schedules run and how many
/// broke an invariant.
fn many_seeds(args: &Args, opts: &Options) -> (u64, u64) {
    let summary = runner::run_seeds(
        args.from,
        args.seeds,
        opts,
        args.jobs,
        HANG_AFTER,
        args.verbose
            .then_some(progress as fn(u64, &SeedRun, Duration)),
    );
    if args.stats {
        println!("counts over {} schedules:", summary.schedules);
        for (what, n) in &summary.stats {
            println!("  {n:>9}  {what}");
        }
    }
    let found = &summary.violations;
    let mut by_kind: BTreeMap<Kind, Vec<u64>> = BTreeMap::new();
    for (seed, vs) in found {
        for v in vs {
            by_kind.entry(v.kind).or_default().push(*seed);
        }
    }
    if !found.is_empty() {
        println!("violations by invariant (schedules):");
        for (kind, seeds) in &by_kind {
            let shown: Vec<String> = seeds.iter().take(10).map(u64::to_string).collect();
            println!(
                "  {}: {} (seeds {}{}){}",
                kind.name(),
                seeds.len(),
                shown.join(" "),
                if seeds.len() > 10 { " ..." } else { "" },
                if args.allow.contains(kind) {
                    "  [allowed: known engine bug]"
                } else {
                    ""
                }
            );
        }
    }
    let counted = found
        .iter()
        .filter(|(_, vs)| vs.iter().any(|v| !args.allow.contains(&v.kind)))
        .count() as u64;
    let checker = Checker::default();
    if let Some(&(seed, step)) = summary.hung.first() {
        print_hang(seed, step, opts);
    }
    // (seed, kind) to shrink and print.
    let targets: Vec<(u64, Kind)> = if args.shrink_each {
        by_kind
            .iter()
            .filter(|(k, _)| **k != Kind::Hang)
            .map(|(k, s)| (s[0], *k))
            .collect()
    } else if counted == 0 {
        Vec::new()
    } else {
        found
            .iter()
            .flat_map(|(s, vs)| vs.iter().map(move |v| (*s, v.kind)))
            .find(|(_, k)| *k != Kind::Hang && !args.allow.contains(k))
            .into_iter()
            .collect()
    };
    if !summary.hung.is_empty() && !targets.is_empty() {
        // A stuck thread grows without bound: do not linger shrinking.
        println!(
            "(not shrinking the other violations while a hung engine runs; `rgm-sim --seed {}` shrinks the first)",
            targets[0].0
        );
        return (summary.schedules, counted);
    }
    for (seed, kind) in targets {
        let run = run_seed(seed, opts, &checker);
        let Some(v) = run.violations.iter().find(|v| v.kind == kind).cloned() else {
            println!("seed {seed} did not repeat its {} violation", kind.name());
            continue;
        };
        println!("first violation of {}: seed {seed}, {v}", kind.name());
        print_shrunk(&run, &v, &checker, args.verbose);
    }
    (summary.schedules, counted)
}
